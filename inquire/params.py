"""Tuned parameters, as frozen objects passed to the code that uses them.

Each default is the value tuned on the dev set (never on the held-out set); ``inquire eval``
writes the objects it ran with into ``metrics.json``, and ``scripts/tune_fusion.py`` searches over
``FusionWeights`` by building new objects with :func:`dataclasses.replace` instead of patching globals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FusionWeights:
    """Weighted reciprocal-rank fusion of three rankings plus boosts for what the query names
    (query/search.py). Tuned with scripts/tune_fusion.py; ``rrf_k`` 40 (the textbook value is 60)."""

    rrf_k: int = 40
    w_dense: float = 0.75
    w_lexical: float = 1.0
    w_sentence: float = 1.0  # chunks ranked by their best-matching sentence
    sentence_candidates: int = 300
    b_rec: float = 0.01  # chunk belongs to a recommendation the query names
    b_rec_role: float = 0.05  # ... and has the role the query asks for (the recommendation itself / a response)
    b_responder: float = 0.0  # chunk's responder is named in the query
    b_doc: float = 0.02  # chunk's document is named in the query
    b_role: float = 0.01  # chunk has the role the query asks for (no recommendation number named)
    b_lead: float = 0.02  # for a recommendation lookup: the first passage of that recommendation or response
    b_mention: float = 0.03  # passage outside the named recommendation that names it ("recommendation 9 was accepted")
    p_aside: float = 0.02  # contents lists and footnote blocks rank below body text
    candidates: int = 100

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AnswerParams:
    """How ``ask`` picks the sentences it quotes (query/answer.py)."""

    abstain_below: float = 0.42  # midpoint of the gap between off-topic max (0.372) and in-domain min (0.466); see README
    max_sentences: int = 3
    passages_for_sentences: int = 5
    w_lexical: float = 0.25
    keep_within: float = 0.12  # quote sentences scoring within this of the best one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LinkParams:
    """Cross-document linking at index time (indexer/linking.py)."""

    same_rec: float = 0.6  # word containment for two printings of one recommendation
    same_source: float = 0.8  # median containment of matched printings for two documents to share a source
    in_order: float = 0.8  # share of matched printings in the same order in both documents
    content_threshold: float = 0.80  # chosen on evaluation/golden/links.json with scripts/eval_links.py
    unrelated_threshold: float = 0.90  # a content link into a document that neither shares the source nor names it
    content_margin: float = 0.03
    reference_confidence: float = 0.9
    min_content_words: int = 25
    max_references: int = 3  # a passage naming this many recommendations is a contents list or summary table, not a response
    doc_head: int = 1500  # characters at the top of a document searched for the body that wrote it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FUSION = FusionWeights()
ANSWER = AnswerParams()
LINK = LinkParams()
