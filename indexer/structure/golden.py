"""Scoring a ``Structure`` against hand-written expectations (``tests/golden/structure/*.json``).

A golden file holds ``recommendations`` (numbers as printed, repeated when the document prints a
number twice), ``responders`` (number -> acceptable answers, each answer a body or a list of
bodies "A, B and C") and ``thresholds``. Used by ``tests/test_structure.py`` and
``scripts/structure_report.py``.
"""

from __future__ import annotations

import re
from collections import Counter

from inquire.recnum import covers, normalise_rec
from inquire.records import Structure


def norm_label(lab: str) -> str:
    """A golden file's number or a found one, as a key (dots dropped too: "4a." is "4a")."""
    return normalise_rec(lab.replace(".", " "))


def bodies(name: str | None) -> frozenset[str]:
    if not name:
        return frozenset()
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", name)
    out = set()
    for p in parts:
        p = re.sub(r"\s*\([^)]*\)", "", p).strip().lower()
        p = re.sub(r"^the\s+", "", p).replace("’", "'")
        if p:
            out.add(p)
    return frozenset(out)


def score(structure: Structure, golden: dict) -> dict:
    expected = Counter(norm_label(x) for x in golden.get("recommendations", []))
    found = Counter(norm_label(r.number) for r in structure.recommendations)
    matched = sum(min(c, found[k]) for k, c in expected.items())
    n_expected = sum(expected.values())
    n_found = sum(found.values())
    missing = sorted((expected - found).elements())
    spurious = sorted((found - expected).elements())
    checked = correct = 0
    wrong: list[str] = []
    for number, answers in golden.get("responders", {}).items():
        checked += 1
        got: set[str] = set()
        for r in structure.responses:
            if covers(r.recommendation, number):
                got |= bodies(r.responder)
        if any(bodies(a) == got for a in answers):
            correct += 1
        else:
            wrong.append(f"{number}: {sorted(got) or '-'}")
    return {
        "expected": n_expected,
        "found": n_found,
        "matched": matched,
        "spurious": n_found - matched,
        "recall": matched / n_expected if n_expected else None,
        "missing": missing,
        "spurious_numbers": spurious,
        "responders_checked": checked,
        "responders_correct": correct,
        "responders_wrong": wrong,
    }


def within_thresholds(result: dict, thresholds: dict) -> list[str]:
    """Failures of ``result`` against a golden file's ``thresholds`` (empty when all pass)."""
    fails = []
    if thresholds.get("min_recall") is not None and (result["recall"] or 0) < thresholds["min_recall"]:
        fails.append(f"recall {result['recall']:.2f} < {thresholds['min_recall']} (missing {result['missing']})")
    if thresholds.get("max_spurious") is not None and result["spurious"] > thresholds["max_spurious"]:
        fails.append(f"spurious {result['spurious']} > {thresholds['max_spurious']} ({result['spurious_numbers']})")
    need = thresholds.get("min_responders_correct")
    if need is not None and result["responders_checked"]:
        share = result["responders_correct"] / result["responders_checked"]
        if share < need:
            fails.append(f"responders correct {share:.2f} < {need} (wrong: {result['responders_wrong'][:8]})")
    return fails
