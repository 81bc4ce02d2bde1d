"""Fit the sentence weights and the confidence curve of ``query/answer.py`` on the dev questions.

    python scripts/fit_quoting.py [--index DIR] [--l2 0.01] [--json]

For every question of evaluation/queries/dev.jsonl, the candidate sentences ``quote`` would
consider are scored with ``quoting.sentence_features``; a sentence is a positive when it contains
one of the question's answer strings (``evaluation.answers.judge_quote``). The weights are a
conditional logit (softmax over each question's candidates, every positive counting) with L2,
reported with 5-fold cross-validation over questions (Success@1 of the first quote, Success@any
and quote precision with ``keep_within``). The confidence curve is a logistic fit of "the first
quote answers" on the first quote's score, over the dev questions plus the dev halves of the
off-topic and other-inquiry sets (all negatives). Only dev data is read: never test.jsonl.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inquire.evaluation.answers import judge_quote, load_abstain_queries  # noqa: E402
from inquire.evaluation.harness import default_corpora, eval_index_dir, load_queries  # noqa: E402
from inquire.query import answer as quoting  # noqa: E402
from inquire.query.search import Searcher  # noqa: E402

from inquire.embedding import get_embedder  # noqa: E402
from inquire.params import ANSWER, AnswerParams  # noqa: E402

QUERIES = ROOT / "evaluation" / "queries"


def candidates(searcher: Searcher, question: str, answers: tuple[str, ...], p: AnswerParams):
    """(features, positives, texts) of the sentences ``quote`` would choose from."""
    hits = searcher.search(question, k=p.passages, rerank=p.rerank)  # as ``answer`` searches
    ask = quoting.read_question(searcher, question)
    pool = quoting.candidate_passages(searcher, question, ask, hits, p)
    cands, ids = quoting._quotable(searcher, pool, question)
    if not cands:
        return np.zeros((0, len(quoting.FEATURES))), np.zeros(0), []
    cos = searcher.sentence_vectors(ids) @ searcher.query_vector(question.strip())
    top = max(h.score for h in pool if h.rank > 0)
    X = np.array([quoting.sentence_features(question, ask, c.text, c.hit, float(cos[i]), top) for i, c in enumerate(cands)])
    y = np.array([judge_quote(c.text, answers) is not None for c in cands], dtype=float) if answers else np.zeros(len(cands))
    return X, y, [c.text for c in cands]


def fit_weights(data, l2: float, iters: int = 2000, lr: float = 1.0) -> np.ndarray:
    w = np.zeros(len(quoting.FEATURES))
    usable = [(X, y) for X, y, _ in data if len(X) and y.sum() > 0]
    for _ in range(iters):
        g = np.zeros_like(w)
        for X, y in usable:
            s = X @ w
            e = np.exp(s - s.max())
            prob = e / e.sum()
            target = prob * y / (prob * y).sum()
            g += X.T @ (prob - target)
        w -= lr * (g / len(usable) + l2 * w)
    return w


def score_questions(data, w: np.ndarray, keep_within: float, max_quotes: int) -> dict:
    s1 = sany = quotes = correct = 0
    for X, y, texts in data:
        if not len(X):
            continue
        s = X @ w
        order = np.argsort(-s, kind="stable")
        chosen, seen = [], set()
        for i in order[:max_quotes]:
            if s[i] >= s[order[0]] - keep_within and texts[i] not in seen:
                seen.add(texts[i])
                chosen.append(bool(y[i]))
        s1 += chosen[0]
        sany += any(chosen)
        quotes += len(chosen)
        correct += sum(chosen)
    n = len(data)
    return {
        "success_at_1": round(s1 / n, 3),
        "success_any": round(sany / n, 3),
        "quote_precision": round(correct / max(1, quotes), 3),
    }


def fit_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    a, b = 1.0, 0.0
    for _ in range(20000):
        p = 1 / (1 + np.exp(-(a * scores + b)))
        a -= 0.5 * float(np.mean((p - labels) * scores))
        b -= 0.5 * float(np.mean(p - labels))
    return a, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--curve-only",
        action="store_true",
        help="keep the weights of inquire/params.py and fit only the confidence curve on them",
    )
    args = ap.parse_args()
    p = ANSWER
    searcher = Searcher(args.index or eval_index_dir(default_corpora()), get_embedder())
    dev = [candidates(searcher, q.query, q.answers, p) for q in load_queries(QUERIES / "dev.jsonl")]
    negatives = [q.query for q in load_abstain_queries(QUERIES / "abstain.jsonl") if not q.answerable]
    negatives += [q.query for q in load_abstain_queries(QUERIES / "other_inquiry.jsonl", split="dev")]
    neg = [candidates(searcher, q, (), p) for q in negatives]

    order = list(range(len(dev)))
    random.Random(0).shuffle(order)
    folds = [order[i::5] for i in range(5)]
    cv = []
    for fold in folds:
        held = set(fold)
        w = fit_weights([d for i, d in enumerate(dev) if i not in held], args.l2)
        cv.append(score_questions([dev[i] for i in fold], w, p.keep_within, p.max_quotes))
    cv_mean = {k: round(sum(r[k] for r in cv) / len(cv), 3) for k in cv[0]}
    w = np.array(p.weights) if args.curve_only else fit_weights(dev, args.l2)
    before = score_questions(dev, np.array([1.0, 0.25] + [0.0] * (len(quoting.FEATURES) - 2)), 0.12, 3)  # same candidates
    current = score_questions(dev, np.array(p.weights), p.keep_within, p.max_quotes)  # the shipped weights, same candidates

    firsts, labels = [], []
    for (X, y, _), label_known in [(d, True) for d in dev] + [(d, False) for d in neg]:
        if len(X):
            s = X @ w
            i = int(np.argmax(s))
            firsts.append(float(s[i]))
            labels.append(float(y[i]) if label_known else 0.0)
    a, b = fit_curve(np.array(firsts), np.array(labels))
    weights = tuple(round(float(x), 2) for x in w)
    result = {
        "features": dict(zip(quoting.FEATURES, weights)),
        "cal_a": round(a, 3),
        "cal_b": round(b, 3),
        "cv": cv_mean,
        "cosine_plus_lexical": before,
        "current_weights": current,
        "l2": args.l2,
        "params": asdict(AnswerParams(weights=weights, cal_a=round(a, 3), cal_b=round(b, 3))),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("weights:", ", ".join(f"{k} {v:+.2f}" for k, v in result["features"].items()))
    print(f"confidence curve: a={result['cal_a']} b={result['cal_b']}")
    print(f"5-fold CV on dev ({len(dev)} questions): {cv_mean}")
    print(f"cosine + 0.25 x lexical, keep within 0.12 (the first rule, same candidates): {before}")
    print(f"the weights in inquire/params.py, on the same candidates (fitted on them: optimistic): {current}")
    print(f"QuotingParams(weights={weights}, cal_a={result['cal_a']}, cal_b={result['cal_b']})")


if __name__ == "__main__":
    main()
