from __future__ import annotations

import pytest

from query.understand import normalise_rec, parse_query


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
