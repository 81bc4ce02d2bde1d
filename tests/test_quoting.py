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
    read_question,
    status,
)
from inquire.query.coverage import coverage, question_names, source_phrases, vocabulary
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
    assert vocab.prints("steering") and vocab.prints("group") and not any({"steering", "group"} <= head for head in vocab.heads)
    assert coverage(vocab, ("Steering Group Inquiry",)).missing == ("Steering Group Inquiry",)
    # a word no passage holds: missing; a word some passage word begins with ("Humber" -> "Humberside"): known
    assert vocab.has_word("rotherh") and not vocab.has_word("lampard")
    # recommendation references and codes are not names ("R12" of "in response to R12 of ...")
    assert coverage(vocab, ("R12", "HC 381")).missing == ()


# two documents written for the rules below: what each prints, and what neither does
FIRE_REVIEW = """Fire Service Review 2023

Published 12 March 2023

1. The Harbour Fire Service commissioned an independent review of its training in 2022. The review
of training standards found gaps in breathing apparatus drills at Northport station.

2. The Emergency Planning Unit keeps a network of volunteers. Services in the county share a
radio network for emergencies, and the review recommends testing it every month.

3. HMICFRS inspected the Harbour Fire Service in May 2021 and graded its prevention work good.
"""

POLICE_REPORT = """Constabulary Progress Report

Published 2 June 2024

1. Westshire Constabulary uses WhatsApp groups to reach neighbourhood watch members. The Public
Accounts Committee noted in its report on digital contact that such channels cost little.

2. The Committee of Public Accounts asked forces to publish contact figures each quarter.

3. Chief Officer Seán Brown of Derbyshire spoke regarding volunteers at the Westshire launch.
"""


@pytest.fixture
def two_docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "fire-review.txt").write_text(FIRE_REVIEW, encoding="utf-8")
    (docs / "police-report.txt").write_text(POLICE_REPORT, encoding="utf-8")
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


def test_a_name_of_several_words_must_be_printed_as_one(two_docs):
    vocab = vocabulary(two_docs)
    # all three words occur, never together: not a name the reports print
    assert all(vocab.prints(w) for w in ("emergency", "services", "network"))
    assert coverage(vocab, ("Emergency Services Network",)).missing == ("Emergency Services Network",)
    # the same words in another order, a few words apart, are the name ("Committee of Public Accounts")
    assert coverage(vocab, ("Public Accounts Committee", "Harbour Fire Service")).missing == ()
    # an initialism exactly: "HMIC" is not the "HMICFRS" it begins
    assert coverage(vocab, ("HMIC",)).missing == ("HMIC",)
    assert coverage(vocab, ("HMICFRS",)).missing == ()
    # a month and year as printed, apart from the rest of the name ("May 2021" is printed)
    assert coverage(vocab, ("May 2021",)).missing == ()
    assert coverage(vocab, ("December 2020",)).missing == ("December 2020",)
    assert coverage(vocab, ("May 2021 Harbour Fire Service",)).missing == ()
    # numbers are not names: "Harbour 42" may be recommendation 42 of a report on the Harbour
    assert coverage(vocab, ("Harbour Fire Service 42", "Recommendation 12 Harbour Fire Service", "R5")).missing == ()
    # and end a name: "Harbour 42 Public Accounts Committee" is two names, each printed
    assert coverage(vocab, ("Harbour 42 Public Accounts Committee",)).missing == ()


