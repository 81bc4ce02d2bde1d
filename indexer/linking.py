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

``find_links`` reads an ``Index`` and returns the verdicts; ``link_index`` writes them. Near-linear
in the corpus: recommendations are compared only with those sharing enough of their rarest words
(prefix filtering over an inverted index), and passages with the recommendations' vectors in blocks
of matrix products. Incremental: given the previous version of the index and the documents copied
from it unchanged, the copied documents keep their sources unless a new document may claim them
(only the pairs with new recommendations are compared: ``_assign_sources``), and only the passages
the new, dropped or regrouped documents can affect are compared again (``_Previous``); the others
keep their previous content links. The result equals a full relink.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inquire import recnum
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


def link_index(
    writer: IndexWriter, params: LinkParams = LINK, previous: Index | None = None, copied: Collection[str] = ()
) -> LinkPlan:
    """Link the index being written (all its documents are in) and record the links. ``previous``:
    the index it replaces, whose documents ``copied`` were copied unchanged (their links are reused
    where nothing new can change them)."""
    plan = find_links(writer.index, params, previous, copied)
    writer.clear_links()
    writer.set_sources(plan.sources)
    for link in plan.links:
        writer.add_link(link)
    return plan


def find_links(index: Index, params: LinkParams = LINK, previous: Index | None = None, copied: Collection[str] = ()) -> LinkPlan:
    """Sources, then explicit, reference and content links (reads only). With ``previous`` (see
    ``link_index``) the content links of passages nothing new can change are taken from it."""
    rows = index.recommendations()
    prev = _Previous.open(previous, rows, set(copied), params) if previous is not None else None
    recs = _Recs.load(index, params, rows, prev.canonical() if prev is not None else None)
    if prev is not None:
        prev.note_sources(recs)
    chunks = index.chunks()
    state = _State(index, recs, params)
    links = _explicit_links(index, recs, chunks, state)
    state.note_recommendation_chunks(chunks)
    links += _reference_links(recs, chunks, state)
    links += _content_links(index, recs, chunks, state, prev)
    return LinkPlan(tuple(recs.assignments), tuple(links))


