"""What each page shows, built from the same library calls as the CLI (no Datasette, no HTML here).

- search: ``Searcher.search(query, k, Filters(...))``, exactly as ``inquire search``;
- ask: ``answer(searcher, question, k, Filters(...))``, exactly as ``inquire ask``;
- recommendation: ``rec_views(index, number, source)``, exactly as ``inquire rec N``;
- source: a document's cleaned text (the text every citation's offsets point into), by page, with
  the cited passage marked; and the original PDF for ``#page=N``.

Fields that a later index format adds to hits or responses (a stance, a date, a printed page label)
are shown by the templates when present; nothing here invents them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from inquire.errors import InquireError, QueryError
from inquire.indexer.stance import STANCES
from inquire.query.results import Citation, Hit
from inquire.query.search import Filters
from inquire.records import ROLE_OTHER, ROLE_RECOMMENDATION, ROLE_RESPONSE
from inquire.web.site import Opened

if TYPE_CHECKING:  # annotations only: answer and rec_views are imported where they are called
    from inquire.query.answer import Answer
    from inquire.query.recs import RecView
    from inquire.store import DocumentInfo

DEFAULT_K = 10
DEFAULT_ASK_K = 5
MAX_K = 100
CONTEXT_PAGES = 1  # pages shown either side of a cited passage
ABSTAINED = "The indexed reports do not appear to answer this question."
FILTER_LABELS = {
    "doc": "Document",
    "rec": "Recommendation",
    "responder": "Responding body",
    "role": "Passage",
    "stance": "Stance",
    "since": "From date",
    "until": "To date",
}
FILTER_HINTS = {
    "rec": "as printed, e.g. 7, 4a or 12 d-e",
    "responder": "part of the name",
    "since": "published on or after: YYYY, YYYY-MM or YYYY-MM-DD",
    "until": "published on or before: YYYY, YYYY-MM or YYYY-MM-DD",
}


class NotFound(InquireError):
    """A page asked for something the index does not hold (the message says what exists)."""


class Urls:
    """Every link the pages make, under the server's base path (``prefix``)."""

    def __init__(self, prefix: str = "/") -> None:
        self.prefix = prefix.rstrip("/")

    def path(self, path: str, params: Mapping[str, Any] | None = None, fragment: str = "") -> str:
        query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
        return f"{self.prefix}{path}" + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")

    def search(self, **params: Any) -> str:
        return self.path("/-/inquire/search", params)

    def ask(self, **params: Any) -> str:
        return self.path("/-/inquire/ask", params)

    def rec(self, number: str, source: str | None = None, suffix: str = "") -> str:
        """The recommendation page (``suffix=".json"``: its JSON, as ``inquire rec N --json``)."""
        return self.path(f"/-/inquire/rec/{quote(number, safe='')}{suffix}", {"source": source})

    def source(self, doc_id: str, start: int | None = None, end: int | None = None) -> str:
        marked = start is not None and end is not None
        return self.path(f"/-/inquire/source/{doc_id}", {"start": start, "end": end}, "passage" if marked else "")

    def source_page(self, doc_id: str, page: int | None) -> str:
        return self.path(f"/-/inquire/source/{doc_id}", {"page": page}, f"page-{page}")

    def original(self, doc_id: str, page: int | None = None) -> str:
        return self.path(f"/-/inquire/file/{doc_id}", None, f"page={page}" if page else "")

    def tracker(self) -> str:
        """The tracker view in Datasette (``/-/inquire/tracker`` redirects there, or says why not)."""
        return self.path("/inquire/tracker")

    def tracker_entry(self) -> str:
        return self.path("/-/inquire/tracker")

    def responses_table(self) -> str:
        return self.path("/inquire/recommendation_responses")


# ---- citations and hits


def cite_label(c: Citation) -> str:
    """A citation's label, plus its section when the label shows a page instead (as the CLI prints it)."""
    return c.label() + (f" · {c.section}" if c.section and c.page_start is not None else "")


def doc_id_of(chunk_id: str) -> str:
    return chunk_id.rsplit("-", 1)[0]


@dataclass(frozen=True)
class CitationView:
    label: str
    source_href: str  # the cleaned text, passage marked
    original_href: str | None  # the original PDF at the cited page
    page: int | None


