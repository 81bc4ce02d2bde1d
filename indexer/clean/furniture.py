"""Cleaning helpers: find and drop page furniture and repeated material.

Everything here works on *source lines* — ``Line`` records, one per line of a parsed page —
before any unwrapping, so that running headers, page numbers and browser print lines are
still on lines of their own. Each function returns the surviving lines plus short notes.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from inquire.records import RegionKind

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff\x0c\x0b]")


@dataclass(frozen=True)
class RegionTag:
    """The recognised region a line belongs to: its kind and which one of that kind (the page
    of a footnote block, the number of a repeated block)."""

    kind: RegionKind
    n: int


@dataclass
class Line:
    """One source line. ``page`` is the index into ``RawDocument.pages``."""

    page: int
    text: str
    flat: bool = False  # a whole page re-joined from one-word-per-line extraction
    tag: RegionTag | None = None  # region carried through to the cleaned text

    @property
    def in_footnotes(self) -> bool:
        return self.tag is not None and self.tag.kind is RegionKind.FOOTNOTES


def normalize_line(text: str) -> str:
    """Ligatures, odd spaces and invisible characters; runs of spaces collapsed; stripped."""
    for lig, rep in _LIGATURES.items():
        if lig in text:
            text = text.replace(lig, rep)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return unicodedata.normalize("NFC", text).strip()


# --------------------------------------------------------------------------- one word per line


def is_word_per_line(lines: list[str]) -> bool:
    """True when a page's text came out one word per line (no usable line structure)."""
    words = [ln for ln in lines if ln]
    if len(words) < 40:
        return False
    single = sum(1 for ln in words if " " not in ln)
    return single / len(words) >= 0.8


def join_words(tokens: list[str]) -> str:
    """Re-join one-word-per-line tokens with single spaces (stray punctuation glued back)."""
    out: list[str] = []
    for tok in tokens:
        if out and re.fullmatch(r"[.,;:!?)\]’”%]+", tok):
            out[-1] += tok
        else:
            out.append(tok)
    return " ".join(out)


# --------------------------------------------------------------------------- page furniture

