"""The Datasette plugin: inquire's pages over an index, beside Datasette's own tables.

Pages (stable URLs; plain HTML forms and links, no JavaScript needed):

- ``/-/inquire/search?q=...&doc=&rec=&responder=&role=&k=``: the same ranking as ``inquire search``
  (``.json`` gives exactly its ``--json`` output);
- ``/-/inquire/ask?q=...``: a quoted answer with citations, or the statement that the reports do not say;
- ``/-/inquire/rec/<number>?source=...``: a recommendation and every response to it (``.json`` as ``inquire rec N --json``);
- ``/inquire/tracker`` (``/-/inquire/tracker`` redirects): one row per recommendation, a Datasette view with
  facets and CSV/JSON export; ``/inquire/recommendation_responses``: recommendation x response;
- ``/-/inquire/source/<doc_id>?start=&end=``: the cleaned text, passage marked; ``/-/inquire/file/<doc_id>#page=N``:
  the original PDF.

The index location comes from the plugin configuration (``plugins.inquire.index``, which
``inquire serve`` sets), else ``$INQUIRE_INDEX`` / ``$INQUIRE_HOME/index``. Its database is added to
Datasette as ``inquire``, opened read-only, and replaced by the new version when a re-index publishes
one (checked on every request; no restart).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.database import Database
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from inquire.errors import IndexIncompatible, IndexMissing, InquireError, QueryError
from inquire.store import DATABASE
from inquire.web import pages
from inquire.web.site import Site, VersionKey
from inquire.web.views import RESPONSES, TRACKER, VIEWS, view_columns

DB_NAME = "inquire"
CLOSE_OLD_AFTER_S = 60  # a replaced version's Datasette connections are closed after in-flight queries end
TEMPLATES = Path(__file__).parent / "templates"
ARRAY_COLUMNS = ("responders", "response_docs", "linked", "stances")

_sites: weakref.WeakKeyDictionary[Any, _Served] = weakref.WeakKeyDictionary()


class _Served:
    """The site of one Datasette instance and the version its ``inquire`` database shows."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.key: VersionKey | None = None
        self.view_columns: dict[str, set[str]] = {}
        self.originals = pages.OriginalFiles()


def location_for(datasette: Any) -> Path:
    config = datasette.plugin_config("inquire") or {}
    if config.get("index"):
        return Path(config["index"]).expanduser()
    from inquire.paths import default_index_dir

    return default_index_dir()


def configure(datasette: Any, location: Path, embedder: Any = None) -> None:
    """Serve the index at ``location`` from this Datasette (``inquire serve``), with the model already loaded."""
    _sites[datasette] = _Served(Site(location, (lambda: embedder) if embedder is not None else None))


def served(datasette: Any) -> _Served:
    if datasette not in _sites:
        _sites[datasette] = _Served(Site(location_for(datasette)))
    return _sites[datasette]


def sync_database(datasette: Any) -> None:
    """Point the ``inquire`` database at the published version (a new Database object, so every
    connection opens the new file); the replaced one is closed a minute later."""
    state = served(datasette)
    try:
        key = state.site.current()
    except InquireError:
        return  # no index (yet), or a writer between renames: keep what is shown
    if key == state.key:
        return
    old = datasette.databases.get(DB_NAME)
    db = Database(datasette, path=str(key.directory / DATABASE), is_mutable=True)  # opened with ?mode=ro
    if old is not None:
        datasette.remove_database(DB_NAME)
    datasette.add_database(db, name=DB_NAME)
    state.key = key
    state.view_columns = view_columns(key.directory / DATABASE)
    if old is not None:
        try:
            asyncio.get_running_loop().call_later(CLOSE_OLD_AFTER_S, old.close)
        except RuntimeError:  # no running loop (startup outside a server)
            old.close()


def urls_for(datasette: Any) -> pages.Urls:
    return pages.Urls(datasette.setting("base_url") or "/")


# ---- hooks


