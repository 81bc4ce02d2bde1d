"""What the indexed reports mention: whether a question is about something they hold.

``ask`` refuses a question about a report the index does not hold ("What did the Manchester Arena
Inquiry say ...?") before quoting anything, because the nearest passages of such a question share
its words and answer something else. The rules read the question's names and sources and look
them up in the index's own text; none knows any document:

- **names**: runs of capitalised words ("Greater Manchester Police", "Child Q", "Module 2"). Each
  distinctive word must occur in some passage; an initialism exactly ("HMIC" is not "HMICFRS"); a
  name of several words as those words within a few words of each other, in any order ("Public
  Accounts Committee" is printed "Committee of Public Accounts"), so words found only apart do not
  make the name ("Emergency Services Network"); a month and year ("December 2020") likewise.
  Recommendation and paragraph numbers and document codes ("HC 381") are not names. A person's
  title may be another, but some title is printed before the name ("Lady Hallett": "Baroness
  Hallett"; "Lord Quay" is not the quay); in a name of several words, a word of three letters, or
  one printed only as the beginning of longer ones, may be printed longer beside the others ("Hep
  C Trust": "Hepatitis C Trust").
- **sources named** ("the Hackitt review"): the index holds it (a document that is, or prints on its
  cover, that source), or passages name it (the noun may stand on the other side: "review of the
  Civil Contingencies Act"); named in at most ``passing`` passages, it is mentioned only in passing
  and refused as such when the question may ask what it found (not "When was ... published?", nor
  a numbered recommendation of the reports' own: "recommendation 42 ... review").
  Never named so, an inquiry, report or review is held when it is named after a person the
  reports print with a title beside a chair or source word ("the Langstaff inquiry"), or beside a
  chair word once and in more than ``passing`` passages ("the Moore-Bick report"), or after the
  subject of a document with that noun in its name or title ("Pandemic inquiry response: ..."). Another
  module, phase or volume of a series ("Module 3") or another document code ("HC 1119") is a
  source too. An initialism may be read as the words that spell it in the passages found. A
  phrase of two to eight words in quotation marks must be printed word for word.
- **sources described** in lower case ("its review of hate crime laws", "its 2019 inspection", "the
  culture review"): several describing words must occur within a sentence or so of each other
  (``DESCRIPTION_WIDTH``; with a year among them, as near as in the question), one near the source
  noun or be what a document with that noun in its name or title is about (in a quarter of its
  passages: "the pandemic inquiry"), or all be on the cover of an indexed document. One the
  question asks about ("What did the NAO's 2022 report on ... find?") that at most ``passing``
  passages print is mentioned only in passing. "Who carried out a peer review of ...?" names no
  source (an indefinite article, not the question's subject).
- **together**: the names of one question must all occur in one document, or in a document and
  those directly linked to it (a report and a response to it; ``linked``): "the IOPC" in one report
  and "Cleveland Police" in an unrelated one do not answer "What did the IOPC find about Cleveland
  Police officers ...?". A name printed in very many passages, or made of generic words ("the
  Government"), constrains nothing and is left out; names compared ("compare", "both", "between")
  or listed side by side ("Grenfell and Hillsborough") need not share a document.

Questions are read as written: punctuation ends a name; "and" may join two; a question's first word,
capitalised by its place ("Regarding Grenfell, ..."), is left out of a name that fails with it when
the reports print it as a word; accents are dropped as the FTS5 table drops them ("Seán").

Positions come from the index's FTS5 table (``Index.near_documents``), so a check costs a few
index lookups, not a scan of the passages.
"""

from __future__ import annotations

import re
import string
import unicodedata
import weakref
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from inquire.query.search import Searcher
from inquire.query.understand import STOPWORDS, initialism

from inquire.params import ANSWER
from inquire.recnum import REC_NUMBER

__all__ = ["HEAD_CHARS", "Coverage", "Vocabulary", "coverage", "question_names", "source_phrases", "vocabulary"]

SOURCE_NOUNS = frozenset("inquiry inquiries review reviews panel investigation inquest inquests report commission".split())
GENERIC = (
    STOPWORDS
    | SOURCE_NOUNS
    | frozenset(
        """independent public national government governments response responses committee police force service
    office department uk hm final interim volume part phase module""".split()
    )
)
MONTH_NAMES = "january february march april may june july august september october november december".split()
_CONNECTORS = frozenset("of the and for into on in to".split())
_LEADING = STOPWORDS | frozenset(
    "how what who which when why where explain describe list tell give show summarise summarize "
    "compare find name according please".split()
)
# words that number a part of a document, not a name ("Recommendation 12", "Chapter 3", "Annex B")
_NUMBERING = frozenset(
    "recommendation recommendations rec recs paragraph paragraphs para chapter chapters section sections annex "
    "appendix page pages table figure item items box".split()
)
# words that number one part of a series ("Module 2", "Phase 1", "Volume 3"): the part is a report of its own
SERIES = frozenset("module modules phase phases volume volumes".split())
# titles printed before a person's name, and the words that make that person a source's author or chair
HONORIFICS = frozenset("sir dame baroness baron lord lady dr professor bishop judge".split())
AUTHORSHIP = ("chair", "chaired", "chairman", "led", "inquiry", "report", "review", "investigation")
_CHAIRS = ("chair", "chaired", "chairman", "chairwoman", "chairperson")
# the sources a chair's name may stand for ("the Langstaff inquiry", "the Hallett report"), not the
# inquests or investigations that person may have led elsewhere ("the Hallett inquests")
_AUTHORED_NOUNS = frozenset("inquiry report review".split())
# words a name is often given or not ("the Home Affairs Select Committee" is printed "Home Affairs Committee");
# a person's title (HONORIFICS) may be another ("Lady Hallett" is printed "Baroness Hallett")
_OPTIONAL = frozenset({"select"})
HEAD_CHARS = 1500  # a document's head: its cover, where its own name, body and date are printed
_YEAR = re.compile(r"(?:19|20)\d\d")
NEAR_SLACK = 2  # a name's words may stand this many words further apart than in the question
TOGETHER_LIMIT = 2000  # a name in more passages than this constrains nothing (``together`` leaves it out)
# several words describing a source ("the report on the summer riots") are its subject: printed within
# this many words of each other, in any order, without the source noun ("riots" ... "last summer"; a
# sentence or so; tuned on dev: 12 and 16 words apart in answerable questions, 20 in a question about
# a report the index cites, not holds); with a year or number among them, as near as in the question
DESCRIPTION_WIDTH = 16
# a word printed in this share of a document's passages is what the document is about
SUBJECT_SHARE = 0.25


