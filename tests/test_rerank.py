"""Late interaction (query/rerank.py): the top passages of a plain question read again, token by token."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from inquire.indexer.chunk import ChunkParams
from inquire.indexer.pipeline import _embedding_texts, build_index, sha256_file, vector_key
from inquire.indexer.reading import process_file
from inquire.query.rerank import TokenCache, late_interaction, maxsim
from inquire.query.search import Searcher

from inquire import versions
from inquire.embedding.fake import FakeEmbedder
from inquire.embedding.model import pack_signs, unpack_signs
from inquire.store import Index


def unit(*rows):
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_maxsim_is_the_mean_best_match_of_each_question_token():
    question = unit([1, 0, 0], [0, 1, 0])
    passage = unit([1, 0, 0], [0, 0, 1])
    assert maxsim(question, passage) == pytest.approx(0.5)  # token 1 found (1.0), token 2 not (0.0)
    assert maxsim(question, unit([1, 0, 0], [0, 1, 0])) == pytest.approx(1.0)
    assert maxsim(question, np.zeros((0, 3), np.float32)) == 0.0


def test_late_interaction_moves_passages_only_within_its_depth():
    question = unit([1, 0, 0])
    tokens = {1: unit([0, 1, 0]), 2: unit([0, 0, 1]), 3: unit([1, 0, 0]), 4: unit([1, 0, 0])}
    ranked = [(1, 0.050), (2, 0.049), (3, 0.048), (4, 0.047)]
    out = late_interaction(ranked, question, lambda ids: [tokens[i] for i in ids], depth=3, weight=1.0)
    # passage 3 matches the question token for token: it leads; 4 (as good) lies past the depth and stays last
    assert [i for i, _ in out] == [3, 1, 2, 4] and out[-1] == (4, 0.047)
    # weight 0, or nothing to compare: the fusion order unchanged
    assert late_interaction(ranked, question, lambda ids: [tokens[i] for i in ids], depth=3, weight=0.0) == ranked
    assert late_interaction(ranked[:1], question, lambda ids: [tokens[i] for i in ids], depth=3, weight=1.0) == ranked[:1]
    # a small weight cannot overturn a large fusion lead
    far = [(1, 0.09), (2, 0.049), (3, 0.048)]
    assert [i for i, _ in late_interaction(far, question, lambda ids: [tokens[i] for i in ids], 3, 1.0)][0] == 1


def test_token_cache_reads_each_passage_once_and_forgets_the_oldest():
    reads = []

    def read(ids):
        reads.append(list(ids))
        return [np.full((2, 3), i, np.float32) for i in ids]

    cache = TokenCache(size=2)
    assert [float(t[0, 0]) for t in cache.get([1, 2], read)] == [1.0, 2.0]
    cache.get([2, 1], read)
    cache.get([3], read)  # 1 was used last: 2 is the oldest, and goes
    cache.get([1], read)
    assert reads == [[1, 2], [3]]
    cache.get([2], read)
    assert reads[-1] == [2]


def test_search_reranks_plain_questions_only(searcher):
    plain = "victims kept informed about their case"
    first, again = searcher.search(plain, k=10, rerank=False), searcher.search(plain, k=10, rerank=True)
    assert {h.chunk_id for h in first[:10]} and [h.chunk_id for h in first] != [h.chunk_id for h in again]
    # only the top passages move: the same set is returned
    assert {h.chunk_id for h in first} == {h.chunk_id for h in again}
    # the index stores its passages' token states: search re-ranks by default
    assert searcher.index.stores_token_states()
    assert [h.chunk_id for h in searcher.search(plain, k=10)] == [h.chunk_id for h in again]
    # a question naming a recommendation (or a document) is a lookup: left as fusion ranks it
    named = "Operation Linden recommendation 7 ISVA"
    assert [h.chunk_id for h in searcher.search(named, k=10, rerank=False)] == [
        h.chunk_id for h in searcher.search(named, k=10, rerank=True)
    ]


def test_signs_pack_into_a_bit_a_component_and_unpack_as_unit_rows():
    states = np.array([[0.3, -0.2, 0.0, -1.0, 0.5, 0.1, -0.1, 0.2, -0.4, 0.9], [-0.3] * 10], np.float32)
    blob = pack_signs(states)
    assert len(blob) == 2 * 2  # ten signs take two bytes a token
    back = unpack_signs(blob, 10)
    assert back.shape == (2, 10) and np.allclose(np.linalg.norm(back, axis=1), 1.0)
    assert (np.sign(back) == np.where(states >= 0, 1, -1)).all()
    assert unpack_signs(pack_signs(np.zeros((0, 10), np.float32)), 10).shape == (0, 10)


def _stored(index_dir):
    """Whether every chunk has token states, and each chunk's (by chunk id)."""
    with Index.open(index_dir) as index:
        chunks = index.chunks()
        stored = index.token_states([c.id for c in chunks])
        by_chunk = {c.chunk_id: stored.get(c.id) for c in chunks}
        return index.stores_token_states() and all(by_chunk.values()), by_chunk


