"""The search backend interface and the local backend (FAISS + FTS5): filters applied inside the
search give exactly what ranking everything and filtering afterwards gives."""

from __future__ import annotations

import faiss
import numpy as np
import pytest
from inquire.indexer.pipeline import build_index
from inquire.query.backends import backend_name, best_per_chunk, open_backend
from inquire.query.backends.local import LocalBackend
from inquire.query.search import Filters, Searcher

from inquire.embedding.fake import FakeEmbedder
from inquire.errors import QueryError
from inquire.recnum import rec_matches
from inquire.store import FTS_TOKENIZE, SCHEMA, ChunkSelection, FtsTokenizer

QUERIES = ["ISVA single point of contact", "training for officers", "victims code compliance", "recommendation 7 response"]
FILTERS = [
    Filters(doc="rotherham"),
    Filters(role="response"),
    Filters(rec="7"),
    Filters(responder="south yorkshire"),
    Filters(doc="linden", role="recommendation"),
    Filters(doc="iopc", rec="7", role="response"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import shutil

    from conftest import CORPUS

    root = tmp_path_factory.mktemp("backends")
    shutil.copytree(CORPUS, root / "corpus")
    build_index([root / "corpus"], root / "idx", FakeEmbedder())
    return root / "idx"


@pytest.fixture
def searcher(built):
    s = Searcher(built, FakeEmbedder())
    yield s
    s.close()


def _all_vectors(vectors) -> tuple[np.ndarray, np.ndarray]:
    ids = faiss.vector_to_array(vectors.id_map).astype(np.int64)
    return ids, np.vstack([vectors.reconstruct(int(i)) for i in ids])


def _allowed_the_old_way(searcher: Searcher, f: Filters) -> set[int]:
    """What the searcher allowed before filters moved into the backends: SQL LIKE filters, then
    the recommendation-number rule over every row."""
    rows = searcher.index.filtered_chunks(doc=f.doc, responder=f.responder, role=f.role)
    if f.rec:
        return {r.id for r in rows if r.recommendation and rec_matches(r.recommendation, f.rec)}
    return {r.id for r in rows}


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_selection_selects_the_same_chunks_as_the_old_filter(searcher, f):
    selection = searcher.allowed_ids(f)
    chunks = searcher.index.chunks()
    selected = {c.id for c in chunks if selection.admits(c)}
    assert selected == _allowed_the_old_way(searcher, f)
    assert set(searcher.index.chunk_ids_where(selection).tolist()) == selected
    assert selected, f"{f} selects nothing: the test corpus changed"


def _selections(index) -> list[ChunkSelection]:
    """Selections over every field, alone and together, with values the index has and values it has not."""
    chunks = index.chunks()
    docs = sorted({c.doc_id for c in chunks})
    responders = sorted({c.responder for c in chunks if c.responder})
    recs = sorted({c.recommendation for c in chunks if c.recommendation})
    some = [f"{c.doc_id}-{c.seq:04d}" for c in chunks[::7]]
    return [
        ChunkSelection(),
        ChunkSelection(doc_ids=frozenset(docs[:1])),
        ChunkSelection(doc_ids=frozenset({"no-such-document"})),
        ChunkSelection(responders=frozenset(responders[:2])),
        ChunkSelection(recommendations=frozenset(recs[:3])),
        ChunkSelection(recommendations=frozenset(recs[:1]), also_chunks=frozenset(some[:3])),
        ChunkSelection(recommendations=frozenset(), also_chunks=frozenset(some[:2] + ["nowhere-0001"])),
        ChunkSelection(role="response"),
        ChunkSelection(role="no-such-role"),
        ChunkSelection(chunk_ids=frozenset(some)),
        ChunkSelection(doc_ids=frozenset(docs), role="recommendation", recommendations=frozenset(recs[1:4])),
        ChunkSelection(doc_ids=frozenset(docs[1:]), responders=frozenset(responders), chunk_ids=frozenset(some)),
    ]


def test_a_published_index_selects_from_its_columns_as_sql_and_admits_do(searcher):
    index = searcher.index
    assert index._published  # a searcher's index selects from the columns read once, from its second selection
    chunks = index.chunks()
    selections = _selections(index)
    index.count_where(selections[1])
    assert index._columns is None
    index.count_where(selections[2])
    assert index._columns is not None
    for selection in selections:
        clause, args = selection.sql("c")
        by_sql = [r[0] for r in index._conn.execute(f"SELECT c.id FROM chunks c WHERE {clause} ORDER BY c.id", args)]
        assert by_sql == [c.id for c in chunks if selection.admits(c)], selection
        assert index.chunk_ids_where(selection).tolist() == by_sql
        assert index.count_where(selection) == len(by_sql)
        among = [c.id for c in chunks[::3]] + [10**9]
        assert index.chunk_ids_among(selection, among) == set(by_sql) & set(among)
        sids, of = index.sentence_ids_where(selection)
        q = f"SELECT s.id, s.chunk FROM sentences s JOIN chunks c ON c.id = s.chunk WHERE {clause}"
        assert sorted(zip(sids.tolist(), of.tolist())) == sorted(tuple(r) for r in index._conn.execute(q, args))


def test_metadata_read_from_the_columns_is_what_sql_reads(searcher, monkeypatch):
    import inquire.store as store

    index = searcher.index
    ids = [c.id for c in index.chunks()]
    wanted = [*ids[::-1], 10**9, *ids[5:9]]  # any order, an unknown id, repeats
    monkeypatch.setattr(index, "_columns", None)
    monkeypatch.setattr(index, "_read_by_id", {"chunks": 0, "sentences": 0})
    by_sql, pairs_by_sql = index.chunk_meta(wanted), index.with_previous(wanted)
    assert index._columns is None  # a few rows are read by SQL
    monkeypatch.setattr(store, "META_COLUMNS_MIN", 1)
    monkeypatch.setattr(store.ChunkColumns, "_SLICE", 7)  # read in several slices
    index.chunk_meta(ids[:2])  # past the share: the columns are read
    assert index._columns is not None
    index_columns = index._columns
    by_columns, pairs_by_columns = index.chunk_meta(wanted), index.with_previous(wanted)
    assert by_columns == by_sql and len(by_sql) == len(ids)
    assert {a.id: (a, b) for a, b in pairs_by_columns} == {a.id: (a, b) for a, b in pairs_by_sql}
    assert sum(b is None for _, b in pairs_by_sql) == len(index.documents())  # each document's first chunk
    # a selection's metadata, and a selection among ids or documents, as SQL reads them
    docs = sorted({m.doc_id for m in by_sql.values()})
    for selection in _selections(index):
        for among, or_docs in ((None, ()), (ids[::4], ()), (ids[::4], docs[:1]), ([], docs[1:])):
            monkeypatch.setattr(index, "_columns", None)
            sql = sorted(index.chunk_meta_where(selection, among, or_docs), key=lambda m: m.id)
            monkeypatch.setattr(index, "_columns", index_columns)
            assert sorted(index.chunk_meta_where(selection, among, or_docs), key=lambda m: m.id) == sql, selection


def test_sentences_chunks_read_from_the_array_are_what_sql_reads(searcher, monkeypatch):
    import inquire.store as store

    index = searcher.index
    sids = [r[0] for r in index._conn.execute("SELECT id FROM sentences ORDER BY id")]
    wanted = [*sids[::-1], 0, -3, 10**9, *sids[:4]]  # any order, ids with no sentence, repeats
    monkeypatch.setattr(index, "_sentence_chunk", None)
    monkeypatch.setattr(index, "_read_by_id", {"chunks": 0, "sentences": 0})
    by_sql = index.sentence_chunks(wanted)
    assert index._sentence_chunk is None
    monkeypatch.setattr(store, "META_COLUMNS_MIN", 1)
    monkeypatch.setattr(store.ChunkColumns, "_SLICE", 7)  # read in several slices
    index.sentence_chunks(sids[:1])
    assert index._sentence_chunk is not None
    assert index.sentence_chunks(wanted) == by_sql and len(by_sql) == len(sids)


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_dense_within_a_selection_equals_ranking_everything_then_filtering(searcher, f):
    selection, allowed = searcher.allowed_ids(f), _allowed_the_old_way(searcher, f)
    ids, matrix = _all_vectors(searcher.index.vectors)
    for query in QUERIES:
        q = searcher.query_vector(query)
        scores = matrix @ q
        keep = np.array([i in allowed for i in ids.tolist()])
        for k in (1, 5, 100):
            got = searcher.dense(q, k, selection)
            want = np.sort(scores[keep])[::-1][:k]
            assert [s for _, s in got] == pytest.approx(want.tolist(), abs=1e-5)
            assert {i for i, _ in got} <= allowed


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_sentences_within_a_selection_rank_passages_by_their_best_sentence(searcher, f):
    selection, allowed = searcher.allowed_ids(f), _allowed_the_old_way(searcher, f)
    sids, matrix = _all_vectors(searcher.index.sentence_vectors)
    chunk_of = searcher.index.sentence_chunks(sids.tolist())
    for query in QUERIES:
        q = searcher.query_vector(query)
        best: dict[int, float] = {}
        for sid, score in zip(sids.tolist(), (matrix @ q).tolist()):
            c = chunk_of[sid]
            if c in allowed:
                best[c] = max(best.get(c, -9.0), score)
        want = sorted(best.values(), reverse=True)
        for k in (1, 3, 50):
            got = searcher.by_sentence(q, k, selection)
            assert [s for _, s in got] == pytest.approx(want[:k], abs=1e-5)
            assert {i for i, _ in got} <= allowed


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_lexical_within_a_selection_equals_filtering_every_match(searcher, f):
    selection, allowed = searcher.allowed_ids(f), _allowed_the_old_way(searcher, f)
    for terms in (("training",), ("south", "yorkshire", "police"), ("isva", "contact"), ("zzzz",)):
        every = [(i, -s) for i, s in searcher.index.bm25(terms, -1) if i in allowed]
        for k in (1, 4, 100):
            assert searcher.lexical(terms, k, selection) == every[:k]


def test_an_empty_selection_returns_nothing(searcher):
    assert searcher.allowed_ids(Filters(doc="no such document")).empty()
    assert searcher.search("training", filters=Filters(doc="no such document")) == []
    assert searcher.search("training", filters=Filters(rec="999")) == []
    assert not ChunkSelection(role="response").empty()


def test_unfiltered_sentence_ranking_looks_at_the_candidate_sentences_only(searcher):
    q = searcher.query_vector("training for officers")
    few = searcher.backend.sentences(q, 100, None, candidates=3)
    assert 1 <= len(few) <= 3  # three sentences name at most three passages
    many = searcher.backend.sentences(q, 100, None, candidates=None)
    assert len(many) > len(few) and many[: len(few)] == few


def test_backend_names(built, monkeypatch):
    assert backend_name(None) == "local"
    assert backend_name(" Qdrant ") == "qdrant"
    monkeypatch.setenv("INQUIRE_BACKEND", "qdrant")
    assert backend_name(None) == "qdrant"
    with pytest.raises(QueryError, match=r"unknown search backend 'faiss'; use one of local, qdrant"):
        backend_name("faiss")
    from inquire.store import Index

    with Index.open(built) as index:
        assert isinstance(open_backend("local", index, built), LocalBackend)


def test_local_backend_returns_stored_vectors(searcher):
    ids = [s.id for s in searcher.index.sentences_in([1, 2])]
    got = searcher.sentence_vectors(ids)
    assert got.shape == (len(ids), searcher.index.sentence_vectors.d)
    assert np.allclose(got, np.vstack([searcher.index.sentence_vectors.reconstruct(i) for i in ids]))
    assert searcher.backend.passage_vectors([]).shape == (0, searcher.index.vectors.d)


def test_best_per_chunk_keeps_each_passage_once_in_order():
    hits = [(10, 0.9), (11, 0.8), (12, 0.7), (13, 0.6)]
    assert best_per_chunk(hits, {10: 1, 11: 1, 12: 2, 13: 3}, 2) == [(1, 0.9), (2, 0.7)]
    assert best_per_chunk(hits, {10: 1}, 5) == [(1, 0.9)]


def test_tokenizer_makes_the_index_terms():
    assert f"tokenize='{FTS_TOKENIZE}'" in SCHEMA  # the tokenizer repeats the index's settings
    tokenizer = FtsTokenizer()
    try:
        counts = tokenizer.counts(["Running runners ran to Zürich; co-operation, 4a(iv)", "", "the THE the"])
    finally:
        tokenizer.close()
    assert counts[0] == {"run": 1, "runner": 1, "ran": 1, "to": 1, "zurich": 1, "co": 1, "oper": 1, "4a": 1, "iv": 1}
    assert counts[1] == {} and counts[2] == {"the": 3}


def test_tokenizer_agrees_with_the_index_fts_table(searcher):
    """The tokenizer's terms of each passage are the terms the index's FTS5 table holds for it."""
    import sqlite3

    conn = sqlite3.connect(searcher.index.index_dir / "meta.sqlite")
    conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, 'chunks_fts', 'instance')")
    stored: dict[int, dict[str, int]] = {}
    for term, doc, n in conn.execute("SELECT term, doc, COUNT(*) FROM temp.terms GROUP BY term, doc"):
        stored.setdefault(doc, {})[term] = n
    conn.close()
    chunks = searcher.index.chunks()
    tokenizer = FtsTokenizer()
    try:
        assert tokenizer.counts([c.text for c in chunks]) == [stored.get(c.id, {}) for c in chunks]
    finally:
        tokenizer.close()


@pytest.mark.parametrize("recs", [("7",), ("1", "3"), ("4a",), ("12",), ("99",)])
@pytest.mark.parametrize("f", [Filters(), Filters(role="response"), Filters(doc="rotherham")], ids=str)
def test_rec_ids_equal_scanning_every_recommendation_chunk(searcher, recs, f):
    from inquire.recnum import normalise_rec

    allowed = searcher.allowed_ids(f)
    want = {}
    for r in searcher.index.recommendation_chunks():  # the rule as it was: every recommendation chunk, each query
        num = normalise_rec(r.recommendation or "")
        if any(rec_matches(num, q) for q in recs) and (allowed is None or allowed.admits(r)):
            want[r.id] = (num, r.role)
    assert searcher.rec_ids(recs, allowed) == want
    if recs == ("7",) and allowed is None:
        assert want  # the corpus has a recommendation 7
