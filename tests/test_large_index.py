"""A large index's files (approximate vector indexes, BM25 postings arrays) give the same results
as the exact files and FTS5 they stand in for.

The size thresholds (``inquire.params.AnnParams``) are lowered so that the bundled corpus counts as
large; the IVF indexes probe every list here, so they are exact and every result must be equal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from inquire.indexer.pipeline import build_index
from inquire.query.answer import answer
from inquire.query.search import Filters, Searcher

import inquire.store as store
from inquire import versions
from inquire.embedding.fake import FakeEmbedder
from inquire.params import AnnParams

QUERIES = [
    "ISVA single point of contact",
    "How did South Yorkshire Police respond to recommendation 7?",
    "training for officers on child sexual exploitation",
    "victims code compliance",
    "police police policing",  # one stem from several words counts once per word, as FTS5's OR does
    "zebra xylophone",  # no passage holds these words
]


@pytest.fixture
def indexes(corpus_copy, tmp_path, monkeypatch):
    exact = tmp_path / "exact"
    build_index([corpus_copy], exact, FakeEmbedder())
    monkeypatch.setattr(store, "ANN", AnnParams(min_vectors=40, lexical_min_passages=1, nprobe=10**6, nprobe_sentences=10**6))
    large = tmp_path / "large"
    build_index([corpus_copy], large, FakeEmbedder())
    return exact, large


def test_large_index_files_are_written_only_above_the_thresholds(indexes):
    exact, large = indexes
    small_files = {p.name for p in versions.resolve(exact).dir.iterdir()}
    large_files = {p.name for p in versions.resolve(large).dir.iterdir()}
    extra = {store.VECTORS_ANN, store.SENTENCE_VECTORS_ANN, store.POSTINGS}
    assert not small_files & extra and extra <= large_files


def _same_ranking(x: list[tuple[int, float]], y: list[tuple[int, float]]) -> bool:
    """Equal scores in the same order, and the same ids at each score (the order of ties is free;
    the last score's group may be cut differently at k)."""
    if len(x) != len(y) or not np.allclose([s for _, s in x], [s for _, s in y], atol=1e-5):
        return False
    groups_x: dict[float, set[int]] = {}
    groups_y: dict[float, set[int]] = {}
    for (i, s), (j, _) in zip(x, y):
        groups_x.setdefault(round(s, 4), set()).add(i)
        groups_y.setdefault(round(s, 4), set()).add(j)
    last = round(x[-1][1], 4) if x else None
    return all(groups_x[g] == groups_y.get(g) for g in groups_x if g != last)


@pytest.mark.parametrize("exact_filtered", [0, 10**6])  # a filtered search in the IVF index / by reading the selection
def test_approximate_indexes_and_postings_rank_as_the_exact_files(indexes, exact_filtered, monkeypatch):
    import inquire.query.backends.local as local

    monkeypatch.setattr(local, "ANN", AnnParams(exact_filtered=exact_filtered))
    exact, large = indexes
    a, b = Searcher(exact, FakeEmbedder()), Searcher(large, FakeEmbedder())
    assert b.index.ann_vectors is not None and b.index.postings is not None
    assert a.index.ann_vectors is None and a.index.postings is None
    filters = [None, Filters(role="response"), Filters(doc="linden"), Filters(rec="7")]
    for query in QUERIES:
        qvec = a.query_vector(query)
        terms = tuple(w for w in query.lower().replace("?", "").split() if len(w) > 2)
        for f in filters:
            sel_a, sel_b = (None, None) if f is None else (a.allowed_ids(f), b.allowed_ids(f))
            lex_a, lex_b = a.backend.lexical(terms, 50, sel_a), b.backend.lexical(terms, 50, sel_b)
            assert _same_ranking(lex_a, lex_b), (query, f)
            for kind in ("dense", "sentences"):
                got_a = getattr(a.backend, kind)(qvec, 10, sel_a)
                got_b = getattr(b.backend, kind)(qvec, 10, sel_b)
                assert _same_ranking(got_a, got_b), (query, f, kind)
            hits_a, hits_b = a.search(query, k=5, filters=f), b.search(query, k=5, filters=f)
            assert [h.chunk_id for h in hits_a] == [h.chunk_id for h in hits_b]
        ids = [h.row_id for h in a.search(query, k=5)]
        assert np.allclose(a.backend.passage_vectors(ids), b.backend.passage_vectors(ids))
        # (fused scores may differ in the last digits where tied passages swap ranks)
        got_a, got_b = answer(a, query), answer(b, query)
        assert got_a.abstained == got_b.abstained and [q.text for q in got_a.quotes] == [q.text for q in got_b.quotes]


def test_a_damaged_postings_file_is_a_one_line_error(indexes):
    _, large = indexes
    path = Path(versions.resolve(large).dir) / store.POSTINGS
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json")
    with pytest.raises(store.IndexIncompatible, match=r"lexical\.postings is damaged.*inquire index --rebuild"):
        Searcher(large, FakeEmbedder()).search("ISVA", k=3)
