"""Tune the fusion weights of query/search.py on the dev set by coordinate ascent.

    python scripts/tune_fusion.py [--index DIR] [--rounds 2]

Objective: mean of Success@1, Success@5 and MRR@10 over evaluation/queries/dev.jsonl (the same
judging rule as `inquire eval`). Query vectors are computed once and cached. Prints the best
setting; copy it into the defaults of inquire.params.FusionWeights by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import inquire.query.search as qs  # noqa: E402
from inquire.evaluation.harness import default_corpora, eval_index_dir  # noqa: E402
from inquire.evaluation.judge import passage_matches  # noqa: E402

from inquire.embedding import get_embedder  # noqa: E402

GRID = {
    "rrf_k": [5, 10, 20, 40, 60, 100],
    "w_dense": [0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
    "w_lexical": [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
    "w_sentence": [0.0, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0],
    "b_rec": [0.0, 0.01, 0.02, 0.05, 0.1],
    "b_rec_role": [0.0, 0.005, 0.01, 0.02, 0.05],
    "b_responder": [0.0, 0.002, 0.005, 0.01, 0.02],
    "b_doc": [0.0, 0.002, 0.005, 0.01, 0.02],
    "b_role": [0.0, 0.002, 0.005, 0.01, 0.02],
    "b_lead": [0.0, 0.005, 0.01, 0.02, 0.04],
    "b_mention": [0.0, 0.005, 0.01, 0.02, 0.03, 0.05],
    "p_aside": [0.0, 0.005, 0.01, 0.02, 0.05],
}


class CachedEmbedder:
    def __init__(self, inner):
        self.inner, self.name, self.dim, self.backend, self.cache = inner, inner.name, inner.dim, inner.backend, {}

    def encode(self, texts, batch_size=32):
        import numpy as np

        missing = [t for t in texts if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.inner.encode(missing)):
                self.cache[t] = v
        return np.vstack([self.cache[t] for t in texts])


def evaluate(searcher, queries) -> dict:
    s1 = s5 = rr = 0.0
    for q in queries:
        hits = searcher.search(q["query"], k=10)
        ranks = [i for i, h in enumerate(hits, 1) if passage_matches(h.text, q["answers"])]
        first = ranks[0] if ranks else None
        s1 += first == 1
        s5 += bool(first and first <= 5)
        rr += 1.0 / first if first else 0.0
    n = len(queries)
    return {"S@1": s1 / n, "S@5": s5 / n, "MRR": rr / n, "objective": (s1 + s5 + rr) / (3 * n)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--index", type=Path, default=None, help="index with the eval documents (default: the one `inquire eval` builds)"
    )
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--report",
        type=Path,
        default=ROOT / "evaluation" / "queries" / "test.jsonl",
        help="held-out queries scored (never tuned on) before and after",
    )
    args = ap.parse_args()
    held_out = [json.loads(x) for x in args.report.read_text().splitlines() if x.strip()] if args.report.exists() else []
    queries = [json.loads(x) for x in (ROOT / "evaluation" / "queries" / "dev.jsonl").read_text().splitlines() if x.strip()]
    searcher = qs.Searcher(args.index or eval_index_dir(default_corpora()), CachedEmbedder(get_embedder()))
    best = evaluate(searcher, queries)
    print("start", searcher.weights.to_dict(), best)
    if held_out:
        print("held-out at start", evaluate(searcher, held_out))
    for _ in range(args.rounds):
        for name, values in GRID.items():
            keep = searcher.weights
            for v in values:
                searcher.weights = replace(keep, **{name: v})
                r = evaluate(searcher, queries)
                if r["objective"] > best["objective"] + 1e-9:
                    best, keep = r, searcher.weights
            searcher.weights = keep
        print("round", searcher.weights.to_dict(), best)
    if held_out:
        print("held-out after tuning", evaluate(searcher, held_out))


if __name__ == "__main__":
    main()
