"""The recommendation-number grammar (inquire.recnum): every printed form the old copies handled
(text.py, the structure helpers, the golden scorer, linking's reference pattern), read, normalised,
labelled, matched and covered one way."""

from __future__ import annotations

import re

import pytest

from inquire.recnum import (
    MAX_MENTIONS,
    REC_NUMBER,
    common_label,
    covers,
    label,
    label_key,
    label_parts,
    mentioned_recs,
    normalise_rec,
    rec_matches,
    roman,
)

# printed form -> (key, the label's parts)
PRINTED = {
    "7": ("7", ("7",)),
    "9e": ("9e", ("9", "e")),
    "4a) iv": ("4aiv", ("4", "a", "iv")),
    "12 d-e": ("12d-e", ("12", "d-e")),
    "12d-e": ("12d-e", ("12", "d-e")),
    "4(a)": ("4a", ("4", "a")),
    "4a(iv)": ("4aiv", ("4", "a", "iv")),
    "10a(ii)": ("10aii", ("10", "a", "ii")),
    "4c(i-iii)": ("4ci-iii", ("4", "c", "i-iii")),
}


@pytest.mark.parametrize("printed", sorted(PRINTED))
def test_every_printed_form_is_read_whole_and_normalised(printed):
    key, parts = PRINTED[printed]
    assert re.fullmatch(REC_NUMBER, printed)
    assert re.search(rf"recommendation ({REC_NUMBER})", f"see recommendation {printed} above").group(1) == printed
    assert normalise_rec(printed) == key
    # the printed form, its label and its key are one number
    lab = label(*parts)
    assert normalise_rec(lab) == key
    assert rec_matches(printed, lab) and rec_matches(lab, printed)
    assert label_parts(lab) == parts


def test_normalise_rec():
    assert normalise_rec("4A)") == "4a" and normalise_rec(" 7 ") == "7" and normalise_rec("12 D-E") == "12d-e"


def test_a_number_is_not_read_out_of_a_longer_one():
    assert not re.fullmatch(REC_NUMBER, "1234")
    assert re.match(REC_NUMBER, "123").group(0) == "123"
    assert mentioned_recs("recommendation 2023 review") == ()


def test_lists_and_ranges_in_a_passage():
    # the sentence on which linking's old pattern (3 and 12) and the stored mentions (3, 4, 12d-e) disagreed
    assert mentioned_recs("recommendations 3 and 4, and recommendation 12 d-e") == ("3", "4", "12d-e")
    assert mentioned_recs("Recommendations 4a) iv & 10a(ii) or 4c(i-iii) are accepted") == ("4aiv", "10aii", "4ci-iii")
    assert mentioned_recs("recommendation 7 and recommendation 7") == ("7",)  # first mention only
    assert mentioned_recs("no numbers here, just a recommendation") == ()
    # a passage naming more than MAX_MENTIONS is a list (a table, a contents page), not a discussion
    many = ", ".join(str(n) for n in range(1, MAX_MENTIONS + 2))
    assert mentioned_recs(f"recommendations {many}") == ()
    assert len(mentioned_recs(f"recommendations {', '.join(str(n) for n in range(1, MAX_MENTIONS + 1))}")) == MAX_MENTIONS


@pytest.mark.parametrize(
    ("number", "wanted", "match"),
    [
        ("10a i", "10a ii", False),  # roman numerals are not prefixes of each other
        ("10a ii", "10a i", False),
        ("10a ii", "10a(ii)", True),
        ("123", "12", False),  # 12 is not the start of 123
        ("12", "123", False),
        ("12a", "12", True),
        ("4a iv", "4a) iv", True),
        ("4a iv", "4", True),
        ("4a", "4a iv", False),  # a parent is not one of its parts
        ("4b", "4a", False),
        ("12d", "12 d-e", True),  # a range stands for each number in it
        ("12f", "12d-e", False),
        ("12 d-e", "12", True),
        ("10a iii", "10a ii-iii", True),
        ("10a iv", "10a ii-iii", False),
        ("4c ii", "4c(i-iii)", True),
        ("12 a-c", "12 d-e", False),
    ],
)
def test_rec_matches(number, wanted, match):
    assert rec_matches(number, wanted) is match


def test_roman_numerals():
    assert [roman(x) for x in ("i", "ii", "iii", "iv", "v", "ix", "x", "xv")] == [1, 2, 3, 4, 5, 9, 10, 15]
    assert roman("IV") == 4
    assert roman("iiii") == 0 and roman("xvi") == 0 and roman("") == 0 and roman("a") == 0


def test_labels():
    assert label("7") == "7" and label(" 7 ") == "7"
    assert label("4", "A") == "4a" and label("4", "a", "IV") == "4a iv"
    assert label("12", "d-e") == "12 d-e" and label("4", "c", "i-iii") == "4c i-iii"
    assert label_parts("4a (i-iii)") == ("4", "a", "i-iii")  # as a hand-written golden file prints it
    assert label_parts("9a - c") == ("9", "a-c")
    assert label_parts("Annex B") == ("Annex B",)  # not a label: one part, itself


def test_label_order():
    labels = ["12 d-e", "10", "4a iv", "2", "4b", "4a ii", "4", "4a", "Annex"]
    assert sorted(labels, key=label_key) == ["2", "4", "4a", "4a ii", "4a iv", "4b", "10", "12 d-e", "Annex"]
    assert label_key("4a ii-iv") == label_key("4a ii")  # a range sorts by its first member


def test_common_label_of_numbers_answered_together():
    assert common_label(["4a"]) == "4a"
    assert common_label(["2a", "2b", "2c"]) == "2 a-c"  # all of 2's parts: each named
    assert common_label(["7b", "7c", "7d", "7e"]) == "7 b-e"
    assert common_label(["4a iv", "4a v"]) == "4a iv-v"
    assert common_label(["4a i", "4a ii", "4a iii", "4a iv", "4a v"]) == "4a i-v"
    assert common_label(["3", "5"]) == "3-5"  # nothing shared


@pytest.mark.parametrize(
    ("response", "recommendation", "covered"),
    [
        ("5", "5b", True),
        ("12 a-c", "12b", True),
        ("12 a-c", "12d", False),
        ("4a", "4a iv", True),
        ("4a i-iii", "4a ii", True),
        ("4a (i-iii)", "4a iii", True),
        ("4a i-iii", "4a iv", False),
        ("1", "12", False),
        ("12", "123", False),
        ("5b", "5", False),  # a part does not answer the whole
        (None, "5", False),
        ("", "5", False),
    ],
)
def test_covers(response, recommendation, covered):
    assert covers(response, recommendation) is covered


def test_paragraph_numbered_recommendations():
    # "8.1" ... "8.33": a chapter's conclusions and recommendations numbered by paragraph
    assert re.findall(REC_NUMBER, "see recommendation 8.1. Then 12.") == ["8.1", "12"]
    assert label_parts("8.1") == ("8.1",) and label_parts("4a.") == ("4", "a")
    assert label_key("8.9") < label_key("8.10") < label_key("9")
    assert rec_matches("8.1", "8") and rec_matches("8.4", "8.4")
    assert not rec_matches("8.10", "8.1") and not rec_matches("8.1", "8.10")
    assert rec_matches("8.3-8.4", "8.4") and not rec_matches("8.3-8.4", "8.5")
    assert mentioned_recs("recommendations 8.3 and 8.4") == ("8.3", "8.4")
