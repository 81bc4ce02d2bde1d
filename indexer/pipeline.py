"""``build_index``: files -> parsed -> cleaned -> structure -> chunks -> vectors -> index dir.

Incremental by content hash: unchanged files keep their rows and vectors (copied from the
previous index, not re-embedded), changed files are re-processed, files that no longer exist are
dropped. When the processing code itself changed (a new inquire version), every file is
re-processed, but a chunk or sentence whose embedded text is the same as before keeps its vector,
so only text that really changed is embedded again. Previously indexed files that this run does not
name are kept as they were indexed, without reading them again (only whether they still exist is
checked), unless the processing code changed. One bad file is reported and skipped; if it was
indexed before, its previous version is kept. The new index is staged as a new version inside the
index location and published in one step (``inquire.versions``).

Steps: ``_open_previous`` (the index being replaced, if compatible) -> ``_plan`` (hash and read the
files: which are copied, read anew, duplicates, dropped or failed) -> ``_write`` (rows through
``store.IndexWriter``, vectors reused or embedded, links) -> commit. The files are read in worker
processes (``indexer.overlap``) and the new documents are embedded in waves of consecutive files as
soon as a wave is read, while the next files are being read (``_Ahead``); ``_write`` then takes those
vectors. A wave's texts are embedded in batches cut within it (sorted by length), and waves are made of
files in the run's order, so the index is the same whatever the number of workers and the order the
files finished in.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from inquire.indexer.chunk import ChunkParams, embedding_text
from inquire.indexer.files import FileError, collect_files
from inquire.indexer.overlap import Advance, default_workers, read_and_embed
from inquire.indexer.reading import ProcessedDoc, process_file, processing_fingerprint

from inquire import versions
from inquire.embedding import MAX_SEQ_LENGTH, MODEL_NAME, Embedder, model_path
from inquire.embedding.model import pack_signs
from inquire.errors import IndexIncompatible, IndexMissing, InquireError
from inquire.records import Chunk
from inquire.store import (
    ChunkRow,
    DocumentRow,
    Index,
    IndexWriter,
    Manifest,
    RecommendationRow,
    ResponseRow,
    SectionRow,
    SentenceRow,
    check_model,
    now_iso,
)
from inquire.text import sentence_spans, word_count

Progress = Callable[[str, int, int], None]  # (stage, done, total)


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
    truncated: int = 0  # passages embedded in this run whose text is longer than the model reads (MAX_SEQ_LENGTH tokens)
    sentences: str = "own"  # how the index's sentence vectors are made (SENTENCE_METHODS)
    ocr_pages: dict[str, list[int]] = field(default_factory=dict)  # file read in this run -> its pages read by OCR
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
            "truncated": self.truncated,
            "sentences": self.sentences,
            "ocr_pages": self.ocr_pages,
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


MIN_SENTENCE_WORDS = 4

# How sentence vectors are made. "own": each sentence is read by the model on its own (a second
# pass over the passage's words). "pooled": the mean of the sentence's own token states in its
# passage's pass (the embedder's ``encode_spans``): about 2.5x less embedding time; on the dev set
# retrieval is unchanged (S@5 0.925 both, MRR@10 0.816 against 0.814) but ``ask`` picks the answering
# sentence less often (first quote answers 0.556 against 0.594), so "own" is the default.
SENTENCE_METHODS = ("own", "pooled")


@dataclass
class _Previous:
    """The index this run replaces (None when there is none or when rebuilding)."""

    index: Index | None = None
    files: dict[str, str] = field(default_factory=dict)  # absolute path -> sha256
    stale: bool = False  # chunking, processing code, sentence method changed, or no token states: every file is re-read
    sentences: str = "own"  # the method this run uses for sentence vectors

    @property
    def manifest(self) -> Manifest | None:
        return self.index.manifest if self.index else None

    def require(self) -> Index:
        if self.index is None:
            raise IndexMissing("no previous index to copy documents from; run `inquire index --rebuild`")
        return self.index

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None


@dataclass
class _Plan:
    """What this run does with each file: copy its rows from the previous index, or read it anew."""

    previous: _Previous
    report: IndexReport
    new_docs: list[ProcessedDoc] = field(default_factory=list)
    reuse: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, path) copied from the previous index
    seen: dict[str, str] = field(default_factory=dict)  # doc_id -> the path indexed for it

    def copy(self, doc_id: str, path: str) -> None:
        self.reuse.append((doc_id, path))
        self.seen[doc_id] = path

    def keep_previous(self, path: Path) -> None:
        """A file that fails now keeps its previously indexed version, if it had one."""
        old_sha = self.previous.files.get(str(path))
        if old_sha and old_sha[:16] not in self.seen:
            self.reuse.append((old_sha[:16], str(path)))
            self.report.kept_previous.append(str(path))
            self.seen[old_sha[:16]] = str(path)


# ---- open: the previous index, when compatible and not rebuilding


def _open_previous(index_dir: Path, embedder: Embedder, params: ChunkParams, rebuild: bool, sentences: str | None) -> _Previous:
    """Called holding the write lock: removes what interrupted runs left, then opens the published
    version. ``sentences`` None keeps the index's sentence method ("own" for a new index)."""
    if sentences is not None and sentences not in SENTENCE_METHODS:
        raise InquireError(f"unknown sentence method {sentences!r}; use one of {', '.join(SENTENCE_METHODS)}")
    if sentences == "pooled" and not hasattr(embedder, "encode_spans"):
        raise InquireError(
            f"the {embedder.backend} embedder cannot pool sentence vectors; use the onnx embedder or --sentences own"
        )
    versions.recover(index_dir)
    if rebuild:
        return _Previous(sentences=sentences or "own")
    try:
        index = Index.open(index_dir)
    except IndexMissing:
        return _Previous(sentences=sentences or "own")
    try:
        manifest = index.manifest
        assert manifest is not None
        check_model(index_dir, manifest, embedder.name, embedder.dim)
    except BaseException:
        index.close()
        raise
    method = sentences or manifest.sentences
    if method == "pooled" and not hasattr(embedder, "encode_spans"):
        index.close()
        raise InquireError(
            f"index at {index_dir} pools sentence vectors, which the {embedder.backend} embedder cannot; "
            "use the onnx embedder or --sentences own"
        )
    stale = (
        manifest.chunking != params.to_dict()
        or manifest.processing != processing_fingerprint()
        or manifest.sentences != method
        # written before passages' token states were stored: stored now (once: a file kept from it
        # because it fails to read now stays without them, and does not make every run stale)
        or (
            _gives_states(embedder, method == "pooled")
            and "token_states" not in manifest.counts
            and manifest.counts.get("chunks", 1) > 0
        )
    )
    return _Previous(index, dict(manifest.files), stale, method)


