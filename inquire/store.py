"""The index: one published version of plain files plus a manifest (see ``inquire.versions`` for
the folder layout: ``<index>/CURRENT`` names the version folder ``<index>/v-NNNNNN/`` that holds them).

    manifest.json   format version, package version, model + dim, chunking, created/updated,
                    per-file content hashes
    vectors.faiss   FAISS IndexIDMap2(IndexFlatIP): ids are ``chunks.id`` in the database
    sentences.faiss the same for every sentence of every chunk: ids are ``sentences.id``
    meta.sqlite     documents, chunks (+ FTS5 table), recommendations, responses, sections, links,
                    chunks' token states (signs packed, for late interaction)

This module is the only one that speaks SQL: ``Index`` does every read and ``IndexWriter`` every
write, by column name, with rows as small frozen records (``DocumentRow``, ``ChunkRow``, ...) whose
field names are the column names. ``Index.open`` resolves the published version once and opens
every file it reads from that version (the FAISS files are opened at once and read on first use),
so a reader never mixes two versions, whatever writers do meanwhile. ``IndexWriter`` writes a new
version in a staging folder inside the index location and publishes it by switching ``CURRENT``,
so a failed or interrupted run never leaves a half-written index behind. An index of older inquire
(the four files directly in the location) is read as it is and replaced by a version on the next write.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import sqlite3
import urllib.parse
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np

from inquire import versions
from inquire.errors import IndexIncompatible, IndexMissing
from inquire.faiss_files import (
    VectorSpill,
    build_ann,
    build_ann_from,
    flat_vectors,
    read_ann,
    read_vectors,
    write_error,
    write_flat,
    write_vectors,
)
from inquire.params import ANN, AnnParams
from inquire.recnum import normalise_rec
from inquire.records import CleanDocument
from inquire.views import create_views

FORMAT_VERSION = 6  # 6: documents' date, publisher, page labels, OCR'd pages; responses' stance
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
SENTENCE_VECTORS = "sentences.faiss"
# approximate indexes of the same vectors, written only for large indexes (inquire.params.AnnParams)
VECTORS_ANN = "vectors.ivf.faiss"
SENTENCE_VECTORS_ANN = "sentences.ivf.faiss"
POSTINGS = "lexical.postings"  # the FTS5 table's BM25 postings as arrays (inquire.postings), large indexes only
DATABASE = "meta.sqlite"
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"  # chunks_fts's tokenizer (SCHEMA); FtsTokenizer repeats it

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,       -- first 16 hex of the file's sha256
    path TEXT NOT NULL,            -- absolute path when indexed
    name TEXT NOT NULL,            -- file basename, shown in citations
    title TEXT,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    n_pages INTEGER,
    published TEXT,                -- publication date, ISO 8601 as precise as stated ("2024-12", "2024")
    publisher TEXT,
    page_labels TEXT NOT NULL DEFAULT '[]',  -- JSON: printed page label (or null) per physical page
    ocr_pages TEXT NOT NULL DEFAULT '[]',    -- JSON: physical pages whose text was read by OCR
    text TEXT NOT NULL,            -- cleaned text: offsets below index into it
    page_starts TEXT NOT NULL      -- JSON [[offset, page], ...]
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,        -- = FAISS id
    chunk_id TEXT NOT NULL UNIQUE, -- <doc_id>-<seq>, stable across re-indexing
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    section TEXT,                  -- heading path joined with " > "
    recommendation TEXT,
    role TEXT NOT NULL,
    responder TEXT,
    kind TEXT NOT NULL,            -- body | contents | notes | heading (all but body rank lower)
    mentions TEXT NOT NULL,        -- recommendation numbers named in the text or section title, space-separated
    vector_key TEXT NOT NULL       -- sha1 of the text that was embedded: a later run reuses the vector
);
CREATE INDEX chunks_key ON chunks(vector_key);
CREATE INDEX chunks_doc ON chunks(doc_id, seq);
CREATE INDEX chunks_rec ON chunks(recommendation);
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    text, content="chunks", content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,        -- = id in sentences.faiss
    chunk INTEGER NOT NULL REFERENCES chunks(id),
    start INTEGER NOT NULL,        -- offsets into the document's cleaned text
    end INTEGER NOT NULL,
    vector_key TEXT NOT NULL       -- sha1 of the sentence text
);
CREATE INDEX sentences_chunk ON sentences(chunk);
CREATE INDEX sentences_key ON sentences(vector_key);
CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    number TEXT NOT NULL,
    canonical_id INTEGER,          -- the same recommendation in its source report (linking); self if it is the source
    source TEXT,                   -- name of the report or inquiry that made it (linking)
    title TEXT,
    addressee TEXT,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER,
    page_end INTEGER
);
CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    recommendation TEXT,
    responder TEXT,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    stance TEXT,                   -- indexer.stance.STANCES, NULL when the text states none
    stance_kind TEXT,              -- "stated", "status line", "implied", "summary table"
    stance_start INTEGER,          -- the sentence stating it: documents.text[stance_start:stance_end]
    stance_end INTEGER,
    stance_page INTEGER
);
CREATE INDEX responses_doc ON responses(doc_id, start);  -- a passage's stance (Index.passages): 240 -> 3.5 ms at 10k passages
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    rec_id INTEGER NOT NULL REFERENCES recommendations(id),  -- canonical recommendation
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    chunk_id TEXT,                 -- the responding passage (content and reference links)
    response_id INTEGER,           -- the response record (explicit links)
    responder TEXT,
    section TEXT,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    method TEXT NOT NULL,          -- explicit | reference | content
    confidence REAL NOT NULL
);
CREATE TABLE token_states (  -- a chunk's token states as the model read its embedding text, signs packed (pack_signs)
    id INTEGER PRIMARY KEY,  -- chunks.id
    bits BLOB NOT NULL
);
CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    path TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER
);
"""


