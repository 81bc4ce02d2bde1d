from __future__ import annotations

import pytest
from inquire.query.understand import parse_query

from inquire.recnum import mentioned_recs, normalise_rec, rec_matches


@pytest.mark.parametrize(
    ("query", "recs", "wants"),
    [
        ("recommendation 7", ("7",), "recommendation"),
        ("rec 7", ("7",), "recommendation"),
        ("R7", ("7",), "recommendation"),
        ("What is recommendation 12 d-e?", ("12d-e",), "recommendation"),
        ("recommendation 4a) iv", ("4aiv",), None),
        ("What did the Law Commission say about recommendation 9", ("9",), "response"),
        ("ISVA single point of contact", (), None),
        ("What does recommendation 8 of the Infected Blood Inquiry say about testing?", ("8",), "recommendation"),
        ("What did the committee recommend about the media protocol?", (), "recommendation"),
        ("Has recommendation 4 been implemented?", ("4",), "response"),
        ("What does recommendation 6 of the Module 1 report require?", ("6",), "recommendation"),
        ("hr 7 forms", (), None),
        ("What did the UK Government say about recommendation 10a(ii) on funding charities?", ("10aii",), "response"),
        ("recommendation 12d-e", ("12d-e",), "recommendation"),
        ("rec 9e", ("9e",), "recommendation"),
        ("recommendation 4c(i-iii) healthcare regulation", ("4ci-iii",), None),
        ("recommendations 4(a) and 5 on candour", ("4a", "5"), None),
        ("recommendations 3, 5 and 7", ("3", "5", "7"), None),
        ("the 2023 recommendation 2023 figures", (), None),
    ],
)
def test_recommendation_references(query, recs, wants):
    intent = parse_query(query, responders=["Law Commission", "South Yorkshire Police"])
    assert intent.recommendations == recs and intent.wants == wants


def test_responders_and_documents_come_from_the_index():
    intent = parse_query(
        "what did the College of Policing and NPCC say in the grenfell response",
        responders=["College of Policing", "College of Policing and NPCC", "Home Office"],
        doc_aliases={"d1": {"grenfell"}, "d2": {"linden"}},
    )
    assert intent.responders == ("College of Policing and NPCC", "College of Policing")
    assert intent.docs == ("d1",)


def test_normalise_rec():
    assert normalise_rec("12 d-e") == "12d-e" and normalise_rec("4A)") == "4a"


@pytest.mark.parametrize(
    ("number", "wanted", "match"),
    [
        ("12 d-e", "12", True),
        ("4a iv", "4a", True),
        ("4a iv", "4", True),
        ("10a ii-iii", "10a(ii)", True),
        ("10a ii-iii", "10a i", False),  # roman numerals are not prefixes of each other
        ("10a i-iii", "10a i", True),
        ("123", "12", False),
        ("12", "12 d-e", False),
        ("12d", "12 d-e", True),  # a range stands for each number in it
        ("12e", "12d-e", True),
        ("12f", "12d-e", False),
        ("12 a-c", "12 d-e", False),
        ("10a ii-iii", "10a(iii)", True),
        ("10a iii", "10a ii-iii", True),
        ("4c ii", "4c(i-iii)", True),
    ],
)
def test_rec_matches(number, wanted, match):
    assert rec_matches(number, wanted) is match


def test_passages_that_name_recommendations():
    text = (
        "In addition, the UK Government accepted in full recommendation 10a(ii) to fund the charities, and "
        "recommendation 10a(iii). Recommendations 11 and 12 focus on inquiries (recommendation 4c(i-iii))."
    )
    assert mentioned_recs(text) == ("10aii", "10aiii", "11", "12", "4ci-iii")
    assert mentioned_recs("In 2023 the recommendation 2023 review") == ()
    assert mentioned_recs("recommendations 1, 2, 3, 4, 5, 6 and 7") == ()  # a list, not a discussion


def test_initialisms_name_responders_and_documents():
    from inquire.query.understand import title_initialisms

    assert title_initialisms("Government Response to the Infected Blood Inquiry") == {"ibi"}
    assert title_initialisms("UK Government Response to the Grenfell Tower Inquiry Phase 2 Report") == {"gti"}  # not "tip"
    aliases = {
        "iopc": {"iopc", "linden"},
        "council": {"rotherham", "south", "yorkshire", "linden", "syp"},
        "ibi": {"blood"} | title_initialisms("Government Response to the Infected Blood Inquiry"),
    }
    intent = parse_query("SYP response to IOPC recommendation 13", responders=["South Yorkshire Police"], doc_aliases=aliases)
    assert intent.responders == ("South Yorkshire Police",) and intent.docs == ("iopc",)
    # the responder's name is not evidence for the council report titled after it
    intent = parse_query(
        "Operation Linden R5 - what did the IOPC want South Yorkshire Police to do?",
        responders=["South Yorkshire Police"],
        doc_aliases=aliases,
    )
    assert intent.docs == ("iopc",) and intent.wants == "recommendation"
    assert parse_query("IBI rec 12 d-e PACAC review role", doc_aliases=aliases).docs == ("ibi",)


def test_responders_found_with_many_in_the_index_are_those_the_query_names():
    import re

    from inquire.query.understand import initialism, parse_query

    base = ["South Yorkshire Police", "College of Policing", "College of Policing and NPCC", "Home Office", "(PCC) office"]
    names = base + [f"{b} ({g})" for b in base for g in range(1, 400)]  # 2,000 responders

    def every_name_tested(query: str) -> list[str]:  # the rule, name by name
        low = query.lower()
        out = [
            n
            for n in names
            if re.search(rf"\b{re.escape(n.lower())}\b", low) or ((a := initialism(n)) and re.search(rf"\b{a}\b", low))
        ]
        return sorted(out, key=len, reverse=True)

    for query in (
        "What did the College of Policing and NPCC say?",
        "how did SYP respond to recommendation 7",
        "Home Office (12) reply",
        "what did the (pcc) office say",
        "nothing named here",
    ):
        assert list(parse_query(query, names).responders) == every_name_tested(query)
    assert parse_query("What did the College of Policing and NPCC say?", names).responders[:2] == (
        "College of Policing and NPCC",
        "College of Policing",
    )
