"""Recommendation views: the tracker (``inquire recs``) and one recommendation with every
response to it across documents (``inquire rec N``). Reads the links made at index time."""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

from inquire.errors import QueryError
from inquire.text import normalise_rec, rec_matches


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


_REC_SQL = """SELECT r.id, coalesce(r.canonical_id, r.id) AS canonical_id, r.source, r.number, r.title, r.addressee, r.text,
                     d.name AS doc, r.page_start, r.page_end, r.start, r.end
              FROM recommendations r JOIN documents d USING(doc_id)"""


def _rec(row) -> RecRecord:
    return RecRecord(**dict(row))


def _responses(conn: sqlite3.Connection, rec_id: int) -> list[LinkedResponse]:
    rows = conn.execute(
        """SELECT l.*, d.name AS doc, substr(d.text, l.start + 1, l.end - l.start) AS text FROM links l
           JOIN documents d USING(doc_id) WHERE l.rec_id = ? ORDER BY l.method = 'content', -l.confidence, d.name, l.start""",
        (rec_id,),
    ).fetchall()
    return [LinkedResponse(r["responder"], r["doc"], r["section"], r["page_start"], r["page_end"], r["start"], r["end"],
                           r["method"], r["confidence"], r["text"], r["chunk_id"]) for r in rows]


def rec_views(conn: sqlite3.Connection, number: str, source: str | None = None) -> list[RecView]:
    """Recommendation ``number`` (sub-parts included) of every source, or of sources matching ``source``."""
    if not re.fullmatch(r"\s*\d{1,3}.*", number or ""):
        raise QueryError(f"{number!r} is not a recommendation number; give one such as 7, 4a or '12 d-e'")
    rows = [_rec(r) for r in conn.execute(_REC_SQL + " ORDER BY r.source, r.start")]
    canon = [r for r in rows if r.id == r.canonical_id and rec_matches(r.number, number)]
    exact = [r for r in canon if normalise_rec(r.number) == normalise_rec(number)]
    canon = exact or canon
    if source:
        s = source.lower()
        canon = [r for r in canon if s in (r.source or "").lower() or s in r.doc.lower()]
    views = []
    for rec in canon:
        printed = tuple(r for r in rows if r.canonical_id == rec.id and r.id != rec.id)
        views.append(RecView(rec, printed, tuple(_responses(conn, rec.id))))
    return views


def sources(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT source FROM recommendations WHERE source IS NOT NULL ORDER BY source")]


def tracker(conn: sqlite3.Connection, doc: str | None = None, source: str | None = None) -> list[TrackerRow]:
    """One row per recommendation: who responded, in which documents (all links at or above threshold)."""
    rows = [_rec(r) for r in conn.execute(_REC_SQL + " ORDER BY r.source, r.id")]
    if doc:
        rows = [r for r in rows if doc.lower() in r.doc.lower()]
    else:
        rows = [r for r in rows if r.id == r.canonical_id]
    if source:
        rows = [r for r in rows if source.lower() in (r.source or "").lower()]
    links: dict[int, list] = defaultdict(list)
    for lk in conn.execute("SELECT l.rec_id, l.responder, l.method, d.name FROM links l JOIN documents d USING(doc_id)"):
        links[lk["rec_id"]].append(lk)
    out = []
    for r in rows:
        lks = links.get(r.canonical_id, [])
        out.append(TrackerRow(
            r, tuple(dict.fromkeys(lk["responder"] for lk in lks if lk["responder"])),
            tuple(dict.fromkeys(lk["name"] for lk in lks)), len(lks), tuple(dict.fromkeys(lk["method"] for lk in lks)),
        ))
    return out
