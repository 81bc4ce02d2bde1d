#!/usr/bin/env python
"""Link precision/recall per report <-> response pair, against the golden files and the outside spreadsheets.

    python scripts/link_report.py --index DIR [--json] [--page-text DIR] [--verbose]

Pairs: ``evaluation/golden/pairs.json``. Expected links: every block of the response document's golden
structure file (``tests/golden/structure/<stem>.json``, field ``responses``) for every number it answers
(a block answering 12a-c is three links). Predicted links: what ``inquire rec N --json`` shows for each
recommendation of the report (read from the index DIR, built beforehand with ``inquire index``). A shown
passage is right when it is in the response document on the page of a block answering N (one page of
slack); wrong when it is elsewhere in the pair (a cover, an introduction, another recommendation's block);
foreign when it comes from a document outside the pair (a cross-inquiry link); passages from the pair's
``summaries`` are not scored. Precision = right / (right + wrong + foreign); recall = expected links with at
least one right passage.

The spreadsheets (``../shared/corpora/report-response-pairs/external-annotations``, read with zipfile: no
new dependency) align one response text with each recommendation. Each row is checked against the
documents: is its response text in the response document (sentence by sentence), on the page of the block
that answers that number, and does its status agree with the status printed there? Rows that fail are
listed as disagreements with the page; inquire's links are also scored against the rows whose text was
found. ``--page-text DIR`` reads page texts from ``DIR/<stem>.txt`` files split by ``=====PAGE n=====``
lines (e.g. an OCR of a scanned PDF) instead of parsing the PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.evaluation.structure_score import bodies, expand, squeeze  # noqa: E402

from inquire import paths  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "structure"
PAIRS = ROOT / "evaluation" / "golden" / "pairs.json"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


# --------------------------------------------------------------------------- inputs


def golden(doc: str) -> dict:
    f = GOLDEN / f"{Path(doc).stem}.json"
    return json.loads(f.read_text()) if f.exists() else {}


def expected_links(pair: dict) -> list[dict]:
    """One row per (block, number): number in the report's numbering, page in the response document."""
    g = golden(pair["response"])
    out = []
    starts = sorted({b["page"] for b in g.get("responses", []) if b.get("page")})
    for block in g.get("responses", []):
        later = [p for p in starts if block.get("page") and p > block["page"]]
        block = dict(block, page_end=later[0] if later else None)
        numbers = block.get("source_numbers") if pair.get("number") == "source_number" else block["answers"]
        for n in numbers:
            out.append(
                {
                    "number": n,
                    "page": block.get("page"),
                    "page_end": block["page_end"],
                    "responder": block["responder"],
                    "status": block.get("status"),
                    "first_words": block.get("first_words"),
                    "alternatives": [] if pair.get("number") == "source_number" else g.get("responders", {}).get(n, []),
                }
            )
    return out


