"""Versioned index folders (inquire/versions.py), tested on plain files: readers see one complete
version, writers killed at any step leave nothing that blocks or pollutes the next run."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from inquire import versions
from inquire.errors import IndexIncompatible, IndexMissing
from inquire.versions import INDEX_FILES, Staging, Version, read_consistent, recover, resolve, write_lock


def _stage(location: Path, label: str) -> Staging:
    staged = Staging(location)
    for name in INDEX_FILES:
        (staged.dir / name).write_text(f"{label}:{name}")
    return staged


def _publish(location: Path, label: str) -> Version:
    with write_lock(location):
        recover(location)
        return _stage(location, label).publish()


def _label(version: Version) -> str:
    """The one label all four files carry, or an AssertionError naming the mix."""
    labels = {(version.dir / n).read_text().split(":")[0] for n in INDEX_FILES}
    assert len(labels) == 1, f"mixed version {labels}"
    return labels.pop()


def _entries(location: Path) -> set[str]:
    return {p.name for p in location.iterdir()}


def test_publish_makes_a_version_current_and_discards_the_previous(tmp_path):
    loc = tmp_path / "idx"
    first = _publish(loc, "A")
    assert first.generation == 1 and (loc / "CURRENT").read_text() == "v-000001\n"
    assert _label(resolve(loc)) == "A"
    second = _publish(loc, "B")
    assert second.generation == 2 and _label(resolve(loc)) == "B"
    assert _entries(loc) == {"CURRENT", ".lock", "v-000002"}


def test_no_index_is_index_missing(tmp_path):
    with pytest.raises(IndexMissing, match="no index at"):
        resolve(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexMissing):
        resolve(tmp_path / "empty")


def test_pointer_to_a_missing_version_is_a_one_line_error_with_the_fix(tmp_path):
    loc = tmp_path / "idx"
    _publish(loc, "A")
    shutil.rmtree(loc / "v-000001")
    with pytest.raises(IndexIncompatible, match=r"names v-000001, which is missing; run `inquire index --rebuild`"):
        resolve(loc)
    (loc / "CURRENT").write_text("../../etc\n")
    with pytest.raises(IndexIncompatible, match="does not name a version"):
        resolve(loc)


def test_flat_index_of_older_inquire_is_read_then_migrated_on_the_next_write(tmp_path):
    loc = tmp_path / "idx"
    loc.mkdir()
    for name in INDEX_FILES:
        (loc / name).write_text(f"OLD:{name}")
    flat = resolve(loc)
    assert flat.flat and flat.dir == loc and _label(flat) == "OLD"
    _publish(loc, "NEW")
    assert _label(resolve(loc)) == "NEW"
    assert _entries(loc) == {"CURRENT", ".lock", "v-000001"}  # flat files removed


def test_recover_removes_every_kind_of_leftover_and_never_reuses_a_version_name(tmp_path):
    loc = tmp_path / "idx"
    _publish(loc, "A")
    (loc / ".tmp-killed").mkdir()
    (loc / ".tmp-killed" / "meta.sqlite").write_text("half")
    (loc / ".trash-x").mkdir()
    (loc / "v-000007").mkdir()  # renamed into place, killed before CURRENT switched
    (loc / "CURRENT.tmp-abc").write_text("v-000007\n")
    (loc / "manifest.json").write_text("flat file left by an interrupted migration")
    report = recover(loc)
    assert sorted(report.removed) == sorted([".tmp-killed", ".trash-x", "v-000007", "CURRENT.tmp-abc", "manifest.json"])
    assert _entries(loc) == {"CURRENT", ".lock", "v-000001"} and _label(resolve(loc)) == "A"
    assert recover(loc).removed == []


def test_interrupted_old_style_swap_is_restored_and_old_staging_removed(tmp_path):
    loc = tmp_path / "idx"
    old = tmp_path / ".idx.old-1"  # killed between the two renames of the old swap: no index folder
    old.mkdir()
    for name in INDEX_FILES:
        (old / name).write_text(f"KEPT:{name}")
    (tmp_path / ".idx.tmp-q1w2").mkdir()  # old-style staging of a killed run
    with write_lock(loc):
        report = recover(loc)
    assert report.restored == ".idx.old-1" and report.removed == [".idx.tmp-q1w2"]
    assert _label(resolve(loc)) == "KEPT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]


def test_a_versioned_location_moved_aside_is_restored_too(tmp_path):
    loc = tmp_path / "idx"
    _publish(loc, "MINE")
    loc.rename(tmp_path / ".idx.old-5")
    with write_lock(loc):
        report = recover(loc)
    assert report.restored == ".idx.old-5" and _label(resolve(loc)) == "MINE"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]


def test_a_leftover_named_with_this_process_id_does_not_block_a_write(tmp_path):
    loc = tmp_path / "idx"
    _publish(loc, "A")
    (tmp_path / f".idx.old-{os.getpid()}").mkdir()  # blocked every later write from pid 1 before
    assert _label(_publish(loc, "B")) == "B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]


@pytest.mark.parametrize("kind", ["root", "file", "foreign"])
def test_locations_that_are_not_indexes_are_refused_before_anything_is_written(tmp_path, kind):
    if kind == "root":
        loc = Path("/")
        before = set(os.listdir("/"))
    elif kind == "file":
        loc = tmp_path / "report.pdf"
        loc.write_text("x")
        before = set(os.listdir(tmp_path))
    else:
        loc = tmp_path / "reports"
        loc.mkdir()
        (loc / "a.pdf").write_text("x")
        before = set(os.listdir(loc))
    with pytest.raises(IndexIncompatible, match="choose a new or empty folder for --index"):
        with write_lock(loc):
            pass
    after = set(os.listdir("/" if kind == "root" else tmp_path if kind == "file" else loc))
    assert after == before


def test_a_location_holding_only_leftovers_is_still_ours(tmp_path):
    loc = tmp_path / "idx"
    loc.mkdir()
    (loc / ".lock").write_text("")
    (loc / ".tmp-abc").mkdir()  # first build killed before it published anything
    assert _label(_publish(loc, "A")) == "A"
    assert _entries(loc) == {"CURRENT", ".lock", "v-000001"}


def test_reader_retries_when_the_version_it_opens_is_replaced_meanwhile(tmp_path):
    loc = tmp_path / "idx"
    _publish(loc, "A")
    calls = []

    def open_files(version: Version) -> str:
        calls.append(version.generation)
        first = (version.dir / "manifest.json").read_text()
        if len(calls) == 1:
            _publish(loc, "B")  # a writer switches and deletes v-1 between two opens
        rest = [(version.dir / n).read_text() for n in INDEX_FILES[1:]]  # v-1 is gone: FileNotFoundError
        return "|".join([first, *rest])

    got = read_consistent(loc, open_files)
    assert calls == [1, 2] and got.startswith("B:") and "A:" not in got


def test_reader_error_of_a_version_that_is_still_current_is_not_retried(tmp_path):
    loc = tmp_path / "idx"
    _publish(loc, "A")
    calls = []

    def broken(version: Version) -> None:
        calls.append(1)
        raise IndexIncompatible("damaged")

    with pytest.raises(IndexIncompatible, match="damaged"):
        read_consistent(loc, broken)
    assert calls == [1]


def test_an_open_database_stays_readable_after_its_version_is_deleted(tmp_path):
    loc = tmp_path / "idx"
    with write_lock(loc):
        staged = Staging(loc)
        db = sqlite3.connect(staged.dir / "meta.sqlite")
        db.execute("CREATE TABLE t(x)")
        db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
        db.commit()
        db.close()
        for name in INDEX_FILES[::3]:
            (staged.dir / name).write_text("x")
        first = staged.publish()
    conn = sqlite3.connect(f"file:{first.dir / 'meta.sqlite'}?mode=ro&immutable=1", uri=True)
    _publish(loc, "B")
    assert not first.dir.exists()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1000


def test_before_auto_build_builds_only_where_nothing_was_left(tmp_path):
    loc = tmp_path / "idx"
    assert versions.before_auto_build(loc) is False and not loc.exists()
    loc.mkdir()
    (loc / ".tmp-zz").mkdir()
    for _ in range(2):  # refused every time: leftovers stay until the user runs `inquire index`
        with pytest.raises(IndexMissing, match=r"interrupted write left \.tmp-zz there; run `inquire index PATH\.\.\. --index"):
            versions.before_auto_build(loc)
    shutil.rmtree(loc)
    old = tmp_path / ".idx.old-77"
    old.mkdir()
    for name in INDEX_FILES:
        (old / name).write_text(f"USER:{name}")
    assert versions.before_auto_build(loc) is True
    assert _label(resolve(loc)) == "USER"


def test_before_auto_build_waits_for_a_first_build_in_progress(tmp_path):
    loc = tmp_path / "idx"
    locked = threading.Event()

    def writer() -> None:
        with write_lock(loc):
            staged = _stage(loc, "FIRST")
            locked.set()
            time.sleep(0.3)
            staged.publish()

    t = threading.Thread(target=writer)
    t.start()
    locked.wait(5)
    assert versions.before_auto_build(loc) is True  # waited, then found the published version
    t.join()
    assert _label(resolve(loc)) == "FIRST"


MUTATIONS = ("rename", "replace", "unlink", "rmdir", "mkdir", "fsync", "write")


def _publish_killed_at(loc: Path, step: int) -> int:
    """Fork a writer that SIGKILLs itself just before its ``step``-th file-system mutation
    (0: never); return how many mutations it made."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: count (and maybe die at) every mutation of publishing version "B"
        os.close(read_fd)
        count = [0]
        real = {name: getattr(os, name) for name in MUTATIONS}

        def wrap(name):
            def call(*args, **kwargs):
                count[0] += 1
                if count[0] == step:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real[name](*args, **kwargs)

            return call

        with write_lock(loc):
            recover(loc)
            staged = _stage(loc, "B")
            for name in MUTATIONS:
                setattr(os, name, wrap(name))
            staged.publish()
            for name, fn in real.items():
                setattr(os, name, fn)
        os.write(write_fd, str(count[0]).encode())
        os._exit(0)
    os.close(write_fd)
    _, status = os.waitpid(pid, 0)
    made = os.read(read_fd, 32).decode()
    os.close(read_fd)
    return int(made) if made else -os.WTERMSIG(status)


def test_a_writer_killed_at_each_step_of_publishing_leaves_the_old_or_new_version(tmp_path):
    total = _publish_killed_at(tmp_path / "count", 0)
    assert total >= 8  # fsyncs, the rename, the pointer switch, deleting the old version and flat files
    outcomes = []
    for step in range(1, total + 1):
        loc = tmp_path / f"idx{step}"
        _publish(loc, "A")
        assert _publish_killed_at(loc, step) == -signal.SIGKILL
        outcomes.append(_label(resolve(loc)))  # complete, never mixed
        assert _label(_publish(loc, "C")) == "C"  # the next run succeeds ...
        assert _entries(loc) == {"CURRENT", ".lock", f"v-{resolve(loc).generation:06d}"}  # ... and leaves nothing
    assert set(outcomes) == {"A", "B"} and outcomes[0] == "A" and outcomes[-1] == "B"


def test_disk_full_is_recognised_in_each_library_s_words():
    import errno

    assert versions.is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert versions.is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert versions.is_disk_full(
        RuntimeError("Error in faiss::write_index ... write error in x: 4014 != 16000 (No space left on device)")
    )
    assert not versions.is_disk_full(RuntimeError("could not open x for reading: No such file or directory"))
