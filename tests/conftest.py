from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

CORPUS = ROOT / "corpus"
IOPC = "iopc-operation-linden-recommendations-and-responses.txt"
COUNCIL = "rotherham-council-2022-04-07-syp-progress-report-operation-linden.txt"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """All inquire state under tmp_path; the fake embedder unless a test asks for the model."""
    monkeypatch.setenv("INQUIRE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("INQUIRE_INDEX", raising=False)
    monkeypatch.setenv("INQUIRE_EMBEDDER", "fake")
    return tmp_path / "home"


@pytest.fixture
def fake_embedder():
    from indexer.embed import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest
