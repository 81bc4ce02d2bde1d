"""Late interaction (query/rerank.py): the top passages of a plain question read again, token by token."""

from __future__ import annotations

import numpy as np
import pytest
from inquire.query.rerank import TokenCache, late_interaction, maxsim


def unit(*rows):
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_maxsim_is_the_mean_best_match_of_each_question_token():
    question = unit([1, 0, 0], [0, 1, 0])
    passage = unit([1, 0, 0], [0, 0, 1])
    assert maxsim(question, passage) == pytest.approx(0.5)  # token 1 found (1.0), token 2 not (0.0)
    assert maxsim(question, unit([1, 0, 0], [0, 1, 0])) == pytest.approx(1.0)
    assert maxsim(question, np.zeros((0, 3), np.float32)) == 0.0


def test_late_interaction_moves_passages_only_within_its_depth():
    question = unit([1, 0, 0])
    tokens = {1: unit([0, 1, 0]), 2: unit([0, 0, 1]), 3: unit([1, 0, 0]), 4: unit([1, 0, 0])}
    ranked = [(1, 0.050), (2, 0.049), (3, 0.048), (4, 0.047)]
    out = late_interaction(ranked, question, lambda ids: [tokens[i] for i in ids], depth=3, weight=1.0)
    # passage 3 matches the question token for token: it leads; 4 (as good) lies past the depth and stays last
    assert [i for i, _ in out] == [3, 1, 2, 4] and out[-1] == (4, 0.047)
    # weight 0, or nothing to compare: the fusion order unchanged
    assert late_interaction(ranked, question, lambda ids: [tokens[i] for i in ids], depth=3, weight=0.0) == ranked
    assert late_interaction(ranked[:1], question, lambda ids: [tokens[i] for i in ids], depth=3, weight=1.0) == ranked[:1]
    # a small weight cannot overturn a large fusion lead
    far = [(1, 0.09), (2, 0.049), (3, 0.048)]
    assert [i for i, _ in late_interaction(far, question, lambda ids: [tokens[i] for i in ids], 3, 1.0)][0] == 1


def test_token_cache_reads_each_passage_once_and_forgets_the_oldest():
    reads = []

    def read(ids):
        reads.append(list(ids))
        return [np.full((2, 3), i, np.float32) for i in ids]

    cache = TokenCache(size=2)
    assert [float(t[0, 0]) for t in cache.get([1, 2], read)] == [1.0, 2.0]
    cache.get([2, 1], read)
    cache.get([3], read)  # 1 was used last: 2 is the oldest, and goes
    cache.get([1], read)
    assert reads == [[1, 2], [3]]
    cache.get([2], read)
    assert reads[-1] == [2]


def test_search_reranks_plain_questions_only(searcher):
    plain = "victims kept informed about their case"
    first, again = searcher.search(plain, k=10), searcher.search(plain, k=10, rerank=True)
    assert {h.chunk_id for h in first[:10]} and [h.chunk_id for h in first] != [h.chunk_id for h in again]
    # only the top passages move: the same set is returned
    assert {h.chunk_id for h in first} == {h.chunk_id for h in again}
    # a question naming a recommendation (or a document) is a lookup: left as fusion ranks it
    named = "Operation Linden recommendation 7 ISVA"
    assert [h.chunk_id for h in searcher.search(named, k=10)] == [h.chunk_id for h in searcher.search(named, k=10, rerank=True)]
