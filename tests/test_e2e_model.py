"""End to end with the real packaged model (all-MiniLM-L6-v2). CI runs these."""

from __future__ import annotations

import pytest
from conftest import CORPUS, IOPC

from indexer.pipeline import build_index
from query.search import Searcher

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def real_index(tmp_path_factory):
    from indexer.embed import get_embedder

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


def test_dense_scores_are_cosines_of_the_real_model(real_index):
    hits = real_index.search("ISVA single point of contact", k=3, mode="dense")
    assert hits[0].doc == IOPC or any(c.doc == IOPC for c in hits[0].also_in)
    assert 0.3 < hits[0].score <= 1.0001  # unrelated MiniLM pairs score near 0
