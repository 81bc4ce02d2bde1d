"""Precision and recall of recommendation -> response links against evaluation/golden/links.json.

    python scripts/eval_links.py [--json]

For each golden set, indexes its documents with the real model (under $INQUIRE_HOME/linkeval),
then re-runs linking (``find_links``, read-only) at a sweep of content thresholds. A predicted link is correct when its
recommendation (source numbering) and document match a golden link and its passage contains the
golden quote or lies in the golden section. Precision: correct predicted links / predicted links;
recall: golden links matched by at least one predicted link. Explicit and reference links count too.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.evaluation.harness import default_corpora  # noqa: E402
from inquire.evaluation.judge import squash  # noqa: E402
from inquire.indexer.linking import LinkPlan, find_links  # noqa: E402
from inquire.indexer.pipeline import build_index  # noqa: E402

from inquire.embedding import get_embedder  # noqa: E402
from inquire.params import LINK  # noqa: E402
from inquire.paths import inquire_home  # noqa: E402
from inquire.store import Index  # noqa: E402


def _find(name: str) -> Path:
    for root in default_corpora():
        hits = list(root.rglob(name)) if root.is_dir() else ([root] if root.name == name else [])
        if hits:
            return hits[0]
    raise SystemExit(f"{name}: not found in {default_corpora()}")


def predicted(index: Index, plan: LinkPlan) -> list[dict]:
    numbers = {r.id: r.number for r in index.recommendations()}
    names = {d.doc_id: d.name for d in index.documents()}
    return [
        {
            "number": numbers[lk.rec_id],
            "method": lk.method,
            "confidence": lk.confidence,
            "section": lk.section,
            "name": names[lk.doc_id],
            "text": index.span_text(lk.doc_id, lk.start, lk.end),
        }
        for lk in plan.links
    ]


def score(preds: list[dict], gold: list[dict]) -> dict:
    def ok(p, g):
        if p["number"].replace(" ", "") != g["recommendation"] or p["name"] != g["response_doc"]:
            return False
        in_section = bool(g.get("section")) and (p["section"] or "").upper().endswith(g["section"].upper())
        return in_section or squash(g["quote"]) in squash(p["text"])

    correct = sum(any(ok(p, g) for g in gold) for p in preds)
    found = sum(any(ok(p, g) for p in preds) for g in gold)
    return {
        "predicted": len(preds),
        "correct": correct,
        "golden": len(gold),
        "found": found,
        "precision": round(correct / len(preds), 3) if preds else 0.0,
        "recall": round(found / len(gold), 3) if gold else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    golden = json.loads((ROOT / "evaluation" / "golden" / "links.json").read_text())
    embedder = get_embedder()
    out = {"current_threshold": LINK.content_threshold, "sets": {}}
    for gset in golden["sets"]:
        names = {gset["source_doc"]} | {lk["response_doc"] for lk in gset["links"]}
        index_dir = inquire_home() / "linkeval" / gset["name"]
        build_index([_find(n) for n in sorted(names)], index_dir, embedder)
        sweep = {}
        with Index.open(index_dir) as index:
            for t in [x / 100 for x in range(50, 96, 3)] + [LINK.content_threshold]:
                sweep[f"{t:.2f}"] = score(predicted(index, find_links(index, replace(LINK, content_threshold=t))), gset["links"])
        out["sets"][gset["name"]] = sweep
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name, sweep in out["sets"].items():
        print(f"\n{name}: threshold  precision  recall  (correct/predicted, found/golden)")
        for t, s in sorted(sweep.items()):
            mark = "  <- current" if abs(float(t) - LINK.content_threshold) < 1e-9 else ""
            print(
                f"  {t}  {s['precision']:>9.3f} {s['recall']:>7.3f}  ({s['correct']}/{s['predicted']}, {s['found']}/{s['golden']}){mark}"
            )


if __name__ == "__main__":
    main()
