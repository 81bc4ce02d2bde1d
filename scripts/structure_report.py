#!/usr/bin/env python
"""How well cleaning + structure finding do on every development document, against golden files.

For each document (the PDFs under the corpora folder, both subfolders, and the bundled corpus; plus any
``--extra`` folder of unseen-like documents with ``--extra-golden`` files): recommendations expected /
found / matched / missed / spurious and whether the one found is the canonical printing; responses
expected (per answered number) / found / responder right / linked to the right recommendation; spurious
responses (text taken as a response that answers nothing there). Golden files:
``tests/golden/structure/<stem>.json`` (scored by ``inquire.evaluation.structure_score``: strict range
rule, "5a-c" answers 5a, 5b, 5c but "5" does not answer 5a; the lenient figure is shown beside it).

    python scripts/structure_report.py [--json] [--corpora DIR] [--extra DIR --extra-golden DIR] [--verbose]

Uses find_structure directly (no index, no model).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.evaluation.structure_score import score_structure  # noqa: E402
from inquire.indexer.clean import clean_document  # noqa: E402
from inquire.indexer.parse import parse  # noqa: E402
from inquire.indexer.structure import find_structure  # noqa: E402

from inquire import paths  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "structure"
SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")


def documents(corpora: Path, extra: Path | None) -> list[tuple[Path, Path]]:
    """(document, golden folder) pairs: every PDF under the corpora folder, the bundled corpus, the extra folder."""
    out = []
    if not ARGS.extra_only:
        out = [(p, GOLDEN) for p in sorted(corpora.glob("**/*.pdf"))] if corpora.is_dir() else []
        out += [(p, GOLDEN) for p in sorted(paths.bundled_corpus_dir().glob("*.txt"))]
    if extra:
        extra_golden = Path(ARGS.extra_golden) if ARGS.extra_golden else extra
        out += [(p, extra_golden) for p in sorted(extra.rglob("*")) if p.suffix.lower() in SUFFIXES]
    return out


def within_thresholds(result: dict, thresholds: dict) -> list[str]:
    recs, resp = result["recommendations"], result["responses"]
    fails = []
    need = thresholds.get("min_recall")
    if need is not None and recs["expected"] and recs["matched"] / recs["expected"] < need:
        fails.append(f"recall {recs['matched']}/{recs['expected']} < {need}")
    cap = thresholds.get("max_spurious")
    if cap is not None and recs["spurious"] > cap:
        fails.append(f"spurious {recs['spurious']} > {cap}")
    need = thresholds.get("min_responders_correct")
    if need is not None and resp.get("expected") and resp["responder_ok"] / resp["expected"] < need:
        fails.append(f"responders right {resp['responder_ok']}/{resp['expected']} < {need}")
    return fails


def report_one(path: Path, golden_dir: Path) -> dict:
    row: dict = {"document": path.name}
    t0 = time.perf_counter()
    try:
        raw = _parse(path)
    except Exception as exc:  # a document inquire cannot read scores as all missed
        row["error"] = str(exc).splitlines()[0][:160]
        raw = None
    t1 = time.perf_counter()
    structure = None
    if raw is not None:
        clean = clean_document(raw)
        structure = find_structure(clean)
        row.update(pages=len(raw.pages), sections=len(structure.sections), segments=len(structure.segments))
    t2 = time.perf_counter()
    row.update(parse_s=round(t1 - t0, 2), structure_s=round(t2 - t1, 2))
    golden_file = golden_dir / f"{path.stem}.json"
    if golden_file.exists():
        golden = json.loads(golden_file.read_text())
        row["golden"] = score_structure(structure or _Empty(), golden)
        row["threshold_failures"] = within_thresholds(row["golden"], golden.get("thresholds", {}))
    if structure is not None:
        row["numbers"] = [r.number for r in structure.recommendations]
    return row


def _parse(path: Path):
    """``parse(path)``, kept in ``--raw-cache`` (keyed by the file's path, size and mtime) when given:
    parsing long PDFs takes minutes and the structure rules are what a run is changing."""
    if not ARGS.raw_cache:
        return parse(path)
    import hashlib
    import pickle

    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    cached = Path(ARGS.raw_cache) / f"{path.stem}-{key}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    raw = parse(path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps(raw))
    return raw


class _Empty:
    recommendations: tuple = ()
    responses: tuple = ()


def _cell(a, b) -> str:
    return f"{a}/{b}" if b else "-"


def print_table(rows: list[dict], verbose: bool) -> None:
    head = (
        f"{'document':50} {'recs':>7} {'miss':>4} {'spur':>4} {'canon':>5} | {'answers':>7} {'resp ok':>7} "
        f"{'link ok':>7} {'spur':>4} {'lenient':>7} | {'s':>5}"
    )
    print(head)
    print("-" * len(head))
    tot = dict(exp=0, mat=0, spur=0, aexp=0, afound=0, rok=0, lok=0, rspur=0)
    for r in rows:
        g = r.get("golden")
        name = r["document"][:50]
        secs = r["parse_s"] + r["structure_s"]
        if not g:
            print(f"{name:50} {'(no golden)':>30} {secs:>5.1f}")
            continue
        rec, resp = g["recommendations"], g["responses"]
        canon = rec["pages"].get("canonical", 0)
        len_ = g.get("responses_lenient")
        print(
            f"{name:50} {_cell(rec['matched'], rec['expected']):>7} {len(rec['missing']):>4} {rec['spurious']:>4} "
            f"{canon:>5} | {_cell(resp.get('found', 0), resp.get('expected', 0)):>7} "
            f"{_cell(resp.get('responder_ok', 0), resp.get('expected', 0)):>7} "
            f"{_cell(resp.get('link_ok', 0), resp.get('expected', 0)):>7} {resp.get('spurious', 0):>4} "
            f"{_cell(len_['found'], resp['expected']) if len_ else '-':>7} | {secs:>5.1f}"
        )
        if r.get("error"):
            print(f"    UNREADABLE: {r['error']}")
        tot["exp"] += rec["expected"]
        tot["mat"] += rec["matched"]
        tot["spur"] += rec["spurious"]
        tot["aexp"] += resp.get("expected", 0)
        tot["afound"] += resp.get("found", 0)
        tot["rok"] += resp.get("responder_ok", 0)
        tot["lok"] += resp.get("link_ok", 0)
        tot["rspur"] += resp.get("spurious", 0)
        if verbose:
            for key, label in (("missing", "missing"), ("spurious_numbers", "spurious")):
                if rec[key]:
                    print(f"    {label} recs: {rec[key][:40]}")
            if rec["pages"].get("other printing") or rec["pages"].get("wrong page"):
                print(f"    rec pages: {rec['pages']}")
            for key in ("missed", "wrong_responder", "wrong_link", "spurious_list"):
                if resp.get(key):
                    print(f"    {key}: {resp[key][:25]}")
        for f in r.get("threshold_failures", []):
            print(f"    BELOW THRESHOLD: {f}")
    print("-" * len(head))
    pct = lambda a, b: f"{100 * a / b:.0f}%" if b else "-"
    print(
        f"total: recommendations matched {tot['mat']}/{tot['exp']} ({pct(tot['mat'], tot['exp'])}), spurious "
        f"{tot['spur']} ({pct(tot['spur'], tot['mat'] + tot['spur'])} of found); answered numbers found "
        f"{tot['afound']}/{tot['aexp']}, responder right {tot['rok']}/{tot['aexp']} ({pct(tot['rok'], tot['aexp'])}), "
        f"linked right {tot['lok']}/{tot['aexp']} ({pct(tot['lok'], tot['aexp'])}), spurious responses {tot['rspur']}"
    )


def main(argv: list[str] | None = None) -> int:
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--corpora", help="folder of PDFs, searched recursively (default ../shared/corpora or $INQUIRE_CORPORA)")
    ap.add_argument("--extra", help="another folder of documents (unseen-like material), scored when a golden file exists")
    ap.add_argument("--extra-golden", help="golden files for --extra (default: the --extra folder itself)")
    ap.add_argument("--extra-only", action="store_true", help="score only the --extra documents")
    ap.add_argument("--only", help="score only documents whose file name contains this text")
    ap.add_argument("--verbose", action="store_true", help="list missing/spurious numbers, wrong responders and links")
    ap.add_argument("--raw-cache", help="keep parsed documents in this folder (rules change, PDFs do not)")
    ap.add_argument("--load", help="print the table of a saved --json run instead of scoring again")
    ARGS = ap.parse_args(argv)
    if ARGS.load:
        print_table(json.loads(Path(ARGS.load).read_text()), ARGS.verbose)
        return 0
    corpora = Path(ARGS.corpora) if ARGS.corpora else paths.corpora_dir()
    docs = documents(corpora, Path(ARGS.extra) if ARGS.extra else None)
    if ARGS.only:
        docs = [d for d in docs if ARGS.only in d[0].name]
    rows = [report_one(p, g) for p, g in docs]
    if ARGS.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        print_table(rows, ARGS.verbose)
    return 0


ARGS = argparse.Namespace(extra_golden=None, extra_only=False, raw_cache=None)

if __name__ == "__main__":
    raise SystemExit(main())
