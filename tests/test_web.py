"""The web pages (``inquire serve``: a Datasette plugin), driven in a real headless Chromium.

One index (the bundled corpus plus a four-page PDF made here) is built once per session with the
fake embedder, and one ``inquire serve`` process serves it; the browser is Debian's ``chromium``
through Playwright (``make test`` and ``.ci/run`` install both). Screenshots of every page at
1280x800 and 390x844 are written to ``build/screenshots/`` (``$INQUIRE_SCREENSHOTS`` moves them).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import CORPUS, IOPC, ROOT
from pdfmaker import make_pdf
from typer.testing import CliRunner

from inquire.cli import app

pytest.importorskip("datasette", reason="the web extra is not installed: pip install -e '.[test,web]'")
pytest.importorskip("playwright", reason="the web extra is not installed: pip install -e '.[test,web]'")

CHROMIUM = Path(os.environ.get("INQUIRE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("INQUIRE_SCREENSHOTS", ROOT / "build" / "screenshots"))
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
PDF = "linden-progress-update.pdf"
runner = CliRunner()


def _page_text(*paragraphs: str) -> list[str]:
    lines: list[str] = []
    for p in paragraphs:
        lines += textwrap.wrap(p, 90) + [""]
    return lines


PDF_PAGES = [
    _page_text(
        "Operation Linden: progress update from the force to the Independent Office for Police Conduct",
        "This update reports the progress the force has made on the recommendations of the Operation Linden report since "
        "the last update. It is written for the Police and Crime Commissioner and for the public, and it will be followed "
        "by a further update in the spring. Each section below names the recommendation it answers and describes the work "
        "done, the work still planned and the officer who leads it.",
    ),
    _page_text(
        "Response to recommendation 7",
        "In answer to recommendation 7, the force has appointed a named detective inspector as the single point of contact "
        "for the independent sexual violence advisers. The detective inspector meets the managers of the adviser service "
        "every month, reviews every referral that was delayed, and reports on referral times to the rape and serious sexual "
        "offences board. Advisers now deliver a session on their role in the initial training of every new investigator.",
    ),
    _page_text(
        "Response to recommendation 9",
        "On recommendation 9, the force has written to the Law Commission to support its review of the offence of misconduct "
        "in public office. The force asked that the review consider how the offence applies to officers who fail to act on "
        "reports of exploitation, and it has offered the Commission anonymised case studies from the investigations.",
    ),
    _page_text(
        "Governance of this plan",
        "The deputy chief constable chairs a quarterly board that checks the evidence behind every action in this plan. "
        "An action is closed only when the board has seen that the change is working in practice, for example through "
        "audits of case files, surveys of victims and the views of partner agencies.",
    ),
]


def _build(paths: list[Path], index_dir: Path) -> None:
    from inquire.indexer.pipeline import build_index

    from inquire.embedding.fake import FakeEmbedder

    report = build_index(paths, index_dir, FakeEmbedder())
    assert report.written and not report.failed, report


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    docs = tmp_path_factory.mktemp("webdocs")
    for f in CORPUS.iterdir():
        shutil.copy(f, docs / f.name)
    make_pdf(docs / PDF, PDF_PAGES)
    index_dir = tmp_path_factory.mktemp("webindex") / "index"
    _build([docs], index_dir)
    return index_dir


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(INQUIRE_EMBEDDER="fake", INQUIRE_HOME=str(home), PYTHONUNBUFFERED="1")
    env.pop("INQUIRE_INDEX", None)
    return env


class _Server:
    """``inquire serve --port 0`` on the session index, started at once; ``url`` waits for the address it prints."""

    def __init__(self, index_dir: Path, home: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "inquire", "serve", "--index", str(index_dir), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_env(home),
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        self._url: str | None = None

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+)/-/inquire/search", line)
            if m and not self._url:
                self._url = m.group(1)
                self.ready.set()
        self.ready.set()  # the process ended

    @property
    def url(self) -> str:
        self.ready.wait(90)
        assert self._url, f"inquire serve did not start: {''.join(self.lines)}"
        return self._url

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def serving(web_index, tmp_path_factory) -> Iterator[_Server]:
    srv = _Server(web_index, tmp_path_factory.mktemp("servehome"))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def server(serving, browser) -> str:
    """The base URL of the running server (the browser starts while the server does)."""
    return serving.url


@pytest.fixture(scope="session")
def browser(serving):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make test` installs it (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15000)
    yield context
    context.close()


@pytest.fixture
def page(desktop):
    pg = desktop.new_page()
    yield pg
    pg.close()


def _cli_json(*args: str) -> dict:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _dom_hits(page) -> list[dict]:
    return page.eval_on_selector_all(
        "li.hit",
        """els => els.map(e => ({
        rank: +e.dataset.rank, chunk_id: e.dataset.chunkId, score: e.dataset.score,
        cite: e.querySelector('.cite').textContent.trim(), text: e.querySelector('.passage').textContent}))""",
    )


def _in_thread(coro):
    """Run a coroutine on its own loop in another thread (Playwright's sync API owns this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# ---- search


def test_search_with_a_filter_returns_only_that_document_and_a_shareable_url(page, server):
    page.goto(f"{server}/-/inquire/search")
    page.fill("#q", "single point of contact for the advisers")
    page.click("details.filter-box > summary")
    page.select_option("#f-doc", PDF)
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit")
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == ["single point of contact for the advisers"] and query["doc"] == [PDF]
    hits = _dom_hits(page)
    assert hits and all(h["cite"].startswith(PDF) for h in hits)
    assert "detective inspector" in hits[0]["text"] and hits[0]["cite"].startswith(f"{PDF}, p. 2")
    shared = page.url
    page.goto(shared)  # the URL alone gives the same page
    assert _dom_hits(page) == hits
    assert page.locator("details.filter-box").get_attribute("open") is not None  # a set filter stays visible


def test_search_page_hits_are_identical_to_inquire_search_json(page, server, web_index):
    q, role = "what did South Yorkshire Police say about training", "response"
    cli = _cli_json("search", q, "--role", role, "--k", "7", "--index", str(web_index), "--json")
    page.goto(f"{server}/-/inquire/search?q={q.replace(' ', '+')}&role={role}&k=7")
    dom = _dom_hits(page)
    assert [(h["rank"], h["chunk_id"], h["score"]) for h in dom] == [
        (h["rank"], h["chunk_id"], f"{h['score']:.6f}") for h in cli["hits"]
    ]
    assert [h["text"] for h in dom] == [h["text"] for h in cli["hits"]]
    assert len(dom) == 7
    as_json = page.request.get(f"{server}/-/inquire/search.json?q={q.replace(' ', '+')}&role={role}&k=7").json()
    assert as_json == cli  # every field, every hit, every also_in citation


def test_stance_and_date_filters_on_the_page_equal_inquire_search_json(page, server, web_index):
    q = "what did the force do about the recommendation"
    page.goto(f"{server}/-/inquire/search")
    page.fill("#q", q)
    page.click("details.filter-box > summary")
    page.select_option("#f-stance", "accepted")
    page.press("#q", "Enter")
    page.wait_for_selector("li.hit")
    assert parse_qs(urlparse(page.url).query)["stance"] == ["accepted"]
    cli = _cli_json("search", q, "--stance", "accepted", "--index", str(web_index), "--json")
    dom = _dom_hits(page)
    assert dom and [(h["rank"], h["chunk_id"]) for h in dom] == [(h["rank"], h["chunk_id"]) for h in cli["hits"]]
    assert page.eval_on_selector_all("li.hit .stance", "els => els.map(e => e.textContent)") == ["accepted"] * len(dom)
    # dates: typed as a reader writes them, in a shareable URL
    page.goto(f"{server}/-/inquire/search?q={q.replace(' ', '+')}&since=2022-04&until=2022")
    cli = _cli_json("search", q, "--since", "2022-04", "--until", "2022", "--index", str(web_index), "--json")
    dom = _dom_hits(page)
    assert dom and [h["chunk_id"] for h in dom] == [h["chunk_id"] for h in cli["hits"]]
    assert {h["doc"] for h in cli["hits"]} == {"rotherham-council-2022-04-07-syp-progress-report-operation-linden.txt"}
    assert page.input_value("#f-since") == "2022-04" and page.input_value("#f-until") == "2022"
    response = page.goto(f"{server}/-/inquire/search?q=ISVA&since=April+2022")
    assert response.status == 400
    assert page.inner_text("p.error") == "since 'April 2022' is not a date; give YYYY, YYYY-MM or YYYY-MM-DD, e.g. since 2024-03"


def test_the_form_offers_every_filter_inquire_search_takes(page, server):
    import dataclasses

    from inquire.query.search import Filters

    page.goto(f"{server}/-/inquire/search")
    names = page.eval_on_selector_all("details.filter-box [name]", "els => els.map(e => e.name)")
    assert names == [f.name for f in dataclasses.fields(Filters)] + ["k"]


def test_a_bad_filter_is_a_one_line_error_on_the_page(page, server):
    response = page.goto(f"{server}/-/inquire/search?q=ISVA&role=summary")
    assert response.status == 400
    assert page.inner_text("p.error") == "unknown role 'summary'; use recommendation, response or other"


# ---- recommendation


def test_a_hit_leads_to_its_recommendation_with_every_response(page, server, web_index):
    page.goto(f"{server}/-/inquire/search?q=named+point+of+contact+ISVA+recommendation+7")
    page.locator("li.hit a.rec-link").first.click()
    page.wait_for_url(re.compile(r"/-/inquire/rec/7\?source="))
    assert page.inner_text("h1") == "Recommendation 7: Working arrangements with the ISVA service"
    cli = _cli_json("rec", "7", "--index", str(web_index), "--json")
    (view,) = cli["sources"]
    cards = page.locator("article.response")
    assert cards.count() == len(view["responses"])
    methods = page.eval_on_selector_all("article.response dd.linked", "els => els.map(e => e.textContent.trim())")
    expected = [
        p["linked"] + ("" if p["linked"] == "explicit" else f", confidence {p['confidence']:.2f}")
        for g in view["responses"]
        for p in g["passages"]
    ]
    assert methods == expected and any(m.startswith("content, confidence") for m in methods)
    assert page.request.get(page.url.replace("/rec/7?", "/rec/7.json?")).json() == cli


def test_an_unknown_recommendation_is_a_404_naming_the_sources(page, server):
    response = page.goto(f"{server}/-/inquire/rec/99")
    assert response.status == 404
    assert page.inner_text("p.error").startswith("no recommendation 99; sources in the index: ")


# ---- tracker


def test_tracker_facet_and_csv_export(page, server, web_index):
    page.goto(f"{server}/-/inquire/tracker")
    assert urlparse(page.url).path == "/inquire/tracker"
    assert page.locator("table.rows-and-columns tbody tr").count() == 13
    page.locator("#facet-responders a", has_text=re.compile(r"^Law Commission$")).click()
    page.wait_for_url(re.compile(r"responders__arraycontains=Law"))
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 1 and rows.first.locator("td.col-number").inner_text() == "9"
    href = page.locator("a", has_text=re.compile(r"^CSV$")).first.get_attribute("href")
    response = page.request.get(server + href if href.startswith("/") else href)
    assert response.ok
    table = list(csv.DictReader(io.StringIO(response.text())))
    assert [(r["number"], json.loads(r["responders"])) for r in table] == [("9", ["Law Commission"])]
    # the number links to the recommendation page
    rows.first.locator("td.col-number a").click()
    assert page.inner_text("h1").startswith("Recommendation 9")


def test_tracker_view_agrees_with_inquire_recs(web_index):
    import sqlite3

    from inquire.web.site import version_dir

    recs = _cli_json("recs", "--index", str(web_index), "--json")["recommendations"]
    conn = sqlite3.connect(f"file:{version_dir(web_index) / 'meta.sqlite'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT * FROM tracker").fetchall()
    stances = "stances" in rows[0].keys()  # when the index records stances (and dates), so does the view
    view = {
        (r["number"], r["doc"]): (
            json.loads(r["responders"]),
            json.loads(r["response_docs"]),
            r["responses"],
            json.loads(r["linked"]),
            r["unanswered"],
            sorted(json.loads(r["stances"])) if stances else None,
            r["date"] if stances else None,
        )
        for r in rows
    }
    cli = {
        (r["number"], r["doc"]): (
            r["responders"],
            r["response_docs"],
            r["responses"],
            r["linked"],
            "no" if r["responses"] else "yes",
            sorted({s["stance"] for s in r["stances"]}) if stances else None,
            r.get("date") if stances else None,
        )
        for r in recs
    }
    assert view == cli and len(view) == len(rows)
    pairs = conn.execute("SELECT number, responder, doc, linked, confidence FROM recommendation_responses").fetchall()
    assert len(pairs) == sum(r["responses"] for r in recs)


def test_index_holds_the_tracker_views_and_datasette_sees_its_fts_table(web_index):
    from inquire.web.server import make_datasette
    from inquire.web.views import VIEWS

    ds = make_datasette(web_index)

    async def check():
        await ds.invoke_startup()
        db = ds.get_database("inquire")
        return set(await db.view_names()), await db.fts_table("chunks")

    views, fts = _in_thread(check())
    assert set(VIEWS) <= views
    assert fts == "chunks_fts"  # so Datasette's own search box works on chunks


# ---- ask


def test_ask_abstains_with_the_plain_statement(page, server, web_index):
    # Nothing in the index is about recommendation 99, so nothing can be quoted: the plain statement.
    # (With the real model an off-topic question abstains the same way: test_ask_abstains_off_topic_with_the_real_model.)
    question = "What did the force say about the new training programme?"
    page.goto(f"{server}/-/inquire/ask")
    page.fill("#q", question)
    page.click("details.filter-box > summary")
    page.fill("#f-rec", "99")
    page.click("form.inquire-form button[type=submit]")
    page.wait_for_selector("section.answer")
    assert page.inner_text("p.abstained") == "The indexed reports do not appear to answer this question."
    assert page.locator("blockquote.quote").count() == 0
    cli = _cli_json("ask", question, "--rec", "99", "--index", str(web_index), "--json")
    assert cli["abstained"] is True and cli["answer"] == []
    assert [h["chunk_id"] for h in cli["hits"]] == [h["chunk_id"] for h in _dom_hits(page)]


@pytest.mark.model
def test_ask_abstains_off_topic_with_the_real_model(tmp_path):
    from inquire.indexer.pipeline import build_index

    from inquire.embedding import get_embedder
    from inquire.web.server import make_datasette

    embedder = get_embedder("auto")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / IOPC, docs / IOPC)  # one document keeps the real-model build short
    build_index([docs], tmp_path / "idx", embedder)
    ds = make_datasette(tmp_path / "idx", embedder)

    async def ask(question):
        await ds.invoke_startup()
        return (await ds.client.get(f"/-/inquire/ask?q={question}")).text

    off_topic = _in_thread(ask("What+is+the+boiling+point+of+mercury%3F"))
    assert "The indexed reports do not appear to answer this question." in off_topic and "<blockquote" not in off_topic
    answered = _in_thread(ask("Who+is+South+Yorkshire+Police%27s+single+point+of+contact+for+the+ISVA+service%3F"))
    assert "<blockquote" in answered and "single point of contact" in answered


