"""A full index build of the evaluation documents with the configured embedder, files read one after the
other in this process (``--workers 1``) against read in worker processes while the documents read are
embedded (``indexer.overlap``), in one run.

    INQUIRE_EMBEDDER=onnx python scripts/bench_overlap.py [--workers 1 2] [--paths ...] [--sentences own|pooled] [--json]

Per worker count: wall seconds of ``build_index(..., rebuild=True)`` into a fresh folder, CPU seconds
(this process and its reading processes), the load average before and after; with one worker also the seconds spent reading and embedding (from the
progress calls: the two alternate, file by file), whose sum is what the overlap can at best bring
down to their maximum. Then whether every build wrote the same index (rows, vector files).

Measured (2 CPUs shared with another engineer's benchmark, load average 2.3-3.8; ONNX, sentences "own"):
the nine evaluation documents, 857 passages: reading 11 s and embedding 133-162 s of a 147-176 s build
with one worker, so the overlap can save at most about 11 s (7%); builds with 2 workers took 210-221 s,
with the same CPU seconds (237 against 239): the wall times follow the other load, not the worker count.
Three of the PDFs, interleaved 1, 2, 1, 2 workers: 86, 77, 55, 40 s (reading 2 s of it). Every build
wrote the same index (rows and vector files byte for byte).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path


def _contents(index_dir: Path) -> tuple[list[str], bytes, bytes]:
    from inquire import versions
    from inquire.store import DATABASE, SENTENCE_VECTORS, VECTORS

    files = versions.resolve(index_dir).dir
    conn = sqlite3.connect(files / DATABASE)
    rows = list(conn.iterdump())
    conn.close()
    return rows, (files / VECTORS).read_bytes(), (files / SENTENCE_VECTORS).read_bytes()


def _cpu() -> float:
    return sum(
        r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


class _Stages:
    """Seconds between progress calls, by the stage of the call that ends them."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if done:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self.last
        self.last = now


def main() -> None:
    from inquire.evaluation.harness import default_corpora
    from inquire.indexer.pipeline import build_index

    from inquire.embedding import get_embedder

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts, built in this order (repeats allowed)")
    ap.add_argument("--paths", type=Path, nargs="+", help="files or folders (default: the evaluation documents)")
    ap.add_argument("--sentences", default="own")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    embedder = get_embedder()
    embedder.encode(["warm up"])
    out: dict = {"embedder": embedder.backend, "cpus": os.cpu_count(), "sentences": a.sentences, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        built = []
        for workers in a.workers:
            stages = _Stages()
            load = os.getloadavg()[0]
            cpu = _cpu()
            t = time.perf_counter()
            report = build_index(
                a.paths or default_corpora(),
                Path(tmp) / f"w{workers}",
                embedder,
                rebuild=True,
                workers=workers,
                sentences=a.sentences,
                progress=stages,
            )
            run = {
                "workers": workers,
                "wall_s": round(time.perf_counter() - t, 1),
                "cpu_s": round(_cpu() - cpu, 1),  # this process and its reading processes
                "load_before": round(load, 2),
                "load_after": round(os.getloadavg()[0], 2),
                "documents": report.documents,
                "chunks": report.chunks,
                "embedded": report.embedded,
                "failed": len(report.failed),
            }
            if workers == 1:
                run["reading_s"] = round(stages.seconds.get("reading", 0.0), 1)
                run["embedding_s"] = round(stages.seconds.get("embedding", 0.0), 1)
            out["runs"].append(run)
            built.append(_contents(Path(tmp) / f"w{workers}"))
            if not a.json:
                print(json.dumps(run), flush=True)
        out["identical"] = all(b == built[0] for b in built)
    print(json.dumps(out, indent=2) if a.json else f"identical indexes: {out['identical']}")


if __name__ == "__main__":
    main()
