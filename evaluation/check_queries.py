"""Validate the evaluation query sets and golden links against the documents.

Checks (exit status 1, with every problem listed, if any check fails):
  * evaluation/queries/dev.jsonl: schema, unique ids, kinds, and that every
    answer string occurs (after judge.normalise) in the text of its ``doc``;
  * evaluation/queries/abstain.jsonl: schema, unique ids, 20 + 20 split;
  * evaluation/queries/sources.jsonl and indomain.jsonl: schema, unique ids, answers found as for dev.jsonl;
  * evaluation/golden/links.json: schema, and that every ``quote`` occurs in
    its ``response_doc``.
Also prints counts per kind and per doc, and warnings for answers that only
match across a PDF page boundary.

Document text: .txt files are read directly; PDFs are extracted with pypdf,
pages joined with "\\n".  Run from anywhere:
    .venv/bin/python evaluation/check_queries.py
    .venv/bin/python evaluation/check_queries.py evaluation/queries/test.jsonl
With a path argument, only that query file is checked, with the same per-row
checks as dev.jsonl (schema, unique ids, kinds, answers found in ``doc``); the
dev-only coverage requirements, abstain.jsonl and links.json are skipped.
"""

from __future__ import annotations

import collections
import json
import sys
from functools import cache
from pathlib import Path

from inquire.evaluation.judge import normalise

from inquire.paths import eval_pdf_dir

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CORPUS_DIR = REPO / "corpus"
PDF_DIR = eval_pdf_dir()
DEV = HERE / "queries" / "dev.jsonl"
ABSTAIN = HERE / "queries" / "abstain.jsonl"
SOURCES = HERE / "queries" / "sources.jsonl"
INDOMAIN = HERE / "queries" / "indomain.jsonl"
LINKS = HERE / "golden" / "links.json"

KINDS = {"lookup", "factoid", "paraphrase", "topical"}
MAX_ANSWERS = 8
BUNDLED = {p.name for p in CORPUS_DIR.glob("*.txt")}


def doc_path(name: str) -> Path:
    for base in (CORPUS_DIR, PDF_DIR):
        if (base / name).is_file():
            return base / name
    raise FileNotFoundError(name)


@cache
def doc_pages(name: str) -> tuple[str, ...]:
    path = doc_path(name)
    if path.suffix.lower() == ".pdf":
        import logging

        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        return tuple(p.extract_text() or "" for p in PdfReader(str(path)).pages)
    return (path.read_text(encoding="utf-8"),)


@cache
def doc_norm(name: str) -> str:
    return normalise("\n".join(doc_pages(name)))


@cache
def page_norms(name: str) -> tuple[str, ...]:
    return tuple(normalise(p) for p in doc_pages(name))


def load_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: bad JSON: {exc}")
    return rows


def check_dev(errors: list[str], warnings: list[str], path: Path = DEV, tag: str = "dev") -> list[dict]:
    rows = load_jsonl(path, errors)
    ids = collections.Counter(r.get("id") for r in rows)
    for dup in [i for i, c in ids.items() if c > 1]:
        errors.append(f"{tag}: duplicate id {dup}")
    for r in rows:
        rid = r.get("id", "?")
        keys = {"id", "query", "kind", "doc", "answers", "recommendation"}
        if set(r) != keys:
            errors.append(f"{tag} {rid}: keys {sorted(r)} != {sorted(keys)}")
        if r.get("kind") not in KINDS:
            errors.append(f"{tag} {rid}: bad kind {r.get('kind')!r}")
        rec = r.get("recommendation")
        if rec is not None and not (isinstance(rec, str) and rec.strip()):
            errors.append(f"{tag} {rid}: recommendation must be a non-empty string or null")
        answers = r.get("answers")
        if not (
            isinstance(answers, list)
            and 1 <= len(answers) <= MAX_ANSWERS
            and all(isinstance(a, str) and a.strip() for a in answers)
        ):
            errors.append(f"{tag} {rid}: answers must be 1-{MAX_ANSWERS} non-empty strings")
            continue
        try:
            doc_norm(r["doc"])
        except (FileNotFoundError, KeyError):
            errors.append(f"{tag} {rid}: unknown doc {r.get('doc')!r}")
            continue
        for n, ans in enumerate(answers):
            a = normalise(ans)
            # the first answer is from the primary doc; the others from any document that answers too
            where = [r["doc"]] if n == 0 else [r["doc"]] + [d for d in all_docs() if d != r["doc"]]
            found = [d for d in where if a in doc_norm(d)]
            if not found:
                errors.append(f"{tag} {rid}: answer not found in {r['doc'] if n == 0 else 'any document'}: {ans!r}")
            elif not any(a in p for d in found for p in page_norms(d)):
                warnings.append(f"{tag} {rid}: answer only matches across a page break: {ans!r}")
    return rows


