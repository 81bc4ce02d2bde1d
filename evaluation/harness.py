"""``run_eval``: score inquire and the reference retrievers on a judged query set.

For each retriever, a passage is relevant to a query when it contains one of the query's answer
strings (``evaluation.judge``). Qrels are written per retriever (their passages differ) in TREC
format, with the runs; metrics come from ir_measures (pytrec_eval): Success@1/5/10, RR@10 (MRR@10),
nDCG@10. A query none of whose answers survive in a retriever's passages keeps a phantom relevant
passage in that retriever's qrels, so it still counts (as a miss) in every average.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from inquire.evaluation.judge import passage_matches
from inquire.evaluation.reference import WindowRetriever, make_windows
from inquire.indexer.pipeline import build_index, collect_files
from inquire.query.backends import backend_name
from inquire.query.search import Searcher

from inquire.embedding import Embedder
from inquire.errors import IndexIncompatible, IndexMissing, QueryError
from inquire.params import ANSWER, FUSION, LINK, FusionWeights
from inquire.paths import bundled_corpus_dir, eval_pdf_dir, inquire_home
from inquire.store import read_manifest

RETRIEVERS = ("inquire", "rerank", "first-stage", "bm25", "dense", "rrf")
DEFAULT_RETRIEVERS = ("inquire", "bm25", "dense", "rrf")
# inquire's own: its search as run (late interaction when the index stores token states), always with it
# (an index without stored states reads the passages with the model: about 0.7 s a question), never with it
OWN = {"inquire": None, "rerank": True, "first-stage": False}
_OWN_LABEL = {
    "inquire": " (search as run: late interaction when the index stores token states)",
    "rerank": " + late-interaction re-ranking of the top passages (search --rerank; what ask reads)",
    "first-stage": " without late interaction (search --no-rerank)",
}
REFERENCE = {"bm25": "windows + BM25", "dense": "windows + MiniLM/FAISS", "rrf": "windows + RRF(BM25, dense)"}
MEASURES = ("Success@1", "Success@5", "Success@10", "RR@10", "nDCG@10")
PHANTOM = "__answer_not_in_any_passage__"
QUERIES_DIR = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    kind: str
    doc: str | None
    answers: tuple[str, ...]
    recommendation: str | None = None


def load_queries(path: Path) -> list[EvalQuery]:
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QueryError(f"{path}: cannot read query file ({exc.strerror}); see evaluation/queries/README.md") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
            out.append(
                EvalQuery(
                    str(o["id"]), o["query"], o.get("kind", "other"), o.get("doc"), tuple(o["answers"]), o.get("recommendation")
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryError(f"{path}:{n}: bad query line ({exc}); see evaluation/queries/README.md for the format") from exc
    return out


def default_corpora() -> list[Path]:
    """The bundled corpus plus the real PDFs (``$INQUIRE_CORPORA`` or ../shared/corpora/uk-inquiry-responses)."""
    pdfs = eval_pdf_dir()
    return [bundled_corpus_dir()] + sorted(pdfs.glob("*.pdf"))  # the PDFs only, not MANIFEST.md


def _metrics(qrels: dict, run: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    import ir_measures

    measures = [ir_measures.parse_measure(m) for m in MEASURES]
    # scores strictly decreasing with rank, so trec_eval's tie-breaking cannot reorder a run
    scored = {q: {d: float(len(docs) - r) for r, d in enumerate(docs)} for q, docs in run.items()}
    per_query: dict[str, dict[str, float]] = {q: {m: 0.0 for m in MEASURES} for q in qrels}
    for metric in ir_measures.iter_calc(measures, qrels, scored):
        per_query[metric.query_id][str(metric.measure)] = float(metric.value)
    return per_query


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {m: round(sum(r[m] for r in rows) / len(rows), 4) if rows else 0.0 for m in MEASURES}


def _write_trec(out_dir: Path, name: str, qrels: dict, run: dict[str, list[str]]) -> None:
    with (out_dir / f"qrels.{name}.txt").open("w") as fh:
        for q, rels in qrels.items():
            for d, rel in rels.items():
                fh.write(f"{q} 0 {d} {rel}\n")
    with (out_dir / f"run.{name}.txt").open("w") as fh:
        for q, docs in run.items():
            for r, d in enumerate(docs, 1):
                fh.write(f"{q} Q0 {d} {r} {len(docs) - r + 1} {name}\n")


def eval_index_dir(corpora: list[Path]) -> Path:
    """One evaluation index per set of documents, so runs on different corpora never mix."""
    key = hashlib.sha256("\n".join(sorted(str(Path(p).resolve()) for p in corpora)).encode()).hexdigest()[:12]
    return inquire_home() / "eval" / f"index-{key}"


def run_eval(
    queries: list[EvalQuery],
    embedder: Embedder,
    *,
    index_dir: Path | None,
    out_dir: Path,
    corpora: list[Path] | None = None,
    retrievers: tuple[str, ...] = DEFAULT_RETRIEVERS,
    k: int = 10,
    progress: Callable[[str, int, int], None] | None = None,
    weights: FusionWeights = FUSION,
    backend: str | None = None,
    answers: str | None = None,
) -> dict:
    """Build (or reuse) the evaluation index, run each retriever over ``queries`` and score the
    runs; with ``answers`` ("dev" or "test": which half of other_inquiry.jsonl), also score
    ``inquire ask`` and the top-passage baseline on the answers they quote (``evaluation.answers``),
    under the key ``answers``."""
    unknown = [r for r in retrievers if r not in RETRIEVERS]
    if unknown:
        raise QueryError(f"unknown retriever {unknown[0]!r}; choose from {', '.join(RETRIEVERS)}")
    progress = progress or (lambda *a: None)
    corpora = corpora or default_corpora()
    owned = index_dir is None
    index_dir = index_dir or eval_index_dir(corpora)
    out_dir.mkdir(parents=True, exist_ok=True)
    rebuild = False
    if owned:  # the evaluation's own index is a cache: an older format is rebuilt, not refused
        try:
            read_manifest(index_dir)
        except IndexIncompatible:
            rebuild = True
        except IndexMissing:
            pass
    report = build_index(corpora, index_dir, embedder, rebuild=rebuild, progress=progress)
    backend = backend_name(backend)
    if backend == "qdrant" and "inquire" in retrievers:
        from inquire.query.backends.qdrant import sync

        sync(index_dir, progress=progress)
    files, _ = collect_files(corpora)
    files = [f for f in files if str(f) not in {e.path for e in report.failed}]

    runs: dict[str, dict[str, list[str]]] = {}
    units: dict[str, dict[str, str]] = {}
    seconds: dict[str, float] = {}
    own: list[str] = [r for r in OWN if r in retrievers]
    if own:
        searcher = Searcher(index_dir, embedder, weights=weights, backend=backend)
        passages = searcher.index.chunk_texts()  # both judge the same passages: read once
        for name in own:
            units[name] = passages
            t0 = time.perf_counter()
            runs[name] = {}
            for n, q in enumerate(queries):
                progress(name, n, len(queries))
                runs[name][q.id] = [h.chunk_id for h in searcher.search(q.query, k=k, rerank=OWN[name])]
            seconds[name] = time.perf_counter() - t0
        searcher.close()
    refs = [r for r in retrievers if r in REFERENCE]
    if refs:
        windows = make_windows(files)
        wr = WindowRetriever(windows, embedder, cache_dir=index_dir.parent / "cache")
        window_texts = {w.docid: w.text for w in windows}
        for name in refs:
            units[name] = window_texts
            fn = getattr(wr, name)
            t0 = time.perf_counter()
            runs[name] = {}
            for n, q in enumerate(queries):
                progress(name, n, len(queries))
                runs[name][q.id] = [windows[i].docid for i in fn(q.query, k)]
            seconds[name] = time.perf_counter() - t0

    results: dict = {
        "queries": len(queries),
        "k": k,
        "index": str(index_dir),
        "out": str(out_dir),
        "documents": report.documents,
        "backend": backend,
        "retrievers": {},
        "params": {"fusion": weights.to_dict(), "answer": ANSWER.to_dict(), "link": LINK.to_dict()},
    }
    per_query_all: dict[str, dict] = {}
    judged: dict[int, tuple[dict[str, dict[str, int]], int]] = {}  # retrievers of the same units share their qrels
    for name, run in runs.items():
        if id(units[name]) not in judged:
            judged[id(units[name])] = _qrels(queries, units[name])
        qrels, unreachable = judged[id(units[name])]
        _write_trec(out_dir, name, qrels, run)
        per_query = _metrics(qrels, run)
        by_kind: dict[str, list] = defaultdict(list)
        for q in queries:
            by_kind[q.kind].append(per_query[q.id])
        results["retrievers"][name] = {
            "label": REFERENCE.get(name, "inquire (structure-aware chunks, hybrid FTS5 + FAISS, query understanding)")
            + _OWN_LABEL.get(name, ""),
            "overall": _mean(list(per_query.values())),
            "by_kind": {kind: _mean(rows) | {"n": len(rows)} for kind, rows in sorted(by_kind.items())},
            "unreachable": unreachable,
            "ms_per_query": round(1000 * seconds[name] / max(1, len(queries)), 1),
        }
        per_query_all[name] = per_query
    if "inquire" in runs:
        results["worst"] = _worst(queries, per_query_all["inquire"], runs["inquire"], units["inquire"])
    if answers:
        from inquire.evaluation.answers import answer_sets, run_answer_eval

        searcher = Searcher(index_dir, embedder, weights=weights, backend=backend)
        try:
            answered = run_answer_eval(
                queries, searcher, abstain_sets=answer_sets(answers), set_name="answerable", progress=progress
            )
        finally:
            searcher.close()
        results["answers"] = answered.to_dict()
        with (out_dir / "answers.jsonl").open("w") as fh:
            for name, rows in answered.to_dict(per_question=True)["questions"].items():
                for row in rows:
                    fh.write(json.dumps({"system": name} | row) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    with (out_dir / "per_query.jsonl").open("w") as fh:
        for q in queries:
            fh.write(
                json.dumps({"id": q.id, "kind": q.kind, "query": q.query, **{n: per_query_all[n][q.id] for n in per_query_all}})
                + "\n"
            )
    return results


def _qrels(queries: list[EvalQuery], units: dict[str, str]) -> tuple[dict[str, dict[str, int]], int]:
    """Each query's relevant units (the passages or windows holding one of its answer strings; PHANTOM
    when none does), and how many queries have none."""
    qrels: dict[str, dict[str, int]] = {}
    unreachable = 0
    for q in queries:
        rel = {d: 1 for d, text in units.items() if passage_matches(text, list(q.answers))}
        if not rel:
            rel, unreachable = {PHANTOM: 1}, unreachable + 1
        qrels[q.id] = rel
    return qrels, unreachable


def _worst(queries: list[EvalQuery], per_query: dict, run: dict, units: dict, n: int = 10) -> list[dict]:
    """The n worst queries for inquire: lowest RR@10, then lowest nDCG@10."""
    order = sorted(queries, key=lambda q: (per_query[q.id]["RR@10"], per_query[q.id]["nDCG@10"], q.id))[:n]
    out = []
    for q in order:
        top = run[q.id][0] if run[q.id] else None
        relevant = [d for d, t in units.items() if passage_matches(t, list(q.answers))]
        first_rel = next((r for r, d in enumerate(run[q.id], 1) if d in relevant), None)
        out.append(
            {
                "id": q.id,
                "kind": q.kind,
                "query": q.query,
                "doc": q.doc,
                "RR@10": per_query[q.id]["RR@10"],
                "first_relevant_rank": first_rel,
                "relevant_passages": len(relevant),
                "top_hit": top,
                "top_text": " ".join(units.get(top, "").split())[:160] if top else None,
            }
        )
    return out
