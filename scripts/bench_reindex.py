#!/usr/bin/env python
"""Benchmark re-indexing: a full build against a re-read after inquire's processing code changed.

Builds an index of the given documents from scratch in a temp dir (default: the nine evaluation
documents), then re-runs it with a changed processing fingerprint (what an upgrade of inquire
does: every file is re-read, vectors are kept for text that did not change), then once more with
nothing changed. Prints seconds, chunks embedded and reused, and the ratio.

    python scripts/bench_reindex.py [PATH ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import inquire.indexer.pipeline as pipeline  # noqa: E402
from inquire.evaluation.harness import default_corpora  # noqa: E402

from inquire.embedding import get_embedder  # noqa: E402


def timed(paths: list[Path], index_dir: Path, embedder) -> tuple[float, pipeline.IndexReport]:
    t = time.perf_counter()
    report = pipeline.build_index(paths, index_dir, embedder)
    return time.perf_counter() - t, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    paths = args.paths or default_corpora()
    embedder = get_embedder()
    out = {"backend": embedder.backend}
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        secs, r = timed(paths, index_dir, embedder)
        out["full"] = {"seconds": round(secs, 2), "documents": r.documents, "embedded": r.embedded}
        real = pipeline.processing_fingerprint
        pipeline.processing_fingerprint = lambda: real() + "-changed"  # as after an upgrade
        try:
            secs, r = timed(paths, index_dir, embedder)
            out["after_code_change"] = {
                "seconds": round(secs, 2),
                "reprocessed": len(r.reprocessed),
                "embedded": r.embedded,
                "reused": r.reused,
            }
            secs, r = timed(paths, index_dir, embedder)
        finally:
            pipeline.processing_fingerprint = real
        out["nothing_changed"] = {"seconds": round(secs, 3), "written": r.written}
    out["ratio_full_over_code_change"] = round(out["full"]["seconds"] / out["after_code_change"]["seconds"], 1)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        f, c, n = out["full"], out["after_code_change"], out["nothing_changed"]
        print(f"backend {out['backend']}; {f['documents']} documents")
        print(f"full build          {f['seconds']:8.2f} s  ({f['embedded']} chunks embedded)")
        print(
            f"after code change   {c['seconds']:8.2f} s  ({c['reprocessed']} files re-read, {c['embedded']} embedded, "
            f"{c['reused']} vectors kept)  {out['ratio_full_over_code_change']}x faster"
        )
        print(f"nothing changed     {n['seconds']:8.3f} s  (rewritten: {n['written']})")


if __name__ == "__main__":
    main()
