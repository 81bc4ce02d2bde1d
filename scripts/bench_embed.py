#!/usr/bin/env python
"""Benchmark the ONNX embedder against sentence-transformers (torch).

Measures
  (a) cold start: a fresh interpreter that imports the backend, loads the model and embeds one
      query (median of --runs subprocesses per backend; the ONNX export must exist, it is built first);
  (b) throughput in passages/s on ~200 passages of ~150 words (bundled corpus, else synthetic) for
      torch, ONNX fp32 and, for information only, ONNX int8 (dynamic quantisation, not offered by
      inquire because it misses the 0.999 cosine bar);
  (c) parity: per-passage cosine of each ONNX variant against sentence-transformers (min / mean);
  (d) export time: a fresh interpreter running export_onnx() into a temp dir (skip: --no-export-timing).

    python scripts/bench_embed.py [--runs 5] [--passages 200] [--cache-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

QUERY = "what did the police watchdog find about the handling of complaints"

_CHILD = {
    "onnx": (
        "import time, json; t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from inquire.embedding.onnx_backend import OnnxEmbedder\n"
        "t1 = time.perf_counter(); e = OnnxEmbedder(Path({cache!r})); t2 = time.perf_counter()\n"
        "e.encode([{query!r}]); t3 = time.perf_counter()\n"
        "import sys; assert 'torch' not in sys.modules\n"
        "print(json.dumps({{'import': t1 - t0, 'load': t2 - t1, 'encode': t3 - t2}}))\n"
    ),
    "torch": (
        "import time, json; t0 = time.perf_counter()\n"
        "from inquire.embedding.torch_backend import SentenceTransformerEmbedder\n"
        "import sentence_transformers\n"
        "t1 = time.perf_counter(); e = SentenceTransformerEmbedder(); t2 = time.perf_counter()\n"
        "e.encode([{query!r}]); t3 = time.perf_counter()\n"
        "print(json.dumps({{'import': t1 - t0, 'load': t2 - t1, 'encode': t3 - t2}}))\n"
    ),
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def cold_start(backend: str, cache: Path, runs: int) -> dict[str, float]:
    code = _CHILD[backend].format(cache=str(cache), query=QUERY)
    walls, phases = [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_env(), capture_output=True, text=True)
        walls.append(time.perf_counter() - t)
        if out.returncode != 0:
            raise SystemExit(f"{backend} cold-start child failed:\n{out.stderr}")
        phases.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(p[k] for p in phases) for k in ("import", "load", "encode")}
    return {
        "wall_median": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        **{f"{k}_median": v for k, v in med.items()},
    }


def export_timing() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="inquire-bench-export-") as tmp:
        code = f"from pathlib import Path; from inquire.embedding.onnx_backend import export_onnx; export_onnx(Path({tmp!r}))"
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_env(), capture_output=True, text=True)
        wall = time.perf_counter() - t
        if out.returncode != 0:
            raise SystemExit(f"export failed:\n{out.stderr}")
        meta = json.loads((Path(tmp) / "export.json").read_text())
    return {"wall": wall, "in_function": meta["export_seconds"]}


def passages(n: int, words_per: int = 150) -> tuple[list[str], str]:
    from inquire.paths import bundled_corpus_dir

    words: list[str] = []
    corpus = bundled_corpus_dir()
    for path in sorted(corpus.glob("**/*.txt")) + sorted(corpus.glob("**/*.md")):
        words += path.read_text(encoding="utf-8", errors="replace").split()
    source = f"{corpus} ({len(words)} words)"
    if len(words) < words_per * 2:
        rng = np.random.default_rng(0)
        vocab = (
            "report police complaint investigation council recommendation officer victim review "
            "found failed improve budget audit trust evidence action plan progress the of and to in"
        ).split()
        words = [vocab[i] for i in rng.integers(0, len(vocab), size=words_per * n)]
        source = "synthetic"
    stride = max(1, (len(words) - words_per) // max(1, n - 1))
    out = [" ".join(words[i * stride : i * stride + words_per]) for i in range(n)]
    return [p for p in out if p], source


def throughput(embedder, texts: list[str], batch_size: int = 32) -> tuple[float, np.ndarray]:
    embedder.encode(texts[:batch_size], batch_size=batch_size)  # warm-up
    t = time.perf_counter()
    vectors = embedder.encode(texts, batch_size=batch_size)
    return len(texts) / (time.perf_counter() - t), vectors


def int8_variant(embedder, cache: Path, tmp: Path, per_channel: bool):
    """A copy of ``embedder`` running a dynamically quantised model (bench only)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from inquire.embedding.onnx_backend import ONNX_FILENAME

    dest = tmp / f"int8-{'perchannel' if per_channel else 'pertensor'}.onnx"
    quantize_dynamic(str(cache / ONNX_FILENAME), str(dest), weight_type=QuantType.QInt8, per_channel=per_channel)
    clone = copy.copy(embedder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = embedder._session.get_session_options().intra_op_num_threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    clone._session = ort.InferenceSession(str(dest), options, providers=["CPUExecutionProvider"])
    clone._input_names = {i.name for i in clone._session.get_inputs()}
    return clone, dest.stat().st_size


def cos_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    c = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"min": float(c.min()), "mean": float(c.mean())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="cold-start runs per backend (median reported)")
    ap.add_argument("--passages", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--cache-dir", type=Path, default=None, help="ONNX export dir (default: $INQUIRE_HOME/models)")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 measurement")
    ap.add_argument("--no-export-timing", action="store_true")
    ap.add_argument("--json", action="store_true", help="print results as JSON")
    args = ap.parse_args(argv)

    from inquire.embedding.onnx_backend import ensure_export
    from inquire.paths import model_cache_dir

    def note(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    cache = ensure_export(args.cache_dir or model_cache_dir())
    results: dict = {"cpus": os.cpu_count(), "cache_dir": str(cache)}

    if not args.no_export_timing:
        note("timing a fresh export ...")
        results["export"] = export_timing()

    note(f"cold start, {args.runs} runs per backend ...")
    results["cold"] = {b: cold_start(b, cache, args.runs) for b in ("onnx", "torch")}

    texts, source = passages(args.passages)
    results["passages"] = {"count": len(texts), "words_each": 150, "source": source}
    note(f"throughput on {len(texts)} passages ...")
    from inquire.embedding.onnx_backend import OnnxEmbedder
    from inquire.embedding.torch_backend import SentenceTransformerEmbedder

    onnx = OnnxEmbedder(cache)
    torch_emb = SentenceTransformerEmbedder()
    tput: dict[str, float] = {}
    parity: dict[str, dict[str, float]] = {}
    tput["torch"], ref = throughput(torch_emb, texts, args.batch_size)
    tput["onnx fp32"], vec = throughput(onnx, texts, args.batch_size)
    parity["onnx fp32"] = cos_stats(vec, ref)
    sizes = {"onnx fp32": (cache / "all-MiniLM-L6-v2.onnx").stat().st_size}
    if not args.no_int8:
        with tempfile.TemporaryDirectory(prefix="inquire-bench-int8-") as tmp:
            for per_channel in (False, True):
                label = f"onnx int8 {'per-channel' if per_channel else 'per-tensor'}"
                variant, sizes[label] = int8_variant(onnx, cache, Path(tmp), per_channel)
                tput[label], vec = throughput(variant, texts, args.batch_size)
                parity[label] = cos_stats(vec, ref)
    results["throughput_passages_per_s"] = tput
    results["parity_vs_torch"] = parity
    results["model_bytes"] = sizes

    if args.json:
        print(json.dumps(results, indent=2))
        return 0

    c = results["cold"]
    print(f"\nCold start: fresh interpreter, import + load + embed 1 query (median of {args.runs}; {results['cpus']} CPUs)")
    print(f"  {'backend':<10}{'wall':>9}{'import':>9}{'load':>9}{'encode':>9}")
    for b in ("onnx", "torch"):
        r = c[b]
        print(
            f"  {b:<10}{r['wall_median']:>8.2f}s{r['import_median']:>8.2f}s{r['load_median']:>8.2f}s{r['encode_median']:>8.3f}s"
        )
    print(f"  torch / onnx wall: {c['torch']['wall_median'] / c['onnx']['wall_median']:.1f}x")

    print(f"\nThroughput and parity: {len(texts)} passages x 150 words from {source}, batch {args.batch_size}")
    print(f"  {'variant':<24}{'passages/s':>11}{'vs torch':>10}{'cos min':>11}{'cos mean':>11}{'MB':>7}")
    for label, rate in tput.items():
        p = parity.get(label)
        cmin, cmean = (f"{p['min']:.7f}", f"{p['mean']:.7f}") if p else ("(ref)", "(ref)")
        mb = f"{sizes[label] / 1e6:.0f}" if label in sizes else "-"
        print(f"  {label:<24}{rate:>11.1f}{rate / tput['torch']:>9.2f}x{cmin:>11}{cmean:>11}{mb:>7}")
    if "export" in results:
        e = results["export"]
        print(
            f"\nExport (fresh interpreter, torch import included): {e['wall']:.1f}s wall, {e['in_function']:.1f}s in export_onnx()"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