def pdf_docs() -> list[str]:
    return sorted(p.name for p in PDF_DIR.glob("*.pdf"))


def all_docs() -> list[str]:
    return sorted(BUNDLED) + pdf_docs()


def check_abstain(errors: list[str]) -> list[dict]:
    rows = load_jsonl(ABSTAIN, errors)
    ids = collections.Counter(r.get("id") for r in rows)
    for dup in [i for i, c in ids.items() if c > 1]:
        errors.append(f"abstain: duplicate id {dup}")
    for r in rows:
        if set(r) != {"id", "query", "in_domain"} or not isinstance(r.get("in_domain"), bool):
            errors.append(f"abstain {r.get('id', '?')}: bad record {r}")
    split = collections.Counter(r.get("in_domain") for r in rows)
    if len(rows) != 40 or split[True] != 20 or split[False] != 20:
        errors.append(f"abstain: expected 40 rows (20 in-domain, 20 off-topic), got {len(rows)} {dict(split)}")
    return rows


def check_sources(errors: list[str], warnings: list[str], path: Path = SOURCES) -> list[dict]:
    """sources.jsonl (in-domain questions naming their source in other ways) or indomain.jsonl
    (in-domain questions written blind, with dev.jsonl's kinds): dev-only answerable questions;
    answers found like dev's."""
    rows = load_jsonl(path, errors)
    name = path.stem
    ids = collections.Counter(r.get("id") for r in rows)
    for dup in [i for i, c in ids.items() if c > 1]:
        errors.append(f"{name}: duplicate id {dup}")
    if path == SOURCES:
        keys = {"id", "query", "in_domain", "doc", "answers", "reference", "printed", "split"}
    else:
        keys = {"id", "query", "in_domain", "kind", "doc", "answers", "recommendation", "split"}
    for r in rows:
        rid = r.get("id", "?")
        fits = r.get("kind") in KINDS if "kind" in keys else isinstance(r.get("printed"), bool)
        if set(r) != keys or r.get("in_domain") is not True or r.get("split") != "dev" or not fits:
            errors.append(f"{name} {rid}: bad record {r}")
            continue
        for n, ans in enumerate(r["answers"]):
            a = normalise(ans)
            where = [r["doc"]] if n == 0 else [r["doc"]] + [d for d in all_docs() if d != r["doc"]]
            try:
                found = [d for d in where if a in doc_norm(d)]
            except FileNotFoundError:
                errors.append(f"{name} {rid}: unknown doc {r['doc']!r}")
                break
            if not found:
                errors.append(f"{name} {rid}: answer not found: {ans!r}")
            elif not any(a in p for d in found for p in page_norms(d)):
                warnings.append(f"{name} {rid}: answer only matches across a page break: {ans!r}")
    return rows


