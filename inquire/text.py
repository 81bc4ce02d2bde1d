"""Small text utilities shared by the chunker and the answer builder: words, paragraphs, sentences.

Recommendation numbers are in :mod:`inquire.recnum`.
"""

from __future__ import annotations

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