# ---- plan: which files are copied, read, dropped or failed


def _plan(
    files: list[Path],
    previous: _Previous,
    params: ChunkParams,
    report: IndexReport,
    progress: Progress,
    ahead: _Ahead,
    workers: int | None = None,
) -> _Plan:
    plan = _Plan(previous, report)
    # Previously indexed files not named in this run stay, as long as they still exist: copied as
    # they were indexed, not read again (only named files are read), unless the processing changed.
    named = set(map(str, files))
    kept = [p for p in previous.files if p not in named]
    report.removed = sorted(p for p in kept if not Path(p).is_file())
    carry: list[Path] = []
    for kept_path in (p for p in kept if p not in report.removed):
        if previous.stale:
            carry.append(Path(kept_path))  # the processing changed: every indexed file is read again
        else:
            _keep(kept_path, plan)
    hashed = _hash_files(files + carry, plan)
    # unchanged files first, so a new copy of an indexed file never displaces the original
    hashed.sort(key=lambda ps: previous.files.get(str(ps[0])) != ps[1])
    todo = _to_read(hashed, plan)
    read = functools.partial(_read_one, params=params)
    outcomes = read_and_embed(todo, read, ahead.prepare, default_workers(todo) if workers is None else workers, progress)
    for path, sha in hashed:
        _read_file(path, sha, params, plan, outcomes)
    return plan


def _to_read(hashed: list[tuple[Path, str]], plan: _Plan) -> list[tuple[Path, str]]:
    """The files ``_read_file`` reads if every read succeeds, in order: the first file of each content
    that is not copied from the previous index (one that fails is read again for its next copy)."""
    seen, out = set(plan.seen), []
    for path, sha in hashed:
        if sha[:16] in seen:
            continue
        seen.add(sha[:16])
        if plan.previous.files.get(str(path)) != sha or plan.previous.stale:
            out.append((path, sha))
    return out


def _keep(path: str, plan: _Plan) -> None:
    """Keep a previously indexed file this run does not name, as it was indexed (not read)."""
    doc_id = plan.previous.files[path][:16]
    if doc_id in plan.seen:
        plan.report.duplicates.append(f"{path}: same content as {plan.seen[doc_id]}; indexed once")
        return
    plan.copy(doc_id, path)
    plan.report.unchanged.append(path)


def _hash_files(paths: list[Path], plan: _Plan) -> list[tuple[Path, str]]:
    hashed: list[tuple[Path, str]] = []
    for path in paths:
        try:
            hashed.append((path, sha256_file(path)))
        except OSError as exc:
            plan.report.failed.append(FileError(str(path), f"{path}: cannot read file ({exc.strerror}); check permissions"))
            plan.keep_previous(path)
    return hashed


