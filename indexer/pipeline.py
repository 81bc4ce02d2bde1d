"""``build_index``: files -> parsed -> cleaned -> structure -> chunks -> vectors -> index dir.

Incremental by content hash: unchanged files keep their rows and vectors (copied from the
previous index, not re-embedded), changed files are re-processed, files that no longer exist are
dropped. When the processing code itself changed (a new inquire version), every file is
re-processed, but a chunk or sentence whose embedded text is the same as before keeps its vector,
so only text that really changed is embedded again. One bad file is reported and skipped; if it was indexed before, its previous version is
kept. The new index is staged in a temporary directory and renamed into place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from inquire.indexer.chunk import ChunkParams, embedding_text
from inquire.indexer.parse import SUPPORTED_SUFFIXES
from inquire.indexer.reading import ProcessedDoc, process_file, processing_fingerprint

from inquire.embedding import Embedder
from inquire.errors import IndexMissing, InquireError
from inquire.records import ROLE_RECOMMENDATION, Chunk
from inquire.store import (
    DATABASE,
    SENTENCE_VECTORS,
    Manifest,
    StagedIndex,
    check_model,
    check_target,
    connect,
    now_iso,
    read_faiss,
    read_manifest,
    recover,
    write_lock,
)
from inquire.text import sentence_spans, word_count

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class FileError:
    path: str
    message: str


@dataclass
class IndexReport:
    index_dir: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    reprocessed: list[str] = field(default_factory=list)  # same file, re-read because inquire's processing changed
    removed: list[str] = field(default_factory=list)
    failed: list[FileError] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)  # failed now, previous version kept
    duplicates: list[str] = field(default_factory=list)  # same content as another file: indexed once
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0  # chunk vectors taken from the previous index for re-processed text that did not change
    seconds: float = 0.0
    written: bool = False

    def to_json(self) -> dict:
        return {
            "index": self.index_dir,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "reprocessed": self.reprocessed,
            "removed": self.removed,
            "failed": [{"path": e.path, "error": e.message} for e in self.failed],
            "kept_previous": self.kept_previous,
            "duplicates": self.duplicates,
            "documents": self.documents,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "reused": self.reused,
            "seconds": round(self.seconds, 3),
            "written": self.written,
        }


def vector_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileError]]:
    """Expand directories (recursively, skipping hidden entries) into supported files."""
    files: list[Path] = []
    errors: list[FileError] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path)
                if p.is_file() and not any(part.startswith(".") for part in rel.parts) and p.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(p.resolve())
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path.resolve())
            else:
                errors.append(FileError(str(path), f"{path}: unsupported file type {path.suffix or '(none)'!r}; inquire reads {', '.join(SUPPORTED_SUFFIXES)}"))
        else:
            errors.append(FileError(str(path), f"{path}: no such file or directory; check the path"))
    seen: set[Path] = set()
    unique = [f for f in files if not (f in seen or seen.add(f))]
    return unique, errors


def _insert_processed(staged: StagedIndex, doc: ProcessedDoc, texts: list[str], next_id: int) -> list[int]:
    """Rows for a processed document; ``texts`` are what each chunk's vector is made from."""
    c = staged.conn
    c.execute(
        "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
        (doc.doc_id, doc.path, doc.name, doc.title, doc.format, doc.sha256, doc.n_pages, doc.clean.text,
         json.dumps([list(p) for p in doc.clean.page_starts])),
    )
    ids = []
    for ch, text in zip(doc.chunks, texts):
        c.execute(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (next_id, ch.chunk_id, ch.doc_id, ch.seq, ch.text, ch.start, ch.end, ch.page_start, ch.page_end,
             " > ".join(ch.section) or None, ch.recommendation, ch.role,
             # a recommendation segment carries its addressee, which is not a responder
             None if ch.role == ROLE_RECOMMENDATION else ch.responder, ch.kind, " ".join(ch.mentions),
             vector_key(text)),
        )
        ids.append(next_id)
        next_id += 1
    for r in doc.structure.recommendations:
        c.execute(
            "INSERT INTO recommendations(doc_id, number, title, addressee, text, start, end, page_start, page_end) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (doc.doc_id, r.number, r.title, r.addressee, r.text, r.start, r.end, r.page_start, r.page_end),
        )
    for r in doc.structure.responses:
        c.execute(
            "INSERT INTO responses(doc_id, recommendation, responder, text, start, end, page_start, page_end) VALUES (?,?,?,?,?,?,?,?)",
            (doc.doc_id, r.recommendation, r.responder, r.text, r.start, r.end, r.page_start, r.page_end),
        )
    for s in doc.structure.sections:
        c.execute(
            "INSERT INTO sections(doc_id, path, start, end, page_start) VALUES (?,?,?,?,?)",
            (doc.doc_id, " > ".join(s.path), s.start, s.end, s.page_start),
        )
    return ids