@hookimpl
def prepare_jinja2_environment(env):
    """The pages' templates (Datasette finds plugin templates only beside a plugin *package*)."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


@hookimpl
def startup(datasette):
    sync_database(datasette)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def check_version_then(scope, receive, send):
            if scope.get("type") == "http":
                sync_database(datasette)
            await app(scope, receive, send)

        return check_version_then

    return wrap


@hookimpl
def register_routes():
    return [
        (r"^/-/inquire/?$", home),
        (r"^/-/inquire/search(?P<format>\.json)?$", search_view),
        (r"^/-/inquire/ask(?P<format>\.json)?$", ask_view),
        (r"^/-/inquire/rec/(?P<number>[^/]+?)(?P<format>\.json)?$", rec_view),
        (r"^/-/inquire/source/(?P<doc_id>[0-9a-f]{1,64})$", source_view),
        (r"^/-/inquire/file/(?P<doc_id>[0-9a-f]{1,64})$", file_view),
        (r"^/-/inquire/tracker$", tracker_view),
    ]


@hookimpl
def menu_links(datasette):
    urls = urls_for(datasette)
    return [
        {"href": urls.search(), "label": "Search the reports"},
        {"href": urls.ask(), "label": "Ask a question"},
        {"href": urls.tracker_entry(), "label": "Recommendation tracker"},
        {"href": urls.responses_table(), "label": "Every response"},
    ]


@hookimpl
def get_metadata(datasette, key, database, table):
    urls = urls_for(datasette)
    state = _sites.get(datasette)
    columns = state.view_columns if state else {}
    facets: list[Any] = ["source", "unanswered", {"array": "responders"}, {"array": "linked"}]
    if "stances" in columns.get(TRACKER, set()):
        facets.append({"array": "stances"})
    response_facets = ["source", "responder", "linked"] + (["stance"] if "stance" in columns.get(RESPONSES, set()) else [])
    nav = (
        f'<a href="{urls.search()}">Search</a> · <a href="{urls.ask()}">Ask</a> · '
        f'<a href="{urls.tracker()}">Tracker</a> · <a href="{urls.responses_table()}">Every response</a>'
    )
    return {
        "title": "inquire",
        "description_html": f"Oversight reports, their recommendations and every response to them. {nav}",
        "databases": {
            DB_NAME: {
                "description_html": f"The index that inquire searches (read-only). {nav}",
                "tables": {
                    TRACKER: {
                        "title": "Recommendation tracker",
                        "description_html": "One row per recommendation, as made by its source report: who responded, "
                        "in which documents, how each response was linked (explicit, reference, content), and whether it is "
                        f"unanswered (no response found). The number opens the recommendation with every response. {nav}",
                        "facets": facets,
                        "sort": "id",
                        "size": 100,
                    },
                    RESPONSES: {
                        "title": "Every response, by recommendation",
                        "description_html": "One row per recommendation and linked response: the responding body, "
                        f"the responding document and pages, how it was linked and with what confidence. {nav}",
                        "facets": response_facets,
                        "sort": "id",
                    },
                },
            }
        },
    }


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DB_NAME or table not in VIEWS or value is None:
        return None
    urls = urls_for(datasette)
    if column == "number":
        return Markup(f'<a href="{escape(urls.rec(str(value), row["source"]))}">{escape(value)}</a>')
    if column in ARRAY_COLUMNS and isinstance(value, str) and value.startswith("["):
        try:
            return "; ".join(str(v) for v in json.loads(value)) or "—"
        except ValueError:
            return None
    if table == RESPONSES and column == "doc":
        return Markup(f'<a href="{escape(urls.source(row["doc_id"], row["start"], row["end"]))}">{escape(value)}</a>')
    return None


# ---- views


def _params(request) -> dict[str, str]:
    return {key: request.args.get(key) for key in request.args.keys()}


async def _render(datasette, request, template: str, context: dict, status: int = 200, nav: str = "") -> Response:
    urls = urls_for(datasette)
    base = {"urls_inquire": urls, "db_name": DB_NAME, "index_location": str(served(datasette).site.location), "nav_current": nav}
    html = await datasette.render_template(template, {**base, **context}, request=request)
    return Response.html(html, status=status)


def _status(exc: Exception) -> int:
    if isinstance(exc, pages.NotFound):
        return 404
    if isinstance(exc, QueryError):
        return 400
    return 503  # no index, or one that cannot be read


def _message(exc: Exception) -> str:
    """One line, as the CLI prints it: the object and the fix."""
    if isinstance(exc, InquireError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        return f"the index database cannot be read ({exc}); run `inquire index --rebuild`"
    filename = getattr(exc, "filename", None)
    where = f"{filename}: " if filename else ""
    return f"{where}{getattr(exc, 'strerror', None) or exc}; check the index folder and its permissions"


async def _error(datasette, request, exc: Exception) -> Response:
    status = _status(exc)
    return await _render(datasette, request, "inquire_error.html", {"message": _message(exc), "status": status}, status)


async def _page(datasette, request, build: Callable[..., Any], template: str, nav: str = "") -> Response:
    """Build a page on the index's worker thread and render it (or its JSON, for a ``.json`` URL)."""
    urls, params = urls_for(datasette), _params(request)
    try:
        page = await served(datasette).site.call(lambda opened: build(opened, params, urls))
    except (InquireError, OSError, sqlite3.Error) as exc:
        return await _error(datasette, request, exc)
    status = 400 if getattr(page, "error", None) else 200
    if request.url_vars.get("format"):
        return Response.json(page.to_json(), status=status)
    return await _render(datasette, request, template, {"page": page}, status, nav)


async def home(datasette, request):
    return Response.redirect(urls_for(datasette).search())


async def tracker_view(datasette, request):
    state = served(datasette)
    if state.key is None:
        return await _error(datasette, request, IndexMissing(f"no index at {state.site.location}: run `inquire index`"))
    if not state.view_columns.get(TRACKER):
        return await _error(
            datasette,
            request,
            IndexIncompatible(
                f"the index at {state.site.location} was written by an older inquire without the tracker views; "
                "run `inquire index --rebuild`"
            ),
        )
    return Response.redirect(urls_for(datasette).tracker())


async def search_view(datasette, request):
    return await _page(datasette, request, pages.search_page, "inquire_search.html", "search")


async def ask_view(datasette, request):
    return await _page(datasette, request, pages.ask_page, "inquire_ask.html", "ask")


async def rec_view(datasette, request):
    number = unquote(request.url_vars["number"])

    def build(opened, params, urls):
        return pages.rec_page(opened, number, (params.get("source") or "").strip() or None, urls)

    return await _page(datasette, request, build, "inquire_rec.html")


async def source_view(datasette, request):
    doc_id = request.url_vars["doc_id"]
    return await _page(
        datasette, request, lambda opened, params, urls: pages.source_page(opened, doc_id, params, urls), "inquire_source.html"
    )


async def file_view(datasette, request):
    urls, state = urls_for(datasette), served(datasette)
    doc_id = request.url_vars["doc_id"]

    def read(opened):
        path, name = state.originals.get(opened, doc_id, urls)
        return path.read_bytes(), name

    try:
        body, name = await state.site.call(read)
    except (InquireError, OSError, sqlite3.Error) as exc:
        return await _error(datasette, request, exc)
    headers = {"Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}", "X-Content-Type-Options": "nosniff"}
    return Response(body, content_type="application/pdf", headers=headers)
