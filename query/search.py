"""Search an index directory: dense (FAISS) retrieval with metadata from SQLite."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.embed import Embedder, get_embedder
from indexer.errors import QueryError
from indexer.store import DATABASE, check_model, connect, read_faiss, read_manifest
from query.results import Hit

HIT_COLUMNS = (
    "c.id, c.chunk_id, c.text, c.start, c.end, c.page_start, c.page_end, c.section, c.recommendation, "
    "c.role, c.responder, d.name AS doc, d.title AS title"
)


@dataclass(frozen=True)
class Filters:
    doc: str | None = None  # substring of the file name or title, case-insensitive
    rec: str | None = None  # recommendation number as printed, e.g. "7", "12 d-e"
    responder: str | None = None  # substring, case-insensitive
    role: str | None = None  # recommendation | response | other

    def active(self) -> bool:
        return any((self.doc, self.rec, self.responder, self.role))

    def sql(self) -> tuple[str, list]:
        clauses, args = [], []
        if self.doc:
            clauses.append("(lower(d.name) LIKE ? OR lower(coalesce(d.title,'')) LIKE ?)")
            args += [f"%{self.doc.lower()}%"] * 2
        if self.rec:
            clauses.append("lower(replace(c.recommendation,' ','')) = ?")
            args.append(self.rec.lower().replace(" ", ""))
        if self.responder:
            clauses.append("lower(coalesce(c.responder,'')) LIKE ?")
            args.append(f"%{self.responder.lower()}%")
        if self.role:
            if self.role not in ("recommendation", "response", "other"):
                raise QueryError(f"unknown role {self.role!r}; use recommendation, response or other")
            clauses.append("c.role = ?")
            args.append(self.role)
        return (" AND ".join(clauses) or "1=1"), args


def row_to_hit(row, rank: int, score: float) -> Hit:
    return Hit(
        rank=rank, score=float(score), chunk_id=row["chunk_id"], doc=row["doc"], title=row["title"],
        page_start=row["page_start"], page_end=row["page_end"], section=row["section"],
        recommendation=row["recommendation"], responder=row["responder"], role=row["role"],
        text=row["text"], start=row["start"], end=row["end"], row_id=row["id"],
    )


class Searcher:
    """Loads an index once; ``search`` may be called many times (batch mode)."""

    def __init__(self, index_dir: Path, embedder: Embedder | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.manifest = read_manifest(self.index_dir)
        self._embedder = embedder
        if embedder is not None:
            check_model(self.index_dir, self.manifest, embedder.name, embedder.dim)
        self.conn = connect(self.index_dir / DATABASE)
        self.faiss = read_faiss(self.index_dir)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            emb = get_embedder()
            check_model(self.index_dir, self.manifest, emb.name, emb.dim)
            self._embedder = emb
        return self._embedder

    def close(self) -> None:
        self.conn.close()

    def rows(self, ids: list[int]) -> dict[int, object]:
        if not ids:
            return {}
        q = f"SELECT {HIT_COLUMNS} FROM chunks c JOIN documents d USING(doc_id) WHERE c.id IN ({','.join('?' * len(ids))})"
        return {r["id"]: r for r in self.conn.execute(q, ids)}

    def allowed_ids(self, filters: Filters) -> set[int] | None:
        if not filters.active():
            return None
        where, args = filters.sql()
        q = f"SELECT c.id FROM chunks c JOIN documents d USING(doc_id) WHERE {where}"
        return {r[0] for r in self.conn.execute(q, args)}

    def dense(self, query_vec: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """Top-k (id, cosine) by exact inner product; with a filter, ranks only allowed ids."""
        n = self.faiss.ntotal
        if n == 0 or k <= 0:
            return []
        search_k = n if allowed is not None else min(k, n)
        scores, ids = self.faiss.search(np.ascontiguousarray(query_vec.reshape(1, -1), dtype=np.float32), search_k)
        out = []
        for i, s in zip(ids[0], scores[0]):
            if i < 0 or (allowed is not None and int(i) not in allowed):
                continue
            out.append((int(i), float(s)))
            if len(out) == k:
                break
        return out

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        if not query or not query.strip():
            raise QueryError("empty query; pass some words to search for")
        if k < 1:
            raise QueryError(f"k must be at least 1 (got {k})")
        filters = filters or Filters()
        vec = self.embedder.encode([query.strip()])[0]
        ranked = self.dense(vec, k, self.allowed_ids(filters))
        rows = self.rows([i for i, _ in ranked])
        return [row_to_hit(rows[i], rank, s) for rank, (i, s) in enumerate(ranked, 1)]


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
        except ValueError as exc:
            raise QueryError(f"{path}:{n}: not JSON ({exc.msg}); each line must be {{\"id\": ..., \"query\": ...}}") from exc
        if not isinstance(obj, dict) or "query" not in obj:
            raise QueryError(f"{path}:{n}: missing \"query\"; each line must be {{\"id\": ..., \"query\": ...}}")
        items.append({"id": obj.get("id", n), "query": str(obj["query"])})
    return items
