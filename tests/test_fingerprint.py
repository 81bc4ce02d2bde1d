"""The processing fingerprint covers every module that reading a file reaches, and nothing that only
scores: an edit to the number grammar or the structure finder re-reads every indexed file; an edit to
search or evaluation does not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from inquire.indexer.reading import processing_fingerprint, reading_modules


def _origin(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin
    return Path(spec.origin)


def _edit(monkeypatch, module: str, method: str, addition):
    """Make ``module``'s source read (with ``Path.<method>``) as if ``addition`` had been appended."""
    origin, real = _origin(module), getattr(Path, method)

    def read(self, *args, **kwargs):
        data = real(self, *args, **kwargs)
        return data + addition if self == origin else data

    monkeypatch.setattr(Path, method, read)


def test_reading_reaches_the_number_grammar_cleaning_and_structure():
    reached = set(reading_modules())
    assert {
        "inquire.recnum",
        "inquire.records",
        "inquire.text",
        "inquire.indexer.parse",
        "inquire.indexer.clean",
        "inquire.indexer.clean.lines",
        "inquire.indexer.clean.furniture",
        "inquire.indexer.structure",
        "inquire.indexer.structure.units",
        "inquire.indexer.structure.recs",
        "inquire.indexer.structure.responses",
        "inquire.indexer.chunk",
        "inquire.indexer.reading",
    } <= reached


def test_modules_that_only_score_are_not_reached():
    reached = reading_modules()
    scoring = [m for m in reached if m.startswith(("inquire.query", "inquire.evaluation", "inquire.cli"))]
    assert scoring == []
    assert "inquire.indexer.structure.golden" not in reached  # scores structure against golden files


def test_a_new_import_in_a_reached_module_is_reached(monkeypatch):
    assert "inquire.paths" not in reading_modules()
    _edit(monkeypatch, "inquire.recnum", "read_text", "\nimport inquire.paths\n")
    assert "inquire.paths" in reading_modules()


def test_editing_a_reached_module_changes_the_fingerprint(monkeypatch):
    before = processing_fingerprint.__wrapped__()
    assert before == processing_fingerprint()
    with monkeypatch.context() as m:
        _edit(m, "inquire.recnum", "read_bytes", b"\n# a changed rule\n")
        assert processing_fingerprint.__wrapped__() != before
    with monkeypatch.context() as m:
        _edit(m, "inquire.indexer.structure.units", "read_bytes", b"\n# a changed rule\n")
        assert processing_fingerprint.__wrapped__() != before
    # a module that only scores does not count
    with monkeypatch.context() as m:
        _edit(m, "inquire.query.search", "read_bytes", b"\n# a changed weight\n")
        assert processing_fingerprint.__wrapped__() == before
