"""``answer``: a short answer made only of sentences quoted from the retrieved passages.

Each candidate sentence (from the top passages) is scored by its cosine similarity to the
question (sentence vectors are stored in the index, so nothing but the question is embedded at
query time) plus lexical evidence (share of the question's content
words it contains). The best few are quoted verbatim with exact citations (document, page of that
sentence, section, recommendation, responder, character offsets). The same sentence found in
several documents (the grouped near-duplicates of a hit) is shown once with every citation.
When even the best sentence is not similar enough to the question, the answer abstains and the
nearest passages are shown instead. The threshold was calibrated with
``scripts/calibrate_abstain.py`` on evaluation/queries/abstain.jsonl (see the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from inquire.query.results import Citation, Hit
from inquire.query.search import Filters, Searcher
from inquire.query.understand import STOPWORDS

from inquire.params import ANSWER, AnswerParams
from inquire.records import CleanDocument
from inquire.text import word_count


@dataclass(frozen=True)
class Quote:
    text: str
    citations: tuple[Citation, ...]
    score: float

    def to_json(self) -> dict:
        return {"text": self.text, "score": round(self.score, 4), "citations": [c.to_json() for c in self.citations]}


@dataclass(frozen=True)
class Answer:
    question: str
    quotes: tuple[Quote, ...]
    abstained: bool
    hits: tuple[Hit, ...]
    confidence: float  # best sentence's score; compared with AnswerParams.abstain_below

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": [q.to_json() for q in self.quotes],
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "hits": [h.to_json() for h in self.hits],
        }


def _stem(word: str) -> str:
    return word[:6] if len(word) > 6 else word


def _terms(text: str) -> set[str]:
    return {_stem(t) for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOPWORDS and len(t) > 2}


def lexical_evidence(question: str, sentence: str) -> float:
    q = _terms(question)
    return len(q & _terms(sentence)) / len(q) if q else 0.0


@dataclass(frozen=True)
class _Candidate:
    text: str
    hit: Hit
    start: int  # absolute offsets in the hit's document
    end: int


def _is_sentence(text: str) -> bool:
    """A quotable sentence: five words or more, and either punctuated at the end or long (a bullet
    item); headings such as "Response from South Yorkshire Police" are not quotes."""
    words = word_count(text)
    if words < 5 or not re.search(r"[a-z]", text):
        return False
    return bool(re.search(r"[.!?;:][\"”’')\]]*\s*$", text)) or words >= 10


def _candidates(searcher: Searcher, hits: list[Hit]) -> tuple[list[_Candidate], list[int]]:
    """The stored sentences of the hits (the index keeps a vector for each), minus fragments."""
    sentences = searcher.sentences_of([h.row_id for h in hits])
    out, ids = [], []
    for hit in hits:
        for sid, start, end in sentences[hit.row_id]:
            text = hit.text[start - hit.start : end - hit.start]
            if not _is_sentence(text):
                continue  # headings, labels, fragments
            out.append(_Candidate(text, hit, start, end))
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


def answer(
    searcher: Searcher,
    question: str,
    k: int = 5,
    filters: Filters | None = None,
    max_sentences: int | None = None,
    abstain_below: float | None = None,
    params: AnswerParams = ANSWER,
) -> Answer:
    """Quote the best sentences of the top passages, or abstain. ``max_sentences`` and
    ``abstain_below`` override the matching fields of ``params``."""
    if max_sentences is not None or abstain_below is not None:
        params = replace(
            params,
            max_sentences=params.max_sentences if max_sentences is None else max_sentences,
            abstain_below=params.abstain_below if abstain_below is None else abstain_below,
        )
    hits = searcher.search(question, k=max(k, params.passages_for_sentences), filters=filters)
    shown = tuple(hits[:k])
    cands, ids = _candidates(searcher, hits[: params.passages_for_sentences])
    if not cands:
        return Answer(question, (), True, shown, 0.0)
    cos = searcher.sentence_vectors(ids) @ searcher.query_vector(question.strip())
    scores = np.array([cos[i] + params.w_lexical * lexical_evidence(question, c.text) for i, c in enumerate(cands)])
    best = float(scores.max())
    if best < params.abstain_below:
        return Answer(question, (), True, shown, best)
    pages = DocPages(searcher)
    quotes: list[Quote] = []
    seen: dict[str, int] = {}
    for i in np.argsort(-scores, kind="stable"):
        c, score = cands[int(i)], float(scores[int(i)])
        if score < best - params.keep_within or len(quotes) == params.max_sentences:
            break
        key = c.text  # exact text: every merged citation slices to exactly this quote
        cites = [pages.cite(c.hit.citation, c.start, c.end)]
        cites += [x for x in (pages.find_in(d, c.text) for d in c.hit.also_in) if x is not None]
        if key in seen:  # same sentence, another document: one quote, every citation
            q = quotes[seen[key]]
            new = tuple(x for x in cites if x not in q.citations)
            quotes[seen[key]] = replace(q, citations=q.citations + new)
            continue
        seen[key] = len(quotes)
        quotes.append(Quote(c.text, tuple(cites), score))
    return Answer(question, tuple(quotes), False, shown, best)
