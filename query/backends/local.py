"""The default backend: the index directory's FAISS files (exact inner product) and its FTS5 table.

A large index also has approximate (IVF) files of the same vectors (``inquire.params.AnnParams``):
unfiltered queries search those. A filter that selects a large share of the passages
(``approx_selection``) is searched unfiltered for proportionally more candidates, and those outside it
dropped; a smaller selection is ranked exactly (read by id up to ``exact_filtered`` vectors). A large index's
BM25 ranking reads its postings arrays (``inquire.postings``) instead of FTS5, with FTS5's scores.

Filters are applied inside the search: FAISS ranks only the selected ids (an ``IDSelectorBatch``),
FTS5 only the selected rows (``rowid IN (...)`` in the same SQL statement), instead of ranking
every passage and sentence and dropping the rest afterwards.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from inquire.query.backends import Ranking, best_per_chunk

from inquire.params import ANN
from inquire.store import ChunkSelection, Index


def _row(qvec: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(qvec, dtype=np.float32).reshape(1, -1))


def _search(vectors: Any, qvec: np.ndarray, k: int, ids: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Top-k (id, inner product) from a FAISS index with ids, over ``ids`` only when given: exactly,
    except from an approximate (IVF) index with a selection larger than ``AnnParams.exact_filtered``."""
    if ids is None:
        scores, found = vectors.search(_row(qvec), k)
    else:
        import faiss

        if isinstance(vectors, faiss.IndexIVF) and len(ids) <= ANN.exact_filtered:
            return _exact_among(vectors, qvec, k, ids)
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
        if isinstance(vectors, faiss.IndexIVF):
            # a large selection: probe as many more lists as the selection is smaller than the whole,
            # so that about as many selected vectors are compared as an unfiltered search compares
            nprobe = min(vectors.nlist, math.ceil(vectors.nprobe * vectors.ntotal / max(1, len(ids))))
            params: Any = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
        else:
            params = faiss.SearchParameters()
            params.sel = selector  # ``selector`` stays referenced until the search returns
        scores, found = vectors.search(_row(qvec), k, params=params)
    # equal scores by id: the exact and the approximate index list ties in different orders
    return sorted(((int(i), float(s)) for i, s in zip(found[0], scores[0]) if i >= 0), key=lambda h: (-h[1], h[0]))


