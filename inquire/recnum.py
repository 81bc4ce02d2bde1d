"""Recommendation numbers: how reports print them, their canonical label, and which numbers match.

Every part of inquire that reads, stores, compares or scores a recommendation number uses this
module. Three forms of a number:

* printed, as a report or a query writes it: ``"7"``, ``"4a) iv"``, ``"12 d-e"``, ``"12d-e"``,
  ``"4(a)"``, ``"4a(iv)"``, ``"10a(ii)"``, ``"4c(i-iii)"`` (:data:`REC_NUMBER` finds them in text);
* label, the canonical form the structure finder stores: number, then a letter or letter range,
  then a roman numeral or roman range: ``"7"``, ``"4a"``, ``"4a iv"``, ``"12 d-e"``, ``"4c i-iii"``
  (:func:`label`, split by :func:`label_parts`, ordered by :func:`label_key`);
* key, for comparing any two of them: lower case without spaces or brackets, ``"12d-e"``,
  ``"4aiv"``, ``"10aii"`` (:func:`normalise_rec`).

Two relations between numbers: :func:`rec_matches` (search, filters, ``inquire rec``: a number is
the one wanted or a sub-part of it, a range standing for each number in it) and :func:`covers`
(scoring: a response's label covers a recommendation when each of its parts is that part or a
range containing it).
"""

from __future__ import annotations

import functools
import re

# --------------------------------------------------------------------------- roman numerals

ROMAN_VALUES = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
    "xiii": 13,
    "xiv": 14,
    "xv": 15,
}
_NUMERALS = {v: k for k, v in ROMAN_VALUES.items()}


def roman(numeral: str) -> int:
    """Value of a roman numeral from i to xv, any case; 0 for anything else."""
    return ROMAN_VALUES.get(numeral.lower(), 0)


# --------------------------------------------------------------------------- printed numbers in text

# A recommendation number as printed: "9", "9e", "12 d-e", "12d-e", "4(a)", "4a(iv)", "4a) iv",
# "10a(ii)", "4c(i-iii)". One pattern for query understanding and for passages that name one.
_SUB = r"(?:\)?\s?\(?[a-z]\)?(?![a-z])(?:\s?[-–]\s?\(?[a-z]\)?(?![a-z]))?)?"
_ROMAN = r"(?:\s?\(?[ivx]{1,4}\)?(?![a-z])(?:\s?[-–]\s?\(?[ivx]{1,4}\)?(?![a-z]))?)?"
# A number may be a paragraph number of the list it sits in: "8.1", "8.33" (a chapter's conclusions and
# recommendations numbered by paragraph); "8" then stands for all of them, as "4" does for 4a-4e.
REC_NUMBER = rf"\d{{1,3}}(?:\.\d{{1,3}}(?!\d|\.\d))?(?!\d){_SUB}{_ROMAN}"
_MENTION = re.compile(rf"\brecommendations?\s+({REC_NUMBER}(?:\s*(?:,|and|&|or)\s*{REC_NUMBER})*)", re.I)
MAX_MENTIONS = 6  # a passage naming more is a list (a table, a contents page), not a discussion


def normalise_rec(number: str) -> str:
    """Key for comparing recommendation numbers: "12 d-e" -> "12d-e", "4A)" -> "4a",
    "10a(ii)" -> "10aii"."""
    return re.sub(r"[\s()]+", "", number.lower())


def mentioned_recs(text: str) -> tuple[str, ...]:
    """Recommendation numbers a passage names in words ("recommendations 3 and 4, and
    recommendation 12 d-e" -> 3, 4, 12d-e), as keys, in order of first mention; none when it names
    more than :data:`MAX_MENTIONS`."""
    found: list[str] = []
    for m in _MENTION.finditer(text):
        for part in re.findall(REC_NUMBER, m.group(1), flags=re.I):
            num = normalise_rec(part)
            if num and num not in found:
                found.append(num)
    return tuple(found) if len(found) <= MAX_MENTIONS else ()


# --------------------------------------------------------------------------- matching (search)


def _atoms(key: str) -> list[str]:
    """A key and, when it is a range, each key inside it: "12d-e" -> 12d-e, 12d, 12e;
    "10aii-iii" -> 10aii-iii, 10aii, 10aiii."""
    m = re.fullmatch(r"(\d+)\.(\d+)-(?:\1\.)?(\d+)", key)  # 8.3-8.4, 8.14-16
    if m and int(m.group(2)) < int(m.group(3)) <= int(m.group(2)) + 50:
        return [key] + [f"{m.group(1)}.{k}" for k in range(int(m.group(2)), int(m.group(3)) + 1)]
    m = re.fullmatch(r"(\d+)([a-z])-([a-z])", key)
    if m and m.group(2) < m.group(3):
        return [key] + [m.group(1) + chr(c) for c in range(ord(m.group(2)), ord(m.group(3)) + 1)]
    m = re.fullmatch(r"(\d+[a-z]?)([ivx]+)-([ivx]+)", key)
    if m and m.group(2) in ROMAN_VALUES and m.group(3) in ROMAN_VALUES:
        lo, hi = ROMAN_VALUES[m.group(2)], ROMAN_VALUES[m.group(3)]
        return [key] + [m.group(1) + _NUMERALS[v] for v in range(lo, hi + 1)]
    return [key]


