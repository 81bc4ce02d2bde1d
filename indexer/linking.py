"""Link responses to recommendations across documents, at index time.

1. Sources. Documents that print the same recommendations (a committee report and the
   Government response that quotes it; an inquiry's recommendations summarised by a briefing)
   are grouped: a recommendation in one document is the same recommendation as one in another
   when their texts overlap strongly (word containment >= LinkParams.same_rec). Each group's source is
   the document with the most recommendations and fewest responses (the report that made them);
   every recommendation row gets ``canonical_id`` (its twin in the source) and ``source``.
2. Explicit links (confidence 1.0): a response printed under a recommendation, e.g. "Response
   from South Yorkshire Police" under Recommendation 7, or "Response:" under a quoted
   recommendation in a Government response.
3. Reference links (confidence 0.9): a passage that names "recommendation N" of a source its
   document belongs to (e.g. "the work under recommendation 31"): the numbers the chunker stored in
   the passage's ``mentions``. Inside the response to another recommendation ("See recommendation
   31." under 32) the link is a ``mention``: shown beside the responses, never counted as one. A mention of a sub-part the source does not print on its own
   ("recommendation 4a(iv)" where the source has 4a) links to the recommendation that holds it.
4. Content links: a passage in another document that answers a recommendation without naming it
   (the council report's PARTNERS section for IOPC recommendation 7). Each unlinked passage is
   compared with every recommendation's own text and its explicit responses (cosine of the stored
   vectors); it is linked to its best recommendation when the similarity reaches
   ``content_threshold``, and to a second one only within ``content_margin`` of the best.
   The threshold was chosen on evaluation/golden/links.json (scripts/eval_links.py).

``find_links`` reads an ``Index`` and returns the verdicts; ``link_index`` writes them.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inquire.params import LINK, LinkParams
from inquire.recnum import normalise_rec, rec_matches
from inquire.records import LINK_MENTION, ROLE_RECOMMENDATION, ROLE_RESPONSE
from inquire.store import ChunkRow, Index, IndexWriter, LinkRow, RecommendationRow, SourceAssignment

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class LinkPlan:
    """What linking found: each recommendation's source, and every link, in the order they are written."""

    sources: tuple[SourceAssignment, ...]
    links: tuple[LinkRow, ...]


def link_index(writer: IndexWriter, params: LinkParams = LINK) -> LinkPlan:
    """Link the index being written (all its documents are in) and record the links."""
    plan = find_links(writer.index, params)
    writer.clear_links()
    writer.set_sources(plan.sources)
    for link in plan.links:
        writer.add_link(link)
    return plan


def find_links(index: Index, params: LinkParams = LINK) -> LinkPlan:
    """Sources, then explicit, reference and content links (reads only)."""
    recs = _Recs.load(index, params)
    chunks = index.chunks()
    state = _State(index, recs, params)
    links = _explicit_links(index, recs, state)
    state.note_recommendation_chunks(chunks)
    links += _reference_links(recs, chunks, state)
    links += _content_links(index, recs, chunks, state)
    return LinkPlan(tuple(recs.assignments), tuple(links))


# ---- 1. sources


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _containment(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


@dataclass
class _Recs:
    """The index's recommendations, each with its canonical twin in its source report."""

    rows: dict[int, RecommendationRow]  # id -> row, in document and reading order
    canonical: dict[int, int]  # id -> canonical id
    assignments: list[SourceAssignment]
    positions: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, index: Index, params: LinkParams) -> _Recs:
        rows = index.recommendations()
        canonical, assignments = _assign_sources(index, rows, params)
        recs = cls({r.id: r for r in sorted(rows, key=lambda r: (r.doc_id, r.start))}, canonical, assignments)
        for r in recs.rows.values():
            recs.positions[(r.doc_id, normalise_rec(r.number))].append((r.start, r.id))
        return recs

    def at(self, doc_id: str, number: str, offset: int) -> int | None:
        """The recommendation with this number printed last before ``offset`` (numbers may repeat
        within a document, e.g. several recommendations under one numbered heading)."""
        cands = self.positions.get((doc_id, normalise_rec(number)), [])
        before = [rid for start, rid in cands if start <= offset]
        return before[-1] if before else (cands[0][1] if cands else None)

    def answered(self, doc_id: str, label: str, offset: int) -> list[int]:
        """The recommendations a response labelled ``label`` answers: the one with that number, else
        each part inside its range or under its number ("5 a-c" or "5" -> 5a, 5b, 5c), the printing
        last before ``offset`` of each."""
        exact = self.at(doc_id, label, offset)
        if exact is not None:
            return [exact]
        parts: dict[str, int] = {}
        for (doc, number), cands in self.positions.items():
            if doc != doc_id or not rec_matches(number, label):
                continue
            before = [rid for start, rid in cands if start <= offset]
            parts[number] = before[-1] if before else cands[0][1]
        return sorted(parts.values(), key=lambda rid: self.rows[rid].start)


