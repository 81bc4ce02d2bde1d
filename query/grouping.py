"""Near-duplicate grouping of ranked passages, in near-linear time.

The rule (unchanged from the first, quadratic implementation): walk the hits best first; a hit joins
the first group (in rank order) whose founding passage shares at least :data:`DUP_CONTAINMENT` of
the word 4-grams of the LARGER of the two passages; otherwise it founds a new group while fewer than
``k`` groups exist. A group is led by the member whose citation carries the most structure.

Comparing each hit with every group costs O(hits x groups): 56 s for ``--k 1000`` on a 38k-chunk
index. Here each group's shingle set is indexed by its *prefix* (prefix filtering, as in set-
similarity joins): with shingles in one global order (rarest first), a hit that shares at least
``m`` of a group's ``n`` shingles must contain one of the group's first ``n - m + 1``. So a hit
looks up only its own shingles in that small index, and only the groups found there are compared
exactly, with the same arithmetic as before: the groups are exactly those of the quadratic rule
(tests/test_grouping.py checks this against it on random and real inputs).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
from inquire.query.results import Citation, Hit

DUP_CONTAINMENT = 0.6  # share of word 4-grams (of the larger passage) two passages must share to be grouped
SHINGLE = 4

_WORD = re.compile(r"\w+")

Shingle = tuple[str, ...]


def shingles(text: str, n: int = SHINGLE) -> set[Shingle]:
    """The text's word ``n``-grams (lower-cased); a text of fewer words is one shingle of them all."""
    words = _WORD.findall(text.lower())
    if len(words) <= n:
        return {tuple(words)}
    return set(zip(*(words[i:] for i in range(n))))


def shingle_keys(texts: list[str], n: int = SHINGLE) -> list[np.ndarray]:
    """:func:`shingles` of each text as a sorted array of distinct int64 keys, equal for equal
    shingles and only for them (arrays and sets of ints are far smaller and faster than sets of
    tuples). Words get ids from 1; a shingle is its ids in base ``len(vocabulary) + 1``, a short
    text's one shingle padded in front with 0 (no word), so it never equals a full one. When that
    does not fit in 64 bits (a vocabulary over 55,000 words), the exact keys are renumbered."""
    vocabulary: defaultdict[str, int] = defaultdict(itertools.count(1).__next__)  # a new word gets the next id
    docs = [[vocabulary[w] for w in _WORD.findall(t.lower())] for t in texts]
    base = len(vocabulary) + 1
    renumber: dict[int, int] | None = None if base**n < 2**63 else {}
    out = []
    for ids in docs:
        padded = [0] * (n - len(ids)) + ids if len(ids) < n else ids
        if renumber is None:
            a = np.asarray(padded, dtype=np.int64)
            keys = a[: len(a) - n + 1].copy()
            for j in range(1, n):
                keys = keys * base + a[j : len(a) - n + 1 + j]
        else:
            big = padded[: len(padded) - n + 1]
            for j in range(1, n):
                big = [k * base + i for k, i in zip(big, padded[j:])]
            keys = np.asarray([renumber.setdefault(k, len(renumber)) for k in big], dtype=np.int64)
        out.append(np.unique(keys))
    return out


def richness(hit: Hit) -> int:
    """How much structure a passage's citation carries (recommendation number, responder)."""
    return (hit.recommendation is not None) + (hit.responder is not None)


def is_duplicate(shared: int, a: int, b: int) -> bool:
    """The grouping rule: ``shared`` shingles out of sets of ``a`` and ``b``."""
    return shared / max(1, a, b) >= DUP_CONTAINMENT


def min_shared(n: int) -> int:
    """The fewest shingles a set of ``n`` must share to pass :func:`is_duplicate` against a set no larger."""
    m = max(1, int(n * DUP_CONTAINMENT))
    while m > 1 and is_duplicate(m - 1, n, n):
        m -= 1
    while not is_duplicate(m, n, n):
        m += 1
    return m


@dataclass
class _Group:
    lead: Hit
    shingles: set[int]
    score: float
    also: list[Citation] = field(default_factory=list)


def group_duplicates(hits: list[Hit], k: int) -> list[Hit]:
    """Fold near-identical passages into one hit per group that keeps every citation (``also_in``);
    at most ``k`` groups, ranked as their best member; the lead citation is the richest member's
    (the IOPC page's "Recommendation 7, response from South Yorkshire Police" rather than the
    council report's unnumbered copy of the same text)."""
    keys = shingle_keys([h.text for h in hits])
    # how many hits hold each shingle: a group is indexed by its rarest ones, so few hits look it up
    distinct, frequency = (
        np.unique(np.concatenate(keys), return_counts=True) if keys else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    groups: list[_Group] = []
    postings: dict[int, list[int]] = {}  # prefix shingle -> groups (in creation order)
    for hit, key in zip(hits, keys):
        sh = set(key.tolist())
        candidates = sorted({g for s in postings.keys() & sh for g in postings[s]})
        if not candidates and len(groups) >= k:
            continue  # neither joins a group nor founds one
        for g in candidates:
            group = groups[g]
            if is_duplicate(len(sh & group.shingles), len(sh), len(group.shingles)):
                if richness(hit) > richness(group.lead):
                    group.also.insert(0, group.lead.citation)
                    group.lead = hit
                else:
                    group.also.append(hit.citation)
                break
        else:
            if len(groups) < k:
                rarity = frequency[np.searchsorted(distinct, key)]
                prefix = key[np.lexsort((key, rarity))][: len(sh) - min_shared(len(sh)) + 1]
                for s in prefix.tolist():
                    postings.setdefault(s, []).append(len(groups))
                groups.append(_Group(hit, sh, hit.score))
    return [replace(g.lead, rank=rank, score=g.score, also_in=tuple(g.also)) for rank, g in enumerate(groups, 1)]
