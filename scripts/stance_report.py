"""Score the stance classifier (indexer/stance.py) against tests/golden/stance.json and against
the status column of the outside spreadsheets (../shared/corpora/report-response-pairs/
external-annotations/*.xlsx, read with zipfile + XML), each with a confusion table.

    .venv/bin/python scripts/stance_report.py [--corpora DIR] [--json OUT]

Each golden response's text is found in the document's cleaned text by its first words
('text_from') and the first words after it ('text_until'), whitespace normalised, so the score
measures the classifier, not the structure finder. Reading the scanned Post Office response runs
OCR (about a minute). The spreadsheets give one status per recommendation (Accept / Partial /
Reject): inquire's stances are mapped onto that scale (SHEET_SCALE below) and every disagreement
is listed with the page, with the golden stance beside it to judge which side is wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

from inquire.indexer.clean import clean_document
from inquire.indexer.parse import parse
from inquire.indexer.stance import STANCES, classify, column_table_stances, covers, find_stances, same_body, summary_list_stances

from inquire.paths import bundled_corpus_dir, corpora_dir

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "stance.json"
NONE = "(none)"
# inquire's stances on the spreadsheets' three-value scale. "accepted in principle" is Partial
# there: the Infected Blood sheet marks every "accepted in principle" row Partial.
SHEET_SCALE = {
    "accepted": "Accept",
    "accepted in principle": "Partial",
    "accepted in part": "Partial",
    "not accepted": "Reject",
    "noted": "Partial",
    "under consideration": "Partial",
    "not for this body": "Reject",
}
# spreadsheet -> (the response document it annotates, its main responder)
SHEETS = {
    "UK_Covid19_Inquiry_Module1_Recommendations_Responses.xlsx": (
        "govt_response_covid19_inquiry_module1_CP1240.pdf",
        "UK Government",
    ),
    "Volume_I-BloodEnquiry_Recommendations_Responses.xlsx": ("govt_response_infected_blood_inquiry_CP1224.pdf", "UK Government"),
    "PostOffice_Horizon_Recommendations_Responses.xlsx": (
        "govt_response_post_office_horizon_inquiry_vol1.pdf",
        "Department for Business and Trade",
    ),
}


# ----------------------------------------------------------------------------- documents


def find_file(name: str, corpora: Path) -> Path | None:
    local = bundled_corpus_dir() / name
    if local.exists():
        return local
    hits = sorted(corpora.rglob(name)) if corpora.is_dir() else []
    return hits[0] if hits else None


class Doc:
    """A document's cleaned text, with a whitespace-normalised copy to find golden phrases in."""

    def __init__(self, path: Path):
        t0 = time.perf_counter()
        self.raw = parse(path)
        self.clean = clean_document(self.raw)
        self.seconds = time.perf_counter() - t0
        text = self.clean.text
        norm, index = [], []
        prev_space = True
        for i, ch in enumerate(text):
            if ch.isspace():
                if not prev_space:
                    norm.append(" ")
                    index.append(i)
                prev_space = True
            else:
                norm.append(ch)
                index.append(i)
                prev_space = False
        self.norm = "".join(norm)
        self.index = index + [len(text)]

    def find(self, phrase: str, start: int = 0) -> int | None:
        """Offset into the cleaned text of ``phrase`` (normalised), searching from ``start``."""
        want = re.sub(r"\s+", " ", phrase).strip()
        nstart = next((k for k, i in enumerate(self.index) if i >= start), len(self.norm))
        k = self.norm.find(want, nstart)
        if k < 0:
            k = self.norm.lower().find(want.lower(), nstart)
        return None if k < 0 else self.index[k]

    def page(self, offset: int) -> int | None:
        return self.clean.page_at(offset)


def sentence_ok(got: str | None, wanted: list[str] | None) -> bool:
    if not wanted:
        return got is None
    g = re.sub(r"\s+", " ", (got or "").replace("’", "'")).strip().lower()
    return any(re.sub(r"\s+", " ", w.replace("’", "'")).strip().lower()[:40] in g for w in wanted)


# ----------------------------------------------------------------------------- scoring


