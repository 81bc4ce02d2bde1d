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
from dataclasses import dataclass, field, replace

from inquire.indexer.structure.units import Unit, inside, norm

from inquire.recnum import label, label_key, label_parts, roman


@dataclass(frozen=True)
class Anchor:
    number: str
    start: int
    title: str | None = None
    heading: Unit | None = None  # the heading line, when the recommendation has one of its own
    section: str | None = None  # section label for a standalone heading
    addressee: str | None = None  # who it is sent to, when the document lists that apart from the text


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
    chosen = canonical_printings([a for a, _ in kept], chosen, {u.start: u for u in units})
    return Detection("headed", _increasing(chosen))


def _opening(a: Anchor, by_start: dict[int, Unit], units_after: dict[int, Unit]) -> str:
    """The first words of a recommendation's own text (after its heading line), normalised."""
    u = by_start[a.start]
    body = u.text if a.heading is None else (units_after[u.start].text if u.start in units_after else "")
    body = re.sub(r"^\W*(?:recommendation\s+)?\d{1,3}[a-z]?\W+(?:[ivx]{1,5}\W+)?", "", body.lower())
    return re.sub(r"\W+", " ", body)[:60].strip()


def canonical_printings(every: list[Anchor], chosen: list[Anchor], by_start: dict[int, Unit]) -> list[Anchor]:
    """A report that prints each recommendation twice with the same words (a box in its chapter and a
    consolidated list at the end, or the list first) is tracked at one printing: the one in the
    longest run of increasing numbers (a list restarts the numbering), and of runs as long the
    densest (a list holds only the recommendations; chapters hold pages of prose between them).
    ``chosen`` holds one anchor per number; printings whose words differ (a short summary and the
    full text) keep the choice already made."""
    if len({a.number for a in every}) == len(every):
        return chosen
    starts = sorted(by_start)
    units_after = {a: by_start[b] for a, b in zip(starts, starts[1:], strict=False)}
    ordered = sorted(every, key=lambda a: a.start)
    runs: list[list[Anchor]] = []
    for a in ordered:
        if runs and label_key(a.number) > label_key(runs[-1][-1].number):
            runs[-1].append(a)
        else:
            runs.append([a])
    rank: dict[int, tuple[int, float]] = {}
    for run in runs:
        span = (run[-1].start - run[0].start) / len(run)
        for a in run:
            rank[a.start] = (-len(run), span)
    printings: dict[str, list[Anchor]] = {}
    for a in ordered:
        printings.setdefault(a.number, []).append(a)
    out = []
    for a in chosen:
        mine = _opening(a, by_start, units_after)
        same = [b for b in printings.get(a.number, [a]) if _opening(b, by_start, units_after) == mine]
        out.append(min(same, key=lambda b: rank[b.start]) if len(same) > 1 else a)
    return sorted(out, key=lambda a: a.start)


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

# A heading that names a list of recommendations, squashed (spaces dropped: "C ONCLUSIONS" is how some PDFs
# spell a spaced capital): "Recommendations", "2. RECOMMENDATIONS", "Summary of conclusions and
# recommendations", "Appendix 4: List of recommendations made in this Report", "The Recommendations".
_LIST_HEAD = re.compile(
    r"^(?:(?:chapter|part|section|appendix|annex)?(?:\d{1,2}|[ivx]{1,4}|[a-h])?)?"
    r"(?:the|our|key|main|principal|full)?(?:(?:summary|list|schedule)of(?:the|our)?)?"
    r"(?:(?:conclusions|findings)and)?recommendations(?:andconclusions)?(?:madeinthis(?:report|review))?$"
)
_ITEM = re.compile(r"^(?P<num>\d{1,3}|\d{1,2}\.\d{1,3}[a-z]?)\.?\s+[^\s\d]")
_TAG = re.compile(r"\((?P<kind>Recommendation|Conclusion)s?,\s*Paragraphs?\s+[\d,\s–-]+(?:and\s+\d+)?\)", re.I)
# A summary item points back to the paragraphs it sums up: "(paragraph 4.16)", "(Paragraphs 47-49)".
_POINTER = re.compile(r"\((?:see\s+)?(?:paragraphs?|paras?\.?)\s+\d", re.I)
# What a recommendation says, in a list that mixes conclusions and recommendations.
DIRECTIVE = re.compile(
    r"\b(?:should|must|shall|ought|recommends?|recommended|urge[sd]?|call(?:s|ed)? (?:on|upon)|encourage[sd]?|needs? to)\b",
    re.I,
)