def _is_part(n: str, w: str) -> bool:
    """Key ``n`` is key ``w`` or a sub-part of it (both single numbers)."""
    if n == w:
        return True
    if not w or not n.startswith(w):
        return False
    nxt = n[len(w)]
    if w[-1].isdigit():
        return not nxt.isdigit()  # 12 -> 12a, 12d-e; never 12 -> 123
    if re.search(r"\d[a-z]$", w):
        return True  # 4a -> 4aiv, 4a-b
    return not nxt.isalpha()  # 10ai -> 10ai-iii; never 10ai -> 10aii


@functools.lru_cache(maxsize=65536)  # search checks every recommendation chunk against the query's numbers
def rec_matches(number: str, wanted: str) -> bool:
    """``number`` is recommendation ``wanted`` or one of its sub-parts ("4a iv" matches "4a" and "4";
    "10a ii" does not match "10a i"; "123" does not match "12"). Ranges stand for each number in
    them: "12d" matches "12 d-e", and "10a iii" matches "10a ii-iii". Any printed form or label."""
    n, w = normalise_rec(number), normalise_rec(wanted)
    return any(_is_part(a, b) for a in _atoms(n) for b in _atoms(w))


# --------------------------------------------------------------------------- labels (structure)


def label(num: str, letter: str = "", sub: str = "") -> str:
    """Canonical label from its parts: ``("7")`` -> "7", ``("4", "a")`` -> "4a",
    ``("4", "a", "iv")`` -> "4a iv", ``("12", "d-e")`` -> "12 d-e"."""
    num = num.strip()
    letter = (letter or "").strip().lower()
    sub = (sub or "").strip().lower()
    out = f"{num} {letter}" if "-" in letter else f"{num}{letter}"
    return f"{out} {sub}" if sub else out


# Number, letter or letter range, roman numeral or roman range; tolerant of how a hand-written
# label prints them ("4a (i-iii)", "9a - c", "4A").
_LABEL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z](?:\s*-\s*[a-z])?)?\s*([ivx]+(?:\s*-\s*[ivx]+)?)?\s*$")


def _split(number: str) -> tuple[str, str, str] | None:
    """(number, letter part, roman part) of a label, "" for a part it lacks; None if not a label."""
    # a dot between digits is part of the number ("8.1"); any other dot is punctuation ("4a.")
    m = _LABEL.match(re.sub(r"[()]|\.(?!\d)|(?<!\d)\.", " ", number.lower()))
    if not m:
        return None
    num, letter, sub = (re.sub(r"\s", "", p or "") for p in m.groups())
    return num, letter, sub


def label_parts(number: str) -> tuple[str, ...]:
    """The parts a label has: "4a iv" -> ("4", "a", "iv"); "12 d-e" -> ("12", "d-e");
    "4a (i-iii)" -> ("4", "a", "i-iii"). Anything else is one part: itself."""
    parts = _split(number)
    return tuple(p for p in parts if p) if parts else (number,)


def label_key(number: str) -> tuple:
    """Sort key of a label: (number, letter, roman), a range by its first member."""
    parts = _split(number)
    if not parts:
        return ((10**6,), number)
    num, letter, sub = parts
    return (tuple(int(x) for x in num.split(".")), ord(letter[0]) - 96 if letter else 0, roman(sub.split("-")[0]))


def common_label(labels: list[str]) -> str:
    """One label for several consecutive labels answered together.

    The shared leading part with the range of the parts answered, whether or not they are all the
    parts it has (``2a, 2b, 2c`` -> ``"2 a-c"``: a response that answers every part answers each part,
    and ``rec 2b`` finds it by the range; ``4a iv, 4a v`` of 4a i-v -> ``"4a iv-v"``; ``7b ... 7e``
    -> ``"7 b-e"``).
    """
    if len(labels) == 1:
        return labels[0]
    parts = [label_parts(x) for x in labels]
    common: list[str] = []
    for group in zip(*parts, strict=False):
        if len(set(group)) != 1:
            break
        common.append(group[0])
    if not common:
        return f"{labels[0]}-{labels[-1]}"
    if len(common) >= min(len(p) for p in parts):
        return label(*common) if len(common) > 1 else common[0]
    k = len(common)
    rng = f"{parts[0][k]}-{parts[-1][k]}"
    if k == 1:
        return label(common[0], rng)
    return label(common[0], common[1], rng)


# --------------------------------------------------------------------------- covering (scoring)


def _part_covers(part: str, wanted: str) -> bool:
    """One label part covers another: equal, or a letter or roman range containing it."""
    if part == wanted:
        return True
    if "-" not in part:
        return False
    lo, hi = part.split("-", 1)
    if re.fullmatch(r"[ivx]+", lo) and re.fullmatch(r"[ivx]+", hi) and re.fullmatch(r"[ivx]+", wanted):
        return roman(lo) <= roman(wanted) <= roman(hi)
    if len(lo) == len(hi) == len(wanted) == 1:
        return lo <= wanted <= hi
    return False


def covers(response: str | None, recommendation: str) -> bool:
    """Whether a response labelled ``response`` answers recommendation ``recommendation``:
    "2" answers "2b", "12 a-c" answers "12b", "4a" answers "4a iv"; "1" does not answer "12"."""
    if not response:
        return False
    a, b = label_parts(response), label_parts(recommendation)
    if len(a) > len(b):
        return False
    return all(_part_covers(x, y) for x, y in zip(a, b, strict=False))
