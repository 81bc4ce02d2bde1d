from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import COUNCIL, IOPC
from inquire.indexer.pipeline import build_index
from pdfmaker import make_pdf

from inquire import versions
from inquire.embedding.fake import FakeEmbedder
from inquire.errors import IndexIncompatible
from inquire.store import FORMAT_VERSION, read_faiss, read_manifest

BAD = Path(__file__).parent / "data" / "bad"


class CountingEmbedder(FakeEmbedder):
    def __init__(self, fail_after: int | None = None):
        super().__init__()
        self.texts: list[str] = []
        self.fail_after = fail_after

    def encode(self, texts, batch_size=32):
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise RuntimeError("embedder crashed")
        self.texts.extend(texts)
        return super().encode(texts, batch_size)

    def encode_spans(self, texts, spans, batch_size=32):
        """One pass per text, as the real model: counts the texts, not their spans."""
        if self.fail_after is not None and len(self.texts) + len(texts) > self.fail_after:
            raise RuntimeError("embedder crashed")
        self.texts.extend(texts)
        return FakeEmbedder.encode(self, texts), [
            FakeEmbedder.encode(self, [t[a:b] for a, b in sp]) for t, sp in zip(texts, spans)
        ]


class OneTextAtATime:
    """An embedder without ``encode_spans`` (reads each text alone): sentences are embedded on their own."""

    name, dim, backend = FakeEmbedder.name, 64, "fake"

    def __init__(self):
        self.fake, self.texts = FakeEmbedder(), []

    def encode(self, texts, batch_size=32):
        self.texts.extend(texts)
        return self.fake.encode(texts, batch_size)


def _files(index_dir: Path) -> Path:
    """The folder of the published version's files."""
    return versions.resolve(index_dir).dir


def _db(index_dir):
    conn = sqlite3.connect(_files(index_dir) / "meta.sqlite")
    conn.row_factory = sqlite3.Row
    return conn


