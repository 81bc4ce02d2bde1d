"""Structure helpers: response markers, who responds, and who a recommendation addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from inquire.indexer.structure.units import Unit

from inquire.recnum import label

# --------------------------------------------------------------------------- names of bodies

_STOP = {
    "The",
    "This",
    "These",
    "That",
    "It",
    "We",
    "In",
    "On",
    "As",
    "Our",
    "Parts",
    "Part",
    "Where",
    "Since",
    "Work",
    "While",
    "Whilst",
    "Following",
    "However",
    "Further",
    "Recommendation",
    "Recommendations",
    "All",
    "Each",
    "Any",
    "Both",
    "Next",
    "With",
    "For",
    "To",
    "Its",
    "Their",
    "They",
    "There",
    "Here",
    "When",
    "If",
    "Once",
    "Given",
    "See",
    "Response",
    "Government’s",
    "Government's",
}
_CONNECT = {"of", "for", "and", "the", "&", "on", "in", "to"}
_GOVISH = re.compile(r"^(?:the\s+)?(?:uk\s+|hm\s+|his majesty’s\s+|his majesty's\s+)?governments?$", re.I)


def _cap(tok: str) -> bool:
    return bool(re.match(r"^(?:[A-Z]|[(“‘\"][A-Z])[\w’'&().-]*$", tok)) or bool(re.match(r"^[A-Z]{2,}", tok))


def bodies_phrase(text: str) -> str | None:
    """Leading run of capitalised body names in ``text`` ("the UK Government, the Welsh
    Government and the Northern Ireland Executive ..." -> that list), or None."""
    out: list[str] = []
    for tok in re.findall(r"[^\s,]+|,", text):
        if tok == ",":
            if not out:
                break
            out.append(",")
            continue
        word = tok.rstrip(".;:")
        low = word.lower()
        if low in _CONNECT:
            out.append(word)
        elif low in ("government", "governments"):
            out.append(word.capitalize())
        elif _cap(word):
            if word in _STOP:
                if out or word != "The":
                    break
            out.append(word)
        else:
            break
        if word != tok:  # sentence punctuation ends the phrase
            break
    while out and (out[-1].lower() in _CONNECT or out[-1] == ","):
        out.pop()
    if out and out[0] in ("The", "the"):
        out.pop(0)
    if not out or not any(_cap(w) for w in out):
        return None
    return clean_name(" ".join(out).replace(" ,", ","))


def clean_name(name: str) -> str:
    name = re.sub(r"\s*\((?:[“\"‘']?the [^)]{0,40}|[A-Z][A-Za-z]{1,10})\)", "", name)
    name = re.sub(r"(^|,\s*|\sand\s)the\s+", r"\1", name, flags=re.I)
    name = re.sub(r"\s+", " ", name).strip(" ,.;:")
    if _GOVISH.match(name):
        words = name.split()
        name = " ".join(w if w.isupper() else w.capitalize() for w in words)
    return name[:1].upper() + name[1:] if name else name


def is_government(name: str | None) -> bool:
    return bool(name and _GOVISH.match(name))


def same_body(a: str | None, b: str | None) -> bool:
    return a == b or (is_government(a) and is_government(b))


# --------------------------------------------------------------------------- document default

_DEPARTMENT = re.compile(
    r"\b(Home Office|Cabinet Office|HM Treasury|Foreign,? Commonwealth (?:and|&) Development Office|"
    r"Ministry of (?:Justice|Defence|Housing,? Communities (?:and|&) Local Government)|"
    r"Department (?:of|for) [A-Z][A-Za-z]+(?:,? +(?:(?:and|&) +)?[A-Z][A-Za-z]+){0,4})"
)
_GOV_RESPONSE = re.compile(r"\b((?:UK|HM|Scottish|Welsh)\s+)?Government\s+[Rr]esponse\b")


def document_responder(text: str) -> str | None:
    """Who answers a bare "Response:" in this document: the department named on the cover,
    else "Government" / "UK Government" when the cover says "Government Response"."""
    cover = text[:900]
    for m in _DEPARTMENT.finditer(cover):
        # "Presented by the Minister for the Cabinet Office" names a minister, not the author
        if re.search(
            r"(?:Minister|Secretary of State|Chancellor)\s+(?:for|of)\s+(?:the\s+)?$", cover[max(0, m.start() - 40) : m.start()]
        ):
            continue
        return re.sub(r"\s*&\s*", " and ", m.group(1))
    gov = _GOV_RESPONSE.search(cover)
    if gov:
        return ((gov.group(1) or "").strip() + " Government").strip()
    return None


# --------------------------------------------------------------------------- markers

_RESPONSE_FROM = re.compile(r"^Response\s+(?:from|by)\s+(?P<who>.{2,90}?)\s*:?\s*$")
_RESPONSE_HEAD = re.compile(
    r"^(?:(?P<who>[A-Z][\w’'&.]*(?:\s+(?:[A-Z][\w’'&.]*|of|for|and|the|&)){0,5}?)[’']?s?\s+)?[Rr]esponse"
    r"(?:\s+to\s+(?:the\s+)?recommendations?\s+(?P<num>[\w().-]+))?\s*(?::\s*(?P<rest>.*)|$)"
)
_VERBS = r"(?:accepts?|supports?|agrees?(?:\s+with)?|rejects?|welcomes?|notes?)"
_OBJ = (
    r"(?:(?:this|these|all(?:\s+of)?\s+the|both)\s+recommendations?"
    r"|the\s+recommendations?(?!\s+(?:of|that|to|from|by|for|in\s+the|made\s+by)\b))"
)
_PASSIVE = re.compile(
    r"(?:This|These)\s+recommendations?\s+(?:is|are|has\s+been|have\s+been)\s+(?:being\s+)?"
    r"(?:accepted|supported|rejected|not\s+accepted|agreed|noted)\b"
    r"|(?:They|It)\s+(?:is|are|has\s+been|have\s+been)\s+(?:accepted|supported|rejected|not\s+accepted)"
    r"\s+in\s+(?:full|principle|part)\b"
)
_LABELLED = re.compile(
    r"Recommendations?\s+(?P<num>\d{1,3})\s*\)?\s*(?P<let>[a-z](?:\s*\)?\s*-\s*[a-z])?)\s*\)?\s+"
    r"(?:is|are)\s+(?:accepted|supported|rejected|noted)\b"
)
_ACTIVE = re.compile(rf"\s{_VERBS}\s+{_OBJ}\b")


@dataclass(frozen=True)
class Marker:
    pos: int
    responder: str | None
    label: str | None = None  # recommendation number the marker itself names
    kind: str = "statement"  # "heading" | "status" (a line "Recommendation accepted") | "statement" | "implicit"


# A status line printed between a quoted recommendation and the reply: "Recommendation accepted",
# "Accepted in principle", "Status: not accepted", "Government response: Agreed".
_STATUS_LINE = re.compile(
    r"^(?:(?:(?:the\s+)?recommendation|(?:government\s+)?response|status|decision)\s*(?:is\s+)?[:\-–—]?\s*)?"
    r"(?:(?:partially|partly|fully|broadly)\s+)?"
    r"(?:accepted|rejected|not\s+accepted|agreed|not\s+agreed|supported|acknowledged|noted|under\s+consideration)"
    r"(?:\s+in\s+(?:full|principle|part))?\s*\.?$",
    re.I,
)


def status_line(text: str) -> bool:
    """``text`` is a line of its own saying only what became of a recommendation."""
    return len(text) <= 60 and bool(_STATUS_LINE.match(text.strip()))


def heading_marker(u: Unit, default: str | None) -> Marker | None:
    """A response heading line: "Response from X", "Response:", "Government response to ...", or a
    status line ("Recommendation accepted") that opens the reply."""
    t = u.text
    if status_line(t):
        return Marker(u.start, default, kind="status")
    m = _RESPONSE_FROM.match(t)
    if m and len(t) <= 100:
        return Marker(u.start, clean_name(m.group("who")), kind="heading")
    m = _RESPONSE_HEAD.match(t)
    if m and (m.group("rest") is not None or (len(t) <= 90 and not t.endswith("."))):
        who = m.group("who")
        if who and who.lower() in ("the", "a", "our", "formal", "initial", "full", "interim", "final"):
            who = None
        if who and (is_government(who) or who.lower() == "government"):
            who = default or clean_name(who)
        elif who:
            who = clean_name(who)
        else:
            who = default
        return Marker(u.start, who, kind="heading")
    return None


def _sentence_start(text: str, pos: int, lo: int) -> bool:
    if pos <= lo:
        return True
    before = text[max(lo, pos - 3) : pos]
    return bool(re.search(r"(?:^|[.!?)”’\"])\s+$", before)) or text[pos - 1] == "\n"


def statement_markers(text: str, lo: int, hi: int, default: str | None) -> list[Marker]:
    """Acceptance statements that begin a response inside ``text[lo:hi]``."""
    out: list[Marker] = []
    seg = text[lo:hi]
    for m in _PASSIVE.finditer(seg):
        pos = lo + m.start()
        sentence = _sentence(text, pos, hi)
        who = None
        by = re.search(r"\bby\s+(?:the\s+)?(.+)", sentence[m.end() - m.start() :])
        if by:
            who = bodies_phrase(by.group(1))
        if not who:
            who = _lookahead_subject(text, pos, min(hi, pos + 400)) or default
        out.append(Marker(pos, who))
    for m in _LABELLED.finditer(seg):
        pos = lo + m.start()
        sentence = _sentence(text, pos, hi)
        by = re.search(r"\bby\s+(?:the\s+)?(.+)", sentence)
        who = bodies_phrase(by.group(1)) if by else default
        let = re.sub(r"[\s)]", "", m.group("let"))
        out.append(Marker(pos, who, label=label(m.group("num"), let)))
    for m in _ACTIVE.finditer(seg):
        verb_pos = lo + m.start()
        start = _subject_start(text, verb_pos, lo)
        if start is None:
            continue
        subj = text[start:verb_pos]
        who = bodies_phrase(subj) if subj.strip() else None
        if not who:
            continue
        if any(abs(start - o.pos) < 5 for o in out):
            continue
        out.append(Marker(start, _active_subjects(text[start : min(hi, start + 400)]) or who))
    out.sort(key=lambda mk: mk.pos)
    dedup: list[Marker] = []
    for mk in out:
        if dedup and mk.pos - dedup[-1].pos < 300 and _same_sentence(text, dedup[-1].pos, mk.pos):
            continue
        dedup.append(mk)
    return dedup


def _lookahead_subject(text: str, pos: int, hi: int) -> str | None:
    """Bodies named as subject of an acceptance sentence shortly after ``pos``."""
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z])", text[pos:hi]):
        who = _active_subjects(text[pos + m.end() : hi])
        if who:
            return who
    return None


