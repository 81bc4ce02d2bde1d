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