def test_ask_quotes_exact_sentences_with_citations(page, server, web_index):
    question = "Who is the single point of contact for the ISVA service?"
    page.goto(f"{server}/-/inquire/ask?q={question.replace(' ', '+').replace('?', '%3F')}")
    cli = _cli_json("ask", question, "--index", str(web_index), "--json")
    assert not cli["abstained"]
    quotes = page.eval_on_selector_all("blockquote.quote", "els => els.map(e => e.textContent.trim())")
    assert quotes == [f"“{a['text']}”" for a in cli["answer"]]
    assert page.request.get(page.url.replace("/-/inquire/ask?", "/-/inquire/ask.json?")).json() == cli
    page.locator("ul.quote-cites a.source-link").first.click()
    marked = page.inner_text("mark#passage")
    assert marked == cli["answer"][0]["text"]


# ---- source


def test_source_link_lands_on_the_cited_page(page, server):
    from pypdf import PdfReader

    page.goto(f"{server}/-/inquire/search?q=detective+inspector+single+point+of+contact&doc={PDF}&k=3")
    hit = page.locator("li.hit").first
    assert hit.locator(".cite").inner_text().startswith(f"{PDF}, p. 2")
    pdf_href = hit.locator("a.pdf-link").get_attribute("href")
    assert pdf_href.endswith("#page=2")
    hit.locator("a.source-link").click()
    page.wait_for_url(re.compile(r"#passage$"))
    mark = page.locator("mark#passage")
    assert mark.is_visible() and "detective inspector" in mark.inner_text()
    box = mark.bounding_box()
    assert 0 <= box["y"] < 800  # scrolled into view
    assert mark.evaluate("m => m.closest('section').id") == "page-2"
    pdf = page.request.get(server + pdf_href.split("#")[0])
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.body()))
    assert "detective inspector" in reader.pages[1].extract_text()
    assert "detective inspector" not in reader.pages[0].extract_text()


