#!/usr/bin/env python
"""Run mypy on the ``inquire`` package as it is installed, not as the repository folders lie.

    python scripts/mypy_layout.py [MYPY ARGS...]

``pyproject.toml`` maps folders into the one package (``[tool.setuptools.package-dir]``: ``indexer/``
installs as ``inquire.indexer``, ``query/`` as ``inquire.query``, ``evaluation/`` as
``inquire.evaluation``). mypy cannot follow that mapping (the editable install's import hook), so on the
repository folders every ``from inquire.indexer... import`` would be an untyped ``Any`` and hide errors.

This script builds the installed layout as a throwaway tree of symbolic links, ``build/mypy/inquire/``
(git-ignored, brought up to date on every run): one link per entry of ``inquire/`` and one per mapped subpackage,
e.g. ``build/mypy/inquire/indexer -> indexer/``. It runs mypy (settings from ``[tool.mypy]``) on that
tree and prints its report with the real file paths (``build/mypy/inquire/indexer/x.py`` -> ``indexer/x.py``).
The exit status is mypy's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: tomli, a dependency of mypy
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TREE = Path("build") / "mypy"  # relative to ROOT
PACKAGE = "inquire"


def package_dirs(pyproject: Path) -> dict[str, str]:
    """``[tool.setuptools.package-dir]``: dotted package -> folder (relative to ROOT)."""
    with pyproject.open("rb") as fh:
        config = tomllib.load(fh)
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {name: folder.rstrip("/") for name, folder in mapping.items()}


def build_tree(root: Path, mapping: dict[str, str]) -> Path:
    """The installed layout of PACKAGE under root/TREE, as symbolic links; returns the package folder."""
    top = mapping.get(PACKAGE, PACKAGE)
    subpackages: dict[str, str] = {}
    for name, folder in mapping.items():
        if name == PACKAGE:
            continue
        parent, _, leaf = name.rpartition(".")
        if parent != PACKAGE:
            raise SystemExit(f"mypy_layout: cannot lay out {name!r} (only direct subpackages of {PACKAGE!r})")
        subpackages[leaf] = folder

    package = root / TREE / PACKAGE
    if package.is_symlink() or (package.exists() and not package.is_dir()):
        package.unlink()
    package.mkdir(parents=True, exist_ok=True)
    links = {e.name: e for e in (root / top).iterdir() if e.name != "__pycache__" and e.name not in subpackages}
    links.update({leaf: root / folder for leaf, folder in subpackages.items()})
    wanted = {name: os.path.relpath(target, package) for name, target in links.items()}
    # brought up to date in place, each link replaced atomically, so two runs at once (or an editor's
    # mypy reading the tree) never see it half built
    for entry in package.iterdir():
        if entry.name not in wanted:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
    for name, target in sorted(wanted.items()):
        link = package / name
        if link.is_symlink() and os.readlink(link) == target:
            continue
        tmp = package / f".{name}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target)
        os.replace(tmp, link)
    return package


def real_paths(text: str, mapping: dict[str, str]) -> str:
    """mypy's report with build/mypy/inquire/... paths turned back into the repository's files."""
    prefix = (TREE / PACKAGE).as_posix()
    folders = {PACKAGE: mapping.get(PACKAGE, PACKAGE)}
    folders.update({name.rpartition(".")[2]: folder for name, folder in mapping.items() if name != PACKAGE})
    subs = "|".join(re.escape(leaf) for leaf in sorted(folders, key=len, reverse=True) if leaf != PACKAGE)
    pattern = re.compile(re.escape(prefix) + (rf"/(?:({subs})/)?" if subs else "/()?"))

    def repl(m: re.Match[str]) -> str:
        return folders[m.group(1) or PACKAGE] + "/"

    return pattern.sub(repl, text)


def main(argv: list[str]) -> int:
    mapping = package_dirs(ROOT / "pyproject.toml")
    package = build_tree(ROOT, mapping)
    cmd = [sys.executable, "-m", "mypy", *argv, package.relative_to(ROOT).as_posix()]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(real_paths(proc.stdout, mapping))
    sys.stderr.write(real_paths(proc.stderr, mapping))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