def _exact_among(vectors: Any, qvec: np.ndarray, k: int, ids: np.ndarray) -> list[tuple[int, float]]:
    """Top-k of a small selection, exactly: its vectors read by id, scored in one product."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    scores = vectors.reconstruct_batch(ids) @ np.asarray(qvec, dtype=np.float32).reshape(-1)
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
    return sorted(((int(ids[i]), float(scores[i])) for i in top), key=lambda h: (-h[1], h[0]))


def _searchable(exact: Any, ann: Any | None) -> Any:
    """The vectors to search and read: the approximate (IVF) index when the index has one (the exact
    file is then not loaded: the IVF index holds the same vectors, and reads them by id through a
    direct map), else the exact one."""
    if ann is None:
        return exact()
    import faiss

    ann.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    return ann


class LocalBackend:
    """FAISS + FTS5 over one open index."""

    name = "local"

    def __init__(self, index: Index) -> None:
        import faiss

        self.index = index
        self._tokenizer: Any = None
        self._selected: tuple[ChunkSelection, np.ndarray] | None = None
        self._shares: dict[ChunkSelection, float | None] = {}  # a count of the chunks table per selection
        # open both now (a damaged file is reported at open): the approximate index of a large index,
        # else the exact file
        self._passages = _searchable(lambda: index.vectors, index.ann_vectors)
        self._sentences = _searchable(lambda: index.sentence_vectors, index.ann_sentence_vectors)
        # A query is one row: FAISS gains nothing from more threads, and its idle OpenMP threads spin
        # against ONNX Runtime's (scripts/bench_scale.py --compare-threads: at 10k passages on a busy
        # 2-core machine, dense 51 -> 12 ms and sentence 270 -> 104 ms at p50).
        faiss.omp_set_num_threads(1)

    def dense(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None) -> Ranking:
        vectors = self._passages
        if vectors.ntotal == 0 or k <= 0:
            return []
        if within is None:
            return _search(vectors, qvec, min(k, vectors.ntotal))
        share = self._large_share(within)
        if share is not None:
            kept = self._top_inside(_search(vectors, qvec, min(vectors.ntotal, math.ceil(2 * k / share))), within, k)
            if kept is not None:
                return kept
        ids = self._chunk_ids(within)
        return _search(vectors, qvec, min(k, len(ids)), ids) if len(ids) else []

    def sentences(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None, candidates: int | None = None) -> Ranking:
        vectors = self._sentences
        if vectors.ntotal == 0 or k <= 0:
            return []
        ids: np.ndarray | None = None  # the selected sentences, ascending, and their passages
        chunk_of = np.zeros(0, dtype=np.int64)
        total = vectors.ntotal
        share = None if within is None else self._large_share(within)
        if within is not None and share is not None:
            wanted = min(total, math.ceil((candidates or max(4 * k, 64)) / share))
            hits = _search(vectors, qvec, wanted)
            chunks_by_sentence = self.index.sentence_chunks([i for i, _ in hits])
            inside = self.index.chunk_ids_among(within, set(chunks_by_sentence.values()))
            ranked = best_per_chunk([h for h in hits if chunks_by_sentence.get(h[0]) in inside], chunks_by_sentence, k)
            if candidates is not None or len(ranked) == k:
                return ranked
        if within is not None:
            sids, chunks = self.index.sentence_ids_where(within)
            if not len(sids):
                return []
            order = np.argsort(sids)
            total, ids, chunk_of = len(sids), sids[order], chunks[order]
        wanted = min(candidates or max(4 * k, 64), total)
        while True:
            hits = _search(vectors, qvec, wanted, ids)
            if ids is None:
                chunks_by_sentence = self.index.sentence_chunks([i for i, _ in hits])
            else:
                found = np.fromiter((i for i, _ in hits), dtype=np.int64, count=len(hits))
                chunks_by_sentence = dict(zip(found.tolist(), chunk_of[np.searchsorted(ids, found)].tolist()))
            ranked = best_per_chunk(hits, chunks_by_sentence, k)
            # ``candidates`` fixes how many sentences are looked at; else look further until k passages
            if candidates is not None or len(ranked) == k or wanted >= total:
                return ranked
            wanted = min(2 * wanted, total)

    def lexical(self, terms: tuple[str, ...], k: int, within: ChunkSelection | None = None) -> Ranking:
        """FTS5 BM25 (porter stemming), OR of the query's content words; higher is better."""
        if not terms or k <= 0:
            return []
        postings = self.index.postings
        if postings is None:
            return [(rowid, -score) for rowid, score in self.index.bm25(terms, k, within)]
        stems = self._stems(terms)
        share = None if within is None else self._large_share(within)
        if within is not None and share is not None:
            kept = self._top_inside(postings.search(stems, math.ceil(2 * k / share)), within, k)
            if kept is not None:
                return kept
        allowed = None if within is None else self._chunk_ids(within)
        return postings.search(stems, k, allowed)

    def _top_inside(self, hits: Ranking, within: ChunkSelection, k: int) -> Ranking | None:
        """The best ``k`` of an unfiltered passage ranking that ``within`` selects, or None when fewer
        than ``k`` of them are in it (the caller then ranks the selection itself)."""
        inside = self.index.chunk_ids_among(within, [i for i, _ in hits])
        kept = [h for h in hits if h[0] in inside]
        return kept[:k] if len(kept) >= k else None

    def _large_share(self, within: ChunkSelection) -> float | None:
        """The share of the passages ``within`` selects, when the index is large (has approximate
        files) and the share at least ``AnnParams.approx_selection``; else None."""
        if self.index.ann_vectors is None:
            return None
        if within not in self._shares:
            if len(self._shares) >= 64:  # batch mode with many filters: keep the recent ones
                self._shares.pop(next(iter(self._shares)))
            share = self.index.count_where(within) / max(1, self._passages.ntotal)
            self._shares[within] = share if share >= ANN.approx_selection else None
        return self._shares[within]

    def _chunk_ids(self, within: ChunkSelection) -> np.ndarray:
        """The chunk ids ``within`` selects (the last selection's are kept: one search asks for them
        once per ranking)."""
        if self._selected is None or self._selected[0] != within:
            self._selected = (within, self.index.chunk_ids_where(within))
        return self._selected[1]

    def _stems(self, terms: tuple[str, ...]) -> list[str]:
        """The query's words as the FTS5 table's terms (what MATCH would look up)."""
        if self._tokenizer is None:
            from inquire.store import FtsTokenizer

            self._tokenizer = FtsTokenizer()
        return [t for counts in self._tokenizer.counts(list(dict.fromkeys(terms))) for t in counts]

    def passage_vectors(self, ids: list[int]) -> np.ndarray:
        return _reconstruct(self._passages, ids)

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        return _reconstruct(self._sentences, ids)

    def close(self) -> None:
        """Only the query tokenizer is its own: the index is the searcher's."""
        if self._tokenizer is not None:
            self._tokenizer.close()
            self._tokenizer = None


def _reconstruct(vectors: Any, ids: list[int]) -> np.ndarray:
    if not ids:
        return np.zeros((0, vectors.d), dtype=np.float32)
    return np.vstack([vectors.reconstruct(int(i)) for i in ids])