def test_a_passage_across_a_page_break_is_marked_on_both_pages(web_index):
    from inquire.web import pages
    from inquire.web.site import Site

    site = Site(web_index)
    try:

        def build(opened, params):
            (doc,) = [d for d in opened.index.documents() if d.name == PDF]
            row = opened.index.document(doc.doc_id)
            start = row.text.index("every new investigator")
            end = row.text.index("misconduct in public office")
            return pages.source_page(opened, doc.doc_id, params(start, end), pages.Urls("/")), row.text[start:end]

        page, passage = site.call_sync(lambda o: build(o, lambda a, b: {"start": str(a), "end": str(b)}))
        assert [b.number for b in page.blocks] == [1, 2, 3, 4] and page.cited_page == 2
        marked = [(b.number, p.text, p.anchor) for b in page.blocks for p in b.parts if p.marked]
        assert [m[0] for m in marked] == [2, 3] and [m[2] for m in marked] == ["passage", ""]
        assert "".join(m[1] for m in marked) == passage
        assert page.original_href.endswith("#page=2") and page.whole_href and not page.earlier_href
        one, _ = site.call_sync(lambda o: build(o, lambda a, b: {"page": "4"}))
        assert [b.number for b in one.blocks] == [4] and one.earlier_href.endswith("?page=3#page-3") and not one.marked
    finally:
        site.close()


