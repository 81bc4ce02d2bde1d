#!/usr/bin/env python
"""Crash trials: SIGKILL `inquire index` at random moments and at each step of its commit, then
check that the index is one complete version (the old or the new), that the next run succeeds, and
that nothing is left behind.

Two versions of a small corpus (A: the bundled reports; B: the same plus one more report) are
indexed alternately with ``--rebuild`` into one location, so every run replaces a complete index.

- Random trials: ``inquire index`` runs as a subprocess and is killed after a random delay drawn
  from the measured duration of an uninterrupted run.
- Step trials: ``inquire index`` runs in a child whose file-system calls (mkdir, rename, replace,
  unlink, rmdir, fsync) are counted; the child kills itself just before its n-th call, for every n
  from 1 to the number an uninterrupted run makes, so every step of staging and committing is hit.

After every kill: the index must open and be exactly A or B (manifest files, database rows and the
FAISS files agree), a search must succeed, the next run (which finds a leftover named with its own
pid, as a restarted container's pid 1 would) must succeed, and afterwards no staging folder, old
version, pointer temp file or old-style ``.<name>.tmp-*`` / ``.<name>.old-*`` sibling may remain.

    INQUIRE_EMBEDDER=fake python scripts/crash_trials.py [--trials 50] [--steps] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MUTATIONS = ("mkdir", "rename", "replace", "unlink", "rmdir", "fsync")

# Runs `inquire ARGS...` in this process; with CRASH_AT_STEP=n > 0 it SIGKILLs itself just before
# its n-th file-system mutation; it writes how many it made to CRASH_COUNT_FILE; with
# CRASH_PLANT_PID_LEFTOVER it first plants `.<index>.old-<own pid>` as a killed run of the same pid would.
HARNESS = r"""
import os, signal, sys
from pathlib import Path
step = int(os.environ.get("CRASH_AT_STEP", "0"))
count = [0]
def wrap(name, real):
    def call(*args, **kwargs):
        count[0] += 1
        if count[0] == step:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
if os.environ.get("CRASH_PLANT_PID_LEFTOVER"):
    index = Path(sys.argv[sys.argv.index("--index") + 1])
    planted = index.parent / f".{index.name}.old-{os.getpid()}"  # half-deleted, as a kill during cleanup leaves it
    planted.mkdir(exist_ok=True)
    (planted / "vectors.faiss").write_bytes(b"left by a killed run")
for name in os.environ["CRASH_MUTATIONS"].split(","):
    setattr(os, name, wrap(name, getattr(os, name)))
