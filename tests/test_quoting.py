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


def _indexed(tmp_path, files: dict[str, str]):
    """A searcher over an index of ``files`` (name -> text), built with the fake embedder."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    s = Searcher(tmp_path / "idx", FakeEmbedder())
    yield s
    s.close()


@pytest.fixture
def two_docs(tmp_path):
    yield from _indexed(tmp_path, {"fire-review.txt": FIRE_REVIEW, "police-report.txt": POLICE_REPORT})


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


def test_a_documents_alias_printed_in_other_documents_names_them_too(tmp_path):
    """An initialism in one document's file name ("hmicfrs-...") is that document's alias; when other
    reports print it as well, a question may take it with a name from one of them."""
    police = POLICE_REPORT + "\n4. HMICFRS praised the WhatsApp groups of Westshire Constabulary.\n"
    for searcher in _indexed(tmp_path, {"hmicfrs-harbour-inspection.txt": FIRE_REVIEW, "police-report.txt": police}):
        vocab = vocabulary(searcher)
        assert vocab.aliased["hmicfrs"] == {d.doc_id for d in searcher.index.documents() if d.name.startswith("hmicfrs")}
        question = "What did HMICFRS say about the WhatsApp groups?"
        assert coverage(vocab, question_names(question), question=question).apart == ()
        # a name printed only in the other document stays apart
        question = "What did HMICFRS say about Derbyshire?"
        assert coverage(vocab, ("HMICFRS", "Derbyshire"), question=question).apart == ()  # HMICFRS is in both
        assert coverage(vocab, ("Harbour Fire Service", "Derbyshire"), question=question).apart == (
            "Harbour Fire Service",
            "Derbyshire",
        )


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


def test_a_report_and_the_responses_to_it_are_one_source_for_names(searcher):
    from types import SimpleNamespace

    from inquire.query.coverage import _together, linked

    # explicit and reference links join two documents; content links only when there are several
    pairs = [("a", "b", "explicit", 1), ("c", "b", "content", 2), ("d", "e", "content", 5), ("f", "g", "reference", 1)]
    assert linked(pairs) == {"a": {"b"}, "b": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"g"}, "g": {"f"}}
    # directly linked only: a report and its response, not a third document linked to the response
    vocab = SimpleNamespace(linked=linked([("a", "b", "explicit", 1), ("b", "c", "explicit", 1)]))
    assert _together(vocab, [{"a"}, {"b"}]) and _together(vocab, [{"a"}, {"b"}, {"c"}])  # b is linked to both
    assert not _together(vocab, [{"a"}, {"c"}]) and not _together(vocab, [{"a"}, {"d"}])
    # the bundled IOPC page and the council's progress report answer the same recommendations
    assert len(vocabulary(searcher).linked) == 2


def test_names_printed_in_a_report_and_in_a_response_to_it_are_together(two_docs):
    vocab = vocabulary(two_docs)
    names = ("HMICFRS", "Westshire Constabulary")  # one in each document
    assert vocab.linked == {} and coverage(vocab, names).apart == names
    fire, police = (d.doc_id for d in two_docs.index.documents())
    vocab.linked = {fire: {police}, police: {fire}}  # as if the police report answered the review
    assert coverage(vocab, names).apart == ()


SERIES_REPORT = """Harbour Inquiry Phase 1 Report

Published 3 May 2024

1. This report covers the night of the fire. Phase 2 of the Harbour Inquiry will examine the
cladding of the tower and report next year.

2. The Harbour Inquiry recommends that the fire service reviews its evacuation advice.

