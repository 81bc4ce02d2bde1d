"""Structure helpers: the recommendation detectors.

Each detector looks for one way documents print recommendations and returns anchors (where
each recommendation starts, its number as printed and a title) plus ``stops`` (positions that
end the text belonging to the previous recommendation, e.g. a group heading or a conclusion).
Every detector is conservative: numbers must form an increasing sequence, repeats of a number
already seen are treated as cross-references, and contents lists and glossaries are skipped.

* ``headed``     — "Recommendation 7", "Recommendation 7: Title", "7. Recommendation 7"
* ``unnumbered`` — "Recommendation: ..." under numbered headings ("2. Policing response")
* ``listed``     — numbered items in a "Conclusions and recommendations" section; items tagged
                   "(Conclusion, Paragraph 6)" are conclusions, not recommendations
* ``inline``     — groups "4) Title" holding sub-recommendations "4a) i. ...", "4b. ...",
                   found anywhere in running text (PDFs that lost their line structure)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inquire.indexer.structure.units import Unit, inside, norm

from inquire.recnum import label, label_key, roman


@dataclass(frozen=True)
class Anchor:
    number: str
    start: int
    title: str | None = None
    heading: Unit | None = None  # the heading line, when the recommendation has one of its own
    section: str | None = None  # section label for a standalone heading


@dataclass
class Detection:
    kind: str
    anchors: list[Anchor] = field(default_factory=list)
    stops: list[int] = field(default_factory=list)
    sections: list[tuple[int, str]] = field(default_factory=list)  # (pos, label) of group headings


def _increasing(anchors: list[Anchor]) -> list[Anchor]:
    """Longest strictly increasing run of numbers (first occurrence of each number)."""
    seen: set[str] = set()
    cands = []
    for a in anchors:
        if a.number in seen:
            continue
        seen.add(a.number)
        cands.append(a)
    if not cands:
        return []
    keys = [label_key(a.number) for a in cands]
    best = [1] * len(cands)
    prev = [-1] * len(cands)
    for i in range(len(cands)):
        for j in range(i):
            if keys[j] < keys[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = max(range(len(cands)), key=lambda k: best[k])
    out = []
    while i >= 0:
        out.append(cands[i])
        i = prev[i]
    return out[::-1]


# --------------------------------------------------------------------------- headed

_HEADED = re.compile(
    r"^(?:(?P<lead>\d{1,3})[.)]\s+)?Recommendation\s+(?P<num>\d{1,3}[a-z]?)(?![\d.,]\d)"
    r"(?:\s*(?P<sep>[:.\-–—])(?:\s+(?P<rest>\S.*))?\s*$|\s*$)"
)
_LEADER = re.compile(r"(?:\.{3,}|…{2,})\s*\d{0,4}\s*$")


def _title_like(rest: str) -> bool:
    """The text after "Recommendation N:" is a title, not the start of the recommendation."""
    return (
        len(rest) <= 120
        and len(rest.split()) <= 18
        and not re.search(r"[.;:,)\]]$", rest)
        and rest[:1].isupper()
        and not re.match(r"(?:That|We|It|This|These|There|In|If|As|Where)\b", rest)
        and not re.search(r"\b(?:should|must|recommend|be)\b", rest)
    )


def headed(units: list[Unit], skip: list[tuple[int, int]], toc_titles: dict[str, str]) -> Detection:
    anchors: list[Anchor] = []
    for u in units:
        if inside(u.start, skip) or _LEADER.search(u.text):
            continue
        m = _HEADED.match(u.text)
        if not m or (m.group("lead") and m.group("lead") != m.group("num")):
            continue
        num = m.group("num")
        rest = (m.group("rest") or "").strip()
        standalone = not rest
        if rest and _title_like(rest):
            standalone = True
        title = toc_titles.get(num) or (rest if standalone and rest else None)
        section = f"Recommendation {num}" + (f": {title}" if title else "")
        anchors.append(Anchor(num, u.start, title, u if standalone else None, section))
    # A heading followed at once by another one is a row of a list or table, not a recommendation;
    # when a number occurs twice, a short first occurrence (a summary) yields to a longer one.
    unit_index = {u.start: k for k, u in enumerate(units)}
    ends = [a.start for a in anchors[1:]] + [units[-1].end]
    kept: list[tuple[Anchor, int]] = []
    for k, a in enumerate(anchors):
        nxt = anchors[k + 1].start if k + 1 < len(anchors) else None
        own = units[unit_index[a.start]]
        if nxt is not None and unit_index.get(nxt, -1) == unit_index[a.start] + 1 and len(own.text) < 150:
            continue
        kept.append((a, ends[k] - a.start))
    best: dict[str, tuple[Anchor, int]] = {}
    for a, size in kept:
        if a.number not in best or (best[a.number][1] < 300 and size > best[a.number][1]):
            best[a.number] = (a, size)
    chosen = sorted((a for a, _ in best.values()), key=lambda a: a.start)
    return Detection("headed", _increasing(chosen))


# --------------------------------------------------------------------------- unnumbered

_UNNUMBERED = re.compile(r"^Recommendations?\s*:\s*\S")
_NUM_HEAD = re.compile(r"^(?P<num>\d{1,2})[.)]\s+(?P<title>[A-Z‘“'][^\n]{2,100})$")


def unnumbered(units: list[Unit], skip: list[tuple[int, int]]) -> Detection:
    det = Detection("unnumbered")
    current: tuple[str, str] | None = None
    last_key = 0
    raw: list[Anchor] = []
    for u in units:
        if inside(u.start, skip):
            continue
        m = _NUM_HEAD.match(u.text)
        if m and not re.search(r"[.;,]$", u.text) and len(u.text.split()) <= 14:
            n = int(m.group("num"))
            if n > last_key:
                current, last_key = (m.group("num"), m.group("title").strip()), n
                det.stops.append(u.start)
            continue
        if _UNNUMBERED.match(u.text) and current:
            raw.append(Anchor(current[0], u.start, current[1]))
    if len(raw) >= 2:
        det.anchors = raw
    return det


# --------------------------------------------------------------------------- listed

_LIST_HEADS = {
    "recommendations",
    "conclusions and recommendations",
    "summary of recommendations",
    "list of recommendations",
    "summary of conclusions and recommendations",
    "recommendations and conclusions",
}
_ITEM = re.compile(r"^(?P<num>\d{1,3})\.\s+\S")
_TAG = re.compile(r"\((?P<kind>Recommendation|Conclusion)s?,\s*Paragraphs?\s+[\d,\s–-]+(?:and\s+\d+)?\)", re.I)


def listed(units: list[Unit], skip: list[tuple[int, int]], level1: list[int], level2: list[int]) -> Detection:
    det = Detection("listed")
    for k, u in enumerate(units):
        if inside(u.start, skip) or norm(u.text) not in _LIST_HEADS or u.start not in level1:
            continue
        end = next((p for p in level1 if p > u.start), None)
        items: list[tuple[int, Unit]] = []
        for v in units[k + 1 :]:
            if end is not None and v.start >= end:
                break
            m = _ITEM.match(v.text)
            if m and v.start not in level2 and v.start not in level1:  # "2. Policing response" is a heading
                n = int(m.group("num"))
                if (not items and n == 1) or (items and n == items[-1][0] + 1):
                    items.append((n, v))
        if len(items) < 2:
            continue
        section_end = end if end is not None else units[-1].end
        bounds = [v.start for _, v in items] + [section_end]
        subheads = [p for p in level2 if u.start < p < section_end]
        tagged = False
        kinds: list[str | None] = []
        for i, (_, v) in enumerate(items):
            stop = min([bounds[i + 1]] + [p for p in subheads if p > v.start])
            text = " ".join(x.text for x in units if v.start <= x.start < stop)
            tags = _TAG.findall(text)
            kinds.append(tags[-1].lower() if tags else None)
            tagged = tagged or bool(tags)
        for (n, v), kind in zip(items, kinds, strict=True):
            if kind == "recommendation" or (not tagged):
                det.anchors.append(Anchor(str(n), v.start))
            else:
                det.stops.append(v.start)
        det.stops.extend(subheads)
        det.stops.append(section_end)
    return det


# --------------------------------------------------------------------------- inline groups

_GROUP = re.compile(r"(?<![\w)(/.,-])(?P<num>\d{1,2})\)\s+(?=[A-Z])")
_REF_BEFORE = re.compile(r"(?:recommendations?|paragraphs?|para|under|see|in)\s*$", re.I)
_GROUP_REF_BEFORE = re.compile(r"(?:recommendation|paragraphs?|para|under|see)\s*$", re.I)


def _items_re(num: str) -> re.Pattern:
    return re.compile(rf"(?<![\w(/.,-]){num}(?P<let>[a-z]?)(?:\)\s?(?P<rom>[ivx]{{1,5}}))?\.\s+(?=[A-Z“\"‘(\[])")


def _subgroup_re(num: str) -> re.Pattern:
    return re.compile(rf"(?<![\w(/.,-]){num}[a-z](?:-[a-z])?\)\s?(?:[ivx]{{1,5}}(?:-[ivx]{{1,5}})?\)\s?)?(?=[A-Z])")


def inline(text: str, skip: list[tuple[int, int]], toc_titles: dict[str, str]) -> Detection:
    det = Detection("inline")
    groups: list[Anchor] = []
    for m in _GROUP.finditer(text):
        if inside(m.start(), skip) or _GROUP_REF_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
            continue
        groups.append(Anchor(m.group("num"), m.start()))
    groups = _increasing(groups)
    if len(groups) < 3:
        return det
    bounds = [g.start for g in groups] + [len(text)]
    anchors: list[Anchor] = []
    stops: list[int] = []
    for gi, g in enumerate(groups):
        lo, hi = g.start, bounds[gi + 1]
        gtitle_m = re.match(r"\d{1,2}\)\s+(.{3,120}?)(?=\s+\d{1,2}[a-z]?(?:\)|\.)\s|$)", text[lo:hi])
        gtitle = toc_titles.get(g.number) or (gtitle_m.group(1).strip() if gtitle_m else None)
        last: tuple | None = None
        items: list[Anchor] = []
        for m in _items_re(re.escape(g.number)).finditer(text, lo, hi):
            if _REF_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
                continue
            let, rom = m.group("let") or "", m.group("rom") or ""
            if rom and not roman(rom):
                continue
            key = (ord(let) - 96 if let else 0, roman(rom))
            if last is not None and key <= last:
                continue
            last = key
            items.append(Anchor(label(g.number, let, rom), m.start(), gtitle))
        if not items:
            continue
        anchors.extend(items)
        stops.append(lo)
        det.sections.append((lo, f"Recommendation {g.number}" + (f": {gtitle}" if gtitle else "")))
        item_starts = [a.start for a in items]
        for m in _subgroup_re(re.escape(g.number)).finditer(text, lo, hi):
            nxt = next((p for p in item_starts if p > m.start()), None)
            if nxt is not None and nxt - m.start() <= 300 and m.start() not in item_starts:
                stops.append(m.start())
    # Recommendations are worded as directions; a numbered outline that is not is left alone.
    bounds2 = [a.start for a in anchors[1:]] + [len(text)]
    directive = sum(
        1
        for a, e in zip(anchors, bounds2, strict=False)
        if re.search(r"\b(?:should|must|recommends?|ought|be)\b", text[a.start : min(e, a.start + 600)])
    )
    if len(anchors) >= 3 and directive >= 0.5 * len(anchors):
        det.anchors, det.stops = anchors, sorted(set(stops))
    else:
        det.sections = []
    return det


# --------------------------------------------------------------------------- tabled

_ROW = re.compile(r"^(?P<num>\d{1,2})(?P<let>[a-z](?:-[a-z])?)?(?:\s*\((?P<rom>[ivx]{1,5}(?:-[ivx]{1,5})?)\))?\s+(?=[A-Z])")


def tabled(units: list[Unit], skip: list[tuple[int, int]], levels: dict[int, int]) -> Detection:
    """Rows of a table of recommendations: "4a (i-iii) Introduce a statutory duty ..." under a
    heading that mentions recommendations. Rows must start at 1 and increase."""
    det = Detection("tabled")
    by_start = {u.start: u for u in units}
    heads = sorted(levels)
    for h in heads:
        hu = by_start.get(h)
        if hu is None or "recommendation" not in hu.text.lower() or inside(h, skip):
            continue
        end = next((p for p in heads if p > h and levels[p] <= levels[h]), None)
        rows: list[Anchor] = []
        for v in units:
            if v.start <= h or (end is not None and v.start >= end) or inside(v.start, skip):
                continue
            m = _ROW.match(v.text)
            if not m or re.match(r"^\d{1,2}\s+(?:[A-Z][a-z]+\s+)?\d{4}\b", v.text):
                continue
            rows.append(Anchor(label(m.group("num"), m.group("let") or "", m.group("rom") or ""), v.start))
        rows = _increasing(rows)
        if len(rows) >= 5 and rows[0].number == "1" and len(rows) > len(det.anchors):
            det.anchors = rows
            det.stops = [end] if end is not None else []
    return det
