"""Versions of an index: immutable version folders published by an atomically switched pointer.

An index location holds::

    <index>/
      CURRENT        "v-000007": the published version (replaced in one os.replace)
      v-000007/      manifest.json, meta.sqlite, vectors.faiss, sentences.faiss: one complete version,
                     never modified after it is published (only renamed away and deleted)
      .lock          the writers' lock: one writer at a time per location
      .tmp-XXXX/     a version being written (staging); a killed run's staging is removed by the next writer
      .trash-XXXX/   a superseded version being deleted

Why a pointer and not a generation id checked in every file: the pointer makes a version's files
appear together in one atomic step, so a reader that resolves ``CURRENT`` once and opens everything
inside that folder can only ever see one complete version, whatever writers do; FAISS files have no
place for a generation id, and the old "rename the index folder aside, rename the new one in" swap
had a moment with no index at all (a reader then saw "no index yet"). The location itself is never
renamed, so there is nothing to restore after a kill: a killed writer leaves at most a staging folder,
an unpublished ``v-N`` folder, a ``CURRENT.tmp-*`` file or a ``.trash-*`` folder, all removed (under
the lock) by the next writer. Names carry no process id, so nothing a dead process left can block a
later writer with the same pid (pid 1 in containers).

Readers: :func:`read_consistent` resolves the pointer, opens the version's files with the caller's
function and, if that fails because the version was replaced and deleted meanwhile, resolves again
(files already open stay readable after their folder is deleted: POSIX semantics).

Older inquire wrote a flat index (the four files directly in ``<index>``), swapped in by renaming
sibling folders ``.<name>.tmp-*`` / ``.<name>.old-<pid>``. A flat index is still read as it is; the
next write publishes ``v-N`` and removes the flat files (readers look at ``CURRENT`` first, so they
never mix the two). :func:`recover` restores a flat index that an interrupted old-style swap left
only in ``.<name>.old-*`` and removes the old-style staging folders.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from inquire.errors import IndexIncompatible, IndexMissing

POINTER = "CURRENT"
LOCK = ".lock"
MANIFEST = "manifest.json"
# What a version folder (and an old flat index) holds, plus SQLite's side files.
INDEX_FILES = ("manifest.json", "meta.sqlite", "vectors.faiss", "sentences.faiss")
SQLITE_SIDE_FILES = ("meta.sqlite-journal", "meta.sqlite-wal", "meta.sqlite-shm")
STAGING_PREFIX = ".tmp-"
TRASH_PREFIX = ".trash-"
POINTER_TMP_PREFIX = f"{POINTER}.tmp-"
VERSION_RE = re.compile(r"v-(\d{6,})")
OPEN_ATTEMPTS = 5  # a reader retries this many times when versions are replaced while it opens one

T = TypeVar("T")


@dataclass(frozen=True)
class Version:
    """One complete version of an index: its files are in ``dir``."""

    location: Path  # the index location the user names (--index)
    dir: Path  # where manifest.json, meta.sqlite and the FAISS files are
    generation: int  # 0 for an old flat index

    @property
    def flat(self) -> bool:
        return self.generation == 0


@dataclass
class Recovery:
    """What :func:`recover` found and did."""

    restored: str | None = None  # an old-style ".<name>.old-*" folder brought back as a version
    removed: list[str] = field(default_factory=list)  # leftovers of interrupted writes, deleted

    @property
    def found_leftovers(self) -> bool:
        return bool(self.restored or self.removed)


def version_name(generation: int) -> str:
    return f"v-{generation:06d}"


def _generation(name: str) -> int | None:
    m = VERSION_RE.fullmatch(name)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _read_pointer(location: Path) -> str | None:
    """The version ``CURRENT`` names, ``None`` when there is no pointer."""
    try:
        raw = (location / POINTER).read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        raise IndexIncompatible(f"index at {location}: cannot read {POINTER} ({exc.strerror}); check its permissions") from exc
    name = raw.decode("ascii", "replace").strip()
    if _generation(name) is None:
        raise IndexIncompatible(
            f"index at {location}: {POINTER} does not name a version ({name[:40]!r}); run `inquire index --rebuild`"
        )
    return name


def resolve(location: Path) -> Version:
    """The published version at ``location`` (raises :class:`IndexMissing` when there is none)."""
    location = Path(location)
    for _ in range(OPEN_ATTEMPTS):
        name = _read_pointer(location)
        if name is None:
            if (location / MANIFEST).is_file():
                return Version(location, location, 0)
            raise IndexMissing(f"no index at {location}: run `inquire index` (add --index {location} if you moved it)")
        if (location / name).is_dir():
            return Version(location, location / name, _generation(name) or 0)
        if _read_pointer(location) == name:  # not a writer switching versions right now
            break
    raise IndexIncompatible(f"index at {location}: {POINTER} names {name}, which is missing; run `inquire index --rebuild`")


def is_current(version: Version) -> bool:
    """Whether ``version`` is still the published one (its files have not been replaced)."""
    try:
        now = resolve(version.location)
    except (IndexMissing, IndexIncompatible):
        return False
    return now.dir == version.dir and version.dir.is_dir() and (not version.flat or (version.dir / MANIFEST).is_file())


def read_consistent(location: Path, open_version: Callable[[Version], T], attempts: int = OPEN_ATTEMPTS) -> T:
    """``open_version(version)`` on the published version; again on the new one when a writer
    replaced (and deleted) the version while it was being opened. ``open_version`` must open every
    file it needs from ``version.dir`` (never from ``location``) and release what it opened when it fails."""
    last: BaseException | None = None
    for _ in range(max(1, attempts)):
        version = resolve(location)
        try:
            return open_version(version)
        except Exception as exc:
            if is_current(version):
                raise  # a real error of a version that is still there
            last = exc
    raise IndexIncompatible(
        f"index at {location} was replaced {attempts} times while it was being opened; run the command again"
    ) from last


# --------------------------------------------------------------------------------------------
# Where an index may be written
# --------------------------------------------------------------------------------------------


def _ours(name: str) -> bool:
    """An entry an index location may hold (current, old flat, or left by an interrupted write)."""
    return (
        name in (POINTER, LOCK, *INDEX_FILES, *SQLITE_SIDE_FILES)
        or _generation(name) is not None
        or name.startswith((STAGING_PREFIX, TRASH_PREFIX, POINTER_TMP_PREFIX))
    )


def check_location(location: Path) -> None:
    """Refuse to write an index where it would mix with other files (``--index /``, ``--index ~``,
    a folder of reports): the location must be new, empty, or an inquire index."""
    location = Path(location)
    if location.exists() and not location.is_dir():
        raise IndexIncompatible(f"{location} is a file, not an index folder; choose a new or empty folder for --index")
    if not location.is_dir() or (location / POINTER).exists() or (location / MANIFEST).exists():
        return
    try:
        foreign = sorted(e.name for e in os.scandir(location) if not _ours(e.name))
    except OSError as exc:
        raise IndexIncompatible(f"{location}: cannot list it ({exc.strerror}); check the path and its permissions") from exc
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise IndexIncompatible(
            f"{location} exists and is not an inquire index (it holds {shown}); choose a new or empty folder for --index"
        )


@contextmanager
def _flock(path: Path, create: bool) -> Iterator[bool]:
    import fcntl

    try:
        fh = open(path, "a" if create else "r")  # noqa: SIM115 - held for the block
    except FileNotFoundError:
        if create:
            raise
        yield False
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def write_lock(location: Path) -> Iterator[None]:
    """One writer at a time per location (a second `inquire index` waits for the first). The lock
    file lives inside the index folder, so nothing is written beside it (``--index /`` is refused
    before anything is created)."""
    location = Path(location)
    check_location(location)
    location.mkdir(parents=True, exist_ok=True)
    with _flock(location / LOCK, create=True):
        yield


# --------------------------------------------------------------------------------------------
# Recovery (writers call it holding the lock)
# --------------------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _legacy_siblings(location: Path, kind: str) -> list[Path]:
    """Old-style swap folders beside the location: ``.<name>.tmp-*`` or ``.<name>.old-*``."""
    parent = location.parent
    if location.name in ("", ".", "..") or not parent.is_dir():
        return []
    prefix = f".{location.name}.{kind}-"
    try:
        return sorted(
            (parent / e.name for e in os.scandir(parent) if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)),
            key=lambda p: p.stat().st_mtime,
        )
    except OSError:
        return []


def _complete_files(folder: Path) -> Path | None:
    """The folder holding a complete index inside a moved-aside location: the location itself
    (flat layout) or its published version; ``None`` when there is none."""
    try:
        name = _read_pointer(folder)
    except IndexIncompatible:
        return None
    files = folder / name if name else folder
    return files if all((files / n).is_file() for n in INDEX_FILES) else None


def _recover_legacy(location: Path, report: Recovery, clean: bool = True) -> None:
    """Bring back a flat index that an old-style swap left only in ``.<name>.old-*``; with ``clean``,
    remove the other old-style staging and swap folders (under the old lock file, when one exists)."""
    olds = _legacy_siblings(location, "old")
    tmps = _legacy_siblings(location, "tmp")
    if not olds and not tmps:
        return
    with _flock(location.parent / f".{location.name}.lock", create=False):
        published = (location / POINTER).exists() or (location / MANIFEST).is_file()
        complete = [(p, files) for p in olds if (files := _complete_files(p)) is not None]
        if not published and complete:
            newest, files = complete[-1]
            location.mkdir(parents=True, exist_ok=True)
            generation = _next_generation(location)
            os.rename(files, location / version_name(generation))
            _write_pointer(location, version_name(generation))
            report.restored = newest.name
            olds = [p for p in olds if p != newest] + ([newest] if newest.exists() else [])
        if not clean:
            return
        for p in olds + tmps:
            _remove(p)
            report.removed.append(p.name)


def recover(location: Path) -> Recovery:
    """Clean up after interrupted writes; call it holding :func:`write_lock`. Removes staging
    folders, unpublished or superseded versions, trash and pointer temp files; finishes a
    migration from the flat layout; restores an old-style interrupted swap."""
    location = Path(location)
    report = Recovery()
    _recover_legacy(location, report)
    if not location.is_dir():
        return report
    current = _read_pointer(location)
    for entry in sorted(os.scandir(location), key=lambda e: e.name):
        name = entry.name
        stale = (
            name.startswith((STAGING_PREFIX, TRASH_PREFIX, POINTER_TMP_PREFIX))
            or (_generation(name) is not None and name != current)
            or (current is not None and name in (*INDEX_FILES, *SQLITE_SIDE_FILES))  # flat files left by a migration
        )
        if stale:
            _remove(location / name)
            report.removed.append(name)
    return report


def leftovers(location: Path) -> list[str]:
    """What interrupted writes left at ``location`` (read-only scan; nothing is removed)."""
    location = Path(location)
    found = [p.name for p in _legacy_siblings(location, "old") + _legacy_siblings(location, "tmp")]
    if location.is_dir():
        current = _read_pointer(location)
        for e in os.scandir(location):
            if e.name.startswith((STAGING_PREFIX, TRASH_PREFIX, POINTER_TMP_PREFIX)) or (
                _generation(e.name) is not None and e.name != current
            ):
                found.append(e.name)
    return sorted(found)


def before_auto_build(location: Path) -> bool:
    """Called when a search finds no index at the default location, before building the bundled
    corpus there. Under the writers' lock (so a first build in progress is waited for, not taken
    for leftovers): restores an interrupted old-style swap and returns ``True`` when a version is
    published now (open it); returns ``False`` when the location is new or empty (building is safe);
    raises :class:`IndexMissing` with the fix when an interrupted write left files there, so nothing
    is ever built over what might be the user's index."""
    location = Path(location)
    try:
        resolve(location)
        return True  # the usual case: published, no lock taken (a search never waits for a writer)
    except IndexMissing:
        pass
    if not location.exists() and not _legacy_siblings(location, "old") and not _legacy_siblings(location, "tmp"):
        return False
    check_location(location)
    with write_lock(location):
        _recover_legacy(location, Recovery(), clean=False)  # restores only: leftovers stay until `inquire index`
        try:
            resolve(location)
            return True
        except IndexMissing:
            pass
        left = leftovers(location)
        if left:
            shown = ", ".join(left[:3]) + (", ..." if len(left) > 3 else "")
            raise IndexMissing(
                f"no complete index at {location}, but an interrupted write left {shown} there; "
                f"run `inquire index PATH... --index {location}` to build it (that removes the leftovers)"
            )
        return False


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False):
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(path)


