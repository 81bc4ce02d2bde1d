"""Reading files in worker processes while the documents already read are embedded.

``read_and_embed`` reads each (path, sha256) with ``read`` in a pool of worker processes (started with
``spawn``: a worker inherits none of this process's threads, onnxruntime's or FAISS's) and hands each
document, as soon as it is read, to ``embed`` here: ``embed(doc)`` runs in this thread and returns the
work to do in the one embedding thread (or None), so the model embeds one document while the workers
read the next ones. With one worker everything runs here, one file after the other (read, embed).

A worker process that ends abnormally (a crash in a PDF library, killed for memory) loses the files it
was reading, and the pool the others: those files are read again one at a time, in a fresh process,
and a file that ends its process again is reported as a ``FileError``; the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from inquire.indexer.files import FileError
from inquire.indexer.reading import ProcessedDoc

from inquire.errors import InquireError

Outcome = ProcessedDoc | FileError
Read = Callable[[Path, str], Outcome]  # a module-level function (or a partial of one): it is sent to the workers
Embed = Callable[[ProcessedDoc], Callable[[], None] | None]
Progress = Callable[[str, int, int], None]  # (stage, done, total)

MAX_WORKERS = 4  # the default's ceiling: each worker holds a document (and its OCR) in memory


def default_workers(items: Sequence[tuple[Path, str]]) -> int:
    """How many processes read ``items`` unless the caller says: ``INQUIRE_READ_WORKERS``; else, with
    two PDFs or more to read (the files that take long: their text layer, OCR), one per CPU this
    process may use, at most MAX_WORKERS; else 1 (starting a process, about a second, costs more than
    reading text or HTML)."""
    env = os.environ.get("INQUIRE_READ_WORKERS")
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n < 1:
            raise InquireError(f"INQUIRE_READ_WORKERS={env!r} is not a number of processes; use 1 or more")
        return n
    if sum(path.suffix.lower() == ".pdf" for path, _ in items) < 2:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def read_and_embed(
    items: Sequence[tuple[Path, str]], read: Read, embed: Embed, workers: int, progress: Progress
) -> dict[Path, Outcome]:
    """Each item's outcome (its document, or why it could not be read), whatever order they finished
    in. Progress: ``reading`` (files read of ``items``) and ``embedding`` (documents embedded of those
    read without error)."""
    run = _Run(items, embed, progress)
    if workers <= 1 or len(items) <= 1:
        progress("reading", 0, len(items))
        for path, sha in items:
            work = run.read(path, sha, read(path, sha))
            if work is not None:
                work()
                run.embedded()
        return run.outcomes
    return run.pooled(read, min(workers, len(items)))


class _Run:
    def __init__(self, items: Sequence[tuple[Path, str]], embed: Embed, progress: Progress) -> None:
        self.items, self.embed, self.progress = list(items), embed, progress
        self.outcomes: dict[Path, Outcome] = {}
        self.failed = self.done = 0

    def read(self, path: Path, sha: str, outcome: Outcome) -> Callable[[], None] | None:
        """Record one file's outcome; the embedding work for its document, if any."""
        self.outcomes[path] = outcome
        self.progress("reading", len(self.outcomes), len(self.items))
        if isinstance(outcome, FileError):
            self.failed += 1
            self.progress("embedding", self.done, len(self.items) - self.failed)
            return None
        return self.embed(outcome)

    def embedded(self) -> None:
        self.done += 1
        self.progress("embedding", self.done, len(self.items) - self.failed)

    def pooled(self, read: Read, workers: int) -> dict[Path, Outcome]:
        order = {item: i for i, item in enumerate(self.items)}
        reads: dict[Future, tuple[Path, str]] = {}
        embeds: set[Future] = set()
        lost: list[tuple[Path, str]] = []  # items of a pool that broke, read again one at a time
        alone = False  # reading lost items, one process for one file
        thread = ThreadPoolExecutor(1, thread_name_prefix="inquire-embed")
        pool = _pool(workers)
        try:
            for item in self.items:
                reads[pool.submit(read, *item)] = item
            self.progress("reading", 0, len(self.items))  # the workers are starting
            while reads or embeds or lost:
                if not reads and lost:
                    if not alone:
                        _stop(pool)
                        pool, alone = _pool(1), True
                    lost.sort(key=order.__getitem__)
                    item = lost.pop(0)
                    reads[pool.submit(read, *item)] = item
                finished, _ = wait([*reads, *embeds], return_when=FIRST_COMPLETED)
                for fut in finished:
                    if fut in embeds:
                        embeds.discard(fut)
                        fut.result()  # an embedding error ends the run
                        self.embedded()
                        continue
                    path, sha = item = reads.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool as exc:
                        if not alone:
                            lost.append(item)
                            continue
                        _stop(pool)
                        pool = _pool(1)
                        outcome = FileError(
                            str(path), f"{path}: could not be indexed (its reading process ended: {exc}); please report this file"
                        )
                    work = self.read(path, sha, outcome)
                    if work is not None:
                        embeds.add(thread.submit(work))
        except BaseException:
            _stop(pool, kill=True)
            thread.shutdown(wait=True, cancel_futures=True)
            raise
        _stop(pool)
        thread.shutdown(wait=True)
        return self.outcomes


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _stop(pool: ProcessPoolExecutor, kill: bool = False) -> None:
    """Shut the pool down; ``kill``: without waiting for the files being read (an error or Ctrl-C ends the run)."""
    if kill:
        for process in list((pool._processes or {}).values()):  # no public way to stop a running task
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