def test_index_directory_has_manifest_faiss_and_sqlite(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    report = build_index([corpus_copy], index_dir, FakeEmbedder())
    assert report.written and report.documents == 2 and report.chunks > 10
    manifest = json.loads((_files(index_dir) / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == {"name": "fake-hash-embedder", "dim": 64}
    assert set(manifest["chunking"]) == {"target_words", "max_words", "min_words"}
    assert {Path(p).name for p in manifest["files"]} == {IOPC, COUNCIL}
    assert all(len(h) == 64 for h in manifest["files"].values())
    assert manifest["created"] and manifest["package_version"]
    # every chunk row id is a FAISS id and vice versa
    conn = _db(index_dir)
    ids = sorted(r[0] for r in conn.execute("SELECT id FROM chunks"))
    index = read_faiss(index_dir)
    assert index.ntotal == len(ids)
    faiss_ids = sorted(int(i) for i in __import__("faiss").vector_to_array(index.id_map))
    assert faiss_ids == ids
    sent_ids = sorted(r[0] for r in conn.execute("SELECT id FROM sentences"))
    sent_index = read_faiss(index_dir, "sentences.faiss")
    assert sorted(int(i) for i in __import__("faiss").vector_to_array(sent_index.id_map)) == sent_ids
    # every sentence lies inside its chunk
    bad = conn.execute(
        "SELECT COUNT(*) FROM sentences s JOIN chunks c ON c.id = s.chunk WHERE s.start < c.start OR s.end > c.end"
    ).fetchone()[0]
    assert bad == 0
    # stored chunk text is the exact slice of the stored cleaned text
    for row in conn.execute("SELECT c.text, c.start, c.end, d.text AS doc FROM chunks c JOIN documents d USING(doc_id)"):
        assert row["doc"][row["start"] : row["end"]] == row["text"]


def test_reindex_embeds_only_what_changed(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    first = CountingEmbedder()
    build_index([corpus_copy], index_dir, first)
    conn = _db(index_dir)
    before = {r["chunk_id"]: r["text"] for r in conn.execute("SELECT chunk_id, text FROM chunks")}
    index = read_faiss(index_dir)
    vectors_before = {r["chunk_id"]: index.reconstruct(int(r["id"])) for r in conn.execute("SELECT id, chunk_id FROM chunks")}
    council_vectors_before = {
        r["text"]: index.reconstruct(int(r["id"]))
        for r in conn.execute("SELECT c.id, c.text FROM chunks c JOIN documents d USING(doc_id) WHERE d.name=?", (COUNCIL,))
    }
    conn.close()

    again = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, again)
    assert again.texts == [] and not report.written and len(report.unchanged) == 2

    (corpus_copy / COUNCIL).write_text((corpus_copy / COUNCIL).read_text() + "\n\nA new closing paragraph about ISVA.\n")
    changed = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, changed)
    assert report.updated == [str(corpus_copy / COUNCIL)] and report.unchanged == [str(corpus_copy / IOPC)]
    conn = _db(index_dir)
    council_chunks = conn.execute(
        "SELECT COUNT(*) FROM chunks c JOIN documents d USING(doc_id) WHERE d.name=?", (COUNCIL,)
    ).fetchone()[0]
    council_sentences = conn.execute(
        "SELECT COUNT(*) FROM sentences s JOIN chunks c ON c.id = s.chunk JOIN documents d USING(doc_id) WHERE d.name=?",
        (COUNCIL,),
    ).fetchone()[0]
    assert council_sentences > council_chunks
    # only the changed text was embedded: the new closing chunk and its one new sentence; the rest of
    # the changed file kept its vectors
    assert len(changed.texts) == 2 and all("A new closing paragraph about ISVA." in t for t in changed.texts)
    assert report.embedded == 1 and report.reused == council_chunks - 1
    index = read_faiss(index_dir)
    for r in conn.execute("SELECT c.id, c.text FROM chunks c JOIN documents d USING(doc_id) WHERE d.name=?", (COUNCIL,)):
        if r["text"] in council_vectors_before:
            assert np.array_equal(index.reconstruct(int(r["id"])), council_vectors_before[r["text"]])
    after = {r["chunk_id"]: r["text"] for r in conn.execute("SELECT chunk_id, text FROM chunks")}
    iopc_ids = [c for c in before if c in after]
    assert iopc_ids and all(before[c] == after[c] for c in iopc_ids)  # ids stable across re-index

    # unchanged chunks keep their vectors under their (possibly renumbered) row ids
    index = read_faiss(index_dir)
    for r in conn.execute("SELECT c.id, c.chunk_id FROM chunks c JOIN documents d USING(doc_id) WHERE d.name=?", (IOPC,)):
        assert np.array_equal(index.reconstruct(int(r["id"])), vectors_before[r["chunk_id"]])
    # ... and so do their sentences
    sent_index = read_faiss(index_dir, "sentences.faiss")
    fake = FakeEmbedder()
    for r in conn.execute(
        "SELECT s.id, substr(d.text, s.start + 1, s.end - s.start) AS t FROM sentences s JOIN chunks c ON c.id = s.chunk "
        "JOIN documents d USING(doc_id) WHERE d.name=? LIMIT 5",
        (IOPC,),
    ):
        assert np.allclose(sent_index.reconstruct(int(r["id"])), fake.encode([r["t"]])[0])

    (corpus_copy / COUNCIL).unlink()
    report = build_index([corpus_copy], index_dir, CountingEmbedder())
    assert report.removed == [str(corpus_copy / COUNCIL)] and report.documents == 1


def test_new_processing_code_reprocesses_unchanged_files_without_re_embedding(corpus_copy, tmp_path, monkeypatch):
    """After an upgrade that changes how files become chunks, re-running `inquire index` re-reads
    every file (so the index reflects the new code) but embeds only text it has not embedded before."""
    import inquire.indexer.pipeline as pipeline

    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    conn = _db(index_dir)
    n_chunks = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    conn.close()

    monkeypatch.setattr(pipeline, "processing_fingerprint", lambda: "new-code")
    again = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, again)
    assert report.written and sorted(report.reprocessed) == sorted(str(corpus_copy / n) for n in (IOPC, COUNCIL))
    assert report.unchanged == [] and report.added == [] and report.updated == []
    assert again.texts == [] and report.embedded == 0 and report.reused == n_chunks
    assert json.loads((_files(index_dir) / "manifest.json").read_text())["processing"] == "new-code"
    # every reused vector is still the vector of its own text
    conn = _db(index_dir)
    sent_index = read_faiss(index_dir, "sentences.faiss")
    fake = FakeEmbedder()
    for r in conn.execute(
        "SELECT s.id, substr(d.text, s.start + 1, s.end - s.start) AS t FROM sentences s "
        "JOIN chunks c ON c.id = s.chunk JOIN documents d USING(doc_id)"
    ):
        assert np.allclose(sent_index.reconstruct(int(r["id"])), fake.encode([r["t"]])[0])

    steady = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, steady)
    assert not report.written and len(report.unchanged) == 2 and steady.texts == []


