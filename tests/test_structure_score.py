"""The structure scorer (inquire.evaluation.structure_score) and the golden files it reads.

Fast: no PDF is parsed. The range rule is strict: a response labelled "5a-c" answers 5a, 5b and 5c; one
labelled "5" does not answer "5a" (the lenient rule, which the old scorer used, hid that the tracker showed
no response under rec 5a)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from inquire.evaluation.structure_score import covers_lenient, expand, names, score_structure

GOLDEN = Path(__file__).resolve().parent / "golden" / "structure"


@pytest.mark.parametrize(
    ("label", "leaves"),
    [
        ("12 a-c", {"12a", "12b", "12c"}),
        ("12) d-e)", {"12d", "12e"}),
        ("5a-c", {"5a", "5b", "5c"}),
        ("4a i-iii", {"4ai", "4aii", "4aiii"}),
        ("10a ii-iii", {"10aii", "10aiii"}),
        ("4a) iv", {"4aiv"}),
        ("7-9", {"7", "8", "9"}),
        ("8.1-8.3", {"8.1", "8.2", "8.3"}),
        ("Recommendation 2018/006", {"2018/006"}),
        ("R/2023/220", {"r/2023/220"}),
        ("5", {"5"}),
    ],
)
def test_expand(label, leaves):
    assert expand(label) == leaves


def test_strict_range_rule():
    assert names("Recommendations 5a-c", "5b")
    assert names("12 a-c", "12c") and not names("12 a-c", "12d")
    assert names("4a iv-v", "4a v") and not names("4a iv-v", "4a iii")
    assert not names("5", "5a")  # a parent label does not name its parts
    assert covers_lenient("5", "5a") and covers_lenient("4c", "4c ii")  # the old rule did
    assert not names(None, "5") and not names("12 a-c", "12")


@dataclass(frozen=True)
class _Rec:
    number: str
    page_start: int | None = None
    page_end: int | None = None


@dataclass(frozen=True)
class _Resp:
    recommendation: str | None
    responder: str | None
    page_start: int | None = None
    page_end: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class _Structure:
    recommendations: tuple
    responses: tuple


GOLD = {
    "recommendations": ["5a", "5b", "5c", "6"],
    "responders": {},
    "items": [
        {"number": "5a", "page": 3},
        {"number": "5b", "page": 3},
        {"number": "5c", "page": 3},
        {"number": "6", "page": 9, "also_printed": [2]},
    ],
    "responses": [
        {"answers": ["5a", "5b", "5c"], "page": 4, "responder": "UK Government", "first_words": "These are accepted"},
        {"answers": ["6"], "page": 10, "responder": "Home Office", "first_words": None},
    ],
}


def test_a_parent_label_is_a_miss_and_the_lenient_figure_shows_it():
    recs = tuple(_Rec(n, 3, 3) for n in ("5a", "5b", "5c")) + (_Rec("6", 2, 2),)
    resp = (_Resp("5", "UK Government", 4, 4, "These are accepted in full."), _Resp("6", "Home Office", 10, 10))
    out = score_structure(_Structure(recs, resp), GOLD)
    assert out["recommendations"]["matched"] == 4 and out["recommendations"]["spurious"] == 0
    assert out["recommendations"]["pages"] == {"canonical": 3, "other printing": 1}
    assert out["responses"]["found"] == 1 and out["responses"]["missed"] == ["5a@p4", "5b@p4", "5c@p4"]
    assert out["responses_lenient"]["found"] == 4


def test_a_range_label_answers_every_part_and_a_duplicate_printing_is_spurious():
    recs = tuple(_Rec(n, 3, 3) for n in ("5a", "5b", "5c", "6")) + (_Rec("6", 9, 9),)
    resp = (_Resp("5 a-c", "UK Government", 4, 5, "These are accepted in principle."),)
    out = score_structure(_Structure(recs, resp), GOLD)
    assert out["recommendations"]["spurious"] == 1  # 6 found twice: one printing is canonical, the other spurious
    assert out["responses"]["found"] == 3 and out["responses"]["responder_ok"] == 3
    assert out["responses"]["missed"] == ["6@p10"]


def test_a_response_without_its_answering_sentence_does_not_count():
    """Reading order: the response filed under 9 lacks the acceptance sentence (it went to 8)."""
    gold = dict(GOLD, responses=[{"answers": ["6"], "page": 10, "responder": "Home Office", "first_words": "We agree"}])
    resp = (_Resp("6", "Home Office", 10, 10, "Red teams are one of many ways."),)
    out = score_structure(_Structure((_Rec("6", 9, 9),), resp), gold)
    assert out["responses"]["found"] == 0 and out["responses"]["spurious"] == 1


def _goldens():
    return sorted(GOLDEN.glob("*.json"))


@pytest.mark.parametrize("path", _goldens(), ids=lambda p: p.stem)
def test_golden_files_are_consistent(path):
    data = json.loads(path.read_text())
    assert isinstance(data["recommendations"], list) and "thresholds" in data
    items = data.get("items")
    if items is None:
        return
    assert [i["number"] for i in items] == data["recommendations"]
    spellings = {i["number"] for i in items} | {a for i in items for a in i.get("aliases", [])}
    for block in data.get("responses", []):
        assert block["answers"] and set(block["answers"]) <= spellings, block
        assert block["responder"]
        assert block.get("page") is None or isinstance(block["page"], int)
    for number in data.get("responders", {}):
        assert number in spellings