3. What residents were told:
Residents of the alpha landing on floor 1 were told by telephone to stay put until crews from station 3 arrived.
Residents of the bravo landing on floor 2 were told by telephone to stay put until crews from station 4 arrived.
Residents of the charlie landing on floor 3 were told by telephone to stay put until crews from station 5 arrived.
Residents of the delta landing on floor 4 were told by telephone to stay put until crews from station 6 arrived.
Residents of the echo landing on floor 5 were told by telephone to stay put until crews from station 7 arrived.
Residents of the foxtrot landing on floor 6 were told by telephone to stay put until crews from station 8 arrived.
Residents of the golf landing on floor 7 were told by telephone to stay put until crews from station 9 arrived.
Residents of the hotel landing on floor 8 were told by telephone to stay put until crews from station 10 arrived.
Residents of the india landing on floor 9 were told by telephone to stay put until crews from station 11 arrived.
Residents of the juliet landing on floor 10 were told by telephone to stay put until crews from station 12 arrived.
Residents of the kilo landing on floor 11 were told by telephone to stay put until crews from station 13 arrived.
Residents of the lima landing on floor 12 were told by telephone to stay put until crews from station 14 arrived.
Residents of the mike landing on floor 13 were told by telephone to stay put until crews from station 15 arrived.
Residents of the november landing on floor 14 were told by telephone to stay put until crews from station 16 arrived.
Residents of the oscar landing on floor 15 were told by telephone to stay put until crews from station 17 arrived.
Residents of the papa landing on floor 16 were told by telephone to stay put until crews from station 18 arrived.
Residents of the quebec landing on floor 17 were told by telephone to stay put until crews from station 19 arrived.
Residents of the romeo landing on floor 18 were told by telephone to stay put until crews from station 20 arrived.
Residents of the sierra landing on floor 19 were told by telephone to stay put until crews from station 21 arrived.
Residents of the tango landing on floor 20 were told by telephone to stay put until crews from station 22 arrived.
Residents of the uniform landing on floor 21 were told by telephone to stay put until crews from station 23 arrived.
Residents of the victor landing on floor 22 were told by telephone to stay put until crews from station 24 arrived.
Residents of the whisky landing on floor 23 were told by telephone to stay put until crews from station 25 arrived.
Residents of the xray landing on floor 24 were told by telephone to stay put until crews from station 26 arrived.

4. The board cited the Ferry Safety Committee's report on lifeboat drills when it met.

