#!/usr/bin/env python
"""How well cleaning + structure finding do on the real PDFs and the bundled corpus.

For each document: recommendations expected (from tests/golden/structure/<name>.json when there
is one) / found / matched / spurious, responses, how many expected responders are right, and the
number of sections and segments; parse and clean+structure times are measured separately.

    python scripts/structure_report.py [--json] [--corpora DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.indexer.clean import clean_document  # noqa: E402
from inquire.indexer.parse import parse  # noqa: E402
from inquire.indexer.structure import find_structure  # noqa: E402
from inquire.indexer.structure.golden import score, within_thresholds  # noqa: E402

from inquire import paths  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "structure"


def corpora_dir(explicit: str | None = None) -> Path:
    return Path(explicit) if explicit else paths.corpora_dir()


def documents(corpora: Path) -> list[Path]:
    pdfs = sorted(corpora.glob("**/*.pdf")) if corpora.is_dir() else []
    return pdfs + sorted((ROOT / "corpus").glob("*.txt"))


def report_one(path: Path) -> dict:
    t0 = time.perf_counter()
    raw = parse(path)
    t1 = time.perf_counter()
    clean = clean_document(raw)
    structure = find_structure(clean, name=path.name)
    t2 = time.perf_counter()
    row = {
        "document": path.name,
        "pages": len(raw.pages),
        "parse_s": round(t1 - t0, 3),
        "structure_s": round(t2 - t1, 3),
        "recommendations": len(structure.recommendations),
        "responses": len(structure.responses),
        "sections": len(structure.sections),
        "segments": len(structure.segments),
        "removed": list(clean.removed),
        "numbers": [r.number for r in structure.recommendations],
    }
    golden_file = GOLDEN / f"{path.stem}.json"
    if golden_file.exists():
        golden = json.loads(golden_file.read_text())
        result = score(structure, golden)
        row["golden"] = result
        row["threshold_failures"] = within_thresholds(result, golden.get("thresholds", {}))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--corpora", help="directory of PDFs (default ../shared/corpora or $INQUIRE_CORPORA)")
    ap.add_argument("--verbose", action="store_true", help="list missing/spurious numbers and wrong responders")
    args = ap.parse_args(argv)
    rows = [report_one(p) for p in documents(corpora_dir(args.corpora))]
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    head = f"{'document':58} {'exp':>4} {'found':>5} {'match':>5} {'spur':>4} {'resp':>4} {'resp ok':>8} {'sect':>4} {'segs':>4} {'parse s':>7} {'struct s':>8}"
    print(head)
    print("-" * len(head))
    total_parse = total_struct = 0.0
    for r in rows:
        g = r.get("golden")
        exp = str(g["expected"]) if g else "-"
        match = str(g["matched"]) if g else "-"
        spur = str(g["spurious"]) if g else "-"
        ok = f"{g['responders_correct']}/{g['responders_checked']}" if g and g["responders_checked"] else "-"
        print(
            f"{r['document'][:58]:58} {exp:>4} {r['recommendations']:>5} {match:>5} {spur:>4} {r['responses']:>4} "
            f"{ok:>8} {r['sections']:>4} {r['segments']:>4} {r['parse_s']:>7.2f} {r['structure_s']:>8.3f}"
        )
        total_parse += r["parse_s"]
        total_struct += r["structure_s"]
        if args.verbose and g:
            if g["missing"]:
                print(f"    missing: {g['missing']}")
            if g["spurious_numbers"]:
                print(f"    spurious: {g['spurious_numbers']}")
            if g["responders_wrong"]:
                print(f"    wrong responders: {g['responders_wrong']}")
        for f in r.get("threshold_failures", []):
            print(f"    BELOW THRESHOLD: {f}")
    print("-" * len(head))
    print(f"total: parse {total_parse:.2f}s, clean+structure {total_struct:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
