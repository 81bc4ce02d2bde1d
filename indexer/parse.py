"""Parsers, one per format, behind one small interface: ``parse(path) -> RawDocument``.

Each parser raises ``ParseError`` with a one-line message that names the file and the fix.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from inquire.errors import ParseError, UnsupportedFormat
from inquire.records import Page, RawDocument

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot read file ({exc.strerror}); check the path and permissions") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):  # UTF-16/32 with a byte-order mark
        return _decode_unicode(path, data)
    if data.startswith(b"%PDF-"):
        raise ParseError(f"{path}: is a PDF, not {path.suffix or 'text'}; rename it to {path.stem}.pdf")
    if b"\x00" in data:  # valid UTF-8, but no text report holds NUL bytes
        raise ParseError(_nul_hint(path, data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"{path}: not UTF-8 text (bad byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            f"re-save it as UTF-8, e.g. `iconv -f cp1252 -t utf-8 {path.name} > fixed.txt`"
        ) from exc


def _decode_unicode(path: Path, data: bytes) -> str:
    """UTF-16 (Windows "Unicode") or UTF-32 text, told apart by its byte-order mark."""
    codec = "utf-32" if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "utf-16"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"{path}: starts with a {codec.upper()} byte-order mark but is not valid {codec.upper()} (offset {exc.start}); "
            f"re-save it as UTF-8"
        ) from exc


def _nul_hint(path: Path, data: bytes) -> str:
    """Why a file with NUL bytes is not read, and what to do: UTF-16 without a byte-order mark puts a
    NUL beside every ASCII character (after it little-endian, before it big-endian)."""
    sample = data[:4096]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if max(odd, even) > len(sample) // 4 and min(odd, even) < max(odd, even) // 8:
        codec = "utf-16le" if odd > even else "utf-16be"
        return f"{path}: looks like {codec.upper()} text without a byte-order mark; convert it: `iconv -f {codec} -t utf-8 {path.name} > fixed.txt`"
    return f"{path}: holds NUL bytes, so it is binary, not text; index the report it was exported from"


def _require_text(path: Path, pages: list[Page], hint: str) -> None:
    if not any(p.text.strip() for p in pages):
        raise ParseError(f"{path}: no text found ({hint})")


def parse_text(path: Path) -> RawDocument:
    text = _read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    pages = [Page(None, text)]
    _require_text(path, pages, "empty file; remove it or add its text")
    fmt = "md" if path.suffix.lower() == ".md" else "txt"
    return _with_meta(RawDocument(path=path, format=fmt, pages=tuple(pages)), None)


_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "hr",
    "main",
    "td",
    "th",
}
_SKIP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "template", "svg", "form"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag.startswith("h") or tag == "p" else "\n")
        if tag == "li" and not self._skip:
            self.parts.append("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag.startswith("h") or tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data.strip()
        elif not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def parse_html(path: Path) -> RawDocument:
    extractor = _TextExtractor()
    extractor.feed(_read_text(path))
    text = html.unescape("".join(extractor.parts))
    lines = [ln.strip() for ln in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    pages = [Page(None, text)]
    _require_text(path, pages, "the HTML has no visible text; save the page after it has loaded")
    return _with_meta(RawDocument(path=path, format="html", pages=tuple(pages), title=extractor.title or None), None)


def _decrypt_empty(path: Path, reader) -> None:
    """Open a PDF encrypted with an empty user password (common for government PDFs: it only sets
    permissions); one that needs a real password gets a one-line error with the fix."""
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("")
    except DependencyError as exc:  # AES needs the cryptography package (a core dependency)
        raise ParseError(
            f"{path}: PDF is AES-encrypted and reading it needs the cryptography package: pip install 'cryptography>=3.1'"
        ) from exc
    except Exception as exc:  # unknown or broken security handler
        raise ParseError(
            f"{path}: PDF is encrypted in a way pypdf cannot open ({exc}); decrypt it first (qpdf --decrypt {path.name} decrypted.pdf)"
        ) from exc
    if not opened:
        raise ParseError(
            f"{path}: encrypted with a password; decrypt it first (qpdf --decrypt --password=PASSWORD {path.name} decrypted.pdf)"
        )


def _page_texts(path: Path, reader) -> list[str]:
    """Page texts in layout order from PDFium (:mod:`indexer.pdftext`); pypdf's content-stream text
    when PDFium cannot read the file or disagrees with pypdf on the page count. ``INQUIRE_PDF_TEXT=pypdf``
    forces pypdf (for comparing the two)."""
    import os

    if os.environ.get("INQUIRE_PDF_TEXT", "pdfium") != "pypdf":
        from inquire.indexer.pdftext import pdf_pages_text

        try:
            texts = pdf_pages_text(path)
        except Exception:  # PDFium refuses a file pypdf may still read
            texts = []
        if len(texts) == len(reader.pages):
            return texts
    return [page.extract_text() or "" for page in reader.pages]


def parse_pdf(path: Path) -> RawDocument:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a core dependency
        raise ImportError("reading PDFs needs pypdf: pip install pypdf") from exc
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "Ignoring wrong pointing object" noise
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            _decrypt_empty(path, reader)
        pages = [Page(i + 1, text) for i, text in enumerate(_page_texts(path, reader))]
        title = None
        pdf_meta: dict[str, str] = {}
        try:
            meta = reader.metadata
            title = (meta.title or "").strip() or None if meta else None
            pdf_meta = {str(k): str(v) for k, v in (meta or {}).items()}
        except Exception:
            title = None
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise ParseError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc}); re-download or re-export it") from exc
    if not pages:
        raise ParseError(f"{path}: PDF has no pages; re-download or re-export it")
    from inquire.indexer.ocr import ocr_missing_pages

    pages = ocr_missing_pages(path, pages)  # scanned pages (no text layer) are read by tesseract
    _require_text(path, pages, "no page has a text layer or text that OCR could read; check that it is a report")
    return _with_meta(RawDocument(path=path, format="pdf", pages=tuple(pages), title=title), pdf_meta, reader)


def _with_meta(raw: RawDocument, pdf_meta: dict[str, str] | None, reader=None) -> RawDocument:
    """The document with its publication date, publisher and printed page labels (indexer.docmeta)."""
    from dataclasses import replace

    from inquire.indexer.docmeta import docmeta

    meta = docmeta(raw.pages, pdf_meta, reader)
    pages = raw.pages
    if meta.page_labels and len(meta.page_labels) == len(pages):
        pages = tuple(replace(p, label=lab) for p, lab in zip(pages, meta.page_labels))
    return replace(raw, pages=pages, date=meta.date.value if meta.date else None, publisher=meta.publisher)


PARSERS: dict[str, Callable[[Path], RawDocument]] = {
    ".txt": parse_text,
    ".md": parse_text,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
}


def parse(path: Path) -> RawDocument:
    """Parse one file with the parser for its extension."""
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise UnsupportedFormat(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; inquire reads " + ", ".join(SUPPORTED_SUFFIXES)
        )
    return parser(path)
