"""Cleaning on small synthetic documents: furniture, page numbers, hyphens, offsets, repeats."""

from __future__ import annotations

import random
import re
from pathlib import Path

from inquire.indexer.clean import clean_document

from inquire.records import Page, RawDocument

FILLER = (
    "The panel reviewed how the service handled reports from members of the public and found that "
    "records were often incomplete when cases moved between teams across the region"
)


def pdf(pages: list[str], first_number: int = 1) -> RawDocument:
    return RawDocument(
        path=Path("synthetic.pdf"),
        format="pdf",
        pages=tuple(Page(first_number + i, text) for i, text in enumerate(pages)),
    )


def txt(text: str) -> RawDocument:
    return RawDocument(path=Path("synthetic.txt"), format="txt", pages=(Page(None, text),))


def body_lines(tag: str, n: int = 6) -> list[str]:
    """Hard-wrapped prose lines of a typical width, different on every page (``tag``)."""
    words = (FILLER + " " + FILLER).split()
    random.Random(tag).shuffle(words)
    lines, cur = [], [tag]
    for w in words:
        if len(" ".join(cur + [w])) > 78:
            lines.append(" ".join(cur))
            cur = []
            if len(lines) == n:
                break
        cur.append(w)
    lines[-1] += "."
    return lines


def test_running_header_footer_and_page_numbers_removed():
    pages = []
    for i in range(1, 7):
        pages.append(
            "\n".join(
                ["Annual Report on Complaints 2024", f"Page {i} of 6"] + body_lines(f"alpha{i}") + ["Department of Examples"]
            )
        )
    clean = clean_document(pdf(pages))
    assert "Annual Report on Complaints" not in clean.text
    assert "Department of Examples" not in clean.text
    assert not re.search(r"Page \d of 6", clean.text)
    for i in range(1, 7):
        assert f"alpha{i}" in clean.text
    assert any("header" in note for note in clean.removed)


def test_bare_page_numbers_removed_but_numbers_in_text_kept():
    pages = ["\n".join([str(i + 2)] + body_lines(f"Beta{i}") + [f"There were {3 * i + 11} cases in total."]) for i in range(1, 6)]
    clean = clean_document(pdf(pages))
    # the printed numbers 3..7 (physical page + 2) are gone; numbers inside sentences stay, even
    # in a sentence repeated at the foot of every page (its number does not follow the page)
    assert not re.search(r"(?m)^\d+$", clean.text)
    assert [int(n) for n in re.findall(r"There were (\d+) cases in total\.", clean.text)] == [14, 17, 20, 23, 26]
    assert any("page numbers" in note for note in clean.removed)


def test_browser_print_header_and_footer_removed():
    pages = []
    for i in range(1, 5):
        pages.append(
            "\n".join(
                ["11/24/25, 8:19 PM Government response to the review - GOV.UK"]
                + body_lines(f"gamma{i}")
                + [f"https://www.gov.uk/government/publications/review-response/government-resp… {i}/4"]
            )
        )
    clean = clean_document(pdf(pages))
    assert "GOV.UK" not in clean.text and "https://" not in clean.text and "8:19" not in clean.text


def test_hyphenation_joined_only_where_the_document_says_so():
    page1 = "\n".join(
        body_lines("delta1", 3)
        + [
            "The force made an impor-",
            "tant change to how victims are updated and it is well-",
            "known that updates matter. This important change follows a well-known review.",
        ]
    )
    clean = clean_document(pdf([page1, "\n".join(body_lines("delta2"))]))
    assert "an important change" in clean.text  # "important" occurs elsewhere: the hyphen was a line break
    assert "well-known that updates" in clean.text  # "well-known" occurs elsewhere: a real compound
    assert "impor-" not in clean.text


def test_hard_wrapped_lines_unwrapped_into_paragraphs_with_bullets_kept():
    lines = body_lines("eps1", 4) + ["", "The review recommends:", "• regular training for staff", "• named contacts for victims"]
    clean = clean_document(pdf(["\n".join(lines), "\n".join(body_lines("eps2"))]))
    first_para = clean.text.split("\n\n")[0]
    assert "\n" not in first_para and first_para.startswith("eps1") and first_para.endswith(".")
    assert "\n• regular training for staff\n• named contacts for victims" in clean.text


def test_page_at_is_exact_after_cleaning():
    pages = []
    for i in range(1, 6):
        lines = ["Running Header Text", str(i)]
        lines += [line.replace("the", f"the{i}") for line in body_lines(f"page{i}")]
        pages.append("\n".join(lines))
    raw = pdf(pages, first_number=3)  # physical page numbers 3..7
    clean = clean_document(raw)
    seen = set()
    for m in re.finditer(r"\b(?:page|the)(\d)\b", clean.text):
        # every word that carries its page index lies on that page
        assert clean.page_at(m.start()) == int(m.group(1)) + 2
        assert clean.page_at(m.end() - 1) == int(m.group(1)) + 2
        seen.add(int(m.group(1)))
    assert seen == {1, 2, 3, 4, 5}
    offsets = [o for o, _ in clean.page_starts]
    assert offsets == sorted(set(offsets))
    assert clean.page_span(0, len(clean.text)) == (3, 7)