from inquire.cli import app
try:
    app(sys.argv[1:], prog_name="inquire")
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
Path(os.environ["CRASH_COUNT_FILE"]).write_text(str(count[0]))
sys.exit(code)
"""


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / "work" / "idx"
        self.env = {
            **os.environ,
            "INQUIRE_HOME": str(root / "home"),
            "INQUIRE_EMBEDDER": os.environ.get("INQUIRE_EMBEDDER", "fake"),
        }
        self.env.pop("INQUIRE_INDEX", None)
        self.versions: dict[str, Path] = {}
        for name, extra in (("A", False), ("B", True)):
            folder = root / name
            shutil.copytree(REPO / "corpus", folder)
            if extra:
                (folder / "extra-report.txt").write_text(
                    "Recommendation 1: Records\n\nThe force should keep complete records of every referral.\n\n"
                    "Response from the Home Office\n\nThe Home Office accepts this recommendation.\n",
                    encoding="utf-8",
                )
            self.versions[name] = folder
        self.expected = {name: sorted(str(p.resolve()) for p in folder.iterdir()) for name, folder in self.versions.items()}

    def command(self, version: str) -> list[str]:
        return ["index", str(self.versions[version]), "--index", str(self.index), "--rebuild"]

    def run_cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([PYTHON, "-m", "inquire", *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def harness(self, args: list[str], step: int, plant: bool = False) -> tuple[int, int]:
        count_file = self.root / "count"
        count_file.unlink(missing_ok=True)
        env = {
            **self.env,
            "CRASH_AT_STEP": str(step),
            "CRASH_COUNT_FILE": str(count_file),
            "CRASH_MUTATIONS": ",".join(MUTATIONS),
        }
        if plant:
            env["CRASH_PLANT_PID_LEFTOVER"] = "1"
        proc = subprocess.run([PYTHON, "-c", HARNESS, *args], env=env, capture_output=True, text=True, timeout=300)
        made = int(count_file.read_text()) if count_file.exists() else -1
        return proc.returncode, made

    # ---- checks ------------------------------------------------------------------------------
    def version_now(self) -> str:
        """'A' or 'B' when the index is exactly one of them; raises AssertionError otherwise."""
        import faiss

        from inquire import versions

        files_dir = versions.resolve(self.index).dir
        manifest = json.loads((files_dir / "manifest.json").read_text(encoding="utf-8"))
        listed = sorted(manifest["files"])
        matches = [name for name, files in self.expected.items() if files == listed]
        assert len(matches) == 1, f"manifest lists {listed}"
        conn = sqlite3.connect(f"file:{files_dir / 'meta.sqlite'}?mode=ro", uri=True)
        try:
            paths = sorted(r[0] for r in conn.execute("SELECT path FROM documents"))
            chunks = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            sentences = conn.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        finally:
            conn.close()
        assert paths == listed, f"database documents {paths} != manifest {listed}"
        assert manifest["counts"]["chunks"] == chunks, "manifest counts disagree with the database"
        assert faiss.read_index(str(files_dir / "vectors.faiss")).ntotal == chunks, "vectors.faiss disagrees with the database"
        assert faiss.read_index(str(files_dir / "sentences.faiss")).ntotal == sentences, "sentences.faiss disagrees"
        return matches[0]

    def leftovers(self) -> list[str]:
        from inquire import versions

        found = versions.leftovers(self.index)
        found += [
            p.name
            for p in self.index.parent.iterdir()
            if p.name.startswith(f".{self.index.name}.") and not p.name.endswith(".lock")
        ]
        return sorted(set(found))


def after_kill(bench: Bench, before: str, attempted: str, outcome: dict) -> None:
    """Checks after one killed run; updates ``outcome`` counters."""
    try:
        now = bench.version_now()
        outcome["old" if now == before else "new"] += 1
        if now not in (before, attempted):
            raise AssertionError(f"index is {now}, neither {before} nor {attempted}")
        search = bench.run_cli("search", "single point of contact", "--index", str(bench.index), "--json", "--k", "3")
        if search.returncode != 0:
            raise AssertionError(f"search failed: {search.stderr.strip()[-300:]}")
    except Exception as exc:  # noqa: BLE001 - every failure is a finding
        outcome["corrupt"] += 1
        outcome["findings"].append(f"corrupt after kill ({type(exc).__name__}: {exc})")
    target = "B" if attempted == "A" else "A"
    code, _ = bench.harness(bench.command(target), step=0, plant=True)  # the next run, meeting a leftover of its own pid
    if code != 0:
        outcome["blocked"] += 1
        outcome["findings"].append(f"next run failed with exit {code}")
        return
    try:
        if bench.version_now() != target:
            raise AssertionError("the next run did not publish its version")
    except Exception as exc:  # noqa: BLE001
        outcome["corrupt"] += 1
        outcome["findings"].append(f"corrupt after the next run ({exc})")
    left = bench.leftovers()
    if left:
        outcome["leftovers"] += 1
        outcome["findings"].append(f"left behind: {', '.join(left)}")


def new_outcome() -> dict:
    return {"trials": 0, "old": 0, "new": 0, "corrupt": 0, "blocked": 0, "leftovers": 0, "findings": []}


def random_trials(bench: Bench, n: int, rng: random.Random, state: list[str]) -> dict:
    outcome = new_outcome()
    t0 = time.perf_counter()  # one uninterrupted run: how long a kill may wait
    bench.run_cli(*bench.command("B" if state[0] == "A" else "A"))
    typical = time.perf_counter() - t0
    state[0] = bench.version_now()
    outcome["typical_run_seconds"] = round(typical, 2)
    for _ in range(n):
        before = state[0]
        attempted = "B" if before == "A" else "A"
        proc = subprocess.Popen(
            [PYTHON, "-m", "inquire", *bench.command(attempted)],
            env=bench.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, typical * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcome["trials"] += 1
        after_kill(bench, before, attempted, outcome)
        try:
            state[0] = bench.version_now()
        except Exception:  # noqa: BLE001 - already counted
            pass
    return outcome


def step_trials(bench: Bench, state: list[str]) -> dict:
    outcome = new_outcome()
    attempted = "B" if state[0] == "A" else "A"
    code, total = bench.harness(bench.command(attempted), step=0)
    if code != 0:
        raise SystemExit(f"an uninterrupted run failed (exit {code})")
    state[0] = attempted
    outcome["steps"] = total
    for step in range(1, total + 1):
        before = state[0]
        attempted = "B" if before == "A" else "A"
        code, _ = bench.harness(bench.command(attempted), step=step)
        outcome["trials"] += 1
        if code != -signal.SIGKILL:
            outcome["findings"].append(f"step {step}: the run ended with {code} before its kill")
        after_kill(bench, before, attempted, outcome)
        try:
            state[0] = bench.version_now()
        except Exception:  # noqa: BLE001 - already counted
            pass
    return outcome


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=50, help="random-moment kills (default 50)")
    ap.add_argument("--steps", action=argparse.BooleanOptionalAction, default=True, help="also kill at every step (default on)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="inquire-crash-"))
    try:
        bench = Bench(root)
        if bench.run_cli(*bench.command("A")).returncode != 0:
            raise SystemExit("the first build failed")
        state = [bench.version_now()]
        result = {"random": random_trials(bench, args.trials, random.Random(args.seed), state)}
        if args.steps:
            result["steps"] = step_trials(bench, state)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    totals = {key: sum(r[key] for r in result.values()) for key in ("trials", "corrupt", "blocked", "leftovers")}
    result["total"] = totals
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, r in result.items():
            if name == "total":
                continue
            extra = f", {r['steps']} steps" if "steps" in r else f", typical run {r['typical_run_seconds']} s"
            print(
                f"{name}: {r['trials']} kills{extra}: index old {r['old']}, new {r['new']}; corrupt {r['corrupt']}, "
                f"blocked {r['blocked']}, leftovers {r['leftovers']}"
            )
            for finding in dict.fromkeys(r["findings"]):
                print(f"  - {finding}")
        print(
            f"total: {totals['trials']} kills; corrupt {totals['corrupt']}, blocked {totals['blocked']}, leftovers {totals['leftovers']}"
        )
    sys.exit(1 if totals["corrupt"] or totals["blocked"] or totals["leftovers"] else 0)


if __name__ == "__main__":
    main()
