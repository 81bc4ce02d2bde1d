"""Chunking inside structure: a chunk never crosses a segment (recommendation, response, section).

Chunks are whole sentences packed to about ``target_words`` (never over ``max_words`` unless one
sentence is longer); a short tail is merged into the previous chunk of the same segment.
Chunk text is always ``clean.text[start:end]``, so a chunk's citation is exact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from inquire.recnum import mentioned_recs
from inquire.records import (
    KIND_BODY,
    KIND_CONTENTS,
    KIND_HEADING,
    ROLE_OTHER,
    ROLE_RECOMMENDATION,
    ROLE_RESPONSE,
    Chunk,
    CleanDocument,
    Segment,
    Structure,
)
from inquire.text import sentence_spans, word_count


@dataclass(frozen=True)
class ChunkParams:
    target_words: int = 200
    max_words: int = 250
    min_words: int = 60

    def to_dict(self) -> dict:
        return asdict(self)


def _pack(text: str, sents: list[tuple[int, int]], params: ChunkParams) -> list[tuple[int, int]]:
    groups: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    words = 0
    for s, e in sents:
        w = word_count(text[s:e])
        if cur and (words + w > params.max_words or words >= params.target_words):
            groups.append(cur)
            cur, words = [], 0
        cur.append((s, e))
        words += w
    if cur:
        if groups and words < params.min_words:
            prev_words = sum(word_count(text[s:e]) for s, e in groups[-1])
            if prev_words + words <= params.max_words * 1.2:
                groups[-1].extend(cur)
                cur = []
        if cur:
            groups.append(cur)
    return [(g[0][0], g[-1][1]) for g in groups]


HEADING_WORDS = 12


def _merge_headings(text: str, segments: tuple[Segment, ...]) -> list[Segment]:
    """A heading-only "other" segment (a title, "4 The political response") cannot answer anything
    alone: it opens the next "other" segment instead (never a recommendation or a response; then it
    stays a passage of kind "heading", which search ranks below body text)."""
    out: list[Segment] = []
    pending: Segment | None = None
    for seg in segments:
        if pending is not None:
            if seg.role == ROLE_OTHER and seg.recommendation is None and seg.kind == pending.kind:
                seg = replace(seg, start=pending.start)
            else:
                out.append(replace(pending, kind=KIND_HEADING) if pending.kind == KIND_BODY else pending)
            pending = None
        if seg.role == ROLE_OTHER and seg.recommendation is None and word_count(text[seg.start : seg.end]) < HEADING_WORDS:
            pending = seg
            continue
        out.append(seg)
    if pending is not None:
        out.append(pending)
    return out


def chunk_document(doc_id: str, clean: CleanDocument, structure: Structure, params: ChunkParams | None = None) -> list[Chunk]:
    params = params or ChunkParams()
    chunks: list[Chunk] = []
    for seg in _merge_headings(clean.text, structure.segments):
        sents = sentence_spans(clean.text, seg.start, seg.end)
        for start, end in _pack(clean.text, sents, params):
            page_start, page_end = clean.page_span(start, end)
            seq = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}-{seq:04d}",
                    doc_id=doc_id,
                    seq=seq,
                    text=clean.text[start:end],
                    start=start,
                    end=end,
                    page_start=page_start,
                    page_end=page_end,
                    section=seg.section,
                    recommendation=seg.recommendation,
                    role=seg.role,
                    responder=seg.responder,
                    kind=seg.kind,
                    mentions=_mentions(clean.text[start:end], seg),
                    addressee=seg.addressee,
                )
            )
    return chunks


def _mentions(text: str, seg: Segment) -> tuple[str, ...]:
    """Recommendations a passage discusses: named in its text or, outside recommendations and
    responses, in its section title ("Patient voice (recommendation 10)"; the heading
    "Recommendation 5: ..." over 5a-5c is their own number, not a mention). Contents lists: none."""
    if seg.kind == KIND_CONTENTS:
        return ()
    found = list(mentioned_recs(text))
    if seg.role == ROLE_OTHER:
        for title in seg.section:
            found += [n for n in mentioned_recs(title) if n not in found]
    return tuple(found)


def embedding_text(chunk: Chunk, title: str | None, rec_title: str | None = None) -> str:
    """What is embedded for a chunk: a short context header, then the exact passage.

    The header (document title, recommendation number and title, responder, section) lets a
    passage that never names its recommendation still match questions about it.
    """
    head: list[str] = []
    if title:
        head.append(title)
    if chunk.recommendation:
        label = f"Recommendation {chunk.recommendation}"
        if rec_title:
            label += f": {rec_title}"
        head.append(label)
    if chunk.role == ROLE_RESPONSE and chunk.responder:
        head.append(f"Response from {chunk.responder}")
    elif chunk.role == ROLE_RECOMMENDATION and chunk.addressee:
        head.append(f"addressed to {chunk.addressee}")
    if chunk.section:
        head.append(" > ".join(chunk.section))
    return (". ".join(head) + ".\n" if head else "") + chunk.text