@pytest.mark.parametrize("sentences", ["own", "pooled"])
def test_index_stores_each_passages_token_states_as_the_model_read_its_embedding_text(corpus_copy, tmp_path, sentences):
    fake = FakeEmbedder()
    build_index([corpus_copy], tmp_path / "idx", fake, sentences=sentences)
    complete, stored = _stored(tmp_path / "idx")
    assert complete and stored
    # every passage's states are those of the text its vector was made from (context header, then
    # the passage), under its own id
    texts = {}
    for path in sorted(corpus_copy.iterdir()):
        for text in _embedding_texts(process_file(path, sha256_file(path), ChunkParams())):
            texts[vector_key(text)] = text
    with Index.open(tmp_path / "idx") as index:
        chunks = index.chunks()
    assert len({stored[c.chunk_id] for c in chunks}) > len(chunks) // 2  # passages differ
    for chunk in chunks:
        assert stored[chunk.chunk_id] == pack_signs(fake.encode_tokens([texts[chunk.vector_key]])[0]), chunk.chunk_id
    words = fake.encode_tokens([chunks[5].text])[0]  # the header's words come first
    assert len(unpack_signs(stored[chunks[5].chunk_id], fake.dim)) > len(words)


def test_token_states_survive_an_update_and_an_old_index_falls_back(corpus_copy, tmp_path, monkeypatch):
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    _, before = _stored(index_dir)
    (corpus_copy / "new.txt").write_text("Recommendation 1: Training\n\nThe force should train every officer in victim care.\n")
    build_index([corpus_copy], index_dir, FakeEmbedder())  # copies the two documents, embeds the new one
    complete, after = _stored(index_dir)
    assert complete and len(after) > len(before) and all(after[c] == bits for c, bits in before.items())
    # an index written before token states were stored: search does not re-rank unless asked, and
    # then reads the passages with the model
    db = versions.resolve(index_dir).dir / "meta.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE token_states")
    conn.commit()
    conn.close()
    manifest = json.loads((db.parent / "manifest.json").read_text())
    del manifest["counts"]["token_states"]
    (db.parent / "manifest.json").write_text(json.dumps(manifest))
    searcher = Searcher(index_dir, FakeEmbedder())
    try:
        assert not searcher.index.stores_token_states() and searcher.index.token_states([1]) == {}
        plain = "victims kept informed about their case"
        assert [h.chunk_id for h in searcher.search(plain, k=10)] == [
            h.chunk_id for h in searcher.search(plain, k=10, rerank=False)
        ]
        assert searcher.search(plain, k=10, rerank=True)
    finally:
        searcher.close()
    # the next run brings it up to date: every file read again, every passage's states stored
    report = build_index([corpus_copy], index_dir, FakeEmbedder())
    complete, again = _stored(index_dir)
    assert report.written and report.reused == 0 and complete and again == after
    assert not build_index([corpus_copy], index_dir, FakeEmbedder()).written  # then nothing to do


def test_an_index_with_some_passages_states_reranks_and_reads_the_rest_with_the_model(corpus_copy, tmp_path):
    """A file kept from an index written before token states were stored (it failed to read
    again) leaves some passages without them: search still re-ranks, reading those with the model."""
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, FakeEmbedder())
    db = versions.resolve(index_dir).dir / "meta.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM token_states WHERE id % 2 = 0")
    conn.commit()
    conn.close()
    searcher = Searcher(index_dir, FakeEmbedder())
    try:
        plain = "victims kept informed about their case"
        assert searcher.index.stores_token_states()
        assert [h.chunk_id for h in searcher.search(plain, k=10)] == [
            h.chunk_id for h in searcher.search(plain, k=10, rerank=True)
        ]
        assert [h.chunk_id for h in searcher.search(plain, k=10)] != [
            h.chunk_id for h in searcher.search(plain, k=10, rerank=False)
        ]
    finally:
        searcher.close()
    assert not build_index([corpus_copy], index_dir, FakeEmbedder()).written  # no run made stale by it
