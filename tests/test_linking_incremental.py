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


def test_a_new_source_of_copied_documents_compares_them_again(tmp_path, kept):
    """The response arrives first and is its own source; when the report it quotes arrives, the copied
    response changes source: its passages are compared again (none kept), as in a full relink."""
    pair = tmp_path / "pair"
    write_renumbered_pair(pair)
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(pair / "response.txt", docs / "response.txt")
    grown = tmp_path / "grown"
    build_index([docs], grown, FakeEmbedder())
    shutil.copy(pair / "report.txt", docs / "report.txt")
    build_index([docs], grown, FakeEmbedder())
    assert kept == [0]  # the only copied document was regrouped
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


@pytest.fixture
def regrouped(monkeypatch) -> list[set[str]]:
    """Per incremental linking run: the copied documents whose sources changed (compared again)."""
    runs: list[set[str]] = []
    original = linking._Previous.note_sources

    def noted(self, recs):
        original(self, recs)
        runs.append(set(self.regrouped))

    monkeypatch.setattr(linking._Previous, "note_sources", noted)
    return runs


def _doc_ids(index_dir: Path, *names: str) -> set[str]:
    with Index.open(index_dir) as idx:
        return {d.doc_id for d in idx.documents() if d.name in names}


_OTHER = [
    "Stadium operators should review crowd safety certificates every year.",
    "Local authorities should inspect turnstile counting systems before each season.",
    "Clubs should publish their stewarding plans for every home match.",
]


def _write_review(path: Path, quoted: list[str]) -> None:
    """A review of stadium safety (a report of its own: no responses), printing ``quoted`` first."""
    recs = [*quoted, *_OTHER]
    path.write_text(
        "Review of stadium safety\n\n" + "".join(f"Recommendation {k}\n\n{t}\n\n" for k, t in enumerate(recs, 1)),
        encoding="utf-8",
    )


def test_a_new_report_sharing_a_recommendation_keeps_the_copied_sources_and_links(tmp_path, kept, regrouped):
    """A new report that prints one of the committee's recommendations among its own comes before the
    committee report (more recommendations), a source of its own: the copied report and response are
    decided again (both have a twin in it), keep their sources, and the response's explicit links
    still point to the committee report."""
    docs = tmp_path / "docs"
    write_renumbered_pair(docs)
    grown = tmp_path / "grown"
    build_index([docs], grown, FakeEmbedder())
    report = (docs / "report.txt").read_text(encoding="utf-8")
    _write_review(docs / "review.txt", [report.split("\n\n")[2]])  # the committee's recommendation 7
    build_index([docs], grown, FakeEmbedder())
    assert regrouped == [set()]  # the copied documents' sources were kept
    _same(grown, _scratch([docs], tmp_path / "scratch"))
    assert _explicit_targets(grown) == {"report.txt"}


def _explicit_targets(index_dir: Path) -> set[str]:
    """The documents whose recommendations the response's explicit links point to."""
    with Index.open(index_dir) as idx:
        names = {d.doc_id: d.name for d in idx.documents()}
        recs = {r.id: r for r in idx.recommendations()}
        explicit = [k for k in idx.links() if k.method == "explicit" and names[k.doc_id] == "response.txt"]
        assert len(explicit) == 3
        return {names[recs[k.rec_id].doc_id] for k in explicit}


def test_a_new_report_repeating_the_source_takes_its_place(tmp_path, kept, regrouped):
    """A new report printing all of the committee's recommendations and one more comes first and
    becomes the source of the copied report and response: their canonical recommendations change, so
    their passages are compared again, and the response's explicit links point
    to the new report; the other copied documents keep their passages' content links."""
    docs = tmp_path / "docs"
    write_renumbered_pair(docs)
    shutil.copy(CORPUS / IOPC, docs / IOPC)
    shutil.copy(CORPUS / COUNCIL, docs / COUNCIL)
    grown = tmp_path / "grown"
    build_index([docs], grown, FakeEmbedder())
    report = (docs / "report.txt").read_text(encoding="utf-8").split("\n\n")
    _write_review(docs / "review.txt", [report[2], report[4], report[6]])
    build_index([docs], grown, FakeEmbedder())
    assert regrouped == [_doc_ids(grown, "report.txt", "response.txt")] and kept and kept[-1] > 0
    _same(grown, _scratch([docs], tmp_path / "scratch"))
    assert _explicit_targets(grown) == {"review.txt"}
