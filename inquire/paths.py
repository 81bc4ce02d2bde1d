"""Where inquire keeps its state: one root that ``INQUIRE_HOME`` moves.

- index:        ``$INQUIRE_HOME/index``   (``--index DIR`` or ``INQUIRE_INDEX`` override it)
- model cache:  ``$INQUIRE_HOME/models``  (the ONNX export of the packaged model; ``INQUIRE_MODELS`` moves it)

Default root: ``$XDG_DATA_HOME/inquire``, i.e. ``~/.local/share/inquire``.
"""

from __future__ import annotations

import os
from pathlib import Path


def inquire_home() -> Path:
    env = os.environ.get("INQUIRE_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "inquire"


def default_index_dir() -> Path:
    env = os.environ.get("INQUIRE_INDEX")
    return Path(env).expanduser() if env else inquire_home() / "index"


def model_cache_dir() -> Path:
    env = os.environ.get("INQUIRE_MODELS")
    return Path(env).expanduser() if env else inquire_home() / "models"


def bundled_corpus_dir() -> Path:
    """The reports that ship with inquire (``corpus/`` beside the packages)."""
    return Path(__file__).resolve().parent.parent / "corpus"


def corpora_dir() -> Path:
    """The real reports used by tests, evaluation and scripts: ``$INQUIRE_CORPORA``, else
    ``../shared/corpora`` beside the checkout. One rule for every caller."""
    env = os.environ.get("INQUIRE_CORPORA")
    return Path(env).expanduser() if env else Path(__file__).resolve().parents[2] / "shared" / "corpora"


def eval_pdf_dir() -> Path:
    """The seven PDFs the evaluation query sets were written on: ``$INQUIRE_PDF_DIR``, else
    ``uk-inquiry-responses`` inside :func:`corpora_dir` (or that folder itself when it holds the PDFs)."""
    env = os.environ.get("INQUIRE_PDF_DIR")
    if env:
        return Path(env).expanduser()
    root = corpora_dir()
    sub = root / "uk-inquiry-responses"
    return sub if sub.is_dir() or not any(root.glob("*.pdf")) else root