MIN_SENTENCE_WORDS = 4


def _insert_sentences(staged: StagedIndex, chunk_ids: list[int], chunks: list[Chunk]) -> list[tuple[int, str]]:
    """Sentence rows for new chunks; returns (sentence id, text) to embed."""
    out = []
    for cid, ch in zip(chunk_ids, chunks):
        for s, e in sentence_spans(ch.text):
            text = ch.text[s:e]
            if word_count(text) < MIN_SENTENCE_WORDS:
                continue
            cur = staged.conn.execute("INSERT INTO sentences(chunk, start, end, vector_key) VALUES (?,?,?,?)",
                                      (cid, ch.start + s, ch.start + e, vector_key(text)))
            out.append((cur.lastrowid, text))
    return out


def _copy_previous(staged: StagedIndex, old_conn, old_faiss, old_sentence_faiss, doc_id: str, path: str, next_id: int) -> int:
    """Copy one document's rows and vectors from the previous index; return the next free id."""
    c = staged.conn
    row = old_conn.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
    values = dict(row)
    values["path"] = path
    values["name"] = Path(path).name
    c.execute(f"INSERT INTO documents({','.join(values)}) VALUES ({','.join('?' * len(values))})", list(values.values()))
    old_ids, new_ids = [], []
    for ch in old_conn.execute("SELECT * FROM chunks WHERE doc_id=? ORDER BY seq", (doc_id,)):
        vals = dict(ch)
        old_ids.append(vals["id"])
        vals["id"] = next_id
        new_ids.append(next_id)
        next_id += 1
        c.execute(f"INSERT INTO chunks({','.join(vals)}) VALUES ({','.join('?' * len(vals))})", list(vals.values()))
    for table in ("recommendations", "responses", "sections"):
        for r in old_conn.execute(f"SELECT * FROM {table} WHERE doc_id=?", (doc_id,)):
            vals = dict(r)
            vals.pop("id")
            for derived in ("canonical_id", "source"):  # recomputed by linking
                vals.pop(derived, None)
            c.execute(f"INSERT INTO {table}({','.join(vals)}) VALUES ({','.join('?' * len(vals))})", list(vals.values()))
    if old_ids:
        vectors = np.vstack([old_faiss.reconstruct(int(i)) for i in old_ids])
        staged.add_vectors(new_ids, vectors)
        remap = dict(zip(old_ids, new_ids))
        sent_old, sent_new = [], []
        for r in old_conn.execute(f"SELECT * FROM sentences WHERE chunk IN ({','.join('?' * len(old_ids))}) ORDER BY id", old_ids):
            cur = c.execute("INSERT INTO sentences(chunk, start, end, vector_key) VALUES (?,?,?,?)",
                            (remap[r["chunk"]], r["start"], r["end"], r["vector_key"]))
            sent_old.append(r["id"])
            sent_new.append(cur.lastrowid)
        if sent_old:
            staged.add_vectors(sent_new, np.vstack([old_sentence_faiss.reconstruct(int(i)) for i in sent_old]), sentences=True)
    return next_id


