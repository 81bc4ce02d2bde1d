"""Recommendation views: the tracker (``inquire recs``) and one recommendation with every
response to it across documents (``inquire rec N``). Reads the links made at index time."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from inquire.query.filters import check_range, stance_value, within

from inquire.errors import QueryError
from inquire.recnum import normalise_rec, rec_matches
from inquire.records import LINK_MENTION
from inquire.store import DocumentInfo, Index, LinkRow, RecommendationRow, ResponseRow


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
    date: str | None = None  # its document's publication date (ISO 8601, as precise as stated)
    page_label_start: str | None = None  # printed page labels of page_start / page_end, when known
    page_label_end: str | None = None
    ocr: bool = False  # a page it is on was read by OCR

    def first_words(self, n: int = 14) -> str:
        words = re.sub(r"^\s*(recommendation\s*:?\s*|\d+[a-z]?[.)]\s*)", "", self.text, flags=re.I).split()
        return " ".join(words[:n]) + (" …" if len(words) > n else "")

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "number": self.number,
            "title": self.title,
            "addressee": self.addressee,
            "doc": self.doc,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "date": self.date,
            "page_label_start": self.page_label_start,
            "page_label_end": self.page_label_end,
            "ocr": self.ocr,
        }


@dataclass(frozen=True)
class LinkedResponse:
    responder: str | None
    doc: str
    section: str | None
    page_start: int | None
    page_end: int | None
    start: int
    end: int
    method: str  # explicit | reference | content | mention
    confidence: float
    text: str
    chunk_id: str | None = None
    date: str | None = None  # the responding document's publication date
    page_label_start: str | None = None
    page_label_end: str | None = None
    ocr: bool = False  # a page of the passage was read by OCR
    stance: str | None = None  # what the response states (indexer.stance); None when it states none
    stance_kind: str | None = None  # "stated", "status line", "implied", "summary table"
    stance_sentence: str | None = None  # the sentence that states it, verbatim
    stance_page: int | None = None
    stance_page_label: str | None = None
    stance_start: int | None = None
    stance_end: int | None = None

    def to_json(self) -> dict:
        return {
            "responder": self.responder,
            "doc": self.doc,
            "section": self.section,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "start": self.start,
            "end": self.end,
            "chunk_id": self.chunk_id,
            "linked": self.method,
            "confidence": self.confidence,
            "text": self.text,
            "date": self.date,
            "page_label_start": self.page_label_start,
            "page_label_end": self.page_label_end,
            "ocr": self.ocr,
            "stance": self.stance,
            "stance_kind": self.stance_kind,
            "stance_sentence": self.stance_sentence,
            "stance_page": self.stance_page,
            "stance_page_label": self.stance_page_label,
            "stance_start": self.stance_start,
            "stance_end": self.stance_end,
        }


@dataclass(frozen=True)
class RecView:
    recommendation: RecRecord
    printed_in: tuple[RecRecord, ...]  # the same recommendation quoted in other documents
    responses: tuple[LinkedResponse, ...]
    mentions: tuple[LinkedResponse, ...] = ()  # replies to other recommendations that point to this one

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
                {"responder": body, "doc": doc, "passages": [r.to_json() for r in rs]}
                for (body, doc), rs in self.grouped().items()
            ],
            "mentions": [r.to_json() for r in self.mentions],
        }


@dataclass(frozen=True)
class TrackerRow:
    recommendation: RecRecord
    responders: tuple[str, ...]
    docs: tuple[str, ...]
    n_links: int
    methods: tuple[str, ...] = field(default=())
    stances: tuple[tuple[str, str], ...] = field(default=())  # (responding body, stance) per response stating one

    def to_json(self) -> dict:
        return self.recommendation.to_json() | {
            "first_words": self.recommendation.first_words(),
            "responders": list(self.responders),
            "response_docs": list(self.docs),
            "responses": self.n_links,
            "linked": list(self.methods),
            "stances": [{"responder": body, "stance": st} for body, st in self.stances],
        }


def _labels(d: DocumentInfo | None, start: int | None, end: int | None) -> dict:
    if d is None:
        return {}
    pages = range(start, (end or start) + 1) if start else range(0)
    return {
        "date": d.published,
        "page_label_start": d.page_label(start),
        "page_label_end": d.page_label(end),
        "ocr": any(p in d.ocr_pages for p in pages),
    }


def _records(index: Index) -> list[RecRecord]:
    docs = {d.doc_id: d for d in index.documents()}
    return [_record(r, docs[r.doc_id]) for r in index.recommendations()]


def _record(r: RecommendationRow, d: DocumentInfo) -> RecRecord:
    return RecRecord(
        id=r.id,
        canonical_id=r.id if r.canonical_id is None else r.canonical_id,
        source=r.source,
        number=r.number,
        title=r.title,
        addressee=r.addressee,
        text=r.text,
        doc=d.name,
        page_start=r.page_start,
        page_end=r.page_end,
        start=r.start,
        end=r.end,
        **_labels(d, r.page_start, r.page_end),
    )


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def names_source(query: str, *names: str | None) -> bool:
    """``--source`` text names one of these (a source's title, a file name), whatever the punctuation:
    "Post Office" names post_office_horizon_inquiry_vol1.pdf, "covid-19" names "Covid 19"."""
    q = _squash(query)
    return any(q in _squash(n) for n in names if n)


def _by_source(r: RecRecord) -> tuple[bool, str]:
    """Recommendations without a source first, then by source name."""
    return (r.source is not None, r.source or "")


def _response_of(lk: LinkRow, responses: dict[int, ResponseRow], by_doc: dict[str, list[ResponseRow]]) -> ResponseRow | None:
    """The response record a link reaches: its own (explicit links), else the one its passage lies in."""
    if lk.response_id is not None and lk.response_id in responses:
        return responses[lk.response_id]
    inside = [
        r
        for r in by_doc.get(lk.doc_id, [])
        if r.start <= lk.start < r.end and (lk.responder is None or r.responder is None or r.responder == lk.responder)
    ]
    return inside[0] if len(inside) == 1 else None


def _stance(index: Index, d: DocumentInfo, r: ResponseRow | None) -> dict:
    if r is None or r.stance is None or r.stance_start is None or r.stance_end is None:
        return {}
    return {
        "stance": r.stance,
        "stance_kind": r.stance_kind,
        "stance_page": r.stance_page,
        "stance_page_label": d.page_label(r.stance_page),
        "stance_start": r.stance_start,
        "stance_end": r.stance_end,
        "stance_sentence": " ".join(index.span_text(r.doc_id, r.stance_start, r.stance_end).split()),
    }


@dataclass(frozen=True)
class _Docs:
    """What dating, labelling and finding the stance of linked passages reads, read once."""

    docs: dict[str, DocumentInfo]
    responses: dict[int, ResponseRow]
    by_doc: dict[str, list[ResponseRow]]

    @classmethod
    def read(cls, index: Index) -> _Docs:
        rows = index.responses()
        by_doc: dict[str, list[ResponseRow]] = defaultdict(list)
        for r in rows:
            by_doc[r.doc_id].append(r)
        return cls({d.doc_id: d for d in index.documents()}, {r.id: r for r in rows}, dict(by_doc))


def _linked(index: Index, links: list[LinkRow], ctx: _Docs | None = None) -> list[LinkedResponse]:
    """Links as responses with their stance, dated, earliest document first (undated last)."""
    ctx = ctx or _Docs.read(index)
    docs, responses, by_doc = ctx.docs, ctx.responses, ctx.by_doc

    def order(lk: LinkRow) -> tuple:
        date = docs[lk.doc_id].published
        return (date is None, date or "", lk.method == "content", -lk.confidence, docs[lk.doc_id].name, lk.start)

    out = []
    for lk in sorted(links, key=order):
        d = docs[lk.doc_id]
        out.append(
            LinkedResponse(
                lk.responder,
                d.name,
                lk.section,
                lk.page_start,
                lk.page_end,
                lk.start,
                lk.end,
                lk.method,
                lk.confidence,
                index.span_text(lk.doc_id, lk.start, lk.end),
                lk.chunk_id,
                **_labels(d, lk.page_start, lk.page_end),
                **_stance(index, d, _response_of(lk, responses, by_doc)),
            )
        )
    return out


def _responses(index: Index, rec_id: int) -> list[LinkedResponse]:
    return _linked(index, index.links(rec_id))


def rec_views(index: Index, number: str, source: str | None = None) -> list[RecView]:
    """Recommendation ``number`` (sub-parts included) of every source, or of sources matching ``source``."""
    if not re.fullmatch(r"\s*\d{1,3}.*", number or ""):
        raise QueryError(f"{number!r} is not a recommendation number; give one such as 7, 4a or '12 d-e'")
    rows = sorted(_records(index), key=lambda r: (*_by_source(r), r.start))
    canon = [r for r in rows if r.id == r.canonical_id and rec_matches(r.number, number)]
    if source:
        canon = [r for r in canon if names_source(source, r.source, r.doc)]
    # per source: recommendation N itself, else its parts (12a-12e when the report has no 12 of its own)
    by_source: dict[str | None, list[RecRecord]] = defaultdict(list)
    for r in canon:
        by_source[r.source].append(r)
    canon = []
    for recs_of_source in by_source.values():
        exact = [r for r in recs_of_source if normalise_rec(r.number) == normalise_rec(number)]
        canon += exact or recs_of_source
    views = []
    for rec in canon:
        printed = tuple(r for r in rows if r.canonical_id == rec.id and r.id != rec.id)
        linked = _responses(index, rec.id)
        views.append(
            RecView(
                rec,
                printed,
                tuple(r for r in linked if r.method != LINK_MENTION),
                tuple(r for r in linked if r.method == LINK_MENTION),
            )
        )
    return views


def sources(index: Index) -> list[str]:
    return index.sources()


def tracker(
    index: Index,
    doc: str | None = None,
    source: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[TrackerRow]:
    """One row per recommendation: who responded, in which documents (all links at or above threshold),
    and the stance each response states. ``status`` keeps recommendations with a response stating that
    stance; ``since``/``until`` (YYYY, YYYY-MM or YYYY-MM-DD) those whose report is dated in range."""
    since, until = check_range(since, until)
    if status is not None:
        status = stance_value(status, "--status")
    rows = sorted(_records(index), key=lambda r: (*_by_source(r), r.id))
    rows = [r for r in rows if within(r.date, since, until)]
    if doc:
        rows = [r for r in rows if doc.lower() in r.doc.lower()]
    else:
        rows = [r for r in rows if r.id == r.canonical_id]
    if source:
        rows = [r for r in rows if names_source(source, r.source, r.doc)]
    names = {d.doc_id: d.name for d in index.documents()}
    links: dict[int, list[LinkRow]] = defaultdict(list)
    for lk in index.links():
        if lk.method != LINK_MENTION:  # a pointer from the reply to another recommendation answers nothing
            links[lk.rec_id].append(lk)
    ctx = _Docs.read(index)
    out = []
    for r in rows:
        lks = links.get(r.canonical_id, [])
        stances = tuple(
            dict.fromkeys((lr.responder or "responder not stated", lr.stance) for lr in _linked(index, lks, ctx) if lr.stance)
        )
        if status is not None and not any(st == status for _, st in stances):
            continue
        out.append(
            TrackerRow(
                r,
                tuple(dict.fromkeys(lk.responder for lk in lks if lk.responder)),
                tuple(dict.fromkeys(names[lk.doc_id] for lk in lks)),
                len(lks),
                tuple(dict.fromkeys(lk.method for lk in lks)),
                stances,
            )
        )
    return out


def stance_counts(rows: list[TrackerRow]) -> dict[str, int]:
    """How many (recommendation, responding body) pairs state each stance."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for _, st in row.stances:
            counts[st] += 1
    return dict(counts)