5. The Inquiry is chaired by Dame Ada Quill, who thanked the crews. It cites the Wren review of
ferry safety.
"""


@pytest.fixture
def series(tmp_path):
    yield from _indexed(tmp_path, {"harbour-inquiry-phase-1-HC123.txt": SERIES_REPORT, "fire-review.txt": FIRE_REVIEW})


def test_a_numbered_part_or_a_document_code_is_a_report_of_its_own(series):
    vocab = vocabulary(series)
    # the part the index holds (its title), one it mentions once (in passing), one it never mentions
    assert coverage(vocab, ("Harbour Inquiry Phase 1",)) == coverage(vocab, ())
    assert coverage(vocab, ("Harbour Inquiry Phase 2",)).passing == ("Harbour Inquiry Phase 2",)
    assert coverage(vocab, ("Harbour Inquiry Phase 3",)).missing == ("Harbour Inquiry Phase 3",)
    # the letters of the index's own document codes, with another number: another document
    assert "hc" in vocab.code_letters
    assert coverage(vocab, ("HC 123",)) == coverage(vocab, ())
    assert coverage(vocab, ("HC 999",)).missing == ("HC 999",)
    # a year is not a code, and a number after other words is no part ("Harbour Fire Service 42"); a
    # tranche or a part may be printed "second tranche", so only modules, phases and volumes count
    from inquire.query.coverage import numbered_parts

    assert coverage(vocab, ("HC 2024", "Harbour Fire Service 42")).missing == ()
    assert numbered_parts("Tranche 2 Part 3", vocab) == [] and numbered_parts("Module 2A", vocab) == ["module 2a"]
    # a part numbered with a letter is looked up whole: "Phase 1A" is not "Phase 1"
    assert coverage(vocab, ("Harbour Inquiry Phase 1A",)).missing == ("Harbour Inquiry Phase 1A",)


def test_an_initialism_spelled_out_in_the_passages_found_is_the_name(two_docs):
    from inquire.query.coverage import spelling_of

    vocab = vocabulary(two_docs)
    assert spelling_of("PAC", POLICE_REPORT) == "Public Accounts Committee"
    assert spelling_of("EPU", FIRE_REVIEW) == "Emergency Planning Unit"
    assert spelling_of("HFS", "in the Harbour. Fire Service crews") is None  # not across a full stop
    assert spelling_of("PAC", "the Public Accounts Select Committee") is None
    assert spelling_of("ABC", "Alpha Bravo\n\nCharlie") is None  # not across a blank line
    assert spelling_of("ABCD", "…… See Alpha Bravo. Charlie Delta") is None  # offsets of the folded text
    assert spelling_of("CPS", "the College of Policing SSAIDP scheme") is None  # an initialism is no word of it
    # the words begin or end a run of capitalised words, not the middle of another name
    assert spelling_of("PCC", "the National Police Chiefs Council Forum met") is None
    assert spelling_of("MBC", "Rotherham Metropolitan Borough Council said") == "Metropolitan Borough Council"
    assert spelling_of("DCC", "by Deputy Chief Constable Tim Forber") == "Deputy Chief Constable"
    # inside a heading in capitals, after the word the question puts before it ("Rotherham MBC")
    heading = "ROTHERHAM METROPOLITAN BOROUGH COUNCIL OVERVIEW AND SCRUTINY BOARD"
    assert spelling_of("MBC", heading) is None and spelling_of("MBC", heading, "Rotherham") == "METROPOLITAN BOROUGH COUNCIL"
    # never printed as an initialism: missing, unless a passage found spells it out
    assert coverage(vocab, ("PAC",)).missing == ("PAC",)
    assert coverage(vocab, ("PAC",), texts=[POLICE_REPORT]).missing == ()
    assert coverage(vocab, ("EPU volunteers",), texts=[FIRE_REVIEW]).missing == ()
    # printed elsewhere, but not with the rest of the name: spelled out, the name is printed
    assert coverage(vocab, ("CO Seán Brown",), texts=[POLICE_REPORT]).missing == ("CO Seán Brown",)  # two letters: not spelled


def test_a_source_asked_about_that_the_reports_only_cite_is_mentioned_in_passing(series):
    vocab = vocabulary(series)
    # the Ferry Safety Committee's report on lifeboat drills is cited once, past the report's cover
    assert not vocab.on_a_cover(["lifeboat", "drills"])
    question = "What did the Ferry Safety Committee's report on lifeboat drills find about crews?"
    assert coverage(vocab, question_names(question), question=question).passing == ("report on lifeboat drills",)
    question = "Did its report on lifeboat drills recommend more crews?"
    assert coverage(vocab, (), question=question).passing == ("report on lifeboat drills",)
    # cited on the way, it may be what a passage answers with
    question = "Why did the board meet, as the committee's report on lifeboat drills asked?"
    assert coverage(vocab, (), question=question) == coverage(vocab, ())
    question = "Who cited the Ferry Safety Committee's report on lifeboat drills?"
    assert coverage(vocab, question_names(question), question=question) == coverage(vocab, ())
    # the report the index holds, asked about by its subject: not in passing
    question = "What did the report on evacuation advice find?"
    assert coverage(vocab, (), question=question) == coverage(vocab, ())


def test_quoted_phrases_and_optional_words(two_docs):
    from inquire.query.coverage import quoted

    vocab = vocabulary(two_docs)
    assert quoted("What did the 'radio network for emergencies' cost?") == ["radio network for emergencies"]
    assert quoted("Why can't the force's chief say “no”?") == []  # apostrophes, and a single word
    # a question in quotation marks is no title
    assert quoted('"What did the inquiry recommend about drills?"') == [] and quoted("“What did it find”") == ["What did it find"]
    long = "'" + " ".join(["word"] * 9) + "'"
    assert quoted(f"Was {long} said?") == []
    question = "What did the 'radio network for emergencies' cost?"
    assert coverage(vocab, (), question=question).missing == ()
    question = "What did the 'Policing for the future' report warn?"
    assert coverage(vocab, (), question=question).missing == ("Policing for the future",)
    # "Select Committee": the reports may leave "Select" out
    assert coverage(vocab, ("Public Accounts Select Committee",)).missing == ()


def test_a_source_named_after_its_chair_is_one_the_index_holds(series):
    vocab = vocabulary(series)
    # "the Quill report": never printed so, but Dame Ada Quill chairs the inquiry the index holds
    assert vocab.count("Quill report", 0) == 0 and vocab.authored(["quill"], 0)
    assert coverage(vocab, ("Quill report",), passing_at_most=0) == coverage(vocab, (), passing_at_most=0)
    # inquests or investigations she may have led elsewhere are not that inquiry
    assert coverage(vocab, ("Quill inquests",), passing_at_most=0).missing == ("Quill inquests",)
    # "the Wren review" is cited once, and no title makes Wren a person who chairs anything here
    assert not vocab.authored(["wren"], 0)
    assert coverage(vocab, ("Wren review",), passing_at_most=1).passing == ("Wren review",)
    assert coverage(vocab, ("Lark report",), passing_at_most=0).missing == ("Lark report",)
    # named beside her chair in one passage only: with two allowed in passing, not yet an author
    assert not vocab.authored(["quill"], 1) and coverage(vocab, ("Quill report",), passing_at_most=1).missing == ("Quill report",)
    # a source the reports print by that very name, only in passing, stays cited in passing, whoever its
    # author chairs ("the Francis report" cited once, though Sir Robert Francis chairs another body)
    vocab.authored = lambda words, at_most: True
    assert coverage(vocab, ("Wren review",), passing_at_most=1).passing == ("Wren review",)


def test_ask_reads_an_initialism_in_the_passages_it_found(two_docs):
    # "EPU" is printed nowhere; the passages found for the question spell it out: answered, not refused
    question = "How many volunteers does the EPU keep in its network?"
    assert coverage(vocabulary(two_docs), question_names(question), question=question).missing == ("EPU",)
    res = answer(two_docs, question, params=OPEN)
    assert not (res.reason or "").startswith("The indexed reports do not mention")


def test_a_response_the_question_names_by_structure_is_answered_though_it_shares_no_words(searcher):
    # the Police Digital Service's response to recommendation 10 thanks the IOPC and speaks of "PDS":
    # with the real model no sentence is near the question's words (relevance 0.40 < 0.42), but the
    # passage is the one the question names. A floor no sentence reaches stands for that here.
    strict = replace(OPEN, relevance_below=2.0)
    question = "What did the Police Digital Service say in response to recommendation 10?"
    res = answer(searcher, question, params=strict)
    assert not res.abstained and res.quotes and res.relevance < strict.relevance_below
    first = res.quotes[0].citations[0]
    assert first.responder == "Police Digital Service" and first.recommendation == "10"
    # a body that did not respond to the number named, or no number: judged by the words
    assert answer(searcher, "What did the Police Digital Service say in response to recommendation 3?", params=strict).abstained
    assert answer(searcher, "What did the Police Digital Service say about data?", params=strict).abstained
    # the body's response to that number in another document than the one named is not it
    question = "What did the Police Digital Service say in response to recommendation 10 of the Rotherham progress report?"
    assert answer(searcher, question, params=strict).abstained


def test_a_recommendation_named_in_a_document_named_is_answered_by_structure(tmp_path):
    files = {
        "westshire-review.txt": "Westshire Review\n\nRecommendation 4: Records\n\nThe constabulary should keep complete custody records for every detainee.\n",
        "harbour-review.txt": "Harbour Review\n\nRecommendation 4: Drills\n\nThe fire service should hold drills every month.\n",
    }
    strict = replace(OPEN, relevance_below=2.0)  # no sentence is near enough by its words
    for searcher in _indexed(tmp_path, files):
        res = answer(searcher, "What does the Westshire review set out as recommendation 4?", params=strict)
        assert not res.abstained and res.quotes
        assert {(c.doc, c.recommendation) for q in res.quotes for c in q.citations} == {("westshire-review.txt", "4")}
        assert answer(searcher, "What does the Westshire review set out as recommendation 9?", params=strict).abstained


JUSTICE_REVIEW = """Justice Review

