from __future__ import annotations

import json

import pytest
from conftest import CORPUS
from inquire.evaluation.harness import PHANTOM, EvalQuery, _metrics, load_queries, run_eval
from inquire.evaluation.judge import passage_matches

from inquire.embedding.fake import FakeEmbedder
from inquire.params import ANSWER, FUSION, LINK


def test_metrics_match_hand_computed_values():
    qrels = {"q1": {"a": 1}, "q2": {"x": 1, "y": 1}, "q3": {PHANTOM: 1}}
    run = {"q1": ["b", "a", "c"], "q2": ["x", "z", "y"], "q3": ["a"]}
    m = _metrics(qrels, run)
    # q1: first relevant at rank 2 -> RR 1/2; S@1 0, S@5 1; nDCG = (1/log2 3) / 1 = 0.6309
    assert m["q1"]["RR@10"] == pytest.approx(0.5)
    assert (m["q1"]["Success@1"], m["q1"]["Success@5"]) == (0.0, 1.0)
    assert m["q1"]["nDCG@10"] == pytest.approx(0.6309, abs=1e-4)
    # q2: relevant at ranks 1 and 3 -> DCG = 1 + 1/log2 4 = 1.5; IDCG = 1 + 1/log2 3 = 1.6309 -> 0.9197
    assert m["q2"]["nDCG@10"] == pytest.approx(1.5 / 1.6309, abs=1e-4)
    assert m["q2"]["RR@10"] == 1.0
    # q3: its answer is in no passage: counted, as a miss
    assert m["q3"] == {k: 0.0 for k in m["q3"]}


def test_judge_ignores_pdf_spacing_and_hyphen_quirks():
    assert passage_matches("the Library pr ovides a whole-\nsystem view", ["provides a whole-system view"])
    assert passage_matches("“Curly” quotes – and dashes", ['"curly" quotes - and'])
    assert not passage_matches("something else", ["provides"])


def test_run_eval_writes_trec_files_and_scores_every_retriever(tmp_path):
    queries = [
        EvalQuery("q1", "ISVA single point of contact", "factoid", None, ("single point of contact",)),
        EvalQuery("q2", "neighbourhood policing posts 2017", "factoid", None, ("268 in 2017",)),
        EvalQuery("q3", "moon landing", "topical", None, ("no such text anywhere",)),
    ]
    result = run_eval(queries, FakeEmbedder(), index_dir=tmp_path / "idx", out_dir=tmp_path / "out", corpora=[CORPUS])
    assert set(result["retrievers"]) == {"inquire", "bm25", "dense", "rrf"}
    for name, r in result["retrievers"].items():
        assert r["unreachable"] == 1  # q3
        assert r["overall"]["Success@10"] <= 0.6667  # q3 can never succeed (rounded to 4 places)
        run_lines = (tmp_path / "out" / f"run.{name}.txt").read_text().splitlines()
        q, q0, docid, rank, score, tag = run_lines[0].split()
        assert (q, q0, rank, tag) == ("q1", "Q0", "1", name)
        qrels = (tmp_path / "out" / f"qrels.{name}.txt").read_text().splitlines()
        assert any(line.startswith("q3 0 " + PHANTOM) for line in qrels)
    # BM25 puts a window with every query word first for q1 and q2: S@1 = RR = 2/3
    bm25 = result["retrievers"]["bm25"]["overall"]
    assert (bm25["Success@1"], bm25["RR@10"]) == (0.6667, 0.6667)
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["queries"] == 3
    # the parameters the run used are recorded with its figures
    assert metrics["params"]["fusion"] == FUSION.to_dict() and metrics["params"]["fusion"]["rrf_k"] == 40
    assert metrics["params"]["answer"]["abstain_below"] == ANSWER.abstain_below
    assert metrics["params"]["link"]["content_threshold"] == LINK.content_threshold
    assert len(result["worst"]) == 3


def test_eval_runs_with_the_weights_it_is_given(tmp_path):
    from dataclasses import replace

    queries = [EvalQuery("q1", "ISVA single point of contact", "factoid", None, ("single point of contact",))]
    weights = replace(FUSION, w_dense=0.0, w_sentence=0.0)
    result = run_eval(
        queries,
        FakeEmbedder(),
        index_dir=tmp_path / "idx",
        out_dir=tmp_path / "out",
        corpora=[CORPUS],
        retrievers=("inquire",),
        weights=weights,
    )
    assert result["params"]["fusion"]["w_dense"] == 0.0


