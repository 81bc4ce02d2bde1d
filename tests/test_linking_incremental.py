"""Incremental linking equals a full relink: an index grown, changed or shrunk file by file holds the
same sources and links as one built from scratch from the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, COUNCIL, IOPC, write_renumbered_pair
from inquire.indexer import linking
from inquire.indexer.pipeline import build_index

from inquire.embedding.fake import FakeEmbedder
from inquire.store import Index


def _verdicts(index_dir: Path) -> tuple[set, dict]:
    """Sources and links in terms that do not depend on row ids; confidences apart (floats)."""
    with Index.open(index_dir) as idx:
        recs = {r.id: r for r in idx.recommendations()}
        key = {rid: (r.doc_id, r.number, r.start) for rid, r in recs.items()}
        responses = {p.id: (p.start, p.end) for p in idx.responses()}
        sources = {(key[rid], key[r.canonical_id or rid], r.source) for rid, r in recs.items()}
        links = {
            (
                key[k.rec_id],
                k.doc_id,
                k.chunk_id,
                responses.get(k.response_id or -1),
                k.method,
                k.responder,
                k.section,
            ): k.confidence
            for k in idx.links()
        }
    return sources, links


def _same(a: Path, b: Path) -> None:
    (sources_a, links_a), (sources_b, links_b) = _verdicts(a), _verdicts(b)
    assert sources_a == sources_b
    assert set(links_a) == set(links_b)
    assert all(abs(links_a[k] - links_b[k]) <= 2e-4 for k in links_a)


@pytest.fixture
def kept(monkeypatch) -> list[int]:
    """How many passages each linking run took from the previous index (0: none, full relink)."""
    runs: list[int] = []
    original = linking._Previous.kept_links

    def counted(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        runs.append(len(out))
        return out

    monkeypatch.setattr(linking._Previous, "kept_links", counted)
    return runs


def _scratch(files: list[Path], index_dir: Path) -> Path:
    build_index(files, index_dir, FakeEmbedder(), rebuild=True)
    return index_dir


def test_adding_changing_and_removing_files_links_as_from_scratch(tmp_path, kept):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / IOPC, docs / IOPC)
    write_renumbered_pair(docs / "pair")
    grown = tmp_path / "grown"
    build_index([docs], grown, FakeEmbedder())

    shutil.copy(CORPUS / COUNCIL, docs / COUNCIL)  # a progress report answering the inquiry's recommendations
    build_index([docs], grown, FakeEmbedder())
    assert kept and kept[-1] > 0  # incremental: the copied documents' passages were not compared again
    _same(grown, _scratch([docs], tmp_path / "scratch1"))
    with Index.open(grown) as idx:
        assert any(k.method == "content" and k.doc_id != idx.recommendations()[0].doc_id for k in idx.links())

    council = docs / COUNCIL  # a changed file: its previous version leaves, the new one arrives
    council.write_text(council.read_text(encoding="utf-8") + "\n\nAn added closing paragraph.\n", encoding="utf-8")
    build_index([docs], grown, FakeEmbedder())
    _same(grown, _scratch([docs], tmp_path / "scratch2"))

    (docs / "pair" / "report.txt").unlink()  # the response's source leaves: its recommendations regroup
    build_index([docs], grown, FakeEmbedder())
    _same(grown, _scratch([docs], tmp_path / "scratch3"))


def test_a_new_source_of_copied_documents_relinks_in_full(tmp_path, kept):
    """The response arrives first and is its own source; when the report it quotes arrives, the copied
    response changes source: nothing of the previous links is reused."""
    pair = tmp_path / "pair"
    write_renumbered_pair(pair)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(pair / "response.txt", docs / "response.txt")
    grown = tmp_path / "grown"
    build_index([docs], grown, FakeEmbedder())
    shutil.copy(pair / "report.txt", docs / "report.txt")
    build_index([docs], grown, FakeEmbedder())
    assert kept == []  # the previous index failed the check: a full relink
    _same(grown, _scratch([docs], tmp_path / "scratch"))


def test_links_of_other_code_are_not_reused(tmp_path, kept, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / IOPC, docs / IOPC)
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    monkeypatch.setattr(linking, "fingerprint", lambda params=linking.LINK: "other")
    shutil.copy(CORPUS / COUNCIL, docs / COUNCIL)
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    assert kept == []