def test_a_source_described_in_lower_case_must_be_printed_near_its_words(two_docs):
    vocab = vocabulary(two_docs)
    assert [shown for shown, _ in source_phrases("What did its review of hate crime laws recommend?")] == [
        "review of hate crime laws"
    ]
    # nothing to check: no describing word ("the report"), or a name that is looked up as a name
    assert source_phrases("What does the report say about drills?") == []
    assert source_phrases("What did the review of Nottinghamshire Healthcare find?") == []
    question = "What did the review of training standards find about drills?"
    assert coverage(vocab, (), question=question).missing == ()
    question = "What did the review of hate crime laws find about drills?"
    assert coverage(vocab, (), question=question).missing == ("review of hate crime laws",)
    # several describing words are the subject, printed together anywhere; one must be near the noun
    question = "What did the inspection of breathing apparatus drills find?"
    assert coverage(vocab, (), question=question).missing == ()
    question = "What did the inspection of breathing contact find?"  # both printed, never together
    assert coverage(vocab, (), question=question).missing == ("inspection of breathing contact",)
    # an owner does not describe a source: "the service's report on drills" is a report on drills
    assert [p.words for _, p in source_phrases("When will the service’s report on last summer’s drills come?")] == [
        ("report", "summer", "drills")
    ]
    question = "What did the Harbour Fire Service's 2019 inspection find?"
    assert coverage(vocab, ("Harbour Fire Service",), question=question).missing == ("2019 inspection",)
    # the words on a document's cover: that document is the source
    question = "What does the fire service review say about drills?"
    assert coverage(vocab, (), question=question).missing == ()


def test_names_as_questions_are_written(two_docs):
    vocab = vocabulary(two_docs)

    def cover(question):
        return coverage(vocab, question_names(question), question=question)

    # a first word capitalised by its place, which the reports print as a word: the rest is the name
    question = "Regarding Harbour Fire Service drills, what was found?"
    assert question_names(question) == ("Regarding Harbour Fire Service",) and cover(question) == cover("What drills?")
    assert cover("Zephyr Harbour Fire Service, what was found?").missing == ("Zephyr Harbour Fire Service",)
    # punctuation ends a name
    assert question_names("Besides WhatsApp, how does the Harbour Fire Service reach people?") == (
        "Besides WhatsApp",
        "Harbour Fire Service",
    )
    # accents as the index drops them; a prefix as written, not as stemmed ("Derby" begins "Derbyshire")
    assert cover("What did Seán Brown say?").missing == () and cover("What did Sean Brown say?").missing == ()
    assert vocab.has_word("derby") and cover("What happened in Derby?").missing == ()
    # names set side by side, or compared, need not share a document
    assert cover("What did HMICFRS and Westshire Constabulary say about volunteers?").apart == ()
    assert cover("Compare HMICFRS with Westshire Constabulary on contact figures").apart == ()
    assert cover("What did HMICFRS find about Westshire Constabulary?").apart == ("HMICFRS", "Westshire Constabulary")
    # a noun used as a verb is no source described
    assert source_phrases("Did officers review the drills?") == [] and source_phrases("Should staff report concerns?") == []
    assert [w for w, _ in source_phrases("What did the inspectorate's report on drills find?")] == ["report on drills"]
    assert [w for w, _ in source_phrases("What did its December 2020 inspection find?")] == ["2020 inspection"]


def test_names_printed_only_in_different_documents_are_refused_together(two_docs):
    vocab = vocabulary(two_docs)
    assert coverage(vocab, ("HMICFRS", "Harbour Fire Service")).apart == ()
    cover = coverage(vocab, ("HMICFRS", "Westshire Constabulary", "WhatsApp"))
    assert cover.missing == () and cover.apart == ("HMICFRS", "Westshire Constabulary", "WhatsApp")
    res = answer(two_docs, "What did HMICFRS find about Westshire Constabulary's use of WhatsApp?", params=OPEN)
    assert res.abstained and res.quotes == () and res.hits
    assert res.reason == "The indexed reports never mention “HMICFRS”, “Westshire Constabulary” and “WhatsApp” in one document."
    # the same names in one document: answered
    res = answer(two_docs, "How does Westshire Constabulary use WhatsApp?", params=OPEN)
    assert not res.abstained and res.reason is None
    # a name of generic words identifies nothing ("Service" is printed only in the fire review)
    assert coverage(vocab, ("Service", "Westshire Constabulary")).apart == ()
    # a question's first word is capitalised by its place, not as a name
    question = "Besides WhatsApp, how does the Harbour Fire Service reach people?"
    assert coverage(vocab, ("Besides", "Harbour Fire Service"), question=question).apart == ()
    assert coverage(vocab, ("WhatsApp", "Harbour Fire Service"), question=question).apart == ("WhatsApp", "Harbour Fire Service")


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
