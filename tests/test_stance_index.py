"""Stance, dates, printed page labels and OCR flags carried from reading into the index and out
through ``inquire rec`` / ``inquire recs`` (fake embedder)."""

from __future__ import annotations

import json
import sqlite3
from types import SimpleNamespace

import pytest
from conftest import COUNCIL, IOPC
from typer.testing import CliRunner

from inquire.cli import _pages, app
from inquire.records import CleanDocument, Response

runner = CliRunner()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    home = tmp_path_factory.mktemp("stance") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INQUIRE_HOME", str(home))
        mp.setenv("INQUIRE_EMBEDDER", "fake")
        mp.delenv("INQUIRE_INDEX", raising=False)
        result = runner.invoke(app, ["index"])
        assert result.exit_code == 0, result.output
        yield home


@pytest.fixture
def home(indexed, monkeypatch):
    monkeypatch.setenv("INQUIRE_HOME", str(indexed))
    monkeypatch.setenv("INQUIRE_EMBEDDER", "fake")
    monkeypatch.delenv("INQUIRE_INDEX", raising=False)
    return indexed


def _passages(number: str) -> list[dict]:
    result = runner.invoke(app, ["rec", number, "--json"])
    assert result.exit_code == 0, result.output
    (view,) = json.loads(result.stdout)["sources"]
    return [p | {"responder": g["responder"]} for g in view["responses"] for p in g["passages"]]


def test_rec_shows_the_stance_with_the_sentence_that_states_it(home):
    (law,) = [p for p in _passages("9") if p["responder"] == "Law Commission"]
    assert law["stance"] == "under consideration" and law["stance_kind"] == "implied"
    assert (
        law["stance_sentence"]
        == "We are going to treat your recommendation to us as a proposal for our next programme of law reform."
    )
    assert law["stance_sentence"] in " ".join(law["text"].split())
    text = runner.invoke(app, ["rec", "9"]).output
    assert "Stance: under consideration (implied)" in text
    assert "“We are going to treat your recommendation" in text
    (syp,) = [p for p in _passages("13") if p["doc"] == IOPC]
    assert syp["stance"] == "accepted" and syp["stance_kind"] == "stated"
    assert "Stance: accepted\n" in runner.invoke(app, ["rec", "13"]).output


def test_a_response_stating_no_stance_gets_null_never_a_guess(home):
    from inquire.indexer.reading import _with_stance

    text = "Response from South Yorkshire Police\nWe have met the council twice this year and a report will follow."
    resp = Response(recommendation="4", responder="South Yorkshire Police", text=text, start=0, end=len(text))
    assert _with_stance(CleanDocument(text), resp) == resp  # no stance fields set
    (iopc,) = [p for p in _passages("4") if p["doc"] == IOPC]
    assert iopc["stance"] is None and iopc["stance_sentence"] is None and iopc["stance_kind"] is None
    assert "Stance:" not in runner.invoke(app, ["rec", "4"]).output.split(IOPC)[-1]
    db = sqlite3.connect(next(home.rglob("meta.sqlite")))
    nulls = db.execute("SELECT COUNT(*) FROM responses WHERE stance IS NULL AND stance_start IS NULL").fetchone()[0]
    stated = db.execute("SELECT COUNT(*) FROM responses WHERE stance IS NOT NULL AND stance_start IS NOT NULL").fetchone()[0]
    assert nulls > 0 and stated >= 2


def test_rec_orders_responses_by_document_date_undated_last(home):
    passages = _passages("4")
    assert [p["doc"] for p in passages][:1] == [COUNCIL] and passages[0]["date"] == "2022-04-07"
    assert passages[-1]["date"] is None


