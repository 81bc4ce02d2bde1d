"""Answer-level evaluation: is each quoted sentence one that answers the question?

``run_answer_eval`` asks every question of a judged query set (``dev.jsonl``, ``test.jsonl``) with
one or more answering systems and judges each quoted sentence, not the passage it came from, with
the retrieval judge's normalisation (``evaluation.judge.squash``). It also asks the questions of
abstention sets (``abstain.jsonl``, ``other_inquiry.jsonl``), which carry no answer strings, only
whether the indexed reports answer them.

Quote rule. A quote is correct for a question when, compared after ``squash``, one of the
question's answer strings

1. lies inside the quote (the retrieval rule, applied to the sentence instead of the passage), or
2. contains the whole quote (the quote is a piece of the answering text: a bullet or a clause the
   answer string was copied across), or
3. runs across the quote's first or last character with at least ``OVERLAP_SHARE`` of its letters
   (and ``OVERLAP_MIN`` letters) inside the quote: an answer string copied across a sentence end.

Rules 2 and 3 exist because a quote is shorter than a passage: an answer string written over
"Llais (voice). It came into force in April 2023" is answered by either sentence. They stay
strict: a quote sharing the question's words, or a few words of an answer, matches none of them
(rule 2 needs the whole quote verbatim inside an answer string, and quotes are at least five
words; rule 3 needs most of the answer string verbatim at the quote's edge). Each judged quote
records which rule matched, so the looser rules can be audited.

Measures per system and set (questions with answer strings):

- ``quote_precision``: correct quotes over all quotes shown (``padding_share`` is the rest);
- ``success_at_1``: the first quote is correct, over all questions (a refusal counts as a miss);
- ``success_any``: some quote is correct, over all questions;
- ``padded_answers``: answered questions with at least one incorrect quote, over answered questions;
- ``false_refusals``: questions the reports answer that the system refused.

Abstention sets: ``false_answers`` (answered although the reports do not cover the question) and
``false_refusals`` (refused although they do). ``confidence`` is summarised per set (min, max, how
many fall outside [0, 1]), and ``threshold_table`` says what a confidence threshold would give.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from inquire.evaluation.harness import EvalQuery
from inquire.evaluation.judge import squash
from inquire.query.search import Searcher

from inquire.errors import QueryError
from inquire.params import ANSWER, AnswerParams

OVERLAP_SHARE = 0.6  # rule 3: share of an answer string's letters that must lie inside the quote
OVERLAP_MIN = 20  # rule 3: and at least this many letters (after squash)
CONTAINED_MIN = 20  # rule 2: a quote must have at least this many letters to count as a piece of an answer
MAX_QUOTES = 3  # the baseline quotes this many sentences, as inquire does by default


# ----------------------------------------------------------------------------------------------
# Query sets without answer strings (abstention)


@dataclass(frozen=True)
class AbstainQuery:
    """A question judged only on whether it should be answered at all."""

    id: str
    query: str
    answerable: bool  # the indexed reports answer it (abstain.jsonl's in-domain half)
    split: str | None = None  # "dev" | "test" (other_inquiry.jsonl), None when the file has no split
    subject: str | None = None  # the inquiry or report asked about (other_inquiry.jsonl)
    mentioned: bool | None = None  # the indexed reports name the subject in passing


def load_abstain_queries(path: Path, split: str | None = None) -> list[AbstainQuery]:
    """Read ``abstain.jsonl`` or ``other_inquiry.jsonl``; ``split`` keeps one half ("dev"/"test").

    A question is answerable when ``in_domain`` is true and ``covered`` is not false."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QueryError(f"{path}: cannot read query file ({exc.strerror}); see evaluation/queries/README.md") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            o = json.loads(line)
            q = AbstainQuery(
                str(o["id"]),
                str(o["query"]),
                bool(o["in_domain"]) and o.get("covered", True) is not False,
                o.get("split"),
                o.get("subject"),
                o.get("mentioned"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryError(f"{path}:{n}: bad query line ({exc}); see evaluation/queries/README.md for the format") from exc
        if split is None or q.split == split:
            out.append(q)
    if split is not None and not out:
        raise QueryError(f"{path}: no questions with split {split!r}; see evaluation/queries/README.md")
    return out


# ----------------------------------------------------------------------------------------------
# Judging one quote


def judge_quote(quote: str, answers: Sequence[str]) -> str | None:
    """The rule by which ``quote`` answers (``"contains"``, ``"contained"``, ``"overlap"``), or None."""
    q = squash(quote)
    if not q:
        return None
    keys = [a for a in (squash(x) for x in answers) if a]
    if any(a in q for a in keys):
        return "contains"
    if len(q) >= CONTAINED_MIN and any(q in a for a in keys):
        return "contained"
    if any(_edge_overlap(q, a) >= max(OVERLAP_MIN, math.ceil(OVERLAP_SHARE * len(a))) for a in keys):
        return "overlap"
    return None


def _edge_overlap(q: str, a: str) -> int:
    """Letters of ``a`` that run across an edge of ``q``: the longest prefix of ``a`` ending ``q``,
    or the longest suffix of ``a`` starting ``q`` (``a`` not wholly inside ``q``)."""
    best = 0
    for size in range(min(len(q), len(a) - 1), 0, -1):
        if q.endswith(a[:size]) or q.startswith(a[-size:]):
            best = size
            break
    return best


# ----------------------------------------------------------------------------------------------
# Answering systems


@dataclass(frozen=True)
class AnswerView:
    """What the evaluation needs from one answer: the quoted sentences in the order shown, whether
    the system abstained, and its confidence. ``quotes`` holds what would be shown if it answered
    (so a threshold can be varied afterwards); when ``abstained`` nothing is shown."""

    quotes: tuple[str, ...]
    abstained: bool
    confidence: float


Answerer = Callable[[Searcher, str], AnswerView]


def inquire_answerer(k: int = 5, params: AnswerParams | None = None) -> Answerer:
    """``inquire ask``: ``query.answer.answer`` with its parameters (``params.ANSWER`` unless given).

    Asked with the confidence threshold off, then that threshold applied to the confidence it
    reports, which is exactly what ``answer`` does itself: its rule-based refusals (a name the
    index does not hold, an off-topic question) stand, and the quotes a threshold hides stay
    available for replaying other thresholds."""
    from inquire.query import answer as answer_module

    params = params or ANSWER
    asked = replace(params, abstain_below=float("-inf"))

    def run(searcher: Searcher, question: str) -> AnswerView:
        res = answer_module.answer(searcher, question, k=k, params=asked)
        abstained = res.abstained or res.confidence < params.abstain_below
        return AnswerView(tuple(q.text for q in res.quotes), abstained, float(res.confidence))

    return run


def top_passage_answerer(max_quotes: int = MAX_QUOTES) -> Answerer:
    """Baseline: the first ``max_quotes`` quotable sentences of the top passage, in document
    order (the same rule for what is quotable as ``inquire ask``); it never abstains."""
    from inquire.query.sentences import is_sentence

    def run(searcher: Searcher, question: str) -> AnswerView:
        hits = searcher.search(question, k=1)
        if not hits:
            return AnswerView((), True, 0.0)
        top = hits[0]
        spans = searcher.sentences_of([top.row_id])[top.row_id]
        texts = [top.text[s - top.start : e - top.start] for _, s, e in spans]
        return AnswerView(tuple(t for t in texts if is_sentence(t))[:max_quotes], False, float(top.score))

    return run


def default_answerers() -> dict[str, Answerer]:
    return {"inquire": inquire_answerer(), "top-passage": top_passage_answerer()}


# ----------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class JudgedQuote:
    text: str
    rule: str | None  # None: padding (or an abstention-set question, which has no answer strings)


@dataclass(frozen=True)
class QuestionResult:
    set: str
    id: str
    query: str
    kind: str  # query kind; "abstain" for abstention-set questions
    answerable: bool
    judged: bool  # has answer strings
    abstained: bool
    confidence: float
    quotes: tuple[JudgedQuote, ...]  # what would be shown if it answered (empty only if nothing to quote)
    subject: str | None = None

    @property
    def shown(self) -> tuple[JudgedQuote, ...]:
        return () if self.abstained else self.quotes

    def to_dict(self) -> dict:
        return {
            "set": self.set,
            "id": self.id,
            "query": self.query,
            "kind": self.kind,
            "answerable": self.answerable,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "subject": self.subject,
            "quotes": [{"text": q.text, "rule": q.rule} for q in self.quotes],
        }


def _rate(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def answer_metrics(rows: Sequence[QuestionResult]) -> dict:
    """The measures of one system on one set of questions (see the module docstring)."""
    judged = [r for r in rows if r.judged]
    answered = [r for r in judged if not r.abstained]
    shown = [q for r in answered for q in r.shown]
    correct = sum(q.rule is not None for q in shown)
    out: dict = {"n": len(rows)}
    if judged:
        out |= {
            "answered": len(answered),
            "quotes": len(shown),
            "correct_quotes": correct,
            "quote_precision": _rate(correct, len(shown)),
            "padding_share": _rate(len(shown) - correct, len(shown)),
            "success_at_1": _rate(sum(bool(r.shown) and r.shown[0].rule is not None for r in judged), len(judged)),
            "success_any": _rate(sum(any(q.rule is not None for q in r.shown) for r in judged), len(judged)),
            "padded_answers": _rate(sum(any(q.rule is None for q in r.shown) for r in answered), len(answered)),
            "rules": {rule: sum(q.rule == rule for q in shown) for rule in ("contains", "contained", "overlap")},
        }
    should_answer = [r for r in rows if r.answerable]
    should_abstain = [r for r in rows if not r.answerable]
    out["false_refusals"] = sum(r.abstained for r in should_answer)
    out["false_refusal_rate"] = _rate(out["false_refusals"], len(should_answer))
    if should_abstain:
        out["should_abstain"] = len(should_abstain)
        out["false_answers"] = sum(not r.abstained for r in should_abstain)
    conf = [r.confidence for r in rows]
    if conf:
        out["confidence"] = {
            "min": round(min(conf), 4),
            "max": round(max(conf), 4),
            "outside_0_1": sum(not 0.0 <= c <= 1.0 for c in conf),
        }
    return out


@dataclass(frozen=True)
class AnswerReport:
    """Per system: the results of every question, and the measures per set and per query kind."""

    results: Mapping[str, tuple[QuestionResult, ...]]  # system -> every question's result

    def rows(self, system: str, set_name: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results[system] if set_name is None or r.set == set_name]

    def metrics(self, system: str) -> dict:
        by_set: dict[str, list[QuestionResult]] = defaultdict(list)
        for r in self.results[system]:
            by_set[r.set].append(r)
        out = {}
        for name, rows in by_set.items():
            m = answer_metrics(rows)
            kinds = sorted({r.kind for r in rows if r.judged})
            if len(kinds) > 1:
                m["by_kind"] = {k: answer_metrics([r for r in rows if r.kind == k]) for k in kinds}
            out[name] = m
        return out

    def to_dict(self, per_question: bool = False) -> dict:
        out: dict = {"systems": {name: {"sets": self.metrics(name)} for name in self.results}}
        if per_question:
            out["questions"] = {name: [r.to_dict() for r in rows] for name, rows in self.results.items()}
        return out


def threshold_table(rows: Iterable[QuestionResult], thresholds: Iterable[float]) -> list[dict]:
    """For each threshold t, what refusing below t would give, from the recorded confidences and
    quotes (valid for a system whose only abstention rule is its confidence threshold): false
    refusals on answerable questions, false answers on the others, quote precision and Success@1
    on the judged ones."""
    rows = list(rows)
    table = []
    for t in thresholds:
        moved = [
            QuestionResult(
                r.set, r.id, r.query, r.kind, r.answerable, r.judged, r.confidence < t, r.confidence, r.quotes, r.subject
            )
            for r in rows
        ]
        m = answer_metrics(moved)
        table.append(
            {
                "threshold": round(t, 4),
                "false_refusals": m["false_refusals"],
                "answerable": sum(r.answerable for r in rows),
                "false_answers": m.get("false_answers", 0),
                "should_abstain": m.get("should_abstain", 0),
                "quote_precision": m.get("quote_precision"),
                "success_at_1": m.get("success_at_1"),
            }
        )
    return table


# ----------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class _Question:
    set: str
    id: str
    query: str
    kind: str
    answerable: bool
    answers: tuple[str, ...] = field(default=())
    subject: str | None = None


def answer_sets(split: str, queries_dir: Path | None = None) -> dict[str, list[AbstainQuery]]:
    """The questions judged only on answering vs refusing: abstain.jsonl's off-topic and in-domain
    halves, and the ``split`` ("dev" or "test") half of other_inquiry.jsonl; with "test" also its
    "fresh" questions (written on 2026-11-29, after the test half had been seen: still blind); with
    "dev" also sources.jsonl (in-domain questions that name their source as people do: "HASC",
    "the Hallett report", "Rotherham MBC", "the committee's report on the riots") and indomain.jsonl
    (in-domain questions of dev.jsonl's kinds, written blind: false refusals)."""
    from inquire.evaluation.harness import QUERIES_DIR

    qdir = queries_dir or QUERIES_DIR
    if split not in ("dev", "test"):
        raise QueryError(f"unknown answer split {split!r}; use dev or test")
    abstain = load_abstain_queries(qdir / "abstain.jsonl")
    sets = {
        "off_topic": [q for q in abstain if not q.answerable],
        "in_domain": [q for q in abstain if q.answerable],
        "other_inquiry": load_abstain_queries(qdir / "other_inquiry.jsonl", split=split),
    }
    if split == "test":  # the questions written after the test half had been seen: the blind ones
        sets["other_inquiry_fresh"] = load_abstain_queries(qdir / "other_inquiry.jsonl", split="fresh")
    else:
        for name in ("sources", "indomain"):  # in-domain questions, dev only: naming their source in other ways; blind
            if (qdir / f"{name}.jsonl").exists():
                sets[name] = load_abstain_queries(qdir / f"{name}.jsonl", split="dev")
    return sets


def run_answer_eval(
    queries: Sequence[EvalQuery],
    searcher: Searcher,
    *,
    abstain_sets: Mapping[str, Sequence[AbstainQuery]] | None = None,
    answerers: Mapping[str, Answerer] | None = None,
    set_name: str = "answerable",
    progress: Callable[[str, int, int], None] | None = None,
) -> AnswerReport:
    """Ask every question with every answerer and judge the quotes.

    ``queries``: judged questions (answer strings), reported as set ``set_name``;
    ``abstain_sets``: named sets of questions judged only on answering vs refusing (e.g.
    ``{"off_topic": ..., "other_inquiry": ...}``); ``answerers``: name -> answering system
    (default: inquire and the top-passage baseline)."""
    answerers = answerers or default_answerers()
    progress = progress or (lambda *a: None)
    questions = [_Question(set_name, q.id, q.query, q.kind, True, tuple(q.answers)) for q in queries]
    for name, items in (abstain_sets or {}).items():
        questions += [_Question(name, q.id, q.query, "abstain", q.answerable, (), q.subject) for q in items]
    results: dict[str, tuple[QuestionResult, ...]] = {}
    for system, ask in answerers.items():
        out = []
        for n, q in enumerate(questions):
            progress(system, n, len(questions))
            view = ask(searcher, q.query)
            judged = tuple(JudgedQuote(t, judge_quote(t, q.answers) if q.answers else None) for t in view.quotes)
            out.append(
                QuestionResult(
                    q.set,
                    q.id,
                    q.query,
                    q.kind,
                    q.answerable,
                    bool(q.answers),
                    view.abstained,
                    view.confidence,
                    judged,
                    q.subject,
                )
            )
        results[system] = tuple(out)
    return AnswerReport(results)
