"""How inquire's costs grow with the corpus: synthetic indexes of about 1k, 10k, 100k (1M) passages.

    python scripts/bench_scale.py [--sizes 1000 10000 100000] [--queries 40] [--out DIR] [--json]

How the indexes are made. The development documents (the bundled corpus and the PDFs in
../shared/corpora/uk-inquiry-responses) are read once with inquire's own reader (parse, clean,
structure, chunk). Each index holds copies of them until it reaches the size: every copy is a new
document whose cleaned text has a third of its words (four letters or more) swapped for other
corpus words of the same length (seeded per copy), so offsets, structure, recommendation numbers and
citations stay valid while texts, vectors and BM25 statistics differ; responders get a copy-group
suffix (``South Yorkshire Police (3)``, 20 groups), as a corpus of many reports has many responding
bodies. Rows go through the pipeline's own writers (``_add_processed``, ``_add_sentences``,
``_embed``, ``IndexWriter``), so the index has the real schema, sentences, FTS5 table and FAISS files.
Not run: parsing (done once) and linking (scripts/bench_linking.py measures it). From 50k passages
the commit also writes what a large index has (``AnnParams``): IVF indexes of both vector files and
the BM25 postings arrays, and the search process uses them (memory-mapped IVF, postings for BM25).
Vectors come from a 384-d hashed bag-of-words embedder (``FakeEmbedder(384)``, recorded under the
real model's name so that the real model can query the index): building costs what hashing costs,
not the model; queries are embedded with the real model (ONNX), so query-time costs are real.

What is printed per size: build time (reading excluded), index size on disk, RSS of a search
process after its queries (anonymous and memory-mapped file pages apart), warm ``search`` (k=10) and ``ask`` p50/p95 in ms over the dev questions, split into
encode, understand (query parsing), dense, sentence, lexical, fusion (RRF and boosts), rows and
grouping; filtered search (``--doc``) p50 with filters pushed into the search and, for comparison,
the way it was done before (rank everything, filter afterwards); the FAISS thread setting's effect;
and recall@10 / recall@100 with latency of approximate passage indexes (HNSW, IVF) against exact
search, with query vectors from the same embedder as the index (in distribution).
Each measurement runs in a fresh process (``--measure``) so RSS is the search process's own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = 20  # responder suffix groups
SWAP = 0.33  # share of words swapped in each copy
DOC_FILTER = "linden"  # a --doc filter that selects a few percent of the copies
LEGACY_MAX = 200_000  # passages: above, the old way of filtering is not measured
_WORD = re.compile(r"[A-Za-z]{4,}")


# ---------------------------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------------------------


def _read_sources():
    from inquire.evaluation.harness import default_corpora
    from inquire.indexer.chunk import ChunkParams
    from inquire.indexer.files import collect_files
    from inquire.indexer.pipeline import sha256_file
    from inquire.indexer.reading import process_file

    files, _ = collect_files(default_corpora())
    params = ChunkParams()
    return [process_file(f, sha256_file(f), params) for f in files]


def _vocabulary(docs) -> dict[int, list[str]]:
    by_len: dict[int, set[str]] = {}
    for d in docs:
        for w in _WORD.findall(d.clean.text):
            by_len.setdefault(len(w), set()).add(w.lower())
    return {n: sorted(ws) for n, ws in by_len.items()}


def _swap(text: str, vocab: dict[int, list[str]], rng: random.Random) -> str:
    def one(m: re.Match) -> str:
        w = m.group(0)
        if rng.random() >= SWAP:
            return w
        new = rng.choice(vocab[len(w)])
        return new.capitalize() if w[0].isupper() else new

    return _WORD.sub(one, text)


def _copy(doc, n: int, vocab, rng: random.Random):
    """Copy ``n`` of a processed document: same structure and offsets, swapped words, new ids."""
    from inquire.records import CleanDocument

    text = _swap(doc.clean.text, vocab, rng) if n else doc.clean.text
    doc_id = doc.doc_id if n == 0 else hashlib.sha1(f"{doc.doc_id}:{n}".encode()).hexdigest()[:16]
    group = n % GROUPS

    def who(r: str | None) -> str | None:
        return f"{r} ({group})" if r and group else r

    def span(x):
        fields = {"text": text[x.start : x.end]} if hasattr(x, "text") else {}
        if hasattr(x, "responder"):
            fields["responder"] = who(x.responder)
        return replace(x, **fields)

    chunks = [replace(span(c), doc_id=doc_id, chunk_id=f"{doc_id}-{c.seq:04d}") for c in doc.chunks]
    s = doc.structure
    structure = replace(
        s,
        recommendations=[span(r) for r in s.recommendations],
        responses=[span(r) for r in s.responses],
        sections=list(s.sections),
    )
    name = f"{Path(doc.name).stem}-copy{n}{Path(doc.name).suffix}"
    return replace(
        doc,
        doc_id=doc_id,
        sha256=doc_id * 4,
        path=f"/synthetic/{name}",
        name=name,
        clean=CleanDocument(text, doc.clean.page_starts),
        structure=structure,
        chunks=chunks,
    )


class BenchEmbedder:
    """384-d hashed bag of words (the test suite's fake embedder, with crc32 for speed) under the real
    model's name, so that the real model can query the index."""

    _TOKEN = re.compile(r"[a-z0-9]+")

    def __init__(self) -> None:
        from inquire.embedding import MODEL_DIM, MODEL_NAME

        self.name, self.dim, self.backend = MODEL_NAME, MODEL_DIM, "bench"

    def encode(self, texts, batch_size: int = 32):
        import zlib

        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            h = np.fromiter((zlib.crc32(t.encode()) for t in self._TOKEN.findall(text.lower())), dtype=np.int64)
            np.add.at(out[i], h % self.dim, np.where(h & 1, 1.0, -1.0).astype(np.float32))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def build(sources, size: int, index_dir: Path, progress: bool = False) -> dict:
    """An index of about ``size`` passages; returns its counts and build time."""
    from inquire.indexer.chunk import ChunkParams
    from inquire.indexer.pipeline import _add_processed, _add_sentences, _embed, _embedding_texts
    from inquire.indexer.reading import processing_fingerprint

    from inquire.store import IndexWriter, Manifest

    vocab = _vocabulary(sources)
    per_round = sum(len(d.chunks) for d in sources)
    rounds = max(1, round(size / per_round))
    embedder = BenchEmbedder()
    t0 = time.perf_counter()
    writer = IndexWriter(index_dir, embedder.dim)
    next_id, n_sentences, files = 1, 0, {}
    quiet = lambda *a: None  # noqa: E731
    for n in range(rounds):
        # one round of copies at a time, embedded before the next is made: the build holds one
        # round's texts, not every text of the index (4 GB at 1M passages)
        rng, pending, sentences = random.Random(n), [], []
        for src in sources:
            doc = _copy(src, n, vocab, rng)
            texts = _embedding_texts(doc)
            ids = _add_processed(writer, doc, texts, next_id)
            sentences += [
                (sid, q.text[a:b]) for q in _add_sentences(writer, ids, doc.chunks, texts, False) for sid, a, b in q.sentences
            ]
            next_id += len(ids)
            pending.extend(zip(ids, texts))
            files[doc.path] = doc.sha256
        _embed(writer, pending, embedder, quiet, "embedding", 32)
        _embed(writer, sentences, embedder, quiet, "sentences", 64)
        n_sentences += len(sentences)
        if progress and (n + 1) % max(1, rounds // 20) == 0:
            print(
                f"  {size}: round {n + 1}/{rounds}, {next_id - 1} passages, {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    counts = writer.index.counts()
    writer.commit(
        Manifest(
            model=embedder.name,
            dim=embedder.dim,
            chunking=ChunkParams().to_dict(),
            processing=processing_fingerprint(),
            files=files,
            counts=counts,
        )
    )
    return {
        "passages": counts["chunks"],
        "documents": counts["documents"],
        "sentences": n_sentences,
        "build_s": round(time.perf_counter() - t0, 1),
    }


def disk_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


# ---------------------------------------------------------------------------------------------
# measuring (in a fresh process)
# ---------------------------------------------------------------------------------------------

PARTS = ("encode", "understand", "dense", "sentence", "lexical", "fusion", "rows", "grouping")


def _questions(n: int) -> list[str]:
    lines = (ROOT / "evaluation" / "queries" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()][:n]


def _instrument(searcher, clock: dict[str, float]) -> None:
    """Time each part of ``Searcher.search`` into ``clock`` (per-instance wrappers, module patches)."""
    import inquire.query.search as search_mod

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                clock[name] = clock.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    searcher.query_vector = timed("encode", searcher.query_vector)
    searcher.dense = timed("dense", searcher.dense)
    searcher.by_sentence = timed("sentence", searcher.by_sentence)
    searcher.lexical = timed("lexical", searcher.lexical)
    searcher._fuse = timed("fusion", searcher._fuse)
    searcher.rows = timed("rows", searcher.rows)
    search_mod.group_duplicates = timed("grouping", search_mod.group_duplicates)
    search_mod.parse_query = timed("understand", search_mod.parse_query)


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(values)
    return {
        "p50": round(1000 * statistics.median(ordered), 2),
        "p95": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def _run(fn, questions: list[str], clock: dict[str, float]) -> dict:
    totals, parts = [], {p: [] for p in PARTS}
    for q in questions:
        clock.clear()
        t = time.perf_counter()
        fn(q)
        totals.append(time.perf_counter() - t)
        for p in PARTS:
            parts[p].append(clock.get(p, 0.0))
    return {"total": _pct(totals), **{p: _pct(v) for p, v in parts.items()}}


def _legacy_filtered(searcher, query: str, doc: str) -> None:
    """Filtered retrieval as it was before filters moved into the backends: the allowed ids from
    SQL, then every passage, every sentence and every BM25 match ranked and filtered afterwards."""
    import numpy as np
    from inquire.query.understand import parse_query

    allowed = {r.id for r in searcher.index.filtered_chunks(doc=doc)}
    q = np.ascontiguousarray(searcher.query_vector(query).reshape(1, -1), dtype=np.float32)
    searcher.index.vectors.search(q, searcher.index.vectors.ntotal)
    _, sids = searcher.index.sentence_vectors.search(q, searcher.index.sentence_vectors.ntotal)
    chunk_of = searcher.index.sentence_chunks([int(i) for i in sids[0] if i >= 0])
    [c for c in chunk_of.values() if c in allowed]  # noqa: B018 - the filtering the old code did
    terms = parse_query(query, searcher.responders(), searcher.doc_aliases()).terms
    if terms:
        [i for i, _ in searcher.index.bm25(terms, -1) if i in allowed]  # noqa: B018


def recall(found, truth, k: int) -> float:
    """Mean share of each query's exact top ``k`` (rows of ``truth``) found in its top ``k`` of ``found``."""
    import numpy as np

    return round(float(np.mean([len(set(f[:k].tolist()) & set(t[:k].tolist())) / k for f, t in zip(found, truth)])), 3)


def _ann(index, queries, dim: int) -> dict:
    """recall@10 / @100 and ms per query of HNSW and IVF against exact search of the passage vectors."""
    import faiss
    import numpy as np

    ids = faiss.vector_to_array(index.id_map)
    xb = np.vstack([index.reconstruct(int(i)) for i in ids]).astype(np.float32)
    n = len(xb)
    exact = faiss.IndexFlatIP(dim)
    exact.add(xb)
    t = time.perf_counter()
    _, truth = exact.search(queries, 100)
    flat_ms = 1000 * (time.perf_counter() - t) / len(queries)
    out: dict = {"flat_ms": round(flat_ms, 3)}

    def score(found) -> dict:
        return {"recall@10": recall(found, truth, 10), "recall@100": recall(found, truth, 100)}

    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(xb)
    out["hnsw_build_s"] = round(time.perf_counter() - t, 1)
    for ef in (64, 128, 256):
        hnsw.hnsw.efSearch = ef
        t = time.perf_counter()
        _, found = hnsw.search(queries, 100)
        out[f"hnsw32_ef{ef}"] = score(found) | {"ms": round(1000 * (time.perf_counter() - t) / len(queries), 3)}
    nlist = max(16, int(4 * n**0.5))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    ivf.train(xb[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)])
    ivf.add(xb)
    out["ivf_build_s"] = round(time.perf_counter() - t, 1)
    for nprobe in (8, 32, 64):
        ivf.nprobe = nprobe
        t = time.perf_counter()
        _, found = ivf.search(queries, 100)
        out[f"ivf{nlist}_nprobe{nprobe}"] = score(found) | {"ms": round(1000 * (time.perf_counter() - t) / len(queries), 3)}
    return out


def measure(index_dir: Path, n_queries: int, ann: bool, threads: int | None) -> dict:
    """Runs in a fresh process: open the index with the real model, time search and ask."""
    t0 = time.perf_counter()
    import faiss
    from inquire.query.answer import answer
    from inquire.query.search import Filters, Searcher

    from inquire.embedding import get_embedder
    from inquire.params import ANSWER

    searcher = Searcher(index_dir, get_embedder())
    if threads:  # after opening: the local backend sets FAISS to one thread
        faiss.omp_set_num_threads(threads)
    questions = _questions(n_queries)
    searcher.search(questions[0], k=10)  # warm: model session, caches
    # ask's first stage: late interaction (about a second a question on two cores, whatever the index
    # size; README "Evaluation") is left out, so that the table measures what grows with the corpus
    first_stage = replace(ANSWER, rerank=False)
    answer(searcher, questions[0], params=first_stage)
    open_s = time.perf_counter() - t0
    clock: dict[str, float] = {}
    _instrument(searcher, clock)
    out: dict = {"open_s": round(open_s, 2), "queries": len(questions), "threads": faiss.omp_get_max_threads()}
    out["search"] = _run(lambda q: searcher.search(q, k=10), questions, clock)
    out["ask"] = _run(lambda q: answer(searcher, q, params=first_stage), questions, clock)
    few = questions[: max(5, len(questions) // 4)]
    out["search_doc_filter"] = _run(lambda q: searcher.search(q, k=10, filters=Filters(doc=DOC_FILTER)), few, clock)
    # memory of the search process before the legacy comparison loads the exact vector files: anonymous
    # memory, and pages of memory-mapped files (vector lists, postings) the queries touched, which the
    # kernel can drop again
    out["rss_mb"] = _status_mb("VmRSS")
    out["rss_anon_mb"] = _status_mb("RssAnon")
    out["rss_file_mb"] = _status_mb("RssFile")
    out["peak_rss_mb"] = _status_mb("VmHWM")
    if searcher.index.counts()["chunks"] <= LEGACY_MAX:  # it loads the exact vector files: 9 GB at 1M passages
        out["legacy_doc_filter_retrieval"] = _run(lambda q: _legacy_filtered(searcher, q, DOC_FILTER), few, clock)["total"]
    if ann:
        queries = BenchEmbedder().encode(_questions(200))
        out["ann"] = _ann(searcher.index.vectors, queries, searcher.index.vectors.d)
    searcher.close()
    return out


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _child(index_dir: Path, n_queries: int, ann: bool, env: dict, threads: int | None = None) -> dict:
    """``measure`` in a fresh process (its RSS is the search process's own)."""
    cmd = [sys.executable, __file__, "--measure", str(index_dir), "--queries", str(n_queries)]
    cmd += ["--ann"] if ann else []
    cmd += ["--threads", str(threads)] if threads else []
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# indexing throughput: the pipeline against the raw encoder on the same texts (--throughput)
# ---------------------------------------------------------------------------------------------


def _embed_in_document_order(writer, pending, embedder, progress, stage, batch_size) -> int:
    """How the pipeline embedded before batches were sorted by length (for the comparison)."""
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        writer.add_vectors(
            [i for i, _ in batch], embedder.encode([t for _, t in batch], batch_size=batch_size), sentences=stage == "sentences"
        )
    return 0


class _Vectors:
    """A stand-in for the index writer: keeps the vectors ``_embed`` hands it."""

    def __init__(self) -> None:
        self.n = 0

    def add_vectors(self, ids, vectors, sentences=False) -> None:
        self.n += len(ids)


def throughput(root: Path) -> dict:
    """The development documents' texts through the real model, in one run: the encoder alone (all
    passages in one call, all sentences in one: it sorts them by length itself), then the pipeline's
    embedding stage as it was (batches cut in document order) and as it is (sorted by length, with
    the token count that reports passages over the model's limit); and the rest of the pipeline (read,
    structure, chunk, write, link) once, timed as a full build with the hashed embedder minus its
    embedding time. Pipeline/encoder ratio = encoder seconds / (rest + embedding stage)."""
    import inquire.indexer.pipeline as pipeline
    from inquire.evaluation.harness import default_corpora

    from inquire.embedding import get_embedder

    embedder = get_embedder()
    embedder.encode(["warm up"])
    t = time.perf_counter()
    sources = _read_sources()
    read_s = time.perf_counter() - t
    passages, sentences = [], []
    for doc in sources:
        texts = pipeline._embedding_texts(doc)
        passages += texts
        sentences += [text[a:b] for ch, text in zip(doc.chunks, texts) for a, b in pipeline._sentences_in(ch, text)]
    out: dict = {"documents": len(sources), "passages": len(passages), "sentences": len(sentences), "read_s": round(read_s, 1)}
    lengths, _ = pipeline._lengths(embedder, passages)
    out["passages_over_limit"] = sum(n > pipeline.MAX_SEQ_LENGTH for n in lengths)
    sentence_lengths, _ = pipeline._lengths(embedder, sentences)
    out["sentences_over_limit"] = sum(n > pipeline.MAX_SEQ_LENGTH for n in sentence_lengths)

    # the rest of the pipeline: a full build with the hashed embedder, minus what its embedding took
    bench = BenchEmbedder()
    bench.name = "bench-hash-embedder"  # not the model: no token counting here (the embedding stage below has it)
    t = time.perf_counter()
    bench.encode(passages)
    bench.encode(sentences)
    hashed_s = time.perf_counter() - t
    t = time.perf_counter()
    pipeline.build_index(default_corpora(), root / "throughput", bench, rebuild=True)
    out["rest_of_pipeline_s"] = round(time.perf_counter() - t - hashed_s, 1)

    t = time.perf_counter()
    embedder.encode(passages, batch_size=32)
    embedder.encode(sentences, batch_size=64)
    out["encoder_s"] = round(time.perf_counter() - t, 1)
    pending = list(enumerate(passages, 1))
    pending_sentences = list(enumerate(sentences, 1))
    for label, embed in (("before", _embed_in_document_order), ("after", pipeline._embed)):
        t = time.perf_counter()
        embed(_Vectors(), pending, embedder, lambda *a: None, "embedding", 32)
        embed(_Vectors(), pending_sentences, embedder, lambda *a: None, "sentences", 64)
        stage = time.perf_counter() - t
        total = out["rest_of_pipeline_s"] + stage
        out[label] = {
            "embedding_stage_s": round(stage, 1),
            "pipeline_s": round(total, 1),
            "embedding_ratio": round(out["encoder_s"] / stage, 2),
            "pipeline_ratio": round(out["encoder_s"] / total, 2),
        }
    return out


# ---------------------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    head = (
        "passages",
        "sentences",
        "build s",
        "disk MB",
        "RSS MB",
        "search p50/p95",
        "ask p50/p95",
        "dense",
        "sentence",
        "lexical",
        "fusion",
        "grouping",
        "understand",
        "--doc p50 (before)",
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        m = r["measure"]
        s = m["search"]
        lines.append(
            "| "
            + " | ".join(
                [
                    f"{r['passages']:,}",
                    f"{r['sentences']:,}",
                    f"{r['build_s']}",
                    f"{r['disk_mb']}",
                    f"{m['peak_rss_mb']:.0f}",
                    f"{s['total']['p50']:.1f} / {s['total']['p95']:.1f}",
                    f"{m['ask']['total']['p50']:.1f} / {m['ask']['total']['p95']:.1f}",
                    *(f"{s[p]['p50']:.1f}" for p in ("dense", "sentence", "lexical", "fusion", "grouping", "understand")),
                    f"{m['search_doc_filter']['total']['p50']:.1f} ({legacy['p50']:.1f})"
                    if (legacy := m.get("legacy_doc_filter_retrieval"))
                    else f"{m['search_doc_filter']['total']['p50']:.1f} (not measured)",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--queries", type=int, default=40, help="dev questions timed per size (default 40)")
    ap.add_argument("--out", type=Path, help="keep the indexes here (default: a temporary folder, removed)")
    ap.add_argument("--no-ann", action="store_true", help="skip the approximate-index recall measurement")
    ap.add_argument(
        "--compare-threads",
        action="store_true",
        help="also measure FAISS on every core (OpenMP's default, as before), actively and passively waiting",
    )
    ap.add_argument(
        "--throughput",
        action="store_true",
        help="instead: full builds of the development documents with the real model, before/after, against the encoder",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--ann", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.measure:
        print(json.dumps(measure(a.measure, a.queries, a.ann, a.threads)))
        return
    sys.path.insert(0, str(ROOT))
    root = a.out or Path(tempfile.mkdtemp(prefix="inquire-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, INQUIRE_EMBEDDER=os.environ.get("INQUIRE_EMBEDDER", "onnx"))
    if a.throughput:
        os.environ["INQUIRE_EMBEDDER"] = env["INQUIRE_EMBEDDER"]
        try:
            print(json.dumps(throughput(root), indent=2))
        finally:
            if not a.out:
                shutil.rmtree(root, ignore_errors=True)
        return
    t = time.perf_counter()
    sources = _read_sources()
    print(
        f"read {len(sources)} documents, {sum(len(d.chunks) for d in sources)} passages in {time.perf_counter() - t:.1f} s",
        file=sys.stderr,
    )
    rows = []
    try:
        for size in a.sizes:
            index_dir = root / f"index-{size}"
            if index_dir.exists():
                shutil.rmtree(index_dir)
            row = build(sources, size, index_dir, progress=True)
            row["build_peak_rss_mb"] = _status_mb("VmHWM")  # this process's peak so far (the largest build)
            row["disk_mb"] = disk_mb(index_dir)
            print(f"built {row}", file=sys.stderr)
            row["measure"] = _child(index_dir, a.queries, not a.no_ann, env)
            if a.compare_threads:
                cores = os.cpu_count() or 1
                row["measure_all_cores"] = _child(index_dir, a.queries, False, env, threads=cores)
                row["measure_all_cores_passive"] = _child(
                    index_dir, a.queries, False, env | {"OMP_WAIT_POLICY": "PASSIVE"}, threads=cores
                )
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    finally:
        if not a.out:
            shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(rows, indent=2) if a.json else table(rows))


if __name__ == "__main__":
    main()
