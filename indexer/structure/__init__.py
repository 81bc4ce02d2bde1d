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
  section boundary. Recommendation/response segments carry the number and the responder
  (for a recommendation: its addressee).
* Numbers are as printed, canonicalised: ``"7"``, ``"4a"``, ``"4a iv"``, ``"12 d-e"``. A response
  that answers several sub-recommendations at once carries their shared number (``"2"`` for
  2a-2c) unless it names them itself ("Recommendations 12) a-c) are accepted ..." -> ``"12 a-c"``).

``name`` is used for messages only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from inquire.indexer.structure.recs import Detection, headed, inline, listed, tabled, unnumbered
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
    Unit,
    common_label,
    find_tocs,
    glossary_regions,
    heading_level,
    norm,
    recommendation_titles,
    units_of,
)

from inquire.records import (
    FOOTNOTES,
    KIND_BODY,
    ROLE_OTHER,
    ROLE_RECOMMENDATION,
    ROLE_RESPONSE,
    SPECIAL_KINDS,
    CleanDocument,
    Recommendation,
    Response,
    Section,
    Segment,
    Structure,
)

_PRIORITY = {"headed": 0, "inline": 1, "unnumbered": 2, "listed": 3, "tabled": 4}


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


_TITLE_WORD = re.compile(r"\b(?:report|response|recommendations?|review|inquiry|briefing)\b", re.I)
_DOC_CODE = re.compile(r"\s(?:CP|HC|Cm|SG|NIA)\s?\d{2,4}\b")


def _title(units: list[Unit], skip) -> str | None:
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
        for nxt in head[k + 1:]:
            t = nxt.text
            if re.search(r"\d{4}|^\W", t) and not title.endswith(":"):
                break
            if title.endswith(":") or t[:1].islower() or (
                len(t.split()) <= 4 and re.search(r"\b(?:Report|Inquiry|Review|Response)$", t)
            ):
                title = f"{title} {t}"
            else:
                break
        return title.rstrip(":")
    return None