def package_version() -> str:
    try:
        return metadata.version("inquire")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Manifest:
    model: str
    dim: int
    chunking: dict
    processing: str = ""  # fingerprint of the code that turns files into chunks (see pipeline)
    linking: str = ""  # fingerprint of the code and parameters that linked it (indexer/linking.py)
    files: dict[str, str] = field(default_factory=dict)  # absolute path -> sha256
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    format_version: int = FORMAT_VERSION
    package_version: str = field(default_factory=package_version)
    counts: dict = field(default_factory=dict)
    sentences: str = (
        "own"  # how sentence vectors are made: "own" (each sentence read alone) or "pooled" (from its passage's pass)
    )

    def to_json(self) -> dict:
        return {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "model": {"name": self.model, "dim": self.dim},
            "chunking": self.chunking,
            "processing": self.processing,
            "linking": self.linking,
            "created": self.created,
            "updated": self.updated,
            "counts": self.counts,
            "sentences": self.sentences,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(
            model=data["model"]["name"],
            dim=int(data["model"]["dim"]),
            chunking=dict(data.get("chunking", {})),
            processing=str(data.get("processing", "")),
            linking=str(data.get("linking", "")),
            files=dict(data.get("files", {})),
            created=data.get("created", ""),
            updated=data.get("updated", ""),
            format_version=int(data.get("format_version", 0)),
            package_version=data.get("package_version", ""),
            counts=dict(data.get("counts", {})),
            sentences=str(data.get("sentences", "own")),
        )


def read_manifest(location: Path) -> Manifest:
    """The manifest of the version published at ``location`` (checked: format version, files)."""
    return manifest_of(versions.resolve(Path(location)))


def manifest_of(version: versions.Version) -> Manifest:
    """The manifest of one version, checked: its format version and that its other files are there.
    Messages name the index location (what the user passed), not the version folder."""
    where = version.location
    path = version.dir / MANIFEST
    try:
        manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        if version.flat:
            raise IndexMissing(f"no index at {where}: run `inquire index` (add --index {where} if you moved it)") from None
        raise IndexIncompatible(f"index at {where} is missing {MANIFEST}; run `inquire index --rebuild`") from None
    except (ValueError, KeyError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise IndexIncompatible(f"index at {where} has an unreadable manifest ({exc}); run `inquire index --rebuild`") from exc
    except OSError as exc:
        raise IndexIncompatible(f"index at {where}: cannot read {MANIFEST} ({exc.strerror}); check its permissions") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexIncompatible(
            f"index at {where} has format version {manifest.format_version}; this install reads "
            f"version {FORMAT_VERSION}: run `inquire index --rebuild`"
        )
    for name in (VECTORS, SENTENCE_VECTORS, DATABASE):
        if not (version.dir / name).exists():
            raise IndexIncompatible(f"index at {where} is missing {name}; run `inquire index --rebuild`")
    return manifest


def check_model(index_dir: Path, manifest: Manifest, model: str, dim: int) -> None:
    if manifest.model != model or manifest.dim != dim:
        raise IndexIncompatible(
            f"index at {index_dir} was built with model {manifest.model} ({manifest.dim}-d); this install "
            f"embeds with {model} ({dim}-d): run `inquire index --rebuild`"
        )


def connect(path: Path, readonly: bool = True, immutable: bool = False) -> sqlite3.Connection:
    """A connection to ``path``; ``immutable``: a published version's database, which nothing
    modifies (SQLite then takes no locks and looks for no journal)."""
    if readonly:
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
        conn = sqlite3.connect(uri, uri=True)
    else:
        conn = sqlite3.connect(str(path))
    conn.row_factory = sqlite3.Row
    return conn


def new_faiss_index(dim: int):
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def read_faiss(location: Path, name: str = VECTORS):
    """One FAISS file of the version published at ``location``, unchecked (tests and scripts)."""
    import faiss

    return faiss.read_index(str(versions.resolve(Path(location)).dir / name))


# Rows. Field names are column names; ``id`` is 0 for a row not yet written (the database numbers
# it), except chunks, whose id the writer chooses because it is also the FAISS id.


@dataclass(frozen=True, kw_only=True)
class DocumentInfo:
    """A document without its text."""

    doc_id: str  # first 16 hex of the file's sha256
    path: str
    name: str
    title: str | None
    format: str
    sha256: str
    n_pages: int | None
    published: str | None = None  # publication date, ISO 8601 as precise as stated
    publisher: str | None = None
    page_labels: tuple[str | None, ...] = ()  # printed label per physical page (index 0 = page 1)
    ocr_pages: tuple[int, ...] = ()  # physical pages read by OCR

    def page_label(self, page: int | None) -> str | None:
        """The printed label of physical page ``page``, when known."""
        return self.page_labels[page - 1] if page and 0 < page <= len(self.page_labels) else None


@dataclass(frozen=True, kw_only=True)
class DocumentRow(DocumentInfo):
    text: str  # the cleaned text every offset points into
    page_starts: tuple[tuple[int, int | None], ...]  # (offset, page) where each page starts


@dataclass(frozen=True, kw_only=True)
class ChunkMeta:
    """What ranking needs to know about a chunk, without its text."""

    id: int  # = FAISS id
    doc_id: str
    seq: int
    recommendation: str | None
    role: str
    responder: str | None
    kind: str
    mentions: tuple[str, ...]  # recommendation numbers the passage (or its section title) names, normalised
    section: str | None  # heading path joined with " > "


@dataclass(frozen=True, kw_only=True)
class ChunkRow(ChunkMeta):
    chunk_id: str  # <doc_id>-<seq:04d>
    text: str
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    vector_key: str  # sha1 of the text that was embedded


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A chunk with its document's name and title: what a search hit is made from."""

    id: int
    chunk_id: str
    text: str
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    section: str | None
    recommendation: str | None
    role: str
    responder: str | None
    doc: str  # the document's file name
    title: str | None
    page_label_start: str | None = None  # printed page labels of page_start / page_end, when known
    page_label_end: str | None = None
    ocr: bool = False  # a page of the passage was read by OCR
    stance: str | None = None  # responses: the stance the response it lies in states, when one (and only one) is stated


@dataclass(frozen=True, kw_only=True)
class SentenceRow:
    chunk: int  # chunks.id
    start: int  # offsets into the document's cleaned text
    end: int
    vector_key: str
    id: int = 0  # = id in sentences.faiss


@dataclass(frozen=True, kw_only=True)
class RecommendationRow:
    doc_id: str
    number: str
    text: str
    start: int
    end: int
    title: str | None = None
    addressee: str | None = None
    page_start: int | None = None
    page_end: int | None = None
    canonical_id: int | None = None  # set by linking: the same recommendation in its source report
    source: str | None = None  # set by linking: the report or inquiry that made it
    id: int = 0


@dataclass(frozen=True, kw_only=True)
class ResponseRow:
    doc_id: str
    recommendation: str | None
    responder: str | None
    text: str
    start: int
    end: int
    page_start: int | None = None
    page_end: int | None = None
    stance: str | None = None  # None when the text states none
    stance_kind: str | None = None
    stance_start: int | None = None
    stance_end: int | None = None
    stance_page: int | None = None
    id: int = 0


@dataclass(frozen=True, kw_only=True)
class SectionRow:
    doc_id: str
    path: str  # heading path joined with " > "
    start: int
    end: int
    page_start: int | None = None
    id: int = 0


@dataclass(frozen=True, kw_only=True)
class LinkRow:
    rec_id: int  # the canonical recommendation
    doc_id: str
    responder: str | None
    section: str | None
    start: int
    end: int
    page_start: int | None
    page_end: int | None
    method: str  # explicit | reference | content
    confidence: float
    chunk_id: str | None = None  # the responding passage (content and reference links)
    response_id: int | None = None  # the response record (explicit links)
    id: int = 0


@dataclass(frozen=True)
class SourceAssignment:
    """Linking's verdict for one recommendation row: its twin in the source report, and that report."""

    rec_id: int
    canonical_id: int
    source: str | None


Row = TypeVar("Row")

# Columns stored in another form than the record holds them.
_ENCODE: dict[str, Any] = {
    "mentions": lambda v: " ".join(v),
    "page_starts": lambda v: json.dumps([list(p) for p in v]),
    "page_labels": lambda v: json.dumps(list(v)),
    "ocr_pages": lambda v: json.dumps(list(v)),
}
_DECODE: dict[str, Any] = {
    "mentions": lambda v: tuple(v.split()),
    "page_starts": lambda v: tuple(tuple(p) for p in json.loads(v)),
    "page_labels": lambda v: tuple(json.loads(v)),
    "ocr_pages": lambda v: tuple(json.loads(v)),
}
_BATCH = 500  # ids per IN (...) list
# A published index reads its chunks' metadata from ChunkColumns once this share of its chunks (at
# least META_COLUMNS_MIN) has been read row by row: a row read by id costs about 30 rows of a scan.
META_COLUMNS_AFTER = 1 / 30
META_COLUMNS_MIN = 2_000


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _names(cls: type) -> tuple[str, ...]:
    """The field names of the record class ``cls`` (cached per class)."""
    return _field_names(cls)


def _columns(cls: type, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in _names(cls))


def _record(cls: type[Row], row: sqlite3.Row, prefix: str = "") -> Row:
    """The record ``cls`` from the columns ``prefix + field name`` of ``row``."""
    names, decoded = _reading(cls)
    if not prefix and len(row) == len(names):  # selected as ``_columns(cls)``: the fields, in order
        values = dict(zip(names, row))
    else:
        values = {name: row[prefix + name] for name in names}
    for name in decoded:
        values[name] = _DECODE[name](values[name])
    # the record without the frozen dataclass's __init__ (a checked setattr per field: 5x slower); the
    # values are the class's fields, all of them, straight from the table that was written from it
    record = object.__new__(cls)
    record.__dict__.update(values)
    return record


_READING: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _reading(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The field names of ``cls`` and those of them stored encoded (``_DECODE``), cached per class."""
    if cls not in _READING:
        names = _names(cls)
        _READING[cls] = names, tuple(n for n in names if n in _DECODE)
    return _READING[cls]


def _passage(r: sqlite3.Row) -> Passage:
    """A Passage from a row of chunk columns plus its document's page labels and OCR'd pages."""
    labels, ocr_pages = json.loads(r["page_labels"]), set(json.loads(r["ocr_pages"]))
    start, end = r["page_start"], r["page_end"]

    def label(page: int | None) -> str | None:
        return labels[page - 1] if page and 0 < page <= len(labels) else None

    pages = range(start, (end or start) + 1) if start else range(0)
    values = {name: r[name] for name in _names(Passage) if name not in ("page_label_start", "page_label_end", "ocr")}
    return Passage(**values, page_label_start=label(start), page_label_end=label(end), ocr=any(p in ocr_pages for p in pages))


def _batches(ids: Sequence[Any]) -> Iterator[tuple[Sequence[Any], str]]:
    """``ids`` in slices, each with its ``?,?,...`` placeholder list."""
    for start in range(0, len(ids), _BATCH):
        part = ids[start : start + _BATCH]
        yield part, ",".join("?" * len(part))


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, literally (wildcards escaped), case-insensitively."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ChunkSelection:
    """A search filter resolved to stored values: the chunks whose document, responder,
    recommendation (each one of the given values) and role match; ``None`` leaves that field free.
    Search backends apply it inside their search (SQL here, payload filters in Qdrant)."""

    doc_ids: frozenset[str] | None = None
    responders: frozenset[str] | None = None
    recommendations: frozenset[str] | None = None
    role: str | None = None
    # with ``recommendations``: chunks (chunk_id) that belong to the wanted recommendation under another
    # number, in a document that numbers it its own way (a response's heading "2" for the report's 9)
    also_chunks: frozenset[str] = frozenset()
    # only these chunks (chunk_id), whatever else is selected: a filter resolved to passages
    # (a stance: the response passages that state it)
    chunk_ids: frozenset[str] | None = None

    def empty(self) -> bool:
        """No chunk can match (a field restricted to no value)."""
        recs = None if self.recommendations is None else (self.recommendations or self.also_chunks)
        return any(v is not None and not v for v in (self.doc_ids, self.responders, recs, self.chunk_ids))

    def admits(self, chunk: ChunkMeta) -> bool:
        return (
            (self.doc_ids is None or chunk.doc_id in self.doc_ids)
            and (self.responders is None or chunk.responder in self.responders)
            and (
                self.recommendations is None
                or chunk.recommendation in self.recommendations
                or f"{chunk.doc_id}-{chunk.seq:04d}" in self.also_chunks
            )
            and (self.role is None or chunk.role == self.role)
            and (self.chunk_ids is None or f"{chunk.doc_id}-{chunk.seq:04d}" in self.chunk_ids)
        )

    def sql(self, alias: str = "chunks") -> tuple[str, list[Any]]:
        """A WHERE clause over ``alias`` (one JSON parameter per list, so any length fits)."""
        clauses, args = [], []
        for column, values in (
            ("doc_id", self.doc_ids),
            ("responder", self.responders),
        ):
            if values is not None:
                clauses.append(f"{alias}.{column} IN (SELECT value FROM json_each(?))")
                args.append(json.dumps(sorted(values)))
        if self.recommendations is not None:
            clause = f"{alias}.recommendation IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(sorted(self.recommendations)))
            if self.also_chunks:
                clause = f"({clause} OR {alias}.chunk_id IN (SELECT value FROM json_each(?)))"
                args.append(json.dumps(sorted(self.also_chunks)))
            clauses.append(clause)
        if self.role is not None:
            clauses.append(f"{alias}.role = ?")
            args.append(self.role)
        if self.chunk_ids is not None:
            clauses.append(f"{alias}.chunk_id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(sorted(self.chunk_ids)))
        return " AND ".join(clauses) or "1=1", args


# A passage's stance: the one stance of the responses it overlaps (same responder), or NULL when they
# state none or disagree. ``Index.passages`` shows it; ``Index.chunk_ids_with_stance`` filters by it.
_PASSAGE_STANCE = (
    "(SELECT CASE WHEN COUNT(DISTINCT r.stance) = 1 THEN MAX(r.stance) END FROM responses r"
    " WHERE c.role = 'response' AND r.doc_id = c.doc_id AND r.start < c.end AND c.start < r.end"
    " AND (c.responder IS NULL OR r.responder IS NULL OR r.responder = c.responder))"
)


class ChunkColumns:
    """The chunks table's filterable columns as arrays, read in one scan: what a ``ChunkSelection``
    selects is then a mask over them, not a scan of the table per selection (each one 85 ms at 100k
    passages, the text being stored in the rows), and a chunk's metadata (``ChunkMeta``) is read from
    them instead of a row. About 40 bytes a chunk, plus each distinct value once. Only for a
    published index, which never changes while open."""

    _CODED = ("doc", "rec", "role", "responder", "kind", "mentions", "section")
    _SLICE = 65_536  # rows read and coded at a time: a million rows' values as Python objects are about 1 GB

    def __init__(self, conn: sqlite3.Connection) -> None:
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples
        q = "SELECT id, seq, doc_id, recommendation, role, responder, kind, mentions, section FROM chunks ORDER BY id"
        cursor.execute(q)
        self.codes: dict[str, dict[str, int]] = {c: {} for c in self._CODED}
        parts: dict[str, list[np.ndarray]] = {c: [] for c in ("ids", "seq", *self._CODED)}
        while rows := cursor.fetchmany(self._SLICE):
            ids, seq, *coded = zip(*rows)
            parts["ids"].append(np.asarray(ids, dtype=np.int64))
            parts["seq"].append(np.asarray(seq, dtype=np.int64))
            for column, values in zip(self._CODED, coded):
                parts[column].append(self._coded(column, values))
        joined: dict[str, np.ndarray] = {
            c: np.concatenate(p) if p else np.zeros(0, np.int64 if c in ("ids", "seq") else np.int32) for c, p in parts.items()
        }
        self.ids, self.seq = joined["ids"], joined["seq"]
        self.doc, self.rec, self.role, self.responder = joined["doc"], joined["rec"], joined["role"], joined["responder"]
        self.kind, self.mentions, self.section = joined["kind"], joined["mentions"], joined["section"]
        self.key = self.doc.astype(np.int64) * 2**32 + self.seq  # a chunk_id's (doc, seq)
        # each code's value (None for -1, the last place), as ChunkMeta holds it
        self._values: dict[str, list[Any]] = {c: [*codes, None] for c, codes in self.codes.items()}
        self._values["mentions"] = [_DECODE["mentions"](v) if v is not None else () for v in self._values["mentions"]]
        self._by_key: np.ndarray | None = None  # positions in ``key`` order (with_previous)

    def _coded(self, column: str, values: Sequence[str | None]) -> np.ndarray:
        """Each value's code (its rank among the distinct values, in order of first appearance; -1 for
        None), in C loops; new values get the next codes."""
        codes = self.codes[column]
        for v in dict.fromkeys(values):
            if v is not None and v not in codes:
                codes[v] = len(codes)
        lookup: dict[str | None, int] = {None: -1}
        lookup.update(codes)
        return np.fromiter(map(lookup.__getitem__, values), dtype=np.int32, count=len(values))

    def in_documents(self, doc_ids: Iterable[str]) -> np.ndarray:
        """Which chunks belong to the documents ``doc_ids``."""
        return self._isin("doc", doc_ids)

    def _isin(self, column: str, values: Iterable[str]) -> np.ndarray:
        codes = [c for v in values if (c := self.codes[column].get(v)) is not None]
        return np.isin(getattr(self, column), np.asarray(codes, dtype=np.int32))

    def _chunks(self, chunk_ids: Iterable[str]) -> np.ndarray:
        keys = []
        for chunk_id in chunk_ids:  # "<doc_id>-<seq:04d>"
            doc, _, seq = chunk_id.rpartition("-")
            if (code := self.codes["doc"].get(doc)) is not None and seq.isascii() and seq.isdecimal():
                keys.append(code * 2**32 + int(seq))
        return np.isin(self.key, np.asarray(keys, dtype=np.int64))

    def positions(self, ids: Sequence[int]) -> np.ndarray:
        """Where each of ``ids`` is in ``self.ids`` (-1 for an id the index does not have)."""
        wanted = np.asarray(ids, dtype=np.int64)
        at = np.searchsorted(self.ids, wanted)
        at[at >= len(self.ids)] = 0
        return np.where((self.ids[at] == wanted) if len(self.ids) else np.zeros(len(wanted), bool), at, -1)

    def meta(self, positions: Iterable[int]) -> list[ChunkMeta]:
        """The ChunkMeta records at ``positions`` (as SQL reads them: ``_record``)."""
        v = self._values
        columns = (self.ids, self.doc, self.seq, self.rec, self.role, self.responder, self.kind, self.mentions, self.section)
        at = np.fromiter(positions, dtype=np.int64)
        lists = [c[at].tolist() for c in columns]
        out = []
        for i, doc, seq, rec, role, responder, kind, mentions, section in zip(*lists):
            record = object.__new__(ChunkMeta)  # as _record builds it
            record.__dict__.update(
                id=i,
                doc_id=v["doc"][doc],
                seq=seq,
                recommendation=v["rec"][rec],
                role=v["role"][role],
                responder=v["responder"][responder],
                kind=v["kind"][kind],
                mentions=v["mentions"][mentions],
                section=v["section"][section],
            )
            out.append(record)
        return out

    def previous(self, positions: np.ndarray) -> np.ndarray:
        """The position of the chunk before each (same document, seq - 1), -1 for a document's first."""
        if self._by_key is None:
            self._by_key = np.argsort(self.key, kind="stable")
        keys = self.key[self._by_key]
        want = self.key[positions] - 1
        at = np.searchsorted(keys, want)
        at[at >= len(keys)] = 0
        found = (keys[at] == want) & (self.seq[positions] > 0) if len(keys) else np.zeros(len(positions), bool)
        return np.where(found, self._by_key[at], -1)

    def mask(self, within: ChunkSelection) -> np.ndarray:
        """Which chunks (in ``ids`` order) ``within`` selects: ``ChunkSelection.admits`` for all at once."""
        m = np.ones(len(self.ids), dtype=bool)
        if within.doc_ids is not None:
            m &= self._isin("doc", within.doc_ids)
        if within.responders is not None:
            m &= self._isin("responder", within.responders)
        if within.recommendations is not None:
            m &= self._isin("rec", within.recommendations) | self._chunks(within.also_chunks)
        if within.role is not None:
            m &= self._isin("role", [within.role])
        if within.chunk_ids is not None:
            m &= self._chunks(within.chunk_ids)
        return m


class Index:
    """Every read of an index: documents, chunks, sentences, recommendations, responses, sections,
    links, the FTS5 table and the vectors (FAISS files are opened on first use, so commands that do
    not rank load no FAISS)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        index_dir: Path | None = None,
        manifest: Manifest | None = None,
        vectors: Any = None,
        sentence_vectors: Any = None,
        *,
        location: Path | None = None,
        files: dict[str, BinaryIO] | None = None,
        published: bool = False,
    ) -> None:
        conn.row_factory = sqlite3.Row
        self._columns: ChunkColumns | None = None
        self._published = published  # opened read-only from a published version: it never changes
        self._selections: set[ChunkSelection] = set()  # the selections read by SQL so far (see _selected)
        self._read_by_id = {"chunks": 0, "sentences": 0}  # rows read by id through SQL so far (see _worth_a_scan)
        self._max_ids: dict[str, int] = {}
        self._sentence_chunk: np.ndarray | None = None
        self._conn = conn
        self.index_dir = index_dir  # the folder of this version's files
        self.location = location or index_dir  # the index location (what the user named), for messages
        self.manifest = manifest
        self._vectors = vectors
        self._sentence_vectors = sentence_vectors
        self._files = dict(files or {})  # FAISS files opened with the database, read on first use
        self._ann: dict[str, Any] = {}
        self._token_states: bool | None = None  # stores_token_states of a published index, read once

    @classmethod
    def open(cls, location: Path) -> Index:
        """Open the index published at ``location`` read-only: resolve its version once, check the
        manifest (format version, files), open the database and the FAISS files of that version.
        A writer publishing another version meanwhile cannot mix two versions into what is opened."""
        return versions.read_consistent(Path(location), cls._open_version)

    @classmethod
    def _open_version(cls, version: versions.Version) -> Index:
        manifest = manifest_of(version)  # before SQLite: a missing index says what to run
        conn = connect(version.dir / DATABASE, immutable=True)
        files: dict[str, BinaryIO] = {}
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads the file now: damage is reported at open
            for name in (VECTORS, SENTENCE_VECTORS):
                try:
                    files[name] = open(version.dir / name, "rb")  # noqa: SIM115 - held until close()
                except OSError:
                    if not versions.is_current(version):
                        raise  # replaced while opening: read_consistent opens the new version
                    # a damaged index: read_vectors names the problem when the vectors are read
            for name in (VECTORS_ANN, SENTENCE_VECTORS_ANN, POSTINGS):  # only large indexes have them
                with contextlib.suppress(FileNotFoundError):
                    files[name] = open(version.dir / name, "rb")  # noqa: SIM115 - held until close()
        except BaseException:
            conn.close()
            for fh in files.values():
                fh.close()
            raise
        return cls(conn, version.dir, manifest, location=version.location, files=files, published=True)

    def close(self) -> None:
        self._conn.close()
        for fh in self._files.values():
            fh.close()
        self._files.clear()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # vectors
    @property
    def vectors(self) -> Any:
        """FAISS passage vectors; ids are ``chunks.id``."""
        if self._vectors is None:
            self._vectors = self._read_vectors(VECTORS, "chunks", "passages")
        return self._vectors

    @property
    def sentence_vectors(self) -> Any:
        """FAISS sentence vectors; ids are ``sentences.id``."""
        if self._sentence_vectors is None:
            self._sentence_vectors = self._read_vectors(SENTENCE_VECTORS, "sentences", "sentences")
        return self._sentence_vectors

    @property
    def ann_vectors(self) -> Any | None:
        """The approximate (IVF) index of the passage vectors, or None when this index has none."""
        return self._read_ann(VECTORS_ANN, "chunks")

    @property
    def ann_sentence_vectors(self) -> Any | None:
        """The approximate (IVF) index of the sentence vectors, or None when this index has none."""
        return self._read_ann(SENTENCE_VECTORS_ANN, "sentences")

    @property
    def postings(self) -> Any | None:
        """The BM25 postings (``inquire.postings.Postings``) of a large index, or None (FTS5 ranks)."""
        if POSTINGS not in self._ann:
            file = self._files.get(POSTINGS)
            if file is None:
                self._ann[POSTINGS] = None
            else:
                from inquire.postings import Postings

                try:
                    self._ann[POSTINGS] = Postings(file)
                except (OSError, ValueError, KeyError) as exc:
                    raise IndexIncompatible(
                        f"index at {self.location}: {POSTINGS} is damaged ({exc}); run `inquire index --rebuild`"
                    ) from exc
        return self._ann[POSTINGS]

    def _read_ann(self, name: str, table: str) -> Any | None:
        if name not in self._ann:
            file = self._files.get(name)
            if file is None or self.index_dir is None:
                self._ann[name] = None
            else:
                expected = self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                dim = self.manifest.dim if self.manifest else None
                ann = read_ann(self.index_dir / name, index_dir=self.location, expected=expected, dim=dim, file=file)
                ann.nprobe = min(ann.nlist, ANN.nprobe_sentences if name == SENTENCE_VECTORS_ANN else ANN.nprobe)
                self._ann[name] = ann
        return self._ann[name]

    def _read_vectors(self, name: str, table: str, what: str) -> Any:
        """A FAISS file of this version, checked against the database (count) and the manifest (dimension)."""
        if self.index_dir is None:
            raise IndexMissing("this index has no directory to read vectors from")
        expected = self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return read_vectors(
            self.index_dir / name,
            index_dir=self.location,
            expected=expected,
            dim=self.manifest.dim if self.manifest else None,
            what=what,
            file=self._files.get(name),
        )

    # documents
    def documents(self) -> list[DocumentInfo]:
        return [_record(DocumentInfo, r) for r in self._conn.execute(f"SELECT {_columns(DocumentInfo)} FROM documents")]

    def document(self, doc_id: str) -> DocumentRow | None:
        row = self._conn.execute(f"SELECT {_columns(DocumentRow)} FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return _record(DocumentRow, row) if row else None

    def clean_document(self, doc_id: str) -> CleanDocument:
        """A document's cleaned text and page map (for exact citations)."""
        row = self._conn.execute("SELECT text, page_starts FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            raise IndexIncompatible(f"index has no document {doc_id}; run `inquire index --rebuild`")
        return CleanDocument(row["text"], _DECODE["page_starts"](row["page_starts"]))

    def document_head(self, doc_id: str, chars: int) -> str:
        return self._conn.execute("SELECT substr(text, 1, ?) FROM documents WHERE doc_id=?", (chars, doc_id)).fetchone()[0]

    def span_text(self, doc_id: str, start: int, end: int) -> str:
        """``text[start:end]`` of a document's cleaned text."""
        row = self._conn.execute(
            "SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE doc_id=?", (start, end, start, doc_id)
        ).fetchone()
        return row[0] if row else ""

    def counts(self) -> dict[str, int]:
        """Documents, chunks, and chunks with stored token states (the manifest keeps them)."""
        return {
            "documents": self._conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0],
            "chunks": self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
            "token_states": self._token_rows(),
        }

    def _token_rows(self) -> int:
        table = self._conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='token_states'").fetchone()
        return self._conn.execute("SELECT COUNT(*) FROM token_states").fetchone()[0] if table else 0

    # chunks
    def chunks(self, doc_id: str | None = None) -> list[ChunkRow]:
        """Every chunk (of one document), in id order (for a document: reading order)."""
        if doc_id is None:
            return [_record(ChunkRow, r) for r in self._conn.execute(f"SELECT {_columns(ChunkRow)} FROM chunks ORDER BY id")]
        q = f"SELECT {_columns(ChunkRow)} FROM chunks WHERE doc_id=? ORDER BY seq"
        return [_record(ChunkRow, r) for r in self._conn.execute(q, (doc_id,))]

    def chunk_texts(self) -> dict[str, str]:
        """chunk_id -> text, for every chunk."""
        return {r["chunk_id"]: r["text"] for r in self._conn.execute("SELECT chunk_id, text FROM chunks")}

    def chunk_meta(self, ids: Sequence[int]) -> dict[int, ChunkMeta]:
        if (columns := self._meta_columns(len(ids))) is not None:
            at = columns.positions(ids)
            return {m.id: m for m in columns.meta(at[at >= 0])}
        out: dict[int, ChunkMeta] = {}
        for part, marks in _batches(list(ids)):
            for r in self._conn.execute(f"SELECT {_columns(ChunkMeta)} FROM chunks WHERE id IN ({marks})", part):
                out[r["id"]] = _record(ChunkMeta, r)
        return out

    def recommendation_chunks(self) -> list[ChunkMeta]:
        """Chunks that belong to a recommendation or to a response to one."""
        q = f"SELECT {_columns(ChunkMeta)} FROM chunks WHERE recommendation IS NOT NULL"
        return [_record(ChunkMeta, r) for r in self._conn.execute(q)]

    def with_previous(self, ids: Sequence[int]) -> list[tuple[ChunkMeta, ChunkMeta | None]]:
        """Each chunk with the chunk before it in its document (None for a document's first)."""
        if (columns := self._meta_columns(2 * len(ids))) is not None:
            at = columns.positions(ids)
            at = np.unique(at[at >= 0])  # each chunk once, by id, as SQL reads them
            before = columns.previous(at)
            found = columns.meta(at)
            previous = iter(columns.meta(before[before >= 0]))
            return [(m, next(previous) if b >= 0 else None) for m, b in zip(found, before.tolist())]
        cols = _columns(ChunkMeta, "c") + ", " + ", ".join(f"p.{name} AS p_{name}" for name in _names(ChunkMeta))
        out = []
        for part, marks in _batches(list(ids)):
            q = f"""SELECT {cols} FROM chunks c LEFT JOIN chunks p ON p.doc_id = c.doc_id AND p.seq = c.seq - 1
                    WHERE c.id IN ({marks})"""
            for r in self._conn.execute(q, part):
                prev = _record(ChunkMeta, r, "p_") if r["p_id"] is not None else None
                out.append((_record(ChunkMeta, r), prev))
        return out

    def filtered_chunks(self, doc: str | None = None, responder: str | None = None, role: str | None = None) -> list[ChunkMeta]:
        """Chunks whose document name or title contains ``doc``, whose responder contains
        ``responder`` (both case-insensitive, literally) and whose role is ``role``."""
        clauses, args = [], []
        if doc:
            clauses.append(r"(lower(d.name) LIKE ? ESCAPE '\' OR lower(coalesce(d.title,'')) LIKE ? ESCAPE '\')")
            args += [_like(doc)] * 2
        if responder:
            clauses.append(r"lower(coalesce(c.responder,'')) LIKE ? ESCAPE '\'")
            args.append(_like(responder))
        if role:
            clauses.append("c.role = ?")
            args.append(role)
        where = " AND ".join(clauses) or "1=1"
        q = f"SELECT {_columns(ChunkMeta, 'c')} FROM chunks c JOIN documents d USING(doc_id) WHERE {where}"
        return [_record(ChunkMeta, r) for r in self._conn.execute(q, args)]

    def chunk_ids_overlapping(self, doc_id: str, start: int, end: int) -> list[tuple[int, str]]:
        """(id, chunk_id) of the chunks of ``doc_id`` that overlap ``[start, end)``."""
        q = "SELECT id, chunk_id FROM chunks WHERE doc_id=? AND start<? AND end>?"
        return [(r["id"], r["chunk_id"]) for r in self._conn.execute(q, (doc_id, end, start))]

    def section_at(self, doc_id: str, offset: int) -> str | None:
        """The section of the chunk that contains ``offset``."""
        row = self._conn.execute(
            "SELECT section FROM chunks WHERE doc_id=? AND start<=? AND end>? LIMIT 1", (doc_id, offset, offset)
        ).fetchone()
        return row[0] if row else None

    def passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        out: dict[int, Passage] = {}
        derived = ("doc", "title", "page_label_start", "page_label_end", "ocr", "stance")
        cols = ", ".join(f"c.{name}" for name in _names(Passage) if name not in derived)
        stance = f"{_PASSAGE_STANCE} AS stance"
        for part, marks in _batches(list(ids)):
            q = (
                f"SELECT {cols}, d.name AS doc, d.title AS title, d.page_labels AS page_labels, d.ocr_pages AS ocr_pages,"
                f" {stance} FROM chunks c JOIN documents d USING(doc_id) WHERE c.id IN ({marks})"
            )
            for r in self._conn.execute(q, part):
                out[r["id"]] = _passage(r)
        return out

    def token_states(self, ids: Sequence[int]) -> dict[int, bytes]:
        """The stored token states (packed signs) of those chunks that have them; none in an index
        written before they were stored."""
        return dict(self._token_state_rows(ids, "id, bits"))

    def token_state_ids(self, ids: Sequence[int]) -> set[int]:
        """Those of the chunks ``ids`` that have stored token states (their states not read)."""
        return {r[0] for r in self._token_state_rows(ids, "id")}

    def _token_state_rows(self, ids: Sequence[int], columns: str) -> list[tuple]:
        if not self.stores_token_states():
            return []
        out: list[tuple] = []
        for part, marks in _batches(list(ids)):
            out += self._conn.execute(f"SELECT {columns} FROM token_states WHERE id IN ({marks})", part).fetchall()
        return out

    def stores_token_states(self) -> bool:
        """Whether the index stores passages' token states (for some or all of its chunks: a file
        kept from an index written before they were stored has none). A published index answers
        from its manifest's counts; one being written counts its rows."""
        if self._token_states is None or not self._published:
            counted = self.manifest.counts if self._published and self.manifest is not None else None
            stored = counted.get("token_states", 0) if counted is not None and "chunks" in counted else self._token_rows()
            self._token_states = stored > 0
        return self._token_states

    def chunk_responders(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT responder FROM chunks WHERE responder IS NOT NULL")]

    def vector_ids(self, keys: Iterable[str], sentences: bool = False) -> dict[str, int]:
        """vector_key -> the id (lowest) of a chunk (or sentence) whose embedded text has that key."""
        table = "sentences" if sentences else "chunks"
        out: dict[str, int] = {}
        for part, marks in _batches(sorted(set(keys))):
            q = f"SELECT vector_key, MIN(id) FROM {table} WHERE vector_key IN ({marks}) GROUP BY vector_key"
            out.update((k, i) for k, i in self._conn.execute(q, part))
        return out

    def bm25(self, terms: Sequence[str], limit: int, within: ChunkSelection | None = None) -> list[tuple[int, float]]:
        """(chunk id, bm25) from the FTS5 table for chunks containing any of ``terms`` (and, with
        ``within``, selected by it), best first (FTS5's bm25 is lower for better matches); ``limit`` -1 for all."""
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms))
        where, args = "", list[Any]()
        if within is not None:
            clause, args = within.sql("c")
            # ``+rowid``: a plain ``rowid IN`` is handed to FTS5, which then runs the MATCH once per id (60x slower)
            where = f" AND +rowid IN (SELECT c.id FROM chunks c WHERE {clause})"
        q = f"SELECT rowid, bm25(chunks_fts) AS s FROM chunks_fts WHERE chunks_fts MATCH ?{where} ORDER BY s LIMIT ?"
        return [(int(r[0]), float(r[1])) for r in self._conn.execute(q, (match, *args, limit))]

    def near_documents(
        self, words: Sequence[str], width: int | None, limit: int, prefix: bool = False, shortened: Collection[str] = ()
    ) -> list[str]:
        """The doc_id of each of the first ``limit`` passages holding all ``words`` within ``width``
        words of each other, in any order, or in that order side by side when ``width`` is None
        (FTS5 ``NEAR`` or a phrase, so stemmed as the index is: "review" finds "reviews"). With
        ``prefix``, a single word may also begin a longer one ("humber" finds "Humberside"); so may
        each of ``shortened`` (with ``width``, or alone: "hep" of "Hepatitis C Trust"). A prefix is
        stemmed as the table's terms are ("derby" looks for "derbi..."). Only letters and digits of
        each word are looked up."""
        cleaned = [c for c in ("".join(ch for ch in w if ch.isalnum()) for w in words) if c]
        short = {"".join(ch for ch in w if ch.isalnum()) for w in shortened}
        terms = [f'"{w}"' + (" *" if w in short and width is not None else "") for w in cleaned]
        if not terms:
            return []
        if len(terms) == 1:
            match = f'"{cleaned[0]}"' + (" *" if prefix or cleaned[0] in short else "")
        elif width is None:
            match = '"' + " ".join(cleaned) + '"'
        else:
            match = f"NEAR({' '.join(terms)}, {max(0, int(width))})"
        q = "SELECT c.doc_id FROM chunks_fts f JOIN chunks c ON c.id = f.rowid WHERE chunks_fts MATCH ? LIMIT ?"
        return [r[0] for r in self._conn.execute(q, (match, limit))]

    def passages_per_document(self, word: str | None = None) -> dict[str, int]:
        """How many passages of each document hold ``word`` (stemmed as the index is), or, without
        it, how many passages each document has."""
        if word is None:
            return dict(self._conn.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id").fetchall())
        term = "".join(ch for ch in word if ch.isalnum())
        if not term:
            return {}
        q = (
            "SELECT c.doc_id, COUNT(*) FROM chunks_fts f JOIN chunks c ON c.id = f.rowid "
            "WHERE chunks_fts MATCH ? GROUP BY c.doc_id"
        )
        return dict(self._conn.execute(q, (f'"{term}"',)).fetchall())

    def has_term_prefix(self, prefix: str) -> bool:
        """Some term of the FTS5 table begins with ``prefix`` as given, not stemmed ("derby" finds
        "derbyshir", the table's stem of "Derbyshire", which the stemmed prefix "derbi" would not)."""
        self._conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, chunks_fts, row)")
        q = "SELECT 1 FROM temp.fts_terms WHERE term >= ? AND term < ? LIMIT 1"
        return self._conn.execute(q, (prefix, prefix + "\uffff")).fetchone() is not None

    # filters resolved to stored values (see ChunkSelection)
    def document_ids_like(self, text: str) -> list[str]:
        """doc_ids of the documents whose file name or title contains ``text`` (case-insensitive, literally)."""
        q = r"SELECT doc_id FROM documents WHERE lower(name) LIKE ? ESCAPE '\' OR lower(coalesce(title,'')) LIKE ? ESCAPE '\'"
        return [r[0] for r in self._conn.execute(q, (_like(text), _like(text)))]

    def chunk_ids_with_stance(self, stance: str) -> list[str]:
        """chunk_ids of the response passages whose stance (as ``passages`` shows it) is ``stance``."""
        q = f"SELECT c.chunk_id FROM chunks c WHERE c.role = 'response' AND {_PASSAGE_STANCE} = ?"
        return [r[0] for r in self._conn.execute(q, (stance,))]

    def recommendation_values(self) -> list[str]:
        """The distinct recommendation numbers chunks carry, as printed."""
        return [r[0] for r in self._conn.execute("SELECT DISTINCT recommendation FROM chunks WHERE recommendation IS NOT NULL")]

    def _worth_a_scan(self, table: str, rows: int) -> bool:
        """Whether the rows of ``table`` read by id so far (``rows`` more now) have cost about what one
        scan of it costs: ``META_COLUMNS_AFTER`` of its rows, at least ``META_COLUMNS_MIN`` (a row
        read by id costs about 30 rows of a scan)."""
        self._read_by_id[table] += rows
        return self._read_by_id[table] >= max(META_COLUMNS_MIN, META_COLUMNS_AFTER * self._max_id(table))

    def _max_id(self, table: str) -> int:
        if table not in self._max_ids:
            self._max_ids[table] = int(self._conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])
        return self._max_ids[table]

    def _meta_columns(self, rows: int) -> ChunkColumns | None:
        """The columns of a published index for reading ``rows`` chunks' metadata, once reading them
        row by row has cost about what reading the columns costs (:meth:`_worth_a_scan`); None until
        then (SQL reads them)."""
        if self._columns is None and self._published and self._worth_a_scan("chunks", rows):
            self._columns = ChunkColumns(self._conn)
        return self._columns

    def _sentence_chunk_array(self, rows: int) -> np.ndarray | None:
        """Each sentence's chunk id, indexed by sentence id (-1 where there is none), read once a
        published index has looked up enough of its sentences row by row (:meth:`_worth_a_scan`);
        None until then."""
        if self._sentence_chunk is None and self._published and self._worth_a_scan("sentences", rows):
            chunk_of = np.full(self._max_id("sentences") + 1, -1, dtype=np.int64)
            cursor = self._conn.cursor()
            cursor.row_factory = None
            cursor.execute("SELECT id, chunk FROM sentences")
            while part := cursor.fetchmany(ChunkColumns._SLICE):
                pairs = np.asarray(part, dtype=np.int64)
                chunk_of[pairs[:, 0]] = pairs[:, 1]
            self._sentence_chunk = chunk_of
        return self._sentence_chunk

    def _selected(self, within: ChunkSelection) -> tuple[np.ndarray, np.ndarray] | None:
        """(chunk ids ascending, mask of those ``within`` selects) from the columns of a published
        index, once a second selection is asked for; None before that and for an index being written
        (read by SQL). Reading the columns costs about three scans of one selection (a table of long
        rows): a one-shot filtered search would pay more; ``ask``, batch mode and the web page, which
        select more than once, pay it once."""
        if not self._published:
            return None
        if self._columns is None:
            self._selections.add(within)
            if len(self._selections) < 2:
                return None
            self._columns = ChunkColumns(self._conn)
        return self._columns.ids, self._columns.mask(within)

    def chunk_ids_where(self, within: ChunkSelection) -> np.ndarray:
        """Ids of the chunks ``within`` selects, ascending (int64)."""
        if (selected := self._selected(within)) is not None:
            ids, mask = selected
            return ids[mask]
        clause, args = within.sql("c")
        rows = self._conn.execute(f"SELECT c.id FROM chunks c WHERE {clause} ORDER BY c.id", args).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def chunk_meta_where(
        self, within: ChunkSelection, among: Iterable[int] | None = None, or_docs: Iterable[str] = ()
    ) -> list[ChunkMeta]:
        """The chunks ``within`` selects (a recommendation-number selection uses ``chunks_rec``); with
        ``among``, only those chunk ids or chunks of the documents ``or_docs``. From the columns when
        a published index has read them (a number many reports share selects thousands of rows)."""
        if (columns := self._columns) is not None:
            mask = columns.mask(within)
            if among is not None:
                mask &= np.isin(columns.ids, np.fromiter(among, dtype=np.int64)) | columns.in_documents(or_docs)
            return columns.meta(np.flatnonzero(mask))
        clause, args = within.sql("c")
        if among is not None:
            clause += " AND (c.id IN (SELECT value FROM json_each(?)) OR c.doc_id IN (SELECT value FROM json_each(?)))"
            args = [*args, json.dumps(sorted(among)), json.dumps(sorted(or_docs))]
        return [
            _record(ChunkMeta, r)
            for r in self._conn.execute(f"SELECT {_columns(ChunkMeta, 'c')} FROM chunks c WHERE {clause}", args)
        ]

    def chunk_ids_among(self, within: ChunkSelection, among: Iterable[int]) -> set[int]:
        """Which of the chunk ids ``among`` ``within`` selects."""
        if (selected := self._selected(within)) is not None:
            ids, mask = selected
            wanted = np.asarray(sorted(set(among)), dtype=np.int64)
            at = np.minimum(np.searchsorted(ids, wanted), max(0, len(ids) - 1))
            found = (ids[at] == wanted) & mask[at] if len(ids) else np.zeros(len(wanted), dtype=bool)
            return set(wanted[found].tolist())
        clause, args = within.sql("c")
        q = f"SELECT c.id FROM chunks c WHERE c.id IN (SELECT value FROM json_each(?)) AND {clause}"
        return {r[0] for r in self._conn.execute(q, [json.dumps(sorted(set(among))), *args])}

    def count_where(self, within: ChunkSelection) -> int:
        """How many chunks ``within`` selects."""
        if (selected := self._selected(within)) is not None:
            return int(selected[1].sum())
        clause, args = within.sql("c")
        return int(self._conn.execute(f"SELECT COUNT(*) FROM chunks c WHERE {clause}", args).fetchone()[0])

    def sentence_ids_where(self, within: ChunkSelection) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, their chunk ids) of the chunks ``within`` selects."""
        if (selected := self._selected(within)) is not None:  # the selected chunks' sentences through the sentences_chunk index
            ids, mask = selected
            q = "SELECT id, chunk FROM sentences WHERE chunk IN (SELECT value FROM json_each(?))"
            rows = self._conn.execute(q, (json.dumps(ids[mask].tolist()),)).fetchall()
        else:
            clause, args = within.sql("c")
            q = f"SELECT s.id, s.chunk FROM sentences s JOIN chunks c ON c.id = s.chunk WHERE {clause}"
            rows = self._conn.execute(q, args).fetchall()
        pairs = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)
        return pairs[:, 0].copy(), pairs[:, 1].copy()

    def chunk_rowids(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """chunk_id (``<doc_id>-<seq>``) -> chunks.id."""
        out: dict[str, int] = {}
        for part, marks in _batches(list(chunk_ids)):
            out.update(self._conn.execute(f"SELECT chunk_id, id FROM chunks WHERE chunk_id IN ({marks})", part).fetchall())
        return out

    def sentence_keys(self, sentence_ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        """sentence id -> (its chunk's chunk_id, its start offset): a sentence's identity across rebuilds."""
        out: dict[int, tuple[str, int]] = {}
        for part, marks in _batches(list(sentence_ids)):
            q = f"SELECT s.id, c.chunk_id, s.start FROM sentences s JOIN chunks c ON c.id = s.chunk WHERE s.id IN ({marks})"
            out.update((r[0], (r[1], r[2])) for r in self._conn.execute(q, part))
        return out

    # sentences
    def sentences_of(self, chunk_ids: Sequence[int]) -> dict[int, list[SentenceRow]]:
        """chunk id -> its sentences in document order."""
        out: dict[int, list[SentenceRow]] = {i: [] for i in chunk_ids}
        rows: list[SentenceRow] = []
        for part, marks in _batches(list(chunk_ids)):
            q = f"SELECT {_columns(SentenceRow)} FROM sentences WHERE chunk IN ({marks})"
            rows += [_record(SentenceRow, r) for r in self._conn.execute(q, part)]
        for s in sorted(rows, key=lambda s: (s.start, s.id)):
            out[s.chunk].append(s)
        return out

    def sentence_chunks(self, sentence_ids: Sequence[int]) -> dict[int, int]:
        """sentence id -> chunk id."""
        if (chunk_of := self._sentence_chunk_array(len(sentence_ids))) is not None:
            ids = np.asarray(sentence_ids, dtype=np.int64)
            ids = ids[(ids >= 0) & (ids < len(chunk_of))]
            chunks = chunk_of[ids]
            held = chunks >= 0  # -1: no such sentence
            return dict(zip(ids[held].tolist(), chunks[held].tolist()))
        out: dict[int, int] = {}
        for part, marks in _batches(list(sentence_ids)):
            out.update(self._conn.execute(f"SELECT id, chunk FROM sentences WHERE id IN ({marks})", part).fetchall())
        return out

    # structure
    def recommendations(self, doc_id: str | None = None) -> list[RecommendationRow]:
        """Recommendation rows (of one document) in id order."""
        where, args = ("WHERE doc_id=?", (doc_id,)) if doc_id else ("", ())
        q = f"SELECT {_columns(RecommendationRow)} FROM recommendations {where} ORDER BY id"
        return [_record(RecommendationRow, r) for r in self._conn.execute(q, args)]

    def responses(self, doc_id: str | None = None) -> list[ResponseRow]:
        where, args = ("WHERE doc_id=?", (doc_id,)) if doc_id else ("", ())
        q = f"SELECT {_columns(ResponseRow)} FROM responses {where} ORDER BY id"
        return [_record(ResponseRow, r) for r in self._conn.execute(q, args)]

    def response_counts(self) -> dict[str, int]:
        """doc_id -> number of responses found in it."""
        return dict(self._conn.execute("SELECT doc_id, COUNT(*) FROM responses GROUP BY doc_id").fetchall())

    def response_responders(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT responder FROM responses WHERE responder IS NOT NULL")]

    def sections(self, doc_id: str | None = None) -> list[SectionRow]:
        where, args = ("WHERE doc_id=?", (doc_id,)) if doc_id else ("", ())
        q = f"SELECT {_columns(SectionRow)} FROM sections {where} ORDER BY id"
        return [_record(SectionRow, r) for r in self._conn.execute(q, args)]

    def sentences_in(self, chunk_ids: Sequence[int]) -> list[SentenceRow]:
        """The sentences of these chunks, in id order."""
        rows: list[SentenceRow] = []
        for part, marks in _batches(list(chunk_ids)):
            q = f"SELECT {_columns(SentenceRow)} FROM sentences WHERE chunk IN ({marks})"
            rows += [_record(SentenceRow, r) for r in self._conn.execute(q, part)]
        return sorted(rows, key=lambda s: s.id)

    def sources(self) -> list[str]:
        """Names of the reports or inquiries that made the indexed recommendations."""
        return [
            r[0]
            for r in self._conn.execute("SELECT DISTINCT source FROM recommendations WHERE source IS NOT NULL ORDER BY source")
        ]

    def links(self, rec_id: int | None = None) -> list[LinkRow]:
        """Links (to one canonical recommendation) in id order."""
        where, args = ("WHERE rec_id=?", (rec_id,)) if rec_id is not None else ("", ())
        q = f"SELECT {_columns(LinkRow)} FROM links {where} ORDER BY id"
        return [_record(LinkRow, r) for r in self._conn.execute(q, args)]

    def renumbered_spans(self) -> list[tuple[str, str | None, str, int, int]]:
        """Where a document carries a source's recommendation under another number: (the source's
        number, the document's own number or None, doc_id, start, end) of each recommendation whose
        canonical twin has another number, then of each explicit link to a recommendation of another
        document that has no recommendation of that number. Only those rows are read (not every
        recommendation: 300k at a million passages)."""
        q = """SELECT c.number, r.number, r.doc_id, r.start, r.end FROM recommendations r
               JOIN recommendations c ON c.id = r.canonical_id WHERE r.canonical_id IS NOT NULL ORDER BY r.id"""
        spans: list[tuple[str, str | None, str, int, int]] = [
            (r[0], r[1], r[2], r[3], r[4]) for r in self._conn.execute(q) if normalise_rec(r[0]) != normalise_rec(r[1])
        ]
        q = """SELECT c.number, l.doc_id, l.start, l.end FROM links l JOIN recommendations c ON c.id = l.rec_id
               WHERE l.method = 'explicit' AND c.doc_id != l.doc_id ORDER BY l.id"""
        links = self._conn.execute(q).fetchall()
        docs = sorted({r[1] for r in links})
        own: set[tuple[str, str]] = set()
        for part, marks in _batches(docs):
            q = f"SELECT doc_id, number FROM recommendations WHERE doc_id IN ({marks})"
            own |= {(r[0], normalise_rec(r[1])) for r in self._conn.execute(q, part)}
        spans += [(r[0], None, r[1], r[2], r[3]) for r in links if (r[1], normalise_rec(r[0])) not in own]
        return spans

    def linked_documents(self) -> list[tuple[str, str, str, int]]:
        """(recommending document, linked document, link method, how many links) for each pair of
        documents joined by links of that method (a recommendation of one answered or summarised in
        the other): a report and the responses to it."""
        q = """SELECT r.doc_id, l.doc_id, l.method, COUNT(*) FROM links l JOIN recommendations r ON r.id = l.rec_id
               WHERE r.doc_id != l.doc_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
        return [(r[0], r[1], r[2], r[3]) for r in self._conn.execute(q)]

    def link_verdicts(self, method: str) -> list[tuple[str, int, float]]:
        """(chunk_id, rec_id, confidence) of every passage's link made by ``method``, in id order: fewer
        columns than ``links`` (linking reuses the previous index's content links)."""
        q = "SELECT chunk_id, rec_id, confidence FROM links WHERE method=? AND chunk_id IS NOT NULL ORDER BY id"
        return [(r[0], r[1], r[2]) for r in self._conn.execute(q, (method,))]


class IndexWriter:
    """A new version of the index being written in a staging folder inside the index location;
    ``commit()`` publishes it (``inquire.versions``: the ``CURRENT`` pointer switches in one step).
    Create it holding ``versions.write_lock(location)``, after ``versions.recover(location)``.

    ``index`` reads what has been written so far (linking runs on it before the commit)."""

    def __init__(self, location: Path, dim: int, ann: AnnParams | None = None) -> None:
        self.location = Path(location)
        self.ann = ann or ANN  # when to write approximate indexes and postings, and how
        self._staging = versions.Staging(self.location)
        self.tmp = self._staging.dir
        try:
            self._conn = connect(self.tmp / DATABASE, readonly=False)
            self._conn.executescript(SCHEMA)
        except BaseException:
            self._staging.abort()
            raise
        self.faiss = new_faiss_index(dim)
        self.sentence_faiss = new_faiss_index(dim)
        self._spill: VectorSpill | None = None  # sentence vectors beyond ``AnnParams.writer_holds``
        self.index = Index(self._conn, vectors=self.faiss, sentence_vectors=self.sentence_faiss)

    def _insert(self, table: str, row: object) -> int:
        values = {name: getattr(row, name) for name in _names(type(row))}
        if values.get("id") == 0:
            del values["id"]  # numbered by the database
        for name, encode in _ENCODE.items():
            if name in values:
                values[name] = encode(values[name])
        q = f"INSERT INTO {table}({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})"
        return int(self._conn.execute(q, values).lastrowid or 0)

    def add_document(self, row: DocumentRow) -> None:
        self._insert("documents", row)

    def add_chunk(self, row: ChunkRow) -> int:
        return self._insert("chunks", row)

    def add_sentence(self, row: SentenceRow) -> int:
        return self._insert("sentences", row)

    def add_recommendation(self, row: RecommendationRow) -> int:
        return self._insert("recommendations", row)

    def add_response(self, row: ResponseRow) -> int:
        return self._insert("responses", row)

    def add_section(self, row: SectionRow) -> int:
        return self._insert("sections", row)

    def add_link(self, row: LinkRow) -> int:
        return self._insert("links", row)

    def clear_links(self) -> None:
        self._conn.execute("DELETE FROM links")

    def set_sources(self, assignments: Iterable[SourceAssignment]) -> None:
        """Record each recommendation's canonical twin and source report (found by linking)."""
        self._conn.executemany(
            "UPDATE recommendations SET canonical_id=?, source=? WHERE id=?",
            [(a.canonical_id, a.source, a.rec_id) for a in assignments],
        )

    def add_token_states(self, ids: Sequence[int], packed: Sequence[bytes]) -> None:
        """Chunks' token states, each packed by ``pack_signs`` (late interaction reads them)."""
        self._conn.executemany("INSERT INTO token_states(id, bits) VALUES (?, ?)", zip(ids, packed))

    def add_vectors(self, ids: Sequence[int], vectors: np.ndarray, sentences: bool = False) -> None:
        if not len(ids):
            return
        if sentences and (self._spill is not None or self.sentence_faiss.ntotal + len(ids) > self.ann.writer_holds):
            self._spill_sentences().add(np.asarray(ids, dtype=np.int64), vectors)
            return
        target = self.sentence_faiss if sentences else self.faiss
        target.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def _spill_sentences(self) -> VectorSpill:
        """The file sentence vectors go to once more than ``AnnParams.writer_holds`` have come: the
        ones held so far move there first, in the order they came."""
        if self._spill is None:
            self._spill = VectorSpill(self.tmp, "sentences", self.sentence_faiss.d, index_dir=self.location)
            held_ids, held = flat_vectors(self.sentence_faiss)
            self._spill.add(held_ids, held)
            self.sentence_faiss.reset()
            self.index._sentence_vectors = None  # not readable before the commit
        return self._spill

    def commit(self, manifest: Manifest) -> versions.Version:
        """Finish the staged files (FTS index, views, FAISS files, manifest last) and publish them."""
        self._conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        create_views(self._conn)  # the tracker as tables (Datasette), in the file readers open read-only
        self._conn.commit()
        rows = self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if rows >= self.ann.lexical_min_passages:
            from inquire.postings import build_postings

            try:
                build_postings(self._token_instances(), rows, self.tmp / POSTINGS)
            except OSError as exc:
                raise write_error(self.tmp / POSTINGS, exc, self.location) from exc
        self._conn.close()
        write_vectors(self.faiss, self.tmp / VECTORS, index_dir=self.location)
        ann = build_ann(self.faiss, self.ann)
        if ann is not None:
            write_vectors(ann, self.tmp / VECTORS_ANN, index_dir=self.location)
        del ann
        if self._spill is None:
            ids, vectors = flat_vectors(self.sentence_faiss)
        else:  # the sentence vectors are in the spill files: the vector files are written from their maps
            ids, vectors = self._spill.arrays()
        write_flat(ids, vectors, self.tmp / SENTENCE_VECTORS, index_dir=self.location)
        ann = build_ann_from(ids, vectors, self.ann)
        if ann is not None:
            write_vectors(ann, self.tmp / SENTENCE_VECTORS_ANN, index_dir=self.location)
        del ann, ids, vectors
        if self._spill is not None:
            self._spill.remove()  # not part of the published version
        path = self.tmp / MANIFEST
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(manifest.to_json(), indent=2) + "\n")
        except OSError as exc:
            raise write_error(path, exc, self.location) from exc
        return self._staging.publish()  # fsyncs the files, then switches CURRENT

    def _token_instances(self, batch: int = 200_000) -> Iterator[tuple[list[str], np.ndarray]]:
        """The FTS5 table's token instances as (terms, passage ids) batches, by term then passage."""
        self._conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instances USING fts5vocab(main, chunks_fts, instance)")
        cursor = self._conn.execute("SELECT term, doc FROM temp.fts_instances")
        while rows := cursor.fetchmany(batch):
            yield [r[0] for r in rows], np.fromiter((r[1] for r in rows), dtype=np.int32, count=len(rows))

    def abort(self) -> None:
        try:
            self._conn.close()
            if self._spill is not None:
                self._spill.remove()
        finally:
            self._staging.abort()


class FtsTokenizer:
    """Terms exactly as the index's FTS5 table makes them (``FTS_TOKENIZE``: unicode61 words,
    diacritics removed, Porter stems), for texts that are not in it: an in-memory FTS5 table."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize='{FTS_TOKENIZE}')")
        self._conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")

    def counts(self, texts: Sequence[str]) -> list[dict[str, int]]:
        """For each text, term -> how many times it occurs."""
        out: list[dict[str, int]] = [{} for _ in texts]
        with self._conn:
            self._conn.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", ((i + 1, t) for i, t in enumerate(texts)))
            for doc, term, n in self._conn.execute("SELECT doc, term, COUNT(*) FROM v GROUP BY doc, term"):
                out[doc - 1][term] = n
            self._conn.execute("DELETE FROM t")
        return out

    def close(self) -> None:
        self._conn.close()