def test_repeated_block_kept_once_and_marked():
    block = "\n".join(
        f"Term {k} means a thing that the complaints system uses when dealing with a case of type {k}." for k in range(8)
    )
    text = f"Intro line\n\n{block}\n\nFirst real paragraph.\n\n{block}\n\nSecond real paragraph.\n\n{block}\n"
    clean = clean_document(txt(text))
    assert clean.text.count("Term 3 means") == 1
    assert "First real paragraph." in clean.text and "Second real paragraph." in clean.text
    assert len(clean.regions) == 1
    s, e, kind = clean.regions[0]
    assert kind == "repeated-block" and clean.text[s:e].startswith("Term 0 means") and clean.text[s:e].endswith("type 7.")
    assert any("repeated block" in note for note in clean.removed)


def test_scrape_placeholders_and_block_names_removed():
    text = (
        "User Bar First\n\nThis is a debugging block\n\nReal heading\n\nReal content sentence.\n\n"
        "Postscript First\n\nThis is a debugging block\n\nPostscript Second\n"
    )
    clean = clean_document(txt(text))
    assert clean.text == "Real heading\n\nReal content sentence."


def test_one_word_per_line_page_rejoined():
    words = (
        "The Government accepts this recommendation in full and will report progress to "
        "Parliament within twelve months of the publication of this response ."
    ).split()
    page = "\n".join(words * 3 + ["15"])
    clean = clean_document(pdf([page, page.replace("15", "16"), page.replace("15", "17")], first_number=15))
    assert "The Government accepts this recommendation in full and will report progress" in clean.text
    assert "response." in clean.text
    assert not re.search(r"\b1[567]\b", clean.text)


def test_identical_heading_under_running_header_kept_once():
    pages = []
    for i in range(1, 5):
        head = ["Chapter 2: Action taken"] + (["Chapter 2: Action taken"] if i == 1 else [])
        pages.append("\n".join(head + body_lines(f"Zeta{i}")))
    clean = clean_document(pdf(pages))
    assert clean.text.count("Chapter 2: Action taken") == 1
    assert clean.text.startswith("Chapter 2: Action taken\n\nZeta1")


def test_footnotes_move_after_the_body_and_keep_their_page():
    p1 = body_lines("eta1", 5)
    p1[2] = p1[2] + " as reported.12"
    p1[-1] = p1[-1].rstrip(".") + " and the sentence runs on"  # continues on the next page
    p1 += ["12 Home Office, Annual data release, 2024", "13 Ibid."]
    p2 = ["to the next page.13"] + body_lines("eta2")
    clean = clean_document(pdf(["\n".join(p1), "\n".join(p2)], first_number=7))
    # the page-7 paragraph continues straight into page 8: no footnotes in between
    assert "the sentence runs on to the next page.13" in clean.text
    assert clean.text.endswith("12 Home Office, Annual data release, 2024\n13 Ibid.")
    ((s, e, kind),) = [r for r in clean.regions if r[2] == "footnotes"]
    assert clean.text[s:e] == "12 Home Office, Annual data release, 2024\n13 Ibid."
    assert clean.page_at(s) == clean.page_at(e - 1) == 7  # cited on the page that printed them
    assert clean.page_at(clean.text.index("eta2")) == 8
    assert any("footnote blocks moved after the body: 1" in n for n in clean.removed)


def test_contents_entries_are_not_footnotes():
    # "1.2" reads like a glued footnote marker 2, and "2 Recommendations ..." like footnote 2
    toc = [
        "Contents",
        "Summary 5",
        "The Infected Blood Inquiry 5",
        "1 Background to the public inquiry 8",
        "1.1 What was infected blood? 8",
        "1.2 The Infected Blood Inquiry 9",
        "2 Recommendations of the inquiry 12",
        "3 Response to the inquiry report 26",
    ]
    clean = clean_document(pdf(["\n".join(toc), "\n".join(body_lines("eta2")), "\n".join(body_lines("eta3"))]))
    assert not any(kind == "footnotes" for _, _, kind in clean.regions)
    assert clean.text.index("2 Recommendations of the inquiry 12") < clean.text.index("eta2")


def test_text_files_keep_their_lines():
    text = "Heading\n\nFirst paragraph line one.\nSecond line.\n\n\n\nLast paragraph.\n"
    clean = clean_document(txt(text))
    assert clean.text == "Heading\n\nFirst paragraph line one.\nSecond line.\n\nLast paragraph."
    assert clean.page_starts == ((0, None),)


def test_short_notes_citing_evidence_are_a_footnote_block():
    from inquire.indexer.clean.furniture import find_footnotes

    page = [
        "Forces stressed the burden of intelligence sharing.56 They said verification was hard.57",
        "Forces particularly stressed the burden of verification on social",
        "",
        "56 Qq74, 20",
        "57 Qq16, 20",
    ]
    assert find_footnotes(page) == 3
    # a contents list's entries (a title, then its page) are not notes
    toc = ["Contents", "Summary of the report 3", "1 Introduction 5", "2 Recommendations of the inquiry 12"]
    assert find_footnotes(toc) is None