def find_structure(clean: CleanDocument, *, name: str = "") -> Structure:
    text = clean.text
    units = units_of(text)
    if not units:
        return Structure(segments=())

    # Contents lists and glossaries: "other" text with a section of their own.
    tocs = find_tocs(units)
    special: list[tuple[int, int, tuple[str, ...]]] = [(t.start, t.end, ("Contents",)) for t in tocs]
    special += [(s, e, (label_name,)) for s, e, label_name in glossary_regions(clean)]
    # footnote blocks (moved after the body by cleaning): one "Footnotes" section
    feet = [(s, e) for s, e, kind in getattr(clean, "regions", ()) if kind == "footnotes"]
    if feet:
        special.append((feet[0][0], feet[-1][1], (FOOTNOTES,)))
    special.sort()
    skip = [(s, e) for s, e, _ in special]
    toc_entries = {norm(x) for t in tocs for x in t.titles}
    flat_toc = bool(toc_entries) and not any(x[:1].isdigit() or x.startswith("chapter") for x in toc_entries)
    title_sources = [text[t.start:t.end] for t in tocs]
    title_sources += [u.text for u in units if u.text.count("Recommendation ") >= 3 and ":" in u.text]
    rec_titles = recommendation_titles(title_sources)

    no_heads = skip + [(s, e) for s, e, kind in getattr(clean, "regions", ()) if kind == "footnotes"]
    levels: dict[int, int] = {}
    for u in units:
        if any(s <= u.start < e for s, e in no_heads):
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
    for u in units + [Unit(len(text) + 1, len(text) + 1, "")]:
        if levels.get(u.start) == 2:
            run.append(u.start)
            continue
        if len(run) >= 3:
            for p in run:
                levels.pop(p, None)
        run = []
    level1 = sorted(p for p, lv in levels.items() if lv == 1)
    level2 = sorted(p for p, lv in levels.items() if lv == 2)

    # Recommendations: the detector that finds most wins (ties: the more specific one).
    detections = [
        headed(units, skip, rec_titles),
        unnumbered(units, skip),
        listed(units, skip, level1, level2),
        inline(text, skip, rec_titles),
        tabled(units, no_heads, levels),
    ]
    det = max(detections, key=lambda d: (len(d.anchors), -_PRIORITY[d.kind]))
    default = document_responder(text)
    recs, resps, rec_sections = _records(text, units, det, level1, skip, default)
    recs = [replace(r, page_start=clean.page_at(r.start), page_end=clean.page_span(r.start, r.end)[1]) for r in recs]
    resps = [replace(r, page_start=clean.page_at(r.start), page_end=clean.page_span(r.start, r.end)[1]) for r in resps]

    # Headings -> sections (recommendation heading lines become sections of their own).
    marker_units = {r.start for r in resps}
    anchor_units = {a.heading.start: a for a in det.anchors if a.heading is not None}
    heads: list[tuple[int, int, str]] = []  # (pos, level, label)
    for u in units:
        if u.start in anchor_units:
            # a recommendation listed in a flat contents list is a top-level part of the document
            lv = 1 if flat_toc and norm(u.text) in toc_entries else 2
            heads.append((u.start, lv, anchor_units[u.start].section or u.text))
        elif u.start in levels and u.start not in marker_units:
            heads.append((u.start, levels[u.start], u.text))
    for pos, lab in rec_sections + det.sections:
        if pos not in anchor_units:
            heads.append((pos, 1 if flat_toc and norm(lab) in toc_entries else 2, lab))
    heads.sort()

    # Walk headings and special regions in order, keeping a two-level path.
    events: list[tuple[int, int, str, object]] = [(p, 1, "head", (lv, lab)) for p, lv, lab in heads]
    events += [(s, 0, "special", (e, path)) for s, e, path in special]
    events.sort(key=lambda ev: (ev[0], ev[1]))
    path_at: list[tuple[int, tuple[str, ...]]] = []  # (pos, path): path in effect from pos
    owners: list[tuple[int, tuple[str, ...], int | None]] = []  # sections: (start, path, fixed end)
    l1: str | None = None
    for pos, _, kind, payload in events:
        if kind == "special":
            e, path = payload
            path_at.append((pos, path))
            owners.append((pos, path, e))
            path_at.append((e, (l1,) if l1 else ()))
            continue
        lv, lab = payload
        lab = " ".join(lab.split())
        if lv == 1 or not l1:
            path = (lab,)
            l1 = lab if lv == 1 else l1
        else:
            path = (l1, lab)
        path_at.append((pos, path))
        owners.append((pos, path, None))
    path_at.sort(key=lambda x: x[0])
    sections: list[Section] = []
    for pos, path, fixed in owners:
        end = fixed
        if end is None:
            end = len(text)
            for pos2, path2 in path_at:
                if pos2 > pos and path2[: len(path)] != path:
                    end = pos2
                    break
        st, en = _trim(text, pos, end)
        if en > st:
            sections.append(Section(path, st, en, clean.page_at(st)))
    sections.sort(key=lambda sec: (sec.start, len(sec.path)))

    segments = _segments(text, recs, resps, path_at)
    kinds = [(s, e, SPECIAL_KINDS.get(path[0], KIND_BODY)) for s, e, path in special]
    segments = [
        replace(seg, kind=next((k for s, e, k in kinds if s <= seg.start < e), KIND_BODY)) for seg in segments
    ]
    return Structure(
        segments=tuple(segments),
        recommendations=tuple(recs),
        responses=tuple(resps),
        sections=tuple(sections),
        title=_title(units, skip),
    )


