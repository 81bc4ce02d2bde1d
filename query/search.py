"""Search an index (the version published at its location when the searcher opens it): dense, sentence and lexical rankings from a backend
(``inquire.query.backends``: FAISS + FTS5 by default, or Qdrant) fused here, with the metadata the
store reads (``inquire.store.Index``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from inquire.query.backends import Backend, open_backend
from inquire.query.filters import check_range, stance_value, within
from inquire.query.grouping import group_duplicates
from inquire.query.rerank import TokenCache, late_interaction
from inquire.query.results import Hit
from inquire.query.understand import GLOSSARY_SECTION, STOPWORDS, QueryIntent, parse_query, title_initialisms

from inquire.embedding import Embedder, get_embedder
from inquire.embedding.model import pack_signs, unpack_signs
from inquire.errors import QueryError
from inquire.params import FUSION, FusionWeights
from inquire.recnum import normalise_rec, rec_matches
from inquire.records import KIND_BODY
from inquire.store import ChunkSelection, Index, Passage, check_model

# Fusion weights (inquire.params.FusionWeights), tuned on evaluation/queries/dev.jsonl with
# scripts/tune_fusion.py: weighted reciprocal-rank fusion of three rankings (passage vectors, best
# sentence per passage, FTS5 BM25) plus boosts for what the query names.


@dataclass(frozen=True)
class Filters:
    doc: str | None = None  # substring of the file name or title, case-insensitive
    rec: str | None = None  # recommendation number as printed, e.g. "7", "12 d-e"
    responder: str | None = None  # substring, case-insensitive
    role: str | None = None  # recommendation | response | other
    stance: str | None = None  # one of indexer.stance.STANCES (or a word naming one): response passages stating it
    since: str | None = None  # documents published on or after: YYYY, YYYY-MM or YYYY-MM-DD
    until: str | None = None  # documents published on or before: YYYY, YYYY-MM or YYYY-MM-DD

    def active(self) -> bool:
        return any((self.doc, self.rec, self.responder, self.role, self.stance, self.since, self.until))

    def check(self) -> None:
        if self.role and self.role not in ("recommendation", "response", "other"):
            raise QueryError(f"unknown role {self.role!r}; use recommendation, response or other")
        if self.stance:
            stance_value(self.stance)
        check_range(self.since, self.until, ("since", "until"))


def row_to_hit(row: Passage, rank: int, score: float) -> Hit:
    return Hit(
        rank=rank,
        score=float(score),
        chunk_id=row.chunk_id,
        doc=row.doc,
        title=row.title,
        page_start=row.page_start,
        page_end=row.page_end,
        section=row.section,
        recommendation=row.recommendation,
        responder=row.responder,
        role=row.role,
        text=row.text,
        start=row.start,
        end=row.end,
        row_id=row.id,
        page_label_start=row.page_label_start,
        page_label_end=row.page_label_end,
        ocr=row.ocr,
        stance=row.stance,
    )


class Searcher:
    """Loads an index once; ``search`` may be called many times (batch mode). Everything it reads
    comes from the one version published when it was opened (``Index.open``), even while a re-index
    publishes another: open a new Searcher to see the new one."""

    def __init__(
        self, index_dir: Path, embedder: Embedder | None = None, weights: FusionWeights = FUSION, backend: str | None = None
    ) -> None:
        self.index_dir = Path(index_dir)  # the index location
        self.weights = weights
        self.index = Index.open(self.index_dir)
        assert self.index.manifest is not None
        self.manifest = self.index.manifest
        self._embedder = embedder
        try:
            if embedder is not None:
                check_model(self.index_dir, self.manifest, embedder.name, embedder.dim)
            self.backend: Backend = open_backend(backend, self.index, self.index_dir)
        except BaseException:
            self.index.close()
            raise
        self._query_vectors: dict[str, np.ndarray] = {}
        self._query_states: dict[str, np.ndarray] = {}  # the queries' token states, made with their vectors
        self._tokens = TokenCache()

    @property
    def faiss(self):
        """The local index's FAISS passage vectors."""
        return self.index.vectors

    @property
    def sentence_faiss(self):
        return self.index.sentence_vectors

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            emb = get_embedder()
            check_model(self.index_dir, self.manifest, emb.name, emb.dim)
            self._embedder = emb
        return self._embedder

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding (cached: ``ask`` reuses the one ``search`` computed), with its
        token states from the same pass of the model when the embedder gives them (late interaction)."""
        if text not in self._query_vectors:
            if len(self._query_vectors) >= 8:  # batch mode: keep only the recent few
                self._query_vectors.clear()
                self._query_states.clear()
            encode_states = getattr(self.embedder, "encode_states", None)
            if encode_states is not None:
                vectors, states = encode_states([text])
                self._query_states[text] = states[0]
            else:
                vectors = self.embedder.encode([text])
            self._query_vectors[text] = vectors[0]
        return self._query_vectors[text]

    def sentences_of(self, chunk_rowids: list[int]) -> dict[int, list[tuple[int, int, int]]]:
        """chunk row id -> [(sentence id, start, end)] in document order."""
        return {c: [(s.id, s.start, s.end) for s in rows] for c, rows in self.index.sentences_of(chunk_rowids).items()}

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        return self.backend.sentence_vectors(ids)

    def by_sentence(self, query_vec: np.ndarray, k: int, allowed: ChunkSelection | None = None) -> list[tuple[int, float]]:
        """Chunks ranked by the cosine of their best sentence to the query: among the best
        ``sentence_candidates`` sentences, or with a filter among all the selected ones."""
        candidates = None if allowed is not None else self.weights.sentence_candidates
        return self.backend.sentences(query_vec, k, allowed, candidates)

    def close(self) -> None:
        try:
            self.backend.close()
        finally:
            self.index.close()

    def rows(self, ids: list[int]) -> dict[int, Passage]:
        return self.index.passages(ids)

    def allowed_ids(self, filters: Filters) -> ChunkSelection | None:
        """The filters resolved to stored values (documents, also those published in the date range;
        responders; recommendation numbers; the passages stating the stance), which the backend
        applies inside its search; ``None`` without filters."""
        if not filters.active():
            return None
        filters.check()
        doc_ids = set(self.index.document_ids_like(filters.doc)) if filters.doc else None
        if filters.since or filters.until:
            since, until = check_range(filters.since, filters.until, ("since", "until"))
            dated = {d.doc_id for d in self.index.documents() if within(d.published, since, until)}
            doc_ids = dated if doc_ids is None else doc_ids & dated
        return ChunkSelection(
            doc_ids=frozenset(doc_ids) if doc_ids is not None else None,
            responders=frozenset(r for r in self.responders() if filters.responder.lower() in r.lower())
            if filters.responder
            else None,
            # the same number rule as everywhere: "4a" includes "4a iv"
            recommendations=frozenset(v for v in self.index.recommendation_values() if rec_matches(v, filters.rec))
            if filters.rec
            else None,
            also_chunks=frozenset(self.renumbered_chunks(filters.rec)) if filters.rec else frozenset(),
            role=filters.role or None,
            chunk_ids=frozenset(self.index.chunk_ids_with_stance(stance_value(filters.stance))) if filters.stance else None,
        )

    def renumbered_chunks(self, number: str) -> list[str]:
        """chunk_ids of passages that belong to recommendation ``number`` of a source under another number:
        a document that prints the source's recommendation under its own heading number (HC 1099's "2"
        for HC 381's 9) and the replies linked to it there. One number everywhere: the source's."""
        return sorted({cid for num, cid in self._renumbering() if rec_matches(num, number)})

    def _renumbering(self) -> list[tuple[str, str]]:
        """(source number, chunk_id) of every passage that carries a source's recommendation under
        another number (built once per Searcher)."""
        if not hasattr(self, "_renumbered"):
            spans = self.index.renumbered_spans()  # (source number, the document's own or None, doc, start, end)
            found = [(num, mine, cid) for num, mine, doc, a, b in spans for _, cid in self.index.chunk_ids_overlapping(doc, a, b)]
            self._renumbered = [(num, cid) for num, _, cid in found]
            # a passage at the seam of two replies: the source number of the span that prints its own number
            self._source_numbers: dict[str, dict[str | None, str]] = {}
            for num, mine, cid in found:
                self._source_numbers.setdefault(cid, {}).setdefault(normalise_rec(mine) if mine else None, num)
        return self._renumbered

    def dense(self, query_vec: np.ndarray, k: int, allowed: ChunkSelection | None = None) -> list[tuple[int, float]]:
        """Top-k (id, cosine) by inner product; with a filter, over the selected passages only."""
        return self.backend.dense(query_vec, k, allowed)

    def lexical(self, terms: tuple[str, ...], k: int, allowed: ChunkSelection | None = None) -> list[tuple[int, float]]:
        """Top-k (id, BM25 score) for the OR of the query's content words."""
        return self.backend.lexical(terms, k, allowed)

    # What the index knows, for query understanding (cached per Searcher).
    def responders(self) -> list[str]:
        if not hasattr(self, "_responders"):
            self._responders = self.index.chunk_responders()
        return self._responders

    def doc_aliases(self) -> dict[str, set[str]]:
        """Distinctive words (and joined codes such as "hc381") of each document's name and title."""
        if not hasattr(self, "_aliases"):
            docs = {d.doc_id: f"{d.name} {d.title or ''}" for d in self.index.documents()}
            words = {d: _alias_words(t) | title_initialisms(t) for d, t in docs.items()}
            df: dict[str, int] = {}
            for ws in words.values():
                for w in ws:
                    df[w] = df.get(w, 0) + 1
            limit = max(1, len(docs) // 3)
            self._aliases = {d: {w for w in ws if df[w] <= limit} for d, ws in words.items()}
        return self._aliases

    def rec_ids(
        self, recs: tuple[str, ...], allowed: ChunkSelection | None, among: set[int] | None = None, docs: tuple[str, ...] = ()
    ) -> dict[int, tuple[str, str]]:
        """Chunks belonging to the named recommendations (exact number or a sub-part of it): the
        distinct numbers are matched (once each), then only their chunks are read (``chunks_rec``).
        When more than ``rec_cap`` chunks carry the number (a large corpus has many reports with a
        recommendation 7), only those ``among`` the ranked candidates or in the named ``docs``."""
        if not recs:
            return {}
        if not hasattr(self, "_rec_values"):
            by_number: dict[str, list[str]] = {}
            for value in self.index.recommendation_values():
                by_number.setdefault(normalise_rec(value), []).append(value)
            self._rec_values = by_number
        values = [v for num, vs in self._rec_values.items() if any(rec_matches(num, q) for q in recs) for v in vs]
        selection = ChunkSelection(recommendations=frozenset(values))
        capped = among is not None and self.index.count_where(selection) > self.weights.rec_cap
        rows = self.index.chunk_meta_where(selection, among, docs) if capped else self.index.chunk_meta_where(selection)
        out = {r.id: (normalise_rec(r.recommendation or ""), r.role) for r in rows if allowed is None or allowed.admits(r)}
        if self.weights.renumbered:  # the source's recommendation N where a document prints it under its own number
            for q in recs:
                ids = list(self.index.chunk_rowids(self.renumbered_chunks(q)).values())
                for i, m in self.index.chunk_meta(ids).items():
                    if capped and among is not None and i not in among and m.doc_id not in docs:
                        continue
                    if i not in out and (allowed is None or allowed.admits(m)):
                        out[i] = (normalise_rec(q), m.role)
        return out

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: str = "hybrid",
        rerank: bool | None = None,
    ) -> list[Hit]:
        """Rank passages for ``query``. ``mode``: hybrid (default), dense, lexical or sentence.
        ``rerank``: the top passages of a question that names no recommendation and no document
        are compared with it token by token (``query.rerank``). ``None`` (the default): when the
        index stores its passages' token states (indexes written since they are: a few
        milliseconds); ``True`` also reads the passages whose states are not stored with the model
        (about 0.7 s for ten on two cores)."""
        if not query or not query.strip():
            raise QueryError("empty query; pass some words to search for")
        if k < 1:
            raise QueryError(f"k must be at least 1 (got {k})")
        filters = filters or Filters()
        allowed = self.allowed_ids(filters)
        if allowed is not None and allowed.empty():
            return []
        intent = parse_query(query.strip(), self.responders(), self.doc_aliases())
        n = max(self.weights.candidates, 3 * k)
        qvec = self.query_vector(query.strip()) if mode != "lexical" else None
        dense = self.dense(qvec, n, allowed) if qvec is not None and mode in ("hybrid", "dense") else []
        lex = self.lexical(intent.terms, n, allowed) if mode in ("hybrid", "lexical") else []
        sent = self.by_sentence(qvec, n, allowed) if qvec is not None and mode in ("hybrid", "sentence") else []
        if mode != "hybrid":
            ranked = dense or lex or sent
        else:
            ranked = self._fuse(intent, dense, lex, sent, allowed)
        if rerank is None:
            rerank = self.index.stores_token_states()
        rerank = rerank and mode == "hybrid" and not intent.recommendations and not intent.docs
        # the passages shown, read once: re-ranking reorders only the first rerank_depth of them
        depth = self.weights.rerank_depth if rerank else 0
        rows = self.rows([i for i, _ in ranked[: max(3 * k, 30, depth)]])
        if rerank:
            ranked = self._reranked(query.strip(), ranked, rows)
        return self._with_source_numbers(group_duplicates([row_to_hit(rows[i], 0, s) for i, s in ranked if i in rows], k))

    def _reranked(self, query: str, ranked: list[tuple[int, float]], rows: dict[int, Passage]) -> list[tuple[int, float]]:
        """``ranked`` with its top ``rerank_depth`` re-scored by late interaction (``query.rerank``);
        unchanged when the embedder cannot give token states. ``rows`` holds those passages. A
        passage's token states are the index's (signs, ``pack_signs``), or made now from its text
        and kept as signs too, so that both kinds compare alike."""
        encode_tokens = getattr(self.embedder, "encode_tokens", None)
        if encode_tokens is None or self.weights.rerank_depth < 2:
            return ranked
        dim = self.embedder.dim

        def read(ids: list[int]) -> list[bytes]:
            stored = self.index.token_states(ids)
            missing = [i for i in ids if i not in stored]
            stored.update(zip(missing, map(pack_signs, encode_tokens([rows[i].text for i in missing]) if missing else [])))
            return [stored[i] for i in ids]

        def passages(ids: list[int]) -> list[np.ndarray]:
            return [unpack_signs(bits, dim) for bits in self._tokens.get(ids, read)]

        question = self._query_states.get(query)
        if question is None:
            question = encode_tokens([query])[0]
        return late_interaction(ranked, question, passages, self.weights.rerank_depth, self.weights.rerank_weight)

    def _with_source_numbers(self, hits: list[Hit]) -> list[Hit]:
        """Hits (and their grouped citations) of passages that carry a source's recommendation under
        another number get the source's number beside their own."""
        self._renumbering()  # builds the map once
        source = self._source_numbers
        if not source:
            return hits

        def number(chunk_id: str, printed: str | None) -> str | None:
            by_own = source.get(chunk_id)
            if not by_own:
                return None
            mine = normalise_rec(printed) if printed else None
            return by_own.get(mine) or by_own.get(None) or next(iter(by_own.values()))

        out = []
        for h in hits:
            also = tuple(replace(c, source_recommendation=number(c.chunk_id, c.recommendation)) for c in h.also_in)
            out.append(replace(h, source_recommendation=number(h.chunk_id, h.recommendation), also_in=also))
        return out

    def _leads(self, ids: list[int], wanted: tuple[str, ...]) -> set[int]:
        """Chunks that open the named recommendation or the response to it in their document: the
        previous chunk has another role or another number. Sub-parts count as the same number, so
        for "recommendation 12" the lead is the opening of "12 a-c", not of "12 d-e"."""
        out = set()
        chosen = set(ids)
        for c, p in self.index.with_previous(ids):
            same = [w for w in wanted if rec_matches(c.recommendation or "", w)]
            if not same:  # the source's number under another (a response's "2" for the report's 9): the
                # opening passage of that reply leads, the ones that continue it do not
                if p is None or p.role != c.role or p.id not in chosen:
                    out.add(c.id)
                continue
            continues = (
                p is not None
                and p.role == c.role
                and p.recommendation is not None
                and any(rec_matches(p.recommendation, w) for w in same)
            )
            if not continues:
                out.add(c.id)
        return out

    def _fuse(self, intent: QueryIntent, dense, lex, sent, allowed) -> list[tuple[int, float]]:
        w = self.weights
        scores: dict[int, float] = {}
        for weight, ranking in ((w.w_dense, dense), (w.w_lexical, lex), (w.w_sentence, sent)):
            for rank, (i, _) in enumerate(ranking, 1):
                scores[i] = scores.get(i, 0.0) + weight / (w.rrf_k + rank)
        recs = self.rec_ids(intent.recommendations, allowed, set(scores), intent.docs)
        lead = self._leads(list(recs), intent.recommendations) if recs and w.b_lead else set()
        ids = list(dict.fromkeys([*scores, *recs]))
        meta = self.index.chunk_meta(ids)
        for i, (num, role) in recs.items():
            bonus = w.b_rec * (1.0 if num in intent.recommendations else 0.5)
            if intent.wants and role == intent.wants:
                bonus += w.b_rec_role
            if i in lead:
                bonus += w.b_lead
            if intent.docs and meta[i].doc_id not in intent.docs:
                bonus *= w.rec_elsewhere
            elif intent.docs and not intent.wants and role in ("recommendation", "response"):
                bonus += w.b_rec_named_doc  # "Operation Linden recommendation 7": that report's 7 and the replies to it
            scores[i] = scores.get(i, 0.0) + bonus
        named = [r.lower() for r in intent.responders]
        for i in ids:
            m = meta[i]
            if m.kind != KIND_BODY or (w.glossary_aside and not intent.definition and GLOSSARY_SECTION.search(m.section or "")):
                scores[i] -= w.p_aside
            if intent.recommendations and i not in recs and m.mentions:
                if any(rec_matches(a, b) or rec_matches(b, a) for a in m.mentions for b in intent.recommendations):
                    scores[i] += w.b_mention
            if intent.wants and not intent.recommendations and m.role == intent.wants:
                scores[i] += w.b_role
            if named and m.responder and m.responder.lower() in named:
                scores[i] += w.b_responder
            if m.doc_id in intent.docs:
                scores[i] += w.b_doc
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


