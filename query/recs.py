"""Recommendation views: the tracker (``inquire recs``) and one recommendation with every
response to it across documents (``inquire rec N``). Reads the links made at index time."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from inquire.errors import QueryError
from inquire.recnum import normalise_rec, rec_matches
from inquire.store import Index, LinkRow, RecommendationRow


@dataclass(frozen=True)
class RecRecord:
    id: int
    canonical_id: int
    source: str | None
    number: str
    title: str | None
    addressee: str | None
    text: str
    doc: str
    page_start: int | None
    page_end: int | None
    start: int
    end: int

    def first_words(self, n: int = 14) -> str:
        words = re.sub(r"^\s*(recommendation\s*:?\s*|\d+[a-z]?[.)]\s*)", "", self.text, flags=re.I).split()
        return " ".join(words[:n]) + (" …" if len(words) > n else "")

    def to_json(self) -> dict:
        return {"source": self.source, "number": self.number, "title": self.title, "addressee": self.addressee,
                "doc": self.doc, "page_start": self.page_start, "page_end": self.page_end, "start": self.start,
                "end": self.end, "text": self.text}


@dataclass(frozen=True)
class LinkedResponse:
    responder: str | None
    doc: str
    section: str | None
    page_start: int | None
    page_end: int | None
    start: int
    end: int
    method: str  # explicit | reference | content
    confidence: float
    text: str
    chunk_id: str | None = None

    def to_json(self) -> dict:
        return {"responder": self.responder, "doc": self.doc, "section": self.section, "page_start": self.page_start,
                "page_end": self.page_end, "start": self.start, "end": self.end, "chunk_id": self.chunk_id,
                "linked": self.method, "confidence": self.confidence, "text": self.text}


@dataclass(frozen=True)
class RecView:
    recommendation: RecRecord
    printed_in: tuple[RecRecord, ...]  # the same recommendation quoted in other documents
    responses: tuple[LinkedResponse, ...]

    def grouped(self) -> dict[tuple[str, str], list[LinkedResponse]]:
        """Responses grouped by (responding body, document)."""
        out: dict[tuple[str, str], list[LinkedResponse]] = defaultdict(list)
        for r in self.responses:
            out[(r.responder or "responder not stated", r.doc)].append(r)
        return dict(out)

    def to_json(self) -> dict:
        return {
            "recommendation": self.recommendation.to_json(),
            "printed_in": [r.to_json() for r in self.printed_in],
            "responses": [
                {"responder": body, "doc": doc, "passages": [r.to_json() for r in rs]} for (body, doc), rs in self.grouped().items()
            ],
        }


@dataclass(frozen=True)
class TrackerRow:
    recommendation: RecRecord
    responders: tuple[str, ...]
    docs: tuple[str, ...]
    n_links: int
    methods: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return self.recommendation.to_json() | {
            "first_words": self.recommendation.first_words(), "responders": list(self.responders),
            "response_docs": list(self.docs), "responses": self.n_links, "linked": list(self.methods),
        }


def _records(index: Index) -> list[RecRecord]:
    names = {d.doc_id: d.name for d in index.documents()}
    return [_record(r, names[r.doc_id]) for r in index.recommendations()]


def _record(r: RecommendationRow, doc: str) -> RecRecord:
    return RecRecord(id=r.id, canonical_id=r.id if r.canonical_id is None else r.canonical_id, source=r.source, number=r.number,
                     title=r.title, addressee=r.addressee, text=r.text, doc=doc, page_start=r.page_start,
                     page_end=r.page_end, start=r.start, end=r.end)


def _by_source(r: RecRecord) -> tuple[bool, str]:
    """Recommendations without a source first, then by source name."""
    return (r.source is not None, r.source or "")


def _responses(index: Index, rec_id: int) -> list[LinkedResponse]:
    names = {d.doc_id: d.name for d in index.documents()}

    def order(lk: LinkRow) -> tuple:
        return (lk.method == "content", -lk.confidence, names[lk.doc_id], lk.start)

    return [LinkedResponse(lk.responder, names[lk.doc_id], lk.section, lk.page_start, lk.page_end, lk.start, lk.end,
                           lk.method, lk.confidence, index.span_text(lk.doc_id, lk.start, lk.end), lk.chunk_id)
            for lk in sorted(index.links(rec_id), key=order)]


def rec_views(index: Index, number: str, source: str | None = None) -> list[RecView]:
    """Recommendation ``number`` (sub-parts included) of every source, or of sources matching ``source``."""
    if not re.fullmatch(r"\s*\d{1,3}.*", number or ""):
        raise QueryError(f"{number!r} is not a recommendation number; give one such as 7, 4a or '12 d-e'")
    rows = sorted(_records(index), key=lambda r: (*_by_source(r), r.start))
    canon = [r for r in rows if r.id == r.canonical_id and rec_matches(r.number, number)]
    exact = [r for r in canon if normalise_rec(r.number) == normalise_rec(number)]
    canon = exact or canon
    if source:
        s = source.lower()
        canon = [r for r in canon if s in (r.source or "").lower() or s in r.doc.lower()]
    views = []
    for rec in canon:
        printed = tuple(r for r in rows if r.canonical_id == rec.id and r.id != rec.id)
        views.append(RecView(rec, printed, tuple(_responses(index, rec.id))))
    return views


def sources(index: Index) -> list[str]:
    return index.sources()


def tracker(index: Index, doc: str | None = None, source: str | None = None) -> list[TrackerRow]:
    """One row per recommendation: who responded, in which documents (all links at or above threshold)."""
    rows = sorted(_records(index), key=lambda r: (*_by_source(r), r.id))
    if doc:
        rows = [r for r in rows if doc.lower() in r.doc.lower()]
    else:
        rows = [r for r in rows if r.id == r.canonical_id]
    if source:
        rows = [r for r in rows if source.lower() in (r.source or "").lower()]
    names = {d.doc_id: d.name for d in index.documents()}
    links: dict[int, list[LinkRow]] = defaultdict(list)
    for lk in index.links():
        links[lk.rec_id].append(lk)
    out = []
    for r in rows:
        lks = links.get(r.canonical_id, [])
        out.append(TrackerRow(
            r, tuple(dict.fromkeys(lk.responder for lk in lks if lk.responder)),
            tuple(dict.fromkeys(names[lk.doc_id] for lk in lks)), len(lks), tuple(dict.fromkeys(lk.method for lk in lks)),
        ))
    return out
