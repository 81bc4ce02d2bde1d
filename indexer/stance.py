"""What a response decided: its stance on a recommendation, with the sentence that states it.

Stances: accepted, accepted in principle, accepted in part, not accepted, noted, under
consideration, not for this body. Every stance comes with the exact sentence that states it
(offsets into the text it was read from), so it can be quoted and cited; a text that states none
gets ``None``, never a guess.

General rules, no per-document presets:

- **Status lines**: a line that is only a verdict ("Recommendation accepted", "Accept in full",
  "Status: Rejected", "Recommendation acknowledged") is the document's own label and wins.
- **Stated stances**: a sentence whose verb (accept, support, agree with, reject, note, consider,
  is a matter for) takes *the recommendation* as its object or subject ("The Government accepts
  this recommendation in principle", "These recommendations are accepted in full by the UK
  Government and the Welsh Government", "We do not accept recommendation 4", "is a matter for NHS
  England"). Negation, conditionals ("If Parliament is minded to accept these recommendations"),
  questions, quoted recommendation text ("whether these recommendations have been accepted") and
  other objects ("accepts that ...", "accepts the findings", "agreed to provide funding") are not
  stances. The bodies the sentence names ("by the Scottish Government") and the recommendation
  numbers it names ("Recommendations 12) a-c) are accepted in full") are kept.
- **Weaker evidence**, used only when no sentence states a stance: agreement with the
  recommendation's aim ("The government agrees that clear governance is needed") is accepted,
  and accepted in part when the response also declines part of it ("would not be appropriate",
  "do not support mandating ..."); a plan to consider it ("proposals will continue to be
  considered", "is currently considering its position") is under consideration.
- **Summary tables**: a grouped list ("Accepting in full: Recommendation 1, Recommendation 4a) i)
  (accepted in principle by Scottish Government) ... Accepting in principle: ...") and a table with
  one column per body and a legend ("F = accepts in full; P = accepts in principle") give a stance
  per recommendation and body (:func:`summary_list_stances`, :func:`column_table_stances`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

ACCEPTED = "accepted"
IN_PRINCIPLE = "accepted in principle"
IN_PART = "accepted in part"
NOT_ACCEPTED = "not accepted"
NOTED = "noted"
CONSIDERING = "under consideration"
NOT_FOR_US = "not for this body"
STANCES = (ACCEPTED, IN_PRINCIPLE, IN_PART, NOT_ACCEPTED, NOTED, CONSIDERING, NOT_FOR_US)

# How sure the rule is: a status line or a sentence that states the stance outright, or evidence
# that is weaker (agreement with the aim, a plan to consider). Weak evidence is used only when the
# text states nothing stronger.
STATED = "stated"
STATUS = "status line"
WEAK = "implied"
TABLE = "summary table"


@dataclass(frozen=True)
class Stance:
    stance: str  # one of STANCES
    start: int  # the stating sentence: text[start:end]
    end: int
    sentence: str
    kind: str = STATED  # STATUS, STATED, WEAK or TABLE
    bodies: tuple[str, ...] = ()  # who takes the stance, when the sentence names them
    numbers: tuple[str, ...] = ()  # recommendation numbers the sentence names ("12 a-c")


# ----------------------------------------------------------------------------- sentences

_REC_START = re.compile(
    r"^\s*(?:\d{1,3}[a-z]?\)|\d{1,3}[a-z]?\.(?!\d)|\d{1,3}[a-z]\)?\s*[ivx]+\.|[a-z]\)|\(?[ivx]+\)|[•●▪\-–])\s", re.I
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of a text extracted from PDF or HTML: ends at . ! ? (not after a number or an
    abbreviation), at a blank line, and at a line break where the line is short and has no
    closing punctuation while the next line starts a new unit (a capital, a number, a bullet)."""
    lines = text.split("\n")
    widths = sorted(len(ln.rstrip()) for ln in lines if ln.strip())
    wrap = widths[int(len(widths) * 0.9)] if widths else 80
    spans: list[tuple[int, int]] = []
    start = None
    pos = 0
    for i, line in enumerate(lines):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            if start is not None:
                spans.append((start, _rstrip_end(text, start, line_start)))
                start = None
            continue
        if start is None or _REC_START.match(line):
            if start is not None:
                spans.append((start, _rstrip_end(text, start, line_start)))
            start = line_start + len(line) - len(line.lstrip())
        # sentence ends inside the line
        ends = r"(?<![A-Z])(?<!\b[Nn]o)(?<!\bpara)(?<!\be\.g)(?<!\bi\.e)[.!?][”’\"')\]]*(?=\s+[\"“‘(]?[A-Z0-9•●])"
        ends += r"|\(\d{1,3}(?:\.\d{1,3})+\)(?=\s+[A-Z])"  # a paragraph reference closing a quoted recommendation: "(113.31)"
        for m in re.finditer(ends, line):
            end = line_start + m.end()
            if start is not None and end > start:
                spans.append((start, end))
            start = end + 1
            while start < line_end and text[start] == " ":
                start += 1
            if start >= line_end:
                start = None
        if start is None:
            continue
        stripped = line.rstrip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        ends_sentence = stripped.endswith((".", "!", "?", ":", ".”", ".’", '."'))
        short = len(stripped) < 0.75 * wrap
        next_new = bool(re.match(r"\s*(?:[A-Z0-9•●▪“\"(]|$)", nxt))
        if (
            ends_sentence
            and next_new
            or (short and next_new and not stripped.endswith((",", ";", "-", "–", "&", " and", " or", " the", " of")))
        ):
            spans.append((start, _rstrip_end(text, start, line_start + len(stripped))))
            start = None
    if start is not None:
        spans.append((start, _rstrip_end(text, start, len(text))))
    return [(s, e) for s, e in spans if e > s and text[s:e].strip()]


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


