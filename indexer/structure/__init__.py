"""Structure finder: recommendations, responses, sections and segments of a cleaned document.

Contract (what downstream code may rely on):

* Every record's ``text`` is exactly ``clean.text[start:end]`` (recommendations, responses;
  sections have no text) and spans are whitespace-trimmed.
* A recommendation span runs from its label ("Recommendation 7", "4a) i.", "3. ...") to where
  its response starts (or to the next recommendation / section boundary when none follows).
  A response span runs from its marker ("Response from ...", "Response:", "The government
  accepts this recommendation", ...) to the next recommendation, response or section boundary.
* ``segments`` are ordered, non-overlapping, whitespace-trimmed and cover every non-blank
  character of the text exactly once; a segment never crosses a recommendation, response or
  section boundary. Recommendation segments carry the number and the addressee, response
  segments the number and the responder.
* Numbers are labels (:mod:`inquire.recnum`): ``"7"``, ``"4a"``, ``"4a iv"``, ``"12 d-e"``. A response
  that answers several sub-recommendations at once carries their range (``"2 a-c"`` for 2a-2c, so
  each part finds it) or the range it names itself ("Recommendations 12) a-c) are accepted ..." ->
  ``"12 a-c"``).

The steps, in order: :func:`_layout` (contents lists, glossaries, footnotes, heading levels),
:func:`_detect` (the recommendation detector that fits), :func:`_records` (recommendations and
their responses), :func:`_headings` and :func:`_sections` (the section tree), :func:`_segments`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from inquire.indexer.structure.recs import Anchor, Detection, boxed, concerns, headed, inline, listed, nested, tabled, unnumbered
from inquire.indexer.structure.responses import (
    Marker,
    addressee,
    document_responder,
    has_implicit_style,
    heading_marker,
    implicit_start,
    is_government,
    same_body,
    statement_markers,
)
from inquire.indexer.structure.units import (
    Special,
    Toc,
    Unit,
    find_tocs,
    glossary_regions,
    heading_level,
    inside,
    norm,
    recommendation_titles,
    units_of,
)

from inquire.recnum import common_label
from inquire.records import (
    FOOTNOTES,
    KIND_BODY,
    ROLE_OTHER,
    ROLE_RECOMMENDATION,
    ROLE_RESPONSE,
    SPECIAL_KINDS,
    CleanDocument,
    Recommendation,
    RegionKind,
    Response,
    Section,
    Segment,
    Structure,
)

_PRIORITY = {"headed": 0, "boxed": 1, "inline": 2, "unnumbered": 3, "nested": 4, "listed": 5, "tabled": 6, "concerns": 7}


@dataclass(frozen=True)
class Layout:
    """What the finder knows before it looks for recommendations."""

    special: list[Special]  # contents lists, glossaries, footnotes, in text order
    skip: list[tuple[int, int]]  # their spans: no recommendation and no heading starts inside
    toc_entries: set[str]  # contents entries, normalised
    flat_toc: bool  # a contents list without numbered entries or chapters
    rec_titles: dict[str, str]  # recommendation number -> title, from contents lists
    levels: dict[int, int]  # unit start -> heading level: 1 (major) or 2 (minor)
    level1: list[int]  # starts of major headings, sorted
    level2: list[int]  # starts of minor headings, sorted


@dataclass(frozen=True)
class _Region:
    """The text that belongs to one recommendation: from its anchor to the next anchor or hard stop."""

    anchor: Anchor
    end: int
    units: list[Unit]


@dataclass(frozen=True, order=True)
class Heading:
    pos: int
    level: int  # 1 (major) or 2 (minor)
    label: str


@dataclass(frozen=True)
class PathChange:
    """From ``pos`` on, the section path is ``path``."""

    pos: int
    path: tuple[str, ...]


@dataclass(frozen=True)
class _Owner:
    """A section's start and path; ``end`` when fixed (an aside), else where its path changes."""

    start: int
    path: tuple[str, ...]
    end: int | None


class _Span(NamedTuple):
    """A recommendation or response span, for cutting segments (``who``: addressee or responder)."""

    start: int
    end: int
    role: str
    number: str | None
    who: str | None


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_TITLE_WORD = re.compile(r"\b(?:report|response|recommendations?|review|inquiry|briefing)\b", re.I)
_DOC_CODE = re.compile(r"\s(?:CP|HC|Cm|SG|NIA)\s?\d{2,4}\b")


