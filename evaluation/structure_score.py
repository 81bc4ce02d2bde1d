"""Score a document's structure (recommendations, responses, responders, links) against a golden file.

The golden files are ``tests/golden/structure/<document stem>.json``. Their original fields
(``recommendations``, ``responders``, ``thresholds``) are read exactly as ``indexer/structure/golden.py``
reads them; the fields added for issue 12 are optional:

- ``items``: one per expected recommendation: ``number``, ``page`` (physical page of the canonical
  printing), ``also_printed`` (pages of the other printings), ``aliases`` (other spellings),
  ``first_words``, ``addressee``.
- ``responses``: one per response block: ``answers`` (every number it answers), ``page`` (where it
  starts), ``responder``, ``first_words``, ``status``.

The range rule here is strict: a response labelled ``"5a-c"`` or ``"12 a-c"`` answers 5a, 5b, 5c / 12a,
12b, 12c (a range stands for each number in it), but a response labelled with the parent ``"5"`` does
*not* answer ``"5a"``: the tracker shows a response under ``rec 5a`` only when its label names 5a,
so a parent label is scored as the miss it is for the user. The old, lenient rule ("2" answers
"2b") is still computed (``*_lenient``) to show how much it hid.

Structures are duck-typed: anything with ``recommendations`` (``number``, ``page_start``, ``page_end``)
and ``responses`` (``recommendation``, ``responder``, ``page_start``, ``page_end``) scores.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}
_ROMANS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]
_LABEL = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)(?:-(?P<n2>\d+(?:\.\d+)?))?"  # 7, 8.1, 7-9, 8.1-8.33
    r"(?P<l>[a-z])?(?:-(?P<l2>[a-z]))?"  # a, a-c
    r"(?P<r>[ivx]+)?(?:-(?P<r2>[ivx]+))?$"  # iv, i-iii
)


def roman(s: str) -> int:
    total = prev = 0
    for ch in reversed(s):
        v = _ROMAN[ch]
        total += -v if v < prev else v
        prev = max(prev, v)
    return total


def squeeze(label: str | None) -> str:
    """ "4a) iv" -> "4aiv"; "12 d-e" -> "12d-e"; "Recommendation 9(a)" -> "9a"; keeps dots inside numbers."""
    if not label:
        return ""
    s = label.lower().replace("–", "-").replace("—", "-")
    s = re.sub(r"^\s*(?:safety\s+)?recommendations?\s+", "", s)
    s = re.sub(r"(?<=\d)\.(?=\d)", "§", s)  # protect 8.1
    s = re.sub(r"[\s().,:;]", "", s)
    return s.replace("§", ".")


def _roman_span(lo: str, hi: str) -> list[str]:
    a, b = roman(lo), roman(hi)
    return [r for r in _ROMANS if a <= roman(r) <= b]


def _num_span(lo: str, hi: str) -> list[str]:
    if "." in lo and "." in hi and lo.split(".")[0] == hi.split(".")[0]:
        head = lo.split(".")[0]
        a, b = int(lo.split(".")[1]), int(hi.split(".")[1])
        return [f"{head}.{k}" for k in range(a, b + 1)] if 0 <= b - a <= 200 else [lo, hi]
    if lo.isdigit() and hi.isdigit() and 0 <= int(hi) - int(lo) <= 200:
        return [str(k) for k in range(int(lo), int(hi) + 1)]
    return [lo, hi]


def expand(label: str | None) -> frozenset[str]:
    """Every leaf number a label names: "12 a-c" -> {12a, 12b, 12c}; "4a i-iii" -> {4ai, 4aii, 4aiii};
    "7-9" -> {7, 8, 9}; "5" -> {5} (a parent names itself only). Unparsed labels name themselves."""
    s = squeeze(label)
    if not s:
        return frozenset()
    m = _LABEL.match(s)
    if not m:
        return frozenset({s})
    g = m.groupdict()
    nums = _num_span(g["n"], g["n2"]) if g["n2"] else [g["n"]]
    letters = [chr(c) for c in range(ord(g["l"]), ord(g["l2"]) + 1)] if g["l"] and g["l2"] else [g["l"] or ""]
    romans = _roman_span(g["r"], g["r2"]) if g["r"] and g["r2"] else [g["r"] or ""]
    if g["l2"] and g["l"] and g["l2"] < g["l"]:
        letters = [g["l"], g["l2"]]
    return frozenset(n + le + r for n in nums for le in letters for r in romans)


def _parts(leaf: str) -> tuple[str, ...]:
    m = _LABEL.match(leaf)
    if not m:
        return (leaf,)
    return tuple(p for p in (m.group("n"), m.group("l"), m.group("r")) if p)


def names(resp_label: str | None, rec_label: str) -> bool:
    """Strict: the response label names the recommendation (equal, or a range that contains it)."""
    want = expand(rec_label)
    return bool(want) and want <= expand(resp_label)


def covers_lenient(resp_label: str | None, rec_label: str) -> bool:
    """The old rule: as ``names``, and a parent ("5") also answers its parts ("5a")."""
    if names(resp_label, rec_label):
        return True
    got = [_parts(x) for x in expand(resp_label)]
    want = [_parts(w) for w in expand(rec_label)]
    return bool(want) and all(any(g == w[: len(g)] for g in got) for w in want)


def bodies(name: str | None) -> frozenset[str]:
    """ "the UK Government, the Welsh Government and NI Executive" -> a set of normalised bodies."""
    if not name:
        return frozenset()
    out = set()
    for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", name):
        p = re.sub(r"\s*\([^)]*\)", "", p).strip().lower().replace("’", "'")
        p = re.sub(r"^the\s+", "", p)
        if p:
            out.add(p)
    return frozenset(out)


@dataclass(frozen=True)
class Golden:
    items: tuple[dict, ...]
    responses: tuple[dict, ...]
    responders: dict
    has_pages: bool

    @classmethod
    def from_json(cls, data: dict) -> Golden:
        items = data.get("items")
        if not items:  # old-format file: numbers only
            items = [{"number": n, "page": None} for n in data.get("recommendations", [])]
        responses = tuple(data.get("responses") or ())
        has_pages = any(i.get("page") for i in items) or any(r.get("page") for r in responses)
        return cls(tuple(items), responses, dict(data.get("responders") or {}), has_pages)


def _spellings(item: dict) -> set[str]:
    return {squeeze(item["number"])} | {squeeze(a) for a in item.get("aliases", [])}


def _on_page(obj, page: int | None, slack: int = 0) -> bool:
    if page is None or getattr(obj, "page_start", None) is None:
        return True
    end = obj.page_end if obj.page_end is not None else obj.page_start
    return obj.page_start - slack <= page <= end + slack


def score_recommendations(recs: Iterable, golden: Golden) -> dict:
    recs = list(recs)
    pool: dict[str, list] = {}
    for r in recs:
        pool.setdefault(squeeze(r.number), []).append(r)
    matched, missing = 0, []
    pages: Counter[str] = Counter()
    used: set[int] = set()
    for it in golden.items:
        cands = [r for key in _spellings(it) for r in pool.get(key, []) if id(r) not in used]
        if not cands:
            missing.append(it["number"])
            continue
        printings = [it.get("page")] + list(it.get("also_printed", []))
        best = next((r for r in cands if _on_page(r, it.get("page"))), None) or next(
            (r for r in cands if any(_on_page(r, p) for p in printings)), cands[0]
        )
        used.add(id(best))
        matched += 1
        if it.get("page") is None or best.page_start is None:
            pages["n/a"] += 1
        elif _on_page(best, it["page"]):
            pages["canonical"] += 1
        elif any(_on_page(best, p) for p in it.get("also_printed", [])):
            pages["other printing"] += 1
        else:
            pages["wrong page"] += 1
    spurious = [f"{r.number}@p{r.page_start}" for r in recs if id(r) not in used]
    return {
        "expected": len(golden.items),
        "found": len(recs),
        "matched": matched,
        "missing": missing,
        "spurious": len(spurious),
        "spurious_numbers": spurious,
        "pages": dict(pages),
    }


def _key(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower().replace("’", "'"))


def _holds(response, block: dict) -> bool:
    """The response's text holds the block's first words (when both are known): a response filed under the
    right number on the right page but missing the sentence that answers (reading order) does not count."""
    want = _key(block.get("first_words"))[:40]
    text = getattr(response, "text", None)
    return not want or text is None or want in _key(text)


def _expected_by_number(golden: Golden) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for block in golden.responses:
        for n in block["answers"]:
            out.setdefault(n, []).append(block)
    return out


def score_responses(responses: Iterable, golden: Golden, rule=names) -> dict:
    """Per answered number of each golden block (a block answering 5a-c counts three times): found (a response
    naming the number on the block's page), responder right (the bodies of those responses equal the golden
    bodies), linked right (found, and no response naming the number lies on a page where the golden has no block
    answering it). Spurious: responses that answer nothing the golden expects where they stand."""
    responses = list(responses)
    expected = _expected_by_number(golden)
    units = [(n, b) for b in golden.responses for n in b["answers"]]
    found = responder_ok = link_ok = 0
    missed, wrong_responder, wrong_link = [], [], []
    useful: set[int] = set()
    for number, block in units:
        naming = [r for r in responses if rule(r.recommendation, number)]
        # the block is found when a response there holds its first words; a further statement in the
        # same block (another body's acceptance, "accepted in principle by ...") belongs to it too
        on_page = [r for r in naming if _on_page(r, block.get("page"), slack=1)]
        at_block = on_page if any(_holds(r, block) for r in on_page) else []
        elsewhere = [r for r in naming if not any(_on_page(r, b.get("page"), slack=1) for b in expected[number])]
        useful.update(id(r) for r in at_block)
        where = f"{number}@p{block.get('page')}" if golden.has_pages else number
        if not at_block:
            missed.append(where)
            continue
        found += 1
        want = bodies(block["responder"])
        alternatives = [want] + [bodies(a) for a in golden.responders.get(number, [])]
        got = frozenset().union(*(bodies(r.responder) for r in at_block))
        if got in alternatives:
            responder_ok += 1
        else:
            wrong_responder.append(f"{where}: {sorted(got) or '-'} (want {sorted(want)})")
        if elsewhere:
            wrong_link.append(f"{where}: also {', '.join(f'p{r.page_start}' for r in elsewhere)}")
        else:
            link_ok += 1
    spurious = [
        f"{r.recommendation or '-'}@p{r.page_start} ({(r.responder or '-')[:30]})" for r in responses if id(r) not in useful
    ]
    return {
        "expected": len(units),
        "found": found,
        "missed": missed,
        "responder_ok": responder_ok,
        "wrong_responder": wrong_responder,
        "link_ok": link_ok,
        "wrong_link": wrong_link,
        "responses_found": len(responses),
        "spurious": len(spurious),
        "spurious_list": spurious,
    }


def score_structure(structure, golden_json: dict) -> dict:
    golden = Golden.from_json(golden_json)
    out = {"recommendations": score_recommendations(structure.recommendations, golden)}
    if golden.responses:
        out["responses"] = score_responses(structure.responses, golden)
        lenient = score_responses(structure.responses, golden, rule=covers_lenient)
        out["responses_lenient"] = {k: lenient[k] for k in ("found", "responder_ok", "link_ok")}
    else:
        out["responses"] = {
            "expected": 0,
            "found": 0,
            "responses_found": len(structure.responses),
            "spurious": len(structure.responses),
            "spurious_list": [f"{r.recommendation or '-'}@p{r.page_start}" for r in structure.responses],
        }
    return out