# ----------------------------------------------------------------------------- recommendation numbers


_NUM = r"\d{1,3}(?![\d,.]\d)\s*\)?\s*(?:[a-z](?![a-z’'])(?:\s*-\s*[a-z](?![a-z]))?\)?)?\s*(?:\(?[ivx]{1,4}(?![a-z])\)?(?:\s*-\s*\(?[ivx]{1,4}(?![a-z])\)?)?\.?)?"
_REC_NUMBERS = re.compile(rf"\brecommendations?\s+(?P<list>{_NUM}(?:\s*(?:,|/|and|&|to)\s*{_NUM})*)", re.I)


def numbers_named(sentence: str) -> tuple[str, ...]:
    """Recommendation numbers a sentence names: "Recommendations 12) a-c)" -> ("12 a-c",);
    "recommendations 12d/12e" -> ("12d", "12e"); "recommendation 4a) iv." -> ("4a iv",)."""
    out: list[str] = []
    for m in _REC_NUMBERS.finditer(sentence):
        if re.match(
            r"\s*(?:of|in|from|made\s+by)\s+the\s+(?:[A-Z][\w’'\-]*\s+){1,5}(?:[Rr]eport|[Rr]eview|[Cc]ommittee|[Ii]nquiry)\b",
            sentence[m.end() : m.end() + 80],
        ):
            continue  # "recommendation 11 of the Second Interim Report": another report's numbering
        for part in re.split(r"\s*(?:,|/|\band\b|&)\s*", m.group("list")):
            if part.strip():
                out.append(_canon_number(part))
    return tuple(dict.fromkeys(out))


def _canon_number(raw: str) -> str:
    s = raw.lower().replace("(", " ").replace(")", " ").replace(".", " ")
    s = re.sub(r"\s*-\s*", "-", s).strip()
    m = re.match(r"^(\d+)\s*([a-z](?:-[a-z])?)?\s*([ivx]+(?:-[ivx]+)?)?$", s)
    if not m:
        return re.sub(r"\s+", " ", s)
    num, letter, roman = m.groups()
    out = num
    if letter:
        out += (" " + letter) if "-" in letter else letter
    if roman:
        out += " " + roman
    return out


def _roman(s: str) -> int:
    vals = {"i": 1, "v": 5, "x": 10}
    total = 0
    for i, ch in enumerate(s):
        v = vals[ch]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    return total


def _parts(label: str) -> tuple[str, str, str] | None:
    m = re.match(r"^(\d+)\s*([a-z](?:-[a-z])?)?\s*([ivx]+(?:-[ivx]+)?)?$", label.strip())
    return (m.group(1), m.group(2) or "", m.group(3) or "") if m else None


def _span(part: str, roman: bool) -> tuple[int, int] | None:
    if not part:
        return None
    lo, _, hi = part.partition("-")
    hi = hi or lo
    val = _roman if roman else (lambda c: ord(c))
    return val(lo), val(hi)


def covers(named: str, wanted: str) -> bool:
    """Whether a sentence naming recommendation ``named`` speaks about all of ``wanted``:
    "12 a-c" covers "12b"; "4a" covers "4a iv"; "4" covers "4c ii"; "4a iv" covers neither "4a v"
    nor "4a" (a part does not answer the whole)."""
    a, b = _parts(_canon_number(named)), _parts(_canon_number(wanted))
    if a is None or b is None:
        return _canon_number(named) == _canon_number(wanted)
    if a[0] != b[0]:
        return False
    for level, roman in ((1, False), (2, True)):
        outer, inner = _span(a[level], roman), _span(b[level], roman)
        if outer is None:
            continue
        if inner is None or not (outer[0] <= inner[0] and inner[1] <= outer[1]):
            return False
    return True


# ----------------------------------------------------------------------------- who


_ORG_HEAD = re.compile(
    r"(?:(?i:government|executive|council|services?|police|commission|office|department|committee|board|authority|"
    r"agency|england|wales|scotland|ireland|society|institution|nhs|college|brigade|inquiry|parliament|ministers?|regulator|"
    r"inspectorate|trust|health|care)|\b[A-Z]{2,}\)?|\([A-Z]{2,}\))$"
)


