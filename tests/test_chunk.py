from __future__ import annotations

from dataclasses import replace

from inquire.indexer.chunk import ChunkParams, chunk_document, embedding_text

from inquire.records import CleanDocument, Segment, Structure
from inquire.text import sentence_spans, word_count


def _doc(sentences: int = 60):
    rec = "The IOPC recommends South Yorkshire Police works with the ISVA service. " * 3
    resp = " ".join(f"Sentence number {i} describes what the force has done so far." for i in range(sentences))
    text = rec + "\n\n" + resp
    clean = CleanDocument(text=text, page_starts=((0, 1), (len(rec) + 2, 2)))
    segs = (
        Segment(0, len(rec), role="recommendation", recommendation="7"),
        Segment(len(rec) + 2, len(text), role="response", recommendation="7", responder="South Yorkshire Police"),
    )
    return clean, Structure(segments=segs)


def test_chunks_stay_inside_segments_and_quote_exactly():
    clean, structure = _doc()
    chunks = chunk_document("abc", clean, structure, ChunkParams(target_words=100, max_words=150, min_words=40))
    assert [c.chunk_id for c in chunks] == [f"abc-{i:04d}" for i in range(len(chunks))]
    for c in chunks:
        assert clean.text[c.start : c.end] == c.text
        seg = next(s for s in structure.segments if s.start <= c.start < s.end)
        assert c.end <= seg.end, "a chunk crossed a segment boundary"
        assert c.role == seg.role and c.recommendation == "7"
    assert chunks[0].role == "recommendation" and chunks[0].page_start == 1
    responses = [c for c in chunks if c.role == "response"]
    # 60 sentences x 10 words = 600 words: packed to ~100-word chunks, none above 150
    assert len(responses) >= 4
    assert all(word_count(c.text) <= 150 for c in responses)
    assert all(c.page_start == 2 and c.responder == "South Yorkshire Police" for c in responses)
    # whole sentences: every response chunk ends with a full stop
    assert all(c.text.rstrip().endswith(".") for c in responses)


def test_short_tail_is_merged_into_previous_chunk():
    # 62 sentences of 11 words: six chunks of 10 sentences (110 words) and a tail of 2 (22 words)
    clean, structure = _doc(62)
    params = ChunkParams(target_words=100, max_words=150, min_words=40)
    unmerged = [c for c in chunk_document("abc", clean, structure, replace(params, min_words=0)) if c.role == "response"]
    assert word_count(unmerged[-1].text) == 22  # the fixture has a short tail ...
    chunks = chunk_document("abc", clean, structure, params)
    responses = [c for c in chunks if c.role == "response"]
    assert word_count(responses[-1].text) >= 40
    # ... merged into the chunk before it (110 + 22 words), which still ends where the segment ends
    assert len(responses) == len(unmerged) - 1 and word_count(responses[-1].text) == 132
    assert responses[-1].end == unmerged[-1].end and responses[-1].start == unmerged[-2].start


def test_sentence_spans_keep_abbreviations_and_bullets():
    text = "See e.g. the report. Next sentence here.\n• a bullet item\n• another item"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["See e.g. the report.", "Next sentence here.", "• a bullet item", "• another item"]


def test_embedding_text_carries_context_header():
    clean, structure = _doc()
    chunk = chunk_document("abc", clean, structure)[-1]
    text = embedding_text(chunk, "Operation Linden", "Working arrangements with the ISVA service")
    assert text.startswith(
        "Operation Linden. Recommendation 7: Working arrangements with the ISVA service. Response from South Yorkshire Police."
    )
    assert text.endswith(chunk.text)


def test_heading_only_segments_open_the_next_section():
    text = "PARTNERS\n\nThe force works with the ISVA service every week on training and updates for victims."
    clean = CleanDocument(text=text)
    segs = (Segment(0, 8, section=("PARTNERS",)), Segment(10, len(text), section=("PARTNERS",)))
    chunks = chunk_document("d", clean, Structure(segments=segs))
    assert [c.text for c in chunks] == [text]
    # but a heading never swallows a recommendation or a response
    segs = (Segment(0, 8), Segment(10, len(text), role="response", recommendation="7"))
    chunks = chunk_document("d", clean, Structure(segments=segs))
    assert [c.role for c in chunks] == ["other", "response"]
    assert [c.kind for c in chunks] == ["heading", "body"]  # ... and the lone heading ranks lower


def test_mentions_come_from_text_and_from_section_titles_outside_recommendations():
    text = "The UK Government accepted recommendation 10a(ii) in full.\n\n5a. Review the duties of civil servants."
    clean = CleanDocument(text=text)
    split = text.index("5a.")
    segs = (
        Segment(0, split - 2, section=("Patient voice (recommendation 10)",)),
        Segment(
            split,
            len(text),
            role="recommendation",
            recommendation="5a",
            section=("Recommendation 5: Ending a defensive culture",),
        ),
    )
    other, rec = chunk_document("d", clean, Structure(segments=segs))
    assert other.mentions == ("10aii", "10")
    assert rec.mentions == ()  # its heading names its own number: a sibling query (5b) must not boost it
