"""Document metadata a citation needs: publication date, publisher, printed page labels.

- **Date**: read from the text first ("Published 21 March 2024", "It was published on 3 July 2025",
  "Presented to Parliament ... by Command of His Majesty / 17 December 2024", "Ordered by the House
  of Commons to be printed 18 July 2024", "DATE 07 APRIL 2022", a dated letter, a cover that
  carries only a date, a running header such as "Research Briefing, 5 June 2025"), then from the
  PDF's /CreationDate, except for browser and print-to-PDF files, whose creation date is the day
  somebody printed the page, not the day it was published.
- **Publisher**: from the conventions these documents print (a Commons Library briefing; a report
  presented under the Inquiries Act by "the X Inquiry"; a Command paper, i.e. HM Government; a
  committee named on the cover; a GOV.UK department block; a council's board paper), then a PDF
  /Author that names an organisation rather than a person. ``None`` when nothing states it.
- **Printed page labels**: the PDF's /PageLabels where present (labels that are not folios, such
  as InDesign's "fci"/"ibc3" for covers, become ``None``), else the folio printed in the page's
  header or footer ("15", "Summary 3", "3 Commons Library Research Briefing", a browser print's
  "3/20"), kept only where it agrees with its neighbours, so a citation can read "p. 18 (PDF p. 22)".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from inquire.records import Page

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for m in names
}
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
# "17 December 2024", "1st July 2025", "December 17, 2024", "July 2024"
DATE_RE = re.compile(
    rf"\b(?:(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})\.?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,\s+(?P<y2>(?:19|20)\d\d)"
    rf"|(?P<m3>{_MONTH})\.?\s+(?P<y3>(?:19|20)\d\d))\b",
    re.IGNORECASE,
)
FRONT_PAGES = 4  # cues are looked for on the first pages (covers, imprint pages, a GOV.UK header)


@dataclass(frozen=True)
class PublicationDate:
    value: str  # ISO 8601, as precise as the source: "2024-12-17", "2025-02", "2024"
    precision: str  # "day" | "month" | "year"
    source: str  # "text" | "metadata"
    evidence: str  # the words it was read from ("Published 21 March 2024") or the metadata key
    page: int | None = None  # physical page of the evidence (None for metadata and unpaged text)


@dataclass(frozen=True)
class DocMeta:
    date: PublicationDate | None
    publisher: str | None
    page_labels: tuple[str | None, ...] = ()  # index 0 = physical page 1; () for unpaged formats


# ---------------------------------------------------------------- dates


def _iso(match: re.Match) -> tuple[str, str] | None:
    g = match.groupdict()
    day, month, year = (
        (g["d1"], g["m1"], g["y1"]) if g["m1"] else (g["d2"], g["m2"], g["y2"]) if g["m2"] else (None, g["m3"], g["y3"])
    )
    m = MONTHS.get(month.lower().rstrip("."))
    if m is None:
        return None
    if day is None:
        return f"{int(year):04d}-{m:02d}", "month"
    d = int(day)
    if not 1 <= d <= 31:
        return None
    return f"{int(year):04d}-{m:02d}-{d:02d}", "day"


def _lines(page: Page) -> list[str]:
    return [ln.strip() for ln in page.text.splitlines() if ln.strip()]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


_D = re.sub(r"\(\?P<\w+>", "(?:", DATE_RE.pattern)  # the date pattern without named groups, for lookaheads
_STRONG_RE = re.compile(
    rf"(?<!was )(?<!were )(?<!been )\b(?:first |last )?(?:published|updated)(?: on)?:?\s+(?={_D})"
    rf"|\b(?:it|this [a-z ]{{0,30}}?(?:report|paper|briefing|publication|document|response))\b[^.]{{0,120}}?\bwas published on\s+(?={_D})",
    re.I,
)
_DATE_LINE_RE = re.compile(r"^date(?:d| of (?:publication|issue))?:?\s+", re.I)


def _found(flat: str, cue: re.Match, d: re.Match, page_no: int | None) -> PublicationDate | None:
    iso = _iso(d)
    if not iso:
        return None
    return PublicationDate(iso[0], iso[1], "text", flat[cue.start() : d.end()][-160:], page_no)


def _strong_date(page: Page) -> PublicationDate | None:
    """ "Published 21 March 2024", "Updated 5 November 2025", "It was published on 3 July 2025",
    a line "DATE 07 APRIL 2022"."""
    flat = _norm(page.text)
    for cue in _STRONG_RE.finditer(flat):
        d = DATE_RE.match(flat, cue.end())
        if d and (found := _found(flat, cue, d, page.number)):
            return found
    for line in _lines(page):
        line_cue = _DATE_LINE_RE.match(line)
        if line_cue and (d := DATE_RE.match(line, line_cue.end())) and (found := _found(line, line_cue, d, page.number)):
            return found
    return None


_PRESENTED_CUES = re.compile(
    r"\bby command of (?:his|her) majesty\b|\bordered by the house of (?:commons|lords),? (?:on [^.]{0,30})?to be printed\b"
    r"|\bpresented to (?:parliament|the scottish parliament|senedd|the northern ireland assembly)\b"
    r"|\blaid before (?:parliament|the \w+ (?:parliament|assembly))\b",
    re.I,
)


def _presented_date(page: Page) -> PublicationDate | None:
    """ "Presented to Parliament ... by Command of His Majesty 17 December 2024", "Ordered by the
    House of Commons to be printed 18 July 2024": the first date within 200 characters after the cue."""
    flat = _norm(page.text)
    for cue in _PRESENTED_CUES.finditer(flat):
        for d in DATE_RE.finditer(flat, cue.end(), cue.end() + 200):
            if found := _found(flat, cue, d, page.number):
                return found
    return None


