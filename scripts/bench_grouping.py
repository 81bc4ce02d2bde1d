#!/usr/bin/env python
"""Benchmark near-duplicate grouping: query/grouping.py against the quadratic rule it replaced.

Search groups ``max(3k, 30)`` ranked candidates into at most ``k`` hits. On synthetic candidate
lists shaped like a search's (60-250 words, Zipfian words, 10% edited copies; see
tests/test_grouping.py) it times both implementations, checks they give the same groups, and
counts exact comparisons. The quadratic rule is skipped above ``--oracle-max`` candidates.

    python scripts/bench_grouping.py [--k 1000 --k 20000] [--oracle-max 3000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from inquire.query import grouping  # noqa: E402
from test_grouping import oracle, zipf_hits  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, action="append", help="k to measure (repeatable; default 1000 and 20000)")
    ap.add_argument("--oracle-max", type=int, default=3000, help="run the quadratic rule up to this many candidates")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for k in args.k or [1000, 20000]:
        hits = zipf_hits(max(3 * k, 30), seed=k)
        calls = [0]
        real = grouping.is_duplicate

        def counted(*a, _real=real, _calls=calls):
            _calls[0] += 1
            return _real(*a)

        grouping.is_duplicate = counted
        t0 = time.perf_counter()
        fast = grouping.group_duplicates(hits, k)
        row = {
            "k": k,
            "candidates": len(hits),
            "groups": len(fast),
            "grouped": sum(len(h.also_in) for h in fast),
            "seconds": round(time.perf_counter() - t0, 2),
            "comparisons": calls[0],
        }
        grouping.is_duplicate = real
        if len(hits) <= args.oracle_max:
            t0 = time.perf_counter()
            slow = oracle(hits, k)
            row.update(quadratic_seconds=round(time.perf_counter() - t0, 2), same_groups=slow == fast)
        rows.append(row)
        if not args.json:
            print(", ".join(f"{key} {value}" for key, value in row.items()), flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
