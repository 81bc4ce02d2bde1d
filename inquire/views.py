"""Database views that make the tracker readable as tables (Datasette shows views like tables: facets,
sorting, CSV and JSON export, row permalinks).

They are created in the index file when it is written (the web server opens the index read-only), by
:func:`create_views` on the writer's connection once the tables exist. The SQL reads only the index's
own tables, so it is independent of the web server; the stance a response states (``responses.stance``)
and a document's publication date (``documents.published``) appear in the views when the tables have them.

- ``tracker``: one row per recommendation as made by its source report: source, number, title,
  addressee, document and pages, who responded, in which documents, how linked, the stances stated,
  and ``unanswered`` ("yes" when no response was found).
- ``recommendation_responses``: one row per recommendation x linked response: the recommendation,
  the responding body, the responding document and pages, the section, how it was linked and with
  what confidence, the stance when stated, and the responding passage.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from inquire.records import LINK_MENTION

TRACKER = "tracker"
RESPONSES = "recommendation_responses"
VIEWS = (TRACKER, RESPONSES)

UNANSWERED_YES = "yes"  # no response found in the index
UNANSWERED_NO = "no"


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _links_from(conn: sqlite3.Connection) -> str:
    """Every link with its responding document (``ld``) and, when the index records stances, the
    response record it reaches (``x``): its own (explicit links), else the one response of the same
    body its passage lies in, as ``inquire rec`` reads it; a stance without its sentence is not shown."""
    base = "links l JOIN documents ld ON ld.doc_id = l.doc_id"
    if not _has_stance(conn):
        return base
    inside = (
        "(SELECT CASE WHEN count(*) = 1 THEN max(y.id) END FROM responses y WHERE y.doc_id = l.doc_id "
        "AND y.start <= l.start AND l.start < y.end "
        "AND (l.responder IS NULL OR y.responder IS NULL OR y.responder = l.responder))"
    )
    return (
        f"{base} LEFT JOIN responses x ON x.id = coalesce(l.response_id, {inside}) "
        "AND x.stance_start IS NOT NULL AND x.stance_end IS NOT NULL"
    )


def _has_stance(conn: sqlite3.Connection) -> bool:
    return {"stance", "stance_start", "stance_end"} <= _columns(conn, "responses")


def _date_column(conn: sqlite3.Connection) -> str | None:
    """The documents' publication date column, when the index records one."""
    docs = _columns(conn, "documents")
    return next((c for c in ("published", "date") if c in docs), None)


# The tracker counts links that answer: a mention from the reply to another recommendation does not (as `inquire recs`).
_ANSWERS = f"l.method != '{LINK_MENTION}'"


def _values(links_from: str, column: str, alias: str) -> str:
    """Per recommendation (``rec_id``), a JSON array of the distinct non-null values of ``column`` over
    its links, in link order (a JSON array lets Datasette facet on each value: ``?_facet_array=``).
    Aggregated once for all recommendations and joined, not re-queried per row."""
    return (
        f"LEFT JOIN (SELECT rec_id, json_group_array(v) AS {alias} FROM "
        f"(SELECT l.rec_id, {column} AS v, min(l.id) AS first FROM {links_from} "
        f"WHERE {column} IS NOT NULL AND {_ANSWERS} GROUP BY l.rec_id, {column} ORDER BY l.rec_id, first) GROUP BY rec_id) "
        f"{alias} ON {alias}.rec_id = r.id"
    )


def tracker_sql(conn: sqlite3.Connection) -> str:
    links_from = _links_from(conn)
    arrays = {"responders": "l.responder", "response_docs": "ld.name", "linked": "l.method"}
    if _has_stance(conn):
        arrays["stances"] = "x.stance"
    date = _date_column(conn)
    extra = f",\n       d.{date} AS date" if date else ""
    columns = "".join(f"\n       coalesce({name}.{name}, '[]') AS {name}," for name in arrays)
    joins = "\n".join(_values(links_from, column, name) for name, column in arrays.items())
    return f"""CREATE VIEW {TRACKER} AS
SELECT r.id AS id,
       coalesce(r.source, d.title, d.name) AS source,
       r.number AS number,
       r.title AS title,
       r.addressee AS addressee,
       d.name AS doc,
       r.page_start AS page_start,
       r.page_end AS page_end,{columns}
       coalesce(n.responses, 0) AS responses,
       CASE WHEN n.responses > 0 THEN '{UNANSWERED_NO}' ELSE '{UNANSWERED_YES}' END AS unanswered{extra},
       r.text AS text
FROM recommendations r JOIN documents d USING(doc_id)
LEFT JOIN (SELECT rec_id, count(*) AS responses FROM links l WHERE {_ANSWERS} GROUP BY rec_id) n ON n.rec_id = r.id
{joins}
WHERE coalesce(r.canonical_id, r.id) = r.id
LIMIT -1"""  # no limit, but it keeps SQLite from flattening the view into a join, which returned no rows
    #          for Datasette's array facet (json_each(inner.col) JOIN inner) on SQLite 3.40


def responses_sql(conn: sqlite3.Connection) -> str:
    optional = []
    date = _date_column(conn)
    if date:
        optional.append(f"ld.{date} AS date")
    if _has_stance(conn):
        optional.append("x.stance AS stance")
        optional.append("substr(ld.text, x.stance_start + 1, x.stance_end - x.stance_start) AS stance_sentence")
    extra = "".join(f",\n       {c}" for c in optional)
    return f"""CREATE VIEW {RESPONSES} AS
SELECT l.id AS id,
       coalesce(r.source, d.title, d.name) AS source,
       r.number AS number,
       r.title AS title,
       l.responder AS responder,
       ld.name AS doc,
       l.page_start AS page_start,
       l.page_end AS page_end,
       l.section AS section,
       l.method AS linked,
       l.confidence AS confidence{extra},
       substr(ld.text, l.start + 1, l.end - l.start) AS text,
       l.chunk_id AS chunk_id,
       ld.doc_id AS doc_id,
       l.start AS start,
       l.end AS end
FROM {_links_from(conn)}
JOIN recommendations r ON r.id = l.rec_id
JOIN documents d ON d.doc_id = r.doc_id"""


def create_views(conn: sqlite3.Connection) -> None:
    """(Re)create the tracker views in an index database being written (idempotent)."""
    for name in VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS {name}")
    conn.execute(tracker_sql(conn))
    conn.execute(responses_sql(conn))


def has_views(conn: sqlite3.Connection) -> bool:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    return set(VIEWS) <= names


def view_columns(database: Path) -> dict[str, set[str]]:
    """The columns each view has in the index database at ``database`` (empty sets: an index written
    before the views existed)."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {name: _columns(conn, name) for name in VIEWS}
    finally:
        conn.close()