def read_xlsx(path: Path) -> list[dict]:
    """Rows of the first sheet as dicts keyed by the header row (inline and shared strings)."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
        sheet = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))[0]
        root = ElementTree.fromstring(z.read(sheet))
    rows = []
    for row in root.iter(f"{{{NS['m']}}}row"):
        cells = {}
        for c in row.findall("m:c", NS):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            v = c.find("m:v", NS)
            if c.get("t") == "s" and v is not None:
                val = shared[int(v.text)]
            elif c.get("t") == "inlineStr":
                val = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
            else:
                val = v.text if v is not None else None
            cells[col] = val
        rows.append(cells)
    if not rows:
        return []
    header = rows[0]
    return [{header[k]: v for k, v in r.items() if k in header} for r in rows[1:]]


def page_texts(doc: str, page_text_dir: Path | None) -> list[str] | None:
    """Text of each page of a development document (None when it cannot be read)."""
    if page_text_dir and (page_text_dir / f"{Path(doc).stem}.txt").exists():
        raw = (page_text_dir / f"{Path(doc).stem}.txt").read_text()
        parts = re.split(r"^=====PAGE (\d+)=====$", raw, flags=re.M)
        pages: dict[int, str] = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
        return [pages.get(k, "") for k in range(1, max(pages, default=0) + 1)]
    from inquire.indexer.parse import parse

    for path in _all_documents():
        if path.name == doc:
            try:
                return [p.text for p in parse(path).pages]
            except Exception:  # a scanned PDF without OCR
                return None
    return None


def _all_documents() -> list[Path]:
    return sorted(paths.corpora_dir().glob("**/*.pdf")) + sorted(paths.bundled_corpus_dir().glob("*.txt"))


# --------------------------------------------------------------------------- predicted links


_CACHE: dict[tuple[str, str], dict] = {}
_STORES: dict[str, object] = {}


def rec_json(number: str, index: Path) -> dict:
    """What ``inquire rec NUMBER --json`` prints, read in-process (the same functions the CLI calls), falling
    back to running the CLI when the query API cannot be imported."""
    key = (str(index), number)
    if key in _CACHE:
        return _CACHE[key]
    try:
        from inquire.query.recs import rec_views

        from inquire.store import Index

        if str(index) not in _STORES:
            _STORES[str(index)] = Index.open(index)
        data = {"number": number, "sources": [v.to_json() for v in rec_views(_STORES[str(index)], number, None)]}
    except ImportError:
        env = dict(os.environ, INQUIRE_INDEX=str(index))
        cli = Path(sys.executable).with_name("inquire")
        cmd = [str(cli)] if cli.exists() else [sys.executable, "-m", "inquire"]
        out = subprocess.run(cmd + ["rec", number, "--json"], capture_output=True, text=True, env=env)
        data = json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else {"number": number, "sources": []}
    _CACHE[key] = data
    return data


def shown_passages(pair: dict, number: str, index: Path) -> tuple[list[dict], str]:
    """Passages ``rec N`` shows for the pair's recommendation N, and how the source was found."""
    data = rec_json(number, index)
    docs_in_pair = {pair["report"], pair["response"]}
    chosen = [s for s in data.get("sources", []) if s["recommendation"]["doc"] == pair["report"]]
    how = "report"
    if not chosen:
        chosen = [
            s
            for s in data.get("sources", [])
            if s["recommendation"]["doc"] in docs_in_pair or any(p["doc"] in docs_in_pair for p in s.get("printed_in", []))
        ]
        how = "response" if chosen else "none"
    if len(chosen) > 1:
        how += f" ({len(chosen)} sources)"
    out = []
    for s in chosen:
        for resp in s.get("responses", []):
            for p in resp.get("passages", []):
                out.append(
                    {
                        "doc": resp["doc"],
                        "responder": resp.get("responder"),
                        "page_start": p.get("page_start"),
                        "page_end": p.get("page_end"),
                        "linked": p.get("linked"),
                        "confidence": p.get("confidence"),
                        "text": (p.get("text") or "")[:90],
                    }
                )
    return out, how


def _on(p: dict, page: int | None) -> bool:
    if page is None or p.get("page_start") is None:
        return True
    end = p["page_end"] if p.get("page_end") is not None else p["page_start"]
    return p["page_start"] - 1 <= page <= end + 1


def score_pair(pair: dict, index: Path) -> dict:
    gold = expected_links(pair)
    numbers = sorted({g["number"] for g in gold}, key=lambda n: (len(n), n))
    summaries = set(pair.get("summaries", []))
    right = wrong = foreign = 0
    found: set[int] = set()
    wrong_list, foreign_list, sources = [], [], {}
    responder_ok = 0
    for n in numbers:
        shown, how = shown_passages(pair, n, index)
        sources[n] = how
        mine = [k for k, g in enumerate(gold) if g["number"] == n]
        for p in shown:
            if p["doc"] in summaries:
                continue
            if p["doc"] == pair["response"] and any(_on(p, gold[k]["page"]) for k in mine):
                right += 1
                found.update(k for k in mine if _on(p, gold[k]["page"]))
            elif p["doc"] in (pair["report"], pair["response"]):
                wrong += 1
                wrong_list.append(f"{n}: p{p['page_start']} {p['linked']} {p['confidence']} “{p['text'][:50]}”")
            else:
                foreign += 1
                foreign_list.append(f"{n}: {p['doc'][:40]} p{p['page_start']} {p['linked']} {p['confidence']}")
        for k in mine:
            got = frozenset().union(
                *(bodies(p["responder"]) for p in shown if p["doc"] == pair["response"] and _on(p, gold[k]["page"]))
            )
            if got and got in [bodies(gold[k]["responder"])] + [bodies(a) for a in gold[k]["alternatives"]]:
                responder_ok += 1
    predicted = right + wrong + foreign
    return {
        "expected": len(gold),
        "found": len(found),
        "recall": round(len(found) / len(gold), 3) if gold else None,
        "shown": predicted,
        "right": right,
        "wrong": wrong,
        "foreign": foreign,
        "precision": round(right / predicted, 3) if predicted else None,
        "responder_ok": responder_ok,
        "missed": [f"{gold[k]['number']}@p{gold[k]['page']}" for k in range(len(gold)) if k not in found],
        "wrong_list": wrong_list,
        "foreign_list": foreign_list,
        "sources": {k: v for k, v in sources.items() if v != "report"},
    }