def _reuse_vectors(staged: StagedIndex, pending: list[tuple[int, str]], old_conn, old_faiss,
                   table: str) -> tuple[list[tuple[int, str]], int]:
    """Copy the previous index's vector for every pending text it embedded already; return the
    texts still to embed and how many vectors were reused."""
    keyed = [(i, t, vector_key(t)) for i, t in pending]
    keys = sorted({k for _, _, k in keyed})
    old_ids: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        for r in old_conn.execute(f"SELECT id, vector_key FROM {table} WHERE vector_key IN ({','.join('?' * len(part))})", part):
            old_ids.setdefault(r["vector_key"], r["id"])
    found = [(i, old_ids[k]) for i, _, k in keyed if k in old_ids]
    if found:
        vectors = np.vstack([old_faiss.reconstruct(int(o)) for _, o in found])
        staged.add_vectors([i for i, _ in found], vectors, sentences=table == "sentences")
    return [(i, t) for i, t, k in keyed if k not in old_ids], len(found)


def _one_writer(build: Callable[..., IndexReport]) -> Callable[..., IndexReport]:
    """Run ``build(paths, index_dir, ...)`` holding the index location's write lock."""
    @functools.wraps(build)
    def locked(paths: Iterable[Path], index_dir: Path, *args, **kwargs) -> IndexReport:
        with write_lock(index_dir):
            return build(paths, index_dir, *args, **kwargs)

    return locked


