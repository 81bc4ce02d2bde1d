"""Page text of a PDF in reading order, from PDFium's text runs (``pypdfium2``).

Chosen by measurement on the development PDFs (docs/structure-analysis.md, "PDF text extractors"):
PDFium is about 15x faster than pypdf, splits no words, and gives each run's position, so the page
is read in layout order instead of content-stream order. A recommendation box drawn after the text
beside or above it (a response PDF that prints "Recommendation 9" in a box at the top of the page
but writes it last) comes out where the reader sees it.

Layout order: the page's text runs are split into columns at a vertical channel no run crosses
(when each side holds at least a fifth of the text: a real second column, not a page number); in
each column, runs whose vertical middles fall in one line's band make that line, read left to
right; lines are read top to bottom, with a blank line where the white space between two lines is
most of a line's height (a paragraph break, which the content stream does not mark; measured
against the lines' own height, so a large heading's lines stay together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MIN_COLUMN_SHARE = 0.2  # each side of a column channel holds at least this share of the page's characters
MIN_COLUMN_WIDTH = 0.3  # each column spans at least this share of the text's width (else: table columns, read by row)
COLUMN_MARGIN = 50.0
PARAGRAPH_GAP = 0.8  # white space between two lines above this share of their height: a blank line between  # points: a channel this near the text's outer edge is a margin, not a gutter


@dataclass(frozen=True)
class _Run:
    left: float
    bottom: float
    right: float
    top: float
    text: str


@dataclass
class _Line:
    bottom: float
    top: float
    runs: list[_Run] = field(default_factory=list)


def pdf_pages_text(path: Path) -> list[str]:
    """The text of every page of ``path`` in layout order (raises what pypdfium2 raises on a broken file)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                bounded = _bounded_text(textpage)
                out.append(page_text(_runs(textpage, bounded), bounded))
            finally:
                textpage.close()
                page.close()
        return out
    finally:
        pdf.close()


_BUFFER = 4096  # UTF-16 code units: a run's or a line's text fits


def _bounded_text(textpage):
    """``textpage.get_text_bounded`` in one call of PDFium instead of two (one for the length, one for
    the text: each reads every character of the page), into a buffer made once per page; the helper's
    two calls when the text does not fit. PDFium copies the text and its terminating NUL when there is
    room for both, so a count below the buffer's size is a whole text."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    buffer = (ctypes.c_ushort * _BUFFER)()

    def bounded(left: float, bottom: float, right: float, top: float) -> str:
        n = pdfium_c.FPDFText_GetBoundedText(textpage, left, top, right, bottom, buffer, _BUFFER)
        if n <= 0:
            return ""
        if n >= _BUFFER:
            return textpage.get_text_bounded(left, bottom, right, top)
        length = n - 1 if buffer[n - 1] == 0 else n
        return ctypes.string_at(buffer, 2 * length).decode("utf-16-le", errors="ignore")

    return bounded


def _runs(textpage, bounded) -> list[_Run]:
    """The page's text runs that hold more than white space (``bounded``: as ``_bounded_text`` gives it)."""
    runs = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = bounded(left, bottom, right, top)
        if text.strip():
            runs.append(_Run(left, bottom, right, top, text))
    return runs


def page_text(runs: list[_Run], bounded=None) -> str:
    """One page's text from its runs: columns left to right, lines top to bottom (``bounded(l, b, r, t)``:
    the page's text inside a box, PDFium's ``get_text_bounded``)."""
    return "\n".join(line for col in _columns(runs) for line in _lines(col, bounded))


def _columns(runs: list[_Run]) -> list[list[_Run]]:
    if not runs:
        return []
    lo, hi = min(r.left for r in runs), max(r.right for r in runs)
    total = sum(len(r.text) for r in runs)
    for gutter in sorted({round(r.right) + 2 for r in runs}):
        if gutter <= lo + COLUMN_MARGIN or gutter >= hi - COLUMN_MARGIN or any(r.left < gutter < r.right for r in runs):
            continue
        left = sum(len(r.text) for r in runs if r.right <= gutter)
        narrow = min(gutter - lo, hi - gutter) < MIN_COLUMN_WIDTH * (hi - lo)  # a table's number column
        if min(left, total - left) >= MIN_COLUMN_SHARE * total and not narrow:
            return [[r for r in runs if r.right <= gutter], [r for r in runs if r.right > gutter]]
    return [runs]


def _lines(runs: list[_Run], bounded=None) -> list[str]:
    lines: list[_Line] = []
    for r in sorted(runs, key=lambda r: (-(r.top - r.bottom), -r.top, r.left)):  # full-height runs first
        line = next((ln for ln in lines if _on_line(r, ln)), None)
        if line is None:
            lines.append(_Line(r.bottom, r.top, [r]))
            continue
        line.runs.append(r)
        line.bottom, line.top = min(line.bottom, r.bottom), max(line.top, r.top)
    ordered = sorted(lines, key=lambda ln: -ln.top)
    out: list[str] = []
    for k, line in enumerate(ordered):
        if k:
            above = ordered[k - 1]
            height = max(above.top - above.bottom, line.top - line.bottom)
            if above.bottom - line.top > PARAGRAPH_GAP * height:
                out.append("")  # more white space than a line's height: a new paragraph
        out.append(_line_text(line, bounded))
    return out


def _on_line(r: _Run, line: _Line) -> bool:
    """The run belongs to the line: its middle lies in the line's band, or it is a small mark (a quote,
    a comma, a superscript) that overlaps the band."""
    mid = (r.bottom + r.top) / 2
    if line.bottom - 1 <= mid <= line.top + 1:
        return True
    height = line.top - line.bottom
    return r.top - r.bottom < 0.6 * height and min(r.top, line.top) - max(r.bottom, line.bottom) > 0


def _line_text(line: _Line, bounded) -> str:
    """The line's characters as PDFium spaces them (its own word breaks and ligatures), read from the
    line's band (a sliver less, so that a neighbouring line's descenders stay out)."""
    left, right = min(r.left for r in line.runs), max(r.right for r in line.runs)
    pad = (line.top - line.bottom) * 0.05
    text = bounded(left, line.bottom + pad, right, line.top - pad) if bounded else ""
    if not text.strip():
        text = " ".join(r.text.strip() for r in sorted(line.runs, key=lambda r: r.left))
    # PDFium writes a hyphen that ends a line as \x02 (a generated hyphen): cleaning joins or keeps it
    return " ".join(text.replace("\x02", "-").split())
