"""Reading files in worker processes while the documents already read are embedded.

``read_and_embed`` reads each (path, sha256) with ``read`` in a pool of worker processes (started with
``spawn``: a worker inherits none of this process's threads, onnxruntime's or FAISS's) and hands the
documents read to ``embed`` here in *waves*: consecutive items, in the order given, whose sizes (their
passages) add up to the wave's size (the last wave: what remains), each handed over as soon as all its
files are read. The first wave's size and the largest are ``WAVES`` (each next wave twice the last, up
to the largest). ``embed(docs)`` runs in this thread and returns the work to do in the one embedding
thread (or None), so the model embeds one wave while the workers read the next files. With one worker
everything runs here, one file after the other (read; embed each wave when it is complete).

Why waves: a batch of the model pads every text to its longest, so texts are batched by length. Sorted
within one document (a few hundred texts), the batches carry 12% padding on the development documents;
sorted within waves of 2,048 passages, 2% (one sort of every text: 1%). A wave is made of whole
documents in the order given, never of the files that happen to finish first, so the batches, and with
them the vectors, are the same whatever the number of workers and the timing.

Why the first wave is not smaller: the model's threads fill every core of a machine of up to 8 (one
per core), so a file read beside it takes its core from the model, whose threads wait for each other:
on 2 cores, one reading process made the model take 45-50 s instead of 26 s for the same texts. Reading
the first wave before the model starts costs less than that (the 13 development documents: 322 s built
with waves of 256, 512, 1,024 and 2,048 passages, 295 s with waves of 2,048).

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
Advance = Callable[[int], None]  # the embedding work says how many of its units it has done
# embed(wave's documents) -> None (nothing to embed) or (its units of work, the work)
Embed = Callable[[list[ProcessedDoc]], tuple[int, Callable[[Advance], None]] | None]
Progress = Callable[[str, int, int], None]  # (stage, done, total)

MAX_WORKERS = 4  # the default's ceiling: each worker holds a document (and its OCR) in memory
WAVES = (2048, 2048)  # passages of consecutive documents embedded together: the first wave's, the most (module docstring)
POLL_S = 0.5  # how often the embedding progress is reported while the workers are quiet


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
    items: Sequence[tuple[Path, str]],
    read: Read,
    embed: Embed,
    workers: int,
    progress: Progress,
    waves: tuple[int, int] | None = None,
) -> dict[Path, Outcome]:
    """Each item's outcome (its document, or why it could not be read), whatever order they finished
    in. Progress: ``reading`` (files read of ``items``) and ``embedding`` (units of work done, of the
    waves handed over so far: the total grows as files are read)."""
    run = _Run(items, embed, progress, waves or WAVES)
    if workers <= 1 or len(items) <= 1:
        progress("reading", 0, len(items))
        for path, sha in items:
            for work in run.read(path, read(path, sha)):
                work(run.advance_and_report)
        return run.outcomes
    return run.pooled(read, min(workers, len(items)))


class _Run:
    def __init__(self, items: Sequence[tuple[Path, str]], embed: Embed, progress: Progress, waves: tuple[int, int]) -> None:
        self.items, self.embed, self.progress = list(items), embed, progress
        self.wave, self.most = waves  # the size of the wave being gathered; of any wave
        self.outcomes: dict[Path, Outcome] = {}
        self.next = 0  # the first item not yet in a wave
        self.docs: list[ProcessedDoc] = []  # the wave being gathered
        self.size = 0  # its passages
        self.units = self.done = 0  # units of embedding work handed over / done
        self.shown: tuple[int, int] | None = None  # the embedding progress last reported

    def read(self, path: Path, outcome: Outcome) -> list[Callable[[Advance], None]]:
        """Record one file's outcome; the embedding work of the waves it completes."""
        self.outcomes[path] = outcome
        self.progress("reading", len(self.outcomes), len(self.items))
        works = []
        while self.next < len(self.items) and self.items[self.next][0] in self.outcomes:
            got = self.outcomes[self.items[self.next][0]]
            self.next += 1
            if isinstance(got, ProcessedDoc):
                self.docs.append(got)
                self.size += len(got.chunks)
            if self.docs and (self.size >= self.wave or self.next == len(self.items)):
                todo = self.embed(self.docs)
                self.docs, self.size, self.wave = [], 0, min(self.most, 2 * self.wave)
                if todo is not None:
                    self.units += todo[0]
                    works.append(todo[1])
        self.report()
        return works

    def advance(self, n: int) -> None:
        """Called by the embedding work (in the embedding thread)."""
        self.done += n

    def advance_and_report(self, n: int) -> None:
        """``advance`` when the work runs in this thread."""
        self.advance(n)
        self.report()

    def report(self) -> None:
        """The embedding progress, when it changed."""
        now = (min(self.done, self.units), self.units)
        if now != self.shown:
            self.shown = now
            self.progress("embedding", *now)

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
                finished, _ = wait([*reads, *embeds], timeout=POLL_S, return_when=FIRST_COMPLETED)
                for fut in finished:
                    if fut in embeds:
                        embeds.discard(fut)
                        fut.result()  # an embedding error ends the run
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
                    for work in self.read(path, outcome):
                        embeds.add(thread.submit(work, self.advance))
                self.report()
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