def _letter_date(page: Page) -> PublicationDate | None:
    """A dated letter: a line that is only a date, followed within a few lines by "Dear ..."."""
    lines, page_no = _lines(page), page.number
    for i, line in enumerate(lines):
        d = DATE_RE.fullmatch(_norm(line))
        if d and (iso := _iso(d)) and any(ln.lower().startswith("dear ") for ln in lines[i + 1 : i + 12]):
            return PublicationDate(iso[0], iso[1], "text", _norm(line), page_no)
    return None


def _cover_date(page: Page) -> PublicationDate | None:
    """A cover or title page that prints a date on a line of its own ("July 2024", "20 May 2024")."""
    page_no = page.number
    for line in _lines(page)[:40]:
        d = DATE_RE.fullmatch(_norm(line).rstrip("."))
        if d and (iso := _iso(d)):
            return PublicationDate(iso[0], iso[1], "text", _norm(line), page_no)
    return None


def _running_date(pages: Sequence[Page]) -> PublicationDate | None:
    """A date in a line repeated on many pages ("Commons Library Research Briefing, 5 June 2025")."""
    counts: Counter[str] = Counter()
    first: dict[str, int | None] = {}
    for page in pages:
        lines = _lines(page)
        for line in set(lines[:3] + lines[-3:]):
            key = re.sub(r"^\d{1,4}\s+", "", _norm(line))  # without the folio
            shorter = re.sub(r"\s+\d{1,4}$", "", key)
            key = shorter if DATE_RE.search(shorter) else key
            if DATE_RE.search(key) and len(key) < 120:
                counts[key] += 1
                first.setdefault(key, page.number)
    for key, n in counts.most_common():
        if n >= max(3, len(pages) // 3) and not re.search(r"\d{1,2}[:.]\d\d\s*(?:am|pm)?", key, re.I):
            d = DATE_RE.search(key)
            iso = _iso(d) if d else None
            if iso:
                return PublicationDate(iso[0], iso[1], "text", key, first[key])
    return None


_PRINT_PRODUCERS = re.compile(r"skia|chrom|mozilla|webkit|print to pdf|wkhtmltopdf|headless|quartz pdfcontext", re.I)


def _metadata_date(meta: Mapping[str, str] | None) -> PublicationDate | None:
    if not meta:
        return None
    tools = " ".join(str(meta.get(k) or "") for k in ("/Producer", "/Creator"))
    if _PRINT_PRODUCERS.search(tools):
        return None  # the creation date of a printed web page is the day it was printed
    for key in ("/CreationDate", "/ModDate"):
        raw = str(meta.get(key) or "")
        m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", raw)
        if m and 1990 <= int(m.group(1)) <= 2100:
            y, mo, d = m.groups()
            if mo and d:
                return PublicationDate(f"{y}-{mo}-{d}", "day", "metadata", key)
            return PublicationDate(y if not mo else f"{y}-{mo}", "year" if not mo else "month", "metadata", key)
    return None


def publication_date(pages: Sequence[Page], pdf_meta: Mapping[str, str] | None = None) -> PublicationDate | None:
    """The document's publication date: from its words first, then its PDF metadata."""
    front = [p for p in pages if _lines(p)][:FRONT_PAGES]
    if len(pages) == 1 and pages[0].number is None:  # text/HTML: one "page"; look at its start
        lines = _lines(pages[0])[:80]
        front = [Page(None, "\n".join(lines))]
    for finder in (_strong_date, _presented_date, _letter_date):
        for page in front:
            if found := finder(page):
                return found
    for page in front[:2]:
        if found := _cover_date(page):
            return found
    if len(pages) > 2:
        found = _running_date(pages)
        if found:
            return found
    return _metadata_date(pdf_meta)


# ---------------------------------------------------------------- publisher

_ORG_WORDS = re.compile(
    r"\b(government|committee|inquiry|department|ministry|office|council|commission|library|authority|service|agency|"
    r"parliament|house of|police|nhs|board|executive|inspectorate|regulator|ombudsman|trust|college|institute|"
    r"university|court|tribunal|coroner|assembly|senedd)\b",
    re.I,
)


def _is_org(name: str) -> bool:
    return bool(_ORG_WORDS.search(name)) and not re.fullmatch(r"[A-Z][A-Z'\-]+,\s*[A-Z][a-z]+", name.strip())


def _titlecase(name: str) -> str:
    small = {"of", "and", "for", "the", "on", "in", "to"}
    words = name.lower().split()
    return " ".join(w if (i and w in small) else w.capitalize() for i, w in enumerate(words))


def _inquiry_name(text: str) -> str | None:
    """ "UK Covid-19 Inquiry", "Infected Blood Inquiry", "Post Office Horizon IT Inquiry"."""
    pat = re.compile(r"\b((?:[A-Z][\w\-']*)(?: [A-Z][\w\-']*)*? Inquiry)\b")
    counts = Counter(m.group(1) for m in pat.finditer(text) if not m.group(1).startswith(("The ", "This ", "An ", "A ")))
    if not counts:
        return None
    # prefer the longest name among the most frequent ones ("Post Office Horizon IT Inquiry" over "IT Inquiry")
    top = max(counts.values())
    best = [n for n, c in counts.items() if c >= max(1, top // 3)]
    return max(best, key=lambda n: (len(n.split()), counts[n]))


def _department_block(lines: list[str]) -> str | None:
    """A GOV.UK logo block: "Department" / "of Health &" / "Social Care" -> one name."""
    for i, line in enumerate(lines[:60]):
        if not re.match(r"^(?:department|ministry)\b", line, re.I) or len(line) > 60:
            continue
        name = line
        for nxt in lines[i + 1 : i + 4]:
            joins = re.search(r"(?:&|\band|\bof|\bfor|\bthe)$", name, re.I) or re.match(r"^(?:&|and|of|for)\b", nxt, re.I)
            if not joins or len(nxt) > 40:
                break
            name = f"{name} {nxt}"
        if re.match(r"^(?:department|ministry) (?:of|for)\b", name, re.I) and not re.search(r"(?:&|\band|\bof|\bfor)$", name):
            return _norm(name)
    return None


def publisher(pages: Sequence[Page], pdf_meta: Mapping[str, str] | None = None) -> str | None:
    """Who published the document, when its words (or its PDF /Author) say so; else None."""
    front_pages = [p for p in pages if _lines(p)][:FRONT_PAGES]
    if len(pages) == 1 and pages[0].number is None:
        front_pages = [Page(None, "\n".join(_lines(pages[0])[:80]))]
    front = "\n".join(p.text for p in front_pages)
    flat = _norm(front)
    if re.search(r"\b(?:commons|lords) library (?:research )?briefing\b|\bhouse of (?:commons|lords) library\b", flat, re.I):
        house = "Lords" if re.search(r"\blords library\b", flat, re.I) else "Commons"
        return f"House of {house} Library"
    if re.search(r"\bpursuant to section 26 of (?:the )?inquiries act\b", flat, re.I) or re.search(
        r"\ba report by\b.{0,80}\bchair of the\b", flat, re.I
    ):
        name = _inquiry_name(front)
        if name:
            return name
    if re.search(r"\bby command of (?:his|her) majesty\b", flat, re.I):
        return "HM Government"
    first_lines = [_lines(p) for p in front_pages]
    for lines in first_lines[:1]:
        for line in lines[:3]:
            m = re.search(r"\b((?:[A-Z][\w\-']+ ){1,5}Committee)\b", line)
            if m:
                return m.group(1).strip()
    for lines in first_lines:
        found = _department_block(lines)
        if found:
            return found
    for lines in first_lines[:1]:
        for line in lines[:3]:
            m = re.search(r"\b((?:[A-Z][A-Za-z\-']+ ){1,5}(?:COUNCIL|Council))\b", line)
            if m:
                return _titlecase(m.group(1)) if m.group(1).isupper() else m.group(1)
    author = str((pdf_meta or {}).get("/Author") or "").strip()
    if author and _is_org(author):
        return author
    return None


# ---------------------------------------------------------------- printed page labels

_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)


def roman_value(s: str) -> int | None:
    if not s or not _ROMAN.match(s):
        return None
    vals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    s = s.lower()
    for i, ch in enumerate(s):
        v = vals[ch]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    return total


def is_folio(label: str) -> bool:
    """A label a reader sees as a page number: "12", "iv", "A-3"; not "fci" or "ibc3" (covers)."""
    return bool(re.fullmatch(r"\d{1,4}|[A-Z]{1,2}-?\d{1,4}", label) or roman_value(label))


def pdf_page_labels(reader) -> list[str | None] | None:
    """Labels from the PDF's /PageLabels (None where a label is no folio); None when it has none."""
    try:
        root = reader.trailer["/Root"]
        if "/PageLabels" not in root:
            return None
        labels = list(reader.page_labels)
    except Exception:  # a broken number tree: fall back to the printed folios
        return None
    return [lab if lab and is_folio(lab) else None for lab in labels]


def _folio_candidates(page: Page, n_pages: int) -> list[str]:
    """Numbers printed in the page's first or last lines that may be its folio: a line that is a
    number, a running head or foot that starts or ends with one ("Summary 3", "3Summary", "28
    Commons Library Research Briefing, 5 June 2025"), a browser print's "3/20"."""
    lines = _lines(page)
    if not lines:
        return []
    out: list[str] = []
    for line in lines[:3] + lines[-3:]:
        line = _norm(line)
        m = re.search(r"(?:^|\s)(\d{1,4})\s*/\s*(\d{1,4})$", line)  # browser print footer "3/20"
        if m and int(m.group(2)) == n_pages:
            out.append(m.group(1))
            continue
        words = line.split()
        if len(words) > 12 or "[" in line:  # prose, or a footnote citing a source ("274 [BEIS0000902] at [1/3]")
            continue
        first = re.match(r"^(\d{1,4})(?=[A-Z]|$)", words[0])  # "3", "3Summary" (the folio glued to a running head)
        if first:
            out.append(first.group(1))
        last = words[-1].strip(".|")
        if len(words) > 1 and re.fullmatch(r"\d{1,4}", last):
            out.append(last)
        for tok in (words[0], words[-1]):
            if roman_value(tok.strip(".|")) and tok.strip(".|").islower():
                out.append(tok.strip(".|"))
    return out


def printed_folios(pages: Sequence[Page]) -> list[str | None]:
    """Per physical page, the folio printed on it, or None. A number in the header or footer is a
    folio when its difference from the physical page number is common in the document (at least
    3 pages and 15% of those with a candidate) and shared by a neighbour, so a stray number
    ("Inquiries Act 2005", a run of footnote numbers) is not taken for a page number."""
    n = len(pages)
    cands = [_folio_candidates(p, n) for p in pages]
    offsets: list[set[int]] = [{int(c) - (i + 1) for c in cs if c.isdigit()} for i, cs in enumerate(cands)]
    counts = Counter(off for offs in offsets for off in offs)
    with_cands = sum(bool(offs) for offs in offsets)
    common = {off for off, c in counts.items() if c >= max(2 if n <= 4 else 3, 0.15 * with_cands)}
    labels: list[str | None] = [None] * n
    for i in range(n):
        for off in sorted(offsets[i] & common, key=lambda o: (-counts[o], abs(o))):
            near = [j for j in range(max(0, i - 3), min(n, i + 4)) if j != i]
            if any(off in offsets[j] for j in near):
                labels[i] = str(i + 1 + off)
                break
    # roman numerals in front matter: consecutive pages whose values increase by one
    romans = [[roman_value(c) for c in cs if not c.isdigit()] for cs in cands]
    for i in range(n):
        if labels[i] is not None:
            continue
        for v in romans[i]:
            if not v:  # not a numeral (never so: the candidates that are not digits are numerals)
                continue
            prev_ok = i > 0 and (v - 1) in romans[i - 1]
            next_ok = i + 1 < n and (v + 1) in romans[i + 1]
            if prev_ok or next_ok:
                labels[i] = next(c for c in cands[i] if roman_value(c) == v)
                break
    # a page inside a run that prints no folio (a chapter opener) takes the run's number
    for i in range(1, n - 1):
        prev, nxt = labels[i - 1], labels[i + 1]
        if labels[i] is None and prev and nxt and prev.isdigit() and nxt.isdigit():
            if int(nxt) - int(prev) == 2:
                labels[i] = str(int(prev) + 1)
    return labels


def page_labels(pages: Sequence[Page], reader=None) -> list[str | None]:
    """Printed label per physical page: /PageLabels when the PDF has them, else printed folios."""
    if reader is not None:
        from_pdf = pdf_page_labels(reader)
        if from_pdf is not None and len(from_pdf) == len(pages):
            return from_pdf
    return printed_folios(pages)


def cite_page(number: int | None, label: str | None, *, ocr: bool = False) -> str:
    """ "p. 18 (PDF p. 22)", "PDF p. 22" when no label is printed, "p. 5" when they agree."""
    if number is None:
        return ""
    note = ", OCR" if ocr else ""
    if label is None:
        return f"PDF p. {number}" + (" (OCR)" if ocr else "")
    if label == str(number):
        return f"p. {label}" + (" (OCR)" if ocr else "")
    return f"p. {label} (PDF p. {number}{note})"


# ---------------------------------------------------------------- one call for a file


def pdf_docmeta(path: Path, pages: Sequence[Page] | None = None) -> DocMeta:
    """Everything above for one PDF; ``pages`` (e.g. with OCR text) default to pypdf's text."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(path))
    if reader.is_encrypted:
        reader.decrypt("")
    if pages is None:
        pages = [Page(i + 1, pg.extract_text() or "") for i, pg in enumerate(reader.pages)]
    try:
        meta = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    except Exception:
        meta = {}
    return DocMeta(publication_date(pages, meta), publisher(pages, meta), tuple(page_labels(pages, reader)))


def docmeta(pages: Sequence[Page], pdf_meta: Mapping[str, str] | None = None, reader=None) -> DocMeta:
    """Date, publisher and (for paged formats) printed page labels of parsed pages."""
    paged = bool(pages) and pages[0].number is not None
    labels = tuple(page_labels(pages, reader)) if paged else ()
    return DocMeta(publication_date(pages, pdf_meta), publisher(pages, pdf_meta), labels)
