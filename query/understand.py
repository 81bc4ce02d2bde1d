"""Query understanding: recommendation numbers, responders and document names in a query.

"recommendation 7", "rec 7", "R7", "recommendation 12 d-e", "recs 4a" become a recommendation
number; a responding body or a document named in the query (matched against what the index
actually contains) becomes a boost. Intent words ("response", "respond", "said") favour responses;
"what is/does recommendation N (say)" favours the recommendation itself.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from inquire.recnum import REC_NUMBER, mentioned_recs, normalise_rec, rec_matches

_REC = re.compile(rf"\b(?:recommendations?|recs?\.?|r)\s*(?:no\.?|number|#)?\s*({REC_NUMBER})", re.I)
_RESPONSE_WORDS = re.compile(
    r"\b(respon\w*|repl\w*|answer\w*|accept\w*|reject\w*|agree\w*|implement\w*|progress|update\w*|"
    r"(?:government|they|it|force|department|office|executive|uk|administrations?|nations?|ministers?)\s+(?:say|said|do|did|doing))\b",
    re.I,
)
_REC_WORDS = re.compile(
    r"\b(what (?:is|was|were)|what did (?:the )?\S+ (?:want|ask)|want(?:s|ed)? \S+ to\b|text of|wording|recommend(?:s|ed)?\b(?! \d)|recommendations?\s+(?:on|about|for|regarding|concerning)\b|recommendation\s+\S+\s+(?:say|state|propose|ask|call)\w*|^\s*what\s+(?:does|do)\s+(?:the\s+)?recommendation\b.*\b(?:say|state|propose|require|ask|mean|involve)\w*)",
    re.I,
)

# A section that lists definitions: its entries rank and quote below body text unless the query asks what
# something is or means.
GLOSSARY_SECTION = re.compile(r"\b(?:glossary|definitions|abbreviations|acronyms)\b", re.I)
_DEFINITION_Q = re.compile(
    r"^\s*(?:what (?:is|are|does|do)\b.*\b(?:mean|stand for)\b|what (?:is|are) (?:an? |the )?\S+\??$|define\b)|\bdefinition\b",
    re.I,
)


def asks_definition(query: str) -> bool:
    """ "What does ISVA stand for?", "What is a CHIS?", "define ...": a glossary entry answers it."""
    return bool(_DEFINITION_Q.search(query))


STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers
    how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your
    recommendation recommendations rec recs response responses respond responded said say says""".split()
)


@dataclass(frozen=True)
class QueryIntent:
    text: str  # the query with recognised recommendation references kept (they help lexical match)
    recommendations: tuple[str, ...] = ()
    wants: str | None = None  # "recommendation" | "response" | None
    responders: tuple[str, ...] = ()  # responder values present in the index
    docs: tuple[str, ...] = ()  # doc_ids named by the query
    terms: tuple[str, ...] = field(default=())  # content words for lexical search
    definition: bool = False  # asks what something is or means


def parse_query(query: str, responders: list[str] | None = None, doc_aliases: dict[str, set[str]] | None = None) -> QueryIntent:
    found = list(dict.fromkeys(normalise_rec(m.group(1)) for m in _REC.finditer(query)))
    # the rest of a list: "recommendations 3 and 4"
    found += [n for n in mentioned_recs(query) if not any(rec_matches(n, f) or rec_matches(f, n) for f in found)]
    recs = tuple(found)
    lowered = query.lower()
    found_responders = _responder_index(tuple(responders or ())).named_in(lowered)
    # prefer the longest names ("College of Policing and NPCC" over "College of Policing")
    found_responders.sort(key=len, reverse=True)
    wants = None
    if _RESPONSE_WORDS.search(query):
        wants = "response"
    elif _REC_WORDS.search(query) or (recs and re.fullmatch(r"\s*(?:recommendation|rec|r)\s*\S+\s*", lowered)):
        wants = "recommendation"
    elif recs and found_responders and re.search(r"\b(say|said|do|did|doing)\b", lowered):
        wants = "response"
    # a responder's name is not evidence for a document ("South Yorkshire Police" is not the
    # council report titled "South Yorkshire Police progress report")
    named = lowered
    for name in found_responders:
        named = re.sub(rf"\b{re.escape(name.lower())}\b", " ", named)
        if abbr := initialism(name):
            named = re.sub(rf"\b{abbr}\b", " ", named)
    tokens = re.findall(r"[a-z]+|\d+", named)
    words = set(tokens) | {a + b for a, b in zip(tokens, tokens[1:]) if a.isalpha() and len(a) <= 3 and b.isdigit()}
    # the documents the query names best ("Commons Library briefing ... infected blood" -> the briefing)
    docs = _alias_index(doc_aliases or {}).best(words)
    terms = tuple(t for t in re.findall(r"[a-z0-9]+", lowered) if t not in STOPWORDS and len(t) > 1)
    return QueryIntent(query, recs, wants, tuple(found_responders), tuple(docs), terms, asks_definition(query))