@dataclass(frozen=True)
class HitView:
    hit: Hit
    citation: CitationView
    rec_href: str | None
    also_in: tuple[CitationView, ...]

    def __getattr__(self, name: str) -> Any:  # hit fields (and any a later format adds) read through
        if name.startswith("__") or name == "hit":
            raise AttributeError(name)
        return getattr(self.hit, name)


def documents(opened: Opened) -> list[DocumentInfo]:
    return opened.memo("documents", opened.index.documents)


def cached_rec_views(opened: Opened, number: str, source: str | None = None) -> list[RecView]:
    """``rec_views`` (as ``inquire rec N``), once per version and number."""
    from inquire.query.recs import rec_views

    return opened.memo(("rec_views", number, source), lambda: rec_views(opened.index, number, source))


class Links:
    """Builds citation links for one page; remembers which documents are PDFs."""

    def __init__(self, opened: Opened, urls: Urls) -> None:
        self.urls = urls
        self.opened = opened
        self._formats = {d.doc_id: d.format for d in documents(opened)}

    def citation(self, c: Citation, label: str | None = None) -> CitationView:
        doc_id = doc_id_of(c.chunk_id)
        original = self.urls.original(doc_id, c.page_start) if self._formats.get(doc_id) == "pdf" else None
        return CitationView(label or cite_label(c), self.urls.source(doc_id, c.start, c.end), original, c.page_start)

    def span(self, doc_id: str, start: int, end: int, label: str, page: int | None) -> CitationView:
        original = self.urls.original(doc_id, page) if self._formats.get(doc_id) == "pdf" else None
        return CitationView(label, self.urls.source(doc_id, start, end), original, page)

    def rec(self, number: str | None, doc: str) -> str | None:
        """The recommendation page for a passage's recommendation number, narrowed to the source whose
        documents include the passage's document when exactly one does."""
        if not number:
            return None
        try:
            views = cached_rec_views(self.opened, number)
        except QueryError:
            views = []
        owners = [
            v for v in views if doc in {v.recommendation.doc, *(p.doc for p in v.printed_in), *(r.doc for r in v.responses)}
        ]
        chosen = owners[0].recommendation if len(owners) == 1 else None
        return self.urls.rec(number, (chosen.source or chosen.doc) if chosen else None)

    def hit(self, hit: Hit) -> HitView:
        return HitView(
            hit, self.citation(hit.citation), self.rec(hit.recommendation, hit.doc), tuple(self.citation(c) for c in hit.also_in)
        )


# ---- filters


@dataclass(frozen=True)
class FilterField:
    name: str
    label: str
    value: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label): a <select>; empty: a text box
    suggestions: tuple[str, ...] = ()  # a <datalist> for a text box
    hint: str = ""


def filter_names() -> tuple[str, ...]:
    """The filters ``inquire search`` takes (the fields of ``Filters``): the form offers each one."""
    return tuple(f.name for f in dataclasses.fields(Filters))


def read_filters(params: Mapping[str, str]) -> Filters:
    values = {name: (params.get(name) or "").strip() or None for name in filter_names()}
    return Filters(**values)


def filter_fields(opened: Opened, filters: Filters) -> list[FilterField]:
    out = []
    for name in filter_names():
        value = getattr(filters, name) or ""
        label = FILTER_LABELS.get(name, name.replace("_", " ").capitalize())
        options: tuple[tuple[str, str], ...] = ()
        suggestions: tuple[str, ...] = ()
        if name == "doc":
            docs = sorted(documents(opened), key=lambda d: (d.title or d.name).lower())
            options = tuple((d.name, f"{d.title} ({d.name})" if d.title else d.name) for d in docs)
        elif name == "role":
            options = tuple((r, r) for r in (ROLE_RECOMMENDATION, ROLE_RESPONSE, ROLE_OTHER))
        elif name == "stance":
            options = tuple((st, st) for st in STANCES)
        elif name == "responder":
            suggestions = opened.memo("responders", lambda: tuple(sorted(set(opened.index.chunk_responders()))))
        elif name == "rec":
            suggestions = opened.memo("numbers", lambda: tuple(dict.fromkeys(r.number for r in opened.index.recommendations())))
        if options and value and value not in {v for v, _ in options}:
            options += ((value, value),)  # a substring typed into the URL stays selected
        out.append(FilterField(name, label, value, options, suggestions, FILTER_HINTS.get(name, "")))
    return out