def list_heading(text: str) -> bool:
    """``text`` is a heading over a list of recommendations (or of conclusions and recommendations)."""
    if len(text.split()) > 12 or text.rstrip().endswith((".", ";", ",")):
        return False
    return bool(_LIST_HEAD.match(norm(text).replace(" ", "")))


def _follows(prev: str | None, num: str, text: str) -> bool:
    """``num`` is the next item of a list whose last item is ``prev``: 1, 2, 3 ... or paragraph numbers
    of one chapter, 8.1, 8.2 ... (a gap of a few paragraphs allowed; "8.32a" after "8.31"). A plain
    "1." must end with a full stop ("1. Text"), a paragraph number may not ("8.1 Text")."""
    dotted = "." in num
    if not dotted and not re.match(r"^\d{1,3}\.\s", text):
        return False
    if prev is None:
        return num == "1" or (dotted and num.split(".")[1] == "1")
    if "." in prev and dotted:
        (c0, p0), (c1, p1) = prev.split(".", 1), num.split(".", 1)
        a, b = int(re.sub(r"\D", "", p0)), int(re.sub(r"\D", "", p1))
        return c0 == c1 and (a < b <= a + 3 or (a == b and p1 > p0))
    return not dotted and "." not in prev and int(num) == int(prev) + 1


def _list_items(units: list[Unit], k: int, skip: list[tuple[int, int]], headings: set[int]) -> tuple[list[tuple[str, Unit]], int]:
    """Items "1.", "2.", ... after the list heading ``units[k]``, and where the list ends: at a major
    heading that is not followed by the next item soon, another list heading, or a long stretch
    without the next item."""
    items: list[tuple[str, Unit]] = []
    since = 0
    for j in range(k + 1, len(units)):
        v = units[j]
        if inside(v.start, skip):
            continue
        m = _ITEM.match(v.text)
        prev = items[-1][0] if items else None
        if m and _follows(prev, m.group("num"), v.text) and v.start not in headings:
            items.append((m.group("num"), v))
            since = 0
            continue
        since += 1
        nxt = units[j + 1 : j + 6]
        soon = any((mm := _ITEM.match(w.text)) and _follows(prev, mm.group("num"), w.text) for w in nxt)
        if list_heading(v.text) or since > 40 or (v.start in headings and items and not soon and not m):
            return items, v.start
    return items, units[-1].end + 1


def listed(units: list[Unit], skip: list[tuple[int, int]], level1: list[int], level2: list[int]) -> Detection:
    """Numbered items under a heading naming recommendations. Items tagged "(Conclusion, Paragraph 6)"
    are conclusions; in an untagged list whose heading names conclusions (or findings) as well, an
    item is a recommendation when it directs (should, must, recommend, call on ...)."""
    det = Detection("listed")
    headings = set(level1) | set(level2)
    lists: list[tuple[Unit, list[tuple[str, Unit]], int]] = []
    for k, u in enumerate(units):
        if inside(u.start, skip) or not list_heading(u.text):
            continue
        items, end = _list_items(units, k, skip, headings)
        if len(items) >= 2:
            lists.append((u, items, end))
    taken: set[str] = set()
    for u, items, section_end in sorted(lists, key=lambda x: -len(x[1])):  # the longest list of a number wins
        if taken & {n for n, _ in items}:
            continue
        taken |= {n for n, _ in items}
        item_starts = {v.start for _, v in items}
        bounds = [v.start for _, v in items] + [section_end]
        subheads = [p for p in headings if u.start < p < section_end and p not in item_starts]
        mixed = bool(re.search(r"conclusions|findings", norm(u.text).replace(" ", "")))
        kinds: list[str | None] = []
        texts: list[str] = []
        for i, (_, v) in enumerate(items):
            stop = min([bounds[i + 1]] + [p for p in subheads if p > v.start])
            text = " ".join(x.text for x in units if v.start <= x.start < stop)
            tags = _TAG.findall(text)
            kinds.append(tags[-1].lower() if tags else None)
            texts.append(text)
        tagged = any(kinds)
        pointers = sum(bool(_POINTER.search(t)) for t in texts)
        if "." in items[0][0] and pointers < 0.5 * len(items):
            continue  # a chapter of numbered discussion paragraphs, not a list that sums the report up
        for (n, v), kind, text in zip(items, kinds, texts, strict=True):
            if kind == "recommendation" or (not tagged and (not mixed or DIRECTIVE.search(text))):
                det.anchors.append(Anchor(n, v.start))
            else:
                det.stops.append(v.start)
        det.stops.extend(subheads)
        det.stops.append(section_end)
    det.anchors.sort(key=lambda a: a.start)
    return det


