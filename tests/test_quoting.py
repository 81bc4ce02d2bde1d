"""What ``ask`` quotes and when it refuses (query/answer.py): intent, coverage, labels, dates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from inquire.indexer.pipeline import build_index
from inquire.query.answer import (
    Quote,
    _newest_first,
    answer,
    answer_type_match,
    coverage,
    question_names,
    read_question,
    status,
    vocabulary,
)
from inquire.query.results import Citation
from inquire.query.search import Searcher

from inquire.embedding.fake import FakeEmbedder
from inquire.params import AnswerParams

OPEN = AnswerParams(abstain_below=0.0)  # no confidence threshold: the rules alone
ISVA = "Who is South Yorkshire Police's single point of contact for the ISVA service?"


@pytest.fixture
def searcher(corpus_copy, tmp_path):
    build_index([corpus_copy], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


def test_question_names_are_capitalised_runs_without_the_question_word():
    assert question_names("What did the Manchester Arena Inquiry say about the fire service?") == ("Manchester Arena Inquiry",)
    assert question_names("How did the Government respond to the Manchester Arena Inquiry's call for a Protect Duty?") == (
        "Government",
        "Manchester Arena Inquiry",
        "Protect Duty",
    )
    assert question_names("What did the Independent Inquiry into Child Sexual Abuse recommend?") == (
        "Independent Inquiry into Child Sexual Abuse",
    )
    assert question_names("how often does the group meet?") == ()


def test_a_question_about_a_named_body_quotes_its_response_not_the_recommendation(searcher):
    # "Who is <responder>'s ...?" asks for a fact about a responding body: its responses answer
    ask = read_question(searcher, ISVA)
    assert ask.fact and ask.wants == "response" and ask.responders == ("South Yorkshire Police",)
    res = answer(searcher, ISVA, params=OPEN)
    assert not res.abstained
    first = res.quotes[0]
    assert "single point of contact" in first.text and first.citations[0].responder == "South Yorkshire Police"
    assert all(q.citations[0].responder == "South Yorkshire Police" for q in res.quotes)
    # without the rule, the recommendation's bullet ("a named point of contact at South Yorkshire
    # Police for use by the ISVA service"), which asks for a contact, can lead: it shares more words
    free = answer(searcher, ISVA, params=replace(OPEN, intent_only=False, weights=(1.0, 0.25) + (0.0,) * 10))
    assert free.quotes[0].text.startswith("• a named point of contact")


def test_what_the_question_asks_for_is_added_only_inside_the_users_filters(searcher):
    from inquire.query.search import Filters

    question = "How did South Yorkshire Police respond?"
    # the user asks for recommendations only: the response passages the question wants are not added
    res = answer(searcher, question, filters=Filters(role="recommendation"), params=OPEN)
    assert res.hits and all(h.role == "recommendation" for h in res.hits)
    rows = searcher.index.chunk_rowids([c.chunk_id for q in res.quotes for c in q.citations])
    assert res.quotes and {m.role for m in searcher.index.chunk_meta(list(rows.values())).values()} == {"recommendation"}
    # filters no passage meets (a stance only responses state, on recommendations): a plain refusal, not a crash
    empty = answer(searcher, question, filters=Filters(role="recommendation", stance="accepted"), params=OPEN)
    assert empty.abstained and empty.quotes == () and empty.hits == ()


def test_a_name_the_index_never_mentions_is_refused_with_the_name(searcher):
    res = answer(searcher, "What did the Lampard Inquiry find about deaths of mental health inpatients?", params=OPEN)
    assert res.abstained and res.quotes == () and res.hits
    assert res.reason and "“Lampard Inquiry”" in res.reason and res.confidence == 0.0


def test_names_the_index_holds_are_covered(searcher):
    vocab = vocabulary(searcher)
    # responders, their initialisms and words of the documents' titles are known
    assert coverage(vocab, ("South Yorkshire Police", "SYP", "Operation Linden")).missing == ()
    # a source the index never names, although its words occur in passages (not on a cover): missing
    assert {"steering", "group"} <= vocab.words and not any({"steering", "group"} <= head for head in vocab.heads)
    assert coverage(vocab, ("Steering Group Inquiry",)).missing == ("Steering Group Inquiry",)
    # a word no passage holds: missing; a word some passage word begins with ("Humber" -> "Humberside"): known
    assert vocab.has_word("rotherh") and not vocab.has_word("lampard")
    # recommendation references and codes are not names ("R12" of "in response to R12 of ...")
    assert coverage(vocab, ("R12", "HC 381")).missing == ()


def test_a_bare_recommendation_number_quotes_recommendation_and_response_labelled(searcher):
    res = answer(searcher, "Operation Linden recommendation 7", params=OPEN)
    labels = [q.label for q in res.quotes]
    assert labels[0] == "Recommendation 7" and any(lab and lab.startswith("Response from") for lab in labels)


def test_confidence_is_a_probability(searcher):
    for q in (ISVA, "victims code compliance monitoring", "How do I bake bread?"):
        res = answer(searcher, q, params=OPEN)
        assert 0.0 <= res.confidence <= 1.0


def _q(doc: str, rec: str, date: str | None, text: str) -> Quote:
    cite = Citation(doc, None, None, None, None, rec, None, f"{doc}-0001", 0, len(text))
    return Quote(text, (cite,), 0.5, None, date)


def test_quotes_on_one_recommendation_from_documents_of_different_dates_are_newest_first():
    older = _q("response.pdf", "10a(ii)", "2024-12", "Recommendation 10a(ii) is accepted in principle.")
    other = _q("response.pdf", "3", "2024-12", "Recommendation 3 is accepted.")
    newer = _q("briefing.pdf", "10a(ii)", "2025-06-05", "Recommendation 10a(ii) was accepted in full, with funding.")
    # positions 0 and 2 hold the two 10a(ii) quotes: they swap; the quote on 3 stays where it was
    assert _newest_first([older, other, newer]) == [newer, other, older]
    # one document only: nothing moves
    assert _newest_first([older, other]) == [older, other]


def test_status_of_a_recommendation_in_a_sentence():
    assert status("The UK Government accepted in full recommendation 10a(ii) to fund the charities.") == "in full"
    assert status("These recommendations are accepted in principle by the UK Government.") == "in principle"
    assert status("The government does not support mandating how systems review the estate.") == "not accepted"
    assert status("Work is underway in DHSC.") is None


def test_answer_types_for_when_and_how_many_questions():
    assert answer_type_match("When did the first payments happen?", "The first payments were made in December 2024.")
    assert answer_type_match("When did the first payments happen?", "Payments will follow.") is False
    # a year is not a count
    assert answer_type_match("How many people a year will be asked?", "Since 1996 patients were asked.") is False
    assert answer_type_match("How many people a year will be asked?", "Around 400,000 people a year.")
    assert answer_type_match("Who leads the work?", "The RASSO lead.") is None
