"""OCR for PDF pages that have no text layer (scanned reports, web pages printed as images).

A page is read by OCR when its text layer is (nearly) empty but the page shows ink (a scan, or a
web page printed with its glyphs turned into outlines, as "Microsoft: Print To PDF" does), so a
blank separator page in an ordinary report never needs tesseract. Such pages are
rendered with PDFium (``pypdfium2``) in this process and read by Debian's ``tesseract`` binary,
one single-threaded tesseract per CPU core; page numbers are kept, and the returned pages carry
``ocr=True`` so a citation from them can say so.

Why this way (measured on the 16-page Post Office response, 2 shared cores): PDFium renders a
page at 300 dpi in 0.22 s against 1.3 s for poppler's ``pdftoppm`` (PGM; 4.7 s for PNG) and is a
pip wheel, not a system binary. Tesseract's OpenMP threads made each page 4x slower on a busy
machine (35-40 s against 9-10 s), so every call runs with ``OMP_THREAD_LIMIT=1``, which
``pytesseract`` cannot set per call; the call itself is one ``subprocess.run`` with the page as
a PGM image on stdin, so neither pytesseract nor Pillow is needed. ocrmypdf was not used: it
writes a whole new PDF (pikepdf, pdfminer.six, img2pdf, ghostscript) that would then have to be
read again, for the same tesseract text.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from inquire.errors import ParseError
from inquire.records import Page

OCR_DPI = 300
OCR_LANG = "eng"
# A page whose text layer has fewer visible characters than this (nothing, or a bare folio) is a
# candidate for OCR; a designed divider page whose layer holds only its title ("Appendix 2:
# Exercises") is not: its text is there already.
MIN_TEXT_CHARS = 4
# ... when at least this share of it is ink (a blank page, or one that prints only a folio, is left alone).
MIN_INK_SHARE = 0.001
PAGE_TIMEOUT_S = 600
log = logging.getLogger(__name__)
INSTALL_HINT = "install tesseract (Debian/Ubuntu: apt-get install tesseract-ocr; macOS: brew install tesseract)"


def tesseract_binary() -> str | None:
    """Path of the tesseract executable, or None when it is not installed."""
    return shutil.which("tesseract")


def has_text(page: Page) -> bool:
    return sum(not c.isspace() for c in page.text) >= MIN_TEXT_CHARS


def _open_pdf(path: Path):
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - pypdfium2 is a core dependency
        raise ParseError(
            f"{path}: some pages have no text layer and reading them needs pypdfium2: pip install pypdfium2"
        ) from exc
    try:
        return pdfium.PdfDocument(str(path))
    except Exception as exc:  # PdfiumError and friends: the file is unreadable to PDFium too
        raise ParseError(f"{path}: cannot render its pages for OCR ({exc}); re-download or re-export it") from exc


def _ink_share(pdf_page) -> float:
    """Share of the page that is ink, from a 30 dpi greyscale render (about 15 ms a page). A page
    printed to PDF as glyph outlines has no image objects at all, so ink is what is measured."""
    import numpy as np

    pixels = np.asarray(pdf_page.render(scale=30 / 72, grayscale=True).to_numpy())
    return float((pixels < 200).mean()) if pixels.size else 0.0


def scanned_pages(path: Path, pages: Sequence[Page]) -> list[int]:
    """Numbers of the pages that need OCR: (almost) no text layer, but ink on the page."""
    empty = [p.number for p in pages if p.number is not None and not has_text(p)]
    if not empty:
        return []
    pdf = _open_pdf(path)
    try:
        return [n for n in empty if n <= len(pdf) and _ink_share(pdf[n - 1]) >= MIN_INK_SHARE]
    finally:
        pdf.close()


def _pgm(pdf_page, dpi: int) -> bytes:
    """The page rendered as an 8-bit greyscale PGM (no Pillow needed)."""
    import numpy as np

    bitmap = pdf_page.render(scale=dpi / 72, grayscale=True)
    pixels = np.ascontiguousarray(bitmap.to_numpy())
    height, width = pixels.shape[:2]
    return b"P5\n%d %d\n255\n" % (width, height) + pixels.tobytes()


def _tesseract(binary: str, image: bytes, *, dpi: int, lang: str, path: Path, number: int) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [binary, "stdin", "stdout", "-l", lang, "--dpi", str(dpi)]
    try:
        done = subprocess.run(cmd, input=image, capture_output=True, env=env, timeout=PAGE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ParseError(f"{path}: OCR of page {number} took over {PAGE_TIMEOUT_S} s; retry on a less busy machine") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = err[-1] if err else f"exit code {done.returncode}"
        hint = (
            f"install its language data (apt-get install tesseract-ocr-{lang})" if "language" in reason.lower() else INSTALL_HINT
        )
        raise ParseError(f"{path}: OCR of page {number} failed ({reason}); {hint}")
    return done.stdout.decode("utf-8", "replace").replace("\x0c", "").replace("\r\n", "\n")


def _rendered(pdf, numbers: Sequence[int], dpi: int) -> Iterator[tuple[int, bytes]]:
    for n in numbers:  # PDFium is not thread-safe: render in this thread, one page at a time
        yield n, _pgm(pdf[n - 1], dpi)


def ocr_pages(
    path: Path, numbers: Sequence[int], *, dpi: int = OCR_DPI, lang: str = OCR_LANG, workers: int | None = None
) -> dict[int, str]:
    """OCR text of the given 1-based pages of a PDF, read in parallel (one tesseract per core)."""
    if not numbers:
        return {}
    binary = tesseract_binary()
    if binary is None:
        raise ParseError(
            f"{path}: {_describe(numbers)} no text layer and reading them needs OCR; {INSTALL_HINT}, then index it again"
        )
    workers = max(1, min(len(numbers), workers or os.cpu_count() or 1))
    pdf = _open_pdf(path)
    texts: dict[int, str] = {}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: list[tuple[int, Future[str]]] = []
            for n, image in _rendered(pdf, numbers, dpi):
                pending.append((n, pool.submit(_tesseract, binary, image, dpi=dpi, lang=lang, path=path, number=n)))
                while len(pending) > workers:  # keep at most a few rendered pages in memory
                    done_n, fut = pending.pop(0)
                    texts[done_n] = fut.result()
            for done_n, fut in pending:
                texts[done_n] = fut.result()
    finally:
        pdf.close()
    return texts


def _describe(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]} has"
    return f"{len(numbers)} pages ({page_ranges(numbers)}) have"


def page_ranges(numbers: Sequence[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> "1-3, 7, 9-10" (for reports of which pages were OCR'd)."""
    out: list[str] = []
    nums = sorted(set(numbers))
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ", ".join(out)


def ocr_missing_pages(path: Path, pages: Sequence[Page], *, dpi: int = OCR_DPI) -> list[Page]:
    """``pages`` with every scanned page's text replaced by its OCR text (and ``ocr=True``)."""
    numbers = scanned_pages(path, pages)
    if not numbers:
        return list(pages)
    if tesseract_binary() is None and any(has_text(p) for p in pages):
        # a report with a few image-only pages (a figure, a designed chapter opener) is still readable
        log.warning("%s: %s no text layer and were not read: %s", path, _describe(numbers), INSTALL_HINT)
        return list(pages)
    texts = ocr_pages(path, numbers, dpi=dpi)
    return [replace(p, text=texts[p.number], ocr=True) if p.number in texts else p for p in pages]
