"""Cleaning: placeholder (whitespace only) until the structure work lands."""

from __future__ import annotations

from indexer.models import CleanDocument, RawDocument


def clean_document(raw: RawDocument) -> CleanDocument:
    parts: list[str] = []
    starts: list[tuple[int, int | None]] = []
    offset = 0
    for page in raw.pages:
        text = page.text.strip()
        if not text:
            continue
        if parts:
            parts.append("\n\n")
            offset += 2
        starts.append((offset, page.number))
        parts.append(text)
        offset += len(text)
    return CleanDocument(text="".join(parts), page_starts=tuple(starts) or ((0, None),))