def _same_sentence(text: str, a: int, b: int) -> bool:
    return not re.search(r"[.!?]\s", text[a:b])


def _sentence(text: str, pos: int, hi: int) -> str:
    m = re.search(r"[.!?](?:\s|$)", text[pos:hi])
    return text[pos : pos + m.start()] if m else text[pos:hi]


def _subject_start(text: str, verb_pos: int, lo: int) -> int | None:
    """Start of the sentence whose subject (at most 25 words, naming a body) ends at ``verb_pos``."""
    window_lo = max(lo, verb_pos - 220)
    chunk = text[window_lo:verb_pos]
    cands = [window_lo + m.end() for m in re.finditer(r"[.!?][)”’\"]*\s+|\)\s+|\n", chunk)]
    if window_lo == lo:
        cands.insert(0, lo)
    for start in reversed(cands):
        while start < verb_pos and text[start].isspace():
            start += 1
        subj = text[start:verb_pos]
        if len(subj.split()) > 25:
            return None
        if subj.strip() and bodies_phrase(subj) and _sentence_start(text, start, lo):
            return start
    return None


def _active_subjects(sentence_text: str) -> str | None:
    """All "<bodies> accept(s) ..." clauses of the first sentence, joined."""
    sent = _sentence(sentence_text, 0, len(sentence_text))
    names: list[str] = []
    for m in re.finditer(rf"(?:^|,\s*and\s+|;\s*)(?P<subj>(?:the\s+|The\s+)?[A-Z][^;]*?)\s{_VERBS}\s+{_OBJ}", sent):
        who = bodies_phrase(m.group("subj"))
        if who and who not in names:
            names.append(who)
    if not names:
        return None
    flat: list[str] = []
    for n in names:
        flat.extend(p.strip() for p in re.split(r",\s*|\s+and\s+(?=[A-Z])", n) if p.strip())
    if len(names) == 1:
        return names[0]
    return ", ".join(flat[:-1]) + " and " + flat[-1]