def test_bad_files_are_reported_and_skipped(corpus_copy, tmp_path):
    for name in ("empty.txt", "corrupt.pdf", "latin1.txt"):
        shutil.copy(BAD / name, corpus_copy / name)
    report = build_index([corpus_copy], tmp_path / "idx", FakeEmbedder())
    assert report.written and report.documents == 2
    failed = {Path(e.path).name: e.message for e in report.failed}
    assert set(failed) == {"empty.txt", "corrupt.pdf", "latin1.txt"}
    assert all(name in msg for name, msg in failed.items())


def test_a_file_that_turns_bad_keeps_its_previous_version(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    (corpus_copy / IOPC).write_bytes(b"\xff\xfe broken")
    report = build_index([corpus_copy], index_dir, FakeEmbedder())
    assert report.kept_previous == [str(corpus_copy / IOPC)]
    names = {r[0] for r in _db(index_dir).execute("SELECT name FROM documents")}
    assert names == {IOPC, COUNCIL}


def test_crash_during_embedding_leaves_existing_index_intact(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    manifest_before = (_files(index_dir) / "manifest.json").read_bytes()
    (corpus_copy / COUNCIL).write_text(" ".join(f"Completely new text about something {n}." for n in range(200)))
    with pytest.raises(RuntimeError, match="embedder crashed"):
        build_index([corpus_copy], index_dir, CountingEmbedder(fail_after=3))
    assert (_files(index_dir) / "manifest.json").read_bytes() == manifest_before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".idx.tmp", ".idx.old"))]
    assert versions.leftovers(index_dir) == []  # the staging folder is removed


def test_model_mismatch_is_refused_with_the_fix(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())

    class Other(FakeEmbedder):
        name = "other-model"

    with pytest.raises(IndexIncompatible, match=r"--rebuild"):
        build_index([corpus_copy], index_dir, Other())
    assert build_index([corpus_copy], index_dir, Other(), rebuild=True).written


def test_pdf_pages_reach_the_chunks(tmp_path):
    pdf = make_pdf(
        tmp_path / "r.pdf",
        [["Introduction to the report."], ["The force appointed a single point of contact for the ISVA service."]],
    )
    build_index([pdf], tmp_path / "idx", FakeEmbedder())
    conn = _db(tmp_path / "idx")
    rows = conn.execute("SELECT text, start, page_start, page_end FROM chunks ORDER BY seq").fetchall()
    assert (rows[0]["page_start"], rows[-1]["page_end"]) == (1, 2)
    doc = conn.execute("SELECT text, page_starts FROM documents").fetchone()
    from inquire.records import CleanDocument

    clean = CleanDocument(doc["text"], tuple(tuple(p) for p in json.loads(doc["page_starts"])))
    assert clean.page_at(doc["text"].index("ISVA")) == 2
    assert clean.page_at(doc["text"].index("Introduction")) == 1


def test_refuses_to_replace_a_folder_that_is_not_an_index(corpus_copy):
    (corpus_copy / "notes.keep").write_text("mine")
    with pytest.raises(IndexIncompatible, match="is not an inquire index"):
        build_index([corpus_copy], corpus_copy, FakeEmbedder())
    assert (corpus_copy / "notes.keep").read_text() == "mine" and (corpus_copy / IOPC).exists()