# --------------------------------------------------------------------------- spreadsheets


def _squash(s: str) -> str:
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text or "") if len(s.strip()) >= 25]


def locate(text: str, pages: list[str]) -> tuple[list[int], float]:
    """Pages holding the distinctive sentences of ``text`` (verbatim after squashing; footnote digits
    ignored) and the share of its sentences found anywhere. A sentence printed more than once in the
    document ("This recommendation is accepted in principle.") counts as found but places nothing."""
    found_pages: list[int] = []
    sents = _sentences(text) or ([text] if text else [])
    hits = 0
    for strip_digits in (False, True):
        squashed = [_squash(p) for p in pages]
        if strip_digits:
            squashed = [re.sub(r"\d", "", p) for p in squashed]
        joined = "".join(squashed)
        starts, pos = [], 0
        for p in squashed:
            starts.append(pos)
            pos += len(p)
        hits, found_pages = 0, []
        for sent in sents:
            key = _squash(sent)
            key = re.sub(r"\d", "", key) if strip_digits else key
            i = joined.find(key)
            placed = True
            if i < 0 and len(key) > 80:  # the start of a sentence the sheet shortened: found, but placed nowhere
                i, placed = joined.find(key[:80]), False
            if i < 0:
                continue
            hits += 1
            if placed and joined.find(key, i + 1) < 0:
                found_pages.append(max(k for k, st in enumerate(starts) if st <= i) + 1)
        if hits == len(sents):
            break
    return sorted(set(found_pages)), (hits / len(sents) if sents else 0.0)


STATUS = {
    "accept": ("accepted in full", "recommendation accepted", "accepts this recommendation in full", "agrees"),
    "partial": ("in principle", "broadly accepts", "acknowledged", "mixed"),
    "reject": ("rejected", "rejects"),
}


def _status_of(block_status: str | None) -> str | None:
    s = (block_status or "").lower()
    if not s:
        return None
    if "mixed" in s or "in principle" in s or "acknowledged" in s:
        return "partial"
    if "reject" in s:
        return "reject"
    if "accept" in s:
        return "accept"
    return None


def check_spreadsheet(pair: dict, sheet: Path, page_text_dir: Path | None, index: Path | None) -> dict:
    rows = read_xlsx(sheet)
    gold = expected_links(pair)
    resp_pages = page_texts(pair["response"], page_text_dir)
    report_pages = page_texts(pair["report"], page_text_dir)
    blocks = golden(pair["response"]).get("responses", [])
    disagreements, agree = [], 0
    sheet_links, paraphrases, reworded = [], [], []
    for row in rows:
        rec_id, res_id = str(row.get("Rec ID") or ""), str(row.get("Res ID") or "")
        number = next(iter(sorted(expand(rec_id))), squeeze(rec_id))
        mine = [g for g in gold if squeeze(g["number"]) == number or number in expand(g["number"])]
        problems = []
        if squeeze(rec_id) != squeeze(res_id):
            problems.append(f"Rec ID {rec_id} != Res ID {res_id}")
        if report_pages is not None:
            _, share = locate(row.get("Rec Extracted") or "", report_pages)
            if share < 0.5:
                reworded.append(f"{rec_id} ({share:.0%})")
        if resp_pages is None:
            problems.append("response document unreadable here (no text layer): pass --page-text with an OCR")
        else:
            where, share = locate(row.get("Res Extracted") or "", resp_pages)
            block_pages = [g["page"] for g in mine]
            if share < 1:
                paraphrases.append(f"{rec_id}: {share:.0%} of its response sentences are in the document (p{where})")
            spans = [(g["page"], g["page_end"] or g["page"] + 50) for g in mine if g["page"]]
            far = [w for w in where if spans and not any(a - 1 <= w <= b for a, b in spans)]
            if far:
                problems.append(
                    f"ALIGNMENT: response sentences found on p{far}, outside the block answering {rec_id} (p{block_pages})"
                )
            if where:
                sheet_links.append({"number": number, "pages": where})
        status = (row.get("Status (Accept/Reject/Partial)") or "").strip().lower()
        printed = {_status_of(g.get("status")) for g in mine} - {None}
        if status and printed and status not in printed:
            st = next((b.get("status") for b in blocks if number in {squeeze(a) for a in b["answers"]}), None)
            problems.append(f"STATUS: {status!r} but the document prints {st!r}")
        if problems:
            page = mine[0]["page"] if mine else None
            disagreements.append({"rec": rec_id, "page": page, "problems": problems})
        else:
            agree += 1
    return {
        "rows": len(rows),
        "agree": agree,
        "disagreements": disagreements,
        "sheet_links": sheet_links,
        "not_verbatim_responses": paraphrases,
        "recommendation_text_not_the_reports": reworded,
    }


