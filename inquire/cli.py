"""The thin CLI: parse arguments, call one library function, print.

Heavy modules (numpy, faiss, the model) are imported inside commands so that ``--help`` is instant.
Library errors (``InquireError``) become one-line errors with exit code 1.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Search oversight reports, their numbered recommendations and every response to them.",
)

IndexOpt = typer.Option(
    None,
    "--index",
    help="Index directory (default: $INQUIRE_INDEX or $INQUIRE_HOME/index, INQUIRE_HOME defaulting to ~/.local/share/inquire).",
)
JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON (format documented in the README).")
BackendOpt = typer.Option(
    None,
    "--backend",
    help="Where passages are searched: local (FAISS + FTS5 in the index folder) or qdrant "
    "(the server at $QDRANT_URL, else a local Qdrant store in the index folder). Default: $INQUIRE_BACKEND or local.",
)
CsvOpt = typer.Option(False, "--csv", help="Print CSV (one header line; lists joined with '; '), for a spreadsheet.")


def _echo(message: str = "", err: bool = False) -> None:
    """Every line the CLI prints goes through here or ``_secho``: document text and file names may
    carry terminal escape sequences (window title, OSC 52 clipboard writes), which are removed."""
    from inquire.terminal import strip_controls

    typer.echo(strip_controls(message), err=err)


def _secho(message: str = "", err: bool = False, **style) -> None:
    from inquire.terminal import strip_controls

    typer.secho(strip_controls(message), err=err, **style)


MAX_K = 1000  # the usual depth of a TREC run; ranks beyond it are never read, and each costs work


def _one_line(message: object) -> str:
    """A message on one line, whatever it holds (a file name may contain a newline)."""
    return " ".join(str(message).splitlines())


def _fail(message: str) -> None:
    _echo(f"Error: {_one_line(message)}", err=True)
    raise typer.Exit(1)


@contextmanager
def _errors() -> Iterator[None]:
    import sqlite3

    from inquire.errors import InquireError

    try:
        yield
    except InquireError as exc:
        _fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        _fail(_os_error_message(exc))


def _os_error_message(exc: BaseException) -> str:
    """One line for an OSError or SQLite error that reached the CLI: a full disk is not a damaged
    index (no "--rebuild"), a path that cannot be used names itself."""
    import sqlite3

    from inquire.versions import is_disk_full

    if is_disk_full(exc):
        where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
        return (
            f"no space left on the disk{where}; free some space and run the same command again (the previous index is unchanged)"
        )
    if isinstance(exc, sqlite3.Error):
        return f"the index database cannot be read ({exc}); run `inquire index --rebuild`"
    filename = getattr(exc, "filename", None)
    where = f"{filename}: " if filename else ""
    return f"{where}{getattr(exc, 'strerror', None) or exc}; check the path and its permissions"


def _index_dir(index: Path | None) -> tuple[Path, bool]:
    """The index directory, and whether the user chose it explicitly."""
    import os

    from inquire.paths import default_index_dir

    if index is not None:
        return index.expanduser(), True
    return default_index_dir(), bool(os.environ.get("INQUIRE_INDEX"))


class _Progress:
    """Progress bar on a terminal (stderr); silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("{task.description:>10}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(stage, total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _embedder():
    """The configured embedder; says so when the one-time ONNX export has to be built first."""
    import os

    from inquire.embedding import get_embedder

    if (os.environ.get("INQUIRE_EMBEDDER") or "auto").lower() in ("auto", "onnx"):
        try:
            from inquire.embedding.onnx_backend import export_stale_reason
            from inquire.paths import model_cache_dir

            if export_stale_reason(model_cache_dir()) is not None:
                _echo(f"Preparing the fast ONNX copy of the model in {model_cache_dir()} (one-time, about 10 s) ...", err=True)
        except ImportError:
            pass
    return get_embedder()


def _build(
    paths: list[Path],
    index_dir: Path,
    rebuild: bool,
    show_progress: bool,
    embedder=None,
    sentences: str | None = None,
    workers: int | None = None,
):
    from inquire.indexer.pipeline import build_index
    from inquire.versions import check_location

    check_location(index_dir)  # `--index /`, a file, a folder of reports: refused before anything is written
    embedder = embedder or _embedder()
    with _Progress(show_progress) as progress:
        report = build_index(paths, index_dir, embedder, rebuild=rebuild, progress=progress, sentences=sentences, workers=workers)
    return report


def _sync(index_dir: Path, backend: str, show_progress: bool) -> dict | None:
    """With the qdrant backend, bring its collections in line with the index (by document)."""
    if backend != "qdrant":
        return None
    from inquire.query.backends.qdrant import sync

    with _Progress(show_progress) as progress:
        return sync(index_dir, progress=progress).to_json()


@app.command()
def index(
    paths: list[Path] = typer.Argument(
        None, help="Files or folders to index (.pdf .html .htm .txt .md). Default: the bundled corpus."
    ),
    index: Path | None = IndexOpt,
    rebuild: bool = typer.Option(False, "--rebuild", help="Ignore the existing index and re-embed everything."),
    sentences: str | None = typer.Option(
        None,
        "--sentences",
        help="How sentence vectors are made: 'own' (each sentence read alone; the default) or 'pooled' (from its "
        "passage's pass of the model: about 2.5x faster embedding, ask's quotes slightly weaker). Kept by the index.",
        metavar="own|pooled",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Processes reading files while the files read are embedded (default: INQUIRE_READ_WORKERS, else one per "
        "CPU, at most 4, when there are PDFs to read; 1: read one file after the other in this process).",
    ),
    backend: str | None = BackendOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Index reports: parse, clean, find structure, chunk, embed, store. Re-running re-embeds only what changed."""
    from inquire.paths import bundled_corpus_dir

    index_dir, _ = _index_dir(index)
    with _errors():
        from inquire.query.backends import backend_name

        backend = backend_name(backend)  # an unknown name is refused before anything is built
        report = _build(
            list(paths or [bundled_corpus_dir()]), index_dir, rebuild, show_progress=True, sentences=sentences, workers=workers
        )
        synced = _sync(index_dir, backend, show_progress=True) if report.written or report.documents else None
    if as_json:
        _echo(json.dumps(report.to_json() | ({"qdrant": synced} if synced else {}), indent=2))
    else:
        if synced:
            _echo(
                f"{synced['where']}: {len(synced['added'])} documents written ({synced['passages']} passages, "
                f"{synced['sentences']} sentences), {len(synced['removed'])} removed, {synced['kept']} kept",
                err=True,
            )
        for err in report.failed:
            _echo(f"skipped: {_one_line(err.message)}", err=True)
        for note in report.duplicates:
            _echo(f"note: {_one_line(note)}", err=True)
        for path, pages in report.ocr_pages.items():
            from inquire.indexer.ocr import page_ranges

            _echo(
                f"read by OCR (no text layer): {Path(path).name}, {len(pages)} page{'s' if len(pages) != 1 else ''}: {page_ranges(pages)}"
            )
        if report.written:
            _echo(
                f"indexed {report.documents} documents, {report.chunks} chunks into {index_dir} "
                f"({len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
                + (f"{len(report.reprocessed)} re-read for this version of inquire, " if report.reprocessed else "")
                + f"{len(report.removed)} removed; {report.embedded} chunks embedded"
                + (f", {report.reused} kept" if report.reused else "")
                + f" in {report.seconds:.1f} s)"
            )
            if report.truncated:
                _echo(
                    f"note: {report.truncated} of the {report.embedded} passages embedded are longer than the model reads "
                    f"(256 tokens): their passage vector covers their opening; each of their sentences has its own vector "
                    f"and BM25 covers every word",
                    err=True,
                )
        elif report.documents and report.failed:  # nothing new could be read: not "up to date"
            _echo(f"the index at {index_dir} is unchanged ({report.documents} documents, {report.chunks} chunks)", err=True)
        elif report.documents:
            _echo(f"index at {index_dir} is up to date ({report.documents} documents, {report.chunks} chunks)")
        else:
            _echo(f"nothing indexed: no readable report among the given paths; the index at {index_dir} is unchanged", err=True)
    if report.failed:
        raise typer.Exit(1)


def _open_searcher(index: Path | None, backend: str | None = None):
    """Open the index; on first use of the default location, build the bundled corpus index."""
    from inquire.errors import IndexMissing
    from inquire.paths import bundled_corpus_dir
    from inquire.query.backends import backend_name
    from inquire.query.search import Searcher
    from inquire.store import read_manifest
    from inquire.versions import before_auto_build

    index_dir, explicit = _index_dir(index)
    try:
        read_manifest(index_dir)  # before loading the model: a missing or damaged index is reported at once
    except IndexMissing:
        if explicit:
            raise IndexMissing(f"no index at {index_dir}: run `inquire index PATH... --index {index_dir}`") from None
        if before_auto_build(index_dir):  # a first build finished meanwhile, or an interrupted one was restored
            return Searcher(index_dir, _embedder(), backend=backend)
    else:
        return Searcher(index_dir, _embedder(), backend=backend)
    embedder = _embedder()
    _echo(f"No index yet at {index_dir}: building it from the bundled corpus ({bundled_corpus_dir()}) ...", err=True)
    report = _build([bundled_corpus_dir()], index_dir, rebuild=False, show_progress=True, embedder=embedder)
    _echo(f"Indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s.", err=True)
    _sync(index_dir, backend_name(backend), show_progress=True)
    return Searcher(index_dir, embedder, backend=backend)


def _check_k(k: int) -> None:
    if k < 1:
        _fail(f"--k {k}: ask for at least 1 passage")
    if k > MAX_K:
        _fail(f"--k {k} is more than inquire returns ({MAX_K}, the usual depth of a TREC run); ask for at most {MAX_K} passages")


def _read_batch(read_batch, path: Path) -> list[dict]:
    """``read_batch`` with a one-line error for a file that is not UTF-8 text."""
    from inquire.errors import QueryError

    try:
        return read_batch(path)
    except UnicodeDecodeError as exc:
        raise QueryError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save the batch file as UTF-8, "
            f'one {{"id": ..., "query": ...}} object per line'
        ) from None


def _cite(c) -> str:
    """A citation's label, plus its section when the label shows a page instead."""
    return c.label() + (f" · {c.section}" if c.section and c.page_start is not None else "")


def _print_hit(hit, width: int = 100) -> None:
    head = f"{hit.rank:>2}. [{hit.score:.3f}] {hit.title or hit.doc}"
    _secho(head, bold=True)
    _secho(f"    {_cite(hit.citation)}", fg="cyan")
    for line in textwrap.wrap(" ".join(hit.text.split()), width=width - 4, max_lines=6, placeholder=" …"):
        _echo(f"    {line}")
    for c in hit.also_in:
        _secho(f"    also in: {c.label()}", fg="cyan")
    _echo("")


def _filters(doc, rec, responder, role, stance=None, since=None, until=None):
    from inquire.query.search import Filters

    return Filters(doc=doc, rec=rec, responder=responder, role=role, stance=stance, since=since, until=until)


DocOpt = typer.Option(None, "--doc", help="Only passages from documents whose file name or title contains this.")
RecOpt = typer.Option(None, "--rec", help="Only passages about this recommendation number, e.g. 7 or '12 d-e'.")
ResponderOpt = typer.Option(None, "--responder", help="Only passages from this responding body (substring).")
RoleOpt = typer.Option(None, "--role", help="Only recommendation, response or other passages.")
StanceOpt = typer.Option(
    None,
    "--stance",
    help="Only response passages stating this stance: accepted, 'accepted in principle', 'accepted in part', "
    "'not accepted' (or rejected), noted, 'under consideration', 'not for this body'.",
)
SinceOpt = typer.Option(None, "--since", help="Only documents published on or after this date: YYYY, YYYY-MM or YYYY-MM-DD.")
UntilOpt = typer.Option(None, "--until", help="Only documents published on or before this date: YYYY, YYYY-MM or YYYY-MM-DD.")


@app.command()
def search(
    query: str | None = typer.Argument(None, help="What to look for, in plain words."),
    k: int = typer.Option(10, "--k", "-k", help="Number of passages to return (1 to 1000)."),
    batch: Path | None = typer.Option(
        None, "--batch", help='JSONL file of {"id", "query"} lines; prints one JSON line per query.'
    ),
    doc: str | None = DocOpt,
    rec: str | None = RecOpt,
    responder: str | None = ResponderOpt,
    role: str | None = RoleOpt,
    stance: str | None = StanceOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    index: Path | None = IndexOpt,
    backend: str | None = BackendOpt,
    rerank: bool | None = typer.Option(
        None,
        "--rerank/--no-rerank",
        help="Compare the top 10 passages with the question token by token (late interaction): better for "
        "questions worded unlike the reports. Default: when the index stores the passages' token states "
        "(indexes written by this version; a few ms). --rerank on an older index reads them with the model "
        "(about 0.7 s on two cores); `ask` always re-ranks.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Return the passages most relevant to QUERY, each with its citation and score."""
    if (query is None) == (batch is None):
        _fail("give either a QUERY or --batch FILE.jsonl (not both)")
    with _errors():
        from inquire.query.search import read_batch

        _check_k(k)
        items = _read_batch(read_batch, batch) if batch else None
        searcher = _open_searcher(index, backend)
        filters = _filters(doc, rec, responder, role, stance, since, until)
        if items is not None:
            for item in items:
                hits = searcher.search(item["query"], k=k, filters=filters, rerank=rerank)
                _echo(json.dumps({"id": item["id"], "query": item["query"], "hits": [h.to_json() for h in hits]}))
            return
        hits = searcher.search(query, k=k, filters=filters, rerank=rerank)
    if as_json:
        _echo(json.dumps({"query": query, "hits": [h.to_json() for h in hits]}, indent=2))
        return
    if not hits:
        _echo("No passages found.")
    for hit in hits:
        _print_hit(hit)


@app.command()
def ask(
    question: str = typer.Argument(..., help="A question in plain words."),
    k: int = typer.Option(5, "--k", "-k", help="Number of supporting passages to show (1 to 1000)."),
    doc: str | None = DocOpt,
    rec: str | None = RecOpt,
    responder: str | None = ResponderOpt,
    role: str | None = RoleOpt,
    stance: str | None = StanceOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    index: Path | None = IndexOpt,
    backend: str | None = BackendOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Answer QUESTION with sentences quoted from the reports, each with its citation, or say the corpus does not answer."""
    from inquire.query.answer import answer

    _check_k(k)
    with _errors():
        searcher = _open_searcher(index, backend)
        result = answer(searcher, question, k=k, filters=_filters(doc, rec, responder, role, stance, since, until))
    if as_json:
        _echo(json.dumps(result.to_json(), indent=2))
        return
    if result.abstained:
        _secho(f"{result.reason} Nearest passages:\n", bold=True)
    else:
        _secho("Answer (sentences quoted from the reports):\n", bold=True)
        for quote in result.quotes:
            if quote.label:
                _secho(f"  {quote.label}:", bold=True)
            for line in textwrap.wrap(f"“{quote.text}”", width=96):
                _echo(f"  {line}")
            for c in quote.citations:
                _secho(f"      — {_cite(c)}" + (f" ({quote.date})" if quote.date and c is quote.citations[0] else ""), fg="cyan")
        _secho("\nSupporting passages:\n", bold=True)
    for hit in result.hits:
        _print_hit(hit)


def _open_db(index: Path | None):
    """The index's metadata database only: no model, no FAISS (fast)."""
    from inquire.store import Index

    index_dir, _ = _index_dir(index)
    return Index.open(index_dir)


def _where(page_start, page_end, section) -> str:
    if page_start is not None:
        return f"p. {page_start}" if page_end in (None, page_start) else f"pp. {page_start}-{page_end}"
    return section or ""


def _pages(item, section: str | None = None) -> str:
    """A record's pages as a reader finds them: printed labels beside physical pages, "(OCR)" for OCR'd text."""
    from inquire.indexer.docmeta import cite_page

    start, end = item.page_start, item.page_end
    lab_start, lab_end = item.page_label_start, item.page_label_end
    if start is None:
        return section or ""
    if end in (None, start):
        return cite_page(start, lab_start, ocr=item.ocr)
    ocr = " (OCR)" if item.ocr else ""
    if lab_start is None or lab_end is None:
        return f"PDF pp. {start}-{end}{ocr}"
    if (lab_start, lab_end) == (str(start), str(end)):
        return f"pp. {start}-{end}{ocr}"
    return f"pp. {lab_start}-{lab_end} (PDF pp. {start}-{end}{', OCR' if item.ocr else ''})"


def _print_csv(rows: list[dict]) -> None:
    """Rows as CSV: the columns of the first row (then any later ones), lists joined with "; "."""
    import csv
    import io

    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ["; ".join(map(str, v)) if isinstance(v, list) else "" if v is None else v for v in (row.get(c) for c in columns)]
        )
    _echo(out.getvalue().rstrip("\n"))


def _response_rows(views) -> list[dict]:
    """``inquire rec N --json`` flattened: one row per responding passage (one with no response
    columns for a recommendation nobody answered), the recommendation's fields first."""
    rows = []
    for view in views:
        rec = {
            ("recommendation_" + k if k not in ("source", "number", "title", "addressee") else k): v
            for k, v in view["recommendation"].items()
        }
        passages = [{"responder": g["responder"], "doc": g["doc"]} | p for g in view["responses"] for p in g["passages"]]
        rows += [rec | p for p in passages] or [rec]
    return rows


def _stance_line(it) -> None:
    """The stance a response states, with the sentence that states it, quoted and cited."""
    from inquire.indexer.docmeta import cite_page

    kind = "" if it.stance_kind in ("stated", "status line") else f" ({it.stance_kind})"
    where = cite_page(it.stance_page, it.stance_page_label, ocr=it.ocr)
    _secho(f"    Stance: {it.stance}{kind}", bold=True)
    for line in textwrap.wrap(f"“{it.stance_sentence}”" + (f" ({where})" if where else ""), 92, max_lines=3, placeholder=" …"):
        _echo(f"      {line}")


@app.command()
def recs(
    doc: str | None = typer.Option(
        None, "--doc", help="Only recommendations printed in documents whose file name contains this."
    ),
    source: str | None = typer.Option(None, "--source", help="Only recommendations of this report or inquiry (substring)."),
    unanswered: bool = typer.Option(False, "--unanswered", help="Only recommendations with no response found."),
    status: str | None = typer.Option(
        None,
        "--status",
        "--stance",
        help="Only recommendations a response states this stance on: accepted, 'accepted in principle', "
        "'not accepted' (or rejected), noted, ...",
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only recommendations of reports dated on or after this (YYYY, YYYY-MM or YYYY-MM-DD)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Only recommendations of reports dated on or before this (YYYY, YYYY-MM or YYYY-MM-DD)."
    ),
    index: Path | None = IndexOpt,
    as_json: bool = JsonOpt,
    as_csv: bool = CsvOpt,
) -> None:
    """Tracker: every recommendation found, who responded and in which documents, and what each response states."""
    from inquire.query.recs import stance_counts, tracker

    if as_json and as_csv:
        _fail("choose one of --json and --csv")
    with _errors():
        rows = tracker(_open_db(index), doc=doc, source=source, status=status, since=since, until=until)
    if unanswered:
        rows = [r for r in rows if not r.n_links]
    counts = stance_counts(rows)
    if as_json:
        _echo(
            json.dumps(
                {
                    "recommendations": [r.to_json() for r in rows],
                    "unanswered": [r.recommendation.number for r in rows if not r.n_links],
                    "stance_counts": counts,
                },
                indent=2,
            )
        )
        return
    if as_csv:
        _print_csv([r.to_json() | {"unanswered": not r.n_links} for r in rows])
        return
    current = None
    for row in rows:
        rec = row.recommendation
        if rec.source != current:
            current = rec.source
            _secho(f"\n{current or rec.doc}", bold=True)
        label = rec.title or rec.first_words(10)
        where = _pages(rec)
        _echo(f"  {rec.number:>6}  {textwrap.shorten(label, 60):<60}  {where:>9}")
        if rec.addressee:
            _echo(f"{'':10}to: {rec.addressee}")
        if row.n_links:
            _secho(
                f"{'':10}responses: {', '.join(row.responders) or 'responder not stated'}"
                f"  [{', '.join(row.docs)}; {'/'.join(row.methods)}]",
                fg="cyan",
            )
            for body, st in row.stances:
                _echo(f"{'':10}{body}: {st}")
        else:
            _secho(f"{'':10}no response found", fg="yellow")
    none = sum(1 for r in rows if not r.n_links)
    _echo(f"\n{len(rows)} recommendations; {none} with no response found.")
    if counts:
        _echo("Stances stated: " + "; ".join(f"{st} {n}" for st, n in sorted(counts.items(), key=lambda kv: -kv[1])))


@app.command()
def rec(
    number: str = typer.Argument(..., help="Recommendation number as printed: 7, 4a, '12 d-e'."),
    source: str | None = typer.Option(
        None, "--source", help="The report or inquiry that made it (substring of its title or file)."
    ),
    index: Path | None = IndexOpt,
    as_json: bool = JsonOpt,
    as_csv: bool = CsvOpt,
) -> None:
    """Recommendation NUMBER and every response to it across all documents, with citations and how each was linked."""
    from inquire.query.recs import rec_views, sources

    if as_json and as_csv:
        _fail("choose one of --json and --csv")
    with _errors():
        store = _open_db(index)
        views = rec_views(store, number, source)
        if not views:
            known = sources(store)
            raise_msg = f"no recommendation {number}" + (f" from a source matching {source!r}" if source else "")
            _fail(f"{raise_msg}; sources in the index: {'; '.join(known) or 'none'}")
    if as_json:
        _echo(json.dumps({"number": number, "sources": [v.to_json() for v in views]}, indent=2))
        return
    if as_csv:
        _print_csv(_response_rows(v.to_json() for v in views))
        return
    if len(views) > 1:
        _secho(f"Recommendation {number} exists in {len(views)} sources (narrow with --source NAME):", bold=True)
        for v in views:
            _echo(f"  - {v.recommendation.source}")
    for v in views:
        r = v.recommendation
        _secho(f"\n{'=' * 100}\nRecommendation {r.number}" + (f": {r.title}" if r.title else ""), bold=True)
        _secho(
            f"{r.source} — {r.doc}" + (f", {_pages(r)}" if r.page_start else "") + (f"; to {r.addressee}" if r.addressee else ""),
            fg="cyan",
        )
        for line in textwrap.wrap(" ".join(r.text.split()), 96):
            _echo(f"  {line}")
        for p in v.printed_in:
            _secho(f"  also printed in {p.doc}" + (f", {_pages(p)}" if p.page_start else ""), fg="cyan")
        if not v.responses:
            _secho("\n  No response found in the index.", fg="yellow")
        for (body, doc), items in v.grouped().items():
            _secho(f"\n  Response from {body} — {doc}" + (f" ({items[0].date})" if items[0].date else ""), bold=True)
            for it in items:
                how = "explicit" if it.method == "explicit" else f"{it.method}, confidence {it.confidence:.2f}"
                _secho(f"    [{_pages(it, it.section)}; linked: {how}]", fg="cyan")
                if it.stance:
                    _stance_line(it)
                for line in textwrap.wrap(" ".join(it.text.split()), 92, max_lines=4, placeholder=" …"):
                    _echo(f"      {line}")
        for it in v.mentions:
            who = f" of {it.responder}" if it.responder else ""
            _secho(f"\n  Mentioned in the reply{who} to another recommendation — {it.doc}, {_pages(it, it.section)}", fg="cyan")


@app.command()
def serve(
    index: Path | None = IndexOpt,
    port: int = typer.Option(8001, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
) -> None:
    """Open the web pages (search, ask, recommendations, tracker, sources) in Datasette on 127.0.0.1; needs inquire[web]."""
    from inquire.web.server import require_web
    from inquire.web.server import serve as run_server

    index_dir, _ = _index_dir(index)
    with _errors():
        require_web()  # before anything is built or loaded
        searcher = _open_searcher(index)  # the same index and model as `inquire search` (builds the bundled one on first use)
        embedder = searcher.embedder
        searcher.close()
        run_server(
            index_dir,
            port=port,
            embedder=embedder,
            announce=lambda url: _echo(f"inquire: serving the index at {index_dir} on {url} (Ctrl-C to stop)"),
        )


@app.command("eval")
def eval_(
    queries: Path | None = typer.Option(
        None, "--queries", help="Judged query set (JSONL; default evaluation/queries/dev.jsonl)."
    ),
    retriever: list[str] = typer.Option(
        ["inquire", "bm25", "dense", "rrf"],
        "--retriever",
        "-r",
        help="Retrievers to run side by side: inquire (search as run), rerank (with --rerank, as ask reads), "
        "first-stage (with --no-rerank), bm25, dense, rrf (repeatable).",
    ),
    corpus: list[Path] = typer.Option(
        None, "--corpus", help="Documents to evaluate on (default: corpus/ plus ../shared/corpora/uk-inquiry-responses)."
    ),
    k: int = typer.Option(10, "--k", min=10, help="Depth of each run (metrics are @1, @5, @10)."),
    index: Path | None = typer.Option(
        None, "--index", help="Evaluation index directory (default: $INQUIRE_HOME/eval/index-<hash of the documents' paths>)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Where to write qrels, runs and metrics (default $INQUIRE_HOME/eval/runs/TIMESTAMP)."
    ),
    answers: bool = typer.Option(
        False,
        "--answers",
        help="Also score `inquire ask` and the top-passage baseline on what they quote (quote precision, "
        "first quote answers, padding) and on refusing off-topic and other-inquiry questions.",
    ),
    backend: str | None = BackendOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Score inquire and the reference retrievers: Success@1/5/10, MRR@10, nDCG@10, TREC qrels and runs."""
    import time as _time

    from inquire.embedding import get_embedder
    from inquire.evaluation.harness import MEASURES, QUERIES_DIR, load_queries, run_eval
    from inquire.paths import inquire_home

    _check_k(k)
    with _errors():
        qs = load_queries(queries or QUERIES_DIR / "dev.jsonl")
        index_dir = index  # default: one index per set of documents under $INQUIRE_HOME/eval
        out_dir = out or inquire_home() / "eval" / "runs" / _time.strftime("%Y%m%d-%H%M%S")
        with _Progress(True) as progress:
            result = run_eval(
                qs,
                get_embedder(),
                index_dir=index_dir,
                out_dir=out_dir,
                corpora=list(corpus or []) or None,
                retrievers=tuple(retriever),
                k=k,
                progress=progress,
                backend=backend,
                answers=("test" if (queries or Path("dev")).stem == "test" else "dev") if answers else None,
            )
    if as_json:
        _echo(json.dumps(result, indent=2))
        return
    names = {"Success@1": "S@1", "Success@5": "S@5", "Success@10": "S@10", "RR@10": "MRR@10", "nDCG@10": "nDCG@10"}
    _echo(f"{result['queries']} queries, {result['documents']} documents; qrels, runs and metrics in {result['out']}\n")
    width = max([10] + [len(name) + 1 for name in result["retrievers"]])
    _echo(f"{'retriever':<{width}}{'kind':<12}{'n':>4}" + "".join(f"{names[m]:>9}" for m in MEASURES))
    for name, r in result["retrievers"].items():
        _echo(f"{name:<{width}}{'all':<12}{result['queries']:>4}" + "".join(f"{r['overall'][m]:>9.3f}" for m in MEASURES))
        for kind, row in r["by_kind"].items():
            _echo(f"{'':<{width}}{kind:<12}{row['n']:>4}" + "".join(f"{row[m]:>9.3f}" for m in MEASURES))
    for w in result.get("worst", []):
        _echo(f"worst: {w['id']} [{w['kind']}] RR={w['RR@10']:.2f} first relevant at {w['first_relevant_rank']}: {w['query']}")
    if "answers" in result:
        _print_answers(result["answers"])


def _print_answers(report: dict) -> None:
    _echo("\nanswers (quotes judged: a quote is correct when it contains an answer string)")
    _echo(f"{'system':<12}{'quote precision':>16}{'first quote':>12}{'any quote':>10}{'padded':>8}{'refused':>8}")
    for name, system in report["systems"].items():
        m = system["sets"].get("answerable", {})
        if "quote_precision" not in m:  # no judged questions (answer strings) in the query file
            continue
        _echo(
            f"{name:<12}{m['quote_precision']:>16.3f}{m['success_at_1']:>12.3f}{m['success_any']:>10.3f}"
            f"{m['padded_answers']:>8.3f}{m['false_refusals']:>5}/{m['n']}"
        )
    labels = {
        "off_topic": "off-topic answered",
        "other_inquiry": "other inquiry answered",
        "other_inquiry_fresh": "fresh other inquiry answered",
        "in_domain": "in-domain refused",
        "sources": "in-domain (sources named otherwise) refused",
        "indomain": "in-domain (written blind) refused",
    }
    for name, system in report["systems"].items():
        cells = []
        for key, label in labels.items():
            m = system["sets"].get(key)
            if m is not None:
                in_domain = key in ("in_domain", "sources", "indomain")
                wrong, of = (m["false_refusals"], m["n"]) if in_domain else (m["false_answers"], m["should_abstain"])
                cells.append(f"{label} {wrong}/{of}")
        _echo(f"{name:<12}" + ", ".join(cells))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
