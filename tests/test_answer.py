from __future__ import annotations

import json

import pytest
from inquire.indexer.pipeline import build_index
from inquire.query.answer import answer, lexical_evidence
from inquire.query.search import Searcher

from inquire.embedding.fake import FakeEmbedder

SHARED = "The force lead is the single point of contact with the advocacy service managers across the county."


@pytest.fixture
def searcher(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "Progress report\n\nThe council reviewed housing policy in detail this year. "
        + SHARED
        + " Training days were held in December for front-line officers.\n",
        encoding="utf-8",
    )
    (docs / "b.txt").write_text(
        "Response from the force\n\nWe accept the recommendation in full. "
        + SHARED
        + " Budgets for the coming year are still being agreed with partners.\n",
        encoding="utf-8",
    )
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


def _doc_text(searcher, citation):
    doc_id = citation.chunk_id.rsplit("-", 1)[0]
    return searcher.index.clean_document(doc_id).text


def test_quotes_are_exact_and_cited_at_their_offsets(searcher):
    result = answer(searcher, "who is the single point of contact with the advocacy service managers", k=3)
    assert not result.abstained and result.quotes
    for quote in result.quotes:
        for c in quote.citations:
            assert _doc_text(searcher, c)[c.start : c.end] == quote.text


def test_same_sentence_in_two_documents_is_quoted_once_with_both_citations(searcher):
    result = answer(searcher, "single point of contact with the advocacy service managers", k=3)
    shared = [q for q in result.quotes if q.text == SHARED]
    assert len(shared) == 1
    assert sorted(c.doc for c in shared[0].citations) == ["a.txt", "b.txt"]


def test_abstains_below_threshold_and_still_shows_nearest_passages(searcher):
    from dataclasses import replace

    from inquire.params import ANSWER

    result = answer(searcher, "single point of contact", k=2, params=replace(ANSWER, relevance_below=5.0))
    assert result.abstained and result.quotes == () and len(result.hits) == 2
    assert result.reason == "The indexed reports do not appear to answer this question."
    payload = result.to_json()
    assert set(payload) >= {"question", "answer", "abstained", "confidence", "relevance", "reason", "hits"}
    assert payload["answer"] == [] and payload["abstained"] is True
    json.dumps(payload)
    # a threshold on the calibrated confidence (a probability) refuses the same way, with its own reason
    unsure = answer(
        searcher, "single point of contact with the advocacy service managers", params=replace(ANSWER, abstain_below=1.0)
    )
    assert (
        unsure.abstained and unsure.quotes == () and unsure.reason == "The indexed reports do not answer this question clearly."
    )


def test_json_answer_shape(searcher):
    payload = answer(searcher, "single point of contact with the advocacy service", k=2).to_json()
    assert payload["abstained"] is False
    first = payload["answer"][0]
    assert set(first) >= {"text", "citations", "label", "date"}
    assert {"doc", "page_start", "section", "recommendation", "responder", "start", "end"} <= set(first["citations"][0])


def test_lexical_evidence_counts_question_content_words():
    # content words of the question: "budgets", "agreed" (stopwords dropped) -> both present
    assert lexical_evidence("Are the budgets agreed?", "Budgets are still being agreed.") == 1.0
    assert lexical_evidence("Are the budgets agreed?", "Nothing relevant here.") == 0.0


def test_headings_are_not_quoted():
    from inquire.query.sentences import is_sentence

    assert not is_sentence("Response from South Yorkshire Police")
    assert not is_sentence("Recommendation 7")
    assert is_sentence("We accept the recommendation in full.")
    assert is_sentence("• a named point of contact at South Yorkshire Police for use by the ISVA service")


def test_sentences_that_differ_by_punctuation_are_not_merged(tmp_path):
    docs = tmp_path / "d"
    docs.mkdir()
    (docs / "a.txt").write_text(
        "Intro text here for the report.\n\nThe lead is the point of contact, with the advocacy managers each week.\n"
    )
    (docs / "b.txt").write_text(
        "Other intro text for the response.\n\nThe lead is the point of contact with the advocacy managers each week.\n"
    )
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    result = answer(s, "point of contact with the advocacy managers each week", k=3)
    for quote in result.quotes:
        for c in quote.citations:
            assert _doc_text(s, c)[c.start : c.end] == quote.text