def score_against_sheet(pair: dict, sheet_links: list[dict], index: Path) -> dict:
    """inquire's shown passages against the spreadsheet rows whose text was found (their pages)."""
    right = shown_total = found = 0
    for link in sheet_links:
        shown, _ = shown_passages(pair, link["number"], index)
        shown = [p for p in shown if p["doc"] not in pair.get("summaries", [])]
        ok = [p for p in shown if p["doc"] == pair["response"] and any(_on(p, w) for w in link["pages"])]
        right += len(ok)
        shown_total += len(shown)
        found += bool(ok)
    return {
        "rows": len(sheet_links),
        "found": found,
        "recall": round(found / len(sheet_links), 3) if sheet_links else None,
        "precision": round(right / shown_total, 3) if shown_total else None,
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", help="index built with `inquire index` over the development documents")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--page-text", help="folder of <stem>.txt page texts (=====PAGE n===== separators), e.g. an OCR")
    ap.add_argument("--sheets-only", action="store_true", help="check the spreadsheets against the documents only")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    index = Path(args.index) if args.index else None
    if index is None and not args.sheets_only:
        raise SystemExit("Error: --index DIR is required (build it with `inquire index ... --index DIR`), or use --sheets-only")
    pairs = json.loads(PAIRS.read_text())["pairs"]
    sheets_dir = paths.corpora_dir() / "report-response-pairs" / "external-annotations"
    page_dir = Path(args.page_text) if args.page_text else None
    out = {}
    for pair in pairs:
        res: dict = {}
        if not args.sheets_only:
            res["golden"] = score_pair(pair, index)
        if pair.get("spreadsheet") and (sheets_dir / pair["spreadsheet"]).exists():
            sheet = check_spreadsheet(pair, sheets_dir / pair["spreadsheet"], page_dir, index)
            res["spreadsheet"] = sheet
            if not args.sheets_only:
                res["vs_spreadsheet"] = score_against_sheet(pair, sheet["sheet_links"], index)
        out[pair["name"]] = res
    if args.json:
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return 0
    print_table(out, args.verbose)
    return 0


def print_table(out: dict, verbose: bool) -> None:
    head = f"{'pair':16} {'expected':>8} {'found':>6} {'recall':>6} {'shown':>6} {'right':>6} {'wrong':>6} {'foreign':>7} {'prec':>6} {'resp ok':>7} | {'sheet P':>7} {'sheet R':>7} {'rows ok':>8}"
    print(head)
    print("-" * len(head))
    for name, res in out.items():
        g = res.get("golden", {})
        vs = res.get("vs_spreadsheet", {})
        sh = res.get("spreadsheet", {})
        fmt = lambda v: "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))
        print(
            f"{name:16} {fmt(g.get('expected')):>8} {fmt(g.get('found')):>6} {fmt(g.get('recall')):>6} {fmt(g.get('shown')):>6} "
            f"{fmt(g.get('right')):>6} {fmt(g.get('wrong')):>6} {fmt(g.get('foreign')):>7} {fmt(g.get('precision')):>6} "
            f"{fmt(g.get('responder_ok')):>7} | {fmt(vs.get('precision')):>7} {fmt(vs.get('recall')):>7} "
            f"{(str(sh.get('agree')) + '/' + str(sh.get('rows'))) if sh else '-':>8}"
        )
        if verbose:
            for key in ("missed", "wrong_list", "foreign_list"):
                if g.get(key):
                    print(f"    {key}: {g[key][:12]}")
            if g.get("sources"):
                print(f"    recommendation source not the report for: {g['sources']}")
    for name, res in out.items():
        sh = res.get("spreadsheet", {})
        for d in sh.get("disagreements", []):
            print(f"  {name} rec {d['rec']} (p{d['page']}): " + "; ".join(d["problems"]))
        if sh.get("not_verbatim_responses"):
            print(
                f"  {name}: response text not verbatim in {len(sh['not_verbatim_responses'])}/{sh['rows']} rows"
                + (f": {sh['not_verbatim_responses']}" if verbose else "")
            )
        if sh.get("recommendation_text_not_the_reports"):
            print(f"  {name}: recommendation text not the report's own wording: {sh['recommendation_text_not_the_reports']}")


if __name__ == "__main__":
    raise SystemExit(main())