# --------------------------------------------------------------------------- boxed

# A recurring label over each quoted item of a response: "Hol Inquiry Recommendation", "Committee
# recommendation", "Conclusions and recommendations", then the item(s) with the report's numbers.
_BOX_LABEL = re.compile(
    r"^(?:[\w’'.&-]+\s+){0,4}(?:recommendations?|conclusions?)(?:\s+and\s+(?:recommendations?|conclusions?))?\s*:?$", re.I
)


def boxed(units: list[Unit], skip: list[tuple[int, int]]) -> Detection:
    """Numbered items ("8.3. We acknowledge ...", "12. The Government should ...") printed under a label
    line that the document repeats over each quoted item and carries no number itself; the reply
    follows the items. The label must recur (three times or more) and the numbers increase."""
    det = Detection("boxed")
    labels = [u for u in units if not inside(u.start, skip) and _BOX_LABEL.match(u.text) and not list_heading(u.text)]
    counts: dict[str, int] = {}
    for u in labels:
        counts[norm(u.text)] = counts.get(norm(u.text), 0) + 1
    index = {u.start: k for k, u in enumerate(units)}
    anchors: list[Anchor] = []
    for u in labels:
        if counts[norm(u.text)] < 3:
            continue
        k = index[u.start] + 1
        while k < len(units):
            m = _ITEM.match(units[k].text)
            if not m or (anchors and label_key(m.group("num")) <= label_key(anchors[-1].number)):
                break
            anchors.append(Anchor(m.group("num"), units[k].start))
            k += 1
        if k < len(units) and anchors and anchors[-1].start != u.start:
            det.stops.append(u.start)
    det.anchors = anchors if len(anchors) >= 3 else []
    return det


# --------------------------------------------------------------------------- nested

_GROUP_LINE = re.compile(r"^(?P<num>\d{1,2})[.)]\s+(?P<title>[A-Z‘“'][^\n]{2,140})$")
_LETTER = re.compile(r"^\((?P<let>[a-z])\)\s+(?P<rest>\S.*)$")
_ROMAN_ITEM = re.compile(r"^\((?P<rom>[ivx]{1,5})\)\s+(?P<rest>\S.*)$")
_RECOMMEND_COLON = re.compile(r"\b(?:recommends?(?:\s+that)?|recommendations)\s*:\s*$", re.I)


def _group_title(text: str) -> bool:
    """ "Compensation", "Monitoring liver damage for people who were infected with Hepatitis C.": short,
    one sentence at most, directing nothing."""
    return (
        len(text.split()) <= 16
        and not re.search(r"[,;:)]$", text)
        and not re.search(r"[.!?]\s+\S", text)
        and not DIRECTIVE.search(text)
    )


@dataclass
class _Nest:
    """The open group and part while reading a nested list."""

    group: str = ""
    title: str = ""
    letter: str = ""
    rom: int = 0
    found: list[Anchor] = field(default_factory=list)

    def next_letter(self) -> str:
        return chr(ord(self.letter) + 1) if self.letter else "a"

    def drop_last(self, number: str) -> None:
        """A group or part that turns out to hold parts heads them: it is not a recommendation."""
        if self.found and self.found[-1].number == number:
            self.found.pop()


