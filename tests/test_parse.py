from __future__ import annotations

from pathlib import Path

import pytest
from inquire.indexer.parse import parse
from pdfmaker import make_pdf

from inquire.errors import ParseError, UnsupportedFormat

BAD = Path(__file__).parent / "data" / "bad"


def test_text_file_is_one_page_without_number(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Recommendation 1\r\nThe IOPC recommends things.\n", encoding="utf-8")
    raw = parse(p)
    assert raw.format == "txt"
    assert [pg.number for pg in raw.pages] == [None]
    assert "\r" not in raw.pages[0].text


def test_pdf_keeps_physical_page_numbers(tmp_path):
    pdf = make_pdf(tmp_path / "r.pdf", [["First page text."], ["Second page about ISVA."], ["Third."]])
    raw = parse(pdf)
    assert raw.format == "pdf"
    assert [pg.number for pg in raw.pages] == [1, 2, 3]
    assert "ISVA" in raw.pages[1].text and "ISVA" not in raw.pages[0].text


def test_html_drops_scripts_and_navigation(tmp_path):
    p = tmp_path / "r.html"
    p.write_text(
        "<html><head><title>Report</title><script>var x=1;</script></head><body><nav>Home | About</nav>"
        "<h2>Recommendation 3</h2><p>The IOPC recommends &amp; asks.</p></body></html>",
        encoding="utf-8",
    )
    raw = parse(p)
    text = raw.pages[0].text
    assert raw.title == "Report"
    assert "Recommendation 3" in text and "recommends & asks" in text
    assert "var x" not in text and "Home | About" not in text


@pytest.mark.parametrize(
    ("name", "needle"),
    [("empty.txt", "empty file"), ("corrupt.pdf", "not a readable PDF"), ("latin1.txt", "not UTF-8")],
)
def test_bad_inputs_give_one_line_errors_naming_file_and_fix(name, needle):
    with pytest.raises(ParseError) as info:
        parse(BAD / name)
    message = str(info.value)
    assert name in message and needle in message
    assert "\n" not in message
    assert ";" in message  # the fix follows the cause


def test_unsupported_extension(tmp_path):
    p = tmp_path / "x.docx"
    p.write_bytes(b"PK")
    with pytest.raises(UnsupportedFormat, match=r"x\.docx: unsupported file type '.docx'"):
        parse(p)