_SESSION = re.compile(r"^(?:[\w-]+\s+)?(?:Special\s+)?Report\s+of\s+Session\b|^(?:HL|HC)\s+(?:Paper\s+)?\d", re.I)
_COVER_FURNITURE = re.compile(
    r"^(?:Report|HL Paper.*|HC \d.*|Ordered to be printed.*|Published by.*|London\b.*|\d{1,2} \w+ \d{4})$", re.I
)
_FORM_TITLE = re.compile(r"prevent(?:ion of)? future deaths", re.I)
_DEATH_OF = re.compile(r"\bdeath of ((?:[A-Z][\w'’-]+\s+){1,4}?[A-Z][\w'’-]+)(?=\s+(?:aged|who|on|at|in)\b|[,.])")


def _named_title(title: str | None, units: list[Unit], skip: list[tuple[int, int]], text: str) -> str | None:
    """A title that only says what kind of paper it is gets the words that name this one: a committee
    report's "2nd Report of Session 2010-12" is followed on its cover by its title ("Behaviour Change");
    a coroner's Regulation 28 form names the person whose death it is about."""
    if title and _SESSION.match(title):
        head = [u.text for u in units if not inside(u.start, skip)][:20]
        rest = head[head.index(title) + 1 :] if title in head else head
        lines = [ln for ln in rest if not (_COVER_FURNITURE.match(ln) or _SESSION.match(ln) or len(ln.split()) > 10)]
        if lines:
            parts = [lines[0]]
            for ln in lines[1:]:  # "The Space Economy:" / "Act Now or Lose Out"
                if not (parts[-1].endswith(":") or ln[:1].islower()):
                    break
                parts.append(ln)
            return " ".join(parts)
    if title and _FORM_TITLE.search(title):
        m = _DEATH_OF.search(text[:6000])
        if m:
            form = re.sub(r"\s*\(\d+\)$", "", title)  # "... FUTURE DEATHS (1)": the form's page mark
            return f"{form}: {m.group(1)}"
    return title


def _title(units: list[Unit], skip: list[tuple[int, int]]) -> str | None:
    """A guess at the document title from its first lines: the first short line naming a report,
    response, review ..., completed by the lines that continue it ("Response to the Covid-19" /
    "Inquiry Module 1 Report")."""
    head = [u for u in units if not any(s <= u.start < e for s, e in skip)][:15]
    for k, u in enumerate(head):
        words = u.text.split()
        if len(words) > 20:
            code = _DOC_CODE.search(u.text[:160])  # a cover page that lost its line breaks
            if k == 0 and code and _TITLE_WORD.search(u.text[: code.start()]):
                return u.text[: code.start()].strip()
            continue
        if len(words) < 3 or u.text.endswith(".") or not _TITLE_WORD.search(u.text):
            continue
        title = u.text
        if k > 0 and u.text.startswith("Response") and len(head[k - 1].text.split()) <= 3:
            title = f"{head[k - 1].text} {title}"  # "UK Government" / "Response to ..."
        for nxt in head[k + 1 :]:
            t = nxt.text
            if re.search(r"\d{4}|^\W", t) and not title.endswith(":"):
                break
            if (
                title.endswith(":")
                or t[:1].islower()
                or (len(t.split()) <= 4 and re.search(r"\b(?:Report|Inquiry|Review|Response)$", t))
            ):
                title = f"{title} {t}"
            else:
                break
        return title.rstrip(":")
    return None


def find_structure(clean: CleanDocument) -> Structure:
    text = clean.text
    units = units_of(text)
    if not units:
        return Structure(segments=())
    layout = _layout(clean, units)
    det = _detect(text, units, layout)
    recs, resps, rec_sections = _records(text, units, det, layout, document_responder(text))
    recs = [replace(r, page_start=clean.page_at(r.start), page_end=clean.page_span(r.start, r.end)[1]) for r in recs]
    resps = [replace(r, page_start=clean.page_at(r.start), page_end=clean.page_span(r.start, r.end)[1]) for r in resps]
    heads = _headings(units, layout, det, {r.start for r in resps}, rec_sections)
    path_at, sections = _sections(clean, heads, layout.special)
    return Structure(
        segments=tuple(_segments(text, recs, resps, path_at, layout.special)),
        recommendations=tuple(recs),
        responses=tuple(resps),
        sections=tuple(sections),
        title=_named_title(_title(units, layout.skip), units, layout.skip, text),
    )


# --------------------------------------------------------------------------- layout


