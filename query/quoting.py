"""Intent-driven quoting (prototype for issue 15; ``answer`` is meant to become this).

What ``query.answer.answer`` does, plus four rules:

1. **Intent picks the role quoted.** A question asking how a body responded, or what it said or
   did, quotes responses (those of the body it names first); a question asking what was
   recommended quotes the recommendation; a question asking for a fact (who, when, which, how
   many) quotes what the reports state rather than what a recommendation asks for; a
   recommendation number with no such intent quotes both, each labelled.
2. **No padding.** A sentence is quoted only when it scores close to the best one; sentences of
   contents lists, footnote blocks and lone headings, and a document's own title, are not quoted.
3. **Honest about gaps.** A question that names something the index never mentions (a word
   absent from every indexed text, or an inquiry, review, panel or report that no indexed
   document is and no passage names), or a source the reports mention only in passing without any
   candidate sentence naming it, is refused with what is missing and the nearest passages.
4. **Confidence is a probability.** The best sentence's score is mapped by a logistic curve
   (fitted on the development questions only) to the probability that the first quote answers;
   the answer abstains below ``QuotingParams.abstain_below``.

When quotes from different documents concern the same recommendation, each carries its
document's date (the first date printed at its head) and they are ordered newest first.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass, replace

import numpy as np
from inquire.query.answer import DocPages, Quote, _candidates, lexical_evidence
from inquire.query.results import Citation, Hit
from inquire.query.search import Filters, Searcher
from inquire.query.understand import STOPWORDS, initialism, parse_query

from inquire.records import KIND_BODY
from inquire.recnum import normalise_rec, rec_matches


# Tuned on evaluation/queries/dev.jsonl (+ the dev half of other_inquiry.jsonl and abstain.jsonl)
# with scripts/answer_report.py; never on test.jsonl.
@dataclass(frozen=True)
class QuotingParams:
    passages: int = 5  # top passages whose sentences are candidates
    max_quotes: int = 3
    w_lexical: float = 0.25  # share of the question's content words in the sentence
    keep_within: float = 0.06  # quote a further sentence only when it scores within this of the best
    b_role: float = 0.06  # sentence of the role the question asks for (response / recommendation)
    p_role: float = 0.06  # sentence of the other of those two roles
    b_responder: float = 0.04  # a response by the body the question names
    p_fact_rec: float = 0.06  # a recommendation's own text, for a question asking for a fact
    passing: int = 2  # a source named in at most this many passages is mentioned only in passing
    # P(first quote answers) = 1 / (1 + exp(-cal_a * (score - cal_b))), fitted on dev
    cal_a: float = 12.0
    cal_b: float = 0.45
    abstain_below: float = 0.25  # on the calibrated probability


DEFAULT = QuotingParams()


_FACT = re.compile(r"^\s*(?:who|whom|whose|when|where|which|how (?:many|much|long|often|far|old)|what (?:year|date|day|time|age))\b", re.I)
_SOURCE_NOUNS = frozenset("inquiry inquiries review reviews panel investigation inquest inquests report commission".split())
_GENERIC = STOPWORDS | _SOURCE_NOUNS | frozenset(
    """independent public national government governments response responses committee police force service
    office department uk hm report's inquiry's review's final interim volume part phase module""".split())
_CONNECTORS = frozenset("of the and for into on in to".split())
_MONTHS = "january february march april may june july august september october november december".split()
_DATE = re.compile(rf"\b(?:(\d{{1,2}})\s+)?({'|'.join(m.capitalize() for m in _MONTHS)})\s+(\d{{4}})\b")
_ISO_DATE = re.compile(r"\b(20\d\d|19\d\d)-(\d\d)-(\d\d)\b")


@dataclass(frozen=True)
class LabelledQuote(Quote):
    label: str | None = None  # "Recommendation 7" / "Response from South Yorkshire Police" when both are quoted
    date: str | None = None  # ISO date (or year-month) of the quote's first document, when it prints one


