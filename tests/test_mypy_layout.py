"""scripts/mypy_layout.py: the installed layout as symbolic links, and mypy's paths turned back into the repository's."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import mypy_layout  # noqa: E402

MAPPING = {"inquire": "inquire", "inquire.indexer": "indexer", "inquire.query": "query"}


def _repo(root: Path) -> None:
    for rel in ("inquire/__init__.py", "inquire/cli.py", "inquire/web/__init__.py", "indexer/__init__.py", "query/search.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("")
    (root / "inquire/__pycache__").mkdir()


def test_the_mapping_is_read_from_pyproject():
    mapping = mypy_layout.package_dirs(mypy_layout.ROOT / "pyproject.toml")
    assert mapping["inquire"] == "inquire"
    assert {mapping[f"inquire.{p}"] for p in ("indexer", "query", "evaluation")} == {"indexer", "query", "evaluation"}


def test_the_tree_links_every_entry_and_each_mapped_subpackage(tmp_path):
    _repo(tmp_path)
    package = mypy_layout.build_tree(tmp_path, MAPPING)
    assert package == tmp_path / "build/mypy/inquire"
    assert sorted(os.listdir(package)) == ["__init__.py", "cli.py", "indexer", "query", "web"]
    assert all((package / name).is_symlink() for name in os.listdir(package))
    assert (package / "indexer").resolve() == (tmp_path / "indexer").resolve()
    assert (package / "query/search.py").resolve() == (tmp_path / "query/search.py").resolve()
    assert (package / "web/__init__.py").resolve() == (tmp_path / "inquire/web/__init__.py").resolve()


def test_a_second_run_follows_the_folders_and_never_touches_the_sources(tmp_path):
    _repo(tmp_path)
    package = mypy_layout.build_tree(tmp_path, MAPPING)
    (tmp_path / "inquire/cli.py").unlink()
    (tmp_path / "inquire/views.py").write_text("")
    (package / "leftover").mkdir()
    mypy_layout.build_tree(tmp_path, MAPPING)
    assert sorted(os.listdir(package)) == ["__init__.py", "indexer", "query", "views.py", "web"]
    assert (tmp_path / "indexer/__init__.py").exists() and (tmp_path / "query/search.py").exists()


def test_nested_mappings_are_refused(tmp_path):
    _repo(tmp_path)
    with pytest.raises(SystemExit):
        mypy_layout.build_tree(tmp_path, MAPPING | {"inquire.query.backends": "backends"})


def test_reported_paths_are_the_repository_files():
    report = (
        "build/mypy/inquire/indexer/structure/recs.py:3: error: x\n"
        "build/mypy/inquire/query/search.py:4: note: y\n"
        "build/mypy/inquire/cli.py:5: error: z\n"
        "build/mypy/inquire/queryx.py:6: error: w\n"
    )
    assert mypy_layout.real_paths(report, MAPPING) == (
        "indexer/structure/recs.py:3: error: x\nquery/search.py:4: note: y\ninquire/cli.py:5: error: z\ninquire/queryx.py:6: error: w\n"
    )