def score_responses(golden: dict, corpora: Path) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    timings = {}
    docs: dict[str, Doc] = {}
    for name, spec in golden["documents"].items():
        path = find_file(name, corpora)
        if path is None:
            print(f"  missing: {name} (set --corpora)", file=sys.stderr)
            continue
        doc = docs[name] = Doc(path)
        timings[name] = round(doc.seconds, 1)
        pos, prev_block = -1, None
        for entry in spec["responses"]:
            # entries of one block share their first and last words; the next block starts after this one
            block = (entry["text_from"], entry["text_until"])
            start = pos if block == prev_block else doc.find(entry["text_from"], pos + 1)
            if start is None:
                rows.append({"doc": name, "recs": entry["recs"], "error": f"text_from not found: {entry['text_from'][:50]!r}"})
                continue
            pos, prev_block = start, block
            end = doc.find(entry["text_until"], start + 1) if entry["text_until"] else len(doc.clean.text)
            end = end if end is not None else len(doc.clean.text)
            text = doc.clean.text[start:end]
            for rec in entry["recs"]:
                got = classify(text, responder=entry["responder"], number=rec)
                rows.append(
                    {
                        "doc": name,
                        "rec": rec,
                        "responder": entry["responder"],
                        "gold": entry["stance"],
                        "got": got.stance if got else None,
                        "got_kind": got.kind if got else None,
                        "got_sentence": got.sentence if got else None,
                        "got_page": doc.page(start + got.start) if got else None,
                        "gold_page": entry["page"],
                        "sentence_ok": sentence_ok(got.sentence if got else None, entry["sentence"]),
                    }
                )
        # a document that states no stance: every sentence of it is a chance to invent one
        if not spec["states_stances"]:
            found = [s for s in find_stances(doc.clean.text) if s.kind != "implied"]
            for s in found:
                rows.append(
                    {
                        "doc": name,
                        "rec": None,
                        "responder": None,
                        "gold": None,
                        "got": s.stance,
                        "got_kind": s.kind,
                        "got_sentence": s.sentence,
                        "got_page": doc.page(s.start),
                        "gold_page": None,
                        "sentence_ok": False,
                        "whole_text": True,
                    }
                )
    return rows, {"docs": docs, "timings": timings}


def score_tables(golden: dict, docs: dict[str, Doc], corpora: Path) -> list[dict]:
    rows: list[dict] = []
    for name, spec in golden["documents"].items():
        if name not in docs:
            continue
        if spec.get("table"):
            from pypdf import PdfReader

            reader = PdfReader(str(find_file(name, corpora)))
            layout = [p.extract_text(extraction_mode="layout") for p in reader.pages]
            found = column_table_stances(layout)
            for g in spec["table"]:
                hits = [t for t in found if t.body and same_body(t.body, g["body"]) and _same_label(t.number, g["rec"])]
                rows.append(
                    {
                        "doc": name,
                        "source": "columns",
                        "rec": g["rec"],
                        "body": g["body"],
                        "gold": g["stance"],
                        "got": hits[0].stance if hits else None,
                    }
                )
            extra = [
                t
                for t in found
                if not any(_same_label(t.number, g["rec"]) and t.body and same_body(t.body, g["body"]) for g in spec["table"])
            ]
            for t in extra:
                rows.append({"doc": name, "source": "columns", "rec": t.number, "body": t.body, "gold": None, "got": t.stance})
        if spec.get("summary_list"):
            found = summary_list_stances(docs[name].clean.text)
            for g in spec["summary_list"]:
                hits = [
                    t
                    for t in found
                    if _same_label(t.number, g["rec"])
                    and ((t.body is None) == (g["body"] is None))
                    and (g["body"] is None or same_body(t.body, g["body"]))
                ]
                rows.append(
                    {
                        "doc": name,
                        "source": "list",
                        "rec": g["rec"],
                        "body": g["body"],
                        "gold": g["stance"],
                        "got": hits[0].stance if hits else None,
                    }
                )
    return rows


def _same_label(a: str, b: str) -> bool:
    return covers(a, b) and covers(b, a)


