"""Link responses to recommendations across documents, at index time.

1. Sources. Documents that print the same recommendations (a committee report and the
   Government response that quotes it; an inquiry's recommendations summarised by a briefing)
   are grouped: a recommendation in one document is the same recommendation as one in another
   when their texts overlap strongly (word containment >= SAME_REC). Each group's source is
   the document with the most recommendations and fewest responses (the report that made them);
   every recommendation row gets ``canonical_id`` (its twin in the source) and ``source``.
2. Explicit links (confidence 1.0): a response printed under a recommendation, e.g. "Response
   from South Yorkshire Police" under Recommendation 7, or "Response:" under a quoted
   recommendation in a Government response.
3. Reference links (confidence 0.9): a passage that names "recommendation N" of a source its
   document belongs to (e.g. "see recommendation 31").
4. Content links: a passage in another document that answers a recommendation without naming it
   (the council report's PARTNERS section for IOPC recommendation 7). Each unlinked passage is
   compared with every recommendation's own text and its explicit responses (cosine of the stored
   vectors); it is linked to its best recommendation when the similarity reaches
   CONTENT_THRESHOLD, and to a second one only within CONTENT_MARGIN of the best.
   CONTENT_THRESHOLD was chosen on evaluation/golden/links.json (scripts/eval_links.py).
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict

import numpy as np

from inquire.text import normalise_rec

SAME_REC = 0.6
CONTENT_THRESHOLD = 0.80
CONTENT_MARGIN = 0.03
REFERENCE_CONFIDENCE = 0.9
MIN_CONTENT_WORDS = 25

_WORD = re.compile(r"[a-z0-9]+")
_REF = re.compile(r"\brecommendations?\s+(\d{1,3}[a-z]?)\b", re.I)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _containment(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def _assign_sources(conn: sqlite3.Connection) -> dict[int, int]:
    """Set canonical_id and source on every recommendation; return rec id -> canonical id."""
    recs = conn.execute(
        "SELECT r.id, r.doc_id, r.number, r.text, d.title, d.name FROM recommendations r JOIN documents d USING(doc_id)"
    ).fetchall()
    by_doc: dict[str, list] = defaultdict(list)
    for r in recs:
        by_doc[r["doc_id"]].append(r)
    n_resp = dict(conn.execute("SELECT doc_id, COUNT(*) FROM responses GROUP BY doc_id").fetchall())
    # the document most likely to be the report that made the recommendations comes first
    docs = sorted(by_doc, key=lambda d: (n_resp.get(d, 0) > 0, -len(by_doc[d]), d))
    words = {r["id"]: _words(r["text"]) for r in recs}
    canonical: dict[int, int] = {}
    source_doc: dict[str, str] = {}
    for d in docs:
        # which earlier-placed source does this document repeat?
        best_src, best_map = None, {}
        for src in {source_doc[x] for x in source_doc}:
            mapping = {}
            for r in by_doc[d]:
                match = max(by_doc[src], key=lambda s: (_containment(words[r["id"]], words[s["id"]]), normalise_rec(s["number"]) == normalise_rec(r["number"])))
                if _containment(words[r["id"]], words[match["id"]]) >= SAME_REC:
                    mapping[r["id"]] = match["id"]
            if len(mapping) >= max(2, len(by_doc[d]) // 2) and len(mapping) > len(best_map):
                best_src, best_map = src, mapping
        if best_src is None:
            source_doc[d] = d
            for r in by_doc[d]:
                canonical[r["id"]] = r["id"]
        else:
            source_doc[d] = best_src
            for r in by_doc[d]:
                canonical[r["id"]] = best_map.get(r["id"], r["id"])
    titles = {r["doc_id"]: (r["title"] or r["name"]) for r in recs}
    for r in recs:
        conn.execute("UPDATE recommendations SET canonical_id=?, source=? WHERE id=?",
                     (canonical[r["id"]], titles[source_doc[r["doc_id"]]], r["id"]))
    return canonical


def _doc_responder(conn: sqlite3.Connection, doc_id: str, known: list[str]) -> str | None:
    """A body named at the top of a document (e.g. "SOUTH YORKSHIRE POLICE PROGRESS REPORT")."""
    head = conn.execute("SELECT substr(text, 1, 1500) FROM documents WHERE doc_id=?", (doc_id,)).fetchone()[0].lower()
    hits = [(head.find(k.lower()), -len(k), k) for k in known if k and k.lower() in head]
    return min(hits)[2] if hits else None


def link_index(conn: sqlite3.Connection, faiss_index, threshold: float = CONTENT_THRESHOLD) -> None:
    conn.execute("DELETE FROM links")
    canonical = _assign_sources(conn)
    recs = {r["id"]: r for r in conn.execute("SELECT * FROM recommendations ORDER BY doc_id, start")}
    positions: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for r in recs.values():
        positions[(r["doc_id"], normalise_rec(r["number"]))].append((r["start"], r["id"]))

    def rec_at(doc_id: str, number: str, offset: int) -> int | None:
        """The recommendation with this number printed last before ``offset`` (numbers may repeat
        within a document, e.g. several recommendations under one numbered heading)."""
        cands = positions.get((doc_id, normalise_rec(number)), [])
        before = [rid for start, rid in cands if start <= offset]
        return before[-1] if before else (cands[0][1] if cands else None)
    linked_chunks: set[str] = set()

    # 2. explicit: responses printed under a recommendation
    explicit_vec_ids: dict[int, list[int]] = defaultdict(list)
    for resp in conn.execute("SELECT * FROM responses WHERE recommendation IS NOT NULL"):
        rid = rec_at(resp["doc_id"], resp["recommendation"], resp["start"])
        if rid is None:
            continue
        canon = canonical[rid]
        section = conn.execute(
            "SELECT section FROM chunks WHERE doc_id=? AND start<=? AND end>? LIMIT 1", (resp["doc_id"], resp["start"], resp["start"])
        ).fetchone()
        conn.execute(
            "INSERT INTO links(rec_id, doc_id, response_id, responder, section, start, end, page_start, page_end, method, confidence) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (canon, resp["doc_id"], resp["id"], resp["responder"], section[0] if section else None, resp["start"], resp["end"],
             resp["page_start"], resp["page_end"], "explicit", 1.0),
        )
        for ch in conn.execute("SELECT id, chunk_id FROM chunks WHERE doc_id=? AND start<? AND end>?", (resp["doc_id"], resp["end"], resp["start"])):
            explicit_vec_ids[canon].append(ch["id"])
            linked_chunks.add(ch["chunk_id"])

    # recommendation-role and recommendation-numbered chunks are never content-linked elsewhere
    chunks = conn.execute("SELECT id, chunk_id, doc_id, text, start, end, page_start, page_end, section, recommendation, role, responder FROM chunks").fetchall()
    rec_vec_ids: dict[int, list[int]] = defaultdict(list)
    for ch in chunks:
        if ch["recommendation"]:
            rid = rec_at(ch["doc_id"], ch["recommendation"], ch["start"])
            if rid is not None and ch["role"] == "recommendation":
                rec_vec_ids[canonical[rid]].append(ch["id"])
            linked_chunks.add(ch["chunk_id"])

    known = [r[0] for r in conn.execute("SELECT DISTINCT responder FROM responses WHERE responder IS NOT NULL")]
    doc_resp_cache: dict[str, str | None] = {}

    def responder_of(ch) -> str | None:
        if ch["responder"]:
            return ch["responder"]
        if ch["doc_id"] not in doc_resp_cache:
            doc_resp_cache[ch["doc_id"]] = _doc_responder(conn, ch["doc_id"], known)
        return doc_resp_cache[ch["doc_id"]]

    def add(rid: int, ch, method: str, conf: float) -> None:
        conn.execute(
            "INSERT INTO links(rec_id, doc_id, chunk_id, responder, section, start, end, page_start, page_end, method, confidence) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (rid, ch["doc_id"], ch["chunk_id"], responder_of(ch), ch["section"], ch["start"], ch["end"], ch["page_start"],
             ch["page_end"], method, round(conf, 4)),
        )

    # 3. reference: "recommendation N" named in a passage of a document of that source
    src_of_doc = {r["doc_id"]: recs[canonical[r["id"]]]["doc_id"] for r in recs.values()}
    canon_by_src_num = {(recs[c]["doc_id"], normalise_rec(recs[c]["number"])): c for c in set(canonical.values())}
    for ch in chunks:
        src = src_of_doc.get(ch["doc_id"])
        if src is None or ch["role"] == "recommendation":
            continue
        named = {normalise_rec(m.group(1)) for m in _REF.finditer(ch["text"])}
        if len(named) >= 3:  # a contents list or summary table, not a response
            continue
        own = ch["recommendation"] and rec_at(ch["doc_id"], ch["recommendation"], ch["start"])
        for number in sorted(named):  # one link per recommendation named, however often
            rid = canon_by_src_num.get((src, number))
            if rid is not None and (not own or canonical.get(own) != rid):
                add(rid, ch, "reference", REFERENCE_CONFIDENCE)

    # 4. content: unlinked passages of other documents, by similarity
    targets = sorted(set(rec_vec_ids) | set(explicit_vec_ids))
    if not targets or faiss_index is None or faiss_index.ntotal == 0:
        return
    queries = {t: _vectors(faiss_index, rec_vec_ids[t] + explicit_vec_ids[t]) for t in targets}
    rec_docs = {t: {recs[t]["doc_id"]} | {recs[r]["doc_id"] for r, c in canonical.items() if c == t} for t in targets}
    for ch in chunks:
        if ch["chunk_id"] in linked_chunks or len(_WORD.findall(ch["text"])) < MIN_CONTENT_WORDS:
            continue
        v = faiss_index.reconstruct(int(ch["id"]))
        scores = {t: float((queries[t] @ v).max()) for t in targets if ch["doc_id"] not in rec_docs[t] and len(queries[t])}
        if not scores:
            continue
        best = max(scores.values())
        for t, s in scores.items():
            if s >= threshold and s >= best - CONTENT_MARGIN:
                add(t, ch, "content", s)


def _vectors(faiss_index, ids: list[int]) -> np.ndarray:
    if not ids:
        return np.zeros((0, faiss_index.d), dtype=np.float32)
    return np.vstack([faiss_index.reconstruct(int(i)) for i in dict.fromkeys(ids)])