class _ResponderIndex:
    """The responders a query names, at a cost that does not grow with how many the index holds: a
    name is tested (whole words, or its initialism) only when its first word, or the initialism, is
    one of the query's words."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.order = {name: i for i, name in enumerate(names)}
        self.by_first: dict[str, list[tuple[str, re.Pattern]]] = {}
        self.always: list[tuple[str, re.Pattern]] = []  # names that do not start with a word character
        self.by_abbr: dict[str, list[str]] = {}
        for name in names:
            key = name.lower()
            if not key:
                continue
            pattern = re.compile(rf"\b{re.escape(key)}\b")
            first = re.match(r"\w+", key)
            (self.by_first.setdefault(first.group(), []) if first else self.always).append((name, pattern))
            if abbr := initialism(name):
                self.by_abbr.setdefault(abbr, []).append(name)

    def named_in(self, lowered: str) -> list[str]:
        """The names in ``lowered`` (the query in lower case), in the index's order."""
        words = set(re.findall(r"\w+", lowered))
        found = {name for name, p in self.always if p.search(lowered)}
        for word in words:
            found.update(name for name, p in self.by_first.get(word, ()) if p.search(lowered))
            found.update(self.by_abbr.get(word, ()))
        return sorted(found, key=self.order.__getitem__)


class _AliasIndex:
    """Documents by the distinctive words of their names (``Searcher.doc_aliases``), looked up from
    the query's words: the cost follows the query, not the number of documents."""

    def __init__(self, doc_aliases: dict[str, set[str]]) -> None:
        self.source = doc_aliases  # kept: the cache below is keyed by its id
        self.order = {d: i for i, d in enumerate(doc_aliases)}
        self.by_word: dict[str, list[str]] = {}
        for d, aliases in doc_aliases.items():
            for a in aliases:
                self.by_word.setdefault(a, []).append(d)

    def best(self, words: set[str]) -> list[str]:
        """The documents with the most aliases among ``words`` (none when no alias is), in document order."""
        counts: dict[str, int] = {}
        for w in words:
            for d in self.by_word.get(w, ()):
                counts[d] = counts.get(d, 0) + 1
        top = max(counts.values(), default=0)
        return sorted((d for d, n in counts.items() if n == top), key=self.order.__getitem__) if top else []


_ALIAS_INDEXES: dict[int, _AliasIndex] = {}


def _alias_index(doc_aliases: dict[str, set[str]]) -> _AliasIndex:
    found = _ALIAS_INDEXES.get(id(doc_aliases))
    if found is None or found.source is not doc_aliases:
        if len(_ALIAS_INDEXES) >= 8:
            _ALIAS_INDEXES.clear()
        found = _ALIAS_INDEXES[id(doc_aliases)] = _AliasIndex(doc_aliases)
    return found


@functools.lru_cache(maxsize=8)
def _responder_index(names: tuple[str, ...]) -> _ResponderIndex:
    return _ResponderIndex(names)


def initialism(name: str) -> str | None:
    """ "South Yorkshire Police" -> "syp", "Infected Blood Inquiry" -> "ibi": first letters of a
    name of three or four capitalised words (small words such as "of" skipped); None otherwise."""
    words = [w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in STOPWORDS]
    if not 3 <= len(words) <= 4 or not all(w[0].isupper() for w in words):
        return None
    abbr = "".join(w[0] for w in words).lower()
    return None if abbr in STOPWORDS else abbr


def title_initialisms(title: str) -> set[str]:
    """Initialisms of every run of three or four capitalised words in a title:
    "Government Response to the Infected Blood Inquiry" -> {"ibi"}; only runs that end in a body's
    noun ("Inquiry", "Police", "Committee", ...)."""
    out: set[str] = set()
    runs: list[list[str]] = [[]]
    for w in re.findall(r"[A-Za-z][A-Za-z0-9-]*", title):
        if w[0].isupper() and w.lower() not in STOPWORDS:
            runs[-1].append(w)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        for size in (3, 4):
            for i in range(len(run) - size + 1):
                words = run[i : i + size]
                # only names of bodies and inquiries: "tip" (Tower Inquiry Phase) is a word
                if words[-1].lower() in _BODIES and (abbr := initialism(" ".join(words))):
                    out.add(abbr)
    return out


_BODIES = frozenset(
    """inquiry police committee council commission service office review board authority
    agency executive government department trust library""".split()
)