def fingerprint(params: LinkParams = LINK) -> str:
    """Changes whenever linking may give other verdicts: this module, the recommendation numbers'
    rules and the parameters. An index linked under another fingerprint is linked again in full."""
    h = hashlib.sha1(repr(sorted(params.to_dict().items())).encode())
    for module in (__file__, recnum.__file__):
        with open(module, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


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
    numbers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # doc -> its normalised numbers

    @classmethod
    def load(
        cls, index: Index, params: LinkParams, rows: list[RecommendationRow], previous: dict[int, int] | None = None
    ) -> _Recs:
        """``rows``: the index's recommendations. ``previous``: the copied documents' recommendations ->
        their canonical ids as previously assigned (in this index's ids), kept unless a new document
        may change them (``_assign_sources``)."""
        canonical, assignments = _assign_sources(index, rows, params, previous)
        recs = cls({r.id: r for r in sorted(rows, key=lambda r: (r.doc_id, r.start))}, canonical, assignments)
        for r in recs.rows.values():
            number = normalise_rec(r.number)
            if (r.doc_id, number) not in recs.positions:
                recs.numbers[r.doc_id].append(number)
            recs.positions[(r.doc_id, number)].append((r.start, r.id))
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
        for number in self.numbers.get(doc_id, []):
            if not rec_matches(number, label):
                continue
            cands = self.positions[(doc_id, number)]
            before = [rid for start, rid in cands if start <= offset]
            parts[number] = before[-1] if before else cands[0][1]
        return sorted(parts.values(), key=lambda rid: self.rows[rid].start)


def _assign_sources(
    index: Index, recs: list[RecommendationRow], params: LinkParams, previous: dict[int, int] | None = None
) -> tuple[dict[int, int], list[SourceAssignment]]:
    """Group documents that print the same recommendations under the report that made them;
    return rec id -> canonical id and each recommendation's assignment.

    With ``previous`` (the copied documents' recommendations -> their previous canonical ids) the
    pairs with the new documents' recommendations are compared (``_NearPairs``), and a copied
    document's source is decided again (its pairs with every document compared) only when it may
    differ. A document's candidate sources are the documents before it in ``docs`` order that are
    their own source, each judged on the two documents alone, the first with the most matches
    winning. So a copied document keeps its previous source unless that one is no longer a source of
    its own, or a document that became one (a new document, or a copied one decided again to other
    effect: ``changed``) shares a recommendation with it or is named by it. A document that left
    changes a copied one's source only if it was that source (then ``previous`` is not given:
    ``_Previous.canonical``)."""
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
    pairs = _NearPairs(words, params.same_rec)
    kept = previous or {}
    changed = {d for d in docs if by_doc[d][0].id not in kept}  # new, or copied with another source now
    near = pairs.of([r.id for d in changed for r in by_doc[d]], both=previous is not None)
    known = set(changed)  # the documents whose recommendations' pairs are all in ``near``
    pos = {r.id: (r.doc_id, k) for d in by_doc for k, r in enumerate(by_doc[d])}
    doc_of = {r.id: r.doc_id for r in recs}

    def decide(d: str, sources: list[str]) -> tuple[str | None, dict[int, int]]:
        if d not in known:
            for a, bs in pairs.of([r.id for r in by_doc[d]]).items():
                near[a] |= bs
            known.add(d)
        best_src, best_map = _repeated_source(by_doc, d, sources, words, params, _twins(by_doc[d], near, pos))
        if best_src is None:
            best_src, best_map = _summarised_source(by_doc, d, sources, words, titles, params)
        return best_src, best_map

    placed: dict[str, None] = {}  # the sources so far, in the order they were first chosen
    for d in docs:
        if d in changed:
            best_src, best_map = decide(d, list(placed))
        else:  # copied: its previous source, unless it may differ
            best_map = {r.id: kept[r.id] for r in by_doc[d] if kept[r.id] != r.id}
            best_src = doc_of[next(iter(best_map.values()))] if best_map else None
            new = [s for s in placed if s in changed]
            new_set = set(new)
            if (
                (best_src is not None and best_src not in placed)
                or any(doc_of[b] in new_set for r in by_doc[d] for b in near.get(r.id, ()))
                or (new and _summarised_source(by_doc, d, new, words, titles, params)[0] is not None)
            ):
                found = decide(d, list(placed))
                if found != (best_src, best_map):
                    best_src, best_map = found
                    changed.add(d)
        source_doc[d] = best_src or d
        placed.setdefault(source_doc[d])
        for r in by_doc[d]:
            canonical[r.id] = best_map.get(r.id, r.id)
    assignments = [SourceAssignment(r.id, canonical[r.id], titles[source_doc[r.doc_id]]) for r in recs]
    return canonical, assignments


class _NearPairs:
    """Pairs of recommendations whose word containment reaches ``threshold`` (exactly those), found
    by prefix filtering: if the smaller set ``a`` shares ``o`` words with another, one of any
    ``len(a) - o + 1`` of its words (its rarest, the fewest to compare: its ``prefix``) is among
    them, so only the recommendations holding one of those words are compared."""

    def __init__(self, words: dict[int, set[str]], threshold: float) -> None:
        self.words, self.threshold = words, threshold
        freq = Counter(w for ws in words.values() for w in ws)
        rank = {w: k for k, w in enumerate(sorted(freq, key=lambda w: (freq[w], w)))}  # rarest first
        self.postings: dict[str, list[int]] = defaultdict(list)  # word -> the recommendations holding it
        self.prefixed: dict[str, list[int]] = defaultdict(list)  # word -> those holding it in their prefix
        self.prefix: dict[int, list[str]] = {}
        for rid, ws in words.items():
            size = len(ws)
            need = next((k for k in range(1, size + 1) if k / size >= threshold), None) if size else None
            # (need None: no overlap reaches the threshold)
            self.prefix[rid] = [] if need is None else sorted(ws, key=rank.__getitem__)[: size - need + 1]
            for w in ws:
                self.postings[w].append(rid)
            for w in self.prefix[rid]:
                self.prefixed[w].append(rid)

    def of(self, ids: list[int], both: bool = True) -> defaultdict[int, set[int]]:
        """Each of ``ids`` -> the others it pairs with, and those -> it. ``both``: every pair with one
        of ``ids`` (also those where the other is the smaller); else only where it is the smaller or
        of the same size (enough when ``ids`` are all the recommendations)."""
        words, near = self.words, defaultdict[int, set[int]](set)
        if self.threshold <= 0:
            for a in ids:
                near[a].update(b for b in words if b != a)
                for b in near[a]:
                    near[b].add(a)
            return near
        done: set[int] = set()
        for a in ids:
            size = len(words[a])
            cands = {b for w in self.prefix[a] for b in self.postings[w] if len(words[b]) >= size}
            if both:  # (a the larger: its word in the other's prefix)
                cands |= {b for w in words[a] for b in self.prefixed.get(w, ()) if len(words[b]) <= size}
                cands -= done
            cands.discard(a)
            for b in cands:
                if _containment(words[a], words[b]) >= self.threshold:
                    near[a].add(b)
                    near[b].add(a)
            done.add(a)
        return near


def _twins(
    rows: list[RecommendationRow], near: Mapping[int, Collection[int]], pos: dict[int, tuple[str, int]]
) -> dict[str, dict[int, list[int]]]:
    """For one document's recommendations: other document -> rec id -> that document's
    recommendations that may print the same one (``_NearPairs``), in reading order."""
    out: dict[str, dict[int, list[int]]] = defaultdict(dict)
    for r in rows:
        by_other: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for s in near.get(r.id, []):
            doc, k = pos[s]
            by_other[doc].append((k, s))
        for doc, found in by_other.items():
            out[doc][r.id] = [s for _, s in sorted(found)]
    return out


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
        numbered: dict[str, list[RecommendationRow]] = defaultdict(list)
        for s in by_doc[src]:
            numbered[normalise_rec(s.number)].append(s)
        mapping: dict[int, int] = {}
        by_number: dict[int, int] = {}  # every row to the source's recommendation with its number
        for r in by_doc[doc]:
            same = numbered.get(normalise_rec(r.number), [])
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
    by_doc: dict[str, list[RecommendationRow]],
    doc: str,
    sources: list[str],
    words: dict[int, set[str]],
    params: LinkParams,
    twins: dict[str, dict[int, list[int]]],
) -> tuple[str | None, dict[int, int]]:
    """Which already-placed source does ``doc`` repeat, and the map from its recommendations to the
    source's. Strong evidence only, judged on the two documents alone (so adding an unrelated
    document never regroups others): at least half of ``doc``'s recommendations (and two) each
    match one of the source's at ``same_rec`` word containment, the matched texts are nearly the same
    both ways (median overlap over the longer text ``same_source``), and they come in the same order
    in both documents. Only the source's recommendations in ``twins`` (those reaching ``same_rec``)
    can be a match: the best match of the others is below it."""
    best_src: str | None = None
    best_map: dict[int, int] = {}
    need = max(2, len(by_doc[doc]) // 2)
    rows = {s.id: s for src in sources if len(twins.get(src, {})) >= need for s in by_doc[src]}
    for src in sources:
        cands = twins.get(src, {})
        if len(cands) < need:
            continue  # too few recommendations with a match to reach half
        order = {s.id: k for k, s in enumerate(by_doc[src])}
        mapping: dict[int, int] = {}
        scores: list[float] = []
        for r in by_doc[doc]:
            if r.id not in cands:
                continue
            match = max(
                (rows[s] for s in cands[r.id]),
                key=lambda s: (_containment(words[r.id], words[s.id]), normalise_rec(s.number) == normalise_rec(r.number)),
            )
            c = _containment(words[r.id], words[match.id])
            if c >= params.same_rec and match.id not in mapping.values():
                mapping[r.id] = match.id
                a, b = words[r.id], words[match.id]
                scores.append(len(a & b) / max(1, len(a), len(b)))  # both ways: a short text inside a long one is no twin
        if len(mapping) < need or len(mapping) <= len(best_map):
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


def _explicit_links(index: Index, recs: _Recs, chunks: list[ChunkRow], state: _State) -> list[LinkRow]:
    """Responses printed under a recommendation."""
    by_doc: dict[str, list[ChunkRow]] = defaultdict(list)
    for ch in chunks:
        by_doc[ch.doc_id].append(ch)
    spans: dict[str, tuple[list[ChunkRow], np.ndarray, np.ndarray]] = {}  # document -> its chunks (reading order), starts, ends
    out = []
    for resp in index.responses():
        if resp.recommendation is None:
            continue
        answered = recs.answered(resp.doc_id, resp.recommendation, resp.start)
        if not answered:
            continue
        if resp.doc_id not in spans:
            mine = sorted(by_doc[resp.doc_id], key=lambda ch: ch.seq)
            spans[resp.doc_id] = (mine, np.array([ch.start for ch in mine]), np.array([ch.end for ch in mine]))
        mine, starts, ends = spans[resp.doc_id]
        holding = np.flatnonzero((starts <= resp.start) & (ends > resp.start))
        section = mine[holding[0]].section if len(holding) else None  # the section of the chunk it starts in
        overlapping = [mine[k] for k in np.flatnonzero((starts < resp.end) & (ends > resp.start))]
        state.linked_chunks.update(ch.chunk_id for ch in overlapping)
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
            state.explicit_vec_ids[canon].extend(ch.id for ch in overlapping)
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
    return bool(words) and sum(w in low and bool(re.search(rf"\b{re.escape(w)}\b", low)) for w in words) >= min(2, len(words))


def _content_links(
    index: Index, recs: _Recs, chunks: list[ChunkRow], state: _State, previous: _Previous | None = None
) -> list[LinkRow]:
    """Unlinked passages of other documents, by similarity to a recommendation and its explicit
    responses. A passage of a document that shares the recommendation's source, or names the source
    report in its opening, is linked at ``content_threshold``; any other needs ``unrelated_threshold``
    (two inquiries' texts on similar subjects are alike without answering each other). With
    ``previous``, a passage of a copied document keeps its previous links unless a vector that
    arrived or left reaches ``content_threshold`` against it (``_Previous.affected``)."""
    vectors = index.vectors
    targets = [
        t
        for t in sorted(set(state.rec_vec_ids) | set(state.explicit_vec_ids))
        if state.rec_vec_ids[t] + state.explicit_vec_ids[t]
    ]
    if not targets or vectors is None or vectors.ntotal == 0:
        return []
    row_of, matrix = _all_vectors(vectors)
    query_ids = [list(dict.fromkeys(state.rec_vec_ids[t] + state.explicit_vec_ids[t])) for t in targets]
    queries = matrix[row_of[np.fromiter((i for ids in query_ids for i in ids), dtype=np.int64)]]
    starts = np.cumsum([0] + [len(ids) for ids in query_ids[:-1]])
    rows, canonical = recs.rows, recs.canonical
    members: dict[int, set[str]] = defaultdict(set)  # canonical id -> documents printing it
    for rid, c in canonical.items():
        members[c].add(rows[rid].doc_id)
    column = {t: k for k, t in enumerate(targets)}
    own: dict[str, list[int]] = defaultdict(list)  # document -> the targets it prints (never linked to it)
    for t in targets:
        for doc in {rows[t].doc_id} | members[t]:
            own[doc].append(column[t])
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

    unlinked = [ch for ch in chunks if ch.chunk_id not in state.linked_chunks]
    kept: dict[str, list[tuple[int, float]]] = {}
    if previous is not None:
        kept = previous.kept_links(chunks, unlinked, row_of, matrix, state)
    compare = [ch for ch in unlinked if ch.chunk_id not in kept]
    compare = [ch for ch in compare if len(_WORD.findall(ch.text)) >= params.min_content_words and not front_or_back_matter(ch)]
    unrelated = max(params.content_threshold, params.unrelated_threshold)
    found: dict[str, list[tuple[int, float]]] = dict(kept)
    for b in range(0, len(compare), _BLOCK):
        block = compare[b : b + _BLOCK]
        sims = matrix[row_of[np.fromiter((ch.id for ch in block), dtype=np.int64)]] @ queries.T
        best = np.maximum.reduceat(sims, starts, axis=1).astype(np.float64)  # passage x target
        for i, ch in enumerate(block):
            row = best[i]
            row[own.get(ch.doc_id, [])] = -np.inf
            top = row.max()
            if top == -np.inf:
                continue
            verdicts = []
            for k in np.flatnonzero((row >= params.content_threshold) & (row >= top - params.content_margin)):
                s, t = float(row[k]), targets[k]
                if s >= unrelated or relates(ch.doc_id, rows[t].doc_id):
                    verdicts.append((t, s))
            if verdicts:
                found[ch.chunk_id] = verdicts
    return [state.link(t, ch, "content", s) for ch in chunks for t, s in found.get(ch.chunk_id, [])]


_BLOCK = 512  # passages per matrix product


def _all_vectors(faiss_index: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every vector of a FAISS id map over a flat index, and id -> row of that matrix (-1: none)."""
    import faiss

    matrix = faiss.downcast_index(faiss_index.index).reconstruct_n(0, faiss_index.ntotal)
    ids = faiss.vector_to_array(faiss_index.id_map)
    row_of = np.full(int(ids.max()) + 1 if len(ids) else 1, -1, dtype=np.int64)
    row_of[ids] = np.arange(len(ids))
    return row_of, matrix


@dataclass
class _Previous:
    """The index this one replaces, when its links can be reused: it was linked by this code and
    parameters. Its copied documents whose recommendations keep their canonical ones and sources
    (``note_sources``) keep their passages' content links unless something new reaches them
    (``kept_links``); the others (e.g. a new document became their source) are compared again, like
    new ones."""

    index: Index
    copied: set[str]
    rows: list[RecommendationRow]  # its recommendations
    rec_ids: dict[int, int]  # its id -> this index's id, for the copied documents' recommendations
    complete: bool  # every recommendation of a copied document is in both
    regrouped: set[str] = field(default_factory=set)  # copied documents whose sources changed (``note_sources``)

    @classmethod
    def open(cls, previous: Index, rows: list[RecommendationRow], copied: set[str], params: LinkParams) -> _Previous | None:
        manifest = previous.manifest
        if not copied or manifest is None or manifest.linking != fingerprint(params):
            return None  # linked by other code or parameters (or never linked)
        key = {(r.doc_id, r.start, r.end, r.number): r.id for r in rows if r.doc_id in copied}
        old_rows = previous.recommendations()
        rec_ids: dict[int, int] = {}
        for r in old_rows:
            new = key.get((r.doc_id, r.start, r.end, r.number))
            if new is not None and r.doc_id in copied:
                rec_ids[r.id] = new
        complete = len(rec_ids) == len(key) == sum(r.doc_id in copied for r in old_rows)
        return cls(previous, copied, old_rows, rec_ids, complete)

    def canonical(self) -> dict[int, int] | None:
        """The copied documents' recommendations -> their previous canonical ids, in this index's ids;
        None when they cannot stand (a recommendation differs, or its canonical one left)."""
        if not self.complete:
            return None
        out = {}
        for r in self.rows:
            if r.doc_id in self.copied:
                if r.canonical_id not in self.rec_ids:
                    return None
                out[self.rec_ids[r.id]] = self.rec_ids[r.canonical_id]
        return out

    def note_sources(self, recs: _Recs) -> None:
        """The copied documents whose recommendations changed canonical one or source are regrouped:
        their passages are compared again, and the vectors that stand for their recommendations (which
        may now stand for others) count as arrived (``kept_links``). A passage elsewhere does not
        depend on them otherwise: its exclusions (the recommendations its document prints) and related
        sources (of its own recommendations, or named) are its own."""
        source = {a.rec_id: a.source for a in recs.assignments}
        for r in self.rows:
            if r.doc_id in self.copied and r.doc_id not in self.regrouped:
                new = self.rec_ids[r.id]  # (every copied recommendation has one: ``complete``)
                if r.canonical_id not in self.rec_ids or recs.canonical[new] != self.rec_ids[r.canonical_id]:
                    self.regrouped.add(r.doc_id)
                elif source[new] != r.source:
                    self.regrouped.add(r.doc_id)
        self.copied -= self.regrouped

    def kept_links(
        self, chunks: list[ChunkRow], unlinked: list[ChunkRow], row_of: np.ndarray, matrix: np.ndarray, state: _State
    ) -> dict[str, list[tuple[int, float]]]:
        """The unlinked passages of copied documents that nothing new can change, each with its
        previous content links (canonical id, similarity). A passage can change only when a vector
        that arrived or left reaches ``content_threshold`` against it: below it, that vector's
        recommendation neither reaches the threshold nor, as the best, rules out one that does."""
        previous = self.index
        copied = self.copied | self.regrouped  # (the regrouped ones' vectors are the same: counted as arrived)
        left_ids = [ch.id for d in previous.documents() if d.doc_id not in copied for ch in previous.chunks(d.doc_id)]
        left = _vectors(previous.vectors, left_ids) if left_ids else np.zeros((0, matrix.shape[1]), dtype=np.float32)
        mine = [ch for ch in unlinked if ch.doc_id in self.copied]
        copied_rows = {ch.id for ch in chunks if ch.doc_id in self.copied}
        arrived = sorted(
            {i for ids in (*state.rec_vec_ids.values(), *state.explicit_vec_ids.values()) for i in ids} - copied_rows
        )
        changed = np.vstack([matrix[row_of[np.asarray(arrived, dtype=np.int64)]], left])
        keep: set[str] = set()
        for b in range(0, len(mine), _BLOCK):
            block = mine[b : b + _BLOCK]
            vecs = matrix[row_of[np.fromiter((ch.id for ch in block), dtype=np.int64)]]
            reach = (vecs @ changed.T).max(axis=1) if len(changed) else np.full(len(block), -np.inf)
            keep.update(ch.chunk_id for ch, r in zip(block, reach) if float(r) < state.params.content_threshold)
        out: dict[str, list[tuple[int, float]]] = {ch_id: [] for ch_id in keep}
        lost: set[str] = set()  # (a recommendation that left always reaches the threshold: never here)
        for chunk_id, rec_id, confidence in previous.link_verdicts("content"):
            if chunk_id in keep:
                if rec_id in self.rec_ids:
                    out[chunk_id].append((self.rec_ids[rec_id], confidence))
                else:
                    lost.add(chunk_id)
        return {ch_id: sorted(found) for ch_id, found in out.items() if ch_id not in lost}


def _vectors(faiss_index: Any, ids: Iterable[int]) -> np.ndarray:
    return np.vstack([faiss_index.reconstruct(int(i)) for i in dict.fromkeys(ids)])
