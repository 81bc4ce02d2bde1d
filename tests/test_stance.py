"""Stance of a response, with the sentence that states it (indexer/stance.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inquire.indexer.clean import clean_document
from inquire.indexer.parse import parse
from inquire.indexer.stance import (
    ACCEPTED,
    CONSIDERING,
    IN_PART,
    IN_PRINCIPLE,
    NOT_ACCEPTED,
    NOT_FOR_US,
    NOTED,
    STANCES,
    classify,
    column_table_stances,
    covers,
    find_stances,
    numbers_named,
    same_body,
    sentence_spans,
    split_bodies,
    summary_list_stances,
)

from inquire.paths import bundled_corpus_dir, corpora_dir

GOLDEN = json.loads((Path(__file__).parent / "golden" / "stance.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Government accepts this recommendation.", ACCEPTED),
        ("Accept in full", ACCEPTED),
        ("Recommendation accepted\n\nDBT accepts this recommendation and has fulfilled it.", ACCEPTED),
        ("This recommendation is accepted in principle.", IN_PRINCIPLE),
        (
            "The government accepts this recommendation in principle. We do not believe it is appropriate for the regulator to test.",
            IN_PRINCIPLE,
        ),
        ("We partially accept this recommendation.", IN_PART),
        ("The Department accepts the recommendation in part: the second half is already law.", IN_PART),
        ("We do not accept this recommendation.", NOT_ACCEPTED),
        ("The Government rejects recommendation 4 as it conflicts with the principle of fair redress.", NOT_ACCEPTED),
        ("Recommendation rejected", NOT_ACCEPTED),
        ("The Government notes this recommendation.", NOTED),
        ("Recommendation acknowledged\n\nWe see clear advantages.", NOTED),
        ("This recommendation is a matter for NHS England, which commissions these services.", NOT_FOR_US),
        ("Decisions have not been taken yet and proposals will continue to be considered.", CONSIDERING),
        ("The Northern Ireland Executive is currently considering its position.", CONSIDERING),
        ("The government supports the recommendation that providers should have access to digital platforms.", ACCEPTED),
        ("The government supports this recommendation made towards local authorities.", ACCEPTED),
        ("London Fire Brigade accepts all the recommendations relevant to them, including this one.", ACCEPTED),
    ],
)
def test_stated_stances(text, expected):
    got = classify(text)
    assert got is not None and got.stance == expected
    assert text[got.start : got.end] == got.sentence  # the stating sentence, quotable by offsets


@pytest.mark.parametrize(
    "text",
    [
        # accepting a fact or a finding is not accepting the recommendation
        "South Yorkshire Police absolutely accept that during the period the processes were ineffective.",
        "The government accepts all of the Inquiry's findings and the problems which must be fixed.",
        # conditionals, other people's reluctance, other bodies' recommendations, quoted recommendation text
        "If Parliament is minded to accept these recommendations, it might be appropriate for a new committee to act.",
        "Linked to this was a reluctance to accept the financial recommendations.",
        "If the government decides not to accept a recommendation, it should record its reasons for doing so.",
        "The government notes the recommendation of the House of Lords Committee to establish a new committee.",
        "It was agreed that the panel would adopt a general approach.",
        "We hope it will be agreed within the first half of next year.",
        # actions and descriptions: no stance stated
        "The Home Secretary has agreed to provide police forces with £28.3 million of funding.",
        "Decisions about police recruitment are a matter for Chief Constables and Police and Crime Commissioners.",
        "It is for Chief Constables to make decisions, including how best to allocate resources.",
        "The force will build on this work and continue to raise awareness of CSE in the community.",
        "Does the Government accept this recommendation?",
    ],
)
def test_no_stance_is_invented(text):
    assert classify(text) is None


def test_the_recommendation_a_sentence_names():
    text = (
        "Recommendations 12) a-c) are accepted in full by the UK Government.\n"
        "Recommendations 12) d-e) are accepted in principle by the UK Government.\n"
    )
    assert classify(text, responder="UK Government", number="12b").stance == ACCEPTED
    assert classify(text, responder="UK Government", number="12e").stance == IN_PRINCIPLE
    assert numbers_named("the principles behind recommendations 12d/12e, and") == ("12d", "12e")
    assert numbers_named("on recommendation 4a) iv. in the context") == ("4a iv",)
    assert numbers_named("In line with recommendations 9 and 10 of the Second Interim Report") == ()


def test_each_body_gets_its_own_stance():
    text = (
        "These recommendations are accepted in full by the UK Government and the Welsh Government. They are accepted in "
        "principle by the Scottish Government and Northern Ireland Executive.\n\n"
        "UK Government\n\nWork is under way.\n"
    )
    assert classify(text, responder="UK Government").stance == ACCEPTED
    assert classify(text, responder="Welsh Government").stance == ACCEPTED
    assert classify(text, responder="Scottish Government").stance == IN_PRINCIPLE
    assert classify(text, responder="NI Executive").stance == IN_PRINCIPLE
    both = "The Scottish Government accepts this recommendation in full, and the Welsh Government and Northern Ireland Executive accept this recommendation in principle."
    assert classify(both, responder="Scottish Government").stance == ACCEPTED
    assert classify(both, responder="Northern Ireland Executive").stance == IN_PRINCIPLE


def test_a_body_the_text_never_names_gets_none():
    text = (
        "These recommendations are accepted in principle by the UK Government, the Scottish Government and the Welsh "
        "Government.\n\nUK Government\n\nWith patient safety at the forefront of our minds, we accept this recommendation in principle.\n\n"
        "In Northern Ireland, the Department of Health is currently considering its position on recommendation 4a) iv. in the "
        "context of its work programme.\n"
    )
    assert classify(text, responder="Northern Ireland Executive", number="4a iv").stance == CONSIDERING
    assert classify(text, responder="Northern Ireland Executive", number="4a v") is None
    assert classify(text, responder="Welsh Government", number="4a v").stance == IN_PRINCIPLE


def test_weak_evidence_only_when_nothing_is_stated():
    agree = "The government agrees that clear governance is needed to build resilience across the UK.\n\nWe will look to rationalise groups."
    got = classify(agree, responder="UK Government")
    assert got.stance == ACCEPTED and got.kind == "implied"
    partly = (
        "The government agrees with the Inquiry's insights.\n\nHowever, all governments agree that a single UK-wide strategy "
        "would be unwieldy and would not be appropriate given devolution."
    )
    assert classify(partly).stance == IN_PART
    stated = "The government accepts this recommendation.\n\nWe will consider how to most effectively protect the profession."
    assert classify(stated).stance == ACCEPTED  # the stated stance wins over "will consider how"


def test_sentences_of_wrapped_pdf_text():
    text = (
        "This recommendation is accepted in full by the UK Government\nThe behaviour of those who allowed this scandal "
        "to be\nperpetuated fell short of the standards which the public rightly expects, particularly of\nthose in healthcare."
    )
    spans = sentence_spans(text)
    assert text[spans[0][0] : spans[0][1]] == "This recommendation is accepted in full by the UK Government"


def test_covers_and_bodies():
    assert covers("12 a-c", "12b") and covers("4a", "4a iv") and covers("4", "4c ii")
    assert not covers("4a iv", "4a v") and not covers("4a iv", "4a") and not covers("4a i-iii", "4a iv-v")
    assert split_bodies("the UK Government, the Scottish Government and the Welsh Government") == (
        "UK Government",
        "Scottish Government",
        "Welsh Government",
    )
    assert len(split_bodies("His Majesty's Inspectorate of Constabulary and Fire and Rescue Services (HMICFRS)")) == 1
    assert same_body("HMICFRS", "His Majesty's Inspectorate of Constabulary and Fire and Rescue Services (HMICFRS)")
    assert same_body("NFCC", "National Fire Chiefs Council") and same_body("NI Executive", "Northern Ireland Executive")
    assert same_body("the government", "UK Government") and not same_body("Scottish Government", "Welsh Government")


def test_summary_list_with_exceptions():
    text = (
        "Approach taken Recommendation\nAccepting in full\nRecommendation 1\nRecommendation 4c) i) (accepted in principle by "
        "Scottish Government and NI Executive)\nRecommendation 4e)\nAccepting in principle\nRecommendation 5\n"
        "Recommendation 9) (accepted in full by Scottish Government)\nApproach taken Recommendation\nNot accepting None\n"
    )
    got = {(t.number, t.body, t.stance) for t in summary_list_stances(text)}
    assert got == {
        ("1", None, ACCEPTED),
        ("4c i", None, ACCEPTED),
        ("4c i", "Scottish Government", IN_PRINCIPLE),
        ("4c i", "NI Executive", IN_PRINCIPLE),
        ("4e", None, ACCEPTED),
        ("5", None, IN_PRINCIPLE),
        ("9", None, IN_PRINCIPLE),
        ("9", "Scottish Government", ACCEPTED),
    }
    # the same list with its lines joined (as cleaning may leave it)
    assert {(t.number, t.body, t.stance) for t in summary_list_stances(text.replace("\n", " "))} == got


def test_column_table_with_blank_cells_and_a_legend():
    layout = [
        " Recommendation                      UK          Scottish      Welsh        Northern\n"
        "                                     Government  Government    Government   Ireland\n"
        "                                                                            Executive\n"
        " 4a (iv-v) Extend a statutory duty   P           P             P\n"
        " of candour to NHS leaders\n"
        " 7a (ii) In Scotland, Wales and                  F             P            P\n"
        " 5a Consider if existing duties      P\n",
        " 12d-e The committee should          P\n"
        " Source: the response. F = accepts in full; P = accepts in principle; F/P = different responses to different parts.\n",
    ]
    got = {(t.number, t.body, t.stance) for t in column_table_stances(layout)}
    assert got == {
        ("4a iv-v", "UK Government", IN_PRINCIPLE),
        ("4a iv-v", "Scottish Government", IN_PRINCIPLE),
        ("4a iv-v", "Welsh Government", IN_PRINCIPLE),
        ("7a ii", "Scottish Government", ACCEPTED),
        ("7a ii", "Welsh Government", IN_PRINCIPLE),
        ("7a ii", "Northern Ireland Executive", IN_PRINCIPLE),
        ("5a", "UK Government", IN_PRINCIPLE),
        ("12 d-e", "UK Government", IN_PRINCIPLE),
    }


def test_golden_file_is_well_formed():
    docs = GOLDEN["documents"]
    assert len(docs) == 13
    for name, spec in docs.items():
        for e in spec["responses"]:
            assert e["stance"] in STANCES or e["stance"] is None, name
            assert (e["stance"] is None) == (e["sentence"] is None), (name, e["recs"])
            assert e["text_from"] and e["responder"]


def test_bundled_corpus_against_golden():
    """The bundled Operation Linden page: 13 responses, two of which state a stance."""
    name = "iopc-operation-linden-recommendations-and-responses.txt"
    clean = clean_document(parse(bundled_corpus_dir() / name))
    text = clean.text
    pos = 0
    for e in GOLDEN["documents"][name]["responses"]:
        start = text.index(e["text_from"], pos)
        end = text.index(e["text_until"], start + 1) if e["text_until"] else len(text)
        pos = start
        got = classify(text[start:end], responder=e["responder"], number=e["recs"][0])
        assert (got.stance if got else None) == e["stance"], e["recs"]
        if got:
            assert any(got.sentence.startswith(s) for s in e["sentence"])
    council = clean_document(
        parse(bundled_corpus_dir() / "rotherham-council-2022-04-07-syp-progress-report-operation-linden.txt")
    )
    assert [s for s in find_stances(council.text) if s.kind != "implied"] == []


@pytest.mark.corpora
def test_golden_pdfs_score_at_least_ninety_percent():
    """scripts/stance_report.py's measure on the PDFs that need no OCR: >= 90% of stated stances
    right and no stance invented for a response that states none."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import stance_report

    root = corpora_dir()
    if not root.is_dir():
        pytest.skip(f"no corpora under {root}")
    golden = {
        **GOLDEN,
        "documents": {
            k: v for k, v in GOLDEN["documents"].items() if v["responses"] and not k.startswith("govt_response_post_office")
        },
    }
    rows, _ = stance_report.score_responses(golden, root)
    total = stance_report.summarise(rows)
    assert total["errors"] == 0
    assert total["accuracy"] >= 0.9, total
    assert total["invented"] == 0, [r for r in rows if not r.get("gold") and r.get("got")]


def test_an_office_holder_under_a_body_heading_speaks_for_that_body_not_for_the_document():
    from inquire.indexer.stance import classify

    text = (
        "These recommendations are accepted in principle.\n\nWelsh Government\n\n"
        "The First Minister will be considering several revisions to the Welsh Ministerial Code in the coming months "
        "which will include this issue.\n"
    )
    welsh = classify(text, responder="Welsh Government", number="5a")
    assert welsh is not None and welsh.stance == "under consideration" and welsh.bodies == ("Welsh Government",)
    own = classify(text, responder="Government", number="5a")  # the document's own voice, not a named government
    assert own is not None and own.stance == "accepted in principle"
