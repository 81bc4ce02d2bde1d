"""End to end with the real packaged model (all-MiniLM-L6-v2). CI runs these."""

from __future__ import annotations

import pytest
from conftest import CORPUS, IOPC
from inquire.indexer.pipeline import build_index
from inquire.query.search import Searcher

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def real_index(tmp_path_factory):
    from inquire.embedding import get_embedder

    embedder = get_embedder("auto")
    index_dir = tmp_path_factory.mktemp("real") / "index"
    report = build_index([CORPUS], index_dir, embedder)
    assert report.written and report.documents == 2
    return Searcher(index_dir, embedder)


def test_isva_query_finds_the_iopc_response(real_index):
    hits = real_index.search("ISVA single point of contact", k=5)
    top = hits[0]
    assert top.doc == IOPC
    assert "single point of contact" in top.text


def test_the_readme_question_is_answered_by_the_response(real_index):
    from inquire.query.answer import answer

    res = answer(real_index, "Who is South Yorkshire Police's single point of contact for the ISVA service?", k=2)
    assert not res.abstained and 0.0 <= res.confidence <= 1.0
    first = res.quotes[0]
    assert first.text.startswith("The Rape and Serious Sexual Assault (RASSO) force lead is the single point of contact")
    assert first.citations[0].doc == IOPC and first.citations[0].responder == "South Yorkshire Police"
    # an inquiry the reports never mention is refused, saying so
    other = answer(real_index, "What did the Manchester Arena Inquiry recommend about the fire service?")
    assert other.abstained and other.reason == "The indexed reports do not mention “Manchester Arena Inquiry”."


def test_dense_scores_are_cosines_of_the_real_model(real_index):
    hits = real_index.search("ISVA single point of contact", k=3, mode="dense")
    assert hits[0].doc == IOPC or any(c.doc == IOPC for c in hits[0].also_in)
    assert 0.3 < hits[0].score <= 1.0001  # unrelated MiniLM pairs score near 0


def test_rec_7_links_the_iopc_response_and_the_council_isva_passage(tmp_path, monkeypatch):
    """`inquire rec 7 --json` on the bundled corpus: the explicit SYP response on the IOPC page and
    the council report's PARTNERS passage about the ISVA, linked by content, each with a citation."""
    import json

    from conftest import COUNCIL
    from typer.testing import CliRunner

    from inquire.cli import app

    monkeypatch.setenv("INQUIRE_EMBEDDER", "auto")
    runner = CliRunner()
    assert runner.invoke(app, ["index"]).exit_code == 0
    result = runner.invoke(app, ["rec", "7", "--json"])
    assert result.exit_code == 0, result.output
    (view,) = json.loads(result.stdout)["sources"]
    groups = {(g["responder"], g["doc"]): g["passages"] for g in view["responses"]}
    iopc = groups[("South Yorkshire Police", IOPC)]
    assert iopc[0]["linked"] == "explicit" and "single point of contact" in iopc[0]["text"]
    council = groups[("South Yorkshire Police", COUNCIL)]
    isva = [p for p in council if "ISVA" in p["text"]]
    assert isva and isva[0]["linked"] == "content" and 0.8 <= isva[0]["confidence"] <= 1.0
    assert isva[0]["section"] == "PARTNERS" and isva[0]["end"] > isva[0]["start"]