@dataclass(frozen=True)
class QuotedAnswer:
    question: str
    quotes: tuple[LabelledQuote, ...]
    abstained: bool
    hits: tuple[Hit, ...]
    confidence: float  # calibrated probability in [0, 1] that the first quote answers (0 when a rule refused)
    score: float  # the best sentence's raw score (cosine + lexical + intent)
    reason: str | None = None  # why it abstained, in words ("The indexed reports do not mention ...")

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": [q.to_json() | {"label": q.label, "date": q.date} for q in self.quotes],
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "score": round(self.score, 4),
            "reason": self.reason,
            "hits": [h.to_json() for h in self.hits],
        }


# ---------------------------------------------------------------------------------------------
# What the question asks for


@dataclass(frozen=True)
class Ask:
    wants: str | None  # "response" | "recommendation" | None
    fact: bool  # who / when / which / how many ...
    responders: tuple[str, ...]  # bodies named, as the index spells them
    recommendations: tuple[str, ...]
    names: tuple[str, ...]  # capitalised names in the question ("Manchester Arena Inquiry")


def read_question(searcher: Searcher, question: str) -> Ask:
    intent = parse_query(question.strip(), searcher.responders(), searcher.doc_aliases())
    return Ask(intent.wants, bool(_FACT.search(question)), intent.responders, intent.recommendations,
               question_names(question))


def question_names(question: str) -> tuple[str, ...]:
    """Runs of capitalised words (joined by "of", "the", "and", ...), possessives dropped; the
    question's first word does not start a run just by being capitalised."""
    tokens = re.findall(r"[A-Za-z0-9][\w'’.-]*[\w]|[A-Za-z0-9]", question)
    runs: list[list[str]] = []
    cur: list[str] = []
    for i, tok in enumerate(tokens):
        word = re.sub(r"['’]s$", "", tok)
        capital = word[:1].isupper() or (word[:1].isdigit() and bool(cur))
        if capital and not (i == 0 and word.lower() in STOPWORDS | {"how", "what", "who", "which", "when", "why", "where"}):
            cur.append(word)
            if word != tok:  # a possessive ends the name ("the Inquiry's call")
                runs.append(cur)
                cur = []
        elif cur and word.lower() in _CONNECTORS and i + 1 < len(tokens) and tokens[i + 1][:1].isupper():
            cur.append(word)
        else:
            if cur:
                runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    out = []
    for run in runs:
        while run and run[-1].lower() in _CONNECTORS:
            run.pop()
        if run:
            out.append(" ".join(run))
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------
# What the index mentions


class Vocabulary:
    """Words, passage texts and document heads of an index, for deciding what it mentions."""

    def __init__(self, searcher: Searcher) -> None:
        chunks = searcher.index.chunks()
        self.passages = [_norm(c.text) for c in chunks]
        self.words: set[str] = set()
        for text in self.passages:
            self.words.update(re.findall(r"[a-z0-9]+", text))
        self.heads: list[set[str]] = []
        self.dates: dict[str, str | None] = {}
        for doc in searcher.index.documents():
            head = searcher.index.document_head(doc.doc_id, 3000)
            self.heads.append(set(re.findall(r"[a-z0-9]+", _norm(f"{doc.name} {doc.title or ''} {head[:1500]}"))))
            self.dates[doc.name] = document_date(doc.name, head)
        self.known = {a for r in searcher.responders() if (a := initialism(r))}
        for aliases in searcher.doc_aliases().values():
            self.known |= aliases
        self.responders = [_norm(r) for r in searcher.responders()]

    def count(self, phrase: str) -> int:
        """Passages containing ``phrase`` as whole words (case-insensitive)."""
        pattern = re.compile(rf"\b{re.escape(_norm(phrase))}\b")
        return sum(1 for p in self.passages if pattern.search(p))


