from __future__ import annotations

import json

import pytest
from conftest import COUNCIL, IOPC
from typer.testing import CliRunner

from inquire import versions
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
        "for next year with the Commissioners and other partners involved in the work.\n",
        encoding="utf-8",
    )
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    conn = sqlite3.connect(versions.resolve(tmp_path / "idx").dir / "meta.sqlite")
    rows = conn.execute(
        "SELECT l.chunk_id, COUNT(*) FROM links l JOIN recommendations r ON r.id = l.rec_id "
        "WHERE l.method IN ('reference', 'mention') AND r.number = '9' GROUP BY l.chunk_id"
    ).fetchall()
    assert rows and all(n == 1 for _, n in rows)


def test_a_passage_naming_a_list_of_recommendations_is_linked_to_each(tmp_path):
    """Reference links come from the numbers stored in the passage's mentions: "recommendations 3
    and 4" names both (a pattern of its own once found only 3)."""
    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder
    from inquire.store import Index

    docs = tmp_path / "d"
    docs.mkdir()
    src = (__import__("conftest").CORPUS / IOPC).read_text(encoding="utf-8")
    (docs / IOPC).write_text(
        src + "\n\nFurther update\n\nThe work under recommendations 3 and 4 is planned for next year with the "
        "Commissioners and other partners involved in the work.\n",
        encoding="utf-8",
    )
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    with Index.open(tmp_path / "idx") as index:
        numbers = {r.id: r.number for r in index.recommendations()}
        chunk = next(c for c in index.chunks() if "recommendations 3 and 4" in c.text)
        named = sorted(
            numbers[lk.rec_id] for lk in index.links() if lk.chunk_id == chunk.chunk_id and lk.method in ("reference", "mention")
        )
    assert named == ["3", "4"]


def test_a_mention_names_the_recommendations_the_source_prints_for_it():
    from inquire.indexer.linking import _named

    numbers = {"4": 1, "4a": 2, "12": 3, "12d-e": 4}
    assert _named(numbers, "4a") == [2] and _named(numbers, "4aiv") == [2] and _named(numbers, "4b") == [1]
    assert _named(numbers, "12d-e") == [4] and _named(numbers, "12a") == [3] and _named(numbers, "5") == []
    # a range names each recommendation printed inside it (its outermost numbers); a single number
    # the source prints only in parts names none of them
    parts = {"12a": 1, "12b": 2, "12bi": 8, "12c": 3, "12d": 4, "2ai": 5, "2aii": 6}
    assert _named(parts, "12a-c") == [1, 2, 3] and _named(parts, "2aii-iii") == [6] and _named(parts, "2a") == []


def test_find_links_reads_only_and_gives_the_links_the_index_holds(tmp_path, corpus_copy):
    """scripts/eval_links.py scores find_links on a read-only index: it must be what indexing wrote."""
    from dataclasses import replace

    from inquire.indexer.linking import find_links
    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder
    from inquire.store import Index

    build_index([corpus_copy], tmp_path / "idx", FakeEmbedder())
    with Index.open(tmp_path / "idx") as index:
        stored = index.links()
        plan = find_links(index)
        recs = index.recommendations()
    assert stored and [replace(lk, id=0) for lk in stored] == list(plan.links)
    assert {(r.id, r.canonical_id, r.source) for r in recs} == {(a.rec_id, a.canonical_id, a.source) for a in plan.sources}