def question_names(question: str) -> tuple[str, ...]:
    """Runs of capitalised words (joined by "of", "the", "and", ...; a source noun after the run
    joins it: "the Hackitt review"), possessives dropped. The question's first word starts a run
    only when it is not a question word or an instruction ("Explain ...")."""
    text = fold(question)
    found = list(re.finditer(r"[A-Za-z0-9][\w'’.-]*\w|[A-Za-z0-9]", text))
    tokens = [m.group() for m in found]
    # punctuation between two words ends a name ("Regarding Grenfell, what ...")
    pause = [
        i > 0 and bool(re.search(r"[,;:()?!\"“”]|\s[-–—]\s", text[found[i - 1].end() : m.start()])) for i, m in enumerate(found)
    ]
    runs: list[list[str]] = []
    cur: list[str] = []
    for i, tok in enumerate(tokens):
        if pause[i] and cur:
            runs.append(cur)
            cur = []
        word = re.sub(r"['’]s$", "", tok)
        capital = word[:1].isupper() or (word[:1].isdigit() and bool(cur))
        if capital and not (i == 0 and word.lower() in _LEADING):
            cur.append(word)
            if word != tok:  # a possessive ends the name ("the Inquiry's call")
                runs.append(cur)
                cur = []
            continue
        if cur and word.lower() in SOURCE_NOUNS:
            cur.append(word)
            runs.append(cur)
            cur = []
            continue
        if cur and word.lower() in _CONNECTORS and i + 1 < len(tokens) and tokens[i + 1][:1].isupper() and not pause[i + 1]:
            cur.append(word)
            continue
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
    """What an index prints, looked up in its FTS5 table (word for word as stemmed there, so
    "reviews" is "review"), plus its documents' heads and the names it knows (responders'
    initialisms, documents' aliases). Nothing is read passage by passage: a question's few
    lookups cost the same at a thousand passages and at a million."""

    def __init__(self, searcher: Searcher) -> None:
        self.index = searcher.index
        self.heads: list[set[str]] = []
        self.doc_ids: list[str] = []
        self._passages: dict[str, int] | None = None  # each document's passages, counted when first needed
        self.cover_texts: list[str] = []  # each document's name and title, words joined by one space
        self.dates: dict[str, str | None] = {}
        for doc in searcher.index.documents():
            head = searcher.index.document_head(doc.doc_id, HEAD_CHARS)
            self.doc_ids.append(doc.doc_id)
            self.heads.append(set(re.findall(r"[a-z0-9]+", norm(f"{doc.name} {doc.title or ''} {head}"))))
            self.cover_texts.append(" ".join(re.findall(r"[a-z0-9]+", norm(f"{doc.name} {doc.title or ''}"))))
            self.dates[doc.name] = doc.published  # the index's publication date (indexer/docmeta.py)
        self.known = {a for r in searcher.responders() if (a := initialism(r))}
        self.aliased: dict[str, set[str]] = {}  # a document's distinctive name or title word, code -> doc_ids
        for doc_id, aliases in searcher.doc_aliases().items():
            for alias in aliases:
                self.aliased.setdefault(alias, set()).add(doc_id)
        self.known |= set(self.aliased)
        self.responders = [norm(r) for r in searcher.responders()]
        self.linked = linked(searcher.index.linked_documents())
        # the letters of the documents' codes ("hc" of "HC 381", "cp" of "CP 1224"): "HC 1119" is a code too
        self.code_letters = {
            m.group(1)
            for a in self.aliased
            if (m := re.fullmatch(r"([a-z]+)(\d{3,})", a)) and m.group(1) not in STOPWORDS and not _YEAR.fullmatch(m.group(2))
        }
        self._printed: dict[tuple[str, bool], bool] = {}

    def prints(self, word: str, prefix: bool = False) -> bool:
        """Some passage holds ``word`` (with ``prefix``: or a word it begins)."""
        key = (word, prefix)
        if key not in self._printed:
            if len(self._printed) >= 10_000:  # a long-running server: keep the cache bounded
                self._printed.clear()
            found = bool(self.index.near_documents([word], None, limit=1, prefix=prefix))
            # the table's terms are stemmed: "derby" is also looked up as it is, as a term's beginning
            self._printed[key] = found or (prefix and self.index.has_term_prefix(word))
        return self._printed[key]

    def has_word(self, word: str) -> bool:
        """The word, or a longer word it begins ("Humber" -> "humberside"), occurs in some passage."""
        return word in self.known or self.prints(word, prefix=len(word) >= 4)

    def count(self, phrase: str, at_most: int) -> int:
        """Passages holding ``phrase``'s words side by side, in order; counted up to ``at_most + 1``."""
        words = re.findall(r"[a-z0-9]+", norm(phrase))
        return len(self.index.near_documents(words, None, limit=at_most + 1))

    def count_near(self, words: list[str], width: int, at_most: int) -> int:
        """Passages holding all ``words`` within ``width`` words of each other, up to ``at_most + 1``."""
        return len(self.index.near_documents(words, width, limit=at_most + 1))

    def near(self, words: list[str], width: int, shortened: Collection[str] = ()) -> bool:
        """Some passage holds all ``words`` within ``width`` words of each other (each of
        ``shortened`` as the beginning of a word: "hep" of "Hepatitis")."""
        return bool(self.index.near_documents(words, width, limit=1, shortened=shortened))

    def documents_with(self, words: list[str], width: int, shortened: Collection[str] = ()) -> set[str] | None:
        """The documents with a passage holding ``words`` near each other; None when more than
        TOGETHER_LIMIT passages hold them (a name that common says nothing about the question)."""
        found = self.index.near_documents(words, width, limit=TOGETHER_LIMIT + 1, shortened=shortened)
        return None if len(found) > TOGETHER_LIMIT else set(found)

    def subject_of_one(self, word: str, noun: str, at_most: int) -> bool:
        """``word`` is what an indexed document with ``noun`` in its name or title is about: printed
        in at least SUBJECT_SHARE of its passages, and in more than ``at_most`` ("the pandemic
        inquiry": a response to an Inquiry whose passages say "pandemic" in every other one). Two
        grouped counts of the index, only when a description is not printed as such."""
        covers = [doc_id for doc_id, cover in zip(self.doc_ids, self.cover_texts) if noun in cover.split()]
        if not covers:
            return False
        if self._passages is None:
            self._passages = self.index.passages_per_document()
        holding = self.index.passages_per_document(word)
        return any(
            holding.get(doc_id, 0) > at_most and holding[doc_id] >= SUBJECT_SHARE * self._passages.get(doc_id, 0)
            for doc_id in covers
        )

    def titled(self, phrase: str) -> bool:
        """Some indexed document's name or title holds ``phrase``'s words side by side ("module 1")."""
        words = " ".join(re.findall(r"[a-z0-9]+", norm(phrase)))
        return any(f" {words} " in f" {t} " for t in self.cover_texts)

    def authored(self, words: list[str], at_most: int) -> bool:
        """``words`` are a person's name (printed after a title: "Sir Brian Langstaff") that the
        reports print beside one of the words of a chair or a source in more than ``at_most`` passages
        ("chaired by ...", "Baroness Hallett's Inquiry"): "the Langstaff inquiry" is one they hold."""
        name = [w for w in words if w not in HONORIFICS]
        titled = [t for t in HONORIFICS if name and self.near([t, *name], len(name) + 1)]  # the titles printed before it
        if not titled:
            return False
        # one word at a time (a passage is counted once): "Sir Michael Bichard presented his report", cited
        # in one passage and two footnotes, is no author of a report the index holds
        if any(self.count_near([*name, word], len(name) + 5, at_most) > at_most for word in AUTHORSHIP):
            return True
        # or printed with a title more than in passing, and once with that title as a chair ("Sir Martin
        # Moore-Bick appointed as Chairman"): the same person, not a namesake chairing a panel
        return any(self.count_near([t, *name], len(name) + 1, at_most) > at_most for t in titled) and any(
            self.near([t, *name, word], len(name) + 4) for t in titled for word in _CHAIRS
        )

    def on_a_cover(self, words: list[str]) -> bool:
        """Some indexed document prints all ``words`` in its name, title or head."""
        return any(all(w in head for w in words) for head in self.heads)


