"""Typed search results and their stable JSON form (documented in the README)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Citation:
    doc: str  # file name
    title: str | None
    page_start: int | None
    page_end: int | None
    section: str | None
    recommendation: str | None
    responder: str | None
    chunk_id: str
    start: int
    end: int

    def label(self) -> str:
        """Short human citation: "file.pdf, p. 3, Recommendation 7, Response from X"."""
        parts = [self.doc]
        if self.page_start is not None:
            parts.append(
                f"p. {self.page_start}" if self.page_end in (None, self.page_start) else f"pp. {self.page_start}-{self.page_end}"
            )
        elif self.section:
            parts.append(self.section)
        if self.recommendation and f"recommendation {self.recommendation}".lower() not in (self.section or "").lower():
            parts.append(f"Recommendation {self.recommendation}")
        if self.responder:
            parts.append(f"response from {self.responder}")
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {
            "doc": self.doc, "title": self.title, "page_start": self.page_start, "page_end": self.page_end,
            "section": self.section, "recommendation": self.recommendation, "responder": self.responder,
            "chunk_id": self.chunk_id, "start": self.start, "end": self.end,
        }


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    chunk_id: str
    doc: str
    title: str | None
    page_start: int | None
    page_end: int | None
    section: str | None
    recommendation: str | None
    responder: str | None
    role: str
    text: str
    start: int
    end: int
    row_id: int = 0
    also_in: tuple[Citation, ...] = ()  # near-duplicates grouped under this hit

    @property
    def citation(self) -> Citation:
        return Citation(self.doc, self.title, self.page_start, self.page_end, self.section,
                        self.recommendation, self.responder, self.chunk_id, self.start, self.end)

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "chunk_id": self.chunk_id,
            "doc": self.doc,
            "title": self.title,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": self.section,
            "recommendation": self.recommendation,
            "responder": self.responder,
            "role": self.role,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "also_in": [c.to_json() for c in self.also_in],
        }
