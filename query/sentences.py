"""What an answer is made of: quoted sentences with exact citations (``Quote``, ``Answer``), the
quotable sentences of retrieved passages (``candidates``: the index stores a vector for each) and
their page citations (``DocPages``). ``query.answer`` chooses among them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from inquire.query.results import Citation, Hit
from inquire.query.search import Searcher
from inquire.query.understand import STOPWORDS

from inquire.records import CleanDocument
from inquire.text import word_count


@dataclass(frozen=True)
class Quote:
    text: str  # verbatim: every citation's document text sliced at [start:end]
    citations: tuple[Citation, ...]
    score: float  # the sentence's score in ``answer`` (a linear score; higher is better)
    # "Recommendation 7" / "Response from South Yorkshire Police" when both are quoted; "in full
    # (2025-06-05)" / "in principle (2024-12-17)" when documents disagree on how it was received
    label: str | None = None
    date: str | None = None  # publication date of the quote's first document (ISO, as precise as stated)

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "score": round(self.score, 4),
            "citations": [c.to_json() for c in self.citations],
            "label": self.label,
            "date": self.date,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    quotes: tuple[Quote, ...]
    abstained: bool
    hits: tuple[Hit, ...]
    confidence: float  # calibrated probability in [0, 1] that the first quote answers (0 when refused by a rule)
    relevance: float  # the best sentence's cosine + 0.25 x shared content words (gates off-topic questions)
    reason: str | None = None  # why it abstained, in words

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": [q.to_json() for q in self.quotes],
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "relevance": round(self.relevance, 4),
            "reason": self.reason,
            "hits": [h.to_json() for h in self.hits],
        }


def _stem(word: str) -> str:
    return word[:6] if len(word) > 6 else word


def _terms(text: str) -> set[str]:
    return {_stem(t) for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOPWORDS and len(t) > 2}


def lexical_evidence(question: str, sentence: str) -> float:
    """Share of the question's content words (crudely stemmed) that the sentence contains."""
    q = _terms(question)
    return len(q & _terms(sentence)) / len(q) if q else 0.0


@dataclass(frozen=True)
class Candidate:
    text: str
    hit: Hit
    start: int  # absolute offsets in the hit's document
    end: int


def is_sentence(text: str) -> bool:
    """A quotable sentence: five words or more, and either punctuated at the end or long (a bullet
    item); headings such as "Response from South Yorkshire Police" are not quotes."""
    words = word_count(text)
    if words < 5 or not re.search(r"[a-z]", text):
        return False
    return bool(re.search(r"[.!?;:][\"”’')\]]*\s*$", text)) or words >= 10


def candidates(searcher: Searcher, hits: list[Hit]) -> tuple[list[Candidate], list[int]]:
    """The stored sentences of the hits (the index keeps a vector for each), minus fragments."""
    sentences = searcher.sentences_of([h.row_id for h in hits])
    out, ids = [], []
    for hit in hits:
        for sid, start, end in sentences[hit.row_id]:
            text = hit.text[start - hit.start : end - hit.start]
            if not is_sentence(text):
                continue  # headings, labels, fragments
            out.append(Candidate(text, hit, start, end))
            ids.append(sid)
    return out, ids


class DocPages:
    """Page lookups for exact sentence citations (page of the sentence, not of the passage)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._docs: dict[str, CleanDocument] = {}

    def doc(self, doc_id: str) -> CleanDocument:
        if doc_id not in self._docs:
            self._docs[doc_id] = self.searcher.index.clean_document(doc_id)
        return self._docs[doc_id]

    def cite(self, base: Citation, start: int, end: int) -> Citation:
        page_start, page_end = self.doc(base.chunk_id.rsplit("-", 1)[0]).page_span(start, end)
        return replace(base, start=start, end=end, page_start=page_start, page_end=page_end)

    def find_in(self, base: Citation, text: str) -> Citation | None:
        """Citation of ``text`` inside the passage ``base`` (a grouped duplicate), if it is there verbatim."""
        doc = self.doc(base.chunk_id.rsplit("-", 1)[0])
        i = doc.text.find(text, base.start, base.end)
        return self.cite(base, i, i + len(text)) if i >= 0 else None