def _layout(clean: CleanDocument, units: list[Unit]) -> Layout:
    """Asides (contents lists, glossaries, footnotes), the contents list's entries and the titles
    it gives recommendations, and the heading level of every line."""
    tocs = find_tocs(units)
    special = _special(clean, tocs)
    skip = [(x.start, x.end) for x in special]
    toc_entries = {norm(x) for t in tocs for x in t.titles}
    flat_toc = bool(toc_entries) and not any(x[:1].isdigit() or x.startswith("chapter") for x in toc_entries)
    title_sources = [clean.text[t.start : t.end] for t in tocs]
    title_sources += [u.text for u in units if u.text.count("Recommendation ") >= 3 and ":" in u.text]
    levels = _heading_levels(units, skip, toc_entries, flat_toc, len(clean.text))
    return Layout(
        special=special,
        skip=skip,
        toc_entries=toc_entries,
        flat_toc=flat_toc,
        rec_titles=recommendation_titles(title_sources),
        levels=levels,
        level1=sorted(p for p, lv in levels.items() if lv == 1),
        level2=sorted(p for p, lv in levels.items() if lv == 2),
    )


def _special(clean: CleanDocument, tocs: list[Toc]) -> list[Special]:
    """Contents lists and glossaries, and the footnote blocks (moved after the body by cleaning)
    as one "Footnotes" aside: "other" text with a section of its own."""
    special = [Special(t.start, t.end, ("Contents",)) for t in tocs]
    special += glossary_regions(clean)
    feet = [(s, e) for s, e, kind in clean.regions if kind == RegionKind.FOOTNOTES]
    if feet:
        special.append(Special(feet[0][0], feet[-1][1], (FOOTNOTES,)))
    return sorted(special)


def _heading_levels(
    units: list[Unit], skip: list[tuple[int, int]], toc_entries: set[str], flat_toc: bool, n: int
) -> dict[int, int]:
    """Heading level (1 or 2) by unit start, for the lines that are headings."""
    levels: dict[int, int] = {}
    for u in units:
        if inside(u.start, skip):
            continue
        lv = heading_level(u.text, toc_entries, flat_toc)
        if lv:
            levels[u.start] = lv
    # A minor "heading" continued by the next line ("...guidance" / "(https://...), NHS ...") is
    # the start of a wrapped paragraph.
    for k, u in enumerate(units[:-1]):
        if levels.get(u.start) == 2 and re.match(r"[(a-z]", units[k + 1].text):
            del levels[u.start]
    # Three or more minor "headings" in a row are a table or a list, not headings.
    run: list[int] = []
    for u in units + [Unit(n + 1, n + 1, "")]:
        if levels.get(u.start) == 2:
            run.append(u.start)
            continue
        if len(run) >= 3:
            for p in run:
                levels.pop(p, None)
        run = []
    return levels


def _detect(text: str, units: list[Unit], layout: Layout) -> Detection:
    """The detector that finds most recommendations wins (ties: the more specific one)."""
    detections = [
        headed(units, layout.skip, layout.rec_titles),
        unnumbered(units, layout.skip),
        listed(units, layout.skip, layout.level1, layout.level2),
        nested(units, layout.skip, layout.level1),
        concerns(units, layout.skip),
        boxed(units, layout.skip),
        inline(text, layout.skip, layout.rec_titles),
        tabled(units, layout.skip, layout.levels),
    ]
    return max(detections, key=lambda d: (len(d.anchors), -_PRIORITY[d.kind]))


# --------------------------------------------------------------------------- recommendations and responses