def _read_file(path: Path, sha: str, params: ChunkParams, plan: _Plan, outcomes: dict[Path, ProcessedDoc | FileError]) -> None:
    """Copy, skip (a duplicate), or read one file (its ``outcomes`` entry when it was read already),
    recording the outcome in the plan's report."""
    report, old_sha = plan.report, plan.previous.files.get(str(path))
    doc_id = sha[:16]
    if doc_id in plan.seen:
        report.duplicates.append(f"{path}: same content as {plan.seen[doc_id]}; indexed once")
        return
    if old_sha == sha and not plan.previous.stale:
        plan.copy(doc_id, str(path))
        report.unchanged.append(str(path))
        return
    doc = outcomes.pop(path, None) or _read_one(path, sha, params)
    if isinstance(doc, FileError):
        report.failed.append(doc)
        plan.keep_previous(path)
        return
    plan.seen[doc_id] = str(path)
    plan.new_docs.append(doc)
    if doc.ocr_pages:
        report.ocr_pages[str(path)] = list(doc.ocr_pages)
    if old_sha == sha:
        report.reprocessed.append(str(path))
    else:
        (report.updated if str(path) in plan.previous.files else report.added).append(str(path))


def _read_one(path: Path, sha: str, params: ChunkParams) -> ProcessedDoc | FileError:
    """One file read into a document, or why it cannot be (runs in a reading process)."""
    try:
        return process_file(path, sha, params)
    except InquireError as exc:
        return FileError(str(path), str(exc))
    except Exception as exc:  # a parser bug must not abort the whole run
        return FileError(str(path), f"{path}: could not be indexed ({type(exc).__name__}: {exc}); please report this file")


def _nothing_changed(plan: _Plan) -> bool:
    previous, report = plan.previous, plan.report
    return (
        not plan.new_docs
        and not report.removed
        and previous.manifest is not None
        and len(plan.reuse) == len(previous.files)
        and not report.kept_previous
    )


# ---- write: rows, vectors, links, manifest


def _write(writer: IndexWriter, plan: _Plan, embedder: Embedder, progress: Progress, batch_size: int) -> None:
    """Fill the staged index: copied documents first, then the new ones; embed what is new; link."""
    old = plan.previous.index
    next_id = 1
    for doc_id, path in plan.reuse:  # only a previous index has documents to copy
        next_id = _copy_previous(writer, plan.previous.require(), doc_id, path, next_id)
    pooled = plan.previous.sentences == "pooled"
    passages: list[_Passage] = []
    for doc in plan.new_docs:
        texts = _embedding_texts(doc)
        ids = _add_processed(writer, doc, texts, next_id)
        passages += _add_sentences(writer, ids, doc.chunks, texts, pooled)
        next_id += len(ids)
    pending = [(p.chunk, p.text) for p in passages]
    sentences = [(sid, p.text[s:e]) for p in passages for sid, s, e in p.sentences]
    if old is not None:  # text embedded before keeps its vector
        pending, plan.report.reused = _reuse_vectors(
            writer, pending, old, sentences=False, states=_gives_states(embedder, pooled)
        )
        sentences, _ = _reuse_vectors(writer, sentences, old, sentences=True, keys=_sentence_keys(passages, pooled))
    plan.report.embedded = len(pending)
    if pooled:  # sentence vectors come from their passage's pass of the model
        todo, todo_sentences = {i for i, _ in pending}, {sid for sid, _ in sentences}
        for p in passages:
            p.embed_passage = p.chunk in todo
            p.sentences = [t for t in p.sentences if t[0] in todo_sentences]
        plan.report.truncated = _embed_pooled(
            writer, [p for p in passages if p.embed_passage or p.sentences], embedder, progress, batch_size
        )
    else:  # an embedder that reads each text alone: sentences are embedded on their own
        plan.report.truncated = _embed(writer, pending, embedder, progress, "embedding", batch_size)
        _embed(writer, sentences, embedder, progress, "sentences", 64)
    from inquire.indexer.linking import link_index  # after all documents are in

    link_index(writer, previous=old, copied={doc_id for doc_id, _ in plan.reuse})


def _embedding_texts(doc: ProcessedDoc) -> list[str]:
    """What each chunk's vector is made from: a context header (title, recommendation), then its text."""
    titles = {r.number: r.title for r in doc.structure.recommendations}
    return [embedding_text(ch, doc.title, titles.get(ch.recommendation or "")) for ch in doc.chunks]


def _sentences_in(ch: Chunk, text: str) -> list[tuple[int, int]]:
    """A chunk's sentences that get a vector, as (start, end) in its embedding text ``text``."""
    head = len(text) - len(ch.text)  # the embedding text is a context header, then the chunk's text
    return [(head + s, head + e) for s, e in sentence_spans(ch.text) if word_count(ch.text[s:e]) >= MIN_SENTENCE_WORDS]


