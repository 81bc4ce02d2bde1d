"""Publication date, publisher and printed page labels (indexer/docmeta.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inquire.indexer.docmeta import (
    cite_page,
    docmeta,
    is_folio,
    pdf_docmeta,
    pdf_page_labels,
    printed_folios,
    publication_date,
    publisher,
)
from inquire.indexer.ocr import tesseract_binary
from inquire.indexer.parse import parse

from inquire.paths import bundled_corpus_dir, corpora_dir
from inquire.records import Page

GOLDEN = json.loads((Path(__file__).parent / "golden" / "docmeta.json").read_text())["documents"]


def pages(*texts: str) -> list[Page]:
    return [Page(i + 1, t) for i, t in enumerate(texts)]


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("texts", "expected", "precision"),
    [
        (("Policy paper\nGovernment response to the review\nPublished 21 March 2024\nApplies to England",), "2024-03-21", "day"),
        (
            (
                "Publication\nThis Special Report, was Ordered by the House of Commons, on 1 July 2025, to be\nprinted. "
                "It was published on 3 July 2025 by authority of the House of\nCommons.",
            ),
            "2025-07-03",
            "day",
        ),
        (
            (
                "Cover",
                "Presented to Parliament\nby the Minister for the Cabinet Office\nby Command of His Majesty\n17 December 2024\n3",
            ),
            "2024-12-17",
            "day",
        ),
        (
            ("Presented to Parliament by the Deputy Prime Minister by Command of His Majesty\nFebruary 2025\nCP 1248",),
            "2025-02",
            "month",
        ),
        (("Ordered by the House of Commons to be printed \n18 July 2024",), "2024-07-18", "day"),
        (("ROTHERHAM METROPOLITAN BOROUGH COUNCIL\n\nDATE 07 APRIL 2022\n\nREPORT OF THE CHIEF",), "2022-04-07", "day"),
        (("Chief Constable's Office\n12 December 2024\n\nDear Chair,\n\nThank you for your letter.",), "2024-12-12", "day"),
        (("UK Covid-19 Inquiry\nModule 1\nA report by the Chair\nJuly 2024\nHC 18",), "2024-07", "month"),
    ],
)
def test_dates_from_the_text(texts, expected, precision):
    found = publication_date(pages(*texts), {"/CreationDate": "D:20200101000000"})
    assert found is not None and (found.value, found.precision, found.source) == (expected, precision, "text")


def test_another_documents_date_is_not_taken():
    # a response quoting when the report it answers was published, and a year in an Act's name
    text = (
        "Introduction\nOn 18 July 2024, the Inquiry published its Module 1 report.\nThe rapid review's final "
        "report was published on 28 June 2023.\nUnder the Inquiries Act 2005 the chair may ..."
    )
    assert publication_date(pages(text)) is None
    assert publication_date(pages(text), {"/CreationDate": "D:20250115111702Z00'00'"}).value == "2025-01-15"


def test_browser_print_date_is_not_a_publication_date():
    meta = {"/Producer": "Skia/PDF m142", "/CreationDate": "D:20251124201901+00'00'"}
    text = "11/24/25, 8:19 PM Government response - GOV.UK\nSome text without any date cue"
    assert publication_date(pages(text), meta) is None


def test_running_head_date():
    texts = [f"Briefing title\n{n} Commons Library Research Briefing, 5 June 2025\nBody text {n}." for n in range(1, 9)]
    found = publication_date(pages("Cover page", *texts))
    assert found is not None and found.value == "2025-06-05"


# ----------------------------------------------------------------------------- publisher


@pytest.mark.parametrize(
    ("text", "meta", "expected"),
    [
        ("Infected Blood Inquiry\nCommons Library Research Briefing, 5 June 2025", None, "House of Commons Library"),
        (
            "The Report\nInfected Blood Inquiry\nPresented to Parliament pursuant to section 26 of the Inquiries Act 2005.",
            None,
            "Infected Blood Inquiry",
        ),
        (
            "Government Response\nPresented to Parliament by the Secretary of State by Command of His Majesty\nMay 2025",
            None,
            "HM Government",
        ),
        (
            "Home Affairs Committee\nPolice response to the 2024 summer disorder\nSecond Report of Session",
            None,
            "Home Affairs Committee",
        ),
        (
            "Policy paper\nPublished 21 March 2024\nDepartment\nof Health &\nSocial Care\nContents",
            None,
            "Department of Health & Social Care",
        ),
        (
            "ROTHERHAM METROPOLITAN BOROUGH COUNCIL OVERVIEW AND SCRUTINY BOARD\nDATE 07 APRIL 2022",
            None,
            "Rotherham Metropolitan Borough Council",
        ),
        ("Some report", {"/Author": "UK Covid-19 Inquiry"}, "UK Covid-19 Inquiry"),
        ("Some report", {"/Author": "DUDDY, Claire"}, None),  # a person, not a publisher
        ("Recommendation 1\nThe IOPC recommends ...", None, None),
    ],
)
def test_publisher(text, meta, expected):
    assert publisher(pages(text), meta) == expected


# ----------------------------------------------------------------------------- page labels


def test_printed_folios_follow_the_run_and_ignore_stray_numbers():
    texts = ["Cover\nInquiries Act 2005"]
    texts += [
        f"Infected Blood Inquiry | The Report\n{n}Summary\nBody {n}."
        if n % 2
        else f"Infected Blood Inquiry | The Report\nSummary {n}\nBody text."
        for n in range(1, 9)
    ]
    texts += ["Chapter opener with no folio"]
    texts += [f"Running head\nBody\n{n}" for n in range(10, 13)]
    labels = printed_folios(pages(*texts))
    assert labels[0] is None  # the cover: "2005" is no folio
    assert labels[1:9] == [str(n) for n in range(1, 9)]  # PDF p. 2 prints 1
    assert labels[9] == "9"  # an unnumbered page inside the run takes its number
    assert labels[10:] == ["10", "11", "12"]


def test_footnote_numbers_are_not_folios():
    texts = [f"Report: Volume 1\n{k}.1 Paragraph text goes on here.\n{100 + k} [SUBS00000{k}] at [5/13]." for k in range(1, 12)]
    assert printed_folios(pages(*texts)) == [None] * 11


def test_browser_print_footer_and_roman_front_matter():
    web = [f"1/30/26, 9:31 PM Page title - GOV.UK\ntext\nhttps://www.gov.uk/x/y... {n}/4" for n in range(1, 5)]
    assert printed_folios(pages(*web)) == ["1", "2", "3", "4"]
    front = ["Title", "ii\nContents", "iii\nForeword", "iv\nSummary", "1\nIntroduction", "2\nMore", "3\nEnd"]
    assert printed_folios(pages(*front)) == [None, "ii", "iii", "iv", "1", "2", "3"]


def test_pdf_page_labels_drop_cover_labels(tmp_path):
    from pdfmaker import make_pdf
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle

    src = make_pdf(tmp_path / "a.pdf", [["cover"], ["front"], ["body one"], ["body two"]])
    writer = PdfWriter(clone_from=str(src))
    writer.set_page_label(0, 0, prefix="fc")  # InDesign-style cover label: no folio
    writer.set_page_label(1, 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(2, 3, style=PageLabelStyle.DECIMAL, start=1)
    out = tmp_path / "labelled.pdf"
    writer.write(str(out))
    assert pdf_page_labels(PdfReader(str(out))) == [None, "i", "1", "2"]
    assert pdf_page_labels(PdfReader(str(src))) is None  # no /PageLabels: the printed folios decide
    assert pdf_docmeta(out).page_labels == (None, "i", "1", "2")


def test_is_folio_and_citation_text():
    assert is_folio("12") and is_folio("iv") and is_folio("A-3")
    assert not is_folio("fci") and not is_folio("ibc3") and not is_folio("bc4")
    assert cite_page(22, "18") == "p. 18 (PDF p. 22)"
    assert cite_page(22, None) == "PDF p. 22"
    assert cite_page(5, "5") == "p. 5"
    assert cite_page(4, "4", ocr=True) == "p. 4 (OCR)"
    assert cite_page(None, None) == ""


def test_text_files_have_no_labels():
    meta = docmeta(parse(bundled_corpus_dir() / "rotherham-council-2022-04-07-syp-progress-report-operation-linden.txt").pages)
    assert meta.page_labels == ()
    assert meta.date is not None and meta.date.value == "2022-04-07"


# ----------------------------------------------------------------------------- golden: the 13 development documents


def _golden_paths() -> list[Path]:
    out = [bundled_corpus_dir() / name for name in GOLDEN if (bundled_corpus_dir() / name).exists()]
    root = corpora_dir()
    if root.is_dir():
        out += [p for p in sorted(root.rglob("*.pdf")) if p.name in GOLDEN]
    return out


GOLDEN_PATHS = _golden_paths()


@pytest.mark.corpora
@pytest.mark.parametrize("path", GOLDEN_PATHS, ids=[p.name for p in GOLDEN_PATHS])
def test_golden_docmeta(path: Path):
    expect = GOLDEN[path.name]
    if expect.get("ocr") and tesseract_binary() is None:
        pytest.skip("scanned PDF: reading it needs tesseract (apt-get install tesseract-ocr)")
    raw = parse(path)
    meta = pdf_docmeta(path, raw.pages) if raw.format == "pdf" else docmeta(raw.pages)
    assert (meta.date.value if meta.date else None) == expect["date"]
    assert meta.publisher in expect["publisher"]
    for page, label in expect["labels"].items():
        assert meta.page_labels[int(page) - 1] == label, f"PDF p. {page}"


def test_golden_covers_all_development_documents():
    assert len(GOLDEN) == 13
    if len(GOLDEN_PATHS) < 13:
        pytest.skip(f"only {len(GOLDEN_PATHS)} of the 13 documents are here (set INQUIRE_CORPORA)")
