#!/usr/bin/env python
"""Readers during writes: search an index over and over while another process re-indexes it, and
count the answers that are not exactly those of one complete version.

Two versions of a small corpus hold the same two reports under swapped file names, so their passage
ids map to different passages and their top hits differ: a reader that took the database from one
version and the FAISS files from the other gets an answer that is neither. The expected answers of
both versions are computed first, with no writer running. Then a writer process alternates
``build_index(X)`` / ``build_index(Y)`` (``--rebuild``, one published version per run) while this
process opens the index and searches it (as ``inquire search`` does, a new Searcher each time) and,
every ``--cli-every`` searches, runs ``inquire search --json`` as a subprocess too. Any answer that is
not X's or Y's is wrong; any exception or failed command is an error.

    INQUIRE_EMBEDDER=fake python scripts/readers_during_writes.py [--searches 1000] [--swaps 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUERY = "bluebird nesting survey recommendation"
K = 5

REPORT_P = """Recommendation 1: Bluebird nesting survey

The council should carry out a bluebird nesting survey every spring and publish the counts.

Response from the Parks Department

The Parks Department accepts the bluebird survey recommendation and will publish counts each June.
"""
REPORT_Q = """Recommendation 2: Kestrel habitat

The council should protect kestrel habitat along the river and report on it every year.

Response from the Planning Office

The Planning Office accepts the kestrel recommendation and will report to the committee.
"""

# The writer: alternate two versions until told to stop; print how many versions it published.
WRITER = r"""
import sys, time
from pathlib import Path
from inquire.indexer.pipeline import build_index
from inquire.embedding.fake import FakeEmbedder
index, x, y, stop, counter = (Path(a) for a in sys.argv[1:6])
embedder, swaps = FakeEmbedder(), 0
while not stop.exists():
    report = build_index([x if swaps % 2 == 0 else y], index, embedder, rebuild=True)
    swaps += report.written
    counter.write_text(str(swaps))
print(swaps)
"""


def answer(index: Path, embedder) -> list[tuple]:
    from inquire.query.search import Searcher

    searcher = Searcher(index, embedder)
    try:
        hits = searcher.search(QUERY, k=K)
    finally:
        searcher.close()
    return [(h.rank, h.chunk_id, h.doc, h.text) for h in hits]


def cli_answer(index: Path, env: dict) -> list[tuple]:
    proc = subprocess.run(
        [PYTHON, "-m", "inquire", "search", QUERY, "--k", str(K), "--json", "--index", str(index)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}")
    return [(h["rank"], h["chunk_id"], h["doc"], h["text"]) for h in json.loads(proc.stdout)["hits"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--searches", type=int, default=1000, help="at least this many searches (default 1000)")
    ap.add_argument("--swaps", type=int, default=100, help="... across at least this many published versions (default 100)")
    ap.add_argument("--cli-every", type=int, default=25, help="one `inquire search` subprocess every N searches (0: none)")
    ap.add_argument(
        "--filler-words",
        type=int,
        default=0,
        help="add a generated report of this many words to both versions: bigger FAISS files take longer to "
        "read, which widens the window a reader without consistent reads can fall into (e.g. 200000)",
    )
    ap.add_argument("--max-minutes", type=float, default=60)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder

    root = Path(tempfile.mkdtemp(prefix="inquire-readers-"))
    env = {**os.environ, "INQUIRE_HOME": str(root / "home"), "INQUIRE_EMBEDDER": "fake"}
    env.pop("INQUIRE_INDEX", None)
    try:
        x, y, index, stop = root / "X", root / "Y", root / "idx", root / "stop"
        for folder, first, second in ((x, REPORT_P, REPORT_Q), (y, REPORT_Q, REPORT_P)):
            folder.mkdir()
            (folder / "a-report.txt").write_text(first, encoding="utf-8")
            (folder / "b-report.txt").write_text(second, encoding="utf-8")
            if args.filler_words:
                (folder / "c-filler.txt").write_text(_filler(args.filler_words), encoding="utf-8")
        embedder = FakeEmbedder()
        expected = {}
        for name, folder in (("X", x), ("Y", y)):
            build_index([folder], index, embedder, rebuild=True)
            expected[name] = answer(index, embedder)
        if expected["X"] == expected["Y"] or expected["X"][0][2] == expected["Y"][0][2]:
            raise SystemExit("the two versions must have different top hits")

        counter = root / "swaps"
        writer = subprocess.Popen(
            [PYTHON, "-c", WRITER, str(index), str(x), str(y), str(stop), str(counter)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        counts = {"searches": 0, "cli_searches": 0, "wrong": 0, "errors": 0, "by_version": {"X": 0, "Y": 0}}
        findings: list[str] = []
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < args.max_minutes * 60:
            use_cli = args.cli_every and counts["searches"] % args.cli_every == args.cli_every - 1
            try:
                got = cli_answer(index, env) if use_cli else answer(index, embedder)
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                counts["errors"] += 1
                findings.append(f"{'cli' if use_cli else 'in-process'}: {type(exc).__name__}: {exc}")
            else:
                version = next((name for name, ref in expected.items() if got == ref), None)
                if version is None:
                    counts["wrong"] += 1
                    findings.append(f"{'cli' if use_cli else 'in-process'}: wrong answer, top hit {got[0][2] if got else None!r}")
                else:
                    counts["by_version"][version] += 1
            counts["searches"] += 1
            counts["cli_searches"] += bool(use_cli)
            if counts["searches"] >= args.searches and _swaps(counter) >= args.swaps:
                break
            if writer.poll() is not None:
                findings.append("the writer stopped early")
                break
        stop.write_text("")
        out, err = writer.communicate(timeout=600)
        counts["swaps"] = int(out.strip() or 0)
        if writer.returncode != 0:
            findings.append(f"writer failed: {err.strip().splitlines()[-1] if err.strip() else writer.returncode}")
        counts["seconds"] = round(time.perf_counter() - t0, 1)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    counts["findings"] = sorted(set(findings))[:20]
    if args.json:
        print(json.dumps(counts, indent=2))
    else:
        print(
            f"{counts['searches']} searches ({counts['cli_searches']} through the CLI) across {counts['swaps']} published versions "
            f"in {counts['seconds']} s: {counts['wrong']} wrong answers, {counts['errors']} errors "
            f"(answers of X {counts['by_version']['X']}, of Y {counts['by_version']['Y']})"
        )
        for finding in counts["findings"]:
            print(f"  - {finding}")
    ok = counts["wrong"] == 0 and counts["errors"] == 0 and counts["searches"] >= args.searches and counts["swaps"] >= args.swaps
    sys.exit(0 if ok else 1)


def _filler(words: int) -> str:
    """A long report of ordinary sentences (deterministic), in paragraphs."""
    import random

    rng = random.Random(0)
    vocab = (
        "the council police report officers training review should every year public records response "
        "committee home office inquiry evidence victims support service plan progress national local".split()
    )
    sentences = [" ".join(rng.choice(vocab) for _ in range(12)).capitalize() + "." for _ in range(words // 12)]
    return "\n\n".join(" ".join(sentences[i : i + 8]) for i in range(0, len(sentences), 8)) + "\n"


def _swaps(counter: Path) -> int:
    """How many versions the writer has published so far."""
    try:
        return int(counter.read_text() or 0)
    except (OSError, ValueError):
        return 0


if __name__ == "__main__":
    main()