Published 3 February 2025

1. The Ministry of Justice made 1,000 extra prison places available, eight per cent more than planned.

2. The Home Affairs Committee asked the Government for a formal response within two months.

3. Minister Jones visited two prisons.
"""


def test_names_as_people_shorten_them(tmp_path):
    """Months shortened before a year, initialisms with a small letter for a joining word, an
    initialism with the letter of a word the printed name leaves out, and a capitalised first word
    before one: each held when the passages found print the long form."""
    for searcher in _indexed(tmp_path, {"justice-review.txt": JUSTICE_REVIEW}):
        vocab = vocabulary(searcher)
        texts = [c.text for c in searcher.index.chunks()]

        def missing(question, found=texts, vocab=vocab):
            return coverage(vocab, question_names(question), question=question, texts=found).missing

        assert missing("What did the Feb 2025 review say about prison places?") == ()
        assert missing("What did the Jan 2025 review say about prison places?") == ("Jan 2025 review",)
        assert missing("How many prison places did the MoJ make available?") == ()
        assert missing("How many prison places did the MoJ make available?", found=[]) == ("MoJ",)
        assert missing("How many prison places did the MoD make available?") == ("MoD",)  # "Ministry of Defence" is not printed
        # the small letter is a joining word: "Minister Jones" does not spell "MoJ"
        assert missing("How many prisons did the MoJ visit?", found=["Minister Jones visited two prisons."]) == ("MoJ",)
        # every letter is spelled: "HASC" could be the Home Affairs Select Committee, but "PASC" is the
        # Public Administration Select Committee, not the Public Accounts Committee
        assert missing("What did HASC ask the Government for?") == ("HASC",)
        assert missing("What did HSC ask the Government for?") == ("HSC",)
        assert missing("Per the MoJ, how many prison places were made available?") == ()


def _filler(sentence: str, n: int = 17) -> str:
    return " ".join(sentence.format(i=i) for i in range(1, n + 1))


# a response whose passages say "tide" in nearly every one: what it is about
HARBOUR_RESPONSE = "\n\n".join(
    [
        "Government Response to the Harbour Inquiry\n\nPublished 17 December 2024",
        "1. The Harbour Inquiry was set up in 2022, with Sir Tom Reed appointed as Chairman. "
        + _filler("Tide gauge {i} on the estuary was read at dawn by crew {i}."),
        "2. Sir Tom Reed and his team found that tide warnings reached residents late. "
        + _filler("Tide siren {i} on the estuary sounded after crew {i} arrived."),
        "3. Sir Tom Reed thanked the residents who gave evidence. "
        + _filler("Tide table {i} on the estuary was posted by crew {i}."),
        "4. Lifeboat stations had been inspected by the harbour board for many, many years before the flood. "
        "The triennial audit was replaced in 2019 with a peer review programme. The Government will consult on a "
        "review of the Coastal Defences Act. The Hepatitis C Trust asked for support for families. Lifeboat crews "
        "were praised by the board in its annual note of 2021. The Government will review the Harbour Charter. "
        + _filler("Volunteer {i} cleared quay {i} at dawn."),
        "5. The Inquiry cited the Gull report on estuary shipping, published in 2018. The coast was quiet. "
        + _filler("Volunteer {i} painted jetty {i} at dusk."),
    ]
)


def test_sources_as_people_describe_them(tmp_path):
    """Descriptions a sentence apart, what a document is about, a chair's report, shortened words,
    titles, a noun on the other side, dates: each held when the index prints it so, and not otherwise."""
    for searcher in _indexed(tmp_path, {"harbour-response.txt": HARBOUR_RESPONSE}):
        vocab = vocabulary(searcher)

        def cover(question, vocab=vocab):
            return coverage(vocab, question_names(question), question=question)

        # several describing words within a sentence of each other ("triennial" ... "lifeboat stations")
        assert not vocab.near(["triennial", "lifeboat", "stations"], 8) and vocab.near(["triennial", "lifeboat", "stations"], 16)
        assert cover("What happened to the triennial audit of lifeboat stations?").missing == ()
        # further apart than a sentence: not that source ("peer" ... "lifeboat stations")
        assert not vocab.near(["peer", "lifeboat", "stations"], 16)
        question = "Which board carried out the peer review of lifeboat stations?"
        assert cover(question).missing == ("peer review of lifeboat stations",)
        # an indefinite article names no source: the question asks which one
        assert cover("Which board carried out a peer review of lifeboat stations?") == coverage(vocab, ())
        assert cover("What did a peer review of lifeboat stations find?").missing == ("peer review of lifeboat stations",)
        # a year among the describing words: as near as in the question ("2021" ... "lifeboat crews")
        assert vocab.near(["2021", "lifeboat", "crews"], 16) and not vocab.near(["2021", "lifeboat", "crews"], 8)
        assert cover("What did the 2021 review of lifeboat crews find?").missing == ("2021 review of lifeboat crews",)
        # one describing word: near the noun, or what a document with that noun on its cover is about
        assert vocab.subject_of_one("tide", "inquiry", 2) and not vocab.subject_of_one("tide", "audit", 2)
        assert not vocab.subject_of_one("tide", "inquiry", 10)  # and in more passages than in passing
        assert not vocab.near(["inquiry", "tide"], 5)
        assert cover("What did the tide inquiry find about sirens?") == coverage(vocab, ())
        assert cover("Tide inquiry response: when do sirens sound?") == coverage(vocab, ())  # a name by its place
        assert cover("What did the lifeboat inquiry find?").missing == ("lifeboat inquiry",)  # one passage of five
        # capitalised inside the question, it is a name: "the Tide Inquiry" is no description
        from inquire.query.coverage import _held_unprinted

        def held(question, name="Tide Inquiry", vocab=vocab):
            return _held_unprinted(vocab, name, ["tide", "inquiry"], ["tide"], 2, question)

        assert held("Tide Inquiry response: when do sirens sound?") and not held("What did the Tide Inquiry find?")
        assert cover("What did the 2019 inquiry find?").missing == ("2019 inquiry",)  # a year is no subject
        # a chair: printed in more passages than in passing, and once beside "Chairman"
        assert vocab.count("Reed report", 2) == 0 and vocab.authored(["reed"], 2)
        assert cover("What did the Reed report find about warnings?") == coverage(vocab, ())
        # a shortened word beside the name's other words ("Hep" of "Hepatitis"); a title is not the name
        assert cover("What did the Hep C Trust ask for?").missing == ()
        assert cover("What did the Hep Q Trust ask for?").missing == ("Hep Q Trust",)
        assert cover("What did Lady Reed find?").missing == () and cover("What did Lady Rede find?").missing == ("Lady Rede",)
        # but some title is printed before the name: "Lord Quay" is not the quay volunteers cleared
        assert vocab.prints("quay") and cover("What did Lord Quay find?").missing == ("Lord Quay",)
        # a word printed as itself is no shortening, unless of three letters: "Coast" is not "Coastal"
        assert vocab.prints("coast") and cover("What does the Coast Defences Act say?").missing == ("Coast Defences Act",)
        assert cover("What did the Hepa C Trust ask for?").missing == ()  # "hepa" is printed only as a beginning
        # the noun printed on the other side of the name: cited once, so in passing when asked about
        assert cover("Will the Coastal Defences Act review go ahead?").passing == ("Coastal Defences Act review",)
        assert cover("Will the Coastal Harbours Act review go ahead?").missing == ("Coastal Harbours Act review",)
        # the noun as a verb ("will review the Harbour Charter") is no such source
        assert cover("What did the Harbour Charter review find?").missing == ("Harbour Charter review",)
        # in passing only when asked what it found: when or by whom, the reports that cite it answer
        assert cover("What did the Gull report find?").passing == ("Gull report",)
        assert cover("When was the Gull report published?") == coverage(vocab, ())
        assert cover("What did the Gull report on estuary shipping find?").passing
        assert cover("When was the Gull report on estuary shipping published?") == coverage(vocab, ())
        assert cover("Recommendation 4: Gull report on estuary shipping") == coverage(vocab, ())
        # asked what it found, though by who or when, or for its own recommendation
        assert cover("Who did the Gull report criticise?").passing == ("Gull report",)
        assert cover("What is the status of recommendation 4 of the Gull report?").passing == ("Gull report",)
        assert cover("What is the status of recommendation 4.1 of the Gull report?").passing == ("Gull report",)
        assert cover("What is the status of the Gull report's recommendation 4?").passing == ("Gull report",)
        # a month shortened before a two-digit year or a day
        assert cover("What did the Dec '24 response say about sirens?").missing == ()
        assert cover("What did the Jan '24 response say about sirens?").missing == ("Jan 24",)
        # a verb ends a description ("... into the tide sirens hear ...")
        assert [shown for shown, _ in source_phrases("Did the inquiry into the tide sirens hear from residents?")] == [
            "inquiry into the tide sirens"
        ]
