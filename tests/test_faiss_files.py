"""Vector files written without the vectors in memory: a writer past ``AnnParams.writer_holds``
sentence vectors appends them to a file and writes the index's FAISS files from it; those files are
the ones the in-memory path writes, byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from inquire.indexer.pipeline import build_index

import inquire.faiss_files as faiss_files
import inquire.store as store
from inquire import versions
from inquire.embedding.fake import FakeEmbedder
from inquire.errors import IndexWriteError
from inquire.params import AnnParams


def _flat(ids: np.ndarray, vectors: np.ndarray):
    import faiss

    index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


@pytest.mark.parametrize(("n", "d"), [(0, 4), (1, 4), (3, 8), (50, 16)])
def test_write_flat_writes_what_faiss_writes(tmp_path, monkeypatch, n, d):

    monkeypatch.setattr(faiss_files, "ADD_SLICE", 7)  # several slices
    rng = np.random.default_rng(n)
    vectors = rng.standard_normal((n, d)).astype(np.float32)
    ids = rng.permutation(10 * n + 1)[:n].astype(np.int64)
    faiss_files.write_vectors(_flat(ids, vectors), tmp_path / "faiss.faiss")
    spill = faiss_files.VectorSpill(tmp_path, "s", d)
    for start in range(0, n, 6):
        spill.add(ids[start : start + 6], vectors[start : start + 6])
    spill_ids, spill_vectors = spill.arrays()
    faiss_files.write_flat(spill_ids, spill_vectors, tmp_path / "flat.faiss")
    assert (tmp_path / "flat.faiss").read_bytes() == (tmp_path / "faiss.faiss").read_bytes()
    read = faiss_files.read_vectors(tmp_path / "flat.faiss", expected=n, dim=d)
    assert [int(read.id_map.at(i)) for i in range(n)] == ids.tolist()
    spill.remove()
    assert not any(p.exists() for p in spill.paths)


def test_ann_from_slices_is_the_ann_of_the_whole(monkeypatch):
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((400, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1000, 1400, dtype=np.int64)
    params = AnnParams(min_vectors=10, nprobe=4)
    whole = faiss_files.build_ann(_flat(ids, vectors), params)
    monkeypatch.setattr(faiss_files, "ADD_SLICE", 33)
    sliced = faiss_files.build_ann_from(ids, vectors, params)
    assert faiss_files.build_ann_from(ids[:9], vectors[:9], params) is None  # below min_vectors
    import faiss

    assert faiss.serialize_index(whole).tobytes() == faiss.serialize_index(sliced).tobytes()


def test_a_spill_that_cannot_be_written_says_so_and_is_removed(tmp_path):
    import resource
    import signal

    spill = faiss_files.VectorSpill(tmp_path, "s", 8)
    with pytest.raises(ValueError, match=r"3 ids for vectors of shape \(2, 8\)"):
        spill.add(np.arange(3), np.ones((2, 8), dtype=np.float32))
    old_limit, old_handler = resource.getrlimit(resource.RLIMIT_FSIZE), signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, old_limit[1]))  # writes past 20 kB fail (EFBIG)
        with pytest.raises(IndexWriteError, match=r"cannot write s\.spill-vectors"):
            for start in range(0, 10_000, 10):
                spill.add(np.arange(start, start + 10), np.ones((10, 8), dtype=np.float32))
        spill.remove()  # what is still buffered cannot be written either: removed all the same
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    assert all(fh.closed for fh in spill._files) and not any(p.exists() for p in spill.paths)


def test_write_flat_on_a_full_disk_says_so(tmp_path):
    with pytest.raises(IndexWriteError, match=r"no space left on the disk of .* while writing full"):
        faiss_files.write_flat(np.arange(3), np.ones((3, 4), dtype=np.float32), Path("/dev/full"), index_dir=tmp_path)


@pytest.mark.parametrize("large", [False, True])  # with and without the approximate files
def test_a_writer_past_its_holding_limit_publishes_the_same_files(corpus_copy, tmp_path, monkeypatch, large):
    thresholds = {"min_vectors": 40, "lexical_min_passages": 1} if large else {}
    monkeypatch.setattr(store, "ANN", AnnParams(**thresholds))
    held = tmp_path / "held"
    build_index([corpus_copy], held, FakeEmbedder())
    spilled_at: list[int] = []
    spill = store.IndexWriter._spill_sentences

    def counted(self):
        if self._spill is None:
            spilled_at.append(self.sentence_faiss.ntotal)
        return spill(self)

    monkeypatch.setattr(store.IndexWriter, "_spill_sentences", counted)
    monkeypatch.setattr(store, "ANN", AnnParams(**thresholds, writer_holds=100))
    spilled = tmp_path / "spilled"
    build_index([corpus_copy], spilled, FakeEmbedder())
    assert spilled_at and 0 < spilled_at[0] <= 100  # the spill path ran, after some vectors were held
    a, b = versions.resolve(held).dir, versions.resolve(spilled).dir
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())  # no spill file published
    assert (store.SENTENCE_VECTORS_ANN in names) == large
    for name in (store.VECTORS, store.SENTENCE_VECTORS, store.VECTORS_ANN, store.SENTENCE_VECTORS_ANN):
        if name in names:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