_PAGE_NUM = re.compile(r"^(?:page\s+)?(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_DASHED_NUM = re.compile(r"^[-–—]\s*(\d{1,4})\s*[-–—]$")
_BROWSER_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?\b", re.I)
_URL_COUNTER = re.compile(r"^(?:https?://|www\.)\S+.*?\s\d{1,4}\s*/\s*\d{1,4}$", re.I)
_ZONE = 3  # lines at the top and bottom of a page that may be furniture


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _zones(lines: list[str]) -> list[int]:
    """Indices of the first and last ``_ZONE`` non-blank lines of a page."""
    idx = [i for i, ln in enumerate(lines) if ln]
    if len(idx) <= 2 * _ZONE:
        return idx
    return idx[:_ZONE] + idx[-_ZONE:]


def _page_number(text: str) -> int | None:
    m = _PAGE_NUM.match(text) or _DASHED_NUM.match(text)
    return int(m.group(1)) if m else None


def _stable(key: str, pages: list[list[str]], numbers: list[int | None]) -> bool:
    """A repeated zone line is furniture if it is the same text on every page, or if the only
    thing that changes is a number that follows the page number (``"39 Briefing, 5 June"``)."""
    texts: list[str] = []
    offs: Counter[int] = Counter()
    for p, lines in enumerate(pages):
        for i in _zones(lines):
            if _key(lines[i]) == key:
                texts.append(lines[i])
                page_no = numbers[p]
                if page_no is not None:
                    for n in {int(x) for x in re.findall(r"\d+", lines[i])}:
                        offs[n - page_no] += 1
                break
    if len(set(texts)) == 1:
        return True
    return bool(offs) and offs.most_common(1)[0][1] >= 0.7 * len(texts)


def remove_page_furniture(pages: list[list[str]], numbers: list[int | None]) -> tuple[list[list[str]], list[str]]:
    """Drop running headers/footers, page numbers and browser print lines from PDF pages.

    A line is furniture when it sits in the top or bottom zone of a page and the same line
    (digits ignored) sits in that zone on at least three pages, with most of its occurrences
    in zones. Bare page numbers are dropped when their offset from the physical page number
    is the document's usual one. At most one copy per page is dropped, so a chapter heading
    printed just under an identical running header survives.
    """
    furniture, usual_offset = _furniture(pages, numbers)
    removed_keys: Counter[str] = Counter()
    sample: dict[str, str] = {}
    n_numbers = n_browser = 0
    out: list[list[str]] = []
    for p, lines in enumerate(pages):
        drop: set[int] = set()
        dropped_here: set[str] = set()
        page_no = numbers[p]
        for i in _zones(lines):
            text = lines[i]
            k = _key(text)
            num = _page_number(text)
            if num is not None and usual_offset is not None and page_no is not None and num - page_no == usual_offset:
                drop.add(i)
                n_numbers += 1
            elif re.match(r"^page\s+\d+\s+of\s+\d+$", text, re.I):
                drop.add(i)
                n_numbers += 1
            elif _BROWSER_DATE.match(text) or _URL_COUNTER.match(text):
                drop.add(i)
                n_browser += 1
            elif k in furniture and k not in dropped_here:
                drop.add(i)
                dropped_here.add(k)
                removed_keys[k] += 1
                sample.setdefault(k, text if len(text) <= 70 else text[:67] + "...")
        out.append([ln for i, ln in enumerate(lines) if i not in drop])
    notes = [f"running header/footer x{c}: {sample[k]!r}" for k, c in removed_keys.most_common()]
    if n_numbers:
        notes.append(f"page numbers: {n_numbers} lines")
    if n_browser:
        notes.append(f"browser print header/footer lines: {n_browser}")
    return out, notes


def _furniture(pages: list[list[str]], numbers: list[int | None]) -> tuple[set[str], int | None]:
    """The keys of lines that are running headers or footers, and the usual offset of printed
    page numbers from physical ones (None when there is no usual one)."""
    n_text_pages = sum(1 for p in pages if any(p))
    zone_pages: Counter[str] = Counter()
    total: Counter[str] = Counter()
    offsets: Counter[int] = Counter()
    for p, lines in enumerate(pages):
        seen: set[str] = set()
        for i in _zones(lines):
            k = _key(lines[i])
            if k not in seen:
                zone_pages[k] += 1
                seen.add(k)
            num = _page_number(lines[i])
            page_no = numbers[p]
            if num is not None and page_no is not None:
                offsets[num - page_no] += 1
        for ln in lines:
            if ln:
                total[_key(ln)] += 1
    need = 3
    furniture = {
        k
        for k, c in zone_pages.items()
        if c >= need and len(k.replace("#", "").strip()) >= 2 and c >= 0.7 * total[k] and _stable(k, pages, numbers)
    }
    usual_offset = None
    if offsets:
        off, count = offsets.most_common(1)[0]
        if count >= 3 or count >= 0.5 * n_text_pages:
            usual_offset = off
    return furniture, usual_offset


# --------------------------------------------------------------------------- scrape placeholders

PLACEHOLDERS = ("this is a debugging block",)
_ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}


def _block_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 5 and len(text) <= 40 and not re.search(r"[.,;:!?]$", text)


