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
    page_label_start: str | None = None  # printed page labels of page_start / page_end, when known
    page_label_end: str | None = None
    ocr: bool = False  # a page of it was read by OCR
    # the number the source report gives the recommendation, where this document prints it under its
    # own ("2" in a response for the report's 9)
    source_recommendation: str | None = None

    def pages(self) -> str:
        """ "p. 18 (PDF p. 22)", "pp. 3-4", "PDF p. 5 (OCR)": printed labels beside physical pages."""
        start, end, a, b = self.page_start, self.page_end, self.page_label_start, self.page_label_end
        ocr = " (OCR)" if self.ocr else ""
        if start is None:
            return ""
        if end in (None, start):
            if a is None or a == str(start):
                return f"p. {start}{ocr}"
            return f"p. {a} (PDF p. {start}{', OCR' if self.ocr else ''})"
        if a is None or b is None or (a, b) == (str(start), str(end)):
            return f"pp. {start}-{end}{ocr}"
        return f"pp. {a}-{b} (PDF pp. {start}-{end}{', OCR' if self.ocr else ''})"

    def label(self) -> str:
        """Short human citation: "file.pdf, p. 3, Recommendation 7, Response from X"."""
        parts = [self.doc]
        if self.page_start is not None:
            parts.append(self.pages())
        elif self.section:
            parts.append(self.section)
        if self.recommendation and f"recommendation {self.recommendation}".lower() not in (self.section or "").lower():
            parts.append(f"Recommendation {self.recommendation}")
        if self.source_recommendation:
            parts.append(f"the source report's recommendation {self.source_recommendation}")
        if self.responder:
            parts.append(f"response from {self.responder}")
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {
            "doc": self.doc,
            "title": self.title,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": self.section,
            "recommendation": self.recommendation,
            "responder": self.responder,
            "chunk_id": self.chunk_id,
            "start": self.start,
            "end": self.end,
            "page_label_start": self.page_label_start,
            "page_label_end": self.page_label_end,
            "ocr": self.ocr,
            "source_recommendation": self.source_recommendation,
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
    page_label_start: str | None = None
    page_label_end: str | None = None
    ocr: bool = False
    stance: str | None = None  # responses: the stance stated by the response the passage lies in (None: none stated)
    source_recommendation: str | None = None  # as in Citation

    @property
    def citation(self) -> Citation:
        return Citation(
            self.doc,
            self.title,
            self.page_start,
            self.page_end,
            self.section,
            self.recommendation,
            self.responder,
            self.chunk_id,
            self.start,
            self.end,
            self.page_label_start,
            self.page_label_end,
            self.ocr,
            self.source_recommendation,
        )

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
            "page_label_start": self.page_label_start,
            "page_label_end": self.page_label_end,
            "ocr": self.ocr,
            "stance": self.stance,
            "source_recommendation": self.source_recommendation,
        }