def _read_nest(units: list[Unit], k: int, by_sentence: bool, level1: set[int], det: Detection) -> tuple[list[Anchor], int]:
    """Read the nested list that starts after ``units[k - 1]``; its anchors and where reading stopped."""
    st = _Nest()
    opened, prose = k, 0
    while k < len(units):
        v = units[k]
        g = _GROUP_LINE.match(v.text)
        lm = _LETTER.match(v.text)
        rm = _ROMAN_ITEM.match(v.text)
        roman_next = bool(rm and st.letter and roman(rm.group("rom")) == st.rom + 1)
        if lm and lm.group("let") != st.next_letter():
            lm = None
        if lm and roman_next and st.rom == 0 and lm.group("let") == "i":
            lm = None  # "(i)" right after "(h) Title": the first roman part
        if g and _group_title(g.group("title")) and (not st.group or int(g.group("num")) > int(st.group)):
            st.group, st.title, st.letter, st.rom = g.group("num"), g.group("title").strip(), "", 0
            st.found.append(Anchor(st.group, v.start, st.title))
            det.sections.append((v.start, f"Recommendation {st.group}: {st.title}"))
        elif st.group and lm:
            if not st.letter:
                st.drop_last(st.group)
                det.stops.append(v.start)
            st.letter, st.rom = lm.group("let"), 0
            st.found.append(Anchor(label(st.group, st.letter), v.start, st.title))
        elif st.group and rm and roman_next:
            if st.rom == 0:
                st.drop_last(label(st.group, st.letter))
            st.rom = roman(rm.group("rom"))
            st.found.append(Anchor(label(st.group, st.letter, rm.group("rom")), v.start, st.title))
        else:
            prose += 1
            ends = list_heading(v.text) or (v.start in level1 and not g) or prose > (1 if by_sentence else 3)
            if by_sentence and prose == 1 and not _continues(units[k + 1 : k + 2], st):
                ends = True
            if not st.found and k - opened > 2:
                ends = True  # a heading with prose under it, not a list
            if ends:
                if len(st.found) > 1 and st.found[-1].number == st.group and (by_sentence or prose > 3):
                    st.found.pop()  # "3. Title" then prose, after 2's parts: the next section's heading
                if st.found:
                    det.stops.append(v.start)
                break
            k += 1
            continue
        prose = 0
        k += 1
    return _single_parts(st.found), k


def _single_parts(found: list[Anchor]) -> list[Anchor]:
    """A part with one sub-part only ("(b) Cultural change" then "(i) That ...") is that part: "4b", as
    a reply numbers it, not "4b i"."""
    parents: dict[str, int] = {}
    for a in found:
        parts = label_parts(a.number)
        if len(parts) == 3:
            parents[label(parts[0], parts[1])] = parents.get(label(parts[0], parts[1]), 0) + 1
    out = []
    for a in found:
        parts = label_parts(a.number)
        if len(parts) == 3 and parts[2] == "i" and parents[label(parts[0], parts[1])] == 1:
            a = replace(a, number=label(parts[0], parts[1]))
        out.append(a)
    return out


def _continues(nxt: list[Unit], st: _Nest) -> bool:
    """The next line goes on with the open list (a line between two parts is a stray, e.g. a note)."""
    if not nxt:
        return False
    t = nxt[0].text
    g, lm, rm = _GROUP_LINE.match(t), _LETTER.match(t), _ROMAN_ITEM.match(t)
    return bool(
        (g and st.group and int(g.group("num")) == int(st.group) + 1)
        or (lm and lm.group("let") == st.next_letter())
        or (rm and st.letter and roman(rm.group("rom")) == st.rom + 1)
    )


def nested(units: list[Unit], skip: list[tuple[int, int]], level1: list[int]) -> Detection:
    """Groups "N. Title" holding parts "(a) ..." that may hold parts "(i) ...": the parts compose
    their numbers ("4a iv"); a group with no parts is a recommendation itself ("1. Compensation" and
    its paragraph), a group or part with parts only heads them. A list opens under a heading naming
    recommendations ("The Recommendations") or after a sentence ending "I recommend:"; one opened by a
    sentence ends at the first line that is neither a group nor a part, one under a heading at the
    next major heading. A report that prints the list twice is tracked at its densest printing."""
    det = Detection("nested")
    every: list[Anchor] = []
    lv1 = set(level1)
    k = 0
    while k < len(units):
        u = units[k]
        k += 1
        if inside(u.start, skip) or not (list_heading(u.text) or _RECOMMEND_COLON.search(u.text)):
            continue
        found, k = _read_nest(units, k, not list_heading(u.text), lv1, det)
        every.extend(found)
    if not any(label_parts(a.number)[1:] for a in every):
        return det  # no group has parts: a plain numbered list, which ``listed`` reads
    first: dict[str, Anchor] = {}
    for a in every:
        first.setdefault(a.number, a)
    by_start = {u.start: u for u in units}
    det.anchors = canonical_printings(every, sorted(first.values(), key=lambda a: a.start), by_start)
    return det


