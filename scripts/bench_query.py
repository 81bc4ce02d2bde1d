"""Latency of `inquire search` / `inquire ask`: cold (fresh shell process) and warm (in-process),
with the ONNX fast path and with the torch reference, plus the ONNX-vs-torch vector parity.

Cold starts are compared with a floor: a bare process that imports what a query needs (numpy,
FAISS, SQLite, ONNX Runtime, tokenizers), loads the model and embeds the question, and does
nothing else. Byte-code caching is on for every child (``PYTHONDONTWRITEBYTECODE`` is removed), as
in an installed package.

    python scripts/bench_query.py [--runs 5] [--json]

Builds the bundled-corpus index in a temporary INQUIRE_HOME first (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent / "inquire"
QUESTION = "Who is South Yorkshire Police's single point of contact for the ISVA service?"


FLOOR = (
    "import json, sqlite3, numpy, faiss, onnxruntime, tokenizers\n"
    "from inquire.embedding import get_embedder\n"
    f"get_embedder().encode([{QUESTION!r}])"
)


def cold(args: list[str], env: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(BIN), *args], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def floor(env: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="inquire-bench-"))
    env = dict(os.environ, INQUIRE_HOME=str(home), INQUIRE_EMBEDDER="auto")
    env.pop("INQUIRE_INDEX", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([str(BIN), "index"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(INQUIRE_HOME=str(home))

    res: dict = {"runs": a.runs, "cold_s": {}, "warm_ms": {}}
    for backend in ("onnx", "torch"):
        e = dict(env, INQUIRE_EMBEDDER=backend)
        n = a.runs if backend == "onnx" else max(1, min(3, a.runs))
        res["cold_s"][f"search/{backend}"] = cold(["search", QUESTION, "--json"], e, n)
        res["cold_s"][f"ask/{backend}"] = cold(["ask", QUESTION, "--json"], e, n)
    res["cold_s"]["floor/onnx"] = floor(dict(env, INQUIRE_EMBEDDER="onnx"), a.runs)
    res["cold_s"]["help"] = cold(["--help"], env, a.runs)
    res["cold_s"]["recs"] = cold(["recs"], env, a.runs)

    from inquire.query.answer import answer
    from inquire.query.search import Searcher

    from inquire.embedding.onnx_backend import OnnxEmbedder
    from inquire.embedding.torch_backend import SentenceTransformerEmbedder
    from inquire.params import ANSWER
    from inquire.paths import default_index_dir

    onnx = OnnxEmbedder()
    s = Searcher(default_index_dir(), onnx)
    s.search(QUESTION)
    # ask's first stage, as before late interaction (query/rerank.py; its cost is in README "Evaluation")
    first_stage = replace(ANSWER, rerank=False)
    for name, fn in (("search", lambda: s.search(QUESTION, k=10)), ("ask", lambda: answer(s, QUESTION, k=5, params=first_stage))):
        t = []
        for _ in range(20):
            t0 = time.perf_counter()
            fn()
            t.append(1000 * (time.perf_counter() - t0))
        res["warm_ms"][name] = t
    texts = list(s.index.chunk_texts().values()) + [QUESTION, "ISVA", "What is recommendation 7?"]
    ref = SentenceTransformerEmbedder().encode(texts)
    fast = onnx.encode(texts)
    cos = (ref * fast).sum(axis=1)
    res["parity"] = {"texts": len(texts), "min_cosine": float(cos.min()), "mean_cosine": float(cos.mean())}

    summary = {k: round(statistics.median(v), 3) for k, v in res["cold_s"].items()}
    warm = {k: round(statistics.median(v), 1) for k, v in res["warm_ms"].items()}
    if a.json:
        print(json.dumps({"cold_median_s": summary, "warm_median_ms": warm, "parity": res["parity"], "raw": res}, indent=2))
        return
    print(f"cold (fresh process, median of {a.runs}; torch median of {min(3, a.runs)}):")
    for k, v in summary.items():
        print(f"  {k:<14} {v:6.3f} s")
    for cmd in ("search", "ask"):
        print(f"  {cmd}: torch/onnx = {summary[f'{cmd}/torch'] / summary[f'{cmd}/onnx']:.1f}x")
        print(f"  {cmd}: onnx / floor = {summary[f'{cmd}/onnx'] / summary['floor/onnx']:.2f}x")
    print("warm (in-process, median of 20):", ", ".join(f"{k} {v} ms" for k, v in warm.items()))
    p = res["parity"]
    print(
        f"parity onnx vs sentence-transformers on {p['texts']} texts: min cosine {p['min_cosine']:.7f}, mean {p['mean_cosine']:.7f}"
    )


if __name__ == "__main__":
    main()
