"""What late interaction (query/rerank.py) costs a question: `search` with and without `--rerank`.

Opens the evaluation index (``inquire eval`` builds it: the bundled corpus plus the real PDFs; or
``--index DIR``) with the real model and times, for each of the first N dev questions that are not
recommendation lookups, a plain search and a search with late interaction whose passages were never
read before (a cold cache: what one `inquire ask` from the terminal pays). Prints p50 / p95 in ms::

    .venv/bin/python scripts/bench_rerank.py [--index DIR] [--queries 40] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from inquire.evaluation.harness import QUERIES_DIR, default_corpora, eval_index_dir, load_queries
from inquire.query.rerank import TokenCache
from inquire.query.search import Searcher


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None, help="index folder (default: the evaluation index)")
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    index = a.index or eval_index_dir(default_corpora())
    searcher = Searcher(index)
    questions = [q.query for q in load_queries(QUERIES_DIR / "dev.jsonl") if q.kind != "lookup"][: a.queries]
    searcher.search(questions[0], k=10, rerank=True)  # warm: model session
    plain, reranked = [], []
    for q in questions:
        t0 = time.perf_counter()
        searcher.search(q, k=10)
        plain.append(1000 * (time.perf_counter() - t0))
        searcher._tokens = TokenCache()  # no passage read before
        t0 = time.perf_counter()
        searcher.search(q, k=10, rerank=True)
        reranked.append(1000 * (time.perf_counter() - t0))
    out = {
        "questions": len(questions),
        "search_ms": {"p50": round(percentile(plain, 0.5), 1), "p95": round(percentile(plain, 0.95), 1)},
        "rerank_cold_ms": {"p50": round(percentile(reranked, 0.5), 1), "p95": round(percentile(reranked, 0.95), 1)},
    }
    if a.json:
        print(json.dumps(out))
    else:
        print(
            f"{out['questions']} questions: search p50/p95 {out['search_ms']['p50']}/{out['search_ms']['p95']} ms; "
            f"with --rerank (cold) {out['rerank_cold_ms']['p50']}/{out['rerank_cold_ms']['p95']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
