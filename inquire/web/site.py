"""The index behind the web pages: one published version at a time, reopened when it is replaced.

Every library call the pages make (search, answer, recommendation views, documents) runs on one
worker thread that owns the open index (SQLite connections and FAISS files are not shared across
threads), so the server's event loop stays free for Datasette's own pages. Before each call the
worker checks whether the index location now publishes another version (a re-index finished); if
so it opens the new one, completely, before answering, and the old one is closed. A version is
never modified after it is written (a re-index writes a new one and switches to it), so what is
open stays consistent while it is read.

No Datasette import here: the plugin (``inquire.web.plugin``) adapts this to Datasette.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from inquire.errors import IndexMissing
from inquire.store import DATABASE, MANIFEST, Index

T = TypeVar("T")
OPEN_ATTEMPTS = 5
MEMO_ENTRIES = 1000


@dataclass(frozen=True)
class VersionKey:
    """Identifies one published version of the index: its folder and its manifest file. A re-index
    (a new version folder, or a flat index renamed into place) changes at least one of these."""

    directory: Path
    folder: tuple[int, int]  # st_dev, st_ino of the version folder
    manifest: tuple[int, int, int]  # st_ino, st_size, st_mtime_ns of manifest.json


def version_dir(location: Path) -> Path:
    """The folder that holds the published version's files (``manifest.json``, ``meta.sqlite``, FAISS)."""
    try:
        from inquire.versions import resolve
    except ImportError:  # an index layout without version folders: the files are in the location
        if not (location / MANIFEST).is_file():
            raise IndexMissing(f"no index at {location}: run `inquire index` (add --index {location} if you moved it)") from None
        return location
    return resolve(location).dir


def version_key(location: Path) -> VersionKey:
    """The published version now; :class:`IndexMissing` while there is none (e.g. a first build)."""
    directory = version_dir(location)
    try:
        folder = os.stat(directory)
        manifest = os.stat(directory / MANIFEST)
    except FileNotFoundError:
        raise IndexMissing(f"no index at {location}: run `inquire index` (add --index {location} if you moved it)") from None
    return VersionKey(directory, (folder.st_dev, folder.st_ino), (manifest.st_ino, manifest.st_size, manifest.st_mtime_ns))


class Opened:
    """One version of the index, opened on the worker thread: its metadata (always) and the
    searcher (FAISS and the embedding model, on first use)."""

    def __init__(self, key: VersionKey, embedder_factory: Callable[[], Any]) -> None:
        self.key = key
        self.index = Index.open(key.directory)
        self._embedder_factory = embedder_factory
        self._searcher = None
        self._memo: dict[Any, Any] = {}

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per version (what the pages list in every form: documents, responders,
        recommendation numbers; recommendation views): a version never changes once written."""
        if key not in self._memo:
            if len(self._memo) >= MEMO_ENTRIES:  # URLs can ask for any number: keep memory bounded
                self._memo.clear()
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def database(self) -> Path:
        return self.key.directory / DATABASE

    @property
    def searcher(self):
        if self._searcher is None:
            from inquire.query.search import Searcher

            self._searcher = Searcher(self.key.directory, self._embedder_factory())
        return self._searcher

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.index.close()
        self.index.close()


class Site:
    """The index location the pages read, and the worker thread that reads it."""

    def __init__(self, location: Path, embedder_factory: Callable[[], Any] | None = None) -> None:
        self.location = Path(location).expanduser()
        self._embedder = None
        self._embedder_factory = embedder_factory
        self._opened: Opened | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inquire-index")

    def embedder(self):
        """One embedder for the server's lifetime (the model loads once, on the first search)."""
        if self._embedder is None:
            if self._embedder_factory is None:
                from inquire.embedding import get_embedder

                self._embedder_factory = get_embedder
            self._embedder = self._embedder_factory()
        return self._embedder

    def current(self) -> VersionKey:
        return version_key(self.location)

    def _open(self) -> Opened:
        """(Worker thread.) The published version, reopened when a re-index replaced it. The key is
        read before and after opening: if a writer switched versions in between, open again."""
        for _ in range(OPEN_ATTEMPTS):
            try:
                key = self.current()
            except IndexMissing:
                if self._opened is not None:  # between an old-style swap's two renames: keep serving
                    return self._opened
                raise
            if self._opened is not None and self._opened.key == key:
                return self._opened
            try:
                opened = Opened(key, self.embedder)
            except (IndexMissing, FileNotFoundError):
                continue  # replaced while opening
            if self.current() != key:
                opened.close()
                continue
            if self._opened is not None:
                self._opened.close()
            self._opened = opened
            return opened
        raise IndexMissing(
            f"the index at {self.location} was replaced {OPEN_ATTEMPTS} times while it was being opened; reload the page"
        )

    def call_sync(self, fn: Callable[[Opened], T]) -> T:
        """Run ``fn(opened)`` on the worker thread and wait (for scripts and tests)."""
        return self._worker.submit(lambda: fn(self._open())).result()

    async def call(self, fn: Callable[[Opened], T]) -> T:
        """Run ``fn(opened)`` on the worker thread without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, lambda: fn(self._open()))

    def close(self) -> None:
        def _close() -> None:
            if self._opened is not None:
                self._opened.close()
                self._opened = None

        self._worker.submit(_close).result()
        self._worker.shutdown(wait=True)
