"""Structure helpers: lines of the cleaned text, headings, contents lists and glossaries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inquire.records import CleanDocument, RegionKind


@dataclass(frozen=True)
class Unit:
    """One non-blank line of the cleaned text (a paragraph, heading or list item)."""

    start: int
    end: int
    text: str


def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    """``pos`` falls in one of the ``(start, end)`` spans."""
    return any(s <= pos < e for s, e in spans)


def units_of(text: str) -> list[Unit]:
    out: list[Unit] = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group(0)
        stripped = raw.strip()
        if not stripped:
            continue
        lead = len(raw) - len(raw.lstrip())
        s = m.start() + lead
        out.append(Unit(s, s + len(stripped), stripped))
    return out


# --------------------------------------------------------------------------- headings

TOP_NAMES = {
    "contents",
    "table of contents",
    "index",
    "executive summary",
    "foreword",
    "ministerial foreword",
    "introduction",
    "introduction and background",
    "conclusion",
    "conclusions",
    "conclusion and next steps",
    "conclusions and next steps",
    "conclusions and recommendations",
    "summary of recommendations",
    "list of recommendations",
    "recommendations",
    "formal minutes",
    "witnesses",
    "published written evidence",
    "glossary",
    "references",
    "bibliography",
    "annex",
    "annexes",
    "appendix",
    "appendices",
    "useful links",
    "summary",
}
_LEVEL1 = re.compile(r"^(?:\d{1,2}\s+)?(?:chapter|part|annex|appendix|section)\s+[\dA-Z]{1,3}\b", re.I)
_NUMBERED_TOP = re.compile(r"^\d{1,2}\s+[A-Z‘“']")
_NUMBERED_SUB = re.compile(r"^(?:\d{1,2}\.\d{1,2}\.?|\d{1,2}[.)])\s+[A-Z‘“']")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(rf"^(?:published\s+)?(?:\d{{1,2}}\s+)?(?:{_MONTHS})\s+\d{{4}}$", re.I)
_BULLET = re.compile(r"^(?:[•●▪■◦○‣∙·*►➢✓\-–—]|\(?[a-z]\)|\([ivx]+\))\s")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s&]", " ", text.lower())).strip()


def toc_entry_title(text: str) -> str:
    """A contents entry without its dot leaders and page number."""
    t = re.sub(r"\s*(?:\.{2,}|…+|(?:\. ){2,})\s*\d{0,4}\s*$", "", text)
    t = re.sub(r"\s+\d{1,4}(?:\s*[-–]\s*\d{1,4})?$", "", t)
    return t.strip()


def heading_level(text: str, toc_titles: set[str], flat_toc: bool) -> int:
    """0 when the line is not a heading, else 1 (major) or 2 (minor)."""
    t = text.strip()
    if len(t) > 120 or len(t.split()) > 16 or len(t) < 2:
        return 0
    if re.search(r"[.,;]['’\"”)]*\d{0,3}$", t) and not _LEVEL1.match(t):
        return 0
    if t.endswith(":") and len(t.split()) > 4:
        return 0
    if re.search(r",\s.*\b(?:19|20)\d\d\b", t):  # a citation, not a heading
        return 0
    if not (t[0].isupper() or t[0].isdigit()) or _BULLET.match(t):
        return 0
    if not re.search(r"[A-Za-z]{3,}", t):
        return 0  # "F F P", "P": table cells
    letters = sum(c.isalpha() for c in t)
    if letters < 0.5 * len(t.replace(" ", "")) or letters < 3 or _DATE.match(t):
        return 0
    if ":" in t.rstrip(":") and not _LEVEL1.match(t) and not re.match(r"^[A-Z][\w ]{0,25}:\s+[A-Z]", t):
        return 0
    n = norm(t)
    if _LEVEL1.match(t) or n in TOP_NAMES:
        return 1
    if letters >= 4 and not any(c.islower() for c in t):
        if not re.search(r"[A-Z]{3,}", t):
            return 0  # "F F F P": table cells
        return 1
    if t.startswith(tuple("0123456789")):
        numbered_toc = [x for x in toc_titles if x[:1].isdigit()]
        if numbered_toc and not any(n == x or x.startswith(n) or n.startswith(x) for x in numbered_toc):
            return 0  # the contents list says which numbered headings exist
        if _NUMBERED_TOP.match(t):
            return 1
        if _NUMBERED_SUB.match(t):
            return 2
        return 0
    if n in toc_titles:
        return 1 if flat_toc else 2
    if re.search(r"\b(?:should|must|shall|will|would)\b", t):
        return 0  # a sentence that lost its full stop, not a heading
    return 2


# --------------------------------------------------------------------------- contents lists

_TOC_HEAD = re.compile(r"^(?:contents|table of contents|index)$", re.I)
_TOC_LINE = re.compile(r"(?:\.{3,}|…{2,})\s*\d{0,4}\s*$|\s\d{1,3}(?:\s*[-–]\s*\d{1,3})?$|^\d{1,2}\.\s+\d{1,2}\.\s")


@dataclass
class Toc:
    start: int
    end: int
    titles: list[str] = field(default_factory=list)  # entry titles, leaders/page numbers removed


def find_tocs(units: list[Unit]) -> list[Toc]:
    tocs: list[Toc] = []
    i = 0
    while i < len(units):
        if not _TOC_HEAD.match(units[i].text):
            i += 1
            continue
        toc = Toc(units[i].start, units[i].end)
        seen: list[str] = []
        j = i + 1
        while j < len(units):
            t = units[j].text
            title = toc_entry_title(t)
            tocish = bool(_TOC_LINE.search(t)) or (len(t) <= 90 and not re.search(r"[.;,]$", t))
            n = norm(t)  # the whole entry: "Recommendation 1", "Recommendation 2" share a title
            if not tocish or n in seen or len(t) > 400 or (len(n) >= 6 and any(n in x for x in seen)):
                break
            seen.append(n)
            toc.titles.append(title)
            toc.end = units[j].end
            j += 1
        if toc.titles:
            tocs.append(toc)
        i = j
    return tocs


_TITLE_ENTRY = re.compile(r"Recommendation\s+(\d{1,3}[a-z]?)\s*[:.–-]\s+")


def recommendation_titles(texts: list[str]) -> dict[str, str]:
    """``Recommendation N: Title`` entries from contents lists (page numbers stripped)."""
    titles: dict[str, str] = {}
    for text in (line for t in texts for line in t.split("\n")):
        ms = list(_TITLE_ENTRY.finditer(text))
        for k, m in enumerate(ms):
            end = ms[k + 1].start() if k + 1 < len(ms) else len(text)
            raw = text[m.end() : end]
            raw = re.split(r"\s*(?:\.{2,}|…{2,})", raw)[0]
            raw = re.split(r"\s\d{1,3}(?:\s*[-–]\s*\d{1,3})?(?:\s|$)", " " + raw + " ", maxsplit=1)[0].strip()
            raw = raw.strip(" .:-–")
            if raw and len(raw) <= 150 and m.group(1) not in titles:
                titles[m.group(1)] = raw
    return titles


@dataclass(frozen=True, order=True)
class Special:
    """An aside with a section of its own, which holds no recommendation and no heading: a contents
    list, a glossary (or another block the document repeated) or the footnotes."""

    start: int
    end: int
    path: tuple[str, ...]  # its section path: ("Contents",), ("Glossary",), ("Footnotes",) ...


def glossary_regions(clean: CleanDocument) -> list[Special]:
    """Repeated blocks kept once by cleaning, named "Glossary" when they read like one."""
    out = []
    for s, e, kind in clean.regions:
        if kind != RegionKind.REPEATED_BLOCK:
            continue
        lines = [ln.strip() for ln in clean.text[s:e].split("\n") if ln.strip()]
        sentences = sum(1 for ln in lines if ln.endswith((".", ".)")) and len(ln) >= 30)
        name = "Glossary" if lines and sentences >= 0.6 * len(lines) else "Repeated block"
        out.append(Special(s, e, (name,)))
    return out
