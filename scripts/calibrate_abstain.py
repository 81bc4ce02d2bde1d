"""Calibrate ``inquire ask``'s off-topic threshold (``AnswerParams.relevance_below``).

Runs ``query.answer.answer`` with that threshold disabled on in-domain and off-topic questions and
prints, for each candidate threshold on the answer's ``relevance`` (the best sentence's cosine +
0.25 x shared content words), the false refusals (in-domain questions that would be refused) and
false answers (off-topic questions that would be answered). A question refused by the name check (a name the
index never mentions) has relevance 0 and counts as refused at every threshold.

    python scripts/calibrate_abstain.py [--index DIR] [--json]

Questions: evaluation/queries/abstain.jsonl (20 off-topic, 20 in-domain) plus every dev.jsonl
question (in-domain). The index should hold the bundled corpus and the shared PDFs (e.g. the one
`inquire eval` builds at $INQUIRE_HOME/eval/index).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.evaluation.harness import default_corpora, eval_index_dir  # noqa: E402
from inquire.query.answer import answer  # noqa: E402
from inquire.query.search import Searcher  # noqa: E402

from inquire.embedding import get_embedder  # noqa: E402
from inquire.params import ANSWER  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--index", type=Path, default=None, help="index with the eval documents (default: the one `inquire eval` builds)"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    searcher = Searcher(args.index or eval_index_dir(default_corpora()), get_embedder())
    qdir = ROOT / "evaluation" / "queries"
    items = [json.loads(line) for line in (qdir / "abstain.jsonl").read_text().splitlines() if line.strip()]
    items += [
        {"id": o["id"], "query": o["query"], "in_domain": True}
        for o in map(json.loads, (qdir / "dev.jsonl").read_text().splitlines())
        if o
    ]
    rows = []
    loose = replace(ANSWER, relevance_below=float("-inf"), abstain_below=float("-inf"))
    for it in items:
        res = answer(searcher, it["query"], k=5, params=loose)
        rows.append({"id": it["id"], "in_domain": it["in_domain"], "relevance": round(res.relevance, 4), "query": it["query"]})
    ins = [r["relevance"] for r in rows if r["in_domain"]]
    outs = [r["relevance"] for r in rows if not r["in_domain"]]
    table = []
    for t in [x / 100 for x in range(20, 71, 2)]:
        table.append(
            {
                "threshold": t,
                "false_refusals": sum(c < t for c in ins),
                "in_domain": len(ins),
                "false_answers": sum(c >= t for c in outs),
                "off_topic": len(outs),
            }
        )
    if args.json:
        print(json.dumps({"current": ANSWER.relevance_below, "table": table, "rows": rows}, indent=2))
        return
    print(
        f"in-domain {len(ins)} (min conf {min(ins):.3f}), off-topic {len(outs)} (max conf {max(outs):.3f}); current threshold {ANSWER.relevance_below}"
    )
    print(f"{'threshold':>9} {'false refusals':>15} {'false answers':>14}")
    for row in table:
        mark = "  <- current" if abs(row["threshold"] - ANSWER.relevance_below) < 1e-9 else ""
        print(
            f"{row['threshold']:>9.2f} {row['false_refusals']:>9}/{row['in_domain']:<5} {row['false_answers']:>8}/{row['off_topic']:<5}{mark}"
        )
    print(
        "\nlowest-confidence in-domain:",
        *sorted((r for r in rows if r["in_domain"]), key=lambda r: r["relevance"])[:5],
        sep="\n  ",
    )
    print(
        "highest-confidence off-topic:",
        *sorted((r for r in rows if not r["in_domain"]), key=lambda r: -r["relevance"])[:5],
        sep="\n  ",
    )


if __name__ == "__main__":
    main()