_GENERIC = STOPWORDS | set(
    """report reports response responses government govt inquiry committee police final review pdf txt html
    recommendations recommendation and the uk hm department office national public data page""".split()
)


def _alias_words(text: str) -> set[str]:
    tokens = re.findall(r"[a-z]+|\d+", text.lower().replace("_", " "))
    words = {t for t in tokens if len(t) >= 4 and t not in _GENERIC and not t.isdigit()}
    for a, b in zip(tokens, tokens[1:]):  # codes: "hc 381" -> "hc381", "cp 1248" -> "cp1248"
        if a.isalpha() and len(a) <= 3 and b.isdigit() and len(b) >= 3:
            words.add(a + b)
    return words


def read_batch(path: Path) -> list[dict]:
    """Read a batch file: one JSON object per line with ``id`` and ``query``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QueryError(f"{path}: cannot read batch file ({exc.strerror})") from exc
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QueryError(f'{path}:{n}: not JSON ({exc.msg}); each line must be {{"id": ..., "query": ...}}') from exc
        if not isinstance(obj, dict) or "query" not in obj:
            raise QueryError(f'{path}:{n}: missing "query"; each line must be {{"id": ..., "query": ...}}')
        items.append({"id": obj.get("id", n), "query": str(obj["query"])})
    return items
