"""Recall of an index's approximate (IVF) vector files against exact search of its flat files.

    python scripts/ann_recall.py INDEX [--queries 200]

For a large index (``AnnParams``: ``vectors.ivf.faiss`` and ``sentences.ivf.faiss`` beside the flat
files), the dev questions are embedded with the embedder the bench builds with
(``bench_scale.BenchEmbedder``: in distribution for a ``bench_scale.py`` index) and searched in the
exact files (2 threads) and the IVF files (memory-mapped, 1 thread) at several ``nprobe``: recall@100
for passages (the candidates a search ranks), recall@300 for sentences (``sentence_candidates``), and
recall@10 of each. Loading the exact sentence file takes its whole size in memory (7.5 GB at 1M
passages). The README's "Scale: measured" gives the figures at 100k and 1M.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    import faiss
    from bench_scale import BenchEmbedder, _questions, recall

    from inquire import versions

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("--queries", type=int, default=200)
    a = ap.parse_args()
    folder = versions.resolve(a.index).dir
    queries = BenchEmbedder().encode(_questions(a.queries)).astype(np.float32)
    out: dict = {}
    for name, k, probes in (("vectors", 100, (32, 64, 128)), ("sentences", 300, (64, 128, 256, 512))):
        exact = faiss.read_index(str(folder / f"{name}.faiss"))
        faiss.omp_set_num_threads(2)
        t = time.perf_counter()
        _, truth = exact.search(queries, k)
        out[f"{name} exact ms"] = round(1000 * (time.perf_counter() - t) / len(queries), 1)
        del exact
        ivf = faiss.read_index(str(folder / f"{name}.ivf.faiss"), faiss.IO_FLAG_MMAP_IFC)
        faiss.omp_set_num_threads(1)
        for nprobe in probes:
            ivf.nprobe = nprobe
            t = time.perf_counter()
            _, found = ivf.search(queries, k)
            ms = 1000 * (time.perf_counter() - t) / len(queries)
            out[f"{name} nprobe {nprobe} of {ivf.nlist}"] = {
                f"recall@{k}": recall(found, truth, k),
                "recall@10": recall(found, truth, 10),
                "ms": round(ms, 2),
            }
            print(name, nprobe, out[f"{name} nprobe {nprobe} of {ivf.nlist}"], file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
