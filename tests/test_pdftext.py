"""PDF page text in layout order (indexer.pdftext), on synthetic text runs: positions in points, y up."""

from __future__ import annotations

from inquire.indexer.pdftext import _Run, page_text


def run(left: float, top: float, text: str, width: float = 200.0, height: float = 10.0) -> _Run:
    return _Run(left, top - height, left + width, top, text)


def test_a_box_drawn_last_but_printed_first_is_read_first():
    # content-stream order: the reply, then the recommendation box above it
    runs = [run(72, 600, "The government agrees with this."), run(72, 700, "Recommendation 9: Red teams")]
    assert page_text(runs).split("\n") == ["Recommendation 9: Red teams", "", "The government agrees with this."]


def test_two_columns_are_read_one_after_the_other():
    left = [run(50, 700 - 12 * k, f"left line {k}", width=200) for k in range(5)]
    right = [run(320, 700 - 12 * k, f"right line {k}", width=200) for k in range(5)]
    lines = [ln for ln in page_text(right + left).split("\n") if ln]
    assert lines == [f"left line {k}" for k in range(5)] + [f"right line {k}" for k in range(5)]


def test_a_narrow_number_column_is_a_table_read_by_row():
    rows = []
    for k in range(1, 6):
        rows += [run(50, 700 - 12 * k, f"{k}", width=10), run(100, 700 - 12 * k, f"Recommendation text {k} F F", width=400)]
    lines = [ln for ln in page_text(rows).split("\n") if ln]
    assert lines == [f"{k} Recommendation text {k} F F" for k in range(1, 6)]


def test_paragraph_breaks_come_from_white_space_not_the_content_stream():
    runs = [run(72, 700, "First paragraph, line one"), run(72, 688, "line two."), run(72, 660, "Second paragraph.")]
    assert page_text(runs).split("\n") == ["First paragraph, line one", "line two.", "", "Second paragraph."]


def test_a_small_mark_beside_a_line_belongs_to_it():
    runs = [run(72, 700, "are measuring what matters for", width=300), run(380, 703, "’", width=3, height=4)]
    assert page_text(runs) == "are measuring what matters for ’"


def test_a_real_pdf_gives_the_box_before_the_reply_written_before_it(tmp_path):
    from inquire.indexer.parse import parse
    from pdfmaker import make_pdf

    lines = ["The government agrees that red teams are an effective means of challenge."] * 3
    pdf = make_pdf(tmp_path / "r.pdf", [[*lines, (72, 770, "Recommendation 9: Regular use of red teams")]])
    text = parse(pdf).pages[0].text
    assert text.index("Recommendation 9") < text.index("The government agrees")


def test_a_hyphen_that_ends_a_line_is_a_hyphen():
    from inquire.indexer.pdftext import _Line, _line_text

    line = _Line(0, 10, [run(0, 10, "whole")])
    assert _line_text(line, lambda *box: "responsible for whole\x02") == "responsible for whole-"