def _assign_sources(
    index: Index, recs: list[RecommendationRow], params: LinkParams
) -> tuple[dict[int, int], list[SourceAssignment]]:
    """Group documents that print the same recommendations under the report that made them;
    return rec id -> canonical id and each recommendation's assignment."""
    by_doc: dict[str, list[RecommendationRow]] = defaultdict(list)
    for r in sorted(recs, key=lambda r: r.start):
        by_doc[r.doc_id].append(r)
    n_resp = index.response_counts()
    # the document most likely to be the report that made the recommendations comes first
    words = {r.id: _words(r.text) for r in recs}
    # (ties: the fuller text first, so a briefing that summarises a report never becomes its source)
    docs = sorted(by_doc, key=lambda d: (n_resp.get(d, 0) > 0, -len(by_doc[d]), -sum(len(words[r.id]) for r in by_doc[d]), d))
    canonical: dict[int, int] = {}
    source_doc: dict[str, str] = {}
    titles = {doc.doc_id: doc.title or doc.name for doc in index.documents()}
    for d in docs:
        placed = list(dict.fromkeys(source_doc.values()))
        best_src, best_map = _repeated_source(by_doc, d, placed, words, params)
        if best_src is None:
            best_src, best_map = _summarised_source(by_doc, d, placed, words, titles, params)
        source_doc[d] = best_src or d
        for r in by_doc[d]:
            canonical[r.id] = best_map.get(r.id, r.id)
    assignments = [SourceAssignment(r.id, canonical[r.id], titles[source_doc[r.doc_id]]) for r in recs]
    return canonical, assignments


