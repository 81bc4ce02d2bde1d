from __future__ import annotations

import sqlite3
from dataclasses import replace

import numpy as np
import pytest
from conftest import HIT_KEYS, write_renumbered_pair
from inquire.indexer.pipeline import build_index
from inquire.query.search import Filters, Searcher, read_batch

from inquire.embedding.fake import FakeEmbedder
from inquire.errors import IndexIncompatible, IndexMissing, QueryError
from inquire.params import FUSION


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
    doc_ids = {d.name: d.doc_id for d in searcher.index.documents()}
    assert all(h.chunk_id.rsplit("-", 1)[0] == doc_ids[h.doc] for h in hits)  # chunk ids name their document
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    payload = hits[0].to_json()
    assert HIT_KEYS <= set(payload), HIT_KEYS - set(payload)


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
    from inquire.query.results import Hit
    from inquire.query.search import group_duplicates

    text = "The RASSO force lead is the single point of contact with the service managers within the ISVA services."
    mk = lambda i, doc, t: Hit(i, 1.0 / i, f"{doc}-{i:04d}", doc, None, None, None, None, None, None, "other", t, 0, len(t))  # noqa: E731
    hits = [mk(1, "iopc", text), mk(2, "council", "PARTNERS " + text), mk(3, "iopc", "Something else entirely about budgets.")]
    grouped = group_duplicates(hits, k=2)
    assert [h.doc for h in grouped] == ["iopc", "iopc"]
    assert [c.doc for c in grouped[0].also_in] == ["council"]
    assert [h.rank for h in grouped] == [1, 2]


def test_group_is_led_by_the_passage_with_recommendation_and_responder():
    from inquire.query.results import Hit
    from inquire.query.search import group_duplicates

    text = "The RASSO force lead is the single point of contact with the service managers within the ISVA services."
    copy = Hit(1, 0.9, "council-0001", "council", None, None, None, "PARTNERS", None, None, "other", text, 0, len(text))
    original = Hit(
        2, 0.8, "iopc-0031", "iopc", None, None, None, None, "7", "South Yorkshire Police", "response", text, 5, 5 + len(text)
    )
    (group,) = group_duplicates([copy, original], k=5)
    assert (group.doc, group.recommendation, group.rank, group.score) == ("iopc", "7", 1, 0.9)
    assert [c.doc for c in group.also_in] == ["council"]


def test_rec_filter_uses_the_printed_number_rule(searcher):
    from inquire.query.search import Filters

    from inquire.recnum import rec_matches

    hits = searcher.search("training", k=3, filters=Filters(rec="7"))
    assert len(hits) == 3 and {h.recommendation for h in hits} == {"7"}
    assert {h.recommendation for h in searcher.search("training", k=3, filters=Filters(rec=" 7 "))} == {"7"}
    # the rule shared by --rec, `inquire rec` and query understanding
    assert rec_matches("4a iv", "4a) iv") and rec_matches("4a iv", "4a") and rec_matches("4a iv", "4")
    assert rec_matches("12 d-e", "12d-e") and not rec_matches("12", "1") and not rec_matches("4a", "4b")


def test_like_wildcards_in_filters_match_literally(searcher):
    assert searcher.search("training", k=3, filters=Filters(doc="%")) == []
    assert searcher.search("training", k=3, filters=Filters(responder="_")) == []


BRIEFING = """Haemophilia briefing

Contents

Haemophilia care (recommendation 9) 4

Blood safety (recommendation 7) 5

Patient voice (recommendation 10) 6

1 Haemophilia care

The inquiry looked at haemophilia centres across the country and at how peer review of those centres worked in practice over many years.

The Scottish Government accepted all of recommendation 9 in full. The Welsh Government accepted most of it and the remaining parts in principle, pending a review of haemophilia centres.

2 Other matters

Unrelated text about compensation payments, interim awards and the timetable of the compensation scheme for the wider community.
"""


