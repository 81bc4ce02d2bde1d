"""Answer judging for the inquire evaluation sets (stdlib only).

Rule: a retrieved passage is correct for a query if ANY of the query's
answer strings, after ``squash`` (``normalise`` then letters and digits only), is a
substring of the passage text after ``squash``. Normalisation (applied identically to
both sides):

1. join PDF line-break hyphenation: ``word-\\nword`` -> ``wordword``
   (ASCII or U+2010 hyphen directly after a letter/digit, optional spaces,
   one newline, optional spaces, then a letter/digit);
2. remove soft hyphens (U+00AD), together with a line break right after one;
3. expand the typographic ligatures U+FB00-U+FB04 (ﬀ ﬁ ﬂ ﬃ ﬄ) to plain letters;
4. lowercase;
5. curly quotes ‘ ’ ‚ ‛ -> ' and “ ” „ ‟ -> ";
6. hyphen/dash variants (U+2010-U+2015, U+2212) -> '-';
7. collapse every whitespace run (incl. newlines, NBSP) to one space; strip.

Step 1 runs before step 6, so an en/em dash at a line end is never "joined".
"""

from __future__ import annotations

import re

_HYPHEN_BREAK = re.compile(r"(\w)[-\u2010][ \t]*\r?\n\s*(?=\w)")
_SOFT_HYPHEN = re.compile(r"\u00ad(?:[ \t]*\r?\n[ \t]*)?")
_WS = re.compile(r"\s+")
_TRANSLATE = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)


def normalise(text: str) -> str:
    """Normalise text for answer matching (see module docstring)."""
    text = _HYPHEN_BREAK.sub(r"\1", text)
    text = _SOFT_HYPHEN.sub("", text)
    text = text.translate(_TRANSLATE).lower()
    return _WS.sub(" ", text).strip()


def squash(text: str) -> str:
    """``normalise`` then keep letters and digits only: immune to PDF spacing and hyphen quirks
    ("pr ovides", "whole-\nsystem" vs "whole-system")."""
    return _NON_ALNUM.sub("", normalise(text))


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def passage_matches(text: str, answers: list[str]) -> bool:
    """True if any answer is a substring of the text, compared after ``squash``."""
    hay = squash(text)
    return any((a := squash(ans)) and a in hay for ans in answers)