# ----------------------------------------------------------------------------- spreadsheets

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def read_xlsx(path: Path) -> list[dict[str, str]]:
    """First sheet of an .xlsx as dicts keyed by the header row (zipfile + XML, no dependency)."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{NS}si"):
                shared.append("".join(t.text or "" for t in si.iter(f"{NS}t")))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    table: list[dict[str, str]] = []
    for row in sheet.iter(f"{NS}row"):
        vals = {}
        for c in row.iter(f"{NS}c"):
            col = re.match(r"[A-Z]+", c.get("r", "")).group()
            v = c.find(f"{NS}v")
            if c.get("t") == "s" and v is not None:
                vals[col] = shared[int(v.text)]
            elif c.get("t") == "inlineStr":
                vals[col] = "".join(t.text or "" for t in c.iter(f"{NS}t"))
            else:
                vals[col] = v.text if v is not None else ""
        table.append(vals)
    header = table[0] if table else {}
    return [{header.get(k, k): v for k, v in r.items()} for r in table[1:]]


def score_sheets(golden: dict, rows: list[dict], corpora: Path) -> list[dict]:
    out = []
    folder = corpora / "report-response-pairs" / "external-annotations"
    for sheet, (doc, responder) in SHEETS.items():
        path = folder / sheet
        if not path.exists():
            continue
        for r in read_xlsx(path):
            status_col = next((k for k in r if k.lower().startswith("status")), None)
            rec = re.sub(r"[()]", " ", r.get("Rec ID", "")).strip()
            for_rec = [x for x in rows if x["doc"] == doc and x.get("rec") and _same_label(x["rec"], rec)]
            mine = [x for x in for_rec if same_body(x["responder"], responder)] or for_rec  # else the body that answers it
            m = mine[0] if mine else {}
            out.append(
                {
                    "sheet": sheet,
                    "doc": doc,
                    "rec": rec,
                    "sheet_status": (r.get(status_col) or "").strip(),
                    "gold": m.get("gold"),
                    "gold_scale": SHEET_SCALE.get(m.get("gold")) if m.get("gold") else None,
                    "got": m.get("got"),
                    "got_scale": SHEET_SCALE.get(m.get("got")) if m.get("got") else None,
                    "page": m.get("gold_page"),
                }
            )
    return out


# ----------------------------------------------------------------------------- printing


def confusion(pairs: list[tuple[str | None, str | None]], labels: list[str]) -> str:
    labels = labels + [NONE]
    counts = Counter((g or NONE, p or NONE) for g, p in pairs)
    short = {
        lab: lab.replace("accepted", "acc").replace("under consideration", "considering").replace("not for this body", "not ours")
        for lab in labels
    }
    width = max(len(v) for v in short.values()) + 2
    lines = ["gold \\ got".ljust(width) + "".join(short[lab].rjust(width) for lab in labels)]
    for g in labels:
        if not any(gg == g for gg, _ in counts):
            continue
        lines.append(
            short[g].ljust(width) + "".join((str(counts[(g, p)]) if counts[(g, p)] else ".").rjust(width) for p in labels)
        )
    return "\n".join(lines)


def summarise(rows: list[dict]) -> dict:
    scored = [r for r in rows if "error" not in r and not r.get("whole_text")]
    stated = [r for r in scored if r["gold"]]
    none = [r for r in scored if not r["gold"]]
    correct = sum(r["got"] == r["gold"] for r in stated)
    with_sentence = sum(r["got"] == r["gold"] and r["sentence_ok"] for r in stated)
    invented = [r for r in none if r["got"]]
    pages = sum(r["got"] == r["gold"] and r["got_page"] == r["gold_page"] for r in stated if r["gold_page"])
    return {
        "stated": len(stated),
        "correct": correct,
        "accuracy": round(correct / len(stated), 3) if stated else None,
        "correct_on_golden_page": pages,
        "correct_with_sentence": with_sentence,
        "no_stance": len(none),
        "invented": len(invented),
        "errors": sum("error" in r for r in rows),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=corpora_dir())
    ap.add_argument("--json", type=Path, help="write every row and the summary here")
    args = ap.parse_args()
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rows, ctx = score_responses(golden, args.corpora)
    tables = score_tables(golden, ctx["docs"], args.corpora)
    sheets = score_sheets(golden, rows, args.corpora)

    print("Stance of each response against tests/golden/stance.json (one row per sub-recommendation and responder)\n")
    print(f"{'document':62} {'stated':>6} {'right':>6} {'acc':>6} {'+sent':>6} {'none':>5} {'inv':>4}")
    for name in golden["documents"]:
        s = summarise([r for r in rows if r["doc"] == name])
        acc = f"{s['accuracy']:.3f}" if s["accuracy"] is not None else "-"
        print(
            f"{name[:62]:62} {s['stated']:6} {s['correct']:6} {acc:>6} {s['correct_with_sentence']:6} {s['no_stance']:5} {s['invented']:4}"
        )
    total = summarise(rows)
    print(
        f"{'ALL':62} {total['stated']:6} {total['correct']:6} {total['accuracy'] or 0:6.3f} {total['correct_with_sentence']:6} "
        f"{total['no_stance']:5} {total['invented']:4}"
    )
    paged = sum(r["got"] == r["gold"] for r in rows if r.get("gold") and r.get("gold_page") and not r.get("whole_text"))
    print(f"right stance cited on the golden PDF page: {total['correct_on_golden_page']} of {paged}")
    print(
        "\n(stated: responses the document gives a stance; right: same stance; +sent: and the quoted sentence is the golden one;"
        " none: responses that state no stance; inv: stances given to those)\n"
    )
    print(confusion([(r["gold"], r["got"]) for r in rows if "error" not in r and not r.get("whole_text")], list(STANCES)))
    wrong = [r for r in rows if "error" not in r and not r.get("whole_text") and r["got"] != r["gold"]]
    if wrong:
        print("\nDisagreements with the golden file:")
        for r in wrong:
            print(
                f"  {r['doc'][:40]} rec {r['rec']} {r['responder'] or ''}: gold {r['gold']}, got {r['got']} (p. {r['got_page']}) "
                f"{(r['got_sentence'] or '')[:110]!r}"
            )
    for r in rows:
        if "error" in r:
            print(f"  ERROR {r['doc']} {r['recs']}: {r['error']}")
    reports = [r for r in rows if r.get("whole_text")]
    if reports:
        print(f"\nStance sentences found anywhere in the documents that answer nothing (reports; not scored: {len(reports)}):")
        for r in reports:
            print(f"  {r['doc'][:40]} p. {r['got_page']}: {r['got']}: {(r['got_sentence'] or '')[:120]!r}")

    if tables:
        print("\nSummary tables (stance per recommendation and body)\n")
        for src in ("columns", "list"):
            part = [t for t in tables if t["source"] == src]
            if not part:
                continue
            gold_n = sum(1 for t in part if t["gold"])
            right = sum(1 for t in part if t["gold"] and t["got"] == t["gold"])
            extra = sum(1 for t in part if not t["gold"])
            print(f"{src:8} {part[0]['doc']}: {right}/{gold_n} right, {extra} cells read that the golden file does not have")
            print(confusion([(t["gold"], t["got"]) for t in part], list(STANCES)))
            for t in part:
                if t["got"] != t["gold"]:
                    print(f"  rec {t['rec']} {t['body']}: gold {t['gold']}, got {t['got']}")

    if sheets:
        print(
            "\nOutside spreadsheets' status column (Accept / Partial / Reject); inquire mapped with",
            json.dumps(SHEET_SCALE),
            "\n",
        )
        for sheet in SHEETS:
            part = [s for s in sheets if s["sheet"] == sheet]
            if not part:
                continue
            agree_got = sum(s["got_scale"] == s["sheet_status"] for s in part)
            agree_gold = sum(s["gold_scale"] == s["sheet_status"] for s in part)
            print(f"{sheet}: {len(part)} rows; classifier agrees on {agree_got}, golden file on {agree_gold}")
            print(
                confusion([(s["sheet_status"] or None, s["got_scale"]) for s in part], ["Accept", "Partial", "Reject"]).replace(
                    "gold", "sheet"
                )
            )
            for s in part:
                if s["got_scale"] != s["sheet_status"] or s["gold_scale"] != s["sheet_status"]:
                    judge = (
                        "spreadsheet error"
                        if s["gold_scale"] and s["gold_scale"] != s["sheet_status"] and s["got_scale"] == s["gold_scale"]
                        else "classifier error"
                        if s["gold_scale"] == s["sheet_status"]
                        else "both differ"
                    )
                    print(
                        f"  rec {s['rec']} (p. {s['page']}): sheet {s['sheet_status']}, golden {s['gold']} -> {s['gold_scale']}, "
                        f"classifier {s['got']} -> {s['got_scale']}: {judge}"
                    )
    print("\nSeconds to read each document (parse, OCR where needed, clean):", json.dumps(ctx["timings"]))
    if args.json:
        args.json.write_text(
            json.dumps({"summary": total, "rows": rows, "tables": tables, "sheets": sheets}, indent=1, ensure_ascii=False)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
