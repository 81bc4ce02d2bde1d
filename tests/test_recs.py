from __future__ import annotations

import json

import pytest
from conftest import COUNCIL, IOPC
from typer.testing import CliRunner

from inquire.cli import app

runner = CliRunner()


@pytest.fixture
def indexed(isolated_home):
    assert runner.invoke(app, ["index"]).exit_code == 0
    return isolated_home


def test_recs_tracker_lists_the_iopc_recommendations_with_responders(indexed):
    result = runner.invoke(app, ["recs", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["recommendations"]
    iopc = {r["number"]: r for r in rows if r["doc"] == IOPC}
    assert list(iopc) == [str(n) for n in range(1, 14)]
    assert iopc["9"]["responders"][0] == "Law Commission"
    assert iopc["12"]["responders"][0] == "College of Policing and NPCC"
    assert iopc["7"]["title"] == "Working arrangements with the ISVA service"
    assert iopc["7"]["addressee"] == "South Yorkshire Police"
    assert not [r for r in rows if r["doc"] == COUNCIL]  # the council report prints no numbers


def test_rec_shows_the_explicit_response_with_citation(indexed):
    result = runner.invoke(app, ["rec", "9", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (view,) = payload["sources"]
    assert view["recommendation"]["number"] == "9" and "Law Commission" in view["recommendation"]["text"]
    groups = {(g["responder"], g["doc"]): g["passages"] for g in view["responses"]}
    passages = groups[("Law Commission", IOPC)]
    assert passages[0]["linked"] == "explicit" and passages[0]["confidence"] == 1.0
    assert "next programme of law reform" in passages[0]["text"]


def test_rec_errors_name_the_fix(indexed):
    result = runner.invoke(app, ["rec", "99"])
    assert result.exit_code == 1 and "no recommendation 99" in result.output and "sources in the index" in result.output
    result = runner.invoke(app, ["rec", "seven"])
    assert result.exit_code == 1 and "not a recommendation number" in result.output


def test_recs_and_help_load_no_model(indexed):
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from inquire.cli import app; "
        "r = CliRunner().invoke(app, ['recs']); assert r.exit_code == 0, r.output; "
        "h = CliRunner().invoke(app, ['--help']); assert h.exit_code == 0, h.output; "
        "bad = [m for m in ('torch', 'sentence_transformers', 'onnxruntime', 'faiss') if m in sys.modules]; "
        "print(bad); assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_passage_naming_a_recommendation_twice_is_linked_once(tmp_path):
    import sqlite3

    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder

    docs = tmp_path / "d"
    docs.mkdir()
    src = (__import__("conftest").CORPUS / IOPC).read_text(encoding="utf-8")
    (docs / IOPC).write_text(
        src + "\n\nFurther update\n\nAs set out under recommendation 9, and again for recommendation 9, the review is planned "
        "for next year with the Commissioners and other partners involved in the work.\n", encoding="utf-8")
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    conn = sqlite3.connect(tmp_path / "idx" / "meta.sqlite")
    rows = conn.execute(
        "SELECT l.chunk_id, COUNT(*) FROM links l JOIN recommendations r ON r.id = l.rec_id "
        "WHERE l.method = 'reference' AND r.number = '9' GROUP BY l.chunk_id"
    ).fetchall()
    assert rows and all(n == 1 for _, n in rows)
