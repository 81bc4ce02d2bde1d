"""The default backend: the index directory's FAISS files (exact inner product) and its FTS5 table.

Filters are applied inside the search: FAISS ranks only the selected ids (an ``IDSelectorBatch``),
FTS5 only the selected rows (``rowid IN (...)`` in the same SQL statement), instead of ranking
every passage and sentence and dropping the rest afterwards.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from inquire.query.backends import Ranking, best_per_chunk

from inquire.store import ChunkSelection, Index


def _row(qvec: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(qvec, dtype=np.float32).reshape(1, -1))


def _search(vectors: Any, qvec: np.ndarray, k: int, ids: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Top-k (id, inner product) from a FAISS id-mapped index, over ``ids`` only when given."""
    if ids is None:
        scores, found = vectors.search(_row(qvec), k)
    else:
        import faiss

        selector = faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
        params = faiss.SearchParameters()
        params.sel = selector  # ``selector`` stays referenced until the search returns
        scores, found = vectors.search(_row(qvec), k, params=params)
    return [(int(i), float(s)) for i, s in zip(found[0], scores[0]) if i >= 0]


class LocalBackend:
    """FAISS + FTS5 over one open index."""

    name = "local"

    def __init__(self, index: Index) -> None:
        import faiss

        self.index = index
        index.vectors, index.sentence_vectors  # noqa: B018 - open both now: a damaged file is reported at open
        # A query is one row: FAISS gains nothing from more threads, and its idle OpenMP threads spin
        # against ONNX Runtime's (scripts/bench_scale.py --compare-threads: at 10k passages on a busy
        # 2-core machine, dense 51 -> 12 ms and sentence 270 -> 104 ms at p50).
        faiss.omp_set_num_threads(1)

    def dense(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None) -> Ranking:
        vectors = self.index.vectors
        if vectors.ntotal == 0 or k <= 0:
            return []
        if within is None:
            return _search(vectors, qvec, min(k, vectors.ntotal))
        ids = self.index.chunk_ids_where(within)
        return _search(vectors, qvec, min(k, len(ids)), ids) if len(ids) else []

    def sentences(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None, candidates: int | None = None) -> Ranking:
        vectors = self.index.sentence_vectors
        if vectors.ntotal == 0 or k <= 0:
            return []
        ids: np.ndarray | None = None  # the selected sentences, ascending, and their passages
        chunk_of = np.zeros(0, dtype=np.int64)
        total = vectors.ntotal
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
        return [(rowid, -score) for rowid, score in self.index.bm25(terms, k, within)]

    def passage_vectors(self, ids: list[int]) -> np.ndarray:
        return _reconstruct(self.index.vectors, ids)

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        return _reconstruct(self.index.sentence_vectors, ids)

    def close(self) -> None:
        """Nothing of its own to release: the index is the searcher's."""


def _reconstruct(vectors: Any, ids: list[int]) -> np.ndarray:
    if not ids:
        return np.zeros((0, vectors.d), dtype=np.float32)
    return np.vstack([vectors.reconstruct(int(i)) for i in ids])