def test_eval_scores_inquire_with_late_interaction_beside_it(tmp_path):
    queries = [
        EvalQuery("q1", "victims kept informed about their case", "paraphrase", None, ("single point of contact",)),
        EvalQuery("q2", "Operation Linden recommendation 7", "lookup", "7", ("continues to work with the local ISVA",)),
    ]
    result = run_eval(
        queries,
        FakeEmbedder(),
        index_dir=tmp_path / "idx",
        out_dir=tmp_path / "out",
        corpora=[CORPUS],
        retrievers=("inquire", "rerank", "first-stage"),
    )
    assert set(result["retrievers"]) == {"inquire", "rerank", "first-stage"}
    assert "late-interaction" in result["retrievers"]["rerank"]["label"]
    runs = {name: (tmp_path / "out" / f"run.{name}.txt").read_text().splitlines() for name in result["retrievers"]}
    # the lookup (a recommendation named) is not re-ranked; the plain question's top passages are
    lookup = {name: [line.split()[2] for line in lines if line.startswith("q2 ")] for name, lines in runs.items()}
    plain = {name: [line.split()[2] for line in lines if line.startswith("q1 ")] for name, lines in runs.items()}
    assert lookup["inquire"] == lookup["rerank"] == lookup["first-stage"]
    # the index stores its passages' token states: inquire's search re-ranks as it runs
    assert plain["inquire"] == plain["rerank"] != plain["first-stage"]


def test_bundled_query_set_is_well_formed():
    from inquire.evaluation.harness import QUERIES_DIR

    queries = load_queries(QUERIES_DIR / "dev.jsonl")
    assert len(queries) >= 100
    assert len({q.id for q in queries}) == len(queries)
    kinds = [q.kind for q in queries]
    assert kinds.count("paraphrase") * 3 >= len(queries)
    assert set(kinds) == {"lookup", "factoid", "paraphrase", "topical"}


def test_each_document_set_gets_its_own_eval_index(tmp_path):
    from inquire.evaluation.harness import eval_index_dir

    a, b = tmp_path / "a", tmp_path / "b"
    assert eval_index_dir([a]) != eval_index_dir([b])
    assert eval_index_dir([a, b]) == eval_index_dir([b, a])


def test_eval_with_answers_scores_quotes_and_refusals(tmp_path):
    from typer.testing import CliRunner

    from inquire.cli import app

    queries = tmp_path / "dev.jsonl"
    queries.write_text(
        json.dumps(
            {"id": "q1", "query": "ISVA single point of contact", "kind": "factoid", "answers": ["single point of contact"]}
        )
        + "\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["eval", "--queries", str(queries), "--corpus", str(CORPUS), "--index", str(tmp_path / "idx"), "--out", str(out)]
        + ["--retriever", "inquire", "--answers", "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["answers"]
    assert set(report["systems"]) == {"inquire", "top-passage"}
    sets = report["systems"]["inquire"]["sets"]
    # the judged set, plus the questions judged on refusing: off-topic, in-domain, other inquiries (dev half)
    # and in-domain questions naming their source in other ways, and written blind (dev only)
    assert set(sets) == {"answerable", "off_topic", "in_domain", "other_inquiry", "sources", "indomain"}
    assert sets["answerable"]["n"] == 1 and 0.0 <= sets["answerable"]["quote_precision"] <= 1.0
    assert sets["other_inquiry"]["should_abstain"] == 81 and sets["off_topic"]["should_abstain"] == 20
    assert sets["sources"]["n"] == 30 and "should_abstain" not in sets["sources"]
    assert sets["indomain"]["n"] == 260 and "should_abstain" not in sets["indomain"]
    assert sets["in_domain"]["confidence"]["outside_0_1"] == 0
    lines = [json.loads(line) for line in (out / "answers.jsonl").read_text().splitlines()]
    assert {x["system"] for x in lines} == {"inquire", "top-passage"} and len(lines) == 2 * (1 + 20 + 20 + 81 + 30 + 260)
    assert json.loads((out / "metrics.json").read_text())["answers"] == report
    # the terminal table
    table = CliRunner().invoke(
        app,
        ["eval", "--queries", str(queries), "--corpus", str(CORPUS), "--index", str(tmp_path / "idx"), "--out", str(out)]
        + ["--retriever", "inquire", "--answers"],
    )
    assert table.exit_code == 0 and "quote precision" in table.output and "other inquiry answered 81/81" in table.output