def remove_placeholders(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """Drop CMS placeholder lines and the short block-name line just before each one.

    Block names of the same family (``Postscript First`` ... ``Postscript Fourth``) are dropped
    even where the placeholder after them is missing.
    """
    drop: set[int] = set()
    families: set[str] = set()
    for i, ln in enumerate(lines):
        if ln.text.lower().rstrip(".") in PLACEHOLDERS:
            drop.add(i)
            j = i - 1
            while j >= 0 and not lines[j].text:
                j -= 1
            if j >= 0 and _block_name(lines[j].text):
                drop.add(j)
                families.add(lines[j].text.split()[0].lower())
    if not drop:
        return lines, []
    for i, ln in enumerate(lines):
        words = ln.text.split()
        if (
            i not in drop
            and 1 < len(words) <= 3
            and _block_name(ln.text)
            and words[0].lower() in families
            and words[-1].lower() in _ORDINALS
        ):
            drop.add(i)
    n_place = sum(1 for i in drop if lines[i].text.lower().rstrip(".") in PLACEHOLDERS)
    note = f"scrape placeholders: {n_place} placeholder lines and {len(drop) - n_place} block-name lines"
    return [ln for i, ln in enumerate(lines) if i not in drop], [note]


# --------------------------------------------------------------------------- repeated blocks

MIN_BLOCK_LINES = 5
MIN_BLOCK_CHARS = 400
# A repeated block that words a recommendation is a printing of it (a chapter box and the final list,
# a summary and the chapter), not furniture: every printing stays and the structure finder picks one.
_RECOMMENDS = re.compile(r"\brecommend(?:s|ed|ations?)?\b", re.I)
_DIRECTS = re.compile(r"\b(?:should|must|shall)\b")
_ENUMERATED = re.compile(r"^(?:\(?[a-z]\)|\(?[ivx]{1,5}\)|\d{1,3}[.)])\s")


def _printing(block: list[str]) -> bool:
    """A repeated block that names a recommendation, or numbers directions ("(d) ... should"), is a
    printing of recommendations."""
    return any(_RECOMMENDS.search(t) for t in block) or (
        any(_ENUMERATED.match(t) for t in block) and any(_DIRECTS.search(t) for t in block)
    )


def find_repeated_blocks(lines: list[Line]) -> tuple[list[Line], list[tuple[int, int]], list[str]]:
    """Keep the first copy of any block of lines that the document repeats verbatim.

    A block is at least ``MIN_BLOCK_LINES`` consecutive non-blank lines and ``MIN_BLOCK_CHARS``
    characters (blank lines between them are ignored). Returns the surviving lines, the
    ``(first, last + 1)`` indices of each kept first copy *in the surviving list*, and notes.
    """
    idx = [i for i, ln in enumerate(lines) if ln.text]
    texts = [lines[i].text for i in idx]
    where: dict[str, list[int]] = {}
    for pos, t in enumerate(texts):
        where.setdefault(t, []).append(pos)
    removed = [False] * len(texts)
    kept: dict[tuple[int, int], int] = {}  # (start, end) in texts -> number of copies removed
    pos = 0
    while pos < len(texts):
        best_len, best_src = 0, -1
        for src in where.get(texts[pos], ()):
            if src >= pos:
                break
            if removed[src]:
                continue
            n = 0
            while pos + n < len(texts) and src + n < pos and texts[src + n] == texts[pos + n] and not removed[src + n]:
                n += 1
            if n > best_len:
                best_len, best_src = n, src
        chars = sum(len(t) for t in texts[pos : pos + best_len])
        printing = best_len and _printing(texts[pos : pos + best_len])
        if best_len >= MIN_BLOCK_LINES and chars >= MIN_BLOCK_CHARS and not printing:
            for k in range(pos, pos + best_len):
                removed[k] = True
            key = (best_src, best_src + best_len)
            kept[key] = kept.get(key, 0) + 1
            pos += best_len
        elif best_len >= MIN_BLOCK_LINES and chars >= MIN_BLOCK_CHARS:
            pos += best_len  # a printing stays whole: none of its lines starts a shorter "repeat"
        else:
            pos += 1
    if not kept:
        return lines, [], []
    drop = {idx[k] for k, r in enumerate(removed) if r}
    survivors: list[Line] = []
    new_index: dict[int, int] = {}
    for i, ln in enumerate(lines):
        if i in drop:
            continue
        new_index[i] = len(survivors)
        survivors.append(ln)
    # Collapse runs of blank lines left behind by removed blocks.
    blocks: list[tuple[int, int]] = []
    notes: list[str] = []
    for (s, e), copies in sorted(kept.items()):
        first, last = new_index[idx[s]], new_index[idx[e - 1]]
        blocks.append((first, last + 1))
        notes.append(f"repeated block of {e - s} lines removed x{copies}, first copy kept")
    return survivors, blocks, notes


# --------------------------------------------------------------------------- footnotes

_FOOT_START = re.compile(r"^(\d{1,3})\s+\S")


def find_footnotes(lines: list[str]) -> int | None:
    """Index of the first line of the footnote block at the bottom of a page, or None.

    The block starts with "n text" and every later footnote start is numbered n+1, n+2, ...;
    footnote n must be referenced in the text above as a glued marker ("... in the UK.1").
    """
    idx = [i for i, ln in enumerate(lines) if ln]
    if len(idx) < 3:
        return None
    best = None
    for pos in range(len(idx) - 1, 0, -1):
        i = idx[pos]
        m = _FOOT_START.match(lines[i])
        if not m:
            continue
        n = int(m.group(1))
        body = " ".join(lines[k] for k in idx[:pos])
        if re.search(rf"(?<=[A-Za-z.,;:’”\"')\]]){n}(?![\d/%])", body) and pos >= 0.3 * len(idx):
            best = i
    if best is not None:
        # contents entries ("2 Recommendations of the inquiry 12") look like footnotes but end
        # with a page number
        block = [ln for ln in lines[best:] if ln]
        # a contents entry is a title then its page; "56 Qq74, 20" (a note citing evidence) has a comma
        if sum(bool(re.search(r"^\d{1,3}\s+[^,]*\s\d{1,3}$", ln)) for ln in block) >= 0.5 * len(block):
            return None
    return best
