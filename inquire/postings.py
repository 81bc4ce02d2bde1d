"""A BM25 impact index for large indexes: the FTS5 table's postings as arrays, ranked in numpy.

FTS5's ``bm25()`` over an OR of the query's words visits every row that holds any of them, through
SQL, one row at a time: at 100k passages a typical query matches ~40% of them (43 ms). This file
holds, for each term, the passages that contain it and the term-frequency part of BM25 for each
(FTS5's formula: k1 1.2, b 0.75, the passage length in tokens over the average), so a query is a
few array slices summed by ``numpy.bincount``; the idf is FTS5's, from how many passages hold the
term (``log((N - n + 0.5) / (n + 0.5))``, 1e-6 when not positive). Scores are FTS5's ``-bm25()``
(to float rounding) and the order of equal scores is by passage id.

It is built at commit from the FTS5 table itself (``fts5vocab``), so its terms are the table's terms
(Porter stems of unicode61 words), and written only for indexes of ``AnnParams.lexical_min_passages``
or more; smaller ones keep ranking through FTS5. File layout (one file, read with ``numpy.memmap``):
8 bytes of header length, a JSON header (terms in order, counts, array offsets), then the arrays
``offsets`` (int64, terms + 1), ``docs`` (int32 passage ids, by term then id) and ``impacts``
(float32), each 64-byte aligned.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

K1, B = 1.2, 0.75  # FTS5's bm25() defaults
_ALIGN = 64


def build_postings(batches: Iterable[tuple[list[str], np.ndarray]], rows: int, path: Path) -> int:
    """Write the postings file from ``(terms, passage ids)`` batches of FTS5 token instances in the
    order ``fts5vocab`` gives them (by term, then passage), for a table of ``rows`` rows; returns how
    many postings were written."""
    terms: list[str] = []
    term_runs: list[np.ndarray] = []  # per batch: term index of each instance
    docs: list[np.ndarray] = []
    for batch_terms, batch_docs in batches:
        ids = np.empty(len(batch_terms), dtype=np.int32)
        last = terms[-1] if terms else None
        for i, term in enumerate(batch_terms):
            if term != last:
                terms.append(term)
                last = term
            ids[i] = len(terms) - 1
        term_runs.append(ids)
        docs.append(np.asarray(batch_docs, dtype=np.int32))
    term_of = np.concatenate(term_runs) if term_runs else np.zeros(0, dtype=np.int32)
    doc_of = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    del term_runs, docs
    # one posting per (term, passage) run of instances; tf = the run's length
    change = np.ones(len(doc_of), dtype=bool)
    if len(doc_of) > 1:
        change[1:] = (term_of[1:] != term_of[:-1]) | (doc_of[1:] != doc_of[:-1])
    starts = np.flatnonzero(change)
    tf = np.diff(np.append(starts, len(doc_of))).astype(np.float64)
    post_term, post_doc = term_of[starts], doc_of[starts]
    lengths = np.bincount(doc_of, minlength=int(doc_of.max()) + 1 if len(doc_of) else 1).astype(np.float64)
    del term_of, doc_of
    return _write(path, terms, post_term, post_doc, tf, lengths, rows)


def _write(
    path: Path, terms: list[str], post_term: np.ndarray, post_doc: np.ndarray, tf: np.ndarray, lengths: np.ndarray, rows: int
) -> int:
    avgdl = float(lengths.sum()) / max(1, rows)  # FTS5: every token of the column over every row
    dl = lengths[post_doc]
    impacts = (tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / max(avgdl, 1e-9)))).astype(np.float32)
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_term, minlength=len(terms)), out=offsets[1:])
    arrays = {"offsets": offsets, "docs": post_doc.astype(np.int32), "impacts": impacts}
    header: dict[str, Any] = {"terms": terms, "rows": rows, "postings": int(len(post_doc)), "size": int(len(lengths))}
    layout: dict[str, tuple[int, str, int]] = {}
    at = 0
    for name, array in arrays.items():
        layout[name] = (at, str(array.dtype), int(array.size))
        at += -(-array.nbytes // _ALIGN) * _ALIGN
    header["layout"] = layout
    head = json.dumps(header).encode("utf-8")
    base = -(-(8 + len(head)) // _ALIGN) * _ALIGN
    with open(path, "wb") as fh:
        fh.write(len(head).to_bytes(8, "little"))
        fh.write(head)
        for name, array in arrays.items():
            fh.seek(base + layout[name][0])
            fh.write(np.ascontiguousarray(array).tobytes())
        fh.truncate(base + at)
        fh.flush()
        os.fsync(fh.fileno())
    return int(len(post_doc))


class Postings:
    """An open postings file (memory-mapped: pages are read as queries touch them)."""

    def __init__(self, file: BinaryIO) -> None:
        """``file``: the postings file, open for reading (the arrays map it)."""
        file.seek(0)
        size = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(size).decode("utf-8"))
        base = -(-(8 + size) // _ALIGN) * _ALIGN
        self.rows = int(header["rows"])  # FTS5's row count (every passage), for the idf
        self.size = int(header["size"])  # the largest passage id + 1
        self._term_ids = {t: i for i, t in enumerate(header["terms"])}
        arrays = {}
        for name, (at, dtype, count) in header["layout"].items():
            arrays[name] = (
                np.memmap(file, dtype=np.dtype(dtype), mode="r", offset=base + at, shape=(count,))
                if count
                else np.zeros(0, dtype)
            )
        self.offsets, self.docs, self.impacts = arrays["offsets"], arrays["docs"], arrays["impacts"]
        self.postings = int(header["postings"])

    def search(self, terms: Sequence[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(passage id, score) of the ``k`` best passages holding any of ``terms`` (stems as FTS5 makes
        them, one per word of the query: two words of one stem count twice, as in FTS5's OR query),
        best first; with ``allowed`` (passage ids), among those only. ``k`` -1: all."""
        slices, weights = [], []
        for term in terms:
            i = self._term_ids.get(term)
            if i is None:
                continue
            lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
            hits = hi - lo
            idf = math.log((self.rows - hits + 0.5) / (hits + 0.5))
            slices.append((lo, hi))
            weights.append(idf if idf > 0 else 1e-6)
        if not slices:
            return []
        docs = np.concatenate([self.docs[lo:hi] for lo, hi in slices])
        contrib = np.concatenate([self.impacts[lo:hi].astype(np.float64) * w for (lo, hi), w in zip(slices, weights)])
        dense = np.bincount(docs, weights=contrib, minlength=self.size)  # every score is > 0
        if allowed is None:
            found = np.flatnonzero(dense)
        else:
            inside = np.asarray(allowed, dtype=np.int64)
            inside = inside[inside < len(dense)]
            found = inside[dense[inside] > 0]
        if not len(found):
            return []
        scores = dense[found]
        n = len(found) if k < 0 else min(k, len(found))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(found) else np.arange(len(found))
        order = top[np.lexsort((found[top], -scores[top]))]
        return [(int(found[i]), float(scores[i])) for i in order]