def test_a_changed_original_is_not_served_as_the_cited_one(tmp_path):
    from inquire.web.server import make_datasette

    pdf = make_pdf(tmp_path / "r.pdf", PDF_PAGES[:2])
    _build([pdf], tmp_path / "idx")
    ds = make_datasette(tmp_path / "idx")

    async def fetch(path):
        await ds.invoke_startup()
        return await ds.client.get(path)

    doc_id = re.search(r"/-/inquire/file/([0-9a-f]+)", _in_thread(fetch("/-/inquire/search?q=detective")).text).group(1)
    assert _in_thread(fetch(f"/-/inquire/file/{doc_id}")).status_code == 200
    make_pdf(pdf, PDF_PAGES[1:3])  # edited after indexing: page 2 is no longer what was cited
    response = _in_thread(fetch(f"/-/inquire/file/{doc_id}"))
    assert response.status_code == 404 and "has changed since it was indexed" in response.text


# ---- the index changes under the server


def test_a_reindex_is_picked_up_without_restart(tmp_path):
    from inquire.web.server import make_datasette

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / IOPC, docs / IOPC)
    index_dir = tmp_path / "idx"
    _build([docs], index_dir)
    ds = make_datasette(index_dir)

    async def get(path):
        await ds.invoke_startup()
        r = await ds.client.get(path)
        assert r.status_code == 200, r.text
        return r

    before = _in_thread(get("/-/inquire/search.json?q=kestrel+survey&k=3")).json()
    assert all("kestrel" not in h["text"].lower() for h in before["hits"])
    (docs / "kestrel.txt").write_text(
        "Kestrel survey\n\nThe kestrel survey of the moorland found eleven nesting pairs "
        "along the northern ridge, more than in any year since records began.\n",
        encoding="utf-8",
    )
    _build([docs], index_dir)
    after = _in_thread(get("/-/inquire/search.json?q=kestrel+survey&k=3")).json()
    assert after["hits"][0]["doc"] == "kestrel.txt"
    tables = _in_thread(get("/inquire/documents.json?_shape=array")).json()
    assert {d["name"] for d in tables} == {IOPC, "kestrel.txt"}  # Datasette's own pages see the new version too