_VOCAB: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def vocabulary(searcher: Searcher) -> Vocabulary:
    if searcher not in _VOCAB:
        _VOCAB[searcher] = Vocabulary(searcher)
    return _VOCAB[searcher]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").lower()).strip()


@dataclass(frozen=True)
class Coverage:
    missing: tuple[str, ...] = ()  # names the index never mentions
    passing: tuple[str, ...] = ()  # sources it mentions only in passing


def coverage(vocab: Vocabulary, names: tuple[str, ...], passing_at_most: int = DEFAULT.passing) -> Coverage:
    missing, passing = [], []
    for name in names:
        words = [w for w in re.findall(r"[a-z0-9]+", _norm(name))]
        distinctive = [w for w in words if w not in _GENERIC and not w.isdigit() and len(w) > 2]
        if not distinctive:
            continue
        if any(w not in vocab.words and w not in vocab.known for w in distinctive):
            missing.append(name)
            continue
        if words[-1] not in _SOURCE_NOUNS:
            continue  # a name whose words all occur somewhere: nothing more to check
        if any(all(w in head for w in distinctive) for head in vocab.heads):
            continue  # an indexed document is (or prints) this source
        if any(_norm(name).startswith(r) or r.startswith(_norm(name)) for r in vocab.responders):
            continue
        n = vocab.count(name)
        if n == 0:
            missing.append(name)
        elif n <= passing_at_most:
            passing.append(name)
    return Coverage(tuple(missing), tuple(passing))


# ---------------------------------------------------------------------------------------------
# Dates


def document_date(name: str, head: str) -> str | None:
    """The first date printed at a document's head ("5 June 2025" -> "2025-06-05", "December
    2024" -> "2024-12"), else an ISO date in its file name; None when there is neither."""
    m = _DATE.search(head)
    if m:
        day, month, year = m.group(1), _MONTHS.index(m.group(2).lower()) + 1, m.group(3)
        return f"{year}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}"
    m = _ISO_DATE.search(name)
    return "-".join(m.groups()) if m else None


# ---------------------------------------------------------------------------------------------
# Scoring and quoting


def calibrated(score: float, params: QuotingParams = DEFAULT) -> float:
    return 1.0 / (1.0 + math.exp(-params.cal_a * (score - params.cal_b)))


def _intent_adjustment(ask: Ask, hit: Hit, p: QuotingParams) -> float:
    adj = 0.0
    if ask.wants == "response":
        adj += p.b_role if hit.role == "response" else (-p.p_role if hit.role == "recommendation" else 0.0)
    elif ask.wants == "recommendation":
        return p.b_role if hit.role == "recommendation" else (-p.p_role if hit.role == "response" else 0.0)
    elif ask.fact and hit.role == "recommendation":
        adj -= p.p_fact_rec
    if ask.responders and hit.role == "response" and hit.responder in ask.responders:
        adj += p.b_responder
    return adj


def _is_title(text: str, hit: Hit) -> bool:
    return bool(hit.title) and _norm(text).rstrip(".") in _norm(hit.title or "")


def _both_roles(ask: Ask) -> bool:
    return bool(ask.recommendations) and ask.wants is None and not ask.fact


