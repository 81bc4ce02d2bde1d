"""Typed records that travel from the parser to the search results.

Offsets (``start``/``end``) are character offsets into the *cleaned* text of a document
(``CleanDocument.text``), so ``clean.text[start:end]`` is always the exact quoted text.
Page numbers are 1-based physical PDF pages; ``None`` for formats without pages.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NamedTuple

ROLE_RECOMMENDATION = "recommendation"
ROLE_RESPONSE = "response"
ROLE_OTHER = "other"
# A link from "See recommendation N" inside the reply to another recommendation: shown beside the
# responses to N, never counted as one (linking writes it; `rec`, `recs` and the tracker view read it).
LINK_MENTION = "mention"

# What a passage is, beside its role: body text, or an aside that search ranks lower (a contents
# list, a block of footnotes). Glossaries are body: they answer "what does X stand for".
KIND_BODY = "body"
KIND_CONTENTS = "contents"
KIND_NOTES = "notes"
KIND_HEADING = "heading"  # a heading left alone (the next segment is a recommendation or a response)
FOOTNOTES = "Footnotes"
SPECIAL_KINDS = {"Contents": KIND_CONTENTS, FOOTNOTES: KIND_NOTES}


@dataclass(frozen=True)
class Page:
    """Text of one physical page (PDF) or of the whole file (other formats)."""

    number: int | None
    text: str
    label: str | None = None  # the printed page label ("18", "iv"), when known (indexer.docmeta)
    ocr: bool = False  # text read by OCR (indexer.ocr): the page had no text layer


@dataclass(frozen=True)
class RawDocument:
    """What a parser returns: the file's text per page, before cleaning."""

    path: Path
    format: str  # "pdf" | "html" | "txt" | "md"
    pages: tuple[Page, ...]
    title: str | None = None  # from metadata (<title>, PDF /Title) when present
    date: str | None = None  # publication date, ISO 8601 as precise as stated ("2024-12", "2024"): indexer.docmeta
    publisher: str | None = None  # who published it, when the document says (indexer.docmeta)


class RegionKind(str, Enum):
    """What a region that cleaning recognised is (the value is what it prints as)."""

    REPEATED_BLOCK = "repeated-block"  # a block the source repeated, kept once (the structure finder names it)
    FOOTNOTES = "footnotes"  # a page's footnote block, moved after the body


class Region(NamedTuple):
    """A span of the cleaned text that cleaning recognised."""

    start: int
    end: int
    kind: RegionKind


@dataclass(frozen=True)
class CleanDocument:
    """Cleaned text of a document with a map from character offset to page number."""

    text: str
    # Sorted (offset, page_number) pairs: the page that starts at each offset.
    page_starts: tuple[tuple[int, int | None], ...] = ((0, None),)
    # Human-readable notes on what cleaning removed (for diagnostics, not content).
    removed: tuple[str, ...] = ()
    # Spans that cleaning recognised (repeated blocks, footnote blocks), in text order.
    # Not persisted; empty for hand-built documents.
    regions: tuple[Region, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Page number of the character at ``offset``."""
        keys = [o for o, _ in self.page_starts]
        i = bisect.bisect_right(keys, offset) - 1
        return self.page_starts[max(i, 0)][1]

    def page_span(self, start: int, end: int) -> tuple[int | None, int | None]:
        """First and last page of the span ``[start, end)``."""
        last = max(start, end - 1)
        return self.page_at(start), self.page_at(last)


@dataclass(frozen=True)
class Segment:
    """A structural span of the cleaned text: chunks never cross a segment boundary."""

    start: int
    end: int
    role: str = ROLE_OTHER  # ROLE_RECOMMENDATION, ROLE_RESPONSE or ROLE_OTHER
    recommendation: str | None = None  # label: "7", "4a", "12 d-e" (see inquire.recnum)
    responder: str | None = None  # a response's responding body: "South Yorkshire Police", "Government", ...
    section: tuple[str, ...] = ()  # heading path, outermost first
    kind: str = KIND_BODY  # KIND_BODY, KIND_CONTENTS, KIND_NOTES or KIND_HEADING
    addressee: str | None = None  # a recommendation's addressee, when its wording names one


@dataclass(frozen=True)
class Recommendation:
    number: str
    text: str
    start: int
    end: int
    title: str | None = None
    addressee: str | None = None
    page_start: int | None = None
    page_end: int | None = None


@dataclass(frozen=True)
class Response:
    recommendation: str | None
    responder: str | None
    text: str
    start: int
    end: int
    page_start: int | None = None
    page_end: int | None = None
    stance: str | None = None  # indexer.stance.STANCES; None when the text states none (never a guess)
    stance_kind: str | None = None  # "stated", "status line", "implied" or "summary table"
    stance_start: int | None = None  # the sentence stating it: clean text [stance_start:stance_end]
    stance_end: int | None = None
    stance_page: int | None = None


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    start: int
    end: int
    page_start: int | None = None


@dataclass(frozen=True)
class Structure:
    """Everything the structure finder knows about one cleaned document."""

    segments: tuple[Segment, ...]
    recommendations: tuple[Recommendation, ...] = ()
    responses: tuple[Response, ...] = ()
    sections: tuple[Section, ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage as stored and retrieved, carrying its own citation."""

    chunk_id: str  # "<doc_id>-<seq:04d>": deterministic, survives re-index
    doc_id: str
    seq: int
    text: str
    start: int
    end: int
    page_start: int | None = None
    page_end: int | None = None
    section: tuple[str, ...] = ()
    recommendation: str | None = None
    role: str = ROLE_OTHER
    responder: str | None = None  # responses only
    kind: str = KIND_BODY  # KIND_BODY, KIND_CONTENTS, KIND_NOTES or KIND_HEADING
    mentions: tuple[str, ...] = ()  # recommendation numbers the passage or its section title names
    addressee: str | None = None  # recommendations only: who it is addressed to (not stored; embedded)
