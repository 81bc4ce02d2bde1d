"""Cleaning helpers: repair words and unwrap hard-wrapped PDF lines into paragraphs.

``unwrap`` decides, for each pair of consecutive source lines, whether the second continues the
first (joined with a space, or with nothing after a hyphen), starts a new line (bullets) or a
new paragraph (blank line). The decision uses the document's typical line width: a line that
stops well short of it ended a paragraph or is a heading.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from inquire.indexer.clean.furniture import Line, RegionTag

JOIN, LINE, PARA = " ", "\n", "\n\n"


@dataclass(frozen=True)
class Piece:
    """A piece of the cleaned text: a source line's text and the separator that goes before it
    (``JOIN``, ``LINE``, ``PARA``, or ``""`` for the first piece and a word continued after a hyphen)."""

    sep: str
    text: str
    page: int  # index into RawDocument.pages
    tag: RegionTag | None = None


BULLET = re.compile(r"^(?:[•●▪■◦○‣∙·*►➢✓\-–—]\s*|\(?[a-z]\)\s|\([ivx]{1,4}\)\s|[ivx]{1,4}\)\s)")
NUMBERED = re.compile(r"^\d{1,3}[.)]\s+\S")
HEAD_PATTERN = re.compile(
    r"^(?:recommendations?\b|response\b|chapter\s+\d|annex\b|appendix\b|part\s+\d|section\s+\d|"
    r"(?:[A-Z][\w’'&-]*\s+){0,4}response\s*(?:to\b.*)?:?$)",
    re.I,
)
_TERMINAL = re.compile(r"[.!?:;]['’\"”)\]]*$")
_CONTINUES = re.compile(
    r"(?:[,&(/]|\b(?:and|or|of|the|to|for|in|on|with|by|a|an|at|from|that|as|its|their|which|is|are|be)|\s[-–—])$", re.I
)
_ENDS_ITEM = re.compile(r"(?:[.!?:;)]['’\"”)\]]*|[.!?]['’\"”]*\d{1,3})$")
_LEADER = re.compile(r"(?:\.{3,}|…{2,}|\. \. \.)\s*\d{1,4}$")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z’'-]*[A-Za-z]|[A-Za-z]")


def vocabulary(lines: list[Line]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ln in lines:
        counts.update(t.lower() for t in _TOKEN.findall(ln.text))
    return counts


def typical_width(lines: list[Line]) -> int:
    """The length of a full line: 80th percentile of lines with at least four words."""
    lengths = sorted(len(ln.text) for ln in lines if not ln.flat and ln.text.count(" ") >= 3)
    if len(lengths) < 10:
        return 0
    return lengths[int(0.8 * (len(lengths) - 1))]


def merge_broken_words(text: str, vocab: Counter[str]) -> tuple[str, int]:
    """Re-join a word split by a stray space (``Gover nment``) when the joined form is a word of
    the document and neither piece is."""
    if " " not in text:
        return text, 0
    parts = text.split(" ")
    out: list[str] = []
    merged = 0
    i = 0
    while i < len(parts):
        cur = parts[i]
        if i + 1 < len(parts):
            a, b = cur, parts[i + 1]
            ma = re.fullmatch(r"[A-Za-z]{2,}", a)
            mb = re.match(r"([a-z][a-z’']+)", b)
            if ma and mb:
                joined = (a + mb.group(1)).lower()
                if vocab[joined] >= 2 and vocab[a.lower()] <= 1 and vocab[mb.group(1).lower()] <= 1:
                    out.append(a + b)
                    merged += 1
                    i += 2
                    continue
        out.append(cur)
        i += 1
    return " ".join(out), merged


def _hyphen_keep(a: str, b: str, vocab: Counter[str]) -> bool | None:
    """``a`` ends in ``word-`` and ``b`` starts in lower case: keep the hyphen (a compound) or not.

    ``None`` when this is not a hyphen break. The hyphen is dropped only when the joined word
    occurs elsewhere in the document and the hyphenated compound does not.
    """
    if re.search(r"\d[-–]$", a) and b[:1].isdigit():
        return True  # a number range broken after its dash: "2024–" / "25"
    m = re.search(r"([A-Za-z]+)-$", a)
    n = re.match(r"([a-z]+)", b)
    if not m or not n:
        return None
    whole = (m.group(1) + n.group(1)).lower()
    compound = f"{m.group(1)}-{n.group(1)}".lower()
    return not (vocab[whole] > 0 and vocab[compound] == 0)


def _heading_like(text: str, width: int) -> bool:
    if HEAD_PATTERN.match(text) and len(text) < 90:
        return True
    return bool(width) and len(text) < 0.6 * width and not _TERMINAL.search(text) and text[:1].isupper()


def unwrap(lines: list[Line], vocab: Counter[str]) -> tuple[list[Piece], int]:
    """The pieces of the unwrapped text, and how many hyphenated line breaks were joined.

    Blank source lines are consumed (they become paragraph breaks). A line that continues a
    hyphenated word gets the separator ``""``; if the hyphen was only a line-break hyphen it
    is removed from the end of the previous piece.
    """
    width = typical_width(lines)
    hyphen_joins = 0
    out: list[Piece] = []
    blank_before = False
    prev: Line | None = None
    nonblank = [ln for ln in lines if ln.text]
    following = {id(a): b for a, b in zip(nonblank, nonblank[1:], strict=False)}
    for ln in lines:
        if not ln.text:
            blank_before = True
            continue
        if prev is None:
            out.append(Piece("", ln.text, ln.page, ln.tag))
        else:
            sep = _decide(prev, ln, blank_before, width, following.get(id(ln)))
            if sep == JOIN:
                keep = _hyphen_keep(out[-1].text, ln.text, vocab)
                if keep is not None:
                    if not keep:
                        out[-1] = replace(out[-1], text=out[-1].text[:-1])
                    sep = ""
                    hyphen_joins += 1
            out.append(Piece(sep, ln.text, ln.page, ln.tag))
        prev = ln
        blank_before = False
    return out, hyphen_joins


def _decide(a: Line, b: Line, blank_before: bool, width: int, c: Line | None = None) -> str:
    """Separator between source lines ``a`` and ``b`` (``c`` is the line after ``b``)."""
    at, bt = a.text, b.text
    a_foot, b_foot = a.in_footnotes, b.in_footnotes
    if a_foot != b_foot or (a_foot and a.tag != b.tag):
        return PARA
    if b_foot and re.match(r"^\d{1,3}\s", bt):
        return LINE
    new_page = a.page != b.page
    if BULLET.match(bt):
        return LINE if not blank_before else PARA
    if blank_before and not (new_page and b.text[:1].islower()):
        return PARA
    if b.flat or a.flat:
        if new_page and _TERMINAL.search(at) and not bt[:1].islower():
            return PARA
        return JOIN
    if _LEADER.search(at):
        return LINE
    if bt[:1].islower() or _CONTINUES.search(at) or (re.search(r"\d[-–]$", at) and bt[:1].isdigit()):
        return JOIN
    if new_page and _heading_like(bt, width):
        return PARA
    short_a = bool(width) and len(at) < 0.7 * width
    if short_a:
        return PARA
    # A heading-like line that stopped although the next word would have fitted was not wrapped.
    first = bt.split(" ", 1)[0]
    if width and len(at.split()) <= 10 and at[:1].isupper() and len(at) + 1 + len(first) < 0.85 * width:
        return PARA
    if NUMBERED.match(bt) and _ENDS_ITEM.search(at):
        return PARA
    if _ENDS_ITEM.search(at) and _heading_like(bt, width) and (c is None or not c.text[:1].islower()):
        return PARA  # "... (Recommendation, Paragraph 17)" / "Policing response to disorder" / "4. ..."
    if _TERMINAL.search(at):
        if new_page or _heading_like(bt, width):
            return PARA
    return JOIN
