"""Deterministic hashed bag-of-words vectors, for tests only.

Not a product backend: ``get_embedder`` returns it only when ``INQUIRE_EMBEDDER=fake`` is set
explicitly (the test suite does). Its vectors are not compatible with the real model; its name
differs, so an index built with it is refused by the real model (and vice versa).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from inquire.embedding.model import normalise

_TOKEN = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors (tests only): same text, same vector."""

    name = "fake-hash-embedder"
    backend = "fake"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._hashed(texts)

    def _hashed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return normalise(out)

    def encode_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and its spans' (as the real embedder's ``encode_spans``; a bag of words
        has no context, so a span's vector is that of its own words)."""
        return self.encode(texts), [
            self.encode([t[s:e] for s, e in sp]).reshape(len(sp), self.dim) for t, sp in zip(texts, spans)
        ]

    def encode_states(self, texts: list[str], batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
        """``encode`` and each text's ``encode_tokens`` (as the real embedder's)."""
        return self.encode(texts, batch_size), self.encode_tokens(texts)

    def encode_spans_states(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """``encode_spans`` and each text's ``encode_tokens`` (as the real embedder's)."""
        return (*self.encode_spans(texts, spans, batch_size), self.encode_tokens(texts))

    def encode_tokens(self, texts: list[str], batch_size: int = 16) -> list[np.ndarray]:
        """Each text's words as vectors (a word's own hashed vector: no context), for late interaction."""
        return [self._hashed(_TOKEN.findall(t.lower())) for t in texts]