def test_recs_without_an_index_says_what_to_run(tmp_path):
    result = runner.invoke(app, ["recs", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "no index at" in result.output and "run `inquire index`" in result.output


def _linden_view(index_dir):
    from inquire.query.recs import rec_views

    from inquire.store import Index

    with Index.open(index_dir) as index:
        views = rec_views(index, "7", source="Linden")
        return [
            (
                v.recommendation.number,
                v.recommendation.source,
                v.recommendation.text,
                [(r.responder, r.doc, r.method, r.start) for r in v.responses],
            )
            for v in views
        ]


UNRELATED = (
    "Review of force training and data\n\n"
    + "\n\n".join(
        f"Recommendation {n}\n\nSouth Yorkshire Police should work with partners to improve the service." for n in range(1, 14)
    )
    + "\n"
)


def test_adding_an_unrelated_report_leaves_the_tracker_of_another_unchanged(tmp_path, corpus_copy):
    """Grouping needs strong evidence (the same texts both ways, in order), judged per pair of documents: a report
    whose short recommendations use only words Operation Linden's also use never becomes its source."""
    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder

    build_index([corpus_copy], tmp_path / "before", FakeEmbedder())
    before = _linden_view(tmp_path / "before")
    (corpus_copy / "unrelated-review.txt").write_text(UNRELATED, encoding="utf-8")
    build_index([corpus_copy], tmp_path / "after", FakeEmbedder())
    assert before and before == _linden_view(tmp_path / "after")


@pytest.mark.corpora
def test_adding_the_other_development_documents_leaves_linden_unchanged(tmp_path, corpus_copy):
    """The issue's check: index the bundled corpus, add the other development documents, `rec 7` on Linden is unchanged."""
    import shutil

    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder
    from inquire.paths import eval_pdf_dir

    pdfs = sorted(eval_pdf_dir().glob("*.pdf"))
    if not pdfs:
        pytest.skip(f"no PDFs under {eval_pdf_dir()}")
    build_index([corpus_copy], tmp_path / "before", FakeEmbedder())
    for p in pdfs:
        shutil.copy(p, corpus_copy / p.name)
    build_index([corpus_copy], tmp_path / "after", FakeEmbedder())
    assert _linden_view(tmp_path / "before") == _linden_view(tmp_path / "after")


def _indexed(tmp_path, files: dict[str, str]):
    """An index (fake embedder) of text files written under tmp_path, opened for reading."""
    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder
    from inquire.store import Index

    docs = tmp_path / "d"
    docs.mkdir()
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    build_index([docs], tmp_path / "idx", FakeEmbedder())
    return Index.open(tmp_path / "idx")


def test_a_pointer_inside_the_reply_to_another_recommendation_is_a_mention_not_a_response(tmp_path):
    from inquire.query.recs import rec_views, tracker

    report = (
        "Review of the service\n\n"
        "Recommendation 1\n\nThe force should train its staff in the new procedure within a year.\n\n"
        "Response from the Chief Constable\n\nAccepted. Training starts in May for all officers and staff.\n\n"
        "Recommendation 2\n\nThe force should publish its data on the procedure every quarter.\n\n"
        "Response from the Chief Constable\n\nSee recommendation 1.\n"
    )
    with _indexed(tmp_path, {"report.txt": report}) as index:
        (view,) = rec_views(index, "1")
        rows = {r.recommendation.number: r for r in tracker(index)}
    assert [r.method for r in view.responses] == ["explicit"]
    assert [m.method for m in view.mentions] == ["mention"] and view.mentions[0].text.endswith("See recommendation 1.")
    assert rows["1"].n_links == 1 and rows["2"].n_links == 1
    # the tracker view the web page shows counts the same (no mention among the responses)
    import sqlite3

    from inquire.versions import resolve

    conn = sqlite3.connect(f"file:{resolve(tmp_path / 'idx').dir / 'meta.sqlite'}?mode=ro", uri=True)
    view_rows = {n: (c, json.loads(m)) for n, c, m in conn.execute("SELECT number, responses, linked FROM tracker")}
    conn.close()
    assert view_rows == {"1": (1, ["explicit"]), "2": (1, ["explicit"])}


def test_source_is_named_whatever_the_punctuation():
    from inquire.query.recs import names_source

    assert names_source("Post Office", "Horizon IT Inquiry", "post_office_horizon_inquiry_vol1.pdf")
    assert names_source("covid-19 inquiry", "UK Covid 19 Inquiry Module 1")
    assert not names_source("grenfell", "UK Covid-19 Inquiry", "covid.pdf")


def test_a_briefing_that_summarises_a_report_and_names_it_joins_its_source(tmp_path):
    recs = [
        "My principal recommendation remains that a compensation scheme for widget owners should be set up now.",
        "A permanent memorial to the widget owners should be established and funded by the government.",
        "Training for widget engineers should include the lessons of this inquiry and be reviewed every year.",
    ]
    files = {
        "report.txt": "Widget Safety Inquiry Report\n\n"
        + "\n\n".join(f"Recommendation {k}\n\n{t}" for k, t in enumerate(recs, 1))
        + "\n",
        "briefing.txt": "Widget Safety Inquiry: a briefing on the recommendations\n\n"
        "Recommendation 1\n\nSet up a compensation scheme for widget owners now.\n\n"
        "Recommendation 2\n\nEstablish a permanent memorial to widget owners.\n\n"
        "Recommendation 3\n\nInclude the lessons of this inquiry in training for widget engineers.\n",
    }
    with _indexed(tmp_path, files) as index:
        names = {d.doc_id: d.name for d in index.documents()}
        rows = index.recommendations()
        by_id = {r.id: r for r in rows}
    briefing = [r for r in rows if names[r.doc_id] == "briefing.txt"]
    assert briefing and all(r.canonical_id is not None and names[by_id[r.canonical_id].doc_id] == "report.txt" for r in briefing)


def test_a_parent_number_gathers_its_parts_in_a_source_that_has_no_record_of_its_own(tmp_path):
    from inquire.query.recs import rec_views

    files = {
        "alpha.txt": (
            "Alpha review of ferries\n\nRecommendation 12\n\nThe ferry operator should publish its timetable a month ahead.\n"
        ),
        "beta.txt": (
            "Beta inquiry into bridges\n\nRecommendation 12a\n\nThe Government should report on bridge safety within a year.\n\n"
            "Recommendation 12b\n\nParliament should review the bridge inspection regime every five years.\n\n"
            "Recommendation 13\n\nInspectors should publish their findings on every bridge they visit.\n"
        ),
    }
    with _indexed(tmp_path, files) as index:
        every = [v.recommendation.number for v in rec_views(index, "12")]
        beta = [v.recommendation.number for v in rec_views(index, "12", source="bridges")]
    assert sorted(every) == ["12", "12a", "12b"] and beta == ["12a", "12b"]
