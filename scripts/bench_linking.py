"""What linking costs as the corpus grows, in full and when one document is added.

    python scripts/bench_linking.py [--sizes 1000 10000 30000] [--old COMMIT] [--out DIR]

Indexes are scripts/bench_scale.py's synthetic ones (copies of the development documents with a third
of their words swapped, hashed 384-d vectors), built with linking. Per size it times, in CPU seconds
of this process (``time.process_time``: BLAS threads included), ``find_links`` over the whole index
with this checkout's code and, with ``--old``, with ``indexer/linking.py`` as it was at that commit
(loaded from git), checking the two plans are the same (sources, links, confidences within 2e-4:
the similarities are float32 products, summed in another order). Then "add one document": the index
without its last document is built and linked as the previous version, and the full index is linked
again incrementally (``previous``/``copied``, as ``inquire index`` does) and in full; both plans must
be the same.

With ``--old``, "add one document" is timed with the old code too (its fingerprint patched so that it
may reuse the same previous links), if it takes ``previous``.

Measured on the development machine (2 cores shared with other jobs, load 2-3, so +-20%), old = 14f9551
(content links incremental, sources and the rest over the whole index), ``--sizes 1000 10000 30000``:

    passages  documents  full old  full new  add one doc: old  new
        857          9     0.5 s     0.4 s              0.5 s  0.2 s
     10 284        108     5.3 s     6.0 s              2.8 s  1.4 s
     29 995        315    32.5 s    29.2 s             40.1 s  9.0 s

All plans the same (old and new, incremental and full). At 30k the added document becomes the source of
two copied ones: the old code relinked everything, the new one compares again only those two
documents' passages and what their recommendations' vectors reach. What remains of adding one
document is mostly linear in the index: reading its rows and vectors, the prefix-filter index over
all recommendations' words, explicit and reference links recomputed, and every link's row built for
writing (the links table is written anew). (Before: a807900 took 57 s in full at 10k passages of
another development corpus, 328 documents; d9f1c42 11.9 s, adding one document 10.8 s.)

(``inquire index`` adding one file to a 10k-passage index spent 19 CPU-s before, 87% of it linking.)
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_scale  # noqa: E402


def build(sources, size: int, index_dir: Path, drop_last: bool = False) -> list[str]:
    """bench_scale's index of about ``size`` passages, linked (its manifest records the linking
    fingerprint, so a later run can reuse its links); returns its document ids."""
    from inquire.indexer import linking
    from inquire.indexer.chunk import ChunkParams, embedding_text
    from inquire.indexer.pipeline import _add_processed, _embed
    from inquire.indexer.reading import processing_fingerprint

    from inquire.store import IndexWriter, Manifest

    vocab = bench_scale._vocabulary(sources)
    rounds = max(1, round(size / sum(len(d.chunks) for d in sources)))
    docs = [bench_scale._copy(src, n, vocab, random.Random(n)) for n in range(rounds) for src in sources]
    docs = docs[:-1] if drop_last else docs
    writer = IndexWriter(index_dir, 384)
    next_id, pending = 1, []
    for doc in docs:
        titles = {r.number: r.title for r in doc.structure.recommendations}
        texts = [embedding_text(ch, doc.title, titles.get(ch.recommendation or "")) for ch in doc.chunks]
        ids = _add_processed(writer, doc, texts, next_id)
        next_id += len(ids)
        pending.extend(zip(ids, texts))
    _embed(writer, pending, bench_scale.BenchEmbedder(), lambda *a: None, "embedding", 64)
    linking.link_index(writer)
    files = {d.path: d.sha256 for d in docs}
    manifest = Manifest(
        model="bench", dim=384, chunking=ChunkParams().to_dict(), processing=processing_fingerprint(), files=files
    )
    manifest.linking, manifest.counts = linking.fingerprint(), writer.index.counts()
    writer.commit(manifest)
    return [d.doc_id for d in docs]


def same(a, b) -> bool:
    def key(plan):
        return {(k.rec_id, k.chunk_id, k.response_id, k.method, k.responder, k.section): k.confidence for k in plan.links}

    ka, kb = key(a), key(b)
    return set(a.sources) == set(b.sources) and ka.keys() == kb.keys() and all(abs(ka[k] - kb[k]) <= 2e-4 for k in ka)


def timed(fn, *args, **kwargs):
    t = time.process_time()
    out = fn(*args, **kwargs)
    return out, time.process_time() - t


def old_linking(commit: str):
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:indexer/linking.py"], capture_output=True, text=True, check=True
    )
    path = Path(tempfile.mkdtemp()) / "linking_old.py"
    path.write_text(text.stdout)
    spec = importlib.util.spec_from_file_location("linking_old", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["linking_old"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--old", help="a commit whose indexer/linking.py to time as well")
    ap.add_argument("--out", type=Path, default=None, help="where to build the indexes (default: a temporary folder)")
    args = ap.parse_args()
    from inquire.indexer import linking

    from inquire.store import Index

    old = old_linking(args.old) if args.old else None
    sources = bench_scale._read_sources()
    out = args.out or Path(tempfile.mkdtemp())
    for size in args.sizes:
        full_dir, prev_dir = out / f"full{size}", out / f"prev{size}"
        doc_ids = build(sources, size, full_dir)
        build(sources, size, prev_dir, drop_last=True)
        with Index.open(full_dir) as idx, Index.open(prev_dir) as prev:
            new, t_new = timed(linking.find_links, idx)
            row = {"passages": idx.counts()["chunks"], "documents": len(doc_ids), "full_new_s": round(t_new, 2)}
            if old is not None:
                before, t_old = timed(old.find_links, idx)
                row |= {"full_old_s": round(t_old, 2), "old_same": same(before, new)}
            inc, t_inc = timed(linking.find_links, idx, previous=prev, copied=set(doc_ids[:-1]))
            row |= {"add_one_incremental_s": round(t_inc, 2), "incremental_same": same(inc, new)}
            if old is not None and "previous" in inspect.signature(old.find_links).parameters:
                stored = prev.manifest.linking if prev.manifest else ""
                old.fingerprint = lambda params=None, stored=stored: stored  # same verdicts: the old code may reuse these links
                before, t_old = timed(old.find_links, idx, previous=prev, copied=set(doc_ids[:-1]))
                row |= {"add_one_old_s": round(t_old, 2), "old_incremental_same": same(before, new)}
        print(row, flush=True)


if __name__ == "__main__":
    main()