def _add_processed(writer: IndexWriter, doc: ProcessedDoc, texts: list[str], next_id: int) -> list[int]:
    """Rows for a processed document; ``texts`` are what each chunk's vector is made from."""
    writer.add_document(
        DocumentRow(
            doc_id=doc.doc_id,
            path=doc.path,
            name=doc.name,
            title=doc.title,
            format=doc.format,
            sha256=doc.sha256,
            n_pages=doc.n_pages,
            published=doc.date,
            publisher=doc.publisher,
            page_labels=doc.page_labels,
            ocr_pages=doc.ocr_pages,
            text=doc.clean.text,
            page_starts=doc.clean.page_starts,
        )
    )
    ids = []
    for ch, text in zip(doc.chunks, texts):
        ids.append(writer.add_chunk(_chunk_row(ch, next_id, vector_key(text))))
        next_id += 1
    for r in doc.structure.recommendations:
        writer.add_recommendation(RecommendationRow(doc_id=doc.doc_id, **_fields(r)))
    for p in doc.structure.responses:
        writer.add_response(ResponseRow(doc_id=doc.doc_id, **_fields(p)))
    for s in doc.structure.sections:
        writer.add_section(
            SectionRow(doc_id=doc.doc_id, path=" > ".join(s.path), start=s.start, end=s.end, page_start=s.page_start)
        )
    return ids


def _fields(record: Any) -> dict[str, Any]:
    """A structure record's fields by name (shallow): its row in the store has the same columns plus ``doc_id``."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _chunk_row(ch: Chunk, row_id: int, key: str) -> ChunkRow:
    return ChunkRow(
        id=row_id,
        chunk_id=ch.chunk_id,
        doc_id=ch.doc_id,
        seq=ch.seq,
        text=ch.text,
        start=ch.start,
        end=ch.end,
        page_start=ch.page_start,
        page_end=ch.page_end,
        section=" > ".join(ch.section) or None,
        recommendation=ch.recommendation,
        role=ch.role,
        responder=ch.responder,
        kind=ch.kind,
        mentions=ch.mentions,
        vector_key=key,
    )


@dataclass
class _Passage:
    """A new chunk to embed: its id, the text its vector is made from, and its sentences as
    (sentence id, start, end) in that text."""

    chunk: int
    text: str
    sentences: list[tuple[int, int, int]]
    embed_passage: bool = True


def sentence_key(text: str, start: int, end: int, pooled: bool) -> str:
    """The key a sentence's vector is stored and reused under: of the sentence alone, or, when it is
    pooled from its passage's pass of the model, of the passage text and where the sentence lies in it."""
    return vector_key(f"pooled {start}:{end}\n{text}") if pooled else vector_key(text[start:end])


def _sentence_keys(passages: list[_Passage], pooled: bool) -> dict[int, str]:
    return {sid: sentence_key(p.text, s, e, pooled) for p in passages for sid, s, e in p.sentences}


def _add_sentences(
    writer: IndexWriter, chunk_ids: list[int], chunks: list[Chunk], texts: list[str], pooled: bool
) -> list[_Passage]:
    """Sentence rows for new chunks; returns each chunk with its embedding text and sentences."""
    out = []
    for cid, ch, text in zip(chunk_ids, chunks, texts):
        head = len(text) - len(ch.text)
        passage = _Passage(cid, text, [])
        for s, e in _sentences_in(ch, text):
            key = sentence_key(text, s, e, pooled)
            sid = writer.add_sentence(SentenceRow(chunk=cid, start=ch.start + s - head, end=ch.start + e - head, vector_key=key))
            passage.sentences.append((sid, s, e))
        out.append(passage)
    return out


def _copy_previous(writer: IndexWriter, old: Index, doc_id: str, path: str, next_id: int) -> int:
    """Copy one document's rows and vectors from the previous index; return the next free id."""
    row = old.document(doc_id)
    if row is None:
        raise IndexIncompatible(f"index at {old.location} lists {path} but holds no rows for it; run `inquire index --rebuild`")
    writer.add_document(replace(row, path=path, name=Path(path).name))
    old_ids, new_ids = [], []
    for ch in old.chunks(doc_id):
        old_ids.append(ch.id)
        new_ids.append(writer.add_chunk(replace(ch, id=next_id)))
        next_id += 1
    for r in old.recommendations(doc_id):
        writer.add_recommendation(replace(r, id=0, canonical_id=None, source=None))  # linking recomputes them
    for p in old.responses(doc_id):
        writer.add_response(replace(p, id=0))
    for s in old.sections(doc_id):
        writer.add_section(replace(s, id=0))
    if old_ids:
        writer.add_vectors(new_ids, _reconstruct(old.vectors, old_ids))
        _copy_token_states(writer, old, list(zip(new_ids, old_ids)))
        remap = dict(zip(old_ids, new_ids))
        sents = old.sentences_in(old_ids)
        sent_new = [writer.add_sentence(replace(s, id=0, chunk=remap[s.chunk])) for s in sents]
        if sents:
            writer.add_vectors(sent_new, _reconstruct(old.sentence_vectors, [s.id for s in sents]), sentences=True)
    return next_id


