"""Where search candidates come from: one small interface, two backends.

Query understanding, fusion, boosts, grouping, ``ask``, the tracker tables and ``eval`` stay in
inquire and read the SQLite metadata store (``inquire.store.Index``); a backend only answers

- ``dense(qvec, k, within)``: the k passages nearest the query vector;
- ``sentences(qvec, k, within, candidates)``: the k passages whose best sentence is nearest
  (from the ``candidates`` best sentences, or, with ``None``, from as many as it takes);
- ``lexical(terms, k, within)``: the k best BM25 passages for the query's content words;
- ``passage_vectors(ids)`` / ``sentence_vectors(ids)``: stored vectors, for reuse (``ask`` scores
  sentences with them; nothing is embedded twice);

each ranking as ``[(chunks.id, score), ...]`` best first, restricted to ``within`` (an
``inquire.store.ChunkSelection``: the user's filters resolved to stored values) inside the search.

Backends: ``local`` (default): FAISS files and the FTS5 table of the index directory;
``qdrant``: Qdrant collections (``QDRANT_URL``, else qdrant-client's local mode stored in the
index directory), written by :func:`inquire.query.backends.qdrant.sync` (upsert and delete by
document). ``qdrant-client`` is imported only when that backend is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from inquire.errors import QueryError
from inquire.store import ChunkSelection, Index

BACKENDS = ("local", "qdrant")
Ranking = list[tuple[int, float]]


class Backend(Protocol):
    name: str

    def dense(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None) -> Ranking: ...

    def sentences(
        self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None, candidates: int | None = None
    ) -> Ranking: ...

    def lexical(self, terms: tuple[str, ...], k: int, within: ChunkSelection | None = None) -> Ranking: ...

    def passage_vectors(self, ids: list[int]) -> np.ndarray: ...

    def sentence_vectors(self, ids: list[int]) -> np.ndarray: ...

    def close(self) -> None: ...


def backend_name(name: str | None = None) -> str:
    """``name``, else ``$INQUIRE_BACKEND``, else ``local``; an unknown name is a one-line error."""
    chosen = (name or os.environ.get("INQUIRE_BACKEND") or "local").strip().lower()
    if chosen not in BACKENDS:
        raise QueryError(f"unknown search backend {chosen!r}; use one of {', '.join(BACKENDS)} (--backend or INQUIRE_BACKEND)")
    return chosen


def open_backend(name: str | None, index: Index, index_dir: Path) -> Backend:
    """The backend ``name`` (see :func:`backend_name`) over an open index."""
    chosen = backend_name(name)
    if chosen == "qdrant":
        from inquire.query.backends.qdrant import QdrantBackend

        return QdrantBackend(index, Path(index_dir))
    from inquire.query.backends.local import LocalBackend

    return LocalBackend(index)


def best_per_chunk(sentence_hits: list[tuple[int, float]], chunk_of: dict[int, int], k: int) -> Ranking:
    """Passages in the order of their best sentence: ``sentence_hits`` best first, ``chunk_of``
    sentence -> passage; at most k."""
    best: dict[int, float] = {}
    for sid, score in sentence_hits:
        c = chunk_of.get(sid)
        if c is None or c in best:
            continue
        best[c] = score
        if len(best) == k:
            break
    return list(best.items())