def read_k(params: Mapping[str, str], default: int) -> int:
    raw = (params.get("k") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_K:
        raise QueryError(f"k must be a whole number from 1 to {MAX_K} (got {raw!r})")
    return int(raw)


# ---- pages


@dataclass
class SearchPage:
    query: str
    k: int
    fields: list[FilterField]
    hits: list[HitView] = field(default_factory=list)
    searched: bool = False
    error: str | None = None

    def to_json(self) -> dict:
        """Exactly what ``inquire search --json`` prints for the same query and filters (plus
        ``error`` when the request was refused)."""
        out = {"query": self.query, "hits": [h.hit.to_json() for h in self.hits]}
        return out | {"error": self.error} if self.error else out


def search_page(opened: Opened, params: Mapping[str, str], urls: Urls) -> SearchPage:
    query = (params.get("q") or "").strip()
    filters = read_filters(params)
    page = SearchPage(query, DEFAULT_K, filter_fields(opened, filters))
    try:
        page.k = read_k(params, DEFAULT_K)
        if query:
            hits = opened.searcher.search(query, k=page.k, filters=filters)
            links = Links(opened, urls)
            page.hits = [links.hit(h) for h in hits]
            page.searched = True
    except QueryError as exc:
        page.error = str(exc)
    return page


@dataclass(frozen=True)
class QuoteView:
    text: str
    citations: tuple[CitationView, ...]
    label: str | None = None  # "Recommendation 7", "Response from ...", "in principle (2024-12-17)"
    date: str | None = None  # the quoted document's publication date


@dataclass
class AskPage:
    question: str
    k: int
    fields: list[FilterField]
    asked: bool = False
    abstained: bool = False
    quotes: list[QuoteView] = field(default_factory=list)
    hits: list[HitView] = field(default_factory=list)
    result: Answer | None = None
    error: str | None = None
    abstained_text: str = ABSTAINED

    def to_json(self) -> dict:
        """Exactly what ``inquire ask --json`` prints (plus ``error`` when the request was refused)."""
        if self.result is not None:
            return self.result.to_json()
        return {"question": self.question, "answer": [], "hits": []} | ({"error": self.error} if self.error else {})


def ask_page(opened: Opened, params: Mapping[str, str], urls: Urls) -> AskPage:
    from inquire.query.answer import answer

    question = (params.get("q") or "").strip()
    filters = read_filters(params)
    page = AskPage(question, DEFAULT_ASK_K, filter_fields(opened, filters))
    try:
        page.k = read_k(params, DEFAULT_ASK_K)
        if question:
            result = answer(opened.searcher, question, k=page.k, filters=filters)
            links = Links(opened, urls)
            page.result, page.asked, page.abstained = result, True, result.abstained
            page.quotes = [
                QuoteView(q.text, tuple(links.citation(c) for c in q.citations), q.label, q.date) for q in result.quotes
            ]
            page.abstained_text = result.reason or ABSTAINED
            page.hits = [links.hit(h) for h in result.hits]
    except QueryError as exc:
        page.error = str(exc)
    return page


@dataclass(frozen=True)
class ResponseView:
    response: Any  # LinkedResponse (and whatever fields a later format adds: stance, date)
    citation: CitationView

    def __getattr__(self, name: str) -> Any:  # LinkedResponse fields (and any a later format adds)
        if name.startswith("__") or name == "response":
            raise AttributeError(name)
        return getattr(self.response, name)


@dataclass(frozen=True)
class ResponseGroup:
    responder: str
    doc: str
    passages: tuple[ResponseView, ...]


@dataclass(frozen=True)
class RecSection:
    view: RecView
    anchor: str
    citation: CitationView
    printed_in: tuple[CitationView, ...]
    groups: tuple[ResponseGroup, ...]
    columns: frozenset[str]  # optional response fields present here: "date", "stance"


@dataclass
class RecPage:
    number: str
    source: str | None
    sections: list[RecSection]
    views: list[RecView]

    def to_json(self) -> dict:
        """Exactly what ``inquire rec N --json`` prints."""
        return {"number": self.number, "sources": [v.to_json() for v in self.views]}


def _where(page_start: int | None, page_end: int | None) -> str:
    if page_start is None:
        return ""
    return f"p. {page_start}" if page_end in (None, page_start) else f"pp. {page_start}-{page_end}"


class DocIds:
    """Document file name -> doc_id; two indexed files may share a name (different folders), then
    the one whose cleaned text holds the passage at those offsets is meant."""

    def __init__(self, opened: Opened) -> None:
        self.index = opened.index
        self._by_name: dict[str, list[str]] = {}
        for d in documents(opened):
            self._by_name.setdefault(d.name, []).append(d.doc_id)

    def __call__(self, name: str, start: int, end: int, text: str) -> str | None:
        ids = self._by_name.get(name, [])
        if len(ids) <= 1:
            return ids[0] if ids else None
        return next((i for i in ids if self.index.span_text(i, start, end) == text), ids[0])


def rec_page(opened: Opened, number: str, source: str | None, urls: Urls) -> RecPage:
    views = cached_rec_views(opened, number, source)
    if not views:
        known = "; ".join(opened.index.sources()) or "none"
        where = f" from a source matching {source!r}" if source else ""
        raise NotFound(f"no recommendation {number}{where}; sources in the index: {known}")
    links = Links(opened, urls)
    doc_ids = DocIds(opened)
    sections = []
    for n, view in enumerate(views, 1):
        r = view.recommendation

        def cite(item: Any, label: str) -> CitationView:
            doc_id = doc_ids(item.doc, item.start, item.end, item.text)
            return (
                links.span(doc_id, item.start, item.end, label, item.page_start)
                if doc_id
                else CitationView(label, "", None, None)
            )

        rec_label = ", ".join(x for x in (r.doc, _where(r.page_start, r.page_end)) if x)
        printed = tuple(cite(p, ", ".join(x for x in (p.doc, _where(p.page_start, p.page_end)) if x)) for p in view.printed_in)
        groups = []
        columns: set[str] = set()
        for (body, doc), items in view.grouped().items():
            passages = []
            for it in items:
                label = ", ".join(x for x in (it.doc, _where(it.page_start, it.page_end) or it.section) if x)
                passages.append(ResponseView(it, cite(it, label)))
                columns |= {c for c in ("date", "stance") if getattr(it, c, None)}
            groups.append(ResponseGroup(body, doc, tuple(passages)))
        sections.append(RecSection(view, f"source-{n}", cite(r, rec_label), printed, tuple(groups), frozenset(columns)))
    return RecPage(number, source, sections, views)


@dataclass(frozen=True)
class Part:
    text: str
    marked: bool = False
    anchor: str = ""  # "passage" on the first marked part


@dataclass(frozen=True)
class PageBlock:
    number: int | None
    parts: tuple[Part, ...]
    original_href: str | None = None


@dataclass
class SourcePage:
    doc: DocumentInfo
    blocks: list[PageBlock]
    cited_page: int | None
    original_href: str | None
    earlier_href: str | None
    later_href: str | None
    whole_href: str | None
    marked: bool
    n_pages: int | None


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise QueryError(f"{name} must be a whole number (got {raw!r})")
    return int(raw)


def _page_spans(text: str, page_starts: tuple[tuple[int, int | None], ...]) -> list[tuple[int | None, int, int]]:
    """(page, start, end) of every page of the cleaned text."""
    starts = [p for p in page_starts if p[0] <= len(text)] or [(0, None)]
    ends = [s for s, _ in starts[1:]] + [len(text)]
    return [(page, start, end) for (start, page), end in zip(starts, ends)]


def _parts(text: str, lo: int, hi: int, start: int | None, end: int | None, first: bool) -> tuple[Part, ...]:
    """``text[lo:hi]`` split around the marked span ``[start, end)``."""
    if start is None or end is None or end <= lo or start >= hi:
        return (Part(text[lo:hi]),)
    a, b = max(lo, start), min(hi, end)
    parts = [Part(text[lo:a])] if a > lo else []
    parts.append(Part(text[a:b], True, "passage" if first and a == start else ""))
    if b < hi:
        parts.append(Part(text[b:hi]))
    return tuple(parts)


def source_page(opened: Opened, doc_id: str, params: Mapping[str, str], urls: Urls) -> SourcePage:
    doc = opened.index.document(doc_id)
    if doc is None:
        raise NotFound(f"no document {doc_id} in the index; search again (the index may have been rebuilt)")
    start, end, page = _int(params, "start"), _int(params, "end"), _int(params, "page")
    whole = params.get("all") in ("1", "true", "yes")
    text = doc.text
    if start is not None or end is not None:
        if start is None or end is None or not 0 <= start < end <= len(text):
            raise QueryError(f"start and end must be offsets 0 <= start < end <= {len(text)} in {doc.name}")
    spans = _page_spans(text, doc.page_starts)
    paged = any(p is not None for p, _, _ in spans)
    clean = opened.index.clean_document(doc_id)
    cited = clean.page_at(start) if start is not None else page
    shown = spans
    earlier = later = None
    if paged and not whole:
        first_page = clean.page_at(start) if start is not None else page
        last_page = clean.page_at(max(start, end - 1)) if start is not None and end is not None else page
        if first_page is None:
            first_page = last_page = spans[0][0]
        numbers = [p for p, _, _ in spans]
        if page is not None and start is None and page not in numbers:
            raise QueryError(f"{doc.name} has no page {page} (pages {numbers[0]}-{numbers[-1]})")
        i = numbers.index(first_page) if first_page in numbers else 0
        j = numbers.index(last_page) if last_page in numbers else i
        context = CONTEXT_PAGES if start is not None else 0
        lo, hi = max(0, i - context), min(len(spans), j + context + 1)
        shown = spans[lo:hi]
        earlier = urls.source_page(doc_id, spans[lo - 1][0]) if lo > 0 else None
        later = urls.source_page(doc_id, spans[hi][0]) if hi < len(spans) else None
    is_pdf = doc.format == "pdf"
    blocks = []
    first = True
    for number, lo_off, hi_off in shown:
        parts = _parts(text, lo_off, hi_off, start, end, first)
        if any(p.anchor for p in parts):
            first = False
        blocks.append(PageBlock(number, parts, urls.original(doc_id, number) if is_pdf and number else None))
    whole_href = (
        urls.path(f"/-/inquire/source/{doc_id}", {"start": start, "end": end, "all": 1}, "passage" if start is not None else "")
        if paged and not whole
        else None
    )
    return SourcePage(
        doc,
        blocks,
        cited,
        urls.original(doc_id, cited) if is_pdf else None,
        earlier,
        later,
        whole_href,
        start is not None,
        len({p for p, _, _ in spans if p is not None}) or None,
    )


# ---- the original file


class OriginalFiles:
    """The original PDF of an indexed document, served only while it is byte-for-byte the file that
    was indexed (so ``#page=N`` shows the page the citation names). Hashes are cached per file
    version (path, size, mtime)."""

    def __init__(self) -> None:
        self._hashes: dict[tuple[str, int, int], str] = {}

    def _sha256(self, path: Path) -> str:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self._hashes:
            h = hashlib.sha256()
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            self._hashes[key] = h.hexdigest()
        return self._hashes[key]

    def get(self, opened: Opened, doc_id: str, urls: Urls) -> tuple[Path, str]:
        """(path, file name) of the original, or :class:`NotFound` saying why not and where the text is."""
        info = next((d for d in documents(opened) if d.doc_id == doc_id), None)
        if info is None:
            raise NotFound(f"no document {doc_id} in the index; search again (the index may have been rebuilt)")
        text_at = urls.source(doc_id)
        if info.format != "pdf":
            raise NotFound(f"{info.name} is not a PDF; its text as indexed is at {text_at}")
        path = Path(info.path)
        try:
            same = self._sha256(path) == info.sha256
        except OSError:
            raise NotFound(
                f"{path} is no longer there; its text as indexed is at {text_at} (run `inquire index` to drop or re-read it)"
            ) from None
        if not same:
            raise NotFound(
                f"{path} has changed since it was indexed, so its pages may not match the citations; "
                f"run `inquire index` to re-read it (its text as indexed is at {text_at})"
            )
        return path, info.name