def split_bodies(phrase: str) -> tuple[str, ...]:
    """ "the UK Government, the Scottish Government and the Welsh Government" -> three bodies;
    "His Majesty's Inspectorate of Constabulary and Fire and Rescue Services (HMICFRS)" -> one."""
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,.;")
    pieces = [p for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", phrase) if p.strip()]
    bodies: list[str] = []
    for piece in pieces:
        piece = re.sub(r"^(?:the|both|all)\s+", "", piece.strip(), flags=re.I)
        if bodies and not _ORG_HEAD.search(bodies[-1].strip()):
            bodies[-1] = f"{bodies[-1]} and {piece}"  # "Fire" + "Rescue Services": one name
        else:
            bodies.append(piece)
    return tuple(b for b in bodies if b)


def body_key(name: str) -> str:
    """Comparable form of a body's name: lower case, no "the", no parenthesised acronym."""
    s = name.lower().replace("’", "'")
    s = re.sub(r"\([^)]*\)", "", s)
    s = re.sub(r"\b(?:the|his majesty's|her majesty's|hm)\b", "", s)
    return re.sub(r"\s+", " ", s).strip()


_GENERIC = {"government", "uk government", "we", "department", "", "this government"}


def _aliases(name: str) -> set[str]:
    """A body's comparable names: its name, and an acronym it gives in brackets ("... (HMICFRS)")."""
    out = {body_key(name)}
    out |= {m.lower() for m in re.findall(r"\(([A-Z][A-Za-z]{1,9})\)", name)}
    return {a for a in out if a}


def _acronym(s: str) -> str:
    return "".join(w[0] for w in s.split() if w not in {"of", "and", "for", "the", "on"})


def _abbreviates(short: str, long: str) -> bool:
    """ "ni executive" abbreviates "northern ireland executive" (a token may stand for the
    initials of several words)."""
    words, i = long.split(), 0
    for tok in short.split():
        if i < len(words) and tok == words[i]:
            i += 1
        elif 2 <= len(tok) <= 5 and "".join(w[0] for w in words[i : i + len(tok)]) == tok:
            i += len(tok)
        else:
            return False
    return i == len(words)


def same_body(a: str, b: str) -> bool:
    """Whether two names denote the same body ("HMICFRS" and "His Majesty's Inspectorate ...
    (HMICFRS)"; "National Fire Chiefs Council" and "NFCC"; "Northern Ireland" and "Northern
    Ireland Executive"); "the government" matches "UK Government"."""
    for ka in _aliases(a):
        for kb in _aliases(b):
            if ka == kb or ka in _GENERIC and kb in _GENERIC:
                return True
            if ka == _acronym(kb) or kb == _acronym(ka) or (len(ka) > 6 and ka in kb) or (len(kb) > 6 and kb in ka):
                return True
            if _abbreviates(ka, kb) or _abbreviates(kb, ka):
                return True
    return False


def _responder_matches(bodies: Sequence[str], responder: str) -> bool:
    if body_key(responder) in _GENERIC:  # "Government" is the document's voice, not the Welsh Government
        return any(body_key(b) in _GENERIC for b in bodies)
    wanted = (responder, *split_bodies(responder))
    return any(same_body(b, w) for b in bodies for w in wanted)


# ----------------------------------------------------------------------------- stance phrases

_OBJ = (
    r"(?:(?:this|that|these|those|the|each|both|all(?:\s+(?:of\s+)?the)?|its|their)\s+(?:\w+\s+){0,2}?"
    r"(?:sub[- ]?)?recommendations?(?:\s+(?:in|made|directed|relevant|aimed|set)\b[^.;]{0,60}?)?"
    r"|recommendations?\s+" + _NUM + r"(?:\s*(?:,|/|and|&)\s*" + _NUM + r")*"
    r"|the\s+principles?\s+(?:of|behind)\s+(?:this|the|these)\s+(?:\w+\s+)?recommendations?(?:\s+"
    + _NUM
    + r"(?:\s*(?:,|/|and|&)\s*"
    + _NUM
    + r")*)?"
    r"|them|it)"
)
_SUBJ_PASSIVE = (
    r"(?:this|these|the|that|both|all|each)\s+(?:(?:sub[- ]?)?recommendations?|sub-recommendations?)(?:\s+"
    + _NUM
    + r")?|recommendations?\s+"
    + _NUM
    + r"(?:\s*(?:,|/|and|&)\s*"
    + _NUM
    + r")*|(?:it|they)"
)

_ACCEPT_VERB = r"(?:accepts?|accepted|accepting|supports?|supported|supporting|endorses?|endorsed|agrees?\s+(?:with|to)|agreed\s+(?:with|to)|welcomes\s+and\s+accepts?)"
_NEG = r"(?:do(?:es)?\s+not|did\s+not|don't|doesn't|cannot|can\s*not|can't|will\s+not|won't|is\s+not\s+able\s+to|are\s+not\s+able\s+to|is\s+unable\s+to|are\s+unable\s+to|not)"

_ACTIVE = re.compile(
    rf"(?P<neg>\b{_NEG}\s+(?:\w+\s+)?)?\b(?P<verb>{_ACCEPT_VERB}|rejects?|rejected|notes?|noted|acknowledges?|disagrees?\s+with)\s+"
    rf"(?P<obj>{_OBJ})(?P<rest>[^.;]*)",
    re.I,
)
_PASSIVE = re.compile(
    rf"\b(?P<subj>{_SUBJ_PASSIVE})\s+(?:is|are|was|were|has\s+been|have\s+been|will\s+be)\s+(?P<neg>not\s+)?(?:being\s+)?(?:\w+ly\s+)?"
    rf"(?P<verb>accepted|supported|endorsed|agreed|rejected|noted|acknowledged)(?P<rest>[^.;]*)",
    re.I,
)
_STATUS = re.compile(
    r"^\s*(?:(?:government\s+)?(?:recommendation|response|status|position|decision|outcome)\s*(?:status)?\s*[:\-–]?\s*)?"
    r"(?P<phrase>accept(?:ed)?(?:\s+in\s+(?:full|principle|part))?|partially\s+accepted|accepted\s+in\s+part|agreed(?:\s+in\s+principle)?|"
    r"not\s+accepted|rejected|reject|noted|acknowledged|under\s+consideration|partially\s+agreed|agree(?:\s+in\s+principle)?|disagree(?:d)?|"
    r"not\s+for\s+(?:us|this\s+body|the\s+government))\s*\.?\s*$",
    re.I,
)
_NOT_FOR_US = re.compile(
    r"\b(?P<subj>this|these|that|this\s+recommendation|these\s+recommendations|the\s+recommendations?|this\s+action|this\s+issue|"
    r"implementation(?:\s+of\s+(?:this|these|the)\s+recommendations?)?|delivery(?:\s+of\s+(?:this|these|the)\s+recommendations?)?)\s+"
    r"(?:is|are|would\s+be|will\s+be|remains?)\s+(?:primarily\s+|ultimately\s+|therefore\s+|rightly\s+)?"
    r"(?:a\s+matter|matters|one|an\s+issue|the\s+responsibility|a\s+responsibility|for)\s*(?:for|of)?\s+(?P<who>[^.;,]{3,80})",
    re.I,
)
_NOT_FOR_US_2 = re.compile(
    r"\b(?:falls?|lies?|rests?)\s+(?:outside|beyond)\s+(?:the\s+|our\s+|its\s+)?(?:remit|responsibility|scope)\b", re.I
)
_CONSIDER = re.compile(
    r"\b(?:(?:will|shall|to)\s+(?:carefully\s+|further\s+|now\s+)?consider(?:ing)?\s+(?:this|these|the)\s+(?:\w+\s+)?(?:recommendations?|proposals?)"
    r"|(?:is|are)\s+(?:now\s+|currently\s+|still\s+|actively\s+|carefully\s+)*considering\s+(?:its|their|the|this|these|our)\s+(?:position|options|recommendations?|proposals?)"
    r"|(?:is|are|remains?)\s+under\s+(?:active\s+|careful\s+)?consideration"
    r"|(?:will|to)\s+(?:continue\s+to\s+)?be\s+(?:further\s+|carefully\s+)?considered"
    r"|will\s+be\s+considering\s+[^.;]{0,80}\b(?:this|which\s+will\s+include\s+this)\s+(?:issue|recommendation)"
    r"|(?:we|the\s+\w+(?:\s+\w+)?)\s+will\s+consider\s+(?:how|whether)\b"
    r"|(?:will|to)\s+give\s+(?:careful\s+|further\s+)?consideration\s+to\s+(?:this|these|the)\s+recommendations?"
    r"|(?:treat|take)\s+(?:your|the|this)\s+recommendation\s+(?:to\s+us\s+)?as\s+a\s+proposal)",
    re.I,
)
_AGREE_AIM = re.compile(
    r"\b(?:agrees?|agreed)\s+(?:with\s+(?:the\s+)?(?:need|importance|inquiry|inquiry's|review|chair|committee|principle|aim|ambition|intention|insights?|spirit)|that)\b"
    r"|\bsupports?\s+the\s+recommendation\s+that\b",
    re.I,
)
_QUALIFY = re.compile(
    r"\b(?:would|is|was|are|will)\s+not\s+be\s+(?:appropriate|necessary|practical|practicable|feasible|proportionate|helpful)\b"
    rf"|\b(?:do|does)\s+not\s+(?:support|accept|agree\s+with|believe\s+it\s+is\s+appropriate)\s+(?!{_OBJ}\b)(?:\w+ing\b|the\s+(?:creation|introduction|establishment|use)\b)",
    re.I,
)
_HYPOTHETICAL = re.compile(
    r"\b(?:if|whether|should\s+(?:parliament|the\s+\w+)|unless|to\s+the\s+extent\s+that|where\s+(?:a\s+)?recommendations?\s+(?:is|are)|"
    r"once|when|in\s+the\s+event)\b[^.;]{0,80}$|\b(?:decides?|minded)\s+(?:not\s+)?to\s*$",
    re.I,
)
_GENERIC_SUBJECT = re.compile(r"^(?:we|the\s+(?:uk\s+)?government|the\s+department|it|this\s+government|hm\s+government)$", re.I)


def _phrase_stance(verb: str, rest: str, negated: bool, head: str = "") -> str | None:
    verb = verb.lower()
    rest_l = (rest or "").lower()
    head_l = (head or "").lower()
    if verb.startswith(("reject", "disagree")):
        return ACCEPTED if negated else NOT_ACCEPTED
    if verb.startswith(("note", "acknowledg")):
        return None if negated else NOTED
    if negated:
        return NOT_ACCEPTED
    if re.search(r"\bin\s+principle\b|\bprinciples?\s+(?:of|behind)\b", rest_l + " " + head_l):
        return IN_PRINCIPLE
    if re.search(r"\bin\s+part\b|\bpartially\b|\bpartly\b|\bparts?\s+of\b|\bin\s+some\s+respects\b", rest_l + " " + head_l):
        return IN_PART
    if verb.startswith("agree") and "principle" in rest_l:
        return IN_PRINCIPLE
    return ACCEPTED


def _status_stance(phrase: str) -> str:
    p = re.sub(r"\s+", " ", phrase.lower())
    if "principle" in p:
        return IN_PRINCIPLE
    if "part" in p:
        return IN_PART
    if p.startswith(("not accepted", "reject", "disagree")):
        return NOT_ACCEPTED
    if p in ("noted", "acknowledged"):
        return NOTED
    if "consideration" in p:
        return CONSIDERING
    if p.startswith("not for"):
        return NOT_FOR_US
    return ACCEPTED


def _subject_before(sentence: str, at: int) -> str:
    """The noun phrase before a verb at ``at``: from the last clause boundary to the verb."""
    head = sentence[:at]
    cut = max(
        (m.end() for m in re.finditer(r"(?:[.;:]\s|,\s+(?:and|while|whereas|but)\s+|\bwhile\s|\bwhereas\s|\bbut\s)", head)),
        default=0,
    )
    subj = head[cut:].strip(" ,")
    subj = re.sub(
        r"\s+(?:has|have|had|also|therefore|now|fully|broadly|both|all|absolutely|formally|hereby|and)$", "", subj, flags=re.I
    )
    subj = re.sub(
        r"\s+(?:has|have|had|also|therefore|now|fully|broadly|both|all|absolutely|formally|hereby|and)$", "", subj, flags=re.I
    )
    return subj.strip()


def _bodies_from_subject(subj: str) -> tuple[str, ...]:
    subj = subj or ""
    if (
        re.match(
            r"(?i)^(?:with|as|for|given|following|since|on|after|before|while|in\s+(?:line|light|response|addition))\b", subj
        )
        and "," in subj
    ):
        subj = subj.rsplit(",", 1)[1].strip()  # "With patient safety at the forefront of our minds, we"
    place = re.match(r"^[Ii]n\s+((?:[A-Z][a-z]+\s*){1,3}),\s+", subj)
    if place:  # "In Northern Ireland, the Department of Health": the place names the administration too
        return (place.group(1).strip(), *_bodies_from_subject(subj[place.end() :]))
    if not subj or _GENERIC_SUBJECT.match(subj) or len(subj) > 160 or re.search(r"(?i)\b(?:we|i|us|our)$", subj):
        return ()
    if re.search(
        r"\b(?:are|is|was|were|will|shall|going|be|been|being|would|could|should|can|may|must|do|does|did|has|have|had|not)\b",
        subj,
    ):
        return ()  # a clause, not a name ("We are going to", "Decisions have not been taken on ... and proposals")
    if not re.match(r"^(?:the\s+)?[A-Z]", subj) and not subj.lower().startswith("his majesty"):
        return ()
    return split_bodies(subj)


def _bodies_after_by(rest: str) -> tuple[tuple[str, ...], str]:
    """ "... in full by the UK Government and the Welsh Government" -> the bodies, and the rest."""
    m = re.search(r"\bby\s+((?:the\s+)?[A-Z][^.;]*)", rest or "")
    if not m:
        return (), rest
    who = re.split(
        r"\s+(?:on\s+behalf|as\s+(?:part|set)|in\s+(?:full|principle|part)|and\s+(?:is|are|has|have|will)|with\s+the\s+exception)\b",
        m.group(1),
    )[0]
    return split_bodies(who), rest[: m.start()]


_VERBISH = re.compile(r"\b(?:accept|support|endorse|agree|reject|disagree|note|acknowledg|consider|matter)", re.I)


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """Split a sentence where a new stance clause starts (", and the Welsh Government ... accept
    this recommendation in principle"), not inside a list of bodies (", and the Northern Ireland
    Executive.")."""
    cuts = [0]
    marks = list(re.finditer(r",\s+(?:and|while|whereas|but)\s+|;\s+|\.\s+(?=[A-Z])", sentence))
    for k, m in enumerate(marks):
        nxt = marks[k + 1].start() if k + 1 < len(marks) else len(sentence)
        if _VERBISH.search(sentence, m.end(), nxt):
            cuts.append(m.end())
    cuts.append(len(sentence))
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]


