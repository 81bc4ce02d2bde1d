from __future__ import annotations

import numpy as np
import pytest

from indexer.embed import FakeEmbedder
from indexer.errors import IndexIncompatible, IndexMissing, QueryError
from indexer.pipeline import build_index
from query.search import Filters, Searcher, read_batch


@pytest.fixture
def searcher(corpus_copy, tmp_path):
    build_index([corpus_copy], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


def test_faiss_top_k_matches_numpy_brute_force(searcher):
    index = searcher.faiss
    ids = np.array([int(i) for i in __import__("faiss").vector_to_array(index.id_map)])
    matrix = np.vstack([index.reconstruct(int(i)) for i in ids])
    for query in ["ISVA single point of contact", "victims code compliance", "x"]:
        q = searcher.embedder.encode([query])[0]
        for k in (1, 7, 13):
            got = searcher.dense(q, k)
            scores = matrix @ q
            order = np.argsort(-scores, kind="stable")[:k]
            assert [s for _, s in got] == pytest.approx(list(scores[order]), abs=1e-5)
            assert {i for i, _ in got} <= set(ids.tolist())


def test_hits_carry_citations(searcher):
    hits = searcher.search("ISVA single point of contact", k=5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    doc_ids = dict(searcher.conn.execute("SELECT name, doc_id FROM documents").fetchall())
    assert all(h.chunk_id.rsplit("-", 1)[0] == doc_ids[h.doc] for h in hits)  # chunk ids name their document
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    payload = hits[0].to_json()
    for key in ("rank", "score", "chunk_id", "doc", "title", "page_start", "page_end", "section", "recommendation", "responder", "text"):
        assert key in payload


def test_filtered_search_still_returns_k(searcher):
    hits = searcher.search("training", k=4, filters=Filters(doc="rotherham"))
    assert len(hits) == 4 and all("rotherham" in h.doc for h in hits)


def test_bad_queries_and_roles_are_rejected(searcher):
    with pytest.raises(QueryError, match="empty query"):
        searcher.search("   ")
    with pytest.raises(QueryError, match="unknown role"):
        searcher.search("x", filters=Filters(role="judge"))


def test_missing_and_incompatible_index_say_what_to_run(tmp_path, corpus_copy):
    with pytest.raises(IndexMissing, match="run `inquire index`"):
        Searcher(tmp_path / "nowhere")
    build_index([corpus_copy], tmp_path / "idx", FakeEmbedder())

    class Real(FakeEmbedder):
        name = "sentence-transformers/all-MiniLM-L6-v2"
        dim = 384

    with pytest.raises(IndexIncompatible, match="inquire index --rebuild"):
        Searcher(tmp_path / "idx", Real())


def test_read_batch_reports_line_numbers(tmp_path):
    good = tmp_path / "q.jsonl"
    good.write_text('{"id": "a", "query": "isva"}\n\n{"query": "victims"}\n')
    assert read_batch(good) == [{"id": "a", "query": "isva"}, {"id": 3, "query": "victims"}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "query": "isva"}\nnot json\n')
    with pytest.raises(QueryError, match=r"bad\.jsonl:2: not JSON"):
        read_batch(bad)


def test_near_duplicates_are_grouped_keeping_every_citation():
    from query.results import Hit
    from query.search import group_duplicates

    text = "The RASSO force lead is the single point of contact with the service managers within the ISVA services."
    mk = lambda i, doc, t: Hit(i, 1.0 / i, f"{doc}-{i:04d}", doc, None, None, None, None, None, None, "other", t, 0, len(t))  # noqa: E731
    hits = [mk(1, "iopc", text), mk(2, "council", "PARTNERS " + text), mk(3, "iopc", "Something else entirely about budgets.")]
    grouped = group_duplicates(hits, k=2)
    assert [h.doc for h in grouped] == ["iopc", "iopc"]
    assert [c.doc for c in grouped[0].also_in] == ["council"]
    assert [h.rank for h in grouped] == [1, 2]


def test_group_is_led_by_the_passage_with_recommendation_and_responder():
    from query.results import Hit
    from query.search import group_duplicates

    text = "The RASSO force lead is the single point of contact with the service managers within the ISVA services."
    copy = Hit(1, 0.9, "council-0001", "council", None, None, None, "PARTNERS", None, None, "other", text, 0, len(text))
    original = Hit(2, 0.8, "iopc-0031", "iopc", None, None, None, None, "7", "South Yorkshire Police", "response", text, 5, 5 + len(text))
    (group,) = group_duplicates([copy, original], k=5)
    assert (group.doc, group.recommendation, group.rank, group.score) == ("iopc", "7", 1, 0.9)
    assert [c.doc for c in group.also_in] == ["council"]


def test_rec_filter_uses_the_printed_number_rule(searcher):
    from indexer.text import rec_matches
    from query.search import Filters

    hits = searcher.search("training", k=3, filters=Filters(rec="7"))
    assert len(hits) == 3 and {h.recommendation for h in hits} == {"7"}
    assert {h.recommendation for h in searcher.search("training", k=3, filters=Filters(rec=" 7 "))} == {"7"}
    # the rule shared by --rec, `inquire rec` and query understanding
    assert rec_matches("4a iv", "4a) iv") and rec_matches("4a iv", "4a") and rec_matches("4a iv", "4")
    assert rec_matches("12 d-e", "12d-e") and not rec_matches("12", "1") and not rec_matches("4a", "4b")


def test_like_wildcards_in_filters_match_literally(searcher):
    assert searcher.search("training", k=3, filters=Filters(doc="%")) == []
    assert searcher.search("training", k=3, filters=Filters(responder="_")) == []