# ---- accessibility, no JavaScript, screenshots


PAGES = {
    "search": "/-/inquire/search?q=single+point+of+contact+ISVA&role=response&k=4",
    "recommendation": "/-/inquire/rec/7",
    "tracker": "/inquire/tracker",
    "ask": "/-/inquire/ask?q=Who+is+the+single+point+of+contact+for+the+ISVA+service%3F",
    "source": None,  # the first search hit's source link
}
OUR_PAGES = ("search", "recommendation", "ask", "source")


@pytest.fixture(scope="session")
def source_url(server) -> str:
    """The first hit's source link for a passage on page 2 of the PDF."""
    from html import unescape
    from urllib.request import urlopen

    with urlopen(f"{server}/-/inquire/search?q=detective+inspector&doc={PDF}&k=1") as response:
        html = response.read().decode()
    return server + unescape(re.search(r'class="source-link" href="([^"]+)"', html).group(1))


def test_accessibility_basics(page, server, source_url):
    for name in OUR_PAGES:
        page.goto(source_url if name == "source" else server + PAGES[name])
        assert page.get_attribute("html", "lang") == "en", name
        assert page.locator("h1").count() == 1, name
        levels = page.eval_on_selector_all("main h1, main h2, main h3, main h4", "els => els.map(e => +e.tagName[1])")
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (name, levels)  # no skipped heading level
        unlabelled = page.eval_on_selector_all(
            "input:not([type=hidden]), select, textarea",
            "els => els.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)",
        )
        assert unlabelled == [], (name, unlabelled)
    # keyboard only: skip link, question box, Enter submits; results are reachable by Tab
    page.goto(f"{server}/-/inquire/search")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("misconduct in public office")
    page.keyboard.press("Enter")
    page.wait_for_selector("li.hit")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('source-link')"):
            break
    else:
        pytest.fail("no source link reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/-/inquire/source/"))


