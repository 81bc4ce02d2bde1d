"""Small text utilities shared by the chunker and the answer builder."""

from __future__ import annotations

import functools
import re

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and
# an upper-case letter, digit, opening quote or bullet; a line break before a bullet or after a
# line without final punctuation (a heading) also ends one.
_SENT_END = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+(?=[A-Z0-9“\"‘(•\-–])")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|no|para|paras|cf|Dr|Mr|Mrs|Ms|St|Rt|Hon|Cllr|approx)\.|\b[A-Z]\.)$", re.I)
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def paragraph_spans(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Spans of paragraphs (separated by blank lines), whitespace-trimmed, offsets + ``base``."""
    spans = []
    for m in re.finditer(r"\S(?:.*?\S)?(?=\n[ \t]*\n|\s*\Z)", text, flags=re.S):
        spans.append((base + m.start(), base + m.end()))
    return spans


def _split_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a paragraph at line breaks that begin bullets or follow heading-like lines."""
    pieces: list[tuple[int, int]] = []
    cur = start
    for m in re.finditer(r"\n", text[start:end]):
        nl = start + m.start()
        before = text[cur:nl].rstrip()
        after = text[nl + 1 : end].lstrip()
        if not before:
            continue
        bullet_next = bool(re.match(r"[•\-–*]\s|\(?[a-z0-9]{1,3}[.)]\s", after))
        unpunctuated = not re.search(r"[.!?:;,]\W*$", before)
        if bullet_next or (unpunctuated and len(before) < 120) or re.match(r"\s*[•\-–*]\s", text[cur:nl]):
            pieces.append((cur, nl))
            cur = nl + 1
    pieces.append((cur, end))
    out = []
    for s, e in pieces:
        seg = text[s:e]
        ls = len(seg) - len(seg.lstrip())
        rs = len(seg.rstrip())
        if rs > ls:
            out.append((s + ls, s + rs))
    return out


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, as absolute offsets into ``text``, trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for ps, pe in paragraph_spans(text[start:end], start):
        for ls, le in _split_lines(text, ps, pe):
            cur = ls
            for m in _SENT_END.finditer(text, ls, le):
                if _ABBREV.search(text[max(cur, m.start() - 12) : m.start()]):
                    continue
                spans.append((cur, m.start()))
                cur = m.end()
            if cur < le:
                spans.append((cur, le))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def normalise_rec(number: str) -> str:
    """Canonical form for comparing recommendation numbers: "12 d-e" -> "12d-e", "4A)" -> "4a",
    "10a(ii)" -> "10aii"."""
    return re.sub(r"[\s()]+", "", number.lower())


_ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
                 "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15}
_ROMANS = {v: k for k, v in _ROMAN_VALUES.items()}


def _atoms(number: str) -> list[str]:
    """A normalised number and, when it is a range, each number inside it: "12d-e" -> 12d-e, 12d,
    12e; "10aii-iii" -> 10aii-iii, 10aii, 10aiii."""
    m = re.fullmatch(r"(\d+)([a-z])-([a-z])", number)
    if m and m.group(2) < m.group(3):
        return [number] + [m.group(1) + chr(c) for c in range(ord(m.group(2)), ord(m.group(3)) + 1)]
    m = re.fullmatch(r"(\d+[a-z]?)([ivx]+)-([ivx]+)", number)
    if m and m.group(2) in _ROMAN_VALUES and m.group(3) in _ROMAN_VALUES:
        lo, hi = _ROMAN_VALUES[m.group(2)], _ROMAN_VALUES[m.group(3)]
        return [number] + [m.group(1) + _ROMANS[v] for v in range(lo, hi + 1)]
    return [number]


def _is_part(n: str, w: str) -> bool:
    """``n`` is ``w`` or a sub-part of it (both single numbers, normalised)."""
    if n == w:
        return True
    if not w or not n.startswith(w):
        return False
    nxt = n[len(w)]
    if w[-1].isdigit():
        return not nxt.isdigit()  # 12 -> 12a, 12d-e; never 12 -> 123
    if re.search(r"\d[a-z]$", w):
        return True  # 4a -> 4aiv, 4a-b
    return not nxt.isalpha()  # 10ai -> 10ai-iii; never 10ai -> 10aii


@functools.lru_cache(maxsize=65536)  # search checks every recommendation chunk against the query's numbers
def rec_matches(number: str, wanted: str) -> bool:
    """``number`` is recommendation ``wanted`` or one of its sub-parts ("4a iv" matches "4a" and "4";
    "10a ii" does not match "10a i"). Ranges stand for each number in them: "12d" matches "12 d-e",
    and "10a iii" matches "10a ii-iii"."""
    n, w = normalise_rec(number), normalise_rec(wanted)
    return any(_is_part(a, b) for a in _atoms(n) for b in _atoms(w))


# A recommendation number as printed: "9", "9e", "12 d-e", "12d-e", "4(a)", "4a(iv)", "4a) iv",
# "10a(ii)", "4c(i-iii)". One pattern for query understanding and for passages that name one.
_SUB = r"(?:\)?\s?\(?[a-z]\)?(?![a-z])(?:\s?[-–]\s?\(?[a-z]\)?(?![a-z]))?)?"
_ROMAN = r"(?:\s?\(?[ivx]{1,4}\)?(?![a-z])(?:\s?[-–]\s?\(?[ivx]{1,4}\)?(?![a-z]))?)?"
REC_NUMBER = rf"\d{{1,3}}(?!\d){_SUB}{_ROMAN}"
_MENTION = re.compile(rf"\brecommendations?\s+({REC_NUMBER}(?:\s*(?:,|and|&|or)\s*{REC_NUMBER})*)", re.I)
MAX_MENTIONS = 6  # a passage naming more is a list (a table, a contents page), not a discussion


def mentioned_recs(text: str) -> tuple[str, ...]:
    """Recommendation numbers a passage names in words, normalised, in order of first mention."""
    found: list[str] = []
    for m in _MENTION.finditer(text):
        for part in re.findall(REC_NUMBER, m.group(1), flags=re.I):
            num = normalise_rec(part)
            if num and num not in found:
                found.append(num)
    return tuple(found) if len(found) <= MAX_MENTIONS else ()