def check_links(errors: list[str]) -> dict:
    data = json.loads(LINKS.read_text(encoding="utf-8"))
    counts = {}
    for s in data.get("sets", []):
        name = s.get("name", "?")
        recs = s.get("recommendations", [])
        try:
            doc_norm(s["source_doc"])
        except (FileNotFoundError, KeyError):
            errors.append(f"links {name}: unknown source_doc {s.get('source_doc')!r}")
        answered = set()
        for i, link in enumerate(s.get("links", [])):
            where = f"links {name}[{i}] rec {link.get('recommendation')}"
            need = {"recommendation", "response_doc", "responder", "section", "quote", "explicit"}
            if not need <= set(link):
                errors.append(f"{where}: missing keys {sorted(need - set(link))}")
                continue
            if link["recommendation"] not in recs:
                errors.append(f"{where}: recommendation not in the set's list")
            if not isinstance(link["explicit"], bool):
                errors.append(f"{where}: explicit must be true/false")
            answered.add(link["recommendation"])
            try:
                hay = doc_norm(link["response_doc"])
            except FileNotFoundError:
                errors.append(f"{where}: unknown response_doc {link['response_doc']!r}")
                continue
            if normalise(link["quote"]) not in hay:
                errors.append(f"{where}: quote not found in {link['response_doc']}: {link['quote']!r}")
        missing = [r for r in recs if r not in answered]
        counts[name] = (len(s.get("links", [])), len(recs), missing)
    return counts


def check_one(path: Path) -> int:
    """Check a single query file (e.g. test.jsonl) with the per-row dev checks."""
    errors: list[str] = []
    warnings: list[str] = []
    rows = check_dev(errors, warnings, path, path.stem)
    summarise(path.name, rows)
    return finish(errors, warnings, "all answer strings found")


def summarise(name: str, rows: list[dict]) -> tuple[collections.Counter, collections.Counter]:
    """Print a query file's counts per kind and per document; return both counters."""
    kinds = collections.Counter(r.get("kind") for r in rows)
    docs = collections.Counter(r.get("doc") for r in rows)
    print(f"{name}: {len(rows)} queries")
    print("  per kind: " + ", ".join(f"{k}={kinds[k]}" for k in sorted(KINDS)))
    print("  per doc:")
    for d, c in sorted(docs.items()):
        print(f"    {c:4d}  {d}")
    print(f"  with recommendation: {sum(1 for r in rows if r.get('recommendation'))}")
    return kinds, docs


def finish(errors: list[str], warnings: list[str], ok: str) -> int:
    """Print warnings, then every problem (exit status 1) or the OK line (0)."""
    for w in warnings:
        print("WARNING:", w)
    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print(f"\nOK: {ok}.")
    return 0


def main() -> int:
    if len(sys.argv) > 1:
        return check_one(Path(sys.argv[1]).resolve())
    errors: list[str] = []
    warnings: list[str] = []
    dev = check_dev(errors, warnings)
    abstain = check_abstain(errors)
    sources = check_sources(errors, warnings)
    indomain = check_sources(errors, warnings, INDOMAIN)
    link_counts = check_links(errors)

    kinds, docs = summarise("dev.jsonl", dev)
    print(f"abstain.jsonl: {len(abstain)} queries ({sum(1 for r in abstain if r.get('in_domain'))} in-domain)")
    print(
        f"sources.jsonl: {len(sources)} queries ({sum(1 for r in sources if not r.get('printed'))} naming their source unprinted)"
    )
    print(f"indomain.jsonl: {len(indomain)} queries {dict(collections.Counter(r.get('kind') for r in indomain))}")
    for name, (n, nrec, missing) in link_counts.items():
        print(
            f"links.json set {name}: {n} links over {nrec} recommendations" + (f"; no response for {missing}" if missing else "")
        )

    # Coverage requirements of the dev set.
    if len(dev) < 110:
        errors.append(f"dev: need at least 110 queries, have {len(dev)}")
    if kinds["paraphrase"] < 40 or kinds["paraphrase"] * 3 <= len(dev):
        errors.append(f"dev: need >= 40 paraphrase queries and more than a third, have {kinds['paraphrase']}")
    for pdf in pdf_docs():
        if docs[pdf] < 8:
            errors.append(f"dev: PDF {pdf} has {docs[pdf]} queries (< 8)")

    return finish(errors, warnings, "all answer strings and link quotes found")


if __name__ == "__main__":
    sys.exit(main())