def _summarised_source(
    by_doc: dict[str, list[RecommendationRow]],
    doc: str,
    sources: list[str],
    words: dict[int, set[str]],
    titles: dict[str, str],
    params: LinkParams,
) -> tuple[str | None, dict[int, int]]:
    """A document that summarises a source's recommendations in its own words (a briefing's "Set up a
    compensation scheme now") joins it when its title names the source and at least half of its
    recommendations (and two) carry the source's numbers with words drawn from the same
    recommendation (``same_rec`` containment). A summary row for a range ("4a i-iii") stands for the
    first part it covers."""
    best_src: str | None = None
    best_map: dict[int, int] = {}
    for src in sources:
        if not _names_source(titles[doc], titles[src]):
            continue
        mapping: dict[int, int] = {}
        by_number: dict[int, int] = {}  # every row to the source's recommendation with its number
        for r in by_doc[doc]:
            same = [s for s in by_doc[src] if normalise_rec(s.number) == normalise_rec(r.number)]
            same = same or [s for s in by_doc[src] if rec_matches(s.number, r.number)][:1]
            if same:
                by_number[r.id] = same[0].id
                if _containment(words[r.id], words[same[0].id]) >= params.same_rec:
                    mapping[r.id] = same[0].id
        shorter = sum(len(words[r]) < len(words[s]) for r, s in mapping.items())
        if len(mapping) >= max(2, len(by_doc[doc]) // 2) and shorter * 2 > len(mapping) and len(by_number) > len(best_map):
            best_src, best_map = src, by_number  # the words confirm half of it; the numbers carry the rest
    return best_src, best_map


def _in_order(pairs: list[tuple[int, int]]) -> int:
    """Length of the longest run of (position in one document, position in the other) pairs that
    increases in both: how many printings two documents share in the same order."""
    best: list[int] = []
    for _, b in sorted(pairs):
        k = bisect.bisect_left(best, b)
        best[k : k + 1] = [b]
    return len(best)


def _repeated_source(
    by_doc: dict[str, list[RecommendationRow]], doc: str, sources: list[str], words: dict[int, set[str]], params: LinkParams
) -> tuple[str | None, dict[int, int]]:
    """Which already-placed source does ``doc`` repeat, and the map from its recommendations to the
    source's. Strong evidence only, judged on the two documents alone (so adding an unrelated
    document never regroups others): at least half of ``doc``'s recommendations (and two) each
    match one of the source's at ``same_rec`` word containment, the matched texts are nearly the same
    both ways (median overlap over the longer text ``same_source``), and they come in the same order
    in both documents."""
    best_src: str | None = None
    best_map: dict[int, int] = {}
    for src in sources:
        order = {s.id: k for k, s in enumerate(by_doc[src])}
        mapping: dict[int, int] = {}
        scores: list[float] = []
        for r in by_doc[doc]:
            match = max(
                by_doc[src],
                key=lambda s: (_containment(words[r.id], words[s.id]), normalise_rec(s.number) == normalise_rec(r.number)),
            )
            c = _containment(words[r.id], words[match.id])
            if c >= params.same_rec and match.id not in mapping.values():
                mapping[r.id] = match.id
                a, b = words[r.id], words[match.id]
                scores.append(len(a & b) / max(1, len(a), len(b)))  # both ways: a short text inside a long one is no twin
        if len(mapping) < max(2, len(by_doc[doc]) // 2) or len(mapping) <= len(best_map):
            continue
        if sorted(scores)[len(scores) // 2] < params.same_source:
            continue
        pairs = [(k, order[mapping[r.id]]) for k, r in enumerate(by_doc[doc]) if r.id in mapping]
        if _in_order(pairs) >= params.in_order * len(pairs):
            best_src, best_map = src, mapping
    return best_src, best_map


# ---- 2. explicit links, and what they and the recommendations' own passages cover


class _State:
    """What the link steps share: chunks already linked, the vectors that stand for each
    canonical recommendation, and who wrote each document."""

    def __init__(self, index: Index, recs: _Recs, params: LinkParams) -> None:
        self.index = index
        self.params = params
        self.recs = recs
        self.linked_chunks: set[str] = set()
        self.explicit_vec_ids: dict[int, list[int]] = defaultdict(list)  # canonical id -> chunks of its explicit responses
        self.rec_vec_ids: dict[int, list[int]] = defaultdict(list)  # canonical id -> chunks of its own text
        self._known: list[str] | None = None
        self._doc_responder: dict[str, str | None] = {}

    def note_recommendation_chunks(self, chunks: list[ChunkRow]) -> None:
        """Recommendation-role and recommendation-numbered chunks are never content-linked elsewhere."""
        for ch in chunks:
            if ch.recommendation:
                rid = self.recs.at(ch.doc_id, ch.recommendation, ch.start)
                if rid is not None and ch.role == ROLE_RECOMMENDATION:
                    self.rec_vec_ids[self.recs.canonical[rid]].append(ch.id)
                self.linked_chunks.add(ch.chunk_id)

    def responder_of(self, ch: ChunkRow) -> str | None:
        """The chunk's responder, else a body named at the top of its document (e.g. "SOUTH
        YORKSHIRE POLICE PROGRESS REPORT")."""
        if ch.responder:
            return ch.responder
        if ch.doc_id not in self._doc_responder:
            if self._known is None:
                self._known = self.index.response_responders()
            head = self.index.document_head(ch.doc_id, self.params.doc_head).lower()
            hits = [(head.find(k.lower()), -len(k), k) for k in self._known if k and k.lower() in head]
            self._doc_responder[ch.doc_id] = min(hits)[2] if hits else None
        return self._doc_responder[ch.doc_id]

    def link(self, rid: int, ch: ChunkRow, method: str, conf: float) -> LinkRow:
        return LinkRow(
            rec_id=rid,
            doc_id=ch.doc_id,
            chunk_id=ch.chunk_id,
            responder=self.responder_of(ch),
            section=ch.section,
            start=ch.start,
            end=ch.end,
            page_start=ch.page_start,
            page_end=ch.page_end,
            method=method,
            confidence=round(conf, 4),
        )


def _explicit_links(index: Index, recs: _Recs, state: _State) -> list[LinkRow]:
    """Responses printed under a recommendation."""
    out = []
    for resp in index.responses():
        if resp.recommendation is None:
            continue
        answered = recs.answered(resp.doc_id, resp.recommendation, resp.start)
        if not answered:
            continue
        section = index.section_at(resp.doc_id, resp.start)
        chunks = index.chunk_ids_overlapping(resp.doc_id, resp.start, resp.end)
        state.linked_chunks.update(chunk_id for _, chunk_id in chunks)
        for rid in answered:  # one link per recommendation the response answers ("5 a-c": 5a, 5b, 5c)
            canon = recs.canonical[rid]
            out.append(
                LinkRow(
                    rec_id=canon,
                    doc_id=resp.doc_id,
                    response_id=resp.id,
                    responder=resp.responder,
                    section=section,
                    start=resp.start,
                    end=resp.end,
                    page_start=resp.page_start,
                    page_end=resp.page_end,
                    method="explicit",
                    confidence=1.0,
                )
            )
            state.explicit_vec_ids[canon].extend(chunk_row_id for chunk_row_id, _ in chunks)
    return out


# ---- 3. reference links


def _reference_links(recs: _Recs, chunks: list[ChunkRow], state: _State) -> list[LinkRow]:
    """A passage naming "recommendation N" of a source its document belongs to: one link per
    recommendation named, however often."""
    rows, canonical = recs.rows, recs.canonical
    src_of_doc = {r.doc_id: rows[canonical[rid]].doc_id for rid, r in rows.items()}
    canon_by_src: dict[str, dict[str, int]] = defaultdict(dict)  # source doc -> normalised number -> canonical id
    for c in set(canonical.values()):
        canon_by_src[rows[c].doc_id][normalise_rec(rows[c].number)] = c
    out = []
    for ch in chunks:
        src = src_of_doc.get(ch.doc_id)
        if src is None or ch.role == ROLE_RECOMMENDATION:
            continue
        if ch.doc_id == src and ch.role != ROLE_RESPONSE:
            continue  # the report discussing its own recommendations (or printing one again) answers none
        named = set(ch.mentions)
        if len(named) >= state.params.max_references:
            continue
        # the recommendations the passage's own reply answers ("5 a-c": 5a, 5b, 5c)
        own = {canonical[r] for r in recs.answered(ch.doc_id, ch.recommendation, ch.start)} if ch.recommendation else set()
        rids = dict.fromkeys(rid for number in sorted(named) for rid in _named(canon_by_src[src], number))
        for rid in rids:
            if rid not in own:
                # "See recommendation 31." inside the reply to 32 points to 31; it does not answer it
                method = LINK_MENTION if own or ch.role == ROLE_RESPONSE else "reference"
                out.append(state.link(rid, ch, method, state.params.reference_confidence))
    return out


def _named(numbers: dict[str, int], mention: str) -> list[int]:
    """The source's recommendations a mention (a normalised number) names: the same number; else,
    for a range, the ones printed inside it ("12a-c" -> 12a, 12b, 12c); else the most specific one
    that holds it ("4aiv" -> 4a, "12a-c" -> 12)."""
    if mention in numbers:
        return [numbers[mention]]
    inside = [n for n in numbers if rec_matches(n, mention)] if "-" in mention else []
    outermost = [n for n in inside if not any(o != n and rec_matches(n, o) and not rec_matches(o, n) for o in inside)]
    if outermost:
        return [numbers[n] for n in outermost]
    holders = [n for n in numbers if rec_matches(mention, n)]
    return [numbers[max(holders, key=len)]] if holders else []


# ---- 4. content links


# Front and back matter: never a response (a cover, a contents list, an imprint, a list of links).
_IMPRINT = re.compile(
    r"©|\bcopyright\b|\bISBN\b|open government licen[cs]e|this publication is (?:available|licensed)|"
    r"enquiries (?:regarding|about|concerning) this|\bdisclaimer\b|commonslibrary|useful links|"
    r"printed (?:in the uk|on paper)|presented to parliament|ordered by the house of commons to be printed",
    re.I,
)
_CONTENTS_LINE = re.compile(r"(?:\.{3,}|…{2,}|\s)\d{1,3}\s*$")
_GENERIC_TITLE = frozenset(
    "report reports response responses recommendation recommendations inquiry inquiries review government "
    "governments the and of to for on in into from with its their volume part final interim update progress "
    "committee select house commons lords session paper command presented parliament".split()
)


def front_or_back_matter(ch: ChunkRow) -> bool:
    """A passage from a cover, contents list, imprint or list of links: it answers nothing."""
    if ch.kind in ("contents", "glossary", "notes"):
        return True
    lines = [ln for ln in ch.text.split("\n") if ln.strip()]
    if len(_IMPRINT.findall(ch.text)) >= 2 or (_IMPRINT.search(ch.text) and len(_WORD.findall(ch.text)) < 120):
        return True
    return len(lines) >= 4 and sum(bool(_CONTENTS_LINE.search(ln)) for ln in lines) >= 0.5 * len(lines)


def _title_words(title: str) -> set[str]:
    return {w for w in _WORD.findall(title.lower()) if len(w) > 2 and not w.isdigit() and w not in _GENERIC_TITLE}


def _names_source(head: str, title: str) -> bool:
    """A document's opening names the source report: two of the words that set its title apart
    ("Operation Linden", "Covid-19 Module")."""
    words = _title_words(title)
    low = head.lower()
    return bool(words) and sum(bool(re.search(rf"\b{re.escape(w)}\b", low)) for w in words) >= min(2, len(words))


def _content_links(index: Index, recs: _Recs, chunks: list[ChunkRow], state: _State) -> list[LinkRow]:
    """Unlinked passages of other documents, by similarity to a recommendation and its explicit
    responses. A passage of a document that shares the recommendation's source, or names the source
    report in its opening, is linked at ``content_threshold``; any other needs ``unrelated_threshold``
    (two inquiries' texts on similar subjects are alike without answering each other)."""
    vectors = index.vectors
    targets = sorted(set(state.rec_vec_ids) | set(state.explicit_vec_ids))
    if not targets or vectors is None or vectors.ntotal == 0:
        return []
    queries = {t: _vectors(vectors, state.rec_vec_ids[t] + state.explicit_vec_ids[t]) for t in targets}
    rows, canonical = recs.rows, recs.canonical
    rec_docs = {t: {rows[t].doc_id} | {rows[r].doc_id for r, c in canonical.items() if c == t} for t in targets}
    group = defaultdict(set)  # source document -> every document with a recommendation from it
    for rid, c in canonical.items():
        group[rows[c].doc_id].add(rows[rid].doc_id)
    titles = {d.doc_id: d.title or d.name for d in index.documents()}
    params = state.params
    related: dict[tuple[str, str], bool] = {}  # (document, source document) -> shares or names the source

    def relates(doc: str, src: str) -> bool:
        if (doc, src) not in related:
            head = index.document_head(doc, params.doc_head)
            related[doc, src] = doc in group[src] or _names_source(head, titles[src])
        return related[doc, src]

    unrelated = max(params.content_threshold, params.unrelated_threshold)
    out = []
    for ch in chunks:
        if ch.chunk_id in state.linked_chunks or len(_WORD.findall(ch.text)) < params.min_content_words:
            continue
        if front_or_back_matter(ch):
            continue
        v = vectors.reconstruct(int(ch.id))
        scores = {t: float((queries[t] @ v).max()) for t in targets if ch.doc_id not in rec_docs[t] and len(queries[t])}
        if not scores:
            continue
        best = max(scores.values())
        for t, s in scores.items():
            if s < params.content_threshold or s < best - params.content_margin:
                continue
            if s >= unrelated or relates(ch.doc_id, rows[t].doc_id):
                out.append(state.link(t, ch, "content", s))
    return out


def _vectors(faiss_index: Any, ids: list[int]) -> np.ndarray:
    if not ids:
        return np.zeros((0, faiss_index.d), dtype=np.float32)
    return np.vstack([faiss_index.reconstruct(int(i)) for i in dict.fromkeys(ids)])
