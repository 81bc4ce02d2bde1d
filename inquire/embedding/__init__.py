"""Embedders behind one interface.

``encode(texts) -> float32 array (n, dim)``, L2-normalised, so inner product = cosine.

- ``inquire.embedding.onnx_backend.OnnxEmbedder``: the fast path (onnxruntime + tokenizers).
- ``inquire.embedding.torch_backend.SentenceTransformerEmbedder``: the reference (torch).
- ``inquire.embedding.fake.FakeEmbedder``: tests only (``INQUIRE_EMBEDDER=fake``).

``get_embedder()`` picks the backend from ``INQUIRE_EMBEDDER`` (``auto`` by default). Backends are
imported lazily: importing this package costs no torch and no onnxruntime.
"""

from __future__ import annotations

import os

from inquire.embedding.model import MAX_SEQ_LENGTH, MODEL_DIM, MODEL_NAME, Embedder, model_path
from inquire.errors import EmbedderUnavailable

__all__ = ["BACKENDS", "MAX_SEQ_LENGTH", "MODEL_DIM", "MODEL_NAME", "Embedder", "get_embedder", "model_path"]

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
        from inquire.embedding.fake import FakeEmbedder

        return FakeEmbedder()
    if backend == "torch":
        return _torch()
    try:
        from inquire.embedding.onnx_backend import OnnxEmbedder
    except ImportError as exc:
        if backend == "onnx":
            raise EmbedderUnavailable(f"the ONNX backend is unavailable ({exc}); pip install onnxruntime tokenizers") from exc
        return _torch()
    try:
        return OnnxEmbedder()
    except EmbedderUnavailable:
        if backend == "onnx":
            raise
        return _torch()


def _torch() -> Embedder:
    from inquire.embedding.torch_backend import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
