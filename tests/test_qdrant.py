"""The Qdrant backend in qdrant-client's local mode (no server); the last test runs against a real
server only when QDRANT_URL is set."""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid

import numpy as np
import pytest
from inquire.indexer.pipeline import build_index
from inquire.query.search import Filters, Searcher

from inquire.embedding.fake import FakeEmbedder
from inquire.errors import IndexIncompatible
from inquire.store import Index

pytest.importorskip("qdrant_client")

from conftest import CORPUS, IOPC, write_renumbered_pair  # noqa: E402
from inquire.query.backends.qdrant import (  # noqa: E402
    BackendUnavailable,
    QdrantStore,
    bm25_weights,
    passage_point,
    sync,
    term_id,
)

QUERIES = [
    "ISVA single point of contact",
    "training for officers",
    "victims code compliance",
    "recommendation 7 response",
    "what did South Yorkshire Police say about safeguarding",
]
FILTERS = [
    Filters(),
    Filters(doc="rotherham"),
    Filters(role="response"),
    Filters(rec="7"),
    Filters(responder="south yorkshire"),
    Filters(stance="accepted"),
    Filters(since="2022-04"),
]


@pytest.fixture(autouse=True)
def local_mode(monkeypatch):
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.delenv("INQUIRE_QDRANT_PREFIX", raising=False)


def _build_and_sync(root):
    shutil.copytree(CORPUS, root / "corpus")
    build_index([root / "corpus"], root / "idx", FakeEmbedder())
    return root / "idx", sync(root / "idx")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One synced index for the tests that only read it."""
    saved = {k: os.environ.pop(k) for k in ("QDRANT_URL", "INQUIRE_QDRANT_PREFIX") if k in os.environ}
    try:
        return _build_and_sync(tmp_path_factory.mktemp("qdrant"))
    finally:
        os.environ.update(saved)


@pytest.fixture
def synced(tmp_path):
    """A synced index of a corpus copy the test may change."""
    return _build_and_sync(tmp_path)


def _pair(index_dir):
    return Searcher(index_dir, FakeEmbedder()), Searcher(index_dir, FakeEmbedder(), backend="qdrant")


def test_sync_writes_every_passage_and_sentence(shared):
    index_dir, report = shared
    with Index.open(index_dir) as index:
        chunks, sentences = len(index.chunks()), len(index.sentences_in([c.id for c in index.chunks()]))
    assert (report.passages, report.sentences, len(report.added), report.kept, report.removed) == (chunks, sentences, 2, 0, [])
    assert (index_dir / "qdrant").is_dir()  # local mode lives inside the index directory
    again = sync(index_dir)
    assert (again.added, again.removed, again.kept, again.passages) == ([], [], 2, 0)  # idempotent


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_dense_and_sentence_rankings_equal_the_local_backend(shared, f):
    local, remote = _pair(shared[0])
    try:
        allowed = local.allowed_ids(f)
        for query in QUERIES:
            q = local.query_vector(query)
            for k in (1, 10, 60):
                a, b = local.dense(q, k, allowed), remote.dense(q, k, allowed)
                assert [s for _, s in b] == pytest.approx([s for _, s in a], abs=1e-5)
                a, b = local.by_sentence(q, k, allowed), remote.by_sentence(q, k, allowed)
                if allowed is None:  # the best 300 sentences: which of several tied ones come last may differ
                    a, b = a[:30], b[:30]
                assert [s for _, s in b] == pytest.approx([s for _, s in a], abs=1e-5)
                if allowed is not None:
                    chunks = {c.id: c for c in local.index.chunks()}
                    assert all(allowed.admits(chunks[i]) for i, _ in b)
    finally:
        local.close()
        remote.close()


def test_lexical_scores_are_bm25_with_qdrant_idf(shared):
    """A one-term query scores each passage idf(term) x the stored BM25 term-frequency part, with
    Qdrant's idf ln(1 + (N - n + 0.5) / (n + 0.5)); the passages are those FTS5 matches."""
    from inquire.query.understand import parse_query

    from inquire.store import FtsTokenizer

    local, remote = _pair(shared[0])
    tokenizer = FtsTokenizer()
    try:
        avgdl = remote.backend.store.state()["avgdl"]
        chunks = local.index.chunks()
        counts = dict(zip([c.id for c in chunks], tokenizer.counts([c.text for c in chunks])))
        for word in ("training", "safeguarding", "victims"):
            (stem,) = tokenizer.counts([word])[0]
            having = {i: c for i, c in counts.items() if stem in c}
            idf = math.log(1 + (len(chunks) - len(having) + 0.5) / (len(having) + 0.5))
            got = remote.lexical((word,), 1000)
            assert {i for i, _ in got} == {i for i, _ in local.lexical((word,), 1000)} == set(having)
            for rowid, score in got:
                tf, dl = having[rowid][stem], sum(having[rowid].values())
                assert score == pytest.approx(idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl)), rel=1e-4)
        for query in QUERIES:  # the top of a multi-word query agrees with FTS5's
            terms = parse_query(query, local.responders(), local.doc_aliases()).terms
            top_local = {i for i, _ in local.lexical(terms, 5)}
            top_remote = {i for i, _ in remote.lexical(terms, 5)}
            assert len(top_local & top_remote) >= min(3, len(top_local)), query
    finally:
        tokenizer.close()
        local.close()
        remote.close()


