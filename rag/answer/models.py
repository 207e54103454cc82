"""Typed answers and citations, carried with every answer through every interface."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

NOT_FOUND_VI = "Không tìm thấy căn cứ trong các văn bản đã nạp."
NOT_FOUND_EN = "No basis for this was found in the loaded documents."


class Citation(BaseModel):
    """A verified pointer to the exact place a statement comes from."""

    doc_id: str
    doc_number: str | None = Field(description="Citation number of the document")
    doc_type: str | None = None
    issuer: str | None = None
    issued_date: dt.date | None = None
    title: str | None = None
    section_path: list[str] = Field(description="Labels from the top of the document, e.g. ['2', '2.2', 'b']")
    section_label: str = Field("", description="'điểm b mục 2.2'")
    label: str = Field(
        description="Full Vietnamese citation: 'điểm b mục 2.2 Công văn số ... của UBND tỉnh ...'"
    )
    headings: list[str] = Field(default_factory=list)
    quote: str = Field(description="Verbatim text of the document")
    start: int = Field(description="Offset of the quote in the normalized document text")
    end: int
    source: str = ""


class RetrievedItem(BaseModel):
    doc_id: str
    doc_number: str | None
    section_path: list[str]
    label: str
    score: float
    start: int = 0
    end: int = 0
    snippet: str = ""


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool = False
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[RetrievedItem] = Field(default_factory=list)
    signals: dict[str, bool] = Field(default_factory=dict)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    lang: str = "vi"
    qtype: str = "what"
    verification: dict[str, int] = Field(
        default_factory=dict, description="Citations checked, removed and repaired by the verifier"
    )
    notices: list[str] = Field(default_factory=list, description="e.g. dense retrieval off, LLM fell back")

    def to_public(self) -> dict[str, object]:
        """The `rag ask --json` / `POST /api/ask` object."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [
                {
                    "doc_number": c.doc_number,
                    "doc_type": c.doc_type,
                    "issuer": c.issuer,
                    "issued_date": c.issued_date.isoformat() if c.issued_date else None,
                    "title": c.title,
                    "section_path": c.section_path,
                    "section_label": c.section_label,
                    "label": c.label,
                    "headings": c.headings,
                    "quote": c.quote,
                    "source": c.source,
                    "start": c.start,
                    "end": c.end,
                    "doc_id": c.doc_id,
                }
                for c in self.citations
            ],
            "retrieved": [r.model_dump() for r in self.retrieved],
            "signals": self.signals,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "lang": self.lang,
            "qtype": self.qtype,
            "verification": self.verification,
            "notices": self.notices,
        }