def _records(text, units, det: Detection, level1, skip, default):
    """Recommendation and response records for the chosen detection."""
    anchors = sorted(det.anchors, key=lambda a: a.start)
    if not anchors:
        return [], [], []
    hard = sorted(set(level1) | {s for s, _ in skip} | set(det.stops))
    starts = [a.start for a in anchors]
    unit_starts = [u.start for u in units]
    implicit_doc = det.kind == "headed" and sum(
        has_implicit_style(_units_in(units, unit_starts, a.start, _region_end(a, i, starts, hard, len(text))))
        for i, a in enumerate(anchors)
    ) >= max(1, len(anchors) // 2)

    recs: list[Recommendation] = []
    resps: list[Response] = []
    rec_sections: list[tuple[int, str]] = []
    pending: list[Recommendation] = []
    for i, a in enumerate(anchors):
        end = _region_end(a, i, starts, hard, len(text))
        region_units = _units_in(units, unit_starts, a.start, end)
        body_from = a.heading.end if a.heading is not None else a.start + 1
        markers: list[Marker] = []
        for u in region_units[1:]:
            mk = heading_marker(u, default)
            if mk:
                markers.append(mk)
        first_heading = min((h.pos for h in markers), default=end)
        for mk in statement_markers(text, body_from, end, default):
            # after a response heading, an acceptance sentence is part of that response
            if mk.pos < first_heading:
                markers.append(mk)
        if not markers and det.kind == "headed" and len(region_units) > 1:
            mk = implicit_start(region_units, default, allow_fallback=implicit_doc)
            if mk:
                markers.append(mk)
        markers.sort(key=lambda mk: mk.pos)
        merged: list[Marker] = []
        for mk in markers:
            # a later statement by the same body is part of the response already open
            if merged and mk.kind == "statement" and same_body(mk.responder, merged[-1].responder) and mk.label == merged[-1].label:
                continue
            merged.append(mk)
        markers = merged

        r_end = markers[0].pos if markers else end
        s, e = _trim(text, a.start, r_end)
        rec_text = text[s:e]
        who = addressee(rec_text)
        rec = Recommendation(
            number=a.number, text=rec_text, start=s, end=e, title=a.title, addressee=who,
            page_start=None, page_end=None,
        )
        recs.append(rec)
        pending.append(rec)
        if a.section and a.heading is None:
            rec_sections.append((s, a.section))
        for k, mk in enumerate(markers):
            m_end = markers[k + 1].pos if k + 1 < len(markers) else end
            rs, re_ = _trim(text, mk.pos, m_end)
            if re_ <= rs:
                continue
            if mk.label:
                lab = mk.label
            elif pending:
                lab = common_label([p.number for p in pending], [x.number for x in anchors])
            else:  # a second response to the same recommendation(s)
                lab = resps[-1].recommendation if resps else a.number
            responder = mk.responder
            if mk.kind == "heading" and (responder is None or responder == default) and who and not is_government(who):
                # "Response:" whose first sentence is "The CPS ..." answers for the addressee.
                if _first_body_line(text, rs, re_).startswith(("The " + who + " ", who + " ")):
                    responder = who
            resps.append(Response(lab, responder, text[rs:re_], rs, re_))
            pending = []
    return recs, resps, rec_sections


def _first_body_line(text: str, s: int, e: int) -> str:
    """The response text after its marker line (or after "Response:" on the same line)."""
    lines = [ln.strip() for ln in text[s:e].split("\n") if ln.strip()]
    if not lines:
        return ""
    head = lines[0]
    if ":" in head[:60] and head.split(":", 1)[1].strip():
        return head.split(":", 1)[1].strip()
    return lines[1] if len(lines) > 1 else ""


def _region_end(a, i, starts, hard, n):
    nxt = starts[i + 1] if i + 1 < len(starts) else n
    j = bisect.bisect_right(hard, a.start)
    stop = hard[j] if j < len(hard) else n
    return min(nxt, stop)


def _units_in(units, unit_starts, s, e):
    i = bisect.bisect_left(unit_starts, s)
    if i > 0 and units[i - 1].end > s:
        i -= 1
    out = []
    while i < len(units) and units[i].start < e:
        out.append(units[i])
        i += 1
    return out


def _segments(text: str, recs, resps, path_at) -> list[Segment]:
    spans: list[tuple[int, int, str, str | None, str | None]] = []
    for r in recs:
        spans.append((r.start, r.end, ROLE_RECOMMENDATION, r.number, r.addressee))
    for r in resps:
        spans.append((r.start, r.end, ROLE_RESPONSE, r.recommendation, r.responder))
    spans.sort()
    cuts = {0, len(text)}
    for s, e, *_ in spans:
        cuts.update((s, e))
    cuts.update(p for p, _ in path_at if 0 <= p <= len(text))
    cuts = sorted(cuts)
    span_starts = [s for s, *_ in spans]
    path_pos = [p for p, _ in path_at]
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        s, e = _trim(text, a, b)
        if e <= s:
            continue
        k = bisect.bisect_right(span_starts, s) - 1
        role, number, who = ROLE_OTHER, None, None
        if k >= 0 and spans[k][0] <= s < spans[k][1]:
            _, _, role, number, who = spans[k]
        j = bisect.bisect_right(path_pos, s) - 1
        path = path_at[j][1] if j >= 0 else ()
        out.append(Segment(s, e, role, number, who, tuple(path)))
    return out
