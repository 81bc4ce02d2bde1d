"""The index: a directory of plain files plus a manifest.

    manifest.json   format version, package version, model + dim, chunking, created/updated,
                    per-file content hashes
    vectors.faiss   FAISS IndexIDMap2(IndexFlatIP): ids are ``chunks.id`` in the database
    sentences.faiss the same for every sentence of every chunk: ids are ``sentences.id``
    meta.sqlite     documents, chunks (+ FTS5 table), recommendations, responses, sections, links

Writes go to a temporary sibling directory which is then renamed into place, so a failed or
interrupted run never leaves a half-written index behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from inquire.errors import IndexIncompatible, IndexMissing

FORMAT_VERSION = 5
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
SENTENCE_VECTORS = "sentences.faiss"
DATABASE = "meta.sqlite"

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY,       -- first 16 hex of the file's sha256
    path TEXT NOT NULL,            -- absolute path when indexed
    name TEXT NOT NULL,            -- file basename, shown in citations
    title TEXT,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    n_pages INTEGER,
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
    text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
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
    page_end INTEGER
);
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
    files: dict[str, str] = field(default_factory=dict)  # absolute path -> sha256
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    format_version: int = FORMAT_VERSION
    package_version: str = field(default_factory=package_version)
    counts: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "model": {"name": self.model, "dim": self.dim},
            "chunking": self.chunking,
            "processing": self.processing,
            "created": self.created,
            "updated": self.updated,
            "counts": self.counts,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(
            model=data["model"]["name"],
            dim=int(data["model"]["dim"]),
            chunking=dict(data.get("chunking", {})),
            processing=str(data.get("processing", "")),
            files=dict(data.get("files", {})),
            created=data.get("created", ""),
            updated=data.get("updated", ""),
            format_version=int(data.get("format_version", 0)),
            package_version=data.get("package_version", ""),
            counts=dict(data.get("counts", {})),
        )


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissing(f"no index at {index_dir}: run `inquire index` (add --index {index_dir} if you moved it)")
    try:
        manifest = Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexIncompatible(f"index at {index_dir} has an unreadable manifest ({exc}); run `inquire index --rebuild`") from exc
    if manifest.format_version != FORMAT_VERSION:
        raise IndexIncompatible(
            f"index at {index_dir} has format version {manifest.format_version}; this install reads "
            f"version {FORMAT_VERSION}: run `inquire index --rebuild`"
        )
    for name in (VECTORS, SENTENCE_VECTORS, DATABASE):
        if not (index_dir / name).exists():
            raise IndexIncompatible(f"index at {index_dir} is missing {name}; run `inquire index --rebuild`")
    return manifest


def check_model(index_dir: Path, manifest: Manifest, model: str, dim: int) -> None:
    if manifest.model != model or manifest.dim != dim:
        raise IndexIncompatible(
            f"index at {index_dir} was built with model {manifest.model} ({manifest.dim}-d); this install "
            f"embeds with {model} ({dim}-d): run `inquire index --rebuild`"
        )


def connect(path: Path, readonly: bool = True) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    else:
        conn = sqlite3.connect(str(path))
    conn.row_factory = sqlite3.Row
    return conn


def new_faiss_index(dim: int):
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def read_faiss(index_dir: Path, name: str = VECTORS):
    import faiss

    return faiss.read_index(str(index_dir / name))


def check_target(index_dir: Path) -> None:
    """Refuse to replace an existing folder that is not an inquire index (it would be lost)."""
    if index_dir.exists() and not (index_dir / MANIFEST).exists():
        if not index_dir.is_dir() or any(index_dir.iterdir()):
            raise IndexIncompatible(
                f"{index_dir} exists and is not an inquire index (no {MANIFEST}); "
                f"choose an empty or new folder for --index"
            )


def recover(index_dir: Path) -> None:
    """Finish a swap that was interrupted between its two renames: restore the previous index."""
    if index_dir.exists():
        return
    olds = sorted(index_dir.parent.glob(f".{index_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and (olds[-1] / MANIFEST).exists():
        os.replace(olds[-1], index_dir)


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index location (a second `inquire index` waits for the first)."""
    import fcntl

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.parent / f".{index_dir.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class StagedIndex:
    """An index being written in a temporary directory; ``commit()`` renames it into place."""

    def __init__(self, index_dir: Path, dim: int) -> None:
        self.index_dir = index_dir
        index_dir.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
        self.conn = connect(self.tmp / DATABASE, readonly=False)
        self.conn.executescript(SCHEMA)
        self.faiss = new_faiss_index(dim)
        self.sentence_faiss = new_faiss_index(dim)

    def add_vectors(self, ids: list[int], vectors: np.ndarray, sentences: bool = False) -> None:
        if len(ids):
            target = self.sentence_faiss if sentences else self.faiss
            target.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def commit(self, manifest: Manifest) -> None:
        import faiss

        self.conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        self.conn.commit()
        self.conn.close()
        faiss.write_index(self.faiss, str(self.tmp / VECTORS))
        faiss.write_index(self.sentence_faiss, str(self.tmp / SENTENCE_VECTORS))
        (self.tmp / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
        check_target(self.index_dir)  # never move aside a folder that is not an index
        old = None
        if self.index_dir.exists():
            old = self.index_dir.with_name(f".{self.index_dir.name}.old-{os.getpid()}")
            os.replace(self.index_dir, old)
        os.replace(self.tmp, self.index_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        try:
            self.conn.close()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