def _reconstruct(vectors, ids: Sequence[int]) -> np.ndarray:
    return np.vstack([vectors.reconstruct(int(i)) for i in ids])


def _reuse_vectors(
    writer: IndexWriter,
    pending: list[tuple[int, str]],
    old: Index,
    sentences: bool,
    keys: dict[int, str] | None = None,
    states: bool = False,
) -> tuple[list[tuple[int, str]], int]:
    """Copy the previous index's vector for every pending text it embedded already (found by the
    text's key, or by ``keys[id]``); return the texts still to embed and how many vectors were reused.
    ``states``: a passage's vector is reused only with its token states (else it is embedded again)."""
    keyed = [(i, t, keys[i] if keys else vector_key(t)) for i, t in pending]
    old_ids = old.vector_ids({k for _, _, k in keyed}, sentences=sentences)
    if states and not sentences and old_ids:
        with_states = old.token_state_ids(list(old_ids.values()))
        old_ids = {k: o for k, o in old_ids.items() if o in with_states}
    found = [(i, old_ids[k]) for i, _, k in keyed if k in old_ids]
    if found:
        source = old.sentence_vectors if sentences else old.vectors
        writer.add_vectors([i for i, _ in found], _reconstruct(source, [o for _, o in found]), sentences=sentences)
        if not sentences:
            _copy_token_states(writer, old, found)
    return [(i, t) for i, t, k in keyed if k not in old_ids], len(found)


def _copy_token_states(writer: IndexWriter, old: Index, pairs: Sequence[tuple[int, int]]) -> None:
    """Copy the previous index's token states of chunks (new id, old id) that it stored them for, a
    slice at a time (about 8 KB a passage)."""
    for start in range(0, len(pairs), _STATES_SLICE):
        part = pairs[start : start + _STATES_SLICE]
        stored = old.token_states([o for _, o in part])
        kept = [(i, stored[o]) for i, o in part if o in stored]
        writer.add_token_states([i for i, _ in kept], [bits for _, bits in kept])


_STATES_SLICE = 2_000


@functools.cache
def _model_tokenizer(name: str):
    """The packaged model's tokenizer without truncation or padding (None for another embedder or
    when it cannot be loaded): counts what the model would see."""
    if name != MODEL_NAME:
        return None
    try:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    except Exception:  # no tokenizers, no model package: fall back to character lengths
        return None
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


LENGTH_SLICE = 4096  # texts tokenized at once to count their lengths


def _lengths(embedder: Embedder, texts: list[str]) -> tuple[list[int], bool]:
    """Each text's length in the model's tokens (special tokens included), or in characters when the
    tokenizer is unknown; the flag says which. Texts embedded ahead (``_Embedded``) are not counted again."""
    known = embedder.lengths if isinstance(embedder, _Embedded) else {}
    if texts and all(t in known for t in texts):
        return [known[t][0] for t in texts], all(known[t][1] for t in texts)
    tokenizer = _model_tokenizer(embedder.name)
    if tokenizer is None:
        return [len(t) for t in texts], False
    # in slices: an Encoding holds its tokens, offsets and masks, about 100 bytes a token, so a million
    # passages tokenized in one call would hold tens of GB until the last was counted
    step = LENGTH_SLICE
    return [len(e.ids) for i in range(0, len(texts), step) for e in tokenizer.encode_batch(texts[i : i + step])], True


class _Vectors(Protocol):
    """Where embedded vectors go: the index being written (``IndexWriter``), or ``_Collected``."""

    def add_vectors(self, ids: Sequence[int], vectors: np.ndarray, sentences: bool = False) -> None: ...

    def add_token_states(self, ids: Sequence[int], packed: Sequence[bytes]) -> None: ...


def _measured(writer: _Vectors, embedder: Embedder, texts: list[str]) -> tuple[list[int], bool]:
    """``_lengths``, kept with the vectors when they are made ahead (``_Collected``), so that the final
    write does not count them again."""
    lengths, tokens = _lengths(embedder, texts)
    if isinstance(writer, _Collected):
        writer.note_lengths(texts, lengths, tokens)
    return lengths, tokens


