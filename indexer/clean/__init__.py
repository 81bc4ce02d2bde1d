"""Cleaning: raw parsed pages -> one cleaned text with an exact offset -> page map.

What cleaning does, in order:

1. Normalises characters (ligatures, odd spaces, soft hyphens) and strips each line.
2. PDFs only: re-joins pages that were extracted one word per line; drops page furniture —
   running headers/footers repeated on many pages, page numbers, browser print headers and
   footers (date/time + title, URL + ``n/m``).
3. All formats: drops scrape placeholders ("This is a debugging block" and the short
   block-name line before it) and keeps one copy of any block the document repeats verbatim;
   the kept copy is reported in ``CleanDocument.regions`` as ``RegionKind.REPEATED_BLOCK``.
4. PDFs only: moves each page's footnote block (numbered source notes referenced from the text
   above) after the body text, reported in ``regions`` as ``RegionKind.FOOTNOTES``.
5. PDFs only: repairs words split by a stray space, joins hyphenated line breaks and unwraps
   hard-wrapped lines into paragraphs (paragraphs separated by a blank line, bullet items and
   headings on lines of their own). Text files keep their own line structure.

``page_starts`` records, for each page that contributes text, the offset of its first
character, so ``page_at`` is exact for every character of the cleaned text.
"""

from __future__ import annotations

from inquire.indexer.clean.furniture import (
    Line,
    RegionTag,
    find_footnotes,
    find_repeated_blocks,
    is_word_per_line,
    join_words,
    normalize_line,
    remove_page_furniture,
    remove_placeholders,
)
from inquire.indexer.clean.lines import LINE, PARA, Piece, merge_broken_words, unwrap, vocabulary

from inquire.records import CleanDocument, RawDocument, Region, RegionKind


def _source_lines(raw: RawDocument, notes: list[str]) -> list[Line]:
    pages = [[normalize_line(x) for x in page.text.split("\n")] for page in raw.pages]
    if raw.format != "pdf":
        return [Line(p, text) for p, lines in enumerate(pages) for text in lines]
    flat = {p for p, lines in enumerate(pages) if is_word_per_line(lines)}
    if len(pages) >= 3:
        pages, furniture_notes = remove_page_furniture(pages, [pg.number for pg in raw.pages])
        notes.extend(furniture_notes)
    if flat:
        notes.append(f"pages extracted one word per line, re-joined: {len(flat)}")
    out: list[Line] = []
    n_foot = 0
    for p, lines in enumerate(pages):
        if p in flat:
            text = join_words([x for x in lines if x])
            if text:
                out.append(Line(p, text, flat=True))
            continue
        foot = find_footnotes(lines)
        for i, text in enumerate(lines):
            is_foot = foot is not None and i >= foot
            out.append(Line(p, text, tag=RegionTag(RegionKind.FOOTNOTES, p) if is_foot and text else None))
        if foot is not None:
            n_foot += 1
    if n_foot:
        notes.append(f"footnote blocks moved after the body: {n_foot} pages")
    return out


def _pieces_text(raw: RawDocument, lines: list[Line], notes: list[str]) -> list[Piece]:
    """The pieces of the cleaned text, in order."""
    if raw.format == "pdf":
        vocab = vocabulary(lines)
        merged = 0
        for ln in lines:
            if ln.text and not ln.flat:
                ln.text, n = merge_broken_words(ln.text, vocab)
                merged += n
        if merged:
            notes.append(f"words split by a stray space re-joined: {merged}")
        # Page-end blank lines are not paragraph breaks for unwrapping: drop them.
        body = [ln for i, ln in enumerate(lines) if ln.text or not _page_end(lines, i)]
        # Footnote blocks move after the body, so a paragraph that runs on to the next page is
        # one paragraph again and no passage mixes body text with a page's source list. Each
        # block keeps its own page number (``page_starts`` is then not monotonic in pages).
        feet = [ln for ln in body if ln.in_footnotes]
        if feet:
            body = [ln for ln in body if not ln.in_footnotes] + feet
        pieces, hyphen_joins = unwrap(body, vocab)
        if hyphen_joins:
            notes.append(f"hyphenated line breaks joined: {hyphen_joins}")
        # An identical short line repeated at once (a heading printed under its own running
        # header on a page where the header was not recognised) is kept once.
        out: list[Piece] = []
        dups = 0
        for piece in pieces:
            if out and piece.sep in (LINE, PARA) and piece.text == out[-1].text and len(piece.text) < 100:
                dups += 1
                continue
            out.append(piece)
        if dups:
            notes.append(f"immediately repeated short lines dropped: {dups}")
        return out
    kept: list[Piece] = []
    blank = False
    for ln in lines:
        if not ln.text:
            blank = True
            continue
        sep = "" if not kept else (PARA if blank else LINE)
        kept.append(Piece(sep, ln.text, ln.page, ln.tag))
        blank = False
    return kept


def _page_end(lines: list[Line], i: int) -> bool:
    return i + 1 >= len(lines) or lines[i + 1].page != lines[i].page


def clean_document(raw: RawDocument) -> CleanDocument:
    notes: list[str] = []
    lines = _source_lines(raw, notes)
    lines, placeholder_notes = remove_placeholders(lines)
    notes.extend(placeholder_notes)
    lines, blocks, block_notes = find_repeated_blocks(lines)
    notes.extend(block_notes)
    for n, (first, last) in enumerate(blocks):
        for ln in lines[first:last]:
            if ln.text:
                ln.tag = RegionTag(RegionKind.REPEATED_BLOCK, n)
    pieces = _pieces_text(raw, lines, notes)

    parts: list[str] = []
    starts: list[tuple[int, int | None]] = []
    spans: dict[RegionTag, tuple[int, int]] = {}  # first start, last end of each tagged region
    offset = 0
    last_page = -1
    for piece in pieces:
        if parts:
            parts.append(piece.sep)
            offset += len(piece.sep)
        if piece.page != last_page:
            starts.append((offset, raw.pages[piece.page].number))
            last_page = piece.page
        if piece.tag:
            spans[piece.tag] = (spans.get(piece.tag, (offset, offset))[0], offset + len(piece.text))
        parts.append(piece.text)
        offset += len(piece.text)
    text = "".join(parts)
    if not starts:
        starts = [(0, raw.pages[0].number if raw.pages else None)]
    regions = tuple(Region(s, e, tag.kind) for tag, (s, e) in sorted(spans.items(), key=lambda kv: kv[1][0]))
    return CleanDocument(text=text, page_starts=tuple(starts), removed=tuple(notes), regions=regions)