def _records(
    text: str, units: list[Unit], det: Detection, layout: Layout, default: str | None
) -> tuple[list[Recommendation], list[Response], list[tuple[int, str]]]:
    """Recommendation and response records for the chosen detection, and the section labels of
    recommendations without a heading line of their own."""
    anchors = sorted(det.anchors, key=lambda a: a.start)
    if not anchors:
        return [], [], []
    regions = _regions(text, units, det, anchors, layout)
    implicit_doc = det.kind in ("headed", "boxed") and (
        default is not None or sum(has_implicit_style(r.units) for r in regions) >= max(1, len(anchors) // 2)
    )
    recs: list[Recommendation] = []
    resps: list[Response] = []
    rec_sections: list[tuple[int, str]] = []
    pending: list[Recommendation] = []
    for reg in regions:
        markers = _markers(text, reg, det.kind, default, implicit_doc)
        rec = _recommendation(text, reg, markers)
        recs.append(rec)
        pending.append(rec)
        if reg.anchor.section and reg.anchor.heading is None:
            rec_sections.append((rec.start, reg.anchor.section))
        answered = _responses(text, reg, markers, pending, resps[-1] if resps else None, default, rec.addressee)
        if answered:
            resps.extend(answered)
            pending = []
    return recs, resps, rec_sections


def _regions(text: str, units: list[Unit], det: Detection, anchors: list[Anchor], layout: Layout) -> list[_Region]:
    hard = sorted(set(layout.level1) | {s for s, _ in layout.skip} | set(det.stops))
    starts = [a.start for a in anchors]
    unit_starts = [u.start for u in units]
    out = []
    for i, a in enumerate(anchors):
        end = _region_end(a, i, starts, hard, len(text))
        out.append(_Region(a, end, _units_in(units, unit_starts, a.start, end)))
    return out


def _markers(text: str, reg: _Region, kind: str, default: str | None, implicit_doc: bool) -> list[Marker]:
    """Where responses start inside a recommendation's region, in order."""
    markers: list[Marker] = [mk for u in reg.units[1:] if (mk := heading_marker(u, default))]
    first_heading = min((h.pos for h in markers), default=reg.end)
    body_from = reg.anchor.heading.end if reg.anchor.heading is not None else reg.anchor.start + 1
    # after a response heading, an acceptance sentence is part of that response
    markers += [mk for mk in statement_markers(text, body_from, reg.end, default) if mk.pos < first_heading]
    if not markers and kind in ("headed", "boxed") and len(reg.units) > 1:
        mk = implicit_start(reg.units, default, allow_fallback=implicit_doc)
        if mk:
            markers.append(mk)
    markers.sort(key=lambda mk: mk.pos)
    merged: list[Marker] = []
    for mk in markers:
        # a later statement by the same body is part of the response already open
        if merged and mk.kind == "statement" and same_body(mk.responder, merged[-1].responder) and mk.label == merged[-1].label:
            continue
        if merged and mk.kind == "status":
            continue  # "Accepted." under "MPS response:" is that response's first line
        merged.append(mk)
    return merged


def _recommendation(text: str, reg: _Region, markers: list[Marker]) -> Recommendation:
    s, e = _trim(text, reg.anchor.start, markers[0].pos if markers else reg.end)
    rec_text = text[s:e]
    return Recommendation(
        number=reg.anchor.number,
        text=rec_text,
        start=s,
        end=e,
        title=reg.anchor.title,
        addressee=reg.anchor.addressee or addressee(rec_text),
    )


def _responses(
    text: str,
    reg: _Region,
    markers: list[Marker],
    pending: list[Recommendation],
    last: Response | None,
    default: str | None,
    who: str | None,
) -> list[Response]:
    """The responses that start at ``markers``. One with no number of its own answers the
    recommendations still ``pending`` (their common label), else the same as the ``last`` one."""
    out: list[Response] = []
    for k, mk in enumerate(markers):
        rs, re_ = _trim(text, mk.pos, markers[k + 1].pos if k + 1 < len(markers) else reg.end)
        if re_ <= rs:
            continue
        lab: str
        if mk.label:
            lab = mk.label
        elif pending:
            lab = common_label([p.number for p in pending])
        else:  # a second response to the same recommendation(s)
            lab = (last.recommendation if last else None) or reg.anchor.number
        last = Response(lab, _responder(text, mk, rs, re_, default, who), text[rs:re_], rs, re_)
        out.append(last)
        pending = []
    return out


def _responder(text: str, mk: Marker, s: int, e: int, default: str | None, who: str | None) -> str | None:
    """The marker's responder; a bare "Response:" whose first sentence is "The CPS ..." answers
    for the addressee."""
    responder = mk.responder
    if mk.kind == "heading" and (responder is None or responder == default) and who and not is_government(who):
        if _first_body_line(text, s, e).startswith(("The " + who + " ", who + " ")):
            responder = who
    return responder


def _first_body_line(text: str, s: int, e: int) -> str:
    """The response text after its marker line (or after "Response:" on the same line)."""
    lines = [ln.strip() for ln in text[s:e].split("\n") if ln.strip()]
    if not lines:
        return ""
    head = lines[0]
    if ":" in head[:60] and head.split(":", 1)[1].strip():
        return head.split(":", 1)[1].strip()
    return lines[1] if len(lines) > 1 else ""


def _region_end(a: Anchor, i: int, starts: list[int], hard: list[int], n: int) -> int:
    nxt = starts[i + 1] if i + 1 < len(starts) else n
    j = bisect.bisect_right(hard, a.start)
    stop = hard[j] if j < len(hard) else n
    return min(nxt, stop)


def _units_in(units: list[Unit], unit_starts: list[int], s: int, e: int) -> list[Unit]:
    i = bisect.bisect_left(unit_starts, s)
    if i > 0 and units[i - 1].end > s:
        i -= 1
    out = []
    while i < len(units) and units[i].start < e:
        out.append(units[i])
        i += 1
    return out


# --------------------------------------------------------------------------- sections


def _headings(
    units: list[Unit], layout: Layout, det: Detection, marker_units: set[int], rec_sections: list[tuple[int, str]]
) -> list[Heading]:
    """Section headings in order: heading lines (not response markers; a recommendation's heading
    line becomes a section of its own) and the labels of recommendations and their groups."""
    anchor_units = {a.heading.start: a for a in det.anchors if a.heading is not None}
    heads: list[Heading] = []
    for u in units:
        if u.start in anchor_units:
            # a recommendation listed in a flat contents list is a top-level part of the document
            lv = 1 if layout.flat_toc and norm(u.text) in layout.toc_entries else 2
            heads.append(Heading(u.start, lv, anchor_units[u.start].section or u.text))
        elif u.start in layout.levels and u.start not in marker_units:
            heads.append(Heading(u.start, layout.levels[u.start], u.text))
    for pos, lab in rec_sections + det.sections:
        if pos not in anchor_units:
            heads.append(Heading(pos, 1 if layout.flat_toc and norm(lab) in layout.toc_entries else 2, lab))
    return sorted(heads)


def _sections(clean: CleanDocument, heads: list[Heading], special: list[Special]) -> tuple[list[PathChange], list[Section]]:
    """Walk headings and asides in order, keeping a two-level path: where the path changes, and
    the sections (each runs to where the path leaves it)."""
    text = clean.text
    path_at, owners = _walk(heads, special)
    sections: list[Section] = []
    for o in owners:
        end = o.end
        if end is None:
            end = next((p.pos for p in path_at if p.pos > o.start and p.path[: len(o.path)] != o.path), len(text))
        st, en = _trim(text, o.start, end)
        if en > st:
            sections.append(Section(o.path, st, en, clean.page_at(st)))
    sections.sort(key=lambda sec: (sec.start, len(sec.path)))
    return path_at, sections


def _walk(heads: list[Heading], special: list[Special]) -> tuple[list[PathChange], list[_Owner]]:
    events: list[Heading | Special] = [*heads, *special]
    events.sort(key=lambda ev: (ev.pos, 1) if isinstance(ev, Heading) else (ev.start, 0))
    path_at: list[PathChange] = []
    owners: list[_Owner] = []
    l1: str | None = None
    for ev in events:
        if isinstance(ev, Special):
            path_at.append(PathChange(ev.start, ev.path))
            owners.append(_Owner(ev.start, ev.path, ev.end))
            path_at.append(PathChange(ev.end, (l1,) if l1 else ()))
            continue
        lab = " ".join(ev.label.split())
        if ev.level == 1 or not l1:
            path: tuple[str, ...] = (lab,)
            l1 = lab if ev.level == 1 else l1
        else:
            path = (l1, lab)
        path_at.append(PathChange(ev.pos, path))
        owners.append(_Owner(ev.pos, path, None))
    path_at.sort(key=lambda x: x.pos)
    return path_at, owners


# --------------------------------------------------------------------------- segments


def _segments(
    text: str, recs: list[Recommendation], resps: list[Response], path_at: list[PathChange], special: list[Special]
) -> list[Segment]:
    """Cut the text at every record and section boundary; each piece carries its record's role,
    number and addressee or responder, its section path, and its kind (an aside's, else body)."""
    spans = sorted(
        [_Span(r.start, r.end, ROLE_RECOMMENDATION, r.number, r.addressee) for r in recs]
        + [_Span(r.start, r.end, ROLE_RESPONSE, r.recommendation, r.responder) for r in resps]
    )
    cuts = {0, len(text)}
    for sp in spans:
        cuts.update((sp.start, sp.end))
    cuts.update(p.pos for p in path_at if 0 <= p.pos <= len(text))
    bounds = sorted(cuts)
    span_starts = [sp.start for sp in spans]
    path_pos = [p.pos for p in path_at]
    kinds = [(x.start, x.end, SPECIAL_KINDS.get(x.path[0], KIND_BODY)) for x in special]
    out: list[Segment] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        s, e = _trim(text, a, b)
        if e <= s:
            continue
        k = bisect.bisect_right(span_starts, s) - 1
        sp = spans[k] if k >= 0 and spans[k].start <= s < spans[k].end else _Span(s, e, ROLE_OTHER, None, None)
        j = bisect.bisect_right(path_pos, s) - 1
        out.append(
            Segment(
                s,
                e,
                sp.role,
                sp.number,
                responder=sp.who if sp.role == ROLE_RESPONSE else None,
                section=path_at[j].path if j >= 0 else (),
                kind=next((kd for ks, ke, kd in kinds if ks <= s < ke), KIND_BODY),
                addressee=sp.who if sp.role == ROLE_RECOMMENDATION else None,
            )
        )
    return out