def _embed(
    writer: _Vectors, pending: list[tuple[int, str]], embedder: Embedder, progress: Progress, stage: str, batch_size: int
) -> int:
    """Embed ``pending`` in batches of similar length (longest first), so a batch pads each text only
    to a neighbour's length, not to the longest text of its stretch of the document; returns how many
    texts are longer than the model reads (``MAX_SEQ_LENGTH`` tokens)."""
    sentences = stage == "sentences"
    lengths, tokens = _measured(writer, embedder, [t for _, t in pending])
    order = sorted(range(len(pending)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        progress(stage, start, len(pending))
        batch = [pending[i] for i in order[start : start + batch_size]]
        ids, texts = [i for i, _ in batch], [t for _, t in batch]
        if sentences:
            writer.add_vectors(ids, embedder.encode(texts, batch_size=batch_size), sentences=True)
            continue
        vectors, states = _vectors_and_states(embedder, texts, batch_size)
        writer.add_vectors(ids, vectors)
        if states is not None:
            writer.add_token_states(ids, states)
    progress(stage, len(pending), len(pending))
    return sum(n > MAX_SEQ_LENGTH for n in lengths) if tokens else 0


def _embed_pooled(writer: _Vectors, passages: list[_Passage], embedder: Any, progress: Progress, batch_size: int) -> int:
    """Embed passages and their sentences in one pass of the model per passage (the embedder's
    ``encode_spans``), in batches of similar length; returns how many passages are longer than the
    model reads."""
    lengths, tokens = _measured(writer, embedder, [p.text for p in passages])
    order = sorted(range(len(passages)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        progress("embedding", start, len(passages))
        batch = [passages[i] for i in order[start : start + batch_size]]
        vectors, spans, states = _spans_and_states(
            embedder, [p.text for p in batch], [[(s, e) for _, s, e in p.sentences] for p in batch], batch_size
        )
        keep = [k for k, p in enumerate(batch) if p.embed_passage]
        writer.add_vectors([batch[k].chunk for k in keep], vectors[keep])
        if states is not None:
            writer.add_token_states([batch[k].chunk for k in keep], [states[k] for k in keep])
        sids = [sid for p in batch for sid, _, _ in p.sentences]
        if sids:
            writer.add_vectors(sids, np.vstack([v for v in spans if len(v)]), sentences=True)
    progress("embedding", len(passages), len(passages))
    return sum(n > MAX_SEQ_LENGTH for n, p in zip(lengths, passages) if p.embed_passage) if tokens else 0


def _gives_states(embedder: Any, pooled: bool) -> bool:
    """Whether the embedder gives passages' token states from the pass that embeds them."""
    if isinstance(embedder, _Embedded):
        embedder = embedder.embedder
    return hasattr(embedder, "encode_spans_states" if pooled else "encode_states")


def _vectors_and_states(embedder: Any, texts: list[str], batch_size: int) -> tuple[np.ndarray, list[bytes] | None]:
    """The embedder's ``encode``, with each text's token states packed (``pack_signs``) from the same
    pass when the embedder gives them (``encode_states``), else None: what late interaction reads."""
    if isinstance(embedder, _Embedded):
        return embedder.encode_packed(texts, batch_size)
    if _gives_states(embedder, pooled=False):
        vectors, states = embedder.encode_states(texts, batch_size=batch_size)
        return vectors, [pack_signs(t) for t in states]
    return embedder.encode(texts, batch_size=batch_size), None


def _spans_and_states(
    embedder: Any, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int
) -> tuple[np.ndarray, list[np.ndarray], list[bytes] | None]:
    """The embedder's ``encode_spans``, with each text's token states packed (``pack_signs``) from the
    same pass when the embedder gives them (``encode_spans_states``), else None."""
    if isinstance(embedder, _Embedded):
        return embedder.encode_spans_packed(texts, spans, batch_size)
    if _gives_states(embedder, pooled=True):
        vectors, parts, states = embedder.encode_spans_states(texts, spans, batch_size=batch_size)
        return vectors, parts, [pack_signs(t) for t in states]
    vectors, parts = embedder.encode_spans(texts, spans, batch_size=batch_size)
    return vectors, parts, None


class _Collected:
    """Vectors made ahead for one wave of documents, as ``_embed`` and ``_embed_pooled`` hand them to a writer,
    kept by what they were made from: a text (passage or sentence), or a pooled sentence's
    (passage text, start, end). ``passages`` and ``sentences`` name the ids the writer is given."""

    def __init__(self, passages: list[str], sentences: list[Any]) -> None:
        self.passages, self.sentences = passages, sentences
        self.vectors: dict[Any, np.ndarray] = {}
        self.states: dict[str, bytes] = {}  # passage text -> its token states, packed
        self.lengths: dict[str, tuple[int, bool]] = {}  # text -> (its length, in tokens or not), as ``_lengths`` gave it

    def note_lengths(self, texts: list[str], lengths: list[int], tokens: bool) -> None:
        self.lengths.update((t, (n, tokens)) for t, n in zip(texts, lengths))

    def add_vectors(self, ids: Sequence[int], vectors: np.ndarray, sentences: bool = False) -> None:
        names = self.sentences if sentences else self.passages
        for i, vector in zip(ids, vectors):
            self.vectors.setdefault(names[i], vector)

    def add_token_states(self, ids: Sequence[int], packed: Sequence[bytes]) -> None:
        for i, bits in zip(ids, packed):
            self.states.setdefault(self.passages[i], bits)


class _Ahead:
    """Vectors made while the files are still being read: the texts of each wave of new documents
    (``indexer.overlap``) that neither the previous index nor an earlier wave has a vector for, embedded
    as soon as the wave is read, in batches cut within the wave (so a vector does not depend on which
    files finished first)."""

    def __init__(self, embedder: Embedder, previous: _Previous, batch_size: int) -> None:
        self.embedder, self.old, self.batch_size = embedder, previous.index, batch_size
        self.pooled = previous.sentences == "pooled"
        self.waves: list[_Collected] = []
        self.passages: set[str] = set()  # passage texts an earlier wave embeds
        self.sentences: set[Any] = set()  # and sentences (texts, or pooled (text, start, end))

    def prepare(self, docs: list[ProcessedDoc]) -> tuple[int, Callable[[Advance], None]] | None:
        """In the calling thread (the previous index is read here): what to embed for a wave of
        documents; returns its size (texts to embed) and the embedding, to run in the embedding thread."""
        texts = [t for doc in docs for t in _embedding_texts(doc)]
        chunks = [ch for doc in docs for ch in doc.chunks]
        spans = [_sentences_in(ch, text) for ch, text in zip(chunks, texts)]
        known, known_sentences = set[str](), set[str]()
        if self.old is not None:
            known = set(self.old.vector_ids({vector_key(t) for t in texts}))
            keys = {sentence_key(t, s, e, self.pooled) for t, sp in zip(texts, spans) for s, e in sp}
            known_sentences = set(self.old.vector_ids(keys, sentences=True))
        if self.pooled:
            names: list[tuple[str, int, int]] = []
            passages: list[_Passage] = []
            for text, sp in dict(zip(texts, spans)).items():
                todo = [
                    (s, e)
                    for s, e in sp
                    if sentence_key(text, s, e, True) not in known_sentences and (text, s, e) not in self.sentences
                ]
                if todo or (vector_key(text) not in known and text not in self.passages):
                    # the passage's vector comes with its sentences'
                    passages.append(_Passage(len(passages), text, [(len(names) + k, s, e) for k, (s, e) in enumerate(todo)]))
                    names += [(text, s, e) for s, e in todo]
            if not passages:
                return None
            got = _Collected([p.text for p in passages], names)
            self._schedule(got)

            def embed_pooled(advance: Advance) -> None:
                _embed_pooled(got, passages, self.embedder, _advancing(advance), self.batch_size)

            return len(passages), embed_pooled
        pending = [t for t in dict.fromkeys(texts) if vector_key(t) not in known and t not in self.passages]
        sentences = list(
            dict.fromkeys(
                t[s:e]
                for t, sp in zip(texts, spans)
                for s, e in sp
                if vector_key(t[s:e]) not in known_sentences and t[s:e] not in self.sentences
            )
        )
        if not pending and not sentences:
            return None
        got = _Collected(pending, sentences)
        self._schedule(got)

        def embed(advance: Advance) -> None:
            progress = _advancing(advance)
            _embed(got, list(enumerate(pending)), self.embedder, progress, "embedding", self.batch_size)
            _embed(got, list(enumerate(sentences)), self.embedder, progress, "sentences", 64)

        return len(pending) + len(sentences), embed

    def _schedule(self, wave: _Collected) -> None:
        self.waves.append(wave)
        self.passages.update(wave.passages)
        self.sentences.update(wave.sentences)

    def vectors(self) -> _Embedded:
        """The embedder for ``_write``: the vectors made ahead (each text's in one wave only)."""
        vectors: dict[Any, np.ndarray] = {}
        states: dict[str, bytes] = {}
        lengths: dict[str, tuple[int, bool]] = {}
        for wave in self.waves:
            vectors.update(wave.vectors)
            states.update(wave.states)
            lengths.update(wave.lengths)
        return _Embedded(self.embedder, vectors, lengths, states)


def _advancing(advance: Advance) -> Progress:
    """A ``Progress`` for ``_embed`` that hands each stage's step on as units done."""
    last: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        advance(done - last.get(stage, 0))
        last[stage] = done

    return progress


class _Embedded:
    """An embedder that answers from vectors made ahead (``_Ahead``) and embeds only what they lack."""

    def __init__(
        self,
        embedder: Embedder,
        vectors: dict[Any, np.ndarray],
        lengths: dict[str, tuple[int, bool]],
        states: dict[str, bytes] | None = None,
    ) -> None:
        self.embedder, self.vectors, self.lengths, self.states = embedder, vectors, lengths, states or {}
        self.name, self.dim, self.backend = embedder.name, embedder.dim, embedder.backend

    def encode_packed(self, texts: list[str], batch_size: int = 32) -> tuple[np.ndarray, list[bytes] | None]:
        """``_vectors_and_states`` from what was made ahead; the rest is embedded now."""
        with_states = _gives_states(self.embedder, pooled=False)
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors or (with_states and t not in self.states)]
        if missing:
            vectors, states = _vectors_and_states(self.embedder, missing, batch_size)
            self.vectors.update(zip(missing, vectors))
            self.states.update(zip(missing, states or []))
        return (
            np.vstack([self.vectors[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32),
            [self.states[t] for t in texts] if with_states else None,
        )

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.embedder.encode(missing, batch_size=batch_size)))
        return np.vstack([self.vectors[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def encode_spans_packed(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray], list[bytes] | None]:
        """``_spans_and_states`` from what was made ahead; the rest is embedded now."""
        with_states = _gives_states(self.embedder, pooled=True)
        missing = [
            k
            for k, (t, sp) in enumerate(zip(texts, spans))
            if t not in self.vectors
            or any((t, s, e) not in self.vectors for s, e in sp)
            or (with_states and t not in self.states)
        ]
        if missing:
            vectors, found, states = _spans_and_states(
                self.embedder, [texts[k] for k in missing], [spans[k] for k in missing], batch_size
            )
            for n, (k, vector, span_vectors) in enumerate(zip(missing, vectors, found)):
                self.vectors[texts[k]] = vector
                self.vectors.update(((texts[k], s, e), v) for (s, e), v in zip(spans[k], span_vectors))
                if states is not None:
                    self.states[texts[k]] = states[n]
        empty = np.zeros((0, self.dim), dtype=np.float32)
        return (
            np.vstack([self.vectors[t] for t in texts]) if texts else empty,
            [np.vstack([self.vectors[(t, s, e)] for s, e in sp]) if sp else empty for t, sp in zip(texts, spans)],
            [self.states[t] for t in texts] if with_states else None,
        )


def _manifest(plan: _Plan, embedder: Embedder, params: ChunkParams, counts: dict[str, int]) -> Manifest:
    from inquire.indexer import linking

    files_map = {d.path: d.sha256 for d in plan.new_docs}
    for _, path in plan.reuse:
        files_map[path] = plan.previous.files[path]
    old = plan.previous.manifest
    return Manifest(
        model=embedder.name,
        dim=embedder.dim,
        chunking=params.to_dict(),
        processing=processing_fingerprint(),
        linking=linking.fingerprint(),
        files=dict(sorted(files_map.items())),
        created=old.created if old else now_iso(),
        counts=counts,
        sentences=plan.previous.sentences,
    )


def _one_writer(build: Callable[..., IndexReport]) -> Callable[..., IndexReport]:
    """Run ``build(paths, index_dir, ...)`` holding the index location's write lock (which refuses a
    location that is not an index: ``--index /``, a folder of reports)."""

    @functools.wraps(build)
    def locked(paths: Iterable[Path], index_dir: Path, *args, **kwargs) -> IndexReport:
        if getattr(multiprocessing.current_process(), "_inheriting", False):
            # a reading process (spawned) re-runs the script that started it: without this it would wait
            # for the lock its parent holds, and the parent for it
            raise InquireError(
                'a script that builds an index must do so under `if __name__ == "__main__":` '
                "(its reading processes run the script again); or pass workers=1"
            )
        with versions.write_lock(Path(index_dir)):
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
    sentences: str | None = None,
    workers: int | None = None,
) -> IndexReport:
    """Index ``paths`` into ``index_dir`` (one writer at a time per location): open the previous
    index, plan what each file needs, then write a new version and publish it. ``sentences`` picks
    how sentence vectors are made (``SENTENCE_METHODS``; None: as the index has them, else "own").
    ``workers``: processes reading files while the documents read are embedded (None: the default of
    ``indexer.overlap``; 1: read here, one file after the other)."""
    t0 = time.perf_counter()
    params = params or ChunkParams()
    progress = progress or (lambda stage, done, total: None)
    report = IndexReport(index_dir=str(index_dir))
    files, report.failed = collect_files(paths)
    previous = _open_previous(index_dir, embedder, params, rebuild, sentences)
    report.sentences = previous.sentences
    try:
        ahead = _Ahead(embedder, previous, batch_size)
        plan = _plan(files, previous, params, report, progress, ahead, workers)
        if not plan.new_docs and not plan.reuse:
            return report  # nothing indexable: leave any existing index untouched
        if _nothing_changed(plan):
            report.documents = len(plan.reuse)
            report.chunks = previous.manifest.counts.get("chunks", 0) if previous.manifest else 0
            return report  # nothing changed: no rewrite
        writer = IndexWriter(index_dir, embedder.dim)
        try:
            # the embedding was reported as the documents were read
            quiet: Progress = lambda stage, done, total: (
                None if stage in ("embedding", "sentences") else progress(stage, done, total)
            )
            _write(writer, plan, ahead.vectors(), quiet, batch_size)
            counts = writer.index.counts()
            manifest = _manifest(plan, embedder, params, counts)
            previous.close()
            writer.commit(manifest)
        except BaseException:
            writer.abort()
            raise
        report.documents, report.chunks, report.written = counts["documents"], counts["chunks"], True
        return report
    finally:
        previous.close()
        report.seconds = time.perf_counter() - t0