# content links (a passage that reads like a response to a recommendation) join two documents only
# when there are several: a few can join unrelated responses that share their wording
CONTENT_LINKS_TO_JOIN = 5


def linked(pairs: list[tuple[str, str, str, int]]) -> dict[str, set[str]]:
    """Each document's directly linked documents (a report, the responses to it, a briefing that
    summarises them): joined by an explicit or reference link, or by CONTENT_LINKS_TO_JOIN content
    links; a document with none is left out."""
    out: dict[str, set[str]] = {}
    for a, b, method, n in pairs:
        if method != "content" or n >= CONTENT_LINKS_TO_JOIN:
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return out


_VOCAB: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def vocabulary(searcher: Searcher) -> Vocabulary:
    if searcher not in _VOCAB:
        _VOCAB[searcher] = Vocabulary(searcher)
    return _VOCAB[searcher]


def fold(text: str) -> str:
    """Accents dropped, as the FTS5 table drops them ("Seán" -> "Sean", "Féin" -> "Fein")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    # the combining marks among the text's distinct characters, removed in one pass (a document's
    # head is looked at character by character only once per distinct character)
    marks = {ord(ch): None for ch in set(decomposed) if unicodedata.combining(ch)}
    return decomposed.translate(marks) if marks else decomposed


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text).replace("’", "'").lower()).strip()


@dataclass(frozen=True)
class Coverage:
    missing: tuple[str, ...] = ()  # names and sources the index never mentions
    passing: tuple[str, ...] = ()  # sources it mentions only in passing
    apart: tuple[str, ...] = ()  # names it mentions, but never in one document


@dataclass(frozen=True)
class _Part:
    words: tuple[str, ...]  # the words to find, lower case
    span: int  # how many words the part spans in the question


def name_parts(name: str, vocab: Vocabulary) -> list[_Part]:
    """A name as the parts to look up: a month and year apart from the rest ("April 2024" in "April
    2024 for FibroScan"); numbers ("Grenfell 42", "R5": recommendations are numbered in many ways),
    words that number a part of a document ("Recommendation") and document codes ("HC 1099") left
    out, each ending a part; connectors and source nouns not required ("Committee of Public Accounts")."""
    tokens = re.findall(r"[A-Za-z0-9]+", fold(name))
    parts: list[_Part] = []
    words: list[str] = []
    span = 0

    def close() -> None:
        nonlocal words, span
        if words:
            parts.append(_Part(tuple(words), span))
        words, span = [], 0

    i = 0
    while i < len(tokens):
        low = tokens[i].lower()
        after = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if low in MONTH_NAMES:
            close()
            if _YEAR.fullmatch(after):
                parts.append(_Part((low, after), 2))
                i += 1
        elif low in _NUMBERING:
            close()
        elif any(ch.isdigit() for ch in after) and low + after in vocab.known:  # a document's code
            close()
            i += 1
        elif any(ch.isdigit() for ch in low) or low == "and":  # numbers are not names, and end one ("Grenfell 42
            close()  # Civil ..."); "and" may join two names ("Grenfell and Hillsborough")
        else:
            span += 1
            if low not in _CONNECTORS | STOPWORDS | SOURCE_NOUNS | _OPTIONAL | HONORIFICS:
                words.append(low)
        i += 1
    close()
    return parts


# a source described in lower case: the noun, and "of / into / on" what
_DESCRIBED = re.compile(r"\b(review|inspection|investigation|inquiry|inquest|audit|report)\b(?:\s+(of|into|on)\s+([^?.,;:!]*))?")
# where a description ends: the question's verb or a clause ("... recommend", "... that found")
_DESCRIPTION_ENDS = re.compile(
    r"\b(?:recommend\w*|find|finds|found|say|says|said|conclude\w*|state\w*|about|that|which|who|whom|whose|when|"
    r"where|after|before|by|for|in|is|are|was|were|be|been|will|would|should|could|can|may|might|must|do|does|did|"
    r"has|have|had|come|comes|show\w*|cover\w*|include\w*|mean\w*|propos\w*|suggest\w*|requir\w*|ask\w*|call\w*|"
    r"hears?|heard|see|saw|seen|tell|told|notes?|noted|warn|warns|warned|accept|accepts|accepted|reject|rejects|rejected|"
    r"recogni[sz](?:e|es|ed)|acknowledg(?:e|es|ed)|highlight|highlights|highlighted|criticis(?:e|es|ed)|identif(?:y|ies|ied)|"
    r"describ(?:e|es|ed)|explain|explains|explained|agree|agrees|agreed|urge|urges|urged|commit|commits|committed|"
    r"expect|expects|expected|argue|argues|argued|consider|considers|considered|publish|publishes|published|"
    r"reveal|reveals|revealed|examine|examines|examined|look|looks|looked|receive|receives|received|want|wants|wanted|"
    r"believe|believes|believed|think|thought|learn|learns|learned|learnt|make|made|set|give|gives|gave)\b",
    re.I,
)
_DETERMINERS = frozenset("its their his her the a an this that these those latest last first recent new".split())
# what makes the noun a source named ("its review", "the inspectorate's report"), not a verb ("officers review")
_OWNERS = frozenset("its their his her our the a an this that these those".split())


def source_phrases(question: str) -> list[tuple[str, _Part]]:
    """Sources the question describes in lower case, as (the words shown, the part to look up):
    "its review of hate crime laws" -> ("review of hate crime laws", review + hate crime laws). The
    noun follows a determiner or an owner ("its", "the", "the inspectorate's", "Ockenden"), with at most two
    describing words between ("the independent culture review"), and at most three describing words
    after it; a description with no distinctive word ("the report", "the inquiry's
    recommendations") is no source to check."""
    out = []
    text = fold(question)
    for m in _DESCRIBED.finditer(text):
        noun = m.group(1)
        preceding = re.findall(r"[\w'’-]+", text[: m.start(1)])
        before: list[str] = []
        owned = False
        for j in range(len(preceding) - 1, max(-1, len(preceding) - 4), -1):  # nearest first
            w, low = preceding[j], preceding[j].lower()
            # "its", "the inspectorate's", "Ockenden" (a capital not owed to the question's first place)
            if low in _OWNERS or re.search(r"['’]s?$", w) or (w[:1].isupper() and j > 0):
                owned = True
                break
            if low in STOPWORDS or low in _DETERMINERS or len(before) == 2:
                break
            before.insert(0, w)
        if not owned:
            continue  # "did officers review the footage": a verb
        after: list[str] = []
        tail = _DESCRIPTION_ENDS.split(m.group(3))[0] if m.group(3) else ""
        tail_words = re.findall(r"[\w-]+", re.sub(r"['’]s\b", "", tail))
        used = 0
        for w in tail_words:
            low = w.lower()
            if low in STOPWORDS or low in _DETERMINERS:
                used += 1
                continue
            if after and low.endswith("ing"):  # "of haemophilia centres going to continue"
                break
            after.append(w)
            used += 1
            if len(after) == 3:
                break
        if not before and after and all(w[:1].isupper() for w in after):
            continue  # "the review of Nottinghamshire Healthcare": a name, looked up as one
        words = [w.lower() for w in before + after if w.lower() not in GENERIC or w.isdigit()]
        words = [x for w in words for x in re.findall(r"[a-z0-9]+", w)]
        if not words:
            continue
        shown = " ".join(before + [noun] + ([m.group(2), *tail_words[:used]] if after else []))
        out.append((shown, _Part((noun.lower(), *words), len(before) + 1 + (used + 1 if after else 0))))
    return out


_QUOTED = re.compile(r"(?:^|(?<=[\s(]))['‘\"“]([^'’\"”]+?)['’\"”](?=[\s,.?!;:)]|$)")


def quoted(question: str) -> list[str]:
    """Phrases of two to eight words in quotation marks ("the 'Policing for the future' report"); a
    question quoted whole, or a quoted question, is no title."""
    out = []
    for m in _QUOTED.finditer(question):
        phrase = m.group(1).strip()
        if 2 <= len(re.findall(r"[A-Za-z0-9]+", phrase)) <= 8 and not phrase.endswith("?"):
            out.append(phrase)
    return out


# a question's opening up to its subject: "What did ", "Did ", "How has "
_SUBJECT_OPENING = re.compile(
    r"\s*(?:(?:what|which|how|why|when|where|who)\s+(?:\w+\s+){0,2}?)?(?:did|does|do|has|have|had|will|would|is|was|were|are)\s+",
    re.I,
)


def _where(text: str, shown: str) -> int:
    """Where the described source ``shown`` begins in the question (its possessives dropped, "South
    Yorkshire crime" is printed "South Yorkshire's crime": found by its first two words), or -1."""
    at = text.find(shown)
    return at if at >= 0 else text.find(" ".join(shown.split()[:2]))


def _indefinite(question: str, shown: str) -> bool:
    """The described source follows an indefinite article ("a peer review of ...")."""
    text = fold(question)
    at = _where(text, shown)
    return at >= 0 and bool(re.search(r"\b(?:a|an)\s+$", text[:at], re.I))


def _asked_about(question: str, shown: str) -> bool:
    """The described source is the question's subject: it follows the question's opening verb, with
    only its owner between ("What did HMICFRS's 2023 spotlight report ... find", "Did the Kark review
    of ... recommend"), not a source cited on the way ("... in its 2018 inspection")."""
    text = fold(question)
    at = _where(text, shown)
    if at < 0:
        return False
    words = re.findall(r"[\w'’-]+|\s+", text[:at])
    while words and (words[-1].isspace() or words[-1].lower() in _OWNERS or (words[-1][:1].isupper() and len(words) > 2)):
        words.pop()
    return bool(_SUBJECT_OPENING.fullmatch("".join(words) + " "))


# what a question asks of a source for its content ("What did ... find")
_FINDINGS = re.compile(
    r"\b(?:find\w*|found|say|says|said|recommend\w*|conclu\w*|propos\w*|suggest\w*|warn\w*|criticis\w*|identif\w*|"
    r"reveal\w*|show\w*|highlight\w*|urge\w*|call\w*|state\w*|reported|think|thought|learn\w*|uncover\w*|describ\w*)\b",
    re.I,
)
# a numbered recommendation or paragraph ("recommendation 42 ... review"), the indexed reports' own unless
# it is the source's ("recommendation 12 of the ... Inquiry", "the ... Inquiry's recommendation 12")
# (numbers as the index reads them, ``REC_NUMBER``; the whole number, "8.1" not "8", before "of")
_NUMBERED = re.compile(rf"\b(?:recommendations?|recs?|paragraphs?|paras?)\s+{REC_NUMBER}", re.I)
_OWN_NUMBERED = re.compile(rf"(?<!['’]s\s){_NUMBERED.pattern}(?![\w(]|\.\d)(?!\s+(?:of|from|in|by)\b)", re.I)


# a question of when or by whom a source was made, which the reports that cite it can answer
_MAKING = re.compile(r"\s*(?:when|who|whom|(?:in\s+)?(?:which|what)\s+year)\b", re.I)


def _asks_findings(question: str) -> bool:
    """The question may ask what a source found, said or recommended: not when or by whom it was made
    ("When was ... published?"), and, naming a numbered recommendation of the reports ("recommendation
    42 ... review"), only with a word of findings (``_FINDINGS``) outside it."""
    text = fold(question)
    if _FINDINGS.search(_NUMBERED.sub(" ", text)):
        return True
    if _MAKING.match(text) or _OWN_NUMBERED.search(text):
        return False
    return True


# a question that sets documents side by side: its names need not share one
_COMPARES = re.compile(r"\b(?:compar\w*|versus|vs|differ\w*|both|between|contrast\w*|similar\w*|alike|either)\b", re.I)


def coverage(
    vocab: Vocabulary,
    names: tuple[str, ...],
    passing_at_most: int = ANSWER.passing,
    question: str = "",
    texts: Sequence[str] = (),
) -> Coverage:
    """Which of the question's ``names`` (and, given the ``question``, the sources it describes)
    the index never mentions, mentions only in passing, or mentions only in different documents.
    ``texts``: the passages retrieved for the question (and their documents' covers), where an
    initialism may be spelled out ("Rotherham MBC": "Rotherham Metropolitan Borough Council")."""
    missing, passing = [], []
    together: list[tuple[str, set[str]]] = []
    opening_words = re.findall(r"[A-Za-z0-9]+", fold(question))[:1]
    for name in names:
        verdict, docs = _looked_up(vocab, name, passing_at_most, question, texts)
        first, _, rest = name.partition(" ")
        if verdict is not None and rest and opening_words and first == opening_words[0] and _distinctive(rest):
            # the question's first word, capitalised perhaps only by its place ("Regarding Grenfell"): when
            # the index prints it as a word, the rest alone may be the name
            if vocab.prints(first.lower()):
                verdict, docs = _looked_up(vocab, rest, passing_at_most, question, texts)
        if verdict == "missing":
            missing.append(name)
        elif verdict == "passing":
            passing.append(name)
        elif docs is not None:
            together.append((name, docs))
    for phrase in quoted(question):
        # a title or phrase in quotation marks is asked for word for word ("the 'Policing for the future' report")
        if not vocab.count(phrase, 0):
            missing.append(phrase)
    for shown, part in source_phrases(question):
        if _indefinite(question, shown) and not _asked_about(question, shown):
            continue  # "who carried out a peer review of ...": the question asks which one, names none
        # several describing words are the source's subject, printed together anywhere, within a
        # sentence or so ("riots ... last summer" for "the report on last summer's riots"); one ("its
        # 2019 inspection") must be printed near the source noun, or be what a document with that noun
        # in its name or title is about ("the pandemic inquiry")
        noun, *describing = part.words
        if vocab.on_a_cover(describing):
            continue
        looked_up, width = list(part.words), part.span + NEAR_SLACK + 1  # as near as in the question
        if len(describing) > 1:
            looked_up = describing
            # a year or a number is no subject: with one, the words stand as near as in the question
            if not any(any(ch.isdigit() for ch in w) for w in describing):
                width = max(width, DESCRIPTION_WIDTH)
        if not vocab.near(looked_up, width):
            subject = (
                len(describing) == 1
                and not _YEAR.fullmatch(describing[0])
                and vocab.subject_of_one(describing[0], noun, passing_at_most)
            )
            if not subject:
                missing.append(shown)
        elif (
            _asked_about(question, shown)
            and _asks_findings(question)
            and vocab.count_near(looked_up, width, passing_at_most) <= passing_at_most
        ):
            # what the source found is the question ("What did the NAO's 2022 report on ... find?"), and
            # the reports only cite it; a source cited on the way ("as the national abuse inquiry asked")
            # may be what a passage answers with
            passing.append(shown)
    apart: tuple[str, ...] = ()
    named = tuple(dict.fromkeys(n for n, _ in together))
    if not missing and not passing and len(named) > 1 and not _COMPARES.search(question) and not _listed(named, question):
        # a report and the responses to it are one source: a question may take a name from each
        if not _together(vocab, [docs for _, docs in together]):
            apart = named
    return Coverage(tuple(dict.fromkeys(missing)), tuple(passing), apart)


def _looked_up(
    vocab: Vocabulary, name: str, passing_at_most: int, question: str, texts: Sequence[str]
) -> tuple[str | None, set[str] | None]:
    """``_checked`` of the name with its months written out ("Feb 2025"), or, when that is not
    printed, with its initialisms spelled out as ``texts`` print them ("DCC Tim Forber": "Deputy
    Chief Constable Tim Forber")."""
    name = _MONTH_ABBREVIATION.sub(lambda m: _MONTHS[m.group(1).lower()].capitalize() + " ", name)
    verdict, docs = _checked(vocab, name, passing_at_most, question)
    spelled = _spelled_out(name, texts) if verdict is not None else name
    if spelled != name:
        verdict, docs = _checked(vocab, spelled, passing_at_most, question)
    return verdict, docs


# a month shortened before a year or a day ("Feb 2025", "Sept. 2024", "Dec '24", "17 Dec 24" read as "Dec 24")
_MONTHS = {m[:3]: m for m in MONTH_NAMES} | {"sept": "september"}
_MONTH_ABBREVIATION = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(?=(?:19|20)\d\d\b|['’]?\d\d?\b)", re.I
)


def _checked(vocab: Vocabulary, name: str, passing_at_most: int, question: str) -> tuple[str | None, set[str] | None]:
    """("missing" | "passing" | None, the documents that print the name or None when that does
    not constrain the question)."""
    normed = norm(name)
    words = re.findall(r"[a-z0-9]+", normed)
    distinctive = _distinctive(name)
    initials = [w.lower() for w in re.findall(r"[A-Za-z]+", fold(name)) if len(w) >= 3 and w.isupper()]
    # a word of a name may be printed only as the beginning of a longer one ("Humber" of "Humberside"); in
    # a name of several distinctive words, such a word, or one of three letters, may be a shortening ("Mid
    # Staffs", "Hep C Trust"), looked up as a beginning beside the others when the name is not printed so
    short = (
        {w for w in distinctive if w not in vocab.known and (len(w) == 3 or not vocab.prints(w))}
        if len(distinctive) > 1
        else set()
    )
    if not all(vocab.has_word(w) or (w in short and vocab.prints(w, prefix=True)) for w in distinctive) or not all(
        _initialism_known(vocab, w) for w in initials
    ):
        return "missing", None
    for part in numbered_parts(name, vocab):
        # a numbered part or a code: the index holds that document, or it is printed more than in passing
        if not (vocab.titled(part) or part.replace(" ", "") in vocab.known):
            n = vocab.count(part, passing_at_most)
            if n == 0:
                return "missing", None
            if n <= passing_at_most:
                return "passing", None
    is_responder = any(normed.startswith(r) or r.startswith(normed) for r in vocab.responders)
    parts = [] if normed in vocab.known or is_responder else name_parts(name, vocab)
    shortened: set[str] = set()
    for p in parts:
        if len(p.words) > 1 and not vocab.near(list(p.words), p.span + NEAR_SLACK):
            shortened = short
            if not (short and vocab.near(list(p.words), p.span + NEAR_SLACK, short)):
                return "missing", None
    # a person's title may be another ("Lady Hallett": "Baroness Hallett"), but some title is printed before
    # the name ("Lord Mayor of London" is not the "Mayor of London", nor "Lord Harris" the "Harris Academy")
    if parts and words[0] in HONORIFICS and parts[0].words:
        person = list(parts[0].words)
        if not any(vocab.near([t, *person], parts[0].span + NEAR_SLACK) for t in HONORIFICS):
            return "missing", None
    if any(w in SOURCE_NOUNS for w in words) and distinctive and not (vocab.on_a_cover(distinctive) or is_responder):
        n = vocab.count(name, passing_at_most)
        if n == 0 and not _held_unprinted(vocab, name, words, distinctive, passing_at_most, question):
            n = _count_noun_first(vocab, words, passing_at_most)
            if n == 0:
                return "missing", None
        # the reports print the source by this name, and only cite it: refused when asked what it found
        if 0 < n <= passing_at_most and _asks_findings(question):
            return "passing", None
    # a name of generic words ("the Government", "Committee") identifies nothing; a question's
    # first word may be capitalised only by its place ("Besides")
    opening = " " not in name and fold(question).lstrip().startswith(fold(name))
    if not distinctive or opening:
        return None, None
    return None, _documents_naming(name, vocab, parts, shortened)


def _held_unprinted(
    vocab: Vocabulary, name: str, words: list[str], distinctive: list[str], passing_at_most: int, question: str
) -> bool:
    """A source never printed by its name that the index holds all the same: named after the chair of
    an inquiry it holds ("the Moore-Bick report"; only the works a chair is known by), or, as the
    question's first words, after what a document with that noun in its name or title is about ("Pandemic
    inquiry response: ...": capitalised by its place, a description)."""
    if any(w in _AUTHORED_NOUNS for w in words) and vocab.authored(distinctive, passing_at_most):
        return True
    first = fold(question).lstrip().startswith(fold(name))
    return (
        first
        and len(distinctive) == 1
        and any(w in SOURCE_NOUNS and vocab.subject_of_one(distinctive[0], w, passing_at_most) for w in words)
    )


def _count_noun_first(vocab: Vocabulary, words: list[str], passing_at_most: int) -> int:
    """Passages printing the source with its noun first ("Civil Contingencies Act review": "review of
    the Civil Contingencies Act", "inquiry into ..."), counted up to ``passing_at_most + 1``."""
    nouns = [w for w in words if w in SOURCE_NOUNS]
    rest = " ".join(w for w in words if w not in SOURCE_NOUNS)
    if len(nouns) != 1 or not rest:
        return 0
    best = 0
    for joint in ("of the", "of", "into the", "into", "on the", "on"):
        best = max(best, vocab.count(f"{nouns[0]} {joint} {rest}", passing_at_most))
        if best > passing_at_most:
            break
    return best


def numbered_parts(name: str, vocab: Vocabulary) -> list[str]:
    """The parts of a series and the document codes a name gives, each a report of its own: "Module
    2" (a series word and its number), "HC 1119" (letters the index's own document codes use, and
    a number that is not a year)."""
    tokens = re.findall(r"\d+[A-Za-z]?\b|[A-Za-z]+", fold(name))
    out = []
    for word, number in zip(tokens, tokens[1:]):
        low = word.lower()
        if not number[:1].isdigit() or not word.isalpha():
            continue
        digits = number.rstrip(string.ascii_letters)
        if low in SERIES or (low in vocab.code_letters and len(digits) >= 3 and not _YEAR.fullmatch(digits)):
            out.append(f"{low} {number.lower()}")
    return out


_SPELLING_JOINS = frozenset("of and for the & in on".split())


def _spelled_out(name: str, texts: Sequence[str]) -> str:
    """``name`` with each initialism replaced by its words, when one of ``texts`` prints
    capitalised words whose first letters spell it ("DCC Tim Forber": "Deputy Chief Constable Tim
    Forber"; "of", "and", "for", "the" may stand between them). A small letter stands for such a
    word ("MoJ": "Ministry of Justice"). Every letter must be spelled: "HASC" is not the printed
    "Home Affairs Committee", since "PASC" is no "Public Accounts Committee" either."""
    out = name
    for word in dict.fromkeys(m.group() for m in _INITIALISM.finditer(fold(name)) if len(m.group()) >= 3):
        previous = re.search(rf"(\w+)\s+{word}\b", fold(name))
        spelled = _spelling(word, texts, previous.group(1) if previous else None)
        if spelled:
            out = re.sub(rf"\b{word}\b", spelled.replace("\\", r"\\"), out)  # a replacement string: backslashes escaped
    return out


def _spelling(word: str, texts: Sequence[str], after: str | None) -> str | None:
    """The words one of ``texts`` spells the initialism ``word`` with (``spelling_of``), or None."""
    capitals = re.sub(r"[a-z]", "", word)
    joins = [c for c in word if c.islower()]  # each small letter: a joining word's first letter, in order
    for text in texts:
        found = spelling_of(capitals, text, after)
        if found and (not joins or [w[0].lower() for w in found.split() if w.lower() in _SPELLING_JOINS] == joins):
            return found
    return None


# an initialism: capitals, perhaps with one small letter between two of them for a joining word ("MoJ", "DfE")
_INITIALISM = re.compile(r"\b[A-Z](?:[a-z]?[A-Z])+\b")


def spelling_of(initials: str, text: str, after: str | None = None) -> str | None:
    """The capitalised words of ``text`` whose first letters spell ``initials`` (none of them
    across a full stop, comma, bracket or blank line; all in capitals or none), or None. They must
    begin or end a run of capitalised words, or follow the word ``after`` (the word before the
    initialism in the question: "Rotherham" of "Rotherham MBC")."""
    text = fold(text)
    found = list(re.finditer(r"[\w&’'-]+", text))
    words = [m.group() for m in found]
    # a full stop, comma, bracket or blank line between two words ends a run of them
    pause = [i > 0 and bool(re.search(r"[.,;:()!?]|\n\s*\n", text[found[i - 1].end() : m.start()])) for i, m in enumerate(found)]

    def capital(k: int) -> bool:  # a capitalised word of a name (not a joining word)
        w = words[k]
        return w[:1].isupper() and w.lower() not in _SPELLING_JOINS

    target = initials.upper()
    for i, w in enumerate(words):
        if w[:1] != target[0] or not capital(i):
            continue
        got, j = "", i
        while j < len(words) and len(got) < len(target) and (j == i or not pause[j]):
            if capital(j):
                got += words[j][0]
                if not target.startswith(got):
                    break
            elif words[j].lower() not in _SPELLING_JOINS:
                break
            j += 1
        if got != target:
            continue
        named = [words[k] for k in range(i, j) if capital(k)]
        if len({len(w) > 1 and w.isupper() for w in named}) > 1:
            continue  # "College of Policing SSAIDP": an initialism is no word of a name in small letters
        # the words begin a run of capitalised words ("Deputy Chief Constable Tim Forber") or end one
        # ("Rotherham Metropolitan Borough Council"), not the middle of another name
        begins = i == 0 or pause[i] or not capital(i - 1)
        ends = j == len(words) or pause[j] or not capital(j)
        follows = after is not None and i > 0 and not pause[i] and words[i - 1].lower() == after.lower()
        if begins or ends or follows:
            return " ".join(words[i:j])
    return None


def _distinctive(name: str) -> list[str]:
    """The name's words that are not generic; codes and numbers ("R12", "HC 381", "2024") are not names."""
    words = re.findall(r"[a-z0-9]+", norm(name))
    return [w for w in words if w not in GENERIC | _OPTIONAL | HONORIFICS and not any(ch.isdigit() for ch in w) and len(w) > 2]


def _together(vocab: Vocabulary, printed_in: list[set[str]]) -> bool:
    """Some document, with the documents directly linked to it, prints every name (each name: the
    documents that print it)."""
    for doc in set().union(*printed_in):
        near = {doc} | vocab.linked.get(doc, set())
        if all(docs & near for docs in printed_in):
            return True
    return False


def _listed(names: tuple[str, ...], question: str) -> bool:
    """Two of the names stand side by side in a list ("Grenfell and Hillsborough", "Grenfell or
    Hillsborough"): the question asks about each, not about one inside the other."""
    text = fold(question)
    joined = r"(?:['’]s)?\s*(?:,|and|or|&|with|/)\s*(?:the\s+)?"
    return any(re.search(re.escape(fold(a)) + joined + re.escape(fold(b)), text) for a in names for b in names if a != b)


def _initialism_known(vocab: Vocabulary, word: str) -> bool:
    """An initialism occurs as itself (a plural too: the FTS5 table stems both), not only as the
    beginning of a longer word: "HMIC" is not "HMICFRS"."""
    return word in vocab.known or vocab.prints(word)


def _documents_naming(name: str, vocab: Vocabulary, parts: list[_Part], shortened: Collection[str] = ()) -> set[str] | None:
    """The documents that print the name (every part but a date, near its own words), plus those
    it is an alias of ("Grenfell", "HC 381"; an alias printed in other documents names them too:
    "DHSC" is one document's name and a department other reports print); None when it constrains
    nothing: printed in very many passages, or an initialism the index knows from its responders."""
    squashed = re.sub(r"[^a-z0-9]", "", norm(name))
    aliased = set(vocab.aliased.get(squashed, ()))
    if not parts:
        if squashed in vocab.known and not aliased:
            return None
        parts = [_Part(tuple(w for w in re.findall(r"[a-z0-9]+", norm(name)) if w not in STOPWORDS), 0)]
    docs: set[str] | None = None
    for part in parts:
        if not part.words or (len(part.words) == 2 and part.words[0] in MONTH_NAMES):
            continue
        found = vocab.documents_with(list(part.words), max(part.span, len(part.words)) + NEAR_SLACK, shortened)
        if found is None:
            continue
        docs = found if docs is None else docs & found
    return None if docs is None else docs | aliased
