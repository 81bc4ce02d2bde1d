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


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """One ONNX export of the packaged model per test session (exporting takes ~10 s)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch, model_cache):
    """All inquire state under tmp_path; the fake embedder unless a test asks for the model."""
    monkeypatch.setenv("INQUIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INQUIRE_MODELS", str(model_cache))
    monkeypatch.delenv("INQUIRE_INDEX", raising=False)
    monkeypatch.setenv("INQUIRE_EMBEDDER", "fake")
    return tmp_path / "home"


@pytest.fixture
def fake_embedder():
    from inquire.embedding.fake import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture
def searcher(corpus_copy, tmp_path):
    """A searcher over an index of the bundled corpus built with the fake embedder (a module that
    needs other documents defines its own ``searcher``)."""
    from inquire.indexer.pipeline import build_index
    from inquire.query.search import Searcher

    from inquire.embedding.fake import FakeEmbedder

    build_index([corpus_copy], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


def write_renumbered_pair(folder: Path) -> None:
    """A committee report with recommendations 7-9 and a government response that prints them under
    its own numbers 1-3, each followed by its reply "(point k)": the report's 9 is the response's 3."""
    texts = {
        7: "The police should publish their public order plans for every major event in advance.",
        8: "Forces should train more public order officers in every region of England and Wales.",
        9: "The Home Office should fund a national centre to monitor social media during disorder.",
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.txt").write_text(
        "Committee report on disorder\n\n" + "".join(f"Recommendation {n}\n\n{t}\n\n" for n, t in texts.items()),
        encoding="utf-8",
    )
    (folder / "response.txt").write_text(
        "Government response to the committee report on disorder\n\n"
        + "".join(
            f"Recommendation {k}\n\n{t}\n\nGovernment response\n\nThe Government accepts this recommendation "
            f"and will report on progress within a year (point {k}).\n\n"
            for k, t in enumerate(texts.values(), 1)
        ),
        encoding="utf-8",
    )


# The keys every search hit has in `inquire search --json` (README, "JSON output"); more may follow.
HIT_KEYS = frozenset(
    {"rank", "score", "chunk_id", "doc", "title", "page_start", "page_end", "section", "recommendation", "responder", "text"}
    | {"role", "start", "end", "also_in", "page_label_start", "page_label_end", "ocr", "stance", "source_recommendation"}
)
