"""The Qdrant backend: passages, sentences and BM25 terms in Qdrant collections.

Collections (names prefixed by ``$INQUIRE_QDRANT_PREFIX``; see :func:`collection_prefix`):

- ``passages``: one point per passage: a dense vector ``dense`` (the index's vector, inner product)
  and a sparse vector ``bm25`` (FTS5's terms of the passage weighted by BM25's term-frequency part,
  k1 1.2 and b 0.75 as FTS5's ``bm25()``; Qdrant applies IDF, ``modifier=idf``); payload ``chunk``
  (the stable ``chunk_id``), ``doc_id``, ``recommendation``, ``responder``, ``role``, ``kind``, each
  with a keyword payload index, so filters are applied inside Qdrant's search.
- ``sentences``: one point per sentence with its vector and the same payload; ranking passages by
  their best sentence groups on ``chunk``.
- ``documents``: no vectors; one record per document (its version) and one ``state`` record
  (a hash of every document version, the model, the average passage length in terms) written last.

Point ids are UUIDs derived from ``chunk_id`` (and a sentence's start), which are stable while a file
is unchanged, so :func:`sync` updates a collection by document: it deletes the points of documents
that are gone or changed and upserts the new ones, with vectors read from the index (nothing is
embedded again). A searcher refuses collections whose state differs from its index.

Without ``QDRANT_URL`` the collections live in qdrant-client's local mode inside the index
directory (``<index>/qdrant``): for tests and small use; one process at a time, and its files are
qdrant-client's own (pickled) format, so only open local stores you wrote. ``QDRANT_API_KEY`` is sent
when set.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from inquire.query.backends import Ranking

from inquire.errors import IndexIncompatible, InquireError
from inquire.store import FORMAT_VERSION, ChunkRow, ChunkSelection, FtsTokenizer, Index, Manifest

LOCAL_DIR = "qdrant"  # qdrant-client's local mode, inside the index directory
PASSAGES, SENTENCES, DOCUMENTS = "passages", "sentences", "documents"
DENSE, SPARSE = "dense", "bm25"
FILTER_FIELDS = ("doc_id", "recommendation", "responder", "role")
SYNC_FORMAT = 1  # bump when what sync writes changes: every document is written again
K1, B = 1.2, 0.75  # FTS5's bm25() parameters
BATCH = 256
_NS = uuid.UUID("9b1a4f8e-3c1d-5e2f-8a7b-6c5d4e3f2a1b")  # namespace of inquire's point ids
_STATE_ID = str(uuid.uuid5(_NS, "inquire:state"))


class BackendUnavailable(InquireError):
    """Qdrant cannot be used: qdrant-client missing, server unreachable, local store busy."""


# ---- ids, names, terms


def passage_point(chunk_id: str) -> str:
    return str(uuid.uuid5(_NS, chunk_id))


def sentence_point(chunk_id: str, start: int) -> str:
    return str(uuid.uuid5(_NS, f"{chunk_id}:{start}"))


def document_point(doc_id: str) -> str:
    return str(uuid.uuid5(_NS, f"doc:{doc_id}"))


def collection_prefix(index_dir: Path) -> str:
    """``$INQUIRE_QDRANT_PREFIX`` when set; on a server otherwise ``inquire-<8 hex of the index path>-``
    (two indexes never share collections); nothing in local mode (the store is the index's own)."""
    if "INQUIRE_QDRANT_PREFIX" in os.environ:
        return os.environ["INQUIRE_QDRANT_PREFIX"]
    if not os.environ.get("QDRANT_URL"):
        return ""
    return f"inquire-{hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:8]}-"


def term_id(term: str) -> int:
    """A stable 32-bit id for a term (crc32; a rare collision merges two terms' statistics)."""
    return zlib.crc32(term.encode("utf-8"))


def bm25_weights(counts: dict[str, int], avgdl: float) -> tuple[list[int], list[float]]:
    """Sparse (indices, values): BM25's term-frequency part; the IDF part is Qdrant's (``modifier=idf``)."""
    dl = sum(counts.values())
    norm = K1 * (1 - B + B * dl / max(avgdl, 1e-9))
    merged: dict[int, float] = {}
    for term, tf in counts.items():
        i = term_id(term)
        merged[i] = merged.get(i, 0.0) + tf * (K1 + 1) / (tf + norm)
    return list(merged), list(merged.values())


def query_terms(tokenizer: FtsTokenizer, terms: Iterable[str]) -> list[int]:
    """Term ids of the query's content words, stemmed as FTS5 stems them, each once."""
    counts = tokenizer.counts([" ".join(terms)])[0]
    return sorted({term_id(t) for t in counts})


def document_version(manifest: Manifest, sha256: str) -> str:
    """What a document's points depend on: its content, inquire's processing and chunking, the model."""
    key = json.dumps(
        [sha256, manifest.processing, manifest.chunking, manifest.model, manifest.dim, FORMAT_VERSION, SYNC_FORMAT],
        sort_keys=True,
    )
    return hashlib.sha1(key.encode()).hexdigest()


def index_state(manifest: Manifest, versions: dict[str, str]) -> str:
    return hashlib.sha1(json.dumps([manifest.model, manifest.dim, sorted(versions.items())]).encode()).hexdigest()


def _versions(index: Index, manifest: Manifest) -> dict[str, str]:
    return {d.doc_id: document_version(manifest, d.sha256) for d in index.documents()}


# ---- the connection


class QdrantStore:
    """A client with inquire's three collection names."""

    def __init__(self, index_dir: Path) -> None:
        try:
            from qdrant_client import QdrantClient
        except ImportError as exc:
            raise BackendUnavailable(f"the qdrant backend needs qdrant-client ({exc}): pip install 'inquire[qdrant]'") from exc
        url = os.environ.get("QDRANT_URL")
        prefix = collection_prefix(index_dir)
        self.names = {c: prefix + c for c in (PASSAGES, SENTENCES, DOCUMENTS)}
        if url:
            self.where = f"Qdrant at {url}"
            self.client = QdrantClient(
                url=url, api_key=os.environ.get("QDRANT_API_KEY") or None, timeout=60, check_compatibility=False
            )  # no background version probe: the call below checks
            self._call(self.client.get_collections)  # unreachable server: one line, now
        else:
            path = Path(index_dir) / LOCAL_DIR
            self.where = f"Qdrant local store {path}"
            try:
                path.mkdir(parents=True, exist_ok=True)
                self.client = QdrantClient(path=str(path))
            except (RuntimeError, OSError) as exc:
                raise BackendUnavailable(
                    f"{self.where}: cannot open it ({exc}); local mode serves one process at a "
                    f"time: close the other one, or set QDRANT_URL to use a Qdrant server"
                ) from exc

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A client call with its failures (connection refused, timeouts, bad responses) as one line."""
        try:
            return fn(*args, **kwargs)
        except InquireError:
            raise
        except Exception as exc:  # qdrant-client raises httpx, grpc and its own exception types
            message = " ".join(str(exc).split())[:300]
            raise BackendUnavailable(
                f"{self.where}: {type(exc).__name__}: {message}; check QDRANT_URL and that the server is up"
            ) from exc

    def exists(self, what: str) -> bool:
        return bool(self._call(self.client.collection_exists, self.names[what]))

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # closing a client that failed half-way must not hide the first error
            pass

    # ---- collections

    def create(self, dim: int) -> None:
        """The three collections with their vectors and payload indexes (missing ones only)."""
        from qdrant_client import models

        if not self.exists(PASSAGES):
            self._call(
                self.client.create_collection,
                self.names[PASSAGES],
                vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.DOT)},
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
        if not self.exists(SENTENCES):
            self._call(
                self.client.create_collection,
                self.names[SENTENCES],
                vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.DOT)},
            )
        if not self.exists(DOCUMENTS):
            self._call(self.client.create_collection, self.names[DOCUMENTS], vectors_config={})
        for what in (PASSAGES, SENTENCES):  # collections made by hand (cluster settings) must fit
            params = self._call(self.client.get_collection, self.names[what]).config.params
            dense = (params.vectors or {}).get(DENSE) if isinstance(params.vectors, dict) else None
            if dense is None or dense.size != dim or dense.distance != models.Distance.DOT:
                raise BackendUnavailable(
                    f"{self.where}: collection {self.names[what]} needs a {dim}-d dot-product vector "
                    f"named {DENSE!r}; drop it, or set INQUIRE_QDRANT_PREFIX to use other collections"
                )
        sparse = self._call(self.client.get_collection, self.names[PASSAGES]).config.params.sparse_vectors or {}
        if SPARSE not in sparse or sparse[SPARSE].modifier != models.Modifier.IDF:
            raise BackendUnavailable(
                f"{self.where}: collection {self.names[PASSAGES]} needs a sparse vector {SPARSE!r} with "
                f"modifier=idf; drop it, or set INQUIRE_QDRANT_PREFIX to use other collections"
            )
        if os.environ.get("QDRANT_URL"):  # local mode has no payload indexes (it scans)
            for what in (PASSAGES, SENTENCES):
                for field in ("chunk", *FILTER_FIELDS):
                    self._call(self.client.create_payload_index, self.names[what], field, models.PayloadSchemaType.KEYWORD)

    def drop(self) -> None:
        for what in (PASSAGES, SENTENCES, DOCUMENTS):
            if self.exists(what):
                self._call(self.client.delete_collection, self.names[what])

    def state(self) -> dict:
        if not self.exists(DOCUMENTS):
            return {}
        found = self._call(self.client.retrieve, self.names[DOCUMENTS], [_STATE_ID], with_payload=True)
        return dict(found[0].payload or {}) if found else {}

    def documents(self) -> dict[str, str]:
        """doc_id -> version of every document whose points are all written."""
        from qdrant_client import models

        out: dict[str, str] = {}
        flt = models.Filter(must=[models.FieldCondition(key="kind", match=models.MatchValue(value="document"))])
        offset = None
        while True:
            records, offset = self._call(
                self.client.scroll, self.names[DOCUMENTS], scroll_filter=flt, limit=1024, offset=offset, with_payload=True
            )
            out.update((r.payload["doc_id"], r.payload["version"]) for r in records)
            if offset is None:
                return out

    def delete_document(self, doc_id: str) -> None:
        """Every point of one document (its record first, so a half-deleted document is never taken as complete)."""
        from qdrant_client import models

        self._call(
            self.client.delete,
            self.names[DOCUMENTS],
            points_selector=models.PointIdsList(points=[document_point(doc_id)]),
            wait=True,
        )
        by_doc = models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))])
        for what in (PASSAGES, SENTENCES):
            self._call(self.client.delete, self.names[what], points_selector=models.FilterSelector(filter=by_doc), wait=True)

    def count(self, what: str) -> int:
        return int(self._call(self.client.count, self.names[what], exact=True).count)

    def upsert(self, what: str, points: list) -> None:
        for start in range(0, len(points), BATCH):
            self._call(self.client.upsert, self.names[what], points[start : start + BATCH], wait=True)

    def put_record(self, point_id: str, payload: dict) -> None:
        from qdrant_client import models

        self.upsert(DOCUMENTS, [models.PointStruct(id=point_id, vector={}, payload=payload)])


# ---- writing: upsert and delete by document


@dataclass
class SyncReport:
    where: str
    added: list[str]
    removed: list[str]
    kept: int
    passages: int
    sentences: int
    seconds: float

    def to_json(self) -> dict:
        return {
            "where": self.where,
            "added": self.added,
            "removed": self.removed,
            "kept": self.kept,
            "passages": self.passages,
            "sentences": self.sentences,
            "seconds": round(self.seconds, 3),
        }


def _payload(ch: ChunkRow) -> dict:
    return {
        "chunk": ch.chunk_id,
        "doc_id": ch.doc_id,
        "recommendation": ch.recommendation,
        "responder": ch.responder,
        "role": ch.role,
        "kind": ch.kind,
    }


def _passage_points(index: Index, chunks: list[ChunkRow], tokenizer: FtsTokenizer, avgdl: float) -> list:
    from qdrant_client import models

    vectors = _reconstruct(index.vectors, [c.id for c in chunks])
    points = []
    for ch, vec, counts in zip(chunks, vectors, tokenizer.counts([c.text for c in chunks])):
        indices, values = bm25_weights(counts, avgdl)
        points.append(
            models.PointStruct(
                id=passage_point(ch.chunk_id),
                payload=_payload(ch),
                vector={DENSE: vec.tolist(), SPARSE: models.SparseVector(indices=indices, values=values)},
            )
        )
    return points


def _sentence_points(index: Index, chunks: list[ChunkRow]) -> list:
    from qdrant_client import models

    by_id = {c.id: c for c in chunks}
    rows = index.sentences_in(list(by_id))
    vectors = _reconstruct(index.sentence_vectors, [s.id for s in rows])
    return [
        models.PointStruct(
            id=sentence_point(by_id[s.chunk].chunk_id, s.start), payload=_payload(by_id[s.chunk]), vector={DENSE: vec.tolist()}
        )
        for s, vec in zip(rows, vectors)
    ]


def _average_length(index: Index, tokenizer: FtsTokenizer, sample: int = 2000) -> float:
    """Mean passage length in FTS5 terms, over up to ``sample`` passages spread through the index."""
    chunks = index.chunks()
    step = max(1, len(chunks) // sample)
    lengths = [sum(c.values()) for c in tokenizer.counts([c.text for c in chunks[::step]])]
    return float(np.mean(lengths)) if lengths else 1.0


def sync(index_dir: Path, progress: Callable[[str, int, int], None] | None = None) -> SyncReport:
    """Bring the Qdrant collections in line with the index at ``index_dir``, by document: points of
    documents that are gone or changed are deleted, new or changed documents are upserted with the
    index's vectors. Idempotent; an interrupted run is finished by the next one."""
    t0 = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    index = Index.open(index_dir)
    manifest = index.manifest
    assert manifest is not None
    store = QdrantStore(index_dir)
    tokenizer = FtsTokenizer()
    try:
        state = store.state()
        if state and (state.get("model") != manifest.model or state.get("dim") != manifest.dim):
            store.drop()  # vectors of another model: nothing can be kept
            state = {}
        store.create(manifest.dim)
        want = _versions(index, manifest)
        have = store.documents()
        removed = sorted(d for d, v in have.items() if want.get(d) != v)
        avgdl = float(state.get("avgdl") or 0) or _average_length(index, tokenizer)
        store.put_record(
            _STATE_ID, {"kind": "state", "state": None, "model": manifest.model, "dim": manifest.dim, "avgdl": avgdl}
        )
        for i, doc_id in enumerate(removed):
            progress("qdrant: removing", i, len(removed))
            store.delete_document(doc_id)
        added = sorted(d for d in want if have.get(d) != want[d])
        fresh = store.count(PASSAGES) == 0 and store.count(SENTENCES) == 0
        n_passages = n_sentences = 0
        for i, doc_id in enumerate(added):
            progress("qdrant: writing", i, len(added))
            if not fresh:
                store.delete_document(doc_id)  # points an interrupted run left without a record
            chunks = index.chunks(doc_id)
            passages = _passage_points(index, chunks, tokenizer, avgdl)
            sentences = _sentence_points(index, chunks)
            store.upsert(PASSAGES, passages)
            store.upsert(SENTENCES, sentences)
            store.put_record(
                document_point(doc_id),
                {
                    "kind": "document",
                    "doc_id": doc_id,
                    "version": want[doc_id],
                    "passages": len(passages),
                    "sentences": len(sentences),
                },
            )
            n_passages, n_sentences = n_passages + len(passages), n_sentences + len(sentences)
        progress("qdrant: writing", len(added), len(added))
        store.put_record(
            _STATE_ID,
            {"kind": "state", "state": index_state(manifest, want), "model": manifest.model, "dim": manifest.dim, "avgdl": avgdl},
        )
        return SyncReport(
            store.where,
            added,
            [d for d in removed if d not in want],
            len(want) - len(added),
            n_passages,
            n_sentences,
            time.perf_counter() - t0,
        )
    finally:
        tokenizer.close()
        store.close()
        index.close()


# ---- searching


def _filter(within: ChunkSelection | None) -> Any:
    if within is None:
        return None
    from qdrant_client import models

    must: list = []
    for key, values in (("doc_id", within.doc_ids), ("responder", within.responders)):
        if values is not None:
            must.append(models.FieldCondition(key=key, match=models.MatchAny(any=sorted(values))))
    if within.recommendations is not None:
        number = models.FieldCondition(key="recommendation", match=models.MatchAny(any=sorted(within.recommendations)))
        if within.also_chunks:  # or the passages that carry the wanted recommendation under another number
            chunks = models.FieldCondition(key="chunk", match=models.MatchAny(any=sorted(within.also_chunks)))
            must.append(models.Filter(should=[number, chunks]))
        else:
            must.append(number)
    if within.role is not None:
        must.append(models.FieldCondition(key="role", match=models.MatchValue(value=within.role)))
    if within.chunk_ids is not None:
        must.append(models.FieldCondition(key="chunk", match=models.MatchAny(any=sorted(within.chunk_ids))))
    return models.Filter(must=must)


class QdrantBackend:
    """Candidates from the Qdrant collections that :func:`sync` wrote for this index."""

    name = "qdrant"

    def __init__(self, index: Index, index_dir: Path) -> None:
        self.index = index
        manifest = index.manifest
        assert manifest is not None
        self.store = QdrantStore(index_dir)
        state = self.store.state()
        if state.get("state") != index_state(manifest, _versions(index, manifest)):
            where = self.store.where
            self.store.close()
            raise IndexIncompatible(
                f"{where} does not hold this index's current documents: run `inquire index --backend qdrant --index {index_dir}`"
            )
        self._tokenizer = FtsTokenizer()
        self._names = self.store.names
        self._dim = manifest.dim

    def _rowids(self, scored: list[tuple[str, float]]) -> Ranking:
        """(chunk_id, score) -> (chunks.id, score), in order; ids the index lacks are dropped."""
        rows = self.index.chunk_rowids([c for c, _ in scored])
        return [(rows[c], s) for c, s in scored if c in rows]

    def _query(self, what: str, query: Any, using: str, k: int, within: ChunkSelection | None) -> list[tuple[str, float]]:
        result = self.store._call(
            self.store.client.query_points,
            self._names[what],
            query=query,
            using=using,
            limit=k,
            query_filter=_filter(within),
            with_payload=["chunk"],
        )
        return [(p.payload["chunk"], float(p.score)) for p in result.points]

    def dense(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None) -> Ranking:
        if k <= 0:
            return []
        return self._rowids(self._query(PASSAGES, np.asarray(qvec, dtype=np.float32).tolist(), DENSE, k, within))

    def sentences(self, qvec: np.ndarray, k: int, within: ChunkSelection | None = None, candidates: int | None = None) -> Ranking:
        if k <= 0:
            return []
        vector = np.asarray(qvec, dtype=np.float32).tolist()
        if candidates is not None:  # the same rule as the local backend: the best ``candidates`` sentences
            return self._rowids(_best_chunks(self._query(SENTENCES, vector, DENSE, candidates, within), k))
        groups = self.store._call(
            self.store.client.query_points_groups,
            self._names[SENTENCES],
            query=vector,
            using=DENSE,
            group_by="chunk",
            limit=k,
            group_size=1,
            query_filter=_filter(within),
            with_payload=False,
        )
        return self._rowids([(str(g.id), float(g.hits[0].score)) for g in groups.groups if g.hits])

    def lexical(self, terms: tuple[str, ...], k: int, within: ChunkSelection | None = None) -> Ranking:
        from qdrant_client import models

        ids = query_terms(self._tokenizer, terms) if terms else []
        if not ids or k <= 0:
            return []
        query = models.SparseVector(indices=ids, values=[1.0] * len(ids))
        return self._rowids(self._query(PASSAGES, query, SPARSE, k, within))

    def _vectors(self, what: str, point_ids: list[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(point_ids), BATCH):
            part = point_ids[start : start + BATCH]
            for r in self.store._call(self.store.client.retrieve, self._names[what], part, with_vectors=[DENSE]):
                found[str(r.id)] = np.asarray(r.vector[DENSE], dtype=np.float32)
        missing = [p for p in point_ids if p not in found]
        if missing:
            raise IndexIncompatible(
                f"{self.store.where} lacks {len(missing)} of the {what} asked for: run `inquire index --backend qdrant`"
            )
        return np.vstack([found[p] for p in point_ids]) if point_ids else np.zeros((0, self._dim), dtype=np.float32)

    def passage_vectors(self, ids: list[int]) -> np.ndarray:
        chunk_ids = {p.id: p.chunk_id for p in self.index.passages(ids).values()}
        return self._vectors(PASSAGES, [passage_point(chunk_ids[i]) for i in ids])

    def sentence_vectors(self, ids: list[int]) -> np.ndarray:
        keys = self.index.sentence_keys(ids)
        return self._vectors(SENTENCES, [sentence_point(*keys[i]) for i in ids])

    def close(self) -> None:
        self._tokenizer.close()
        self.store.close()


def _best_chunks(hits: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    """Passages (chunk_id) in the order of their best sentence (``hits``: sentences best first), at most k."""
    best: dict[str, float] = {}
    for chunk_id, score in hits:
        if chunk_id not in best:
            best[chunk_id] = score
            if len(best) == k:
                break
    return list(best.items())


def _reconstruct(vectors: Any, ids: list[int]) -> np.ndarray:
    if not ids:
        return np.zeros((0, vectors.d), dtype=np.float32)
    return np.vstack([vectors.reconstruct(int(i)) for i in ids])