def test_pages_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server}/-/inquire/search")
        page.fill("#q", "misconduct in public office")
        page.click("details.filter-box > summary")  # <details> opens without script
        page.select_option("#f-role", "response")
        page.click("form.inquire-form button[type=submit]")
        page.wait_for_selector("li.hit")
        assert all("response" in r for r in page.eval_on_selector_all("li.hit .role", "els => els.map(e => e.textContent)"))
        page.locator("li.hit a.rec-link").first.click()
        assert page.inner_text("h1").startswith("Recommendation")
    finally:
        context.close()


def test_screenshots_of_every_page_at_desktop_and_phone_sizes(browser, server, source_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for name, path in PAGES.items():
            page.goto(source_url if path is None else server + path)
            target = SHOTS / f"{name}-{size}.png"
            page.screenshot(path=str(target))
            assert target.stat().st_size > 5000, target
            if name in OUR_PAGES:  # no sideways scrolling on a phone
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, (name, size, overflow)
        context.close()


# ---- terminal exports


def test_recs_and_rec_csv_match_their_json(web_index):
    recs = _cli_json("recs", "--index", str(web_index), "--json")["recommendations"]
    result = runner.invoke(app, ["recs", "--index", str(web_index), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["number"], r["responders"], r["unanswered"]) for r in rows] == [
        (r["number"], "; ".join(r["responders"]), str(not r["responses"])) for r in recs
    ]
    view = _cli_json("rec", "7", "--index", str(web_index), "--json")["sources"][0]
    result = runner.invoke(app, ["rec", "7", "--index", str(web_index), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    passages = [(g["responder"], g["doc"], p["linked"], p["text"]) for g in view["responses"] for p in g["passages"]]
    assert [(r["responder"], r["doc"], r["linked"], r["text"]) for r in rows] == passages
    assert {r["number"] for r in rows} == {"7"} and rows[0]["recommendation_text"] == view["recommendation"]["text"]
    both = runner.invoke(app, ["recs", "--index", str(web_index), "--csv", "--json"])
    assert both.exit_code == 1 and "choose one of --json and --csv" in both.output


def test_serve_errors_are_one_line(web_index, tmp_path):
    import socket

    assert runner.invoke(app, ["serve", "--help"]).exit_code == 0
    missing = runner.invoke(app, ["serve", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1
    assert missing.output.strip().splitlines() == [
        f"Error: no index at {tmp_path / 'none'}: run `inquire index PATH... --index {tmp_path / 'none'}`"
    ]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = runner.invoke(app, ["serve", "--index", str(web_index), "--port", str(port)])
    assert busy.exit_code == 1
    assert busy.output.strip().splitlines() == [f"Error: port {port} on 127.0.0.1 is already in use; choose another with --port"]
