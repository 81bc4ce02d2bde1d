"""What late interaction (query/rerank.py) costs a question: `search` without it, with the token states the index stores, and with them read by the model.

Opens the evaluation index (``inquire eval`` builds it: the bundled corpus plus the real PDFs; or
``--index DIR``) with the real model and times, for each of the first N dev questions that are not
recommendation lookups: a search without late interaction (``--no-rerank``); one with it from the
passages' token states the index stores (``search``'s default on an index that stores them); and
one whose passages' states are read by the model (an index written before they were stored, with
``--rerank``). The second and third start from an empty cache of token states (what one command from
the terminal pays). Prints p50 / p95 in ms::

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
    if not searcher.index.stores_token_states():
        print(f"{index} stores no token states: rebuild it with this version (inquire index --rebuild)", file=sys.stderr)
        return 1
    searcher.search(questions[0], k=10, rerank=True)  # warm: model session
    stored_states = searcher.index.token_states
    times: dict[str, list[float]] = {"first_stage_ms": [], "stored_states_ms": [], "model_states_ms": []}
    for q in questions:
        for name, rerank in (("first_stage_ms", False), ("stored_states_ms", None), ("model_states_ms", True)):
            searcher._tokens = TokenCache()  # no passage read before, and the question not embedded before
            searcher._query_vectors.clear()
            searcher._query_states.clear()
            searcher.index.token_states = stored_states if rerank is None else (lambda ids: {})  # type: ignore[method-assign]
            t0 = time.perf_counter()
            searcher.search(q, k=10, rerank=rerank)
            times[name].append(1000 * (time.perf_counter() - t0))
    out: dict = {"questions": len(questions)}
    for name, values in times.items():
        out[name] = {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1)}
    if a.json:
        print(json.dumps(out))
    else:
        cells = [f"{name[:-3].replace('_', ' ')} p50/p95 {out[name]['p50']}/{out[name]['p95']} ms" for name in times]
        print(f"{out['questions']} questions: " + "; ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
