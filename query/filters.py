"""The words filters take, shared by ``inquire search``/``ask`` (``query.search.Filters``), the tracker
(``inquire recs``) and the web page: dates as a reader writes them and stance names."""

from __future__ import annotations

import re

from inquire.errors import QueryError

_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def check_date(value: str | None, option: str) -> str | None:
    """``value`` when it is a date as YYYY, YYYY-MM or YYYY-MM-DD; a QueryError naming ``option`` otherwise."""
    if value is not None and not _DATE.fullmatch(value.strip()):
        raise QueryError(f"{option} {value!r} is not a date; give YYYY, YYYY-MM or YYYY-MM-DD, e.g. {option} 2024-03")
    return value.strip() if value else None


def check_range(
    since: str | None, until: str | None, names: tuple[str, str] = ("--since", "--until")
) -> tuple[str | None, str | None]:
    """The two bounds as ``check_date`` returns them, once both are dates and ``since`` is not after
    ``until`` (compared at the coarser precision)."""
    since, until = check_date(since, names[0]), check_date(until, names[1])
    if since and until and since[: len(until)] > until[: len(since)]:
        raise QueryError(f"{names[0]} {since} is after {names[1]} {until}; swap them")
    return since, until


def within(date: str | None, since: str | None = None, until: str | None = None) -> bool:
    """Whether ``date`` (as precise as stated) may fall in [since, until]; compared at the coarser
    of the two precisions, so "2024" is within --since 2024-06. Undated: only when no bound is given."""
    if since is None and until is None:
        return True
    if date is None:
        return False
    if since is not None and date[: len(since)] < since[: len(date)]:
        return False
    return until is None or date[: len(until)] <= until[: len(date)]


# Words a reader may use for a stance, beside the stance names themselves (indexer.stance.STANCES).
_STANCE_WORDS = {
    "rejected": "not accepted",
    "declined": "not accepted",
    "in principle": "accepted in principle",
    "partially accepted": "accepted in part",
    "partly accepted": "accepted in part",
    "in part": "accepted in part",
    "considering": "under consideration",
    "not for us": "not for this body",
}


def stance_value(text: str, option: str = "stance") -> str:
    """The stance ``text`` names (one of ``indexer.stance.STANCES``, any case, or a word such as
    "rejected"); a QueryError naming ``option`` and listing the stances otherwise."""
    from inquire.indexer.stance import STANCES

    key = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    if key in STANCES:
        return key
    if key in _STANCE_WORDS:
        return _STANCE_WORDS[key]
    raise QueryError(f"unknown {option} {text!r}; use one of: {', '.join(STANCES)}")