_IMPLICIT = re.compile(
    r"^(?:The\s+)?(?:(?:UK|HM|Scottish|Welsh)\s+)?[Gg]overnments?\s+(?:also\s+)?"
    r"(?:agrees?|accepts?|welcomes?|recognises?|supports?|notes?|rejects?|acknowledges?)\b"
    r"|^We\s+(?:agree|accept|welcome|support|recognise)\b"
)
_DIRECTIVE = re.compile(r"\b(?:should|must|recommends?|recommended|ought\s+to)\b", re.I)


def implicit_start(units: list[Unit], default: str | None, allow_fallback: bool) -> Marker | None:
    """Where an unlabelled response starts inside a recommendation's units (first unit is the
    recommendation heading or text)."""
    for u in units[1:]:
        m = _IMPLICIT.match(u.text)
        if m:
            subj = re.match(r"^(?:The\s+)?((?:(?:UK|HM|Scottish|Welsh)\s+)?[Gg]overnments?)", u.text)
            who = clean_name(subj.group(1)) if subj else default
            return Marker(u.start, who, kind="implicit")
    if not allow_fallback:
        return None
    body_seen = bool(_DIRECTIVE.search(units[0].text))  # "8.4. We recommend ...": the item is the text
    for k, u in enumerate(units[1:], 1):
        prev = units[k - 1].text
        bullet = bool(re.match(r"^(?:[•●▪■◦\-–]|\(?[a-z]\)|[A-Z]\.)\s", u.text))
        if _DIRECTIVE.search(u.text) or bullet:
            body_seen = True
            continue
        if body_seen and not prev.endswith(":") and len(u.text) > 60:
            return Marker(u.start, default, kind="implicit")
    return None