def quote(searcher: Searcher, question: str, k: int = 5, filters: Filters | None = None,
          params: QuotingParams = DEFAULT) -> QuotedAnswer:
    p = params
    hits = searcher.search(question, k=max(k, p.passages), filters=filters)
    shown = tuple(hits[:k])
    ask = read_question(searcher, question)
    vocab = vocabulary(searcher)
    cover = coverage(vocab, ask.names, p.passing)
    if cover.missing:
        return QuotedAnswer(question, (), True, shown, 0.0, 0.0,
                            f"The indexed reports do not mention {_join(cover.missing)}; nearest passages follow.")
    cands, ids = _candidates(searcher, hits[: p.passages])
    kinds = {i: m.kind for i, m in searcher.index.chunk_meta([h.row_id for h in hits[: p.passages]]).items()}
    keep = [i for i, c in enumerate(cands) if kinds.get(c.hit.row_id, KIND_BODY) == KIND_BODY and not _is_title(c.text, c.hit)]
    cands, ids = [cands[i] for i in keep], [ids[i] for i in keep]
    if not cands:
        return QuotedAnswer(question, (), True, shown, 0.0, 0.0, "No quotable sentence in the nearest passages.")
    cos = searcher.sentence_vectors(ids) @ searcher.query_vector(question.strip())
    base = np.array([cos[i] + p.w_lexical * lexical_evidence(question, c.text) for i, c in enumerate(cands)])
    scores = base + np.array([_intent_adjustment(ask, c.hit, p) for c in cands])
    best_raw = float(base.max())
    confidence = calibrated(best_raw, p)
    if cover.passing and not any(_names(c.text, cover.passing) for c in cands):
        return QuotedAnswer(question, (), True, shown, 0.0, best_raw,
                            f"The indexed reports mention {_join(cover.passing)} only in passing; nearest passages follow.")
    if confidence < p.abstain_below:
        return QuotedAnswer(question, (), True, shown, confidence, best_raw,
                            "The indexed reports do not answer this; nearest passages follow.")
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    if _both_roles(ask):
        chosen = _one_per_role(cands, order, ask.recommendations)
    else:
        best = float(scores[order[0]])
        chosen = [i for i in order if scores[i] >= best - p.keep_within][: p.max_quotes]
    quotes = _merge(searcher, [(cands[i], float(scores[i])) for i in chosen], vocab, labelled=_both_roles(ask))
    return QuotedAnswer(question, tuple(_newest_first(quotes)), False, shown, confidence, best_raw)


def _one_per_role(cands, order: list[int], recs: tuple[str, ...]) -> list[int]:
    """For a bare recommendation number: the best sentence of that recommendation and the best
    sentence of a response to it (the best sentence overall when the passages hold neither)."""
    out, roles = [], set()
    for i in order:
        hit = cands[i].hit
        role = hit.role
        if not (hit.recommendation and any(rec_matches(hit.recommendation, r) for r in recs)):
            continue
        if role in ("recommendation", "response") and role not in roles:
            roles.add(role)
            out.append(i)
    return sorted(out, key=lambda i: cands[i].hit.role != "recommendation") or order[:1]


def _names(text: str, names: tuple[str, ...]) -> bool:
    t = _norm(text)
    return any(re.search(rf"\b{re.escape(_norm(n))}\b", t) for n in names)


def _join(names: tuple[str, ...]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _label(hit: Hit) -> str | None:
    if hit.role == "recommendation" and hit.recommendation:
        return f"Recommendation {hit.recommendation}"
    if hit.role == "response":
        return f"Response from {hit.responder}" if hit.responder else "Response"
    return None


def _merge(searcher: Searcher, chosen, vocab: Vocabulary, labelled: bool) -> list[LabelledQuote]:
    pages = DocPages(searcher)
    quotes: list[LabelledQuote] = []
    seen: dict[str, int] = {}
    for c, score in chosen:
        cites = [pages.cite(c.hit.citation, c.start, c.end)]
        cites += [x for x in (pages.find_in(d, c.text) for d in c.hit.also_in) if x is not None]
        if c.text in seen:
            q = quotes[seen[c.text]]
            quotes[seen[c.text]] = replace(q, citations=q.citations + tuple(x for x in cites if x not in q.citations))
            continue
        seen[c.text] = len(quotes)
        quotes.append(LabelledQuote(c.text, tuple(cites), score, _label(c.hit) if labelled else None,
                                    vocab.dates.get(c.hit.doc)))
    return quotes


def _rec_key(c: Citation) -> str | None:
    return normalise_rec(c.recommendation) if c.recommendation else None


def _newest_first(quotes: list[LabelledQuote]) -> list[LabelledQuote]:
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
