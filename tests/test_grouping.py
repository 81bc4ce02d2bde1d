"""Near-duplicate grouping (query/grouping.py) against a brute-force oracle: the quadratic code it
replaced, copied here verbatim, must give exactly the same groups, leads, order and citations."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from inquire.query.grouping import group_duplicates, min_shared
from inquire.query.results import Hit

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


# ---- the oracle: the grouping as it was in query/search.py (O(hits x groups)) ----------------
def _oracle_shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def _oracle_richness(hit: Hit) -> int:
    return (hit.recommendation is not None) + (hit.responder is not None)


def oracle(hits: list[Hit], k: int) -> list[Hit]:
    kept: list[list] = []
    for hit in hits:
        sh = _oracle_shingles(hit.text)
        for group in kept:
            overlap = len(sh & group[1]) / max(1, len(sh), len(group[1]))
            if overlap >= 0.6:
                if _oracle_richness(hit) > _oracle_richness(group[0]):
                    group[2].insert(0, group[0].citation)
                    group[0] = hit
                else:
                    group[2].append(hit.citation)
                break
        else:
            if len(kept) < k:
                kept.append([hit, sh, [], hit.score])
    return [replace(h, rank=rank, score=score, also_in=tuple(also)) for rank, (h, _, also, score) in enumerate(kept, 1)]


# ---- inputs ----------------------------------------------------------------------------------
def _hit(i: int, text: str, rng: random.Random) -> Hit:
    return Hit(
        rank=0,
        score=1.0 - i * 1e-4,
        chunk_id=f"doc{i % 7}-{i:05d}",
        doc=f"doc{i % 7}.txt",
        title=None,
        page_start=None,
        page_end=None,
        section=None,
        recommendation=rng.choice([None, None, "7", "12 d-e"]),
        responder=rng.choice([None, "Home Office"]),
        role="other",
        text=text,
        start=0,
        end=len(text),
        row_id=i,
    )


def random_hits(rng: random.Random, n: int) -> list[Hit]:
    """Passages drawn from a few hundred base texts, copied with edits of every size, so overlaps
    fall on both sides of the threshold; some very short and empty ones too."""
    vocab = [f"w{i}" for i in range(60)]
    bases = [[rng.choice(vocab) for _ in range(rng.choice([0, 2, 3, 5, 8, 20, 40, 90]))] for _ in range(max(3, n // 5))]
    hits = []
    for i in range(n):
        words = list(rng.choice(bases))
        for _ in range(rng.choice([0, 0, 1, 2, 4, 8, 16])):  # edits: replace, delete or insert a word
            op = rng.random()
            pos = rng.randrange(len(words) + 1)
            if op < 0.4 and pos < len(words):
                words[pos] = rng.choice(vocab)
            elif op < 0.7 and pos < len(words):
                del words[pos]
            else:
                words.insert(pos, rng.choice(vocab))
        hits.append(_hit(i, " ".join(words).upper() if rng.random() < 0.1 else " ".join(words), rng))
    return hits


def corpus_hits(rng: random.Random, width: int, stride: int) -> list[Hit]:
    """Overlapping windows of the bundled reports (one copies passages of the other): real text."""
    windows = []
    for path in sorted(CORPUS.glob("*.txt")):
        words = path.read_text(encoding="utf-8").split()
        windows += [" ".join(words[s : s + width]) for s in range(0, max(1, len(words) - width), stride)]
    rng.shuffle(windows)
    return [_hit(i, w, rng) for i, w in enumerate(windows)]


@pytest.mark.parametrize("seed", range(40))
def test_same_groups_as_the_quadratic_rule_on_random_passages(seed):
    rng = random.Random(seed)
    hits = random_hits(rng, rng.choice([1, 5, 30, 120, 400]))
    for k in (1, 3, 10, len(hits)):
        assert group_duplicates(hits, k) == oracle(hits, k)


@pytest.mark.parametrize("width,stride", [(60, 20), (120, 30), (200, 90)])
def test_same_groups_as_the_quadratic_rule_on_the_bundled_reports(width, stride):
    hits = corpus_hits(random.Random(width), width, stride)
    assert len(hits) > 50
    for k in (5, 30, len(hits)):
        got = group_duplicates(hits, k)
        assert got == oracle(hits, k)
    assert any(h.also_in for h in got)  # the input really has near-duplicates


def test_same_groups_when_the_vocabulary_is_too_large_for_64_bit_keys():
    rng = random.Random(5)
    unique = [f"u{i}" for i in range(60000)]  # base**4 > 2**63: keys are renumbered
    texts = [" ".join(unique[i * 100 : (i + 1) * 100]) for i in range(600)]
    texts += [t.replace(t.split()[3], "edited") for t in texts[:100]] + ["short text", "", "u1 u2 u3 u4"]
    hits = [_hit(i, t, rng) for i, t in enumerate(texts)]
    assert group_duplicates(hits, 650) == oracle(hits, 650)


def test_min_shared_is_the_threshold_of_the_rule():
    for n in range(1, 300):
        m = min_shared(n)
        assert m / n >= 0.6 and (m == 1 or (m - 1) / n < 0.6)


_RANKS = range(20000)
_ZIPF = list(itertools.accumulate(1 / (r + 1) ** 1.1 for r in _RANKS))


def zipf_hits(n: int, seed: int = 0, duplicates: float = 0.1) -> list[Hit]:
    """A ranked candidate list like a search's: passages of 60-250 words with a Zipfian word
    distribution (mostly distinct, sharing common phrases), and a share of edited copies."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < duplicates:
            words = rng.choice(texts).split()
            for _ in range(rng.randrange(12)):
                words[rng.randrange(len(words))] = f"w{rng.randrange(2000)}"
        else:
            words = [f"w{r}" for r in rng.choices(_RANKS, cum_weights=_ZIPF, k=rng.randrange(60, 250))]
        texts.append(" ".join(words))
    return [_hit(i, t, rng) for i, t in enumerate(texts)]


def test_same_groups_on_a_search_like_candidate_list():
    hits = zipf_hits(600)
    assert group_duplicates(hits, 200) == oracle(hits, 200)


def test_exact_comparisons_grow_near_linearly(monkeypatch):
    """k = 1000 over 3000 candidates (what `search --k 1000` groups): the quadratic rule compares a
    hit with every group before it (about hits x groups / 2 comparisons); here only the groups that
    share one of their rarest shingles with the hit are compared."""
    from inquire.query import grouping

    calls = []
    real = grouping.is_duplicate
    monkeypatch.setattr(grouping, "is_duplicate", lambda *a: calls.append(1) or real(*a))
    hits = zipf_hits(3000, seed=3)
    grouped = grouping.group_duplicates(hits, 1000)
    assert len(grouped) == 1000 and sum(len(h.also_in) for h in grouped) > 100
    joined = sum(len(h.also_in) for h in grouped)
    assert joined <= len(calls) < 3 * len(hits)  # every join is one comparison; the quadratic rule makes > 1,000,000 here
