"""Indexing embeds in batches of similar length and reports passages longer than the model reads."""

from __future__ import annotations

import numpy as np
from inquire.indexer.chunk import ChunkParams
from inquire.indexer.pipeline import _embed, _embedding_texts, _lengths, build_index, sha256_file
from inquire.indexer.reading import process_file

from inquire.embedding import MAX_SEQ_LENGTH, MODEL_DIM, MODEL_NAME
from inquire.embedding.fake import FakeEmbedder
from inquire.embedding.model import pack_signs


class Recording(FakeEmbedder):
    """The fake embedder, named as the real model (so its tokenizer counts), recording each batch."""

    name = MODEL_NAME

    def __init__(self) -> None:
        super().__init__(MODEL_DIM)
        self.batches: list[list[str]] = []

    def encode(self, texts, batch_size=32):
        self.batches.append(list(texts))
        return super().encode(texts, batch_size)


class Writer:
    def __init__(self) -> None:
        self.vectors: dict[int, np.ndarray] = {}
        self.states: dict[int, bytes] = {}

    def add_vectors(self, ids, vectors, sentences=False) -> None:
        self.vectors.update(zip(ids, vectors))

    def add_token_states(self, ids, packed) -> None:
        self.states.update(zip(ids, packed))


def test_batches_hold_texts_of_similar_length_and_every_id_gets_its_own_vector():
    rng = np.random.default_rng(0)
    texts = [" ".join(["word"] * int(n)) for n in rng.integers(1, 300, size=100)]
    pending = list(enumerate(texts, 1))
    embedder, writer = Recording(), Writer()
    truncated = _embed(writer, pending, embedder, lambda *a: None, "embedding", 8)
    lengths = [len(b) for batch in embedder.batches for b in batch]
    assert lengths == sorted(lengths, reverse=True)  # longest first, so neighbours pad each other little
    assert sorted(len(b) for b in embedder.batches)[-1] == 8 and sum(map(len, embedder.batches)) == 100
    plain = FakeEmbedder(MODEL_DIM)
    for i, text in pending:
        assert np.allclose(writer.vectors[i], plain.encode([text])[0])
        assert writer.states[i] == pack_signs(plain.encode_tokens([text])[0])  # from the same batch
    counted, exact = _lengths(embedder, texts)
    assert exact and truncated == sum(n > MAX_SEQ_LENGTH for n in counted) > 0
    assert counted[texts.index(min(texts, key=len))] == len(min(texts, key=len).split()) + 2  # [CLS] ... [SEP]


def test_lengths_are_counted_in_slices_as_in_one_call(monkeypatch):
    import inquire.indexer.pipeline as pipeline

    texts = [" ".join(["word"] * n) for n in (1, 5, 300, 2, 40, 7, 0, 12)]
    whole = _lengths(Recording(), texts)
    monkeypatch.setattr(pipeline, "LENGTH_SLICE", 3)  # slices of 3, 3 and 2 texts
    assert _lengths(Recording(), texts) == whole and whole[1] and len(whole[0]) == len(texts)


def test_another_embedder_batches_by_characters_and_counts_nothing():
    writer = Writer()
    embedder = FakeEmbedder()
    texts = ["a b", "a much longer text than the others here", "mid length text"]
    assert _embed(writer, list(enumerate(texts)), embedder, lambda *a: None, "sentences", 2) == 0
    assert _lengths(embedder, texts) == ([len(t) for t in texts], False)
    assert set(writer.vectors) == {0, 1, 2}


def test_the_index_report_counts_passages_longer_than_the_model_reads(corpus_copy, tmp_path):
    embedder = Recording()
    report = build_index([corpus_copy], tmp_path / "idx", embedder)
    params = ChunkParams()  # the passages: each chunk's embedding text, in every document
    passages = [t for f in sorted(corpus_copy.iterdir()) for t in _embedding_texts(process_file(f, sha256_file(f), params))]
    assert len(passages) == report.embedded and set(passages) <= {t for batch in embedder.batches for t in batch}
    lengths, _ = _lengths(embedder, passages)
    assert report.truncated == sum(n > MAX_SEQ_LENGTH for n in lengths) > 0
    assert report.truncated < report.embedded
    assert report.to_json()["truncated"] == report.truncated