def test_interrupted_swap_is_recovered(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    index_dir.rename(tmp_path / ".idx.old-999")  # crash between the two renames of a later run
    report = build_index([corpus_copy], index_dir, FakeEmbedder())
    assert len(report.unchanged) == 2 and (_files(index_dir) / "manifest.json").exists()


def test_a_copy_of_an_indexed_file_is_a_notice_not_a_failure(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    copy = tmp_path / "copy.txt"
    shutil.copy(corpus_copy / IOPC, copy)
    report = build_index([copy], index_dir, FakeEmbedder())
    assert report.failed == [] and report.duplicates and "same content as" in report.duplicates[0]
    names = {r[0] for r in _db(index_dir).execute("SELECT name FROM documents")}
    assert names == {IOPC, COUNCIL}


def test_broken_file_whose_content_now_duplicates_another_keeps_both_apart(corpus_copy, tmp_path):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    shutil.copy(corpus_copy / COUNCIL, corpus_copy / "a-copy.txt")
    (corpus_copy / COUNCIL).write_bytes(b"\xff\xfe broken")
    report = build_index([corpus_copy], index_dir, FakeEmbedder())  # used to raise IntegrityError
    assert [Path(e.path).name for e in report.failed] == [COUNCIL]
    assert report.written


def test_the_store_writes_and_reads_rows_by_column_name(tmp_path):
    """What IndexWriter writes, Index reads back as the same record (encoded columns included)."""
    from inquire.store import ChunkRow, DocumentRow, IndexWriter, RecommendationRow, SentenceRow

    writer = IndexWriter(tmp_path / "idx", dim=4)
    try:
        doc = DocumentRow(
            doc_id="d0",
            path="/x/r.pdf",
            name="r.pdf",
            title=None,
            format="pdf",
            sha256="s" * 64,
            n_pages=2,
            text="Recommendation 3. Do it.",
            page_starts=((0, 1), (18, 2)),
        )
        chunk = ChunkRow(
            id=7,
            chunk_id="d0-0000",
            doc_id="d0",
            seq=0,
            text="Do it.",
            start=18,
            end=24,
            page_start=2,
            page_end=2,
            section="A > B",
            recommendation="3",
            role="recommendation",
            responder=None,
            kind="body",
            mentions=("3", "12d-e"),
            vector_key="k",
        )
        writer.add_document(doc)
        assert writer.add_chunk(chunk) == 7  # the chunk id is the FAISS id, chosen by the writer
        rec_id = writer.add_recommendation(RecommendationRow(doc_id="d0", number="3", text="Do it.", start=18, end=24))
        sid = writer.add_sentence(SentenceRow(chunk=7, start=18, end=24, vector_key="k"))
        index = writer.index
        assert index.document("d0") == doc and index.clean_document("d0").page_at(20) == 2
        assert index.chunks() == [chunk] and index.chunk_meta([7])[7].mentions == ("3", "12d-e")
        assert [r.id for r in index.recommendations("d0")] == [rec_id]
        assert [s.id for s in index.sentences_of([7])[7]] == [sid]
        assert index.span_text("d0", 18, 24) == "Do it."
    finally:
        writer.abort()


def test_fts_table_is_declared_for_datasette_and_old_declarations_still_work(corpus_copy, tmp_path):
    """The FTS5 table names its content table as content="chunks" (the form Datasette detects);
    an index written with the earlier content='chunks' still opens and searches."""
    from inquire.query.search import Searcher

    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    conn = _db(index_dir)
    detect = """SELECT name FROM sqlite_master WHERE rootpage = 0
                AND sql LIKE '%VIRTUAL TABLE%USING FTS%content="chunks"%'"""  # Datasette's detect_fts_sql
    assert [r[0] for r in conn.execute(detect)] == ["chunks_fts"]
    conn.executescript("""DROP TABLE chunks_fts;
        CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id',
                                                   tokenize='porter unicode61 remove_diacritics 2');
        INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');""")
    conn.close()
    searcher = Searcher(index_dir, FakeEmbedder())
    assert searcher.search("ISVA single point of contact", k=3, mode="lexical")
    searcher.close()


def test_indexing_other_paths_keeps_earlier_documents_without_reading_them(corpus_copy, tmp_path, monkeypatch):
    """`inquire index A` then `inquire index B`: A's documents stay, copied as indexed; A's files are not read."""
    import inquire.indexer.pipeline as pipeline

    index_dir = tmp_path / "idx"
    build_index([corpus_copy / IOPC], index_dir, FakeEmbedder())
    read: list[str] = []
    real_hash, real_process = pipeline.sha256_file, pipeline.process_file
    monkeypatch.setattr(pipeline, "sha256_file", lambda path: read.append(str(path)) or real_hash(path))
    monkeypatch.setattr(pipeline, "process_file", lambda path, *a: read.append(str(path)) or real_process(path, *a))
    report = build_index([corpus_copy / COUNCIL], index_dir, CountingEmbedder())
    assert report.written and report.added == [str(corpus_copy / COUNCIL)] and report.unchanged == [str(corpus_copy / IOPC)]
    assert set(read) == {str(corpus_copy / COUNCIL)}
    assert {r[0] for r in _db(index_dir).execute("SELECT name FROM documents")} == {IOPC, COUNCIL}
    (corpus_copy / IOPC).unlink()  # a kept file that is gone is dropped (its existence is all that is checked)
    report = build_index([corpus_copy / COUNCIL], index_dir, FakeEmbedder())
    assert report.removed == [str(corpus_copy / IOPC)] and report.documents == 1


def test_an_open_index_reads_its_own_version_while_a_reindex_replaces_it(corpus_copy, tmp_path):
    """Index.open resolves the version once: its database and FAISS files (read later, on first use)
    stay those of that version after a re-index publishes another and deletes it."""
    from inquire.store import Index

    index_dir = tmp_path / "idx"
    build_index([corpus_copy / IOPC], index_dir, FakeEmbedder())
    with Index.open(index_dir) as old:
        first = versions.resolve(index_dir)
        build_index([corpus_copy], index_dir, FakeEmbedder())
        assert not first.dir.exists() and versions.resolve(index_dir).generation == first.generation + 1
        n = old.counts()["chunks"]
        assert {d.name for d in old.documents()} == {IOPC}
        assert old.vectors.ntotal == n and old.sentence_vectors.ntotal > 0  # FAISS read from the deleted version
    with Index.open(index_dir) as new:
        assert {d.name for d in new.documents()} == {IOPC, COUNCIL} and new.vectors.ntotal > n


def test_a_flat_index_of_older_inquire_is_searched_then_migrated_by_the_next_write(corpus_copy, tmp_path):
    from inquire.query.search import Searcher

    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    version = versions.resolve(index_dir)
    for p in version.dir.iterdir():  # the layout older inquire wrote: the files directly in the location
        p.rename(index_dir / p.name)
    version.dir.rmdir()
    (index_dir / "CURRENT").unlink()
    assert versions.resolve(index_dir).flat
    searcher = Searcher(index_dir, FakeEmbedder())
    assert searcher.search("ISVA single point of contact", k=3)
    searcher.close()
    report = build_index([corpus_copy], index_dir, FakeEmbedder())  # nothing changed: still read as it is
    assert not report.written and len(report.unchanged) == 2 and versions.resolve(index_dir).flat
    (corpus_copy / "new.txt").write_text("Recommendation 1: Training\n\nThe force should train every officer.\n")
    report = build_index([corpus_copy], index_dir, FakeEmbedder())
    assert report.written and len(report.unchanged) == 2 and report.added == [str(corpus_copy / "new.txt")]
    assert not versions.resolve(index_dir).flat
    assert sorted(p.name for p in index_dir.iterdir()) == [".lock", "CURRENT", "v-000001"]  # flat files removed


def test_pooled_sentence_vectors_are_keyed_apart_from_own_ones(corpus_copy, tmp_path):
    """With the "own" method (or an embedder without ``encode_spans``) each sentence is its own text for the model, stored under the key of
    its own text; with it (the real model, the fake) a sentence's vector comes from its passage's pass
    and its key names the passage text and where the sentence lies in it: the two never mix on reuse."""
    from inquire.indexer.pipeline import sentence_key, vector_key

    alone, pooled = OneTextAtATime(), CountingEmbedder()
    build_index([corpus_copy / COUNCIL], tmp_path / "alone", alone)
    build_index([corpus_copy / COUNCIL], tmp_path / "pooled", pooled, sentences="pooled")
    rows = {}
    for name in ("alone", "pooled"):
        conn = _db(tmp_path / name)
        rows[name] = conn.execute(
            "SELECT s.id, s.vector_key, substr(d.text, s.start + 1, s.end - s.start) AS t FROM sentences s "
            "JOIN chunks c ON c.id = s.chunk JOIN documents d USING(doc_id) ORDER BY s.id"
        ).fetchall()
        conn.close()
    n_chunks = len(pooled.texts)
    assert len(alone.texts) == n_chunks + len(rows["alone"])  # every passage, then every sentence, alone
    assert [r["t"] for r in rows["alone"]] == [r["t"] for r in rows["pooled"]]
    assert all(r["vector_key"] == vector_key(r["t"]) for r in rows["alone"])
    assert not {r["vector_key"] for r in rows["alone"]} & {r["vector_key"] for r in rows["pooled"]}
    text = "Header.\nOne sentence here. Another one."
    assert sentence_key(text, 8, 26, pooled=True) != sentence_key(text, 8, 26, pooled=False) == vector_key(text[8:26])
    # both sentence indexes hold a vector for every sentence, equal here (a bag of words has no context)
    a, p = read_faiss(tmp_path / "alone", "sentences.faiss"), read_faiss(tmp_path / "pooled", "sentences.faiss")
    for ra, rp in zip(rows["alone"], rows["pooled"]):
        assert np.allclose(a.reconstruct(int(ra["id"])), p.reconstruct(int(rp["id"])))


def test_the_sentence_method_is_kept_by_the_index_and_a_change_re_embeds_only_sentences(corpus_copy, tmp_path):
    from inquire.errors import InquireError

    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    assert read_manifest(index_dir).sentences == "own"
    n_chunks = _db(index_dir).execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    switch = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, switch, sentences="pooled")
    # every file is re-read; passages keep their vectors, and each passes once through the model
    # for its sentences' vectors
    assert report.written and report.sentences == "pooled" and len(report.reprocessed) == 2
    assert report.embedded == 0 and report.reused == n_chunks and len(switch.texts) == n_chunks
    assert read_manifest(index_dir).sentences == "pooled"

    steady = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, steady)  # no method named: the index's is kept
    assert not report.written and report.sentences == "pooled" and steady.texts == []

    (corpus_copy / COUNCIL).write_text((corpus_copy / COUNCIL).read_text() + "\n\nA new closing paragraph about ISVA.\n")
    changed = CountingEmbedder()
    report = build_index([corpus_copy], index_dir, changed)
    # one pass for the changed passage: its sentences come from it
    assert len(changed.texts) == 1 and "A new closing paragraph about ISVA." in changed.texts[0]
    conn = _db(index_dir)
    sent_ids = sorted(r[0] for r in conn.execute("SELECT id FROM sentences"))
    sent_index = read_faiss(index_dir, "sentences.faiss")  # held: its id map lives as long as it does
    assert sorted(int(i) for i in __import__("faiss").vector_to_array(sent_index.id_map)) == sent_ids

    with pytest.raises(InquireError, match="cannot pool sentence vectors"):
        build_index([corpus_copy], tmp_path / "other", OneTextAtATime(), sentences="pooled")
    with pytest.raises(InquireError, match="unknown sentence method"):
        build_index([corpus_copy], tmp_path / "other", FakeEmbedder(), sentences="mean")
