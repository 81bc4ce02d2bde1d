"""``answer`` (``inquire ask``): a short answer made only of sentences quoted from the retrieved
passages, each with exact citations, or a plain refusal that says why.

The candidates are the stored sentences of the top passages (``query.sentences``). Then:

1. **One score per sentence from what answers a question, not only what shares its words**: a
   linear score over a few features (cosine and shared content words, as before; whether the
   sentence's passage is the top-ranked one and its fusion score; whether its role is the one the
   question asks for, "how did X respond / what did X say" asking for responses and "what did
   the inquiry recommend" for the recommendation; a response by the body the question names; the
   recommendation number the question names; for a "when" question a date, for a "how many"
   question a number; a heading-like line). The weights were fitted on the development questions
   only (``scripts/fit_quoting.py``: conditional logit, the sentences containing an answer string
   being the positives) and are constants below.
2. **No padding**: a further sentence is quoted only when it scores within ``keep_within`` of the
   first; sentences of contents lists, footnote blocks and lone headings, glossary entries (unless
   the question asks what something is or means), a document's own title, and a second copy of the
   same words are never quoted.
3. **Intent picks what is quoted**: a recommendation number with no role asked ("Operation Linden
   recommendation 7") quotes the recommendation's opening sentence and the best sentence of a
   response to it, each labelled; a named number quotes only that recommendation (in the document
   the question names, when it names one); "how did X respond / what did X say / who is X's ...",
   X a responding body, quotes only responses. Passages of what the question asks for are added
   by a filtered search when the top passages lack them (``candidate_passages``).
4. **Honest about gaps** (``query.coverage``): a question naming something the index never
   mentions (a capitalised word absent from every passage, a name of several words never printed
   together, an inquiry, review, panel, report or investigation that no indexed document is and no
   passage names, a source described in lower case whose words are never printed together) is
   refused, saying what is missing; one asking what a source found that the reports mention only
   in passing (in at most ``passing`` passages) is refused too, and so is one whose names the
   reports print only in different documents. The nearest passages are still shown.
   Off-topic questions are refused as before (no sentence close enough to the question).
5. **``confidence`` is a probability**: the best candidate's score mapped by a logistic curve
   fitted on the development questions to the probability that the first quote answers.
6. **Dates and disagreement**: each quote carries its document's publication date (the index's,
   from ``indexer/docmeta.py``: a dated cue, the cover, or the PDF's metadata); when documents state different receptions of the recommendation the question names
   ("accepted in full" in a 2025 briefing, "in principle" in the 2024 response), the stating
   sentence of each is quoted, labelled with the stance and date, newest first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
from inquire.query.coverage import HEAD_CHARS, MONTH_NAMES, Vocabulary, coverage, norm, question_names, vocabulary
from inquire.query.results import Citation, Hit
from inquire.query.search import Filters, Searcher
from inquire.query.sentences import Answer, DocPages, Quote, candidates, lexical_evidence
from inquire.query.understand import GLOSSARY_SECTION, asks_definition, parse_query

from inquire.params import ANSWER, AnswerParams
from inquire.recnum import mentioned_recs, normalise_rec, rec_matches
from inquire.records import KIND_BODY

__all__ = ["NOT_ANSWERED", "Answer", "Quote", "answer", "lexical_evidence"]

NOT_ANSWERED = "The indexed reports do not appear to answer this question."  # the reason when nothing is close enough

FEATURES = (
    "cos",
    "lex",
    "top",
    "prel",
    "role_match",
    "role_opp",
    "fact_rec",
    "resp_match",
    "rec_match",
    "type_match",
    "type_miss",
    "heading",
)


_FACT = re.compile(
    r"^\s*(?:who|whom|whose|when|where|which|how (?:many|much|long|often|far|old)|what (?:year|date|day|time|age))\b", re.I
)
_WHEN = re.compile(r"^\s*(?:when|what (?:year|date|month|day))\b|\bby when\b|\bhow soon\b|\bwhat date\b", re.I)
_COUNT = re.compile(r"\bhow (?:many|much)\b|\bwhat (?:share|proportion|percentage|number|amount)\b", re.I)
_DATE_WORDS = re.compile(
    rf"\b(?:{'|'.join(MONTH_NAMES)})\b|\b(?:19|20)\d\d\b|\b(?:spring|summer|autumn|winter)\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b",
    re.I,
)
_QUANTITY = re.compile(
    r"(?:£|\$)\s?\d|\b\d[\d,.]*\s?(?:%|per cent|million|billion|thousand)|\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|half|dozen)\b",
    re.I,
)


# ---------------------------------------------------------------------------------------------
# What the question asks for


@dataclass(frozen=True)
class Ask:
    wants: str | None  # "response" | "recommendation" | None
    fact: bool  # who / when / which / how many ...
    responders: tuple[str, ...]  # bodies named, as the index spells them
    recommendations: tuple[str, ...]
    names: tuple[str, ...]  # names in the question ("Manchester Arena Inquiry", "Hackitt review")
    docs: tuple[str, ...] = ()  # doc ids the question names ("Operation Linden", "HC 381")


def read_question(searcher: Searcher, question: str) -> Ask:
    """What ``parse_query`` finds, plus: a question asking for a fact (who, when, how many ...)
    about a responding body it names ("Who is South Yorkshire Police's single point of contact
    ...?") asks for that body's responses."""
    intent = parse_query(question.strip(), searcher.responders(), searcher.doc_aliases())
    fact = bool(_FACT.search(question))
    wants = intent.wants or ("response" if fact and intent.responders else None)
    return Ask(wants, fact, intent.responders, intent.recommendations, question_names(question), intent.docs)


# ---------------------------------------------------------------------------------------------
# Features and scores


def is_heading(text: str) -> bool:
    """A line with no closing punctuation that is not a list item: a heading or a title."""
    t = text.strip()
    if re.search(r"[.!?;:][\"”’')\]]*\s*$", t):
        return False
    return not re.match(r"^[•●▪\-–*]|^\(?[a-z0-9]{1,4}[.)]?\s", t, re.I)


def answer_type_match(question: str, sentence: str) -> bool | None:
    """For a "when" question: does the sentence hold a date; for "how many / how much": a
    number; None for other questions."""
    if _WHEN.search(question):
        return bool(_DATE_WORDS.search(sentence))
    if _COUNT.search(question):
        return bool(_QUANTITY.search(sentence))
    return None


def sentence_features(question: str, ask: Ask, text: str, hit: Hit, cos: float, top_score: float) -> list[float]:
    """The FEATURES of one candidate sentence (in that order). ``hit.rank`` 0 marks a passage
    added by intent (not among the top passages): it gets no rank or fusion-score credit."""
    want = ask.wants
    typed = answer_type_match(question, text)
    return [
        cos,
        lexical_evidence(question, text),
        float(hit.rank == 1),
        hit.score / top_score if top_score > 0 and hit.rank > 0 else 0.0,
        float(want is not None and hit.role == want),
        float(want is not None and hit.role in ("recommendation", "response") and hit.role != want),
        float(ask.fact and want is None and hit.role == "recommendation"),
        float(bool(ask.responders) and hit.role == "response" and hit.responder in ask.responders),
        float(
            bool(ask.recommendations)
            and bool(hit.recommendation)
            and any(rec_matches(hit.recommendation, r) for r in ask.recommendations)
        ),
        float(typed is True),
        float(typed is False),
        float(is_heading(text)),
    ]


def calibrated(score: float, params: AnswerParams = ANSWER) -> float:
    return 1.0 / (1.0 + math.exp(-(params.cal_a * score + params.cal_b)))


# ---------------------------------------------------------------------------------------------
# Quoting


def candidate_passages(
    searcher: Searcher, question: str, ask: Ask, hits: list[Hit], params: AnswerParams, filters: Filters | None = None
) -> list[Hit]:
    """The top passages, plus the best few of what the question's intent asks for when the top
    passages lack it: passages of the recommendation it names, responses (by the body it names,
    when the index has responses by it) for "how did X respond / what did X say", recommendations
    for "what did the inquiry recommend". Added passages carry rank 0."""
    pool = list(hits[: params.passages])
    base = filters or Filters()
    wanted: list[Filters] = []
    if ask.recommendations:  # the recommendation named, in the role asked for (both when none is)
        roles = [ask.wants] if ask.wants else ["recommendation", "response"]
        wanted += [replace(base, rec=ask.recommendations[0], role=role) for role in roles]
    elif ask.wants == "response":
        wanted += [replace(base, role="response", responder=r) for r in ask.responders[:1]] + [replace(base, role="response")]
    elif ask.wants == "recommendation":
        wanted.append(replace(base, role="recommendation"))
    # never outside what the user's own filters allow: a field they set is kept (a search that would
    # need another value is not made)
    wanted = [
        replace(f, rec=base.rec or f.rec, role=base.role or f.role, responder=base.responder or f.responder)
        for f in wanted
        if (not base.role or base.role == f.role)
        and (not base.rec or not f.rec or rec_matches(f.rec, base.rec) or rec_matches(base.rec, f.rec))
        and (not base.responder or not f.responder or base.responder.lower() in f.responder.lower())
    ]
    top = list(pool)
    seen = {h.row_id for h in pool}
    for f in wanted if params.added > 0 else []:
        if any(
            h.role == f.role
            and (not f.rec or (h.recommendation and rec_matches(h.recommendation, f.rec)))
            and (not f.responder or f.responder in (h.responder or ""))
            for h in top
        ):
            continue
        found = searcher.search(question, k=params.added + 3 if ask.docs else params.added, filters=f)
        found = sorted(found, key=lambda h: _doc_id(h) not in ask.docs)[: params.added]  # stable: named documents first
        for h in found:
            if h.row_id not in seen:
                seen.add(h.row_id)
                pool.append(replace(h, rank=0))
    return pool


def _quotable(searcher: Searcher, hits: list[Hit], question: str = ""):
    """Candidate sentences (and their ids) of body passages, minus a document's own title, and
    minus glossary entries unless the question asks what something is or means."""
    cands, ids = candidates(searcher, hits)
    kinds = {i: m.kind for i, m in searcher.index.chunk_meta([h.row_id for h in hits]).items()}
    definitions = asks_definition(question)
    keep = [
        i
        for i, c in enumerate(cands)
        if kinds.get(c.hit.row_id, KIND_BODY) == KIND_BODY
        and not (c.hit.title and norm(c.text).rstrip(". ") in norm(c.hit.title))
        and (definitions or not GLOSSARY_SECTION.search(c.hit.section or ""))
    ]
    return [cands[i] for i in keep], [ids[i] for i in keep]


def answer(
    searcher: Searcher, question: str, k: int = 5, filters: Filters | None = None, params: AnswerParams = ANSWER
) -> Answer:
    """Quote the sentences that answer ``question`` (with the ``k`` passages that support them), or
    refuse with the reason and the nearest passages."""
    p = params
    hits = searcher.search(question, k=max(k, p.passages), filters=filters, rerank=p.rerank)
    shown = tuple(hits[:k])

    def refuse(reason: str, confidence: float = 0.0, relevance: float = 0.0) -> Answer:
        return Answer(question, (), True, shown, confidence, relevance, reason)

    ask = read_question(searcher, question)
    vocab = vocabulary(searcher)
    # where an initialism may be spelled out: the passages found and the covers of their documents
    texts = [h.text for h in hits] + [
        searcher.index.document_head(d, HEAD_CHARS) for d in dict.fromkeys(_doc_id(h) for h in hits)
    ]
    cover = coverage(vocab, ask.names, p.passing, question, texts)
    if cover.missing:
        return refuse(f"The indexed reports do not mention {_join(cover.missing)}.")
    if cover.passing:
        return refuse(f"The indexed reports mention {_join(cover.passing)} only in passing.")
    if cover.apart:
        return refuse(f"The indexed reports never mention {_join(cover.apart, 'and')} in one document.")
    pool = candidate_passages(searcher, question, ask, hits, p, filters)
    cands, ids = _quotable(searcher, pool, question)
    if not cands:
        return refuse(NOT_ANSWERED)
    cos = searcher.sentence_vectors(ids) @ searcher.query_vector(question.strip())
    top_score = max((h.score for h in pool if h.rank > 0), default=0.0)
    X = np.array([sentence_features(question, ask, c.text, c.hit, float(cos[i]), top_score) for i, c in enumerate(cands)])
    relevance = float((X[:, 0] + 0.25 * X[:, 1]).max())
    if relevance < p.relevance_below and not any(_named_by(c.hit, ask) for c in cands):
        return refuse(NOT_ANSWERED, relevance=relevance)
    scores = X @ np.array(p.weights)
    order = every = [int(i) for i in np.argsort(-scores, kind="stable")]
    if p.intent_only and ask.wants == "response" and ask.responders and not ask.recommendations:
        order = _intended(cands, order, ask)
    if p.intent_only and ask.recommendations:
        order = _of_recommendation(cands, order, ask)
    both = bool(ask.recommendations) and ask.wants is None and not ask.fact
    chosen = (
        _one_per_role(cands, order, ask.recommendations)
        if both
        else [i for i in order[: p.max_quotes] if scores[i] >= scores[order[0]] - p.keep_within]
    )
    if p.opening and ask.recommendations and ask.wants != "response":
        chosen = list(dict.fromkeys(_opening(cands, i) for i in chosen))
    labels = {i: _label(cands[i].hit) for i in chosen} if both else {}
    if ask.recommendations and not both and (disagree := _disagreeing(cands, every, ask.recommendations, vocab, p.max_quotes)):
        chosen = disagree
        labels = {i: _dated(status(cands[i].text), vocab.dates.get(cands[i].hit.doc)) for i in chosen}
    confidence = calibrated(float(scores.max()), p)  # how well the best candidate is supported
    if confidence < p.abstain_below:
        return refuse("The indexed reports do not answer this question clearly.", confidence, relevance)
    quotes = _merge(searcher, [(cands[i], float(scores[i]), labels.get(i)) for i in chosen], vocab, cands)
    return Answer(question, tuple(_newest_first(quotes)), False, shown, confidence, relevance)


def _named_by(hit: Hit, ask: Ask) -> bool:
    """The passage is what the question names by structure: the response of the body it names to
    the recommendation it names, or that recommendation in the document it names ("What did the
    Police Digital Service say in response to recommendation 10?": its response may share no word
    with the question and still be the answer)."""
    if not hit.recommendation or not any(rec_matches(hit.recommendation, r) for r in ask.recommendations):
        return False
    if ask.docs:  # of the document named: another report's recommendation N is not the one asked about
        return _doc_id(hit) in ask.docs
    return bool(ask.responders) and hit.role == "response" and hit.responder in ask.responders


def _opening(cands, i: int) -> int:
    """For a recommendation's own text: its first quotable sentence in the same document (what
    the recommendation says comes first: "The IOPC recommends ..."), not its best-scoring bullet."""
    c = cands[i]
    if c.hit.role != "recommendation" or not c.hit.recommendation:
        return i
    same = [
        j
        for j, d in enumerate(cands)
        if d.hit.doc == c.hit.doc and d.hit.role == "recommendation" and d.hit.recommendation == c.hit.recommendation
    ]
    return min(same, key=lambda j: cands[j].start)


def _doc_id(hit: Hit) -> str:
    return hit.chunk_id.rsplit("-", 1)[0]


def _of_recommendation(cands, order: list[int], ask: Ask) -> list[int]:
    """Only sentences of the recommendation the question names (and of a document it names, when
    it names one that has them), when the candidates hold some; else all."""
    about = [
        i
        for i in order
        if cands[i].hit.recommendation and any(rec_matches(cands[i].hit.recommendation, r) for r in ask.recommendations)
    ]
    named = [i for i in about if _doc_id(cands[i].hit) in ask.docs]
    return named or about or order


def _intended(cands, order: list[int], ask: Ask) -> list[int]:
    """Only sentences of the role the question asks for, when the candidates hold some; else all.
    (Responses by the body the question names are preferred by their feature, not required: "the
    government" names a responder of some reports and means another's.)"""
    return [i for i in order if cands[i].hit.role == ask.wants] or order


_STATUS = (
    ("in full", re.compile(r"\baccept\w*\b(?:\W+\w+){0,6}?\W+in full\b|\bfully accept", re.I)),
    ("in principle", re.compile(r"\bin principle\b", re.I)),
    ("in part", re.compile(r"\b(?:in part|partially accept\w*|partly accept\w*)\b", re.I)),
    ("not accepted", re.compile(r"\b(?:not accept\w*|reject\w*|do(?:es)? not support)\b", re.I)),
)


def status(sentence: str) -> str | None:
    """How a sentence says a recommendation was received ("in full", "in principle", "in part",
    "not accepted"), or None."""
    return next((name for name, pattern in _STATUS if pattern.search(sentence)), None)


def _about(cand, recs: tuple[str, ...]) -> bool:
    """The sentence belongs to (or names) one of the recommendations."""
    if cand.hit.recommendation and any(rec_matches(cand.hit.recommendation, r) for r in recs):
        return True
    return any(rec_matches(m, r) for m in mentioned_recs(cand.text) for r in recs)


def _disagreeing(cands, order: list[int], recs: tuple[str, ...], vocab: Vocabulary, limit: int) -> list[int]:
    """When documents disagree on how a named recommendation was received (one says "accepted in
    full", another "in principle"), the best such sentence of each document, newest document
    first; else nothing."""
    best: dict[str, int] = {}
    for i in order:
        c = cands[i]
        if c.hit.doc not in best and status(c.text) and _about(c, recs):
            best[c.hit.doc] = i
    if len(best) < 2 or len({status(cands[i].text) for i in best.values()}) < 2:
        return []
    return sorted(best.values(), key=lambda i: vocab.dates.get(cands[i].hit.doc) or "", reverse=True)[:limit]


def _one_per_role(cands, order: list[int], recs: tuple[str, ...]) -> list[int]:
    """For a bare recommendation number: the best sentence of that recommendation and the best
    sentence of a response to it (the best sentence overall when the passages hold neither)."""
    out, roles = [], set()
    for i in order:
        hit = cands[i].hit
        if not (hit.recommendation and any(rec_matches(hit.recommendation, r) for r in recs)):
            continue
        if hit.role in ("recommendation", "response") and hit.role not in roles:
            roles.add(hit.role)
            out.append(i)
    return sorted(out, key=lambda i: cands[i].hit.role != "recommendation") or order[:1]


def _dated(label: str | None, date: str | None) -> str | None:
    return f"{label} ({date})" if label and date else label


def _join(names: tuple[str, ...], word: str = "or") -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {word} " + quoted[-1]


def _label(hit: Hit) -> str | None:
    if hit.role == "recommendation" and hit.recommendation:
        return f"Recommendation {hit.recommendation}"
    if hit.role == "response":
        return f"Response from {hit.responder}" if hit.responder else "Response"
    return None


def _merge(searcher: Searcher, chosen, vocab: Vocabulary, others=()) -> list[Quote]:
    """One quote per distinct sentence, with every citation: its grouped duplicates' and those of
    the other candidates (``others``) that are the same sentence in another document."""
    pages = DocPages(searcher)
    quotes: list[Quote] = []
    seen: dict[str, int] = {}
    near: set[str] = set()
    copies: dict[str, list] = {}
    for o in others:
        copies.setdefault(o.text, []).append(o)
    for c, score, label in chosen:
        cites = []
        for d in [c] + [o for o in copies.get(c.text, []) if o is not c]:
            cites.append(pages.cite(d.hit.citation, d.start, d.end))
            cites += [x for x in (pages.find_in(g, d.text) for g in d.hit.also_in) if x is not None]
        cites = list(dict.fromkeys(cites))
        if c.text in seen:  # the same sentence elsewhere: one quote, every citation (each slices to this text)
            q = quotes[seen[c.text]]
            quotes[seen[c.text]] = replace(q, citations=q.citations + tuple(x for x in cites if x not in q.citations))
            continue
        key = re.sub(r"\W+", "", c.text.lower())
        if key in near:  # the same words with other spacing or quotes (a report's summary repeating its body): once
            continue
        near.add(key)
        seen[c.text] = len(quotes)
        quotes.append(Quote(c.text, tuple(cites), score, label, vocab.dates.get(c.hit.doc)))
    return quotes


def _rec_key(c: Citation) -> str | None:
    return normalise_rec(c.recommendation) if c.recommendation else None


def _newest_first(quotes: list[Quote]) -> list[Quote]:
    """Quotes about the same recommendation from documents of different dates: newest first
    (their positions in the answer are kept; only their order among themselves changes)."""
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(quotes):
        key = _rec_key(q.citations[0])
        if key and q.date:
            groups.setdefault(key, []).append(i)
    out = list(quotes)
    for idx in groups.values():
        if len({quotes[i].citations[0].doc for i in idx}) < 2:
            continue
        ordered = sorted((quotes[i] for i in idx), key=lambda q: q.date or "", reverse=True)
        for slot, q in zip(idx, ordered):
            out[slot] = q
    return out
