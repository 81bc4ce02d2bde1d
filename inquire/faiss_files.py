"""Reading and writing an index's FAISS files with one-line errors instead of FAISS's RuntimeError.

FAISS reports every problem as ``RuntimeError("Error in ... at index_read.cpp:276: ...")``: a file
cut short, a file of another kind, a missing file, a full disk. These functions name the file and
the fix. :func:`read_vectors` also checks what it read against what the database says (how many
vectors, their dimension, the index type), so a ``vectors.faiss`` swapped with ``sentences.faiss`` or
taken from another index is refused instead of answering with other passages' scores.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO

from inquire.errors import IndexIncompatible, IndexWriteError
from inquire.versions import is_disk_full

REBUILD = "run `inquire index --rebuild`"


def _location(path: Path, index_dir: Path | None) -> Path:
    return Path(index_dir) if index_dir is not None else path.parent


def read_vectors(
    path: Path,
    *,
    index_dir: Path | None = None,
    expected: int | None = None,
    dim: int | None = None,
    what: str = "vectors",
    file: BinaryIO | None = None,
) -> Any:
    """``faiss.read_index(path)`` as an ``IndexIDMap2``; ``expected``: how many vectors the database
    has ids for (``what`` names them in the message); ``dim``: the manifest's dimension. With
    ``file`` (``path`` opened for reading earlier), the vectors are read from it: the file an index
    version held when it was opened, even if a writer has replaced that version since."""
    import faiss

    path = Path(path)
    where = f"index at {_location(path, index_dir)}"
    if file is None:
        try:
            with open(path, "rb"):
                pass  # OSError with errno and strerror, which FAISS's message lacks
        except FileNotFoundError as exc:
            raise IndexIncompatible(f"{where} is missing {path.name}; {REBUILD}") from exc
        except IsADirectoryError as exc:
            raise IndexIncompatible(f"{where}: {path.name} is a folder, not a FAISS file; {REBUILD}") from exc
        except OSError as exc:
            raise IndexIncompatible(f"{where}: cannot read {path.name} ({exc.strerror}); check its permissions") from exc
    try:
        if file is None:
            index = faiss.read_index(str(path))
        else:
            file.seek(0)
            index = faiss.read_index(faiss.PyCallbackIOReader(file.read))  # type: ignore[attr-defined]
    except (RuntimeError, MemoryError) as exc:  # truncated, not FAISS, or a size field that is garbage
        raise IndexIncompatible(f"{where}: {path.name} is damaged (cut short or not a FAISS file); {REBUILD}") from exc
    if not isinstance(index, faiss.IndexIDMap2):
        raise IndexIncompatible(
            f"{where}: {path.name} is a FAISS {type(index).__name__}, not the id-mapped index inquire writes; {REBUILD}"
        )
    if dim is not None and index.d != dim:
        raise IndexIncompatible(f"{where}: {path.name} holds {index.d}-d vectors, the manifest says {dim}-d; {REBUILD}")
    if expected is not None and index.ntotal != expected:
        raise IndexIncompatible(
            f"{where}: {path.name} holds {index.ntotal} vectors but the database has {expected} {what} "
            f"(the file was replaced or damaged); {REBUILD}"
        )
    return index


def write_error(path: Path, exc: BaseException, index_dir: Path | None = None) -> IndexWriteError:
    """The one-line error for a failed write of ``path`` (FAISS, SQLite or plain file)."""
    path = Path(path)
    location = _location(path, index_dir)
    if is_disk_full(exc):
        try:
            free = shutil.disk_usage(path.parent if path.parent.exists() else location).free
            room = f", {free / 1e6:.0f} MB free"
        except OSError:
            room = ""
        return IndexWriteError(
            f"no space left on the disk of {location} while writing {path.name}{room}; free some space "
            f"and run the same command again (the previous index is unchanged)"
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).rsplit(": ", 1)[-1]
    return IndexWriteError(
        f"cannot write {path.name} in {location} ({reason}); check the folder's permissions and free space, then run the same command again"
    )


def write_vectors(index: Any, path: Path, *, index_dir: Path | None = None) -> None:
    """Write a FAISS index to ``path`` (flushed and fsync'ed), with a one-line :class:`IndexWriteError`
    for a full disk or a folder that cannot be written.

    FAISS writes through Python's file object here, not through its own ``fopen``: FAISS ignores
    the error of its final ``fclose``, so a disk that fills during the last buffer would leave a
    short file without a word; Python raises it (with its errno), and it is as fast."""
    import faiss

    path = Path(path)
    try:
        with open(path, "wb") as fh:
            faiss.write_index(index, faiss.PyCallbackIOWriter(fh.write))  # type: ignore[attr-defined]  # from faiss's compiled SWIG module, which mypy cannot read
            fh.flush()
            os.fsync(fh.fileno())
    except (OSError, RuntimeError) as exc:
        raise write_error(path, exc, index_dir) from exc


def flat_vectors(index: Any) -> tuple[Any, Any]:
    """(ids, vectors) of an ``IndexIDMap2`` over a flat index, as numpy views of its own arrays
    (valid while ``index`` lives and is not changed)."""
    import faiss
    import numpy as np

    n, d = index.ntotal, index.d
    flat: Any = faiss.downcast_index(index.index)
    ids = faiss.rev_swig_ptr(index.id_map.data(), n).view(np.int64)
    vectors = faiss.rev_swig_ptr(flat.codes.data(), n * d * 4).view(np.float32).reshape(n, d)
    return ids, vectors


def build_ann(index: Any, params: Any) -> Any | None:
    """An inverted-file index (``faiss.IndexIVFFlat``, inner product, the same ids) over an id-mapped
    flat index, or None when it holds fewer than ``params.min_vectors`` (``inquire.params.AnnParams``)."""
    ids, vectors = flat_vectors(index)  # views of the flat index's arrays: no copy
    return build_ann_from(ids, vectors, params)


ADD_SLICE = 262_144  # vectors added to an IVF index per call: a slice of a memory-mapped file at a time


def build_ann_from(ids: Any, vectors: Any, params: Any) -> Any | None:
    """:func:`build_ann` from arrays of ids and vectors (views, or memory-mapped files: the training
    sample and each slice added are the only copies made), or None below ``params.min_vectors``."""
    import math

    import faiss
    import numpy as np

    n, d = vectors.shape
    if n < params.min_vectors:
        return None
    lists = max(1, int(params.lists_per_sqrt * math.sqrt(n)))
    quantizer = faiss.IndexFlatIP(d)
    ann = faiss.IndexIVFFlat(quantizer, d, lists, faiss.METRIC_INNER_PRODUCT)
    ann.cp.niter = params.train_iterations
    sample = min(n, params.train_per_list * lists)
    rows = np.random.default_rng(0).choice(n, size=sample, replace=False) if sample < n else np.arange(n)
    ann.train(np.ascontiguousarray(vectors[np.sort(rows)], dtype=np.float32))
    for start in range(0, n, ADD_SLICE):
        part = slice(start, start + ADD_SLICE)
        ann.add_with_ids(np.ascontiguousarray(vectors[part], dtype=np.float32), np.ascontiguousarray(ids[part], dtype=np.int64))
    ann.nprobe = params.nprobe
    ann.own_fields = True
    quantizer.this.disown()  # type: ignore[attr-defined]  # the IVF index owns its quantizer now
    return ann


def _flat_header(fourcc: bytes, d: int, n: int) -> bytes:
    """FAISS's index header (``write_index_header``): dimension, count, two unused fields, trained,
    metric (inner product)."""
    import struct

    return fourcc + struct.pack("<iqqq?i", d, n, 1 << 20, 1 << 20, True, 0)


def write_flat(ids: Any, vectors: Any, path: Path, *, index_dir: Path | None = None) -> None:
    """Write ``vectors`` (n x d float32, e.g. a memory-mapped file) with ``ids`` as the file
    ``faiss.write_index`` makes of an ``IndexIDMap2(IndexFlatIP)`` holding them, a slice at a time,
    without the index in memory (byte-identical: tests/test_faiss_files.py). Flushed and fsync'ed,
    with :func:`write_vectors`' one-line errors."""
    import struct

    import numpy as np

    n, d = vectors.shape
    path = Path(path)
    try:
        with open(path, "wb") as fh:
            fh.write(_flat_header(b"IxM2", d, n))
            fh.write(_flat_header(b"IxFI", d, n))
            fh.write(struct.pack("<Q", n * d))  # the codes' size in floats, then the codes
            for start in range(0, n, ADD_SLICE):
                fh.write(np.ascontiguousarray(vectors[start : start + ADD_SLICE], dtype="<f4").tobytes())
            fh.write(struct.pack("<Q", n))  # the id map
            for start in range(0, n, ADD_SLICE):
                fh.write(np.ascontiguousarray(ids[start : start + ADD_SLICE], dtype="<i8").tobytes())
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise write_error(path, exc, index_dir) from exc


class VectorSpill:
    """Vectors appended to two files (float32 rows, int64 ids) as they come, instead of held in
    memory: what a writer does with a vector file too large to hold until commit. ``arrays()`` maps
    them back, read-only."""

    def __init__(self, folder: Path, name: str, dim: int, *, index_dir: Path | None = None) -> None:
        self.dim, self.n, self.index_dir = dim, 0, index_dir
        self.paths = (Path(folder) / f"{name}.spill-vectors", Path(folder) / f"{name}.spill-ids")
        try:
            self._files = [open(p, "wb") for p in self.paths]  # noqa: SIM115 - closed by arrays() or remove()
        except OSError as exc:
            raise write_error(self.paths[0], exc, index_dir) from exc

    def add(self, ids: Any, vectors: Any) -> None:
        import numpy as np

        if np.shape(vectors) != (len(ids), self.dim):
            raise ValueError(f"{len(ids)} ids for vectors of shape {np.shape(vectors)}; expected ({len(ids)}, {self.dim})")
        try:
            self._files[0].write(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
            self._files[1].write(np.ascontiguousarray(ids, dtype="<i8").tobytes())
        except OSError as exc:
            raise write_error(self.paths[0], exc, self.index_dir) from exc
        self.n += len(ids)

    def arrays(self) -> tuple[Any, Any]:
        """(ids, vectors) as read-only memory maps of what was added."""
        import numpy as np

        try:
            for fh in self._files:
                fh.flush()
        except OSError as exc:
            raise write_error(self.paths[0], exc, self.index_dir) from exc
        if self.n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.memmap(self.paths[0], dtype="<f4", mode="r", shape=(self.n, self.dim))
        ids = np.memmap(self.paths[1], dtype="<i8", mode="r", shape=(self.n,))
        return ids, vectors

    def remove(self) -> None:
        """Close and delete the files; what they hold is thrown away, so a write that fails while
        closing (a full disk) is not an error here."""
        for fh in self._files:
            try:
                fh.close()
            except OSError:
                pass
        for p in self.paths:
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass


def read_ann(path: Path, *, index_dir: Path | None, expected: int, dim: int | None, file: BinaryIO | None = None) -> Any:
    """An approximate index file written by :func:`build_ann`, checked like :func:`read_vectors`."""
    import faiss

    path = Path(path)
    where = f"index at {_location(path, index_dir)}"
    # Memory-mapped (FAISS reads the inverted lists in place: pages come in as queries probe them,
    # and the kernel may drop them again), through the open file's descriptor where the system
    # names one, so a version replaced meanwhile is still the one read.
    mapped = Path(f"/proc/self/fd/{file.fileno()}") if file is not None else path
    try:
        if mapped.exists():
            index = faiss.read_index(str(mapped), faiss.IO_FLAG_MMAP_IFC)
        elif file is not None:
            file.seek(0)
            index = faiss.read_index(faiss.PyCallbackIOReader(file.read))  # type: ignore[attr-defined]
        else:
            raise FileNotFoundError(path)
    except (RuntimeError, MemoryError, OSError) as exc:
        raise IndexIncompatible(f"{where}: {path.name} is damaged or unreadable; {REBUILD}") from exc
    if not isinstance(index, faiss.IndexIVF) or (dim is not None and index.d != dim) or index.ntotal != expected:
        raise IndexIncompatible(
            f"{where}: {path.name} does not match the index ({index.ntotal} vectors of {index.d} dimensions); {REBUILD}"
        )
    return index
