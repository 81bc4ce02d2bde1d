"""Which files an ``inquire index PATH...`` run reads: the paths named, and the supported files in
the folders named (recursively, hidden entries skipped).

Only what the user named is read. A symbolic link inside a named folder is followed only when its
target is inside that folder too; a link out of it (``docs/leak.txt -> /secret``) is reported and
not followed: name the target to index it. Anything that is not a regular file (a FIFO, a socket, a
device) is never opened, so nothing can hang a run. Every problem is one line naming the path and
the fix.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from inquire.indexer.parse import SUPPORTED_SUFFIXES

READS = ", ".join(SUPPORTED_SUFFIXES)


@dataclass(frozen=True)
class FileError:
    path: str
    message: str


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def not_regular(path: Path, mode: int) -> FileError:
    return FileError(
        str(path),
        f"{path}: is {_kind(mode)}, not a regular file; inquire reads only regular files (copy its content into a file)",
    )


def stat_error(path: Path, exc: OSError) -> FileError:
    """The one-line error for a path that cannot be stat'ed (followed through links)."""
    if exc.errno == errno.ELOOP:
        return FileError(str(path), f"{path}: symbolic link loop; fix or remove the link")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        try:
            target = os.readlink(path)
        except OSError:
            return FileError(str(path), f"{path}: no such file or directory; check the path")
        return FileError(str(path), f"{path}: broken symbolic link (its target {target} does not exist); fix or remove the link")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FileError(str(path), f"{path}: cannot be read (permission denied); check its permissions")
    return FileError(str(path), f"{path}: cannot be read ({exc.strerror}); check the path")


def regular_file_error(path: Path) -> FileError | None:
    """``None`` when ``path`` is a regular file that can be opened without blocking; otherwise why not.
    Check this before hashing a file inquire did not just find itself (e.g. a path listed in a manifest)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return stat_error(path, exc)
    return None if stat.S_ISREG(st.st_mode) else not_regular(path, st.st_mode)


def _resolved(path: Path) -> Path:
    """``path`` with links resolved, or made absolute when it cannot be (a link loop)."""
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(Path(path).expanduser()))


def is_under(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path`` (resolved) is one of ``roots`` (resolved) or inside one of them."""
    resolved = _resolved(path)
    return any(resolved == r or resolved.is_relative_to(r) for r in roots)


def named_roots(paths: Iterable[Path]) -> list[Path]:
    """The resolved paths a run names: files and folders under them may be (re-)read."""
    return [_resolved(Path(p)) for p in paths]


class _Walk:
    def __init__(self) -> None:
        self.files: list[Path] = []
        self.errors: list[FileError] = []
        self.ignored = 0  # regular files of other types, for the "nothing to index" message

    def folder(self, shown: Path, root: Path) -> None:
        """Walk ``shown`` (the path as the user gave it); links may lead only inside ``root``."""
        try:
            entries = sorted(os.scandir(shown), key=lambda e: e.name)
        except OSError as exc:
            self.errors.append(
                stat_error(shown, exc)
                if exc.errno != errno.EACCES
                else FileError(str(shown), f"{shown}: cannot list this folder (permission denied); check its permissions")
            )
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = shown / entry.name
            try:
                if entry.is_symlink():
                    self.link(path, root)
                elif entry.is_dir(follow_symlinks=False):
                    self.folder(path, root)
                else:
                    self.entry(path, entry.stat(follow_symlinks=False).st_mode, path)
            except OSError as exc:  # removed or changed while walking
                self.errors.append(stat_error(path, exc))

    def entry(self, path: Path, mode: int, resolved: Path) -> None:
        if not _supported(resolved):
            self.ignored += stat.S_ISREG(mode)
        elif stat.S_ISREG(mode):
            self.files.append(resolved.resolve())
        else:
            self.errors.append(not_regular(path, mode))

    def link(self, path: Path, root: Path) -> None:
        try:
            target = path.resolve(strict=True)
            mode = os.stat(target).st_mode
        except (OSError, RuntimeError) as exc:
            loop = isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
            if loop or _supported(path):
                self.errors.append(stat_error(path, exc if isinstance(exc, OSError) else OSError(errno.ELOOP, "loop")))
            return
        if not (target == root or target.is_relative_to(root)):
            if stat.S_ISDIR(mode) or _supported(path) or _supported(target):
                self.errors.append(
                    FileError(
                        str(path),
                        (
                            f"{path}: symbolic link to {target}, outside {root}; not followed: "
                            f"index only what you name (name {target} itself to index it)"
                        ),
                    )
                )
            return
        if not stat.S_ISDIR(mode):  # a folder inside the root is walked through its own path
            self.entry(path, mode, target)


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileError]]:
    """The supported regular files among ``paths`` (folders expanded), resolved and de-duplicated,
    and one error per path that cannot be used (a named folder with nothing to index is one)."""
    walk = _Walk()
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            walk.errors.append(stat_error(path, exc))
            continue
        if stat.S_ISDIR(mode):
            found, failed, ignored = len(walk.files), len(walk.errors), walk.ignored
            walk.folder(path, path.resolve())
            if len(walk.files) == found and len(walk.errors) == failed:  # nothing to index, and nothing said why
                other = walk.ignored - ignored
                walk.errors.append(
                    FileError(
                        str(path),
                        (
                            f"{path}: no {READS} files in this folder"
                            + (f" ({other} other file{'s' if other != 1 else ''})" if other else " (it is empty)")
                            + "; nothing to index there: name a folder or files holding reports"
                        ),
                    )
                )
        elif not _supported(path):
            walk.errors.append(
                FileError(str(path), f"{path}: unsupported file type {path.suffix or '(none)'!r}; inquire reads {READS}")
            )
        elif stat.S_ISREG(mode):
            walk.files.append(path.resolve())
        else:
            walk.errors.append(not_regular(path, mode))
    unique = list(dict.fromkeys(walk.files))  # first occurrence of each, in order
    return unique, walk.errors