def _write_pointer(location: Path, name: str) -> None:
    """Switch ``CURRENT`` to ``name`` atomically (temp file, fsync, rename, fsync the folder)."""
    fd, tmp = tempfile.mkstemp(prefix=POINTER_TMP_PREFIX, dir=location)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, location / POINTER)
    except BaseException:
        _remove(Path(tmp))
        raise
    _fsync_dir(location)


def _next_generation(location: Path) -> int:
    """One more than any version named at the location, published or not: a name is never reused
    while a reader might still hold it."""
    gens = [0]
    current = _read_pointer(location) if location.is_dir() else None
    if current:
        gens.append(_generation(current) or 0)
    if location.is_dir():
        gens += [g for e in os.scandir(location) if (g := _generation(e.name)) is not None]
    return max(gens) + 1


class Staging:
    """A new version being written inside the index location; :meth:`publish` makes it current.
    Create it holding :func:`write_lock` (after :func:`recover`)."""

    def __init__(self, location: Path) -> None:
        self.location = Path(location)
        self.location.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.location))
        os.chmod(self.dir, 0o755)  # mkdtemp makes 0700; an index is as readable as its folder

    def publish(self) -> Version:
        """fsync the staged files, rename the folder to the next ``v-N``, switch ``CURRENT`` to it
        (the commit point), then delete superseded versions and old flat files."""
        _fsync_tree(self.dir)
        generation = _next_generation(self.location)
        final = self.location / version_name(generation)
        os.rename(self.dir, final)
        _fsync_dir(self.location)
        _write_pointer(self.location, final.name)  # readers now see the new version
        self._discard_superseded(final.name)
        return Version(self.location, final, generation)

    def _discard_superseded(self, current: str) -> None:
        for entry in os.scandir(self.location):
            if _generation(entry.name) is not None and entry.name != current:
                trash = Path(tempfile.mkdtemp(prefix=TRASH_PREFIX, dir=self.location))
                os.rename(entry.path, trash / entry.name)  # gone from its path in one step
                shutil.rmtree(trash, ignore_errors=True)
        for name in (*INDEX_FILES, *SQLITE_SIDE_FILES):  # the flat layout, manifest first
            try:
                (self.location / name).unlink()
            except FileNotFoundError:
                pass

    def abort(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error (OSError, SQLite's, FAISS's RuntimeError) says the disk or quota is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return any(s in text for s in (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT), "database or disk is full"))