@pytest.fixture
def briefing(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "briefing.txt").write_text(BRIEFING, encoding="utf-8")
    build_index([tmp_path / "docs"], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


def _db(searcher):
    """The index database as written on disk (the stored column formats)."""
    import sqlite3

    conn = sqlite3.connect(searcher.index.index_dir / "meta.sqlite")
    conn.row_factory = sqlite3.Row
    return conn


def _score(hits, part):
    return next(h.score for h in hits if part in h.text)


def test_contents_lists_are_stored_as_such_and_rank_lower(briefing, monkeypatch):
    rows = {r["text"][:8]: r for r in _db(briefing).execute("SELECT text, kind, mentions FROM chunks")}
    assert rows["Contents"]["kind"] == "contents" and rows["Contents"]["mentions"] == ""
    query = "haemophilia care recommendation 9 review of centres"
    monkeypatch.setattr(briefing, "weights", replace(FUSION, p_aside=0.0))
    before = briefing.search(query, k=10)
    monkeypatch.setattr(briefing, "weights", replace(FUSION, p_aside=0.02))
    after = briefing.search(query, k=10)
    assert _score(after, "Contents") == pytest.approx(_score(before, "Contents") - 0.02)
    assert _score(after, "The Scottish") == pytest.approx(_score(before, "The Scottish"))


def test_passages_naming_the_recommendation_get_its_boost(briefing, monkeypatch):
    (mentions,) = _db(briefing).execute("SELECT mentions FROM chunks WHERE text LIKE '%Scottish%'").fetchone()
    assert mentions == "9"
    monkeypatch.setattr(briefing, "weights", replace(FUSION, b_mention=0.0))
    plain = briefing.search("did the Scottish Government accept recommendation 9", k=10)
    monkeypatch.setattr(briefing, "weights", replace(FUSION, b_mention=0.03))
    boosted = briefing.search("did the Scottish Government accept recommendation 9", k=10)
    assert _score(boosted, "The Scottish") == pytest.approx(_score(plain, "The Scottish") + 0.03)
    assert "The Scottish" in boosted[0].text
    # naming another recommendation gives no boost
    other = briefing.search("did the Scottish Government accept recommendation 8", k=10)
    monkeypatch.setattr(briefing, "weights", replace(FUSION, b_mention=0.0))
    other_plain = briefing.search("did the Scottish Government accept recommendation 8", k=10)
    assert _score(other, "The Scottish") == pytest.approx(_score(other_plain, "The Scottish"))


def test_the_lead_passage_of_a_lookup_opens_the_named_number(tmp_path):
    from inquire.store import ChunkRow, IndexWriter

    writer = IndexWriter(tmp_path / "idx", dim=4)
    rows = [
        (1, "recommendation", "12a"),
        (2, "recommendation", "12b"),
        (3, "response", "12 a-c"),
        (4, "response", "12 a-c"),
        (5, "response", "12 d-e"),
        (6, "recommendation", "13"),
        (7, "response", "13"),
    ]
    for i, role, rec in rows:
        writer.add_chunk(
            ChunkRow(
                id=i,
                chunk_id=f"d-{i:04d}",
                doc_id="d",
                seq=i,
                text="",
                start=0,
                end=0,
                page_start=None,
                page_end=None,
                section=None,
                recommendation=rec,
                role=role,
                responder=None,
                kind="body",
                mentions=(),
                vector_key="",
            )
        )
    s = Searcher.__new__(Searcher)
    s.index = writer.index
    try:
        assert s._leads([1, 2, 3, 4, 5], ("12",)) == {1, 3}  # not 12 d-e's first passage: it continues 12
        assert s._leads([5], ("12d-e",)) == {5}  # asked for by its own number, it opens it
        assert s._leads([6, 7], ("13",)) == {6, 7}
    finally:
        writer.abort()


def test_a_response_that_numbers_the_report_its_own_way_is_found_under_the_report_number(tmp_path):
    """One number everywhere: a response that prints the report's recommendation 9 under its own
    heading 2 is found by --rec 9 (the source's number), as `rec 9` shows it."""
    docs = tmp_path / "d"
    write_renumbered_pair(docs)
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    hits = s.search("progress within a year", k=10, filters=Filters(doc="response", rec="9"))
    assert hits and all(h.doc == "response.txt" for h in hits)
    assert any("(point 3)" in h.text for h in hits) and not any("(point 1)" in h.text or "(point 2)" in h.text for h in hits)
    # the hit shows the report's number beside its own, in JSON and in its citation
    point3 = next(h for h in hits if "(point 3)" in h.text)
    assert point3.recommendation == "3" and point3.source_recommendation == "9"
    assert point3.to_json()["source_recommendation"] == "9"
    assert "Recommendation 3, the source report's recommendation 9" in point3.citation.label()
    # and "recommendation 9" in the words of a query boosts it, as the report's own 9 is boosted
    s.weights = replace(FUSION, renumbered=False)
    plain = s.search("government response to recommendation 9", k=20)
    s.weights = FUSION
    boosted = s.search("government response to recommendation 9", k=20)

    def place(hits):  # the reply's rank (1-based), past the end when it is not there
        return next((h.rank for h in hits if "(point 3)" in h.text), len(hits) + 1)

    assert place(boosted) < place(plain) and place(boosted) <= 3
    assert all(h.source_recommendation is None for h in boosted if h.doc == "report.txt")
    s.close()


def test_stance_filter_selects_exactly_the_response_passages_stating_it(searcher):
    everything = searcher.search("recommendation response", k=1000)
    for stance in ("accepted", "under consideration"):
        wanted = {h.chunk_id for h in everything if h.stance == stance}
        hits = searcher.search("recommendation response", k=1000, filters=Filters(stance=stance))
        assert hits and {h.chunk_id for h in hits} == wanted
        assert all(h.role == "response" and h.stance == stance for h in hits)
    # words a reader uses name the stance; anything else is a one-line error listing the stances
    from inquire.query.filters import stance_value

    assert [stance_value(w) for w in ("Rejected", "in principle", "Accepted", "partly accepted", "not-for-this-body")] == [
        "not accepted",
        "accepted in principle",
        "accepted",
        "accepted in part",
        "not for this body",
    ]
    with pytest.raises(QueryError, match=r"unknown stance 'approved'; use one of: accepted, accepted in principle"):
        searcher.search("x", filters=Filters(stance="approved"))


DATED = {
    "dated-year.txt": "Published 1 May 2021\n\nA review of custody records\n\nThe review looked at custody records kept by the force.\n",
    "dated-month.txt": "Published March 2023\n\nA review of custody training\n\nThe review looked at custody training for officers.\n",
    "dated-day.txt": "Published 14 June 2024\n\nA review of custody visits\n\nThe review looked at independent custody visits.\n",
    "undated.txt": "A review of custody lighting\n\nThe review looked at the lighting in custody suites.\n",
}


def test_date_filters_take_any_precision_and_leave_undated_documents_out(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DATED.items():
        (docs / name).write_text(text)
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    # a date known only to the year (as PDF metadata may give it): stated so in this test's index
    db = next((tmp_path / "idx").glob("v-*/meta.sqlite"))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE documents SET published = '2021' WHERE name = 'dated-year.txt'")
    conn.close()
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    try:
        published = {d.name: d.published for d in s.index.documents()}
        assert published == {
            "dated-year.txt": "2021",
            "dated-month.txt": "2023-03",
            "dated-day.txt": "2024-06-14",
            "undated.txt": None,
        }

        def docs_for(**dates) -> set[str]:
            return {h.doc for h in s.search("custody review", k=50, filters=Filters(**dates))}

        assert docs_for() == set(DATED)
        assert docs_for(since="2023") == {"dated-month.txt", "dated-day.txt"}
        assert docs_for(since="2023-03-31") == {"dated-month.txt", "dated-day.txt"}  # March 2023 may be the 31st
        assert docs_for(since="2023-04") == {"dated-day.txt"}
        assert docs_for(until="2023-02-28") == {"dated-year.txt"}
        assert docs_for(since="2021-12-31", until="2023-03-01") == {"dated-year.txt", "dated-month.txt"}
        assert docs_for(since="2024-06-14", until="2024-06-14") == {"dated-day.txt"}
        assert docs_for(since="2024-06-15") == set()
        assert docs_for(since="2021", doc="month") == {"dated-month.txt"}  # with --doc: both hold
        for bad, message in (
            (
                dict(since="March 2023"),
                r"since 'March 2023' is not a date; give YYYY, YYYY-MM or YYYY-MM-DD, e\.g\. since 2024-03",
            ),
            (dict(until="2023-13"), r"until '2023-13' is not a date"),
            (dict(since="2024", until="2023"), r"since 2024 is after until 2023; swap them"),
        ):
            with pytest.raises(QueryError, match=message):
                s.search("custody", filters=Filters(**bad))
    finally:
        s.close()


GLOSSARY_DOC = """Review of complaint handling

1 Findings

The review found that complaints about the force were handled slowly and that complainants were rarely told of the outcome of their complaint.

2 Glossary

Complaint handling: the process by which a force records, assesses and resolves a complaint made by a member of the public.
"""


def test_glossary_entries_rank_below_body_text_unless_a_definition_is_asked_for(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "review.txt").write_text(GLOSSARY_DOC, encoding="utf-8")
    build_index([tmp_path / "docs"], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    try:
        query = "complaint handling by the force"
        monkeypatch.setattr(s, "weights", replace(FUSION, glossary_aside=False))
        plain = s.search(query, k=5)
        monkeypatch.setattr(s, "weights", replace(FUSION, glossary_aside=True))
        after = s.search(query, k=5)
        assert _score(after, "Complaint handling:") == pytest.approx(_score(plain, "Complaint handling:") - FUSION.p_aside)
        assert _score(after, "The review found") == pytest.approx(_score(plain, "The review found"))
        # "what does ... mean": the glossary answers, so it keeps its score
        meaning = "what does complaint handling mean"
        monkeypatch.setattr(s, "weights", replace(FUSION, glossary_aside=False))
        plain = s.search(meaning, k=5)
        monkeypatch.setattr(s, "weights", replace(FUSION, glossary_aside=True))
        assert _score(s.search(meaning, k=5), "Complaint handling:") == pytest.approx(_score(plain, "Complaint handling:"))
    finally:
        s.close()


def test_a_number_in_a_named_document_is_boosted_there_not_elsewhere(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    texts = {
        "linden-report.txt": ("Support for victims must be reviewed by the force every year.", "Publish the victims plan."),
        "grenfell-report.txt": ("Combustible cladding should be removed from tall buildings.", "Fire doors need checks."),
    }
    for name, (seven, eight) in texts.items():
        (docs / name).write_text(
            f"Recommendations\n\nRecommendation 7\n\n{seven}\n\nRecommendation 8\n\n{eight}\n", encoding="utf-8"
        )
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    try:
        query = "linden recommendation 7"
        monkeypatch.setattr(s, "weights", replace(FUSION, rec_elsewhere=1.0, b_rec_named_doc=0.0))
        plain = {h.doc: h.score for h in s.search(query, k=10) if h.recommendation == "7"}
        monkeypatch.setattr(s, "weights", replace(FUSION, rec_elsewhere=0.25, b_rec_named_doc=0.02))
        hits = s.search(query, k=10)
        after = {h.doc: h.score for h in hits if h.recommendation == "7"}
        assert set(plain) == set(after) == {"linden-report.txt", "grenfell-report.txt"}
        assert after["linden-report.txt"] == pytest.approx(plain["linden-report.txt"] + 0.02)
        assert after["grenfell-report.txt"] < plain["grenfell-report.txt"]  # its boosts count a quarter
        assert hits[0].doc == "linden-report.txt" and hits[0].recommendation == "7"
    finally:
        s.close()


def test_a_number_many_reports_share_is_boosted_only_among_the_candidates_past_the_cap(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = ("custody", "cladding", "vetting", "training", "records", "funding")
    for t in topics:
        (docs / f"{t}.txt").write_text(f"Recommendations\n\nRecommendation 7\n\nThe body should review its {t} work.\n")
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    try:
        everything = s.rec_ids(("7",), None)
        assert len({s.index.chunk_meta([i])[i].doc_id for i in everything}) == len(topics)
        some = set(sorted(everything)[:2])
        named = s.index.chunk_meta([max(everything)])[max(everything)].doc_id
        # under the cap: every chunk of the number, whatever the candidates
        assert s.rec_ids(("7",), None, among=some, docs=(named,)) == everything
        # past it: only the candidates and the named document's
        monkeypatch.setattr(s, "weights", replace(FUSION, rec_cap=3))
        capped = s.rec_ids(("7",), None, among=some, docs=(named,))
        assert set(capped) == some | {i for i in everything if s.index.chunk_meta([i])[i].doc_id == named}
        assert s.rec_ids(("7",), None) == everything  # no candidates given: no cap
    finally:
        s.close()
