"""Files read in worker processes while the documents read are embedded (indexer.overlap): the index is
the same whatever the number of workers; a bad file, or a reading process that dies, costs one file."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS
from inquire.indexer import overlap
from inquire.indexer.files import FileError
from inquire.indexer.overlap import default_workers, read_and_embed
from inquire.indexer.pipeline import _read_one, build_index
from inquire.indexer.reading import ProcessedDoc
from pdfmaker import make_pdf

from inquire import versions
from inquire.embedding.fake import FakeEmbedder
from inquire.errors import InquireError
from inquire.store import DATABASE, SENTENCE_VECTORS, VECTORS

BAD = Path(__file__).parent / "data" / "bad"


class BatchSensitive(FakeEmbedder):
    """A text's vector moves a little with the batch it is in (as a real model's does, padding and all):
    the same index from any number of workers means the same batches."""

    def encode(self, texts, batch_size=32):
        vectors = super().encode(texts, batch_size)
        return vectors + np.float32(1e-3 * (zlib.crc32("\0".join(texts).encode()) % 1000))

    def encode_spans(self, texts, spans, batch_size=32):
        vectors, found = super().encode_spans(texts, spans, batch_size)
        shift = np.float32(1e-3 * (zlib.crc32(("\0".join(texts) + str(spans)).encode()) % 1000))
        return vectors + shift, [v + shift for v in found]


def _docs(folder: Path) -> Path:
    """The bundled corpus, two small PDF reports and a corrupt PDF."""
    shutil.copytree(CORPUS, folder)
    for n in (1, 2):
        make_pdf(
            folder / f"report-{n}.pdf",
            [
                [f"Review of custody number {n}", "", "Recommendation 1", f"Forces should record every detention {n} times."],
                ["Recommendation 2", "The Home Office should publish the figures each year for every force."],
            ],
        )
    shutil.copy(BAD / "corrupt.pdf", folder / "corrupt.pdf")
    return folder


def _contents(index_dir: Path) -> tuple[list, bytes, bytes]:
    """Every row of the published version, and its vector files as written."""
    files = versions.resolve(index_dir).dir
    conn = sqlite3.connect(files / DATABASE)
    rows = list(conn.iterdump())
    conn.close()
    return rows, (files / VECTORS).read_bytes(), (files / SENTENCE_VECTORS).read_bytes()


@pytest.mark.parametrize("sentences,waves", [("own", None), ("pooled", None), ("own", (10, 20)), ("pooled", (10, 20))])
def test_the_index_is_the_same_whatever_the_number_of_workers(tmp_path, monkeypatch, sentences, waves):
    """Also with waves of 10 and then 20 passages: about one file a wave."""
    if waves is not None:
        monkeypatch.setattr(overlap, "WAVES", waves)
    docs = _docs(tmp_path / "docs")
    built = {}
    for workers in (1, 2, 3):
        report = build_index([docs], tmp_path / f"idx{workers}", BatchSensitive(), workers=workers, sentences=sentences)
        assert report.written and report.documents == 4 and report.embedded > 0
        assert [e.path for e in report.failed] == [str(docs / "corrupt.pdf")]
        built[workers] = (_contents(tmp_path / f"idx{workers}"), report.failed, report.added)
    assert built[1] == built[2] == built[3]


def test_a_bad_file_read_by_a_worker_is_reported_as_when_read_here(tmp_path):
    docs = _docs(tmp_path / "docs")
    one = build_index([docs], tmp_path / "one", FakeEmbedder(), workers=1)
    two = build_index([docs], tmp_path / "two", FakeEmbedder(), workers=2)
    assert one.failed == two.failed and len(two.failed) == 1 and "\n" not in two.failed[0].message


def test_a_parser_error_becomes_the_one_line_file_error(tmp_path, monkeypatch):
    import inquire.indexer.pipeline as pipeline

    monkeypatch.setattr(pipeline, "process_file", lambda *a: 1 / 0)
    got = _read_one(tmp_path / "x.pdf", "0" * 64, pipeline.ChunkParams())
    assert got == FileError(
        str(tmp_path / "x.pdf"),
        f"{tmp_path / 'x.pdf'}: could not be indexed (ZeroDivisionError: division by zero); please report this file",
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reports_each_file_read_and_embedded(tmp_path, workers):
    docs = _docs(tmp_path / "docs")
    seen: list[tuple[str, int, int]] = []
    build_index([docs], tmp_path / "idx", FakeEmbedder(), workers=workers, progress=lambda *a: seen.append(a))
    reading = [(d, t) for s, d, t in seen if s == "reading"]
    assert reading[0] == (0, 5) and sorted(d for d, _ in reading) == [0, 1, 2, 3, 4, 5]  # five files, one at a time
    embedding = [(d, t) for s, d, t in seen if s == "embedding"]  # texts embedded, of the waves read so far
    done = [d for d, _ in embedding]
    assert embedding[0] == (0, 0) and done == sorted(done) and all(d <= t for d, t in embedding)
    texts = embedding[-1][0]
    assert embedding[-1] == (texts, texts) and texts > 100  # to the end
    if workers == 1:  # batch by batch (the embedding thread's steps are shown as often as the reading loop looks)
        assert len(set(done)) > 3
    assert not [s for s, _, _ in seen if s == "sentences"]  # sentences are embedded with their wave


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("waves", [(1, 1), (10**6, 10**6), (20, 10**6)])
def test_waves_are_consecutive_files_in_the_order_given(tmp_path, workers, waves):
    """Whatever file finishes first: a wave is the next files in the order given, up to its size in
    passages (the first's, then twice the last, up to the most); a file that cannot be read is left out;
    the last wave is what remains."""
    docs = _docs(tmp_path / "docs")
    items = [(p, "0" * 64) for p in sorted(docs.iterdir())]  # corrupt.pdf, iopc-...txt, report-1/2.pdf, rotherham-...txt
    got: list[list[str]] = []

    def embed(wave):
        got.append([Path(d.path).name for d in wave])
        return None

    out = read_and_embed(items, _read_one_default, embed, workers, lambda *a: None, waves=waves)
    assert isinstance(out[docs / "corrupt.pdf"], FileError) and len(out) == 5
    readable = [p.name for p, _ in items if p.name != "corrupt.pdf"]
    sizes = {name: len(out[docs / name].chunks) for name in readable}
    expected: list[list[str]] = [[]]
    size, wave = 0, waves[0]  # greedy, in order
    for name in readable:
        expected[-1].append(name)
        size += sizes[name]
        if size >= wave and name != readable[-1]:
            expected.append([])
            size, wave = 0, min(waves[1], 2 * wave)
    assert got == expected
    if waves == (1, 1):
        assert got == [[name] for name in readable]
    if waves[0] == 10**6:
        assert got == [readable]
    if waves == (20, 10**6):
        assert 1 < len(got) < len(readable)


def _read_one_default(path: Path, sha: str) -> ProcessedDoc | FileError:
    from inquire.indexer.chunk import ChunkParams

    return _read_one(path, sha, ChunkParams())


def _read_or_die(path: Path, sha: str) -> ProcessedDoc | FileError:
    """A reader whose process ends on one file (as a crash in a PDF library would)."""
    if path.name == "report-1.pdf":
        os._exit(3)
    return FileError(str(path), f"{path}: read")


def test_a_reading_process_that_dies_costs_only_its_file(tmp_path):
    docs = _docs(tmp_path / "docs")
    items = [(p, "0" * 64) for p in sorted(docs.iterdir())]
    out = read_and_embed(items, _read_or_die, lambda doc: None, 2, lambda *a: None)
    assert list(out) == [p for p, _ in items] or set(out) == {p for p, _ in items}
    assert "its reading process ended" in out[docs / "report-1.pdf"].message
    assert all(out[p].message == f"{p}: read" for p, _ in items if p.name != "report-1.pdf")


def test_a_killed_pool_does_not_change_the_index(tmp_path):
    """The workers killed as they start: every file is read again, one at a time; the index is as without workers."""
    docs = _docs(tmp_path / "docs")
    build_index([docs], tmp_path / "one", FakeEmbedder(), workers=1)

    def kill(stage: str, done: int, total: int) -> None:
        if (stage, done) == ("reading", 0):
            for child in multiprocessing.active_children():
                child.kill()

    report = build_index([docs], tmp_path / "two", FakeEmbedder(), workers=2, progress=kill)
    assert report.documents == 4 and len(report.failed) == 1
    assert _contents(tmp_path / "one") == _contents(tmp_path / "two")


def test_the_default_number_of_workers(monkeypatch):
    pdfs = [(Path(f"{n}.pdf"), "") for n in range(8)]
    monkeypatch.delenv("INQUIRE_READ_WORKERS", raising=False)
    assert default_workers(pdfs[:1] + [(Path("a.txt"), "")] * 5) == 1  # text is read faster than a process starts
    assert 1 <= default_workers(pdfs) <= 4
    monkeypatch.setenv("INQUIRE_READ_WORKERS", "3")
    assert default_workers([]) == 3
    monkeypatch.setenv("INQUIRE_READ_WORKERS", "many")
    with pytest.raises(InquireError, match="INQUIRE_READ_WORKERS"):
        default_workers(pdfs)


def test_a_script_run_again_by_a_starting_reading_process_does_not_wait_for_the_lock(tmp_path, monkeypatch):
    """spawn runs the parent's script again in each worker: unguarded, its build_index would wait forever."""
    monkeypatch.setattr(multiprocessing.current_process(), "_inheriting", True, raising=False)
    with pytest.raises(InquireError, match="__name__"):
        build_index([CORPUS], tmp_path / "idx", FakeEmbedder())
