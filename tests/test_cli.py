from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import HIT_KEYS
from typer.testing import CliRunner

from inquire import versions
from inquire.cli import app

runner = CliRunner()
BAD = Path(__file__).parent / "data" / "bad"


def run(*args):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("command", [[], ["index"], ["search"], ["ask"], ["recs"], ["rec"], ["eval"]])
def test_help_for_every_command(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_first_search_builds_the_bundled_index_and_says_so(isolated_home):
    result = run("search", "ISVA single point of contact", "--k", "3")
    assert result.exit_code == 0, result.output
    assert "building it from the bundled corpus" in result.output
    assert (versions.resolve(isolated_home / "index").dir / "manifest.json").exists()
    again = run("search", "ISVA single point of contact", "--k", "3")
    assert "No index yet" not in again.output and " 1. [" in again.output


def test_search_json_shape(isolated_home):
    assert run("index").exit_code == 0
    result = run("search", "victims code", "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["query"] == "victims code" and len(payload["hits"]) == 2
    assert all(HIT_KEYS <= set(h) for h in payload["hits"])


def test_batch_mode_prints_one_json_line_per_query(tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "q1", "query": "ISVA"}\n{"id": "q2", "query": "crime recording"}\n')
    result = run("search", "--batch", str(batch), "--json", "--k", "3")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(x["id"], x["query"], len(x["hits"])) for x in lines] == [("q1", "ISVA", 3), ("q2", "crime recording", 3)]


def test_missing_explicit_index_is_a_one_line_error(tmp_path):
    result = run("search", "ISVA", "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: no index at {tmp_path / 'none'}: run `inquire index PATH... --index {tmp_path / 'none'}`"
    ]


def test_index_with_bad_files_exits_1_but_indexes_the_rest(corpus_copy, tmp_path):
    shutil.copy(BAD / "corrupt.pdf", corpus_copy / "corrupt.pdf")
    result = run("index", str(corpus_copy), "--index", str(tmp_path / "idx"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["documents"] == 2 and [Path(f["path"]).name for f in report["failed"]] == ["corrupt.pdf"]


def test_query_and_batch_are_exclusive():
    result = run("search")
    assert result.exit_code == 1 and "either a QUERY or --batch" in result.output


def test_stance_and_date_filters_on_search_and_ask(isolated_home):
    assert run("index").exit_code == 0
    result = run("search", "recommendation", "--stance", "accepted", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert hits and {(h["role"], h["stance"]) for h in hits} == {("response", "accepted")}
    result = run("ask", "what did the force say", "--since", "2022", "--json")
    assert result.exit_code == 0, result.output
    assert {h["doc"] for h in json.loads(result.stdout)["hits"]} == {
        "rotherham-council-2022-04-07-syp-progress-report-operation-linden.txt"
    }
    for args, message in (
        (["--stance", "approved"], "Error: unknown stance 'approved'; use one of: accepted, accepted in principle, "),
        (["--until", "22/04/2022"], "Error: until '22/04/2022' is not a date; give YYYY, YYYY-MM or YYYY-MM-DD"),
    ):
        result = run("search", "ISVA", *args)
        assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
        assert result.output.startswith(message)


def test_index_sentence_method_option(corpus_copy, tmp_path):
    idx = str(tmp_path / "idx")
    result = run("index", str(corpus_copy), "--index", idx, "--sentences", "pooled", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sentences"] == "pooled"
    again = run("index", str(corpus_copy), "--index", idx, "--json")  # the index keeps its method
    assert again.exit_code == 0 and json.loads(again.stdout)["sentences"] == "pooled"
    bad = run("index", str(corpus_copy), "--index", idx, "--sentences", "mean")
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == ["Error: unknown sentence method 'mean'; use one of own, pooled"]
