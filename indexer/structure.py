"""Structure finder: placeholder (one segment per document) until the structure work lands."""

from __future__ import annotations

from indexer.models import CleanDocument, Segment, Structure


def find_structure(clean: CleanDocument, *, name: str = "") -> Structure:
    return Structure(segments=(Segment(0, len(clean.text)),))