def test_bm25_weights_are_the_term_frequency_part():
    indices, values = bm25_weights({"train": 2, "offic": 1}, avgdl=3.0)
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / 3.0)
    want = {term_id("train"): 2 * 2.2 / (2 + norm), term_id("offic"): 1 * 2.2 / (1 + norm)}
    assert dict(zip(indices, values)) == pytest.approx(want)


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_hybrid_search_equals_the_local_backend(shared, f):
    local, remote = _pair(shared[0])
    try:
        same = 0
        for query in QUERIES:
            a = [h.chunk_id for h in local.search(query, k=5, filters=f)]
            b = [h.chunk_id for h in remote.search(query, k=5, filters=f)]
            assert len(a) == len(b)
            same += a[:1] == b[:1]
        assert same >= len(QUERIES) - 1
    finally:
        local.close()
        remote.close()


def test_ask_reads_sentence_vectors_from_qdrant(shared):
    from inquire.query.answer import answer

    local, remote = _pair(shared[0])
    try:
        ids = [s.id for s in local.index.sentences_in([1, 2, 3])]
        assert np.allclose(remote.sentence_vectors(ids), local.sentence_vectors(ids), atol=1e-6)
        assert np.allclose(remote.backend.passage_vectors([3, 1]), local.backend.passage_vectors([3, 1]), atol=1e-6)
        question = "Who is the single point of contact for the ISVA service?"
        a, b = answer(local, question), answer(remote, question)
        assert [q.text for q in b.quotes] == [q.text for q in a.quotes] and b.quotes
        assert b.confidence == pytest.approx(a.confidence, abs=1e-5)
    finally:
        local.close()
        remote.close()


def test_sync_adds_and_removes_by_document(synced, tmp_path):
    index_dir, _ = synced
    corpus = tmp_path / "corpus"
    extra = corpus / "extra.txt"
    extra.write_text("Recommendation 1\n\nThe council should publish its safeguarding audit every year.\n", encoding="utf-8")
    build_index([corpus], index_dir, FakeEmbedder())
    added = sync(index_dir)
    assert len(added.added) == 1 and added.kept == 2 and added.removed == []
    with Index.open(index_dir) as index:
        new_doc = next(d.doc_id for d in index.documents() if d.name == "extra.txt")
    assert added.added == [new_doc]
    extra.unlink()
    (corpus / IOPC).unlink()
    build_index([corpus], index_dir, FakeEmbedder())
    removed = sync(index_dir)
    assert len(removed.removed) == 2 and removed.added == [] and removed.kept == 1
    store = QdrantStore(index_dir)
    try:
        assert set(store.documents()) == {d for d in _doc_ids(index_dir)}
        for doc_id in removed.removed:
            from qdrant_client import models

            by_doc = models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))])
            for what in ("passages", "sentences"):
                assert store.client.count(store.names[what], count_filter=by_doc).count == 0
    finally:
        store.close()
    local, remote = _pair(index_dir)
    try:
        assert [h.chunk_id for h in remote.search("training", k=3)] == [h.chunk_id for h in local.search("training", k=3)]
    finally:
        local.close()
        remote.close()


def _doc_ids(index_dir) -> set[str]:
    with Index.open(index_dir) as index:
        return {d.doc_id for d in index.documents()}


def test_a_searcher_refuses_collections_behind_the_index(synced, tmp_path):
    index_dir, _ = synced
    (tmp_path / "corpus" / "extra.txt").write_text("Recommendation 1\n\nA new report about training.\n", encoding="utf-8")
    build_index([tmp_path / "corpus"], index_dir, FakeEmbedder())
    (index_dir / "qdrant").mkdir(exist_ok=True)
    with pytest.raises(
        IndexIncompatible, match=r"does not hold this index's current documents: run `inquire index --backend qdrant"
    ):
        Searcher(index_dir, FakeEmbedder(), backend="qdrant")


def test_point_ids_are_stable_uuids():
    assert passage_point("74896445ce5adcaf-0003") == passage_point("74896445ce5adcaf-0003")
    assert passage_point("74896445ce5adcaf-0003") != passage_point("74896445ce5adcaf-0004")
    uuid.UUID(passage_point("x"))


def test_local_store_serves_one_process_at_a_time(shared):
    index_dir, _ = shared
    first = QdrantStore(index_dir)
    try:
        with pytest.raises(BackendUnavailable, match=r"local mode serves one process at a time"):
            QdrantStore(index_dir)
    finally:
        first.close()


