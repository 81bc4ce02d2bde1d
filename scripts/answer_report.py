"""Answer-level report: quote precision, Success@1, padding and abstention for ``inquire ask``
and the "top sentences of the top passage" baseline (``evaluation/answers.py``).

    python scripts/answer_report.py [--split dev|test] [--system inquire --system top-passage ...]
                                    [--index DIR] [--thresholds] [--json] [--out FILE]

Questions for ``--split dev``: evaluation/queries/dev.jsonl (judged), the dev half of
other_inquiry.jsonl, and abstain.jsonl (off-topic half and in-domain half); ``--split test`` takes
test.jsonl and the test half of other_inquiry.jsonl (and its fresh questions) instead (held-out: report it, never tune on it).
The index should hold the evaluation documents: by default the one ``inquire eval`` builds under
``$INQUIRE_HOME/eval`` (built here first if it is missing). ``--thresholds`` prints what each
confidence threshold would give (false refusals, false answers, precision) for the first system.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.evaluation.answers import (  # noqa: E402
    AnswerReport,
    answer_sets,
    default_answerers,
    run_answer_eval,
    threshold_table,
)
from inquire.evaluation.harness import default_corpora, eval_index_dir, load_queries  # noqa: E402
from inquire.query.search import Searcher  # noqa: E402

from inquire.embedding import get_embedder  # noqa: E402
from inquire.errors import IndexMissing  # noqa: E402

QUERIES = ROOT / "evaluation" / "queries"


def answerers(names: list[str] | None) -> dict:
    known = default_answerers()
    names = names or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"Error: unknown system {unknown[0]!r}; choose from {', '.join(known)}")
    return {n: known[n] for n in names}


def open_index(index: Path | None) -> Searcher:
    embedder = get_embedder()
    if index is None:
        corpora = default_corpora()
        index = eval_index_dir(corpora)
        try:
            return Searcher(index, embedder)
        except IndexMissing:
            from inquire.indexer.pipeline import build_index

            print(f"building the evaluation index at {index} ...", file=sys.stderr)
            build_index(corpora, index, embedder)
    return Searcher(index, embedder)


def run(split: str, names: list[str] | None, index: Path | None) -> AnswerReport:
    searcher = open_index(index)
    judged = load_queries(QUERIES / f"{split}.jsonl")
    sets = answer_sets(split, QUERIES)
    try:
        return run_answer_eval(judged, searcher, abstain_sets=sets, answerers=answerers(names), set_name=split)
    finally:
        searcher.close()


def _f(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def print_report(report: AnswerReport, split: str) -> None:
    print(f"Answers on {split}.jsonl (judged quotes)")
    print(f"{'system':12} {'kind':11} {'n':>4} {'quotes':>6} {'prec':>6} {'S@1':>6} {'S@any':>6} {'padded':>6} {'refused':>7}")
    for name in report.results:
        m = report.metrics(name)[split]
        for kind, row in [("all", m)] + sorted(m.get("by_kind", {}).items()):
            print(
                f"{name if kind == 'all' else '':12} {kind:11} {row['n']:>4} {row['quotes']:>6} {_f(row['quote_precision'])}"
                f" {_f(row['success_at_1'])} {_f(row['success_any'])} {_f(row['padded_answers'])} {row['false_refusals']:>7}"
            )
    print("\nAbstention (false answers: answered although the reports do not cover it)")
    print(
        f"{'system':12} {'set':14} {'n':>4} {'false answers':>14} {'false refusals':>15} {'conf min':>9} {'conf max':>9} {'>1':>3}"
    )
    for name in report.results:
        sets = report.metrics(name)
        for set_name in ("off_topic", "other_inquiry", "other_inquiry_fresh", "in_domain", "sources", split):
            if set_name not in sets:
                continue
            m = sets[set_name]
            fa = f"{m['false_answers']}/{m['should_abstain']}" if "should_abstain" in m else "-"
            fr = f"{m['false_refusals']}/{m['n'] - m.get('should_abstain', 0)}" if m["n"] > m.get("should_abstain", 0) else "-"
            c = m["confidence"]
            print(
                f"{name:12} {set_name:14} {m['n']:>4} {fa:>14} {fr:>15} {c['min']:>9.3f} {c['max']:>9.3f} {c['outside_0_1']:>3}"
            )
    if report.rows(next(iter(report.results)), "other_inquiry"):
        print("\nOther-inquiry questions answered (false answers), by system, with their confidence:")
        for name in report.results:
            wrong = [r for r in report.rows(name, "other_inquiry") if not r.abstained]
            print(f"  {name}: " + (", ".join(f"{r.id} ({r.confidence:.2f})" for r in wrong) or "none"))


def print_thresholds(report: AnswerReport, split: str) -> None:
    name = next(iter(report.results))
    rows = report.rows(name)
    print(f"\nThresholds for {name} (replayed from confidences; all sets of this run)")
    print(f"{'threshold':>9} {'false refusals':>15} {'false answers':>14} {'prec':>6} {'S@1':>6}")
    for row in threshold_table(rows, [x / 100 for x in range(20, 91, 2)]):
        print(
            f"{row['threshold']:>9.2f} {row['false_refusals']:>9}/{row['answerable']:<5} "
            f"{row['false_answers']:>8}/{row['should_abstain']:<5} {_f(row['quote_precision'])} {_f(row['success_at_1'])}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--system", action="append", help="inquire, top-passage (repeatable; default: all)")
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--thresholds", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="write the report with every question's quotes here (JSON)")
    args = ap.parse_args()
    report = run(args.split, args.system, args.index)
    if args.out:
        args.out.write_text(json.dumps(report.to_dict(per_question=True), indent=1) + "\n")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    print_report(report, args.split)
    if args.thresholds:
        print_thresholds(report, args.split)


if __name__ == "__main__":
    main()