# --------------------------------------------------------------------------- matters of concern

_CONCERNS = re.compile(r"\bmatters of concern\b", re.I)
_FORM_SECTION = re.compile(r"^\d{1,2}\s+[A-Z][A-Z’'&,() ]{3,}$|^ACTION SHOULD BE TAKEN\b")
_CONCERN_ITEM = re.compile(r"^\(?(?P<num>\d{1,2})[.)]\s+\S")
_SENT_TO = re.compile(r"\b(?:this report is being sent to|sent to)\s*:?\s*$", re.I)


def _recipients(units: list[Unit], upto: int) -> str | None:
    """The numbered "THIS REPORT IS BEING SENT TO:" list of a coroner's report: the names, without addresses."""
    for k, u in enumerate(units[:upto]):
        if not _SENT_TO.search(u.text):
            continue
        names = []
        for v in units[k + 1 : upto]:
            m = re.match(r"^\(?\d{1,2}[.)]?\s+(?P<rest>\S.*)$", v.text)
            if not m or _FORM_SECTION.match(v.text):
                break
            names.append(m.group("rest").split(",")[0].strip())
        return "; ".join(names) or None
    return None


def concerns(units: list[Unit], skip: list[tuple[int, int]]) -> Detection:
    """A coroner's Prevention of Future Deaths report: the items after "The MATTERS OF CONCERN are as
    follows:" up to the next form section ("6 ACTION SHOULD BE TAKEN"), numbered "(1)", "1." or "1 ",
    or one unnumbered concern; addressed to the bodies the report is sent to."""
    det = Detection("concerns")
    for k, u in enumerate(units):
        if inside(u.start, skip) or not _CONCERNS.search(u.text) or len(u.text) > 120:
            continue
        end = next((j for j in range(k + 1, len(units)) if _FORM_SECTION.match(units[j].text)), len(units))
        body = units[k + 1 : end]
        if not body:
            continue
        who = _recipients(units, k)
        items: list[Anchor] = []
        for v in body:
            m = _CONCERN_ITEM.match(v.text)
            if m and int(m.group("num")) == len(items) + 1:
                items.append(Anchor(m.group("num"), v.start, addressee=who))
        if not items:
            items = [Anchor("1", body[0].start, addressee=who)]
        det.anchors = items
        if end < len(units):
            det.stops.append(units[end].start)
        break
    return det


# --------------------------------------------------------------------------- inline groups

_GROUP = re.compile(r"(?<![\w)(/.,-])(?P<num>\d{1,2})\)\s+(?=[A-Z])")
_REF_BEFORE = re.compile(r"(?:recommendations?|paragraphs?|para|under|see|in)\s*$", re.I)
_GROUP_REF_BEFORE = re.compile(r"(?:recommendation|paragraphs?|para|under|see)\s*$", re.I)


def _items_re(num: str) -> re.Pattern:
    # "4a) iii.The review": a PDF may drop the space after the label's full stop
    return re.compile(rf"(?<![\w(/.,-]){num}(?P<let>[a-z]?)(?:\)\s?(?P<rom>[ivx]{{1,5}}))?\.(?:\s+|(?=[A-Z]))(?=[A-Z“\"‘(\[])")


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
        # a table's column headings ("Government", "Executive") read as minor headings: only a major one ends it
        end = next((p for p in heads if p > h and levels[p] == 1), None)
        rows: list[Anchor] = []
        for v in units:
            if v.start <= h or (end is not None and v.start >= end) or inside(v.start, skip):
                continue
            m = _ROW.match(v.text)
            if not m or re.match(r"^\d{1,2}\s+(?:[A-Z][a-z]+\s+)?\d{4}\b", v.text):
                continue
            row = Anchor(label(m.group("num"), m.group("let") or "", m.group("rom") or ""), v.start)
            if rows and row.number == "1" and rows[0].number == "1":
                break  # numbering starts again: the next table (a summary table, then the full one)
            rows.append(row)
        rows = _increasing(rows)
        if len(rows) >= 5 and rows[0].number == "1" and len(rows) > len(det.anchors):
            det.anchors = rows
            det.stops = [end] if end is not None else []
    return det
