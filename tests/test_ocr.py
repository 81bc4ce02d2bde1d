"""OCR of PDF pages without a text layer (indexer/ocr.py). The tests that run tesseract are
skipped where it is not installed (apt-get install tesseract-ocr); CI installs it."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from inquire.indexer import ocr
from inquire.indexer.parse import parse
from pdfmaker import make_pdf

from inquire.errors import ParseError
from inquire.records import Page

needs_tesseract = pytest.mark.skipif(
    ocr.tesseract_binary() is None, reason="tesseract is not installed (apt-get install tesseract-ocr)"
)


def make_scanned_pdf(path: Path, pages: list[list[str]], tmp: Path) -> Path:
    """A PDF whose pages are only images of text (no text layer), as a scanner makes them: each
    page of a text PDF is rendered at 150 dpi and embedded as a greyscale image."""
    import numpy as np
    import pypdfium2 as pdfium

    source = make_pdf(tmp / "source.pdf", pages)
    doc = pdfium.PdfDocument(str(source))
    images = []
    for i in range(len(doc)):
        pixels = np.ascontiguousarray(doc[i].render(scale=150 / 72, grayscale=True).to_numpy())
        images.append((pixels.shape[1], pixels.shape[0], zlib.compress(pixels.tobytes())))
    doc.close()
    objects: list[bytes] = [b"", b""]  # catalog and page tree, filled in below
    kids = []
    for width, height, data in images:
        img_id = len(objects) + 1
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
            b"/Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(data)) + data + b"\nendstream"
        )
        content = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (img_id + 1, img_id)
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


PAGES = [
    ["Recommendation 1", "The Government accepts this recommendation.", "", "", "1"],
    ["Recommendation 2", "The Department rejects this recommendation.", "", "", "2"],
]


@needs_tesseract
def test_scanned_pdf_is_read_by_ocr_with_page_numbers(tmp_path):
    pdf = make_scanned_pdf(tmp_path / "scan.pdf", PAGES, tmp_path)
    raw = parse(pdf)
    assert [p.number for p in raw.pages] == [1, 2]
    assert all(p.ocr for p in raw.pages)
    assert "accepts this recommendation" in raw.pages[0].text
    assert "rejects this recommendation" in raw.pages[1].text
    assert "Recommendation 2" not in raw.pages[0].text  # each page's own text, in order


def test_pages_with_text_or_no_ink_are_not_ocrd(tmp_path, monkeypatch):
    pdf = make_pdf(tmp_path / "text.pdf", [["Recommendation 1", "The Government accepts this recommendation."], []])
    called = []
    monkeypatch.setattr(ocr, "ocr_pages", lambda *a, **k: called.append(a) or {})
    raw = parse(pdf)
    assert called == []  # page 1 has a text layer, page 2 is blank: no OCR, no tesseract needed
    assert [p.ocr for p in raw.pages] == [False, False]


def test_missing_tesseract_is_a_one_line_error_with_the_fix(tmp_path, monkeypatch):
    pdf = make_scanned_pdf(tmp_path / "scan.pdf", PAGES[:1], tmp_path)
    monkeypatch.setattr(ocr, "tesseract_binary", lambda: None)
    with pytest.raises(ParseError) as err:
        parse(pdf)
    msg = str(err.value)
    assert "scan.pdf" in msg and "no text layer" in msg and "apt-get install tesseract-ocr" in msg and "\n" not in msg


def test_scanned_pages_need_ink(tmp_path):
    pdf = make_scanned_pdf(tmp_path / "scan.pdf", [PAGES[0], []], tmp_path)
    pages = [Page(1, ""), Page(2, "   ")]
    assert ocr.scanned_pages(pdf, pages) == [1]  # page 2 is an image of a blank page
    assert ocr.scanned_pages(pdf, [Page(1, "x" * 40), Page(2, "")]) == []


def test_page_ranges():
    assert ocr.page_ranges([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert ocr.page_ranges([4]) == "4"


@needs_tesseract
@pytest.mark.corpora
def test_post_office_response_is_read(tmp_path):
    from inquire.paths import corpora_dir

    pdf = corpora_dir() / "report-response-pairs" / "govt_response_post_office_horizon_inquiry_vol1.pdf"
    if not pdf.exists():
        pytest.skip(f"{pdf} is not here")
    raw = parse(pdf)
    assert len(raw.pages) == 16 and all(p.ocr for p in raw.pages)
    text = "\n".join(p.text for p in raw.pages)
    assert all(f"Recommendation {n}" in text for n in range(1, 20))
    assert "DBT rejects this recommendation" in raw.pages[11].text  # recommendation 13's answer, on PDF p. 12


def test_missing_tesseract_leaves_a_mostly_text_pdf_readable(tmp_path, monkeypatch):
    """A report whose text pages are fine but one page is an image: without tesseract that page
    stays empty (a warning), the rest is indexed; only a PDF with no text at all is refused."""
    from pypdf import PdfReader, PdfWriter

    text_pdf = make_pdf(tmp_path / "text.pdf", [["Recommendation 1", "The Government accepts this recommendation."]])
    scan_pdf = make_scanned_pdf(tmp_path / "scan.pdf", PAGES[1:], tmp_path)
    writer = PdfWriter()
    for src in (text_pdf, scan_pdf):
        for page in PdfReader(str(src)).pages:
            writer.add_page(page)
    mixed = tmp_path / "mixed.pdf"
    writer.write(str(mixed))
    monkeypatch.setattr(ocr, "tesseract_binary", lambda: None)
    raw = parse(mixed)
    assert "accepts this recommendation" in raw.pages[0].text
    assert raw.pages[1].text.strip() == "" and not raw.pages[1].ocr