@_one_writer
def build_index(
    paths: Iterable[Path],
    index_dir: Path,
    embedder: Embedder,
    *,
    params: ChunkParams | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    batch_size: int = 32,
) -> IndexReport:
    """Index ``paths`` into ``index_dir`` (one writer at a time per location)."""
    t0 = time.perf_counter()
    params = params or ChunkParams()
    progress = progress or (lambda stage, done, total: None)
    report = IndexReport(index_dir=str(index_dir))
    files, report.failed = collect_files(paths)

    # Previous index, when compatible and not rebuilding.
    recover(index_dir)
    check_target(index_dir)
    old_manifest: Manifest | None = None
    if not rebuild:
        try:
            old_manifest = read_manifest(index_dir)
        except IndexMissing:
            old_manifest = None
        if old_manifest is not None:
            check_model(index_dir, old_manifest, embedder.name, embedder.dim)
    # Chunking or processing code changed: every file is re-processed; vectors are still reused by text.
    stale = old_manifest is not None and (
        old_manifest.chunking != params.to_dict() or old_manifest.processing != processing_fingerprint())
    old_files = dict(old_manifest.files) if old_manifest else {}
    old_conn = connect(index_dir / DATABASE) if old_manifest else None
    old_faiss = read_faiss(index_dir) if old_manifest else None
    old_sentence_faiss = read_faiss(index_dir, SENTENCE_VECTORS) if old_manifest else None

    # Previously indexed files not named in this run stay, as long as they still exist.
    named = set(map(str, files))
    carry = [Path(p) for p in old_files if p not in named and Path(p).is_file()]
    report.removed = sorted(p for p in old_files if p not in named and not Path(p).is_file())

    new_docs: list[ProcessedDoc] = []
    reuse: list[tuple[str, str]] = []  # (doc_id, path)
    seen_ids: dict[str, str] = {}

    def keep_previous(path: Path) -> None:
        """A file that fails now keeps its previously indexed version, if it had one."""
        old_sha = old_files.get(str(path))
        if old_sha and old_sha[:16] not in seen_ids:
            reuse.append((old_sha[:16], str(path)))
            report.kept_previous.append(str(path))
            seen_ids[old_sha[:16]] = str(path)

    hashed: list[tuple[Path, str]] = []
    for path in files + carry:
        try:
            hashed.append((path, sha256_file(path)))
        except OSError as exc:
            report.failed.append(FileError(str(path), f"{path}: cannot read file ({exc.strerror}); check permissions"))
            keep_previous(path)
    # unchanged files first, so a new copy of an indexed file never displaces the original
    hashed.sort(key=lambda ps: old_files.get(str(ps[0])) != ps[1])
    all_files = [p for p, _ in hashed]
    for i, (path, sha) in enumerate(hashed):
        progress("reading", i, len(all_files))
        doc_id = sha[:16]
        if doc_id in seen_ids:
            report.duplicates.append(f"{path}: same content as {seen_ids[doc_id]}; indexed once")
            continue
        if old_files.get(str(path)) == sha and not stale:
            reuse.append((doc_id, str(path)))
            report.unchanged.append(str(path))
            seen_ids[doc_id] = str(path)
            continue
        try:
            doc = process_file(path, sha, params)
        except InquireError as exc:
            report.failed.append(FileError(str(path), str(exc)))
            keep_previous(path)
            continue
        except Exception as exc:  # a parser bug must not abort the whole run
            report.failed.append(FileError(str(path), f"{path}: could not be indexed ({type(exc).__name__}: {exc}); please report this file"))
            keep_previous(path)
            continue
        seen_ids[doc_id] = str(path)
        new_docs.append(doc)
        if old_files.get(str(path)) == sha:
            report.reprocessed.append(str(path))
        else:
            (report.updated if str(path) in old_files else report.added).append(str(path))
    progress("reading", len(all_files), len(all_files))

    if not new_docs and not reuse:
        if old_conn:
            old_conn.close()
        report.seconds = time.perf_counter() - t0
        return report  # nothing indexable: leave any existing index untouched

    if (not new_docs and not report.removed and old_manifest is not None
            and len(reuse) == len(old_files) and not report.kept_previous):
        old_conn.close()
        report.documents = len(reuse)
        report.chunks = old_manifest.counts.get("chunks", 0)
        report.seconds = time.perf_counter() - t0
        return report  # nothing changed: no rewrite

    staged = StagedIndex(index_dir, embedder.dim)
    try:
        next_id = 1
        for doc_id, path in reuse:
            next_id = _copy_previous(staged, old_conn, old_faiss, old_sentence_faiss, doc_id, path, next_id)
        pending: list[tuple[int, str]] = []
        sentences: list[tuple[int, str]] = []
        for doc in new_docs:
            titles = {r.number: r.title for r in doc.structure.recommendations}
            texts = [embedding_text(ch, doc.title, titles.get(ch.recommendation or "")) for ch in doc.chunks]
            ids = _insert_processed(staged, doc, texts, next_id)
            sentences += _insert_sentences(staged, ids, doc.chunks)
            next_id += len(ids)
            pending.extend(zip(ids, texts))
        if old_conn is not None:  # text embedded before keeps its vector
            pending, report.reused = _reuse_vectors(staged, pending, old_conn, old_faiss, "chunks")
            sentences, _ = _reuse_vectors(staged, sentences, old_conn, old_sentence_faiss, "sentences")
        total = len(pending)
        for start in range(0, total, batch_size):
            progress("embedding", start, total)
            batch = pending[start : start + batch_size]
            vectors = embedder.encode([t for _, t in batch], batch_size=batch_size)
            staged.add_vectors([i for i, _ in batch], vectors)
        progress("embedding", total, total)
        for start in range(0, len(sentences), 64):
            progress("sentences", start, len(sentences))
            batch = sentences[start : start + 64]
            staged.add_vectors([i for i, _ in batch], embedder.encode([t for _, t in batch], batch_size=64), sentences=True)
        progress("sentences", len(sentences), len(sentences))
        report.embedded = total
        from inquire.indexer.linking import link_index  # after all documents are in

        link_index(staged.conn, staged.faiss)
        n_docs = staged.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        n_chunks = staged.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        files_map = {d.path: d.sha256 for d in new_docs}
        for _, path in reuse:
            files_map[path] = old_files[path]
        manifest = Manifest(
            model=embedder.name, dim=embedder.dim, chunking=params.to_dict(), processing=processing_fingerprint(),
            files=dict(sorted(files_map.items())),
            created=old_manifest.created if old_manifest else now_iso(),
            counts={"documents": n_docs, "chunks": n_chunks},
        )
        if old_conn:
            old_conn.close()
            old_conn = None
        staged.commit(manifest)
    except BaseException:
        staged.abort()
        if old_conn:
            old_conn.close()
        raise
    report.documents, report.chunks, report.written = n_docs, n_chunks, True
    report.seconds = time.perf_counter() - t0
    return report