def sentence_stances(sentence: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(stance, kind, bodies) for each stance a single sentence states; [] when it states none."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    s = re.sub(r"\s+", " ", sentence.replace("’", "'")).strip()
    if not s or s.endswith("?"):
        return out
    m = _STATUS.match(s)
    if m:
        return [(_status_stance(m.group("phrase")), STATUS, ())]
    for c0, c1 in _clauses(s):
        clause = s[c0:c1]
        found = None
        for rx in (_PASSIVE, _ACTIVE):
            for m in rx.finditer(clause):
                before = clause[: m.start()]
                if _HYPOTHETICAL.search(before):
                    continue
                if re.search(r"\bto\s+$", before) and not re.search(
                    r"\b(?:pleased|happy|content|able|willing|prepared|decided|agreed?|agrees)\s+to\s+$", before, re.I
                ):
                    continue  # "a reluctance to accept", "the decision to reject": not the speaker's stance
                negated = bool(m.group("neg")) and not re.search(r"\bnot\s+only\b", m.group("neg") or "", re.I)
                rest = m.group("rest") or ""
                if rx is _PASSIVE and re.search(r"(?i)\b(?:none|neither|no)\s+(?:of\s+)?(?:the\s+)?$", before):
                    negated = not negated  # "None of the recommendations ... were accepted"
                if rx is _PASSIVE:
                    if re.match(r"(?:it|they)$", m.group("subj"), re.I) and not (
                        re.match(r"\s*in\s+(?:full|principle|part)\b", rest)
                        or re.search(r"\brecommendation", s, re.I)
                        and re.match(r"\s*by\s+(?:the\s+)?[A-Z]", rest)
                    ):
                        continue  # "It was agreed that ...", "we hope it will be agreed": not about a recommendation
                    bodies, _ = _bodies_after_by(rest)
                    stance = _phrase_stance(m.group("verb"), rest, negated, before)
                else:
                    obj = m.group("obj").lower()
                    if re.match(r"(?:them|it)$", obj) and not re.search(r"\brecommendation", s, re.I):
                        continue  # "accept it" with nothing to say what "it" is
                    if re.search(
                        r"\brecommendations?\s+(?:of|from|made\s+by)\s+(?!the\s+inquiry|this\s+(?:report|inquiry))",
                        obj + rest[:30],
                        re.I,
                    ):
                        continue  # another body's recommendation ("notes the recommendation of the House of Lords")
                    subj = _subject_before(clause, m.start())
                    bodies = _bodies_from_subject(subj)
                    stance = _phrase_stance(m.group("verb"), obj + " " + rest, negated, before)
                if stance:
                    found = (stance, STATED, bodies)
                    break
            if found:
                break
        if found is None:
            nf = _NOT_FOR_US.search(clause)
            if nf and not _HYPOTHETICAL.search(clause[: nf.start()]) and re.search(r"[A-Z]", nf.group("who")):
                found = (NOT_FOR_US, STATED, ())
            elif _NOT_FOR_US_2.search(clause):
                found = (NOT_FOR_US, STATED, ())
        if found is None:
            cm = _CONSIDER.search(clause)
            if cm and not _HYPOTHETICAL.search(clause[: cm.start()]):
                subj = _subject_before(clause, cm.start())
                found = (CONSIDERING, WEAK, _bodies_from_subject(subj))
        if found is None:
            if (qm := _QUALIFY.search(clause)) and not _HYPOTHETICAL.search(clause[: qm.start()]):
                found = (IN_PART, WEAK, ())
            elif (am := _AGREE_AIM.search(clause)) and not re.search(rf"\b{_NEG}\s+(?:\w+\s+)?$", clause[: am.start()], re.I):
                subj = _subject_before(clause, am.start())
                speaker_ok = _GENERIC_SUBJECT.match(subj) and subj.lower() != "it"
                if subj and (speaker_ok or _bodies_from_subject(subj)):  # "We agree that", "The Scottish Government agrees that"
                    found = (ACCEPTED, WEAK, _bodies_from_subject(subj))
        if found:
            out.append(found)
    return out


# ----------------------------------------------------------------------------- a response's stances


_HEADING = re.compile(
    r"^((?:[A-Z][\w'’\-]*\s+){0,4}(?:Government|Executive|Administration|Assembly|Council|Office|Department|Committee|Board|"
    r"Authority|Agency|Service|Services|Commission|Inspectorate|Police))"
    r"(?:\s*[.:]?\s*$|\s+(?=(?:The|This|These|In|We|Our|It|As|A|An|NHS|[A-Z][a-z]+\s+(?:is|are|has|have|will|was|were)\b)))"
)


# An office holder speaks for the body whose heading the sentence sits under.
_OFFICE = re.compile(r"\b(?:Minister|Secretary|Chief Executive|Chair|Chairman|Commissioner)s?\b")


def find_stances(text: str) -> list[Stance]:
    """Every stance stated in ``text`` (a response), in order, each with its sentence's offsets.

    A heading that names a body ("Scottish Government", on its own or run into the next sentence)
    makes that body the speaker of the stances that follow without naming anyone."""
    out: list[Stance] = []
    speaker: str | None = None
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if len(sentence) > 1200:
            continue
        head = _HEADING.match(sentence)
        if head and len(head.group(1).split()) <= 5:
            speaker = head.group(1).strip()
        elif _REC_START.match(sentence) or re.match(r"^\s*recommendations?\s+\d", sentence, re.I):
            speaker = None  # a new recommendation: its stance sentence names its own bodies
        nums = numbers_named(sentence)
        for stance, kind, bodies in sentence_stances(sentence):
            if speaker and kind != STATUS and (not bodies or all(_OFFICE.search(b) for b in bodies)):
                bodies = (speaker,)  # "The First Minister will consider ..." under "Welsh Government" speaks for it
            out.append(Stance(stance, start, end, sentence, kind, bodies, nums))
    return out


_RANK = {STATUS: 0, TABLE: 1, STATED: 1, WEAK: 2}


def _weak_verdict(candidates: list[Stance]) -> Stance | None:
    """From weak evidence only: agreement + a declined part -> in part; else the first."""
    agree = [s for s in candidates if s.stance == ACCEPTED]
    part = [s for s in candidates if s.stance == IN_PART]
    if part:
        return part[0]
    if agree:
        return agree[0]
    return candidates[0] if candidates else None


def classify(text: str, *, responder: str | None = None, number: str | None = None) -> Stance | None:
    """The stance ``text`` (one response) states on recommendation ``number`` for ``responder``,
    with the sentence that states it; None when it states none.

    A sentence that names recommendation numbers counts only for the numbers it names; one that
    names bodies ("accepted in principle by the Scottish Government") only for those bodies. A
    sentence naming no body speaks for the responder (its author)."""
    found = find_stances(text)
    if number:
        found = [s for s in found if not s.numbers or any(covers(n, number) for n in s.numbers)]
    if responder:
        named = [s for s in found if s.bodies and _responder_matches(s.bodies, responder)]
        unnamed = [s for s in found if not s.bodies or all(body_key(b) in _GENERIC for b in s.bodies)]
        if named:
            found = named + [s for s in unnamed if s.kind == STATUS]
        elif body_key(responder) in _GENERIC or not any(s.bodies for s in found if s not in unnamed):
            found = unnamed  # the responder is the text's one voice
        else:
            found = [s for s in unnamed if s.kind == STATUS]  # other bodies speak here; nothing names this one
    if not found:
        return None
    best_rank = min(_RANK[s.kind] for s in found)
    best = [s for s in found if _RANK[s.kind] == best_rank]
    if best_rank == _RANK[WEAK]:
        return _weak_verdict(best)
    return best[0]


# ----------------------------------------------------------------------------- summary tables


@dataclass(frozen=True)
class TableStance:
    number: str  # recommendation number as the table prints it, canonical ("4a i", "12 a-c")
    body: str | None  # the column or qualifier's body; None when the table names none
    stance: str
    start: int  # the row (or list entry) in the text it was read from
    end: int
    source: str  # "list" (grouped list) or "columns" (one column per body)


_GROUP_HEAD = re.compile(
    r"\b(?P<phrase>(?:not\s+|partially\s+)?(?:accept(?:ed|ing)|reject(?:ed|ing)|agree(?:d)?|noted)(?:\s+in\s+(?:full|principle|part))?)"
    r"\s*:?\s+(?=recommendations?\s+\d|none\b)",
    re.I,
)
_LIST_ITEM = re.compile(r"recommendations?\s+(?P<num>" + _NUM + r")\s*(?:\((?P<note>[^()]{0,160})\))?", re.I)
_LIST_GAP = re.compile(r"(?:\s|approach\s+taken|recommendations?(?!\s+\d)|\b\d{1,3}\b(?!\s*[a-z]?\)))*", re.I)


_EXCEPTION = re.compile(
    r"^\s*(?P<phrase>accepted(?:\s+in\s+(?:full|principle|part))?|not\s+accepted|rejected|noted)\s+by\s+(?P<who>[^()]+?)\s*$",
    re.I,
)


def summary_list_stances(text: str) -> list[TableStance]:
    """A summary that groups recommendations under a stance heading, each entry possibly with an
    exception for some bodies: "Accepting in full Recommendation 1 Recommendation 4c) i)
    (accepted in principle by Scottish Government and NI Executive) ... Accepting in principle
    Recommendation 5 ... Not accepting None". Works on text whose lines were joined, too."""
    out: list[TableStance] = []
    for head in _GROUP_HEAD.finditer(text):
        stance = _status_stance(re.sub(r"(?i)(accept|reject)ing\b", r"\1ed", head.group("phrase")))
        pos = head.end()
        while True:
            gap = _LIST_GAP.match(text, pos)
            at = gap.end() if gap else pos
            item = _LIST_ITEM.match(text, at)
            if not item or _GROUP_HEAD.match(text, at):
                break
            num = _canon_number(item.group("num"))
            out.append(TableStance(num, None, stance, item.start(), item.end(), "list"))
            exc = _EXCEPTION.match(item.group("note") or "")
            if exc:  # "(accepted in principle by Scottish Government and NI Executive)"
                for body in split_bodies(exc.group("who")):
                    out.append(TableStance(num, body, _status_stance(exc.group("phrase")), item.start(), item.end(), "list"))
            pos = item.end()
    return out


_LEGEND = re.compile(r"(?P<code>[A-Z](?:/[A-Z])?)\s*=\s*(?P<meaning>[^;.\n]+)")


def _legend(text: str) -> dict[str, str | None]:
    codes: dict[str, str | None] = {}
    for m in _LEGEND.finditer(text):
        meaning = m.group("meaning").strip().lower()
        if "different" in meaning or "/" in m.group("code"):
            codes[m.group("code")] = None  # mixed: no single stance
            continue
        st = (
            sentence_stances(f"The government {meaning} this recommendation.")
            if meaning.startswith(("accept", "reject", "note"))
            else []
        )
        if st:
            codes[m.group("code")] = st[0][0]
        elif "principle" in meaning:
            codes[m.group("code")] = IN_PRINCIPLE
        elif re.search(r"\bfull\b|\baccept", meaning):
            codes[m.group("code")] = ACCEPTED
        elif re.search(r"\breject|\bnot accept", meaning):
            codes[m.group("code")] = NOT_ACCEPTED
    return codes


_HEADER_WORD = re.compile(
    r"(?i)^(?:government|executive|council|ireland|northern|scottish|welsh|uk|england|wales|scotland|authority|board|"
    r"police|service|services|nhs|department|ministry|office|commission|administration|assembly)$"
)


def column_table_stances(layout_pages: Sequence[str]) -> list[TableStance]:
    """A table with one column per body and a cell code per recommendation ("4c (i-ii) ...  F  P
    F  P"), read from text that keeps the page layout (pypdf ``extraction_mode="layout"``): the
    columns come from the header's positions (a header may run over several lines: "Northern" /
    "Ireland" / "Executive"), the codes from the table's legend ("F = accepts in full; P = accepts
    in principle"). Blank cells (a body the row does not concern) and mixed codes give nothing; a
    table that runs onto the next page keeps its columns."""
    legend = _legend("\n".join(layout_pages))
    if not any(legend.values()):
        return []
    cell_re = re.compile(r"(?<!\S)(" + "|".join(re.escape(c) for c in sorted(legend, key=len, reverse=True)) + r")(?!\S)")
    row_re = re.compile(r"^\s*(?P<num>\d{1,3}[a-z]?(?:\s*-\s*[a-z])?(?:\s*\((?:[ivx]+(?:\s*-\s*[ivx]+)?)\))?)\s+\S")
    out: list[TableStance] = []
    columns: list[list] = []  # [x, name] per body column
    offset = 0
    for page in layout_pages:
        pos = offset
        in_header = False
        for line in page.split("\n"):
            line_start = pos
            pos += len(line) + 1
            groups = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]
            has_cells = bool(cell_re.search(line))
            named = [g for _, g in groups[1:] if all(_HEADER_WORD.match(w) for w in g.split())]
            if in_header and not has_cells and groups and all(x > columns[0][0] - 10 for x, _ in groups):
                for x, g in groups:  # the header's next line: "Government", "Ireland", "Executive"
                    k = min(range(len(columns)), key=lambda j: abs(columns[j][0] - x))
                    columns[k][1] = f"{columns[k][1]} {g}"
                continue
            if not has_cells and len(groups) >= 3 and len(named) >= 2 and len(named) >= len(groups) - 2:
                columns = [[x, g] for x, g in groups[1:]]
                in_header = True
                continue
            in_header = False
            row = row_re.match(line)
            if not (columns and row and has_cells):
                continue
            label = _canon_number(row.group("num"))
            for m in cell_re.finditer(line):
                if m.start() < columns[0][0] - 10:
                    continue  # a code-like word in the row's own text
                k = min(range(len(columns)), key=lambda j: abs(columns[j][0] - m.start()))
                stance = legend.get(m.group(1))
                if stance:
                    out.append(TableStance(label, _clean_col(columns[k][1]), stance, line_start, pos - 1, "columns"))
        offset = pos
    return out


def _clean_col(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()
