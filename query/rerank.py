"""Late interaction: a second look at the top passages of a question, token by token.

The first stage compares one vector per question with one per passage (and per sentence), so a
question worded unlike its answer ("Will surgeons have to justify not using the anti-bleeding
drug?" for "tranexamic acid ... reduce bleeding") is found but ranked below passages that share
its topic. Here the model reads the question and each of the top ``depth`` passages whole, and
each question token is matched with its most similar token of the passage (the mean of those
best cosines is the passage's score, as in ColBERT's MaxSim, with the packaged model untrained for
it). The score, standardised among those passages, is added to the fusion score with weight
``FusionWeights.rerank_weight`` x 0.01 (a fusion score step is about that size).

Only questions that name no recommendation and no document are re-ranked: there the named
passages lead by design. Chosen on the dev set (``evaluation/queries/dev.jsonl``; depth 10, weight
1): S@1 0.737 -> 0.767, paraphrase S@5 0.81 -> 0.87 before grouping.

A passage's token states are those of the text its vector was made from (context header, then the
passage), kept as signs (``pack_signs``, 48 bytes a token): the index stores them from the pass that
embeds the passage, so re-ranking reads ten small rows (search p50 29 -> 36 ms on two cores,
scripts/bench_rerank.py) and ``search`` does it by default. Signs rank as full states do (dev
MRR@10 0.838 full, 0.837 signs). An index written before they were stored has the model read the
passages (about 0.7 s for ten): ``ask`` and ``search --rerank`` do, plain ``search`` does not.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["TokenCache", "late_interaction"]


class TokenCache:
    """Token states of recently read passages, packed (``pack_signs``: a passage read by the model
    costs 0.07 s), by row id (a batch of questions shares passages)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._states: OrderedDict[int, bytes] = OrderedDict()

    def get(self, ids: Sequence[int], read: Callable[[list[int]], list[bytes]]) -> list[bytes]:
        missing = [i for i in dict.fromkeys(ids) if i not in self._states]
        for i, states in zip(missing, read(missing) if missing else []):
            self._states[i] = states
        for i in ids:
            self._states.move_to_end(i)
        while len(self._states) > self.size:
            self._states.popitem(last=False)
        return [self._states[i] for i in ids]


def maxsim(question: np.ndarray, passage: np.ndarray) -> float:
    """Mean over the question's tokens of the best cosine with a token of the passage."""
    if not len(question) or not len(passage):
        return 0.0
    return float((question @ passage.T).max(axis=1).mean())


def late_interaction(
    ranked: list[tuple[int, float]],
    question: np.ndarray,
    passages: Callable[[list[int]], list[np.ndarray]],
    depth: int,
    weight: float,
) -> list[tuple[int, float]]:
    """``ranked`` (row id, fusion score), best first, with its first ``depth`` re-scored: fusion
    score + weight x 0.01 x the standardised MaxSim of ``question``'s token states (unit rows)
    with each passage's (``passages`` reads them). The rest keep their order after them."""
    head = ranked[:depth]
    if len(head) < 2 or weight == 0:
        return ranked
    sims = np.array([maxsim(question, p) for p in passages([i for i, _ in head])])
    spread = float(sims.std())
    z = (sims - sims.mean()) / spread if spread > 0 else np.zeros_like(sims)
    scored = [(i, s + weight * 0.01 * float(dz)) for (i, s), dz in zip(head, z)]
    scored.sort(key=lambda kv: (-kv[1], kv[0]))
    return scored + ranked[depth:]