def test_unreachable_server_is_one_line(shared, monkeypatch):
    monkeypatch.setenv("QDRANT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(BackendUnavailable, match=r"Qdrant at http://127.0.0.1:9: .*check QDRANT_URL and that the server is up"):
        sync(shared[0])


def test_cli_index_search_ask_with_qdrant(tmp_path):
    from typer.testing import CliRunner

    from inquire.cli import app

    shutil.copytree(CORPUS, tmp_path / "corpus")
    runner = CliRunner()
    idx = str(tmp_path / "idx")
    out = runner.invoke(app, ["index", str(tmp_path / "corpus"), "--index", idx, "--backend", "qdrant", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout[out.stdout.index("{") :])
    assert report["qdrant"]["passages"] == report["chunks"] and len(report["qdrant"]["added"]) == 2
    local = runner.invoke(app, ["search", "ISVA single point of contact", "--index", idx, "--json", "--k", "3"])
    remote = runner.invoke(
        app, ["search", "ISVA single point of contact", "--index", idx, "--json", "--k", "3", "--backend", "qdrant"]
    )
    assert remote.exit_code == 0, remote.output
    assert [h["chunk_id"] for h in json.loads(remote.stdout)["hits"]] == [h["chunk_id"] for h in json.loads(local.stdout)["hits"]]
    asked = runner.invoke(
        app, ["ask", "Who is the single point of contact for the ISVA service?", "--index", idx, "--backend", "qdrant", "--json"]
    )
    assert asked.exit_code == 0, asked.output
    bad = runner.invoke(app, ["search", "x", "--index", idx, "--backend", "elastic"])
    assert bad.exit_code == 1 and "unknown search backend 'elastic'" in bad.output


@pytest.mark.skipif(not os.environ.get("QDRANT_URL"), reason="QDRANT_URL not set: no Qdrant server to test against")
def test_against_a_real_server(tmp_path, monkeypatch):
    monkeypatch.setenv("QDRANT_URL", os.environ["QDRANT_URL"])
    monkeypatch.setenv("INQUIRE_QDRANT_PREFIX", f"inquire-test-{uuid.uuid4().hex[:8]}-")
    shutil.copytree(CORPUS, tmp_path / "corpus")
    build_index([tmp_path / "corpus"], tmp_path / "idx", FakeEmbedder())
    report = sync(tmp_path / "idx")
    assert len(report.added) == 2
    local, remote = _pair(tmp_path / "idx")
    try:
        for f in FILTERS:
            allowed = local.allowed_ids(f)
            q = local.query_vector("training for officers")
            assert [s for _, s in remote.dense(q, 10, allowed)] == pytest.approx(
                [s for _, s in local.dense(q, 10, allowed)], abs=1e-5
            )
            assert [s for _, s in remote.by_sentence(q, 10, allowed)] == pytest.approx(
                [s for _, s in local.by_sentence(q, 10, allowed)], abs=1e-5
            )
    finally:
        local.close()
        remote.close()
        store = QdrantStore(tmp_path / "idx")
        store.drop()
        store.close()


def test_collections_made_by_hand_must_fit(tmp_path):
    """sync creates only missing collections (cluster settings are the operator's), and refuses ones
    whose vectors do not fit."""
    from qdrant_client import models

    shutil.copytree(CORPUS, tmp_path / "corpus")
    build_index([tmp_path / "corpus"], tmp_path / "idx", FakeEmbedder())
    store = QdrantStore(tmp_path / "idx")
    store.client.create_collection(
        "passages", vectors_config={"dense": models.VectorParams(size=8, distance=models.Distance.DOT)}
    )
    store.close()
    with pytest.raises(BackendUnavailable, match=r"collection passages needs a 64-d dot-product vector named 'dense'"):
        sync(tmp_path / "idx")


def test_eval_scores_the_same_with_either_backend(tmp_path):
    """inquire eval on the dev questions about the bundled corpus: the qdrant backend (local mode)
    scores as the local one (the real-model run on all of dev is in the README)."""
    from inquire.evaluation.harness import QUERIES_DIR, load_queries, run_eval

    names = {p.name for p in CORPUS.iterdir()}
    queries = [q for q in load_queries(QUERIES_DIR / "dev.jsonl") if q.doc in names]
    shutil.copytree(CORPUS, tmp_path / "corpus")
    scores = {}
    for backend in ("local", "qdrant"):
        result = run_eval(
            queries,
            FakeEmbedder(),
            index_dir=tmp_path / "idx",
            out_dir=tmp_path / backend,
            corpora=[tmp_path / "corpus"],
            retrievers=("inquire",),
            backend=backend,
        )
        assert result["backend"] == backend
        scores[backend] = result["retrievers"]["inquire"]["overall"]
    assert len(queries) >= 30
    for measure in ("Success@5", "RR@10"):
        assert abs(scores["qdrant"][measure] - scores["local"][measure]) <= 1 / len(queries) + 1e-4, (
            measure,
            scores,
        )  # one question (metrics are rounded to 4 places)


def test_a_renumbered_response_is_found_under_the_report_number_with_either_backend(tmp_path):
    docs = tmp_path / "d"
    write_renumbered_pair(docs)
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    sync(tmp_path / "idx")
    local, qdrant = _pair(tmp_path / "idx")
    f = Filters(doc="response", rec="9")
    got = [[h.chunk_id for h in s.search("report within a year", k=10, filters=f)] for s in (local, qdrant)]
    assert got[0] and sorted(got[0]) == sorted(got[1])