def test_recs_filters_by_stance_and_counts_stances(home):
    result = runner.invoke(app, ["recs", "--json"])
    payload = json.loads(result.stdout)
    assert payload["stance_counts"] == {"under consideration": 1, "accepted": 1}
    rows = {r["number"]: r for r in payload["recommendations"]}
    assert rows["13"]["stances"] == [{"responder": "South Yorkshire Police", "stance": "accepted"}]
    assert rows["4"]["stances"] == []
    only = json.loads(runner.invoke(app, ["recs", "--status", "accepted", "--json"]).stdout)["recommendations"]
    assert [r["number"] for r in only] == ["13"]
    text = runner.invoke(app, ["recs"]).output
    assert "Stances stated: " in text and "accepted 1" in text
    bad = runner.invoke(app, ["recs", "--status", "approved"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: unknown --status 'approved'; use one of: accepted,")
    assert len(bad.output.strip().splitlines()) == 1
    # --stance is the same option (as on search), and a reader's word names the stance
    same = json.loads(runner.invoke(app, ["recs", "--stance", "Accepted", "--json"]).stdout)["recommendations"]
    assert same == only
    assert json.loads(runner.invoke(app, ["recs", "--stance", "rejected", "--json"]).stdout)["recommendations"] == []


def test_recs_since_until_take_partial_dates_and_reject_others(home):
    from inquire.query.recs import within

    assert within("2024", since="2024-06") and within("2024-06-30", since="2024-06", until="2024-06")
    assert not within("2023-12", since="2024") and not within("2025-01-02", until="2024-12-31")
    assert within(None) and not within(None, since="2020")
    rows = json.loads(runner.invoke(app, ["recs", "--since", "2000", "--json"]).stdout)["recommendations"]
    assert rows == []  # the IOPC report states no date: an undated report is not "since 2000"
    every = json.loads(runner.invoke(app, ["recs", "--json"]).stdout)["recommendations"]
    assert len(every) == 13 and all(r["date"] is None for r in every)
    bad = runner.invoke(app, ["recs", "--until", "March 2024"])
    assert bad.exit_code == 1 and "YYYY, YYYY-MM or YYYY-MM-DD" in bad.output


def test_citations_show_the_printed_label_beside_the_physical_page_and_ocr():
    def item(start, end, a=None, b=None, ocr=False):
        return SimpleNamespace(page_start=start, page_end=end, page_label_start=a, page_label_end=b, ocr=ocr)

    assert _pages(item(22, 22, "18", "18")) == "p. 18 (PDF p. 22)"
    assert _pages(item(22, 23, "18", "19")) == "pp. 18-19 (PDF pp. 22-23)"
    assert _pages(item(5, 5, "5", "5")) == "p. 5"
    assert _pages(item(5, 5, None, None, ocr=True)) == "PDF p. 5 (OCR)"
    assert _pages(item(3, 4, "i", "ii", ocr=True)) == "pp. i-ii (PDF pp. 3-4, OCR)"
    assert _pages(item(None, None), "Annex A") == "Annex A"


def test_documents_store_date_publisher_labels_and_ocr_pages(home):
    from inquire.store import Index

    with Index.open(next(home.rglob("manifest.json")).parent) as index:
        docs = {d.name: d for d in index.documents()}
    assert docs[COUNCIL].published == "2022-04-07"
    assert docs[IOPC].page_labels == () and docs[IOPC].ocr_pages == ()
    assert docs[IOPC].page_label(3) is None


def test_parse_pdf_sets_page_labels_and_date(tmp_path):
    from inquire.indexer.parse import parse
    from pdfmaker import make_pdf
    from pypdf import PdfWriter
    from pypdf.constants import PageLabelStyle

    src = make_pdf(tmp_path / "a.pdf", [["Annual report", "Published 21 March 2024"], ["Contents"], ["Body one"], ["Body two"]])
    writer = PdfWriter(clone_from=str(src))
    writer.set_page_label(1, 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(2, 3, style=PageLabelStyle.DECIMAL, start=1)
    out = tmp_path / "labelled.pdf"
    writer.write(str(out))
    raw = parse(out)
    assert [p.label for p in raw.pages][1:] == ["i", "1", "2"]
    assert raw.date == "2024-03-21"
    assert not any(p.ocr for p in raw.pages)


@pytest.mark.skipif(
    __import__("inquire.indexer.ocr", fromlist=["x"]).tesseract_binary() is None, reason="tesseract is not installed"
)
def test_index_report_names_the_pages_read_by_ocr_and_the_store_keeps_them(tmp_path, monkeypatch):
    from test_ocr import PAGES, make_scanned_pdf

    from inquire.store import Index

    monkeypatch.setenv("INQUIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INQUIRE_EMBEDDER", "fake")
    monkeypatch.delenv("INQUIRE_INDEX", raising=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    make_scanned_pdf(docs / "scan.pdf", PAGES, tmp_path)
    result = runner.invoke(app, ["index", str(docs), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ocr_pages"] == {str(docs / "scan.pdf"): [1, 2]}
    text = runner.invoke(app, ["index", str(docs), "--rebuild"]).output
    assert "read by OCR (no text layer): scan.pdf, 2 pages: 1-2" in text
    with Index.open(next((tmp_path / "home").rglob("manifest.json")).parent) as index:
        (doc,) = index.documents()
    assert doc.ocr_pages == (1, 2)


def test_search_hits_of_responses_carry_the_stance(home):
    result = runner.invoke(
        app,
        [
            "search",
            "treat your recommendation as a proposal for our next programme of law reform",
            "--role",
            "response",
            "--json",
            "-k",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    law = [h for h in hits if h["responder"] == "Law Commission"]
    assert law and law[0]["stance"] == "under consideration"
    assert all("stance" in h and "page_label_start" in h and h["ocr"] is False for h in hits)
    assert any(h["stance"] is None for h in hits)  # a response stating nothing gets none


def test_citation_label_shows_the_printed_page_and_ocr():
    from inquire.query.results import Citation

    def cite(start, end, a=None, b=None, ocr=False):
        return Citation("r.pdf", None, start, end, None, None, None, "x-0001", 0, 1, a, b, ocr)

    assert cite(22, 22, "18", "18").label() == "r.pdf, p. 18 (PDF p. 22)"
    assert cite(22, 23, "18", "19").label() == "r.pdf, pp. 18-19 (PDF pp. 22-23)"
    assert cite(4, 4, None, None, ocr=True).label() == "r.pdf, p. 4 (OCR)"
    assert cite(4, 4, "4", "4").to_json()["page_label_start"] == "4"