def has_implicit_style(units: list[Unit]) -> bool:
    return any(_IMPLICIT.match(u.text) for u in units[1:])


# --------------------------------------------------------------------------- addressee

_PREPOSITIONS = {"during", "as", "in", "following", "within", "by", "when", "through", "after", "before", "with", "for", "over"}
_RECOMMENDS = re.compile(r"\brecommends?\s+(?:that\s+)?", re.I)
_SUBJ_SHOULD = re.compile(r"^(?:(?:The|All|Every)\s+)?(?P<who>[^.;:]{2,90}?)\s+should\b")
_THAT = re.compile(r"^That\s+(?:the\s+)?(?P<rest>.+)")


def addressee(text: str) -> str | None:
    """Who a recommendation is addressed to, when its wording says so."""
    lines = text.strip().split("\n")
    if len(lines) > 1 and len(lines[0]) <= 150 and not re.search(r"[.;]$", lines[0].strip()):
        text = "\n".join(lines[1:])  # a heading line of its own says nothing about the addressee
    body = re.sub(r"^(?:\d+[.)]\s+)?Recommendation\s+\d{1,3}[a-z]?\b\s*[:.\-–]?\s*", "", text.strip(), count=1)
    body = re.sub(r"^(?:Recommendation\s*:|\d{1,3}[a-z]?(?:\)\s*[ivx]+)?[.)])\s*", "", body)
    m = _RECOMMENDS.search(body[:600])
    if m:
        rest = body[m.end() : m.end() + 300]
        gov = re.match(r"(?:the\s+)?((?:UK\s+)?[Gg]overnments?)\b", rest)
        if gov:
            return clean_name(gov.group(1))
        words = rest.split()
        lead_ok = not words or words[0].lower() in _PREPOSITIONS or words[0].lower() == "the" or _cap(words[0])
        for k in range(min(7, len(words))):
            if not lead_ok:
                break
            if _cap(words[k]) and words[k] not in _STOP:
                who = bodies_phrase(" ".join(words[k : k + 20]))
                after = " ".join(words[k:]).replace(who or "", "", 1).split()
                if who and (not after or re.match(r"^[a-z]+$", after[0])):
                    return who
                return None
            if words[k].endswith((",", ".", ";")):
                break
        return None
    first = re.split(r"(?<=[.:;])\s", body, maxsplit=1)[0]
    m = _SUBJ_SHOULD.match(first)
    if m:
        who = re.split(r",\s+(?:working|acting|together|in|with)\b", m.group("who"))[0].strip(" ,")
        if re.match(r"^(?:UK\s+)?[Gg]overnments?\b", who):
            return clean_name(who) if len(who.split()) <= 3 else who[:1].upper() + who[1:]
        phrase = bodies_phrase(who) if _cap(who.split()[0]) else None
        head = who.split(",")[0].split()
        if phrase and len(phrase.split()) >= 0.6 * len(head):
            return phrase
        return None
    m = _THAT.match(first)
    if m:
        rest = m.group("rest")
        gov = re.match(r"((?:UK\s+)?[Gg]overnment)\b", rest)
        if gov:
            return "Government"
        if _cap(rest.split()[0]):
            who = bodies_phrase(rest)
            if who and not re.match(rf"^{re.escape(who)}\s+be\b", rest):
                return who
    return None
