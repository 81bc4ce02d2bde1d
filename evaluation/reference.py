"""Reference retrievers: the usual recipe, run side by side with inquire's own.

Raw extracted text (pages joined, no cleaning) cut into 1000-character windows with 200 overlap;
ranked by BM25 (SQLite FTS5, porter stemming), by MiniLM + FAISS (exact inner product), or by
both fused with reciprocal-rank fusion (k = 60).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from inquire.indexer.parse import parse

from inquire.embedding import Embedder

WINDOW = 1000
OVERLAP = 200


@dataclass(frozen=True)
class Window:
    docid: str  # "<file name>#w<n>"
    doc: str
    text: str


def make_windows(files: list[Path], size: int = WINDOW, overlap: int = OVERLAP) -> list[Window]:
    out = []
    for path in files:
        text = "\n".join(p.text for p in parse(path).pages)
        step = size - overlap
        for n, start in enumerate(range(0, max(1, len(text) - overlap), step)):
            out.append(Window(f"{path.name}#w{n}", path.name, text[start : start + size]))
    return out


class WindowRetriever:
    """BM25 / dense / RRF over windows; vectors cached on disk by content hash."""

    def __init__(self, windows: list[Window], embedder: Embedder, cache_dir: Path | None = None) -> None:
        self.windows = windows
        self.embedder = embedder
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("CREATE VIRTUAL TABLE w USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
        self.conn.executemany("INSERT INTO w(rowid, text) VALUES (?, ?)", [(i, w.text) for i, w in enumerate(windows)])
        self.vectors = self._vectors(cache_dir)

    def _vectors(self, cache_dir: Path | None) -> np.ndarray:
        key = hashlib.sha256(("\0".join(w.text for w in self.windows) + self.embedder.name).encode()).hexdigest()[:16]
        path = cache_dir / f"windows-{key}.npy" if cache_dir else None
        if path and path.exists():
            return np.load(path)
        vectors = self.embedder.encode([w.text for w in self.windows])
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors

    def bm25(self, query: str, k: int) -> list[int]:
        terms = [t for t in re.findall(r"[a-z0-9]+", query.lower()) if len(t) > 1]
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms))
        return [r[0] for r in self.conn.execute("SELECT rowid FROM w WHERE w MATCH ? ORDER BY bm25(w) LIMIT ?", (match, k))]

    def dense(self, query: str, k: int) -> list[int]:
        q = self.embedder.encode([query])[0]
        scores = self.vectors @ q
        return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]

    def rrf(self, query: str, k: int, depth: int = 100, rrf_k: int = 60) -> list[int]:
        fused: dict[int, float] = {}
        for ranking in (self.bm25(query, depth), self.dense(query, depth)):
            for rank, i in enumerate(ranking, 1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (rrf_k + rank)
        return [i for i, _ in sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]
