"""Reference embedder: sentence-transformers on torch (CPU). Importing it costs ~6 s."""

from __future__ import annotations

import os

import numpy as np

from inquire.embedding.model import MODEL_DIM, MODEL_NAME, model_path, normalise
from inquire.errors import EmbedderUnavailable


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
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_tokens(self, texts: list[str], batch_size: int = 16) -> list[np.ndarray]:
        """Each text's token states (without [CLS] and [SEP]), each scaled to unit length."""
        if not texts:
            return []
        states = self._model.encode(
            list(texts), batch_size=batch_size, output_value="token_embeddings", convert_to_numpy=False, show_progress_bar=False
        )
        return [normalise(t.detach().cpu().numpy()[1:-1]) for t in states]
