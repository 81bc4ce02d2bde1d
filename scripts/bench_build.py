#!/usr/bin/env python
"""Full builds of the development documents, one fresh process each, against the raw encoder, in one run.

    python scripts/bench_build.py [--before REV] [--workers N] [--json]

Documents: the bundled corpus and every PDF of both real corpora (``$INQUIRE_CORPORA``, default
../shared/corpora): the 13 development documents. Model: the real one (ONNX). Rows:

- ``encoder: passages + sentences`` / ``encoder: passages``: the raw encoder alone on the texts the
  pipeline embeds (each distinct passage embedding text; each distinct sentence of four words or more:
  a build embeds a text once), in one process, every text in one ``encode`` call (it sorts them by
  length itself). Reading is done once before and not timed.
- ``before (REV)``: ``inquire index --rebuild`` of the tree at git revision REV (a temporary worktree
  laid out as installed), when ``--before`` is given.
- ``now``, ``now, --sentences pooled``, and with ``--workers N`` (e.g. 1, to compare with the default
  of one reading process per core): the same command on this tree.

Each build's wall seconds are the command's, in a fresh process (model load included, a few seconds).
The ratio is encoder seconds over build seconds, with the encoder row that matches what the build
embeds (own sentences: passages + sentences; pooled: passages).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from mypy_layout import build_tree, package_dirs  # noqa: E402


def documents() -> list[Path]:
    base = Path(os.environ.get("INQUIRE_CORPORA") or ROOT.parent / "shared" / "corpora")
    return [ROOT / "corpus", *sorted(base.glob("*/*.pdf"))]


def layout(tree: Path) -> Path:
    """The installed layout of the source tree ``tree`` (symbolic links); returns the folder to put on sys.path."""
    package = build_tree(tree, package_dirs(tree / "pyproject.toml"))
    return package.parent


def build(tree: Path, paths: list[Path], home: Path, extra: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(layout(tree)), PYTHONSAFEPATH="1", INQUIRE_HOME=str(home))
    env.setdefault("INQUIRE_EMBEDDER", "onnx")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [
        sys.executable,
        "-m",
        "inquire",
        "index",
        *map(str, paths),
        "--index",
        str(home / "index"),
        "--rebuild",
        "--json",
        *extra,
    ]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=home, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {"wall_s": round(wall, 1), "chunks": report["chunks"], "documents": report["documents"]}


def encoder(paths: list[Path]) -> dict:
    """The raw encoder on the texts a build embeds (read once, untimed)."""
    from inquire.indexer.chunk import ChunkParams
    from inquire.indexer.files import collect_files
    from inquire.indexer.pipeline import _embedding_texts, _sentences_in, sha256_file
    from inquire.indexer.reading import process_file

    from inquire.embedding import get_embedder

    files, _ = collect_files(paths)
    passages, sentences = [], []
    for path in files:
        try:
            doc = process_file(path, sha256_file(path), ChunkParams())
        except Exception:  # noqa: BLE001 - a file the builds skip too
            continue
        texts = _embedding_texts(doc)
        passages += texts
        sentences += [text[a:b] for ch, text in zip(doc.chunks, texts) for a, b in _sentences_in(ch, text)]
    passages, sentences = list(dict.fromkeys(passages)), list(dict.fromkeys(sentences))  # each embedded once
    embedder = get_embedder()
    embedder.encode(["warm up"])
    t = time.perf_counter()
    embedder.encode(passages, batch_size=32)
    only_passages = time.perf_counter() - t
    t = time.perf_counter()
    embedder.encode(sentences, batch_size=64)
    with_sentences = only_passages + time.perf_counter() - t
    return {
        "passages": len(passages),
        "sentences": len(sentences),
        "encoder_passages_s": round(only_passages, 1),
        "encoder_passages_sentences_s": round(with_sentences, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="a git revision to build too (e.g. the one before a change)")
    ap.add_argument("--workers", type=int, default=0, help="also build with --workers N (if this tree has it)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("INQUIRE_EMBEDDER", "onnx")
    paths = documents()
    scratch = Path(tempfile.mkdtemp(prefix="inquire-build-"))
    rows: list[tuple[str, dict, str]] = []
    try:
        out = {"load_before": os.getloadavg()[0], "documents": len(paths)}
        out |= encoder(paths)
        runs: list[tuple[str, Path, list[str], str]] = []
        if a.before:
            tree = scratch / "before"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), a.before], check=True, capture_output=True
            )
            runs.append((f"before ({a.before})", tree, [], "encoder_passages_sentences_s"))
        runs.append(("now", ROOT, [], "encoder_passages_sentences_s"))
        runs.append(("now, --sentences pooled", ROOT, ["--sentences", "pooled"], "encoder_passages_s"))
        if a.workers:  # the default reads in as many processes as there are cores (up to 4): compare with N
            runs.append((f"now, --workers {a.workers}", ROOT, ["--workers", str(a.workers)], "encoder_passages_sentences_s"))
        for name, tree, extra, reference in runs:
            home = scratch / f"home-{len(rows)}"
            home.mkdir()
            result = build(tree, paths, home, extra)
            result["ratio"] = round(out[reference] / result["wall_s"], 2)
            rows.append((name, result, reference))
            print(f"{name}: {result}", file=sys.stderr)
        out["builds"] = {name: result for name, result, _ in rows}
        out["load_after"] = os.getloadavg()[0]
    finally:
        if a.before:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "before")], capture_output=True
            )
        shutil.rmtree(scratch, ignore_errors=True)
    if a.json:
        print(json.dumps(out, indent=2))
        return
    print(
        f"{out['documents']} documents, {out['passages']} passages, {out['sentences']} sentences; "
        f"load {out['load_before']:.1f} -> {out['load_after']:.1f}"
    )
    print(f"encoder alone: passages {out['encoder_passages_s']} s, passages + sentences {out['encoder_passages_sentences_s']} s")
    print(f"{'build':45} {'wall s':>7} {'chunks':>7} {'encoder/build':>14}")
    for name, result, _ in rows:
        print(f"{name:45} {result['wall_s']:7.1f} {result['chunks']:7d} {result['ratio']:14.2f}")


if __name__ == "__main__":
    main()
