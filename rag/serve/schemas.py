"""Request and response models of the HTTP API. The descriptions are what API users read in /docs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rag.serve.feedback import Verdict

# --- errors -------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(
        description="Machine-readable code, e.g. 'not_found', 'validation_error', 'rate_limited'"
    )
    message: str = Field(description="What went wrong and how to fix it")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Field errors of a rejected request body"
    )


class ErrorOut(BaseModel):
    """Every error of /api, /v1 and /mcp has this shape."""

    error: ErrorDetail


Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

# --- ask and search -----------------------------------------------------------------------------


class FiltersIn(BaseModel):
    """Restrict retrieval to documents matching every field given."""

    model_config = ConfigDict(extra="forbid")

    doc_number: str | None = Field(
        default=None, description="Document number or id, e.g. '2395/UBND-KTTH' or '2395'"
    )
    doc_type: str | None = Field(
        default=None, description="Document type, e.g. 'Kế hoạch', 'Công văn' (diacritics optional)"
    )
    issuer: str | None = Field(default=None, description="Part of the issuer's name, e.g. 'Quảng Ngãi'")
    date_from: dt.date | None = Field(default=None, description="Issued on or after this day (YYYY-MM-DD)")
    date_to: dt.date | None = Field(default=None, description="Issued on or before this day (YYYY-MM-DD)")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(description="The question, in Vietnamese or English")
    k: int | None = Field(default=None, ge=1, le=100, description="Sections to retrieve (default: RAG_TOP_K)")
    filters: FiltersIn | None = Field(default=None, description="Optional metadata filters")


class SearchRequest(AskRequest):
    pass


class CitationOut(BaseModel):
    doc_number: str | None = Field(description="Citation number of the document, e.g. '2395/UBND-KTTH'")
    doc_type: str | None
    issuer: str | None
    issued_date: str | None = Field(description="YYYY-MM-DD")
    title: str | None
    section_path: list[str] = Field(description="Labels from the top of the document, e.g. ['2', '2.2', 'b']")
    section_label: str = Field(description="'điểm b mục 2.2'")
    label: str = Field(description="Full citation: 'điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày ...'")
    headings: list[str]
    quote: str = Field(description="Verbatim text of the cited section")
    source: str = Field(description="Source file")
    start: int = Field(description="Offset of the quote in the normalized document text")
    end: int
    doc_id: str


class AnswerOut(BaseModel):
    """The answer object, identical to `rag ask --json`."""

    question: str
    answer: str = Field(description="Answer text with [n] markers pointing into `citations`")
    abstained: bool = Field(description="True when the documents hold no basis for an answer")
    citations: list[CitationOut] = Field(description="Verified citations; every quote is verbatim")
    retrieved: list[dict[str, Any]] = Field(description="Sections retrieved, best first")
    signals: dict[str, bool] = Field(description="Which retrieval signals were used: lexical, dense, llm ...")
    timings_ms: dict[str, float]
    lang: str
    qtype: str
    verification: dict[str, int]
    notices: list[str] = Field(description="e.g. dense retrieval off, LLM not configured")


class SearchHit(BaseModel):
    rank: int = Field(description="1 for the best section")
    doc_id: str
    doc_number: str | None = Field(description="Citation number of the document")
    doc_type: str | None
    issuer: str | None
    issued_date: dt.date | None
    section_path: list[str] = Field(description="Labels from the top of the document")
    section_label: str = Field(description="'điểm b mục 2.2'")
    label: str = Field(description="Full citation of the section")
    text: str = Field(description="The section's text (exact slice of the normalized document)")
    score: float = Field(
        description="Fused retrieval score (higher is better; only comparable within a response)"
    )
    start: int
    end: int
    source: str


class SearchOut(BaseModel):
    question: str
    hits: list[SearchHit]
    signals: dict[str, bool] = Field(description="lexical / dense retrieval used for this search")
    timings_ms: dict[str, float]


# --- documents ----------------------------------------------------------------------------------


class DocumentSummary(BaseModel):
    id: str = Field(description="Stable document id; usable in /api/documents/{id}")
    number: str | None
    cite_number: str | None = Field(description="Number used in citations (own, or the decision's)")
    type: str | None
    issuer: str | None
    place: str | None
    issued_date: str | None
    title: str | None
    signer: dict[str, Any] | None
    issued_with: str | None
    legal_bases: list[str]
    source: str
    sections: int
    chunks: int
    warnings: list[str]


class SectionNode(BaseModel):
    label: str
    kind: str
    heading: str
    path: list[str] = Field(description="Section path; join with '/' for /api/documents/{id}/sections/{path}")
    start: int
    end: int
    children: list[SectionNode]


class DocumentDetail(DocumentSummary):
    tree: list[SectionNode] = Field(description="The section tree")


class SectionOut(BaseModel):
    doc_id: str
    doc_number: str | None
    section_path: list[str]
    section_label: str = Field(description="'điểm b mục 2.2'")
    label: str = Field(description="Full citation of the section")
    kind: str
    heading: str
    start: int
    end: int
    text: str
    record: dict[str, str] | None = Field(description="Cells of a table row, keyed by column name")


# --- health -------------------------------------------------------------------------------------


class IndexHealth(BaseModel):
    documents: int
    chunks: int
    generation: str | None


class DenseHealth(BaseModel):
    enabled: bool
    note: str


class LLMHealth(BaseModel):
    enabled: bool
    model: str | None


class Signals(BaseModel):
    lexical: bool
    dense: DenseHealth
    reranker: bool
    llm: LLMHealth


class HealthOut(BaseModel):
    status: Literal["ok", "empty", "error"] = Field(
        description="'empty': nothing indexed yet; 'error': see message"
    )
    message: str = ""
    index: IndexHealth
    signals: Signals
    version: str


# --- feedback and upload ------------------------------------------------------------------------


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question = Field(description="The question that was asked")
    answer: dict[str, Any] = Field(description="The answer object as returned by POST /api/ask")
    verdict: Verdict = Field(description="correct | incorrect | wrong_evidence")
    comment: str = Field(default="", max_length=4000)


class FeedbackOut(BaseModel):
    id: int


class UploadOut(BaseModel):
    file: str = Field(description="Name the file was stored under (sanitized)")
    path: str = Field(description="Where it was stored")
    replaced: bool = Field(description="True when an existing file of that name was overwritten")
    report: dict[str, Any] = Field(description="The ingest report, as `rag ingest --json`")


# --- OpenAI-compatible ----------------------------------------------------------------------------

MODEL_ID = "rag-vn-docs"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(description="system | user | assistant | tool")
    content: str | list[dict[str, Any]] | None = Field(
        default=None, description="Text, or a list of content parts"
    )


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat request. Other OpenAI fields (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(default=MODEL_ID, description=f"Must be '{MODEL_ID}' (see GET /v1/models)")
    messages: list[ChatMessage] = Field(min_length=1, description="The last user message is the question")
    stream: bool = Field(
        default=False, description="Server-sent events, OpenAI style, ending with 'data: [DONE]'"
    )
    k: int | None = Field(default=None, ge=1, le=100, description="Extension: sections to retrieve")
    filters: FiltersIn | None = Field(
        default=None, description="Extension: metadata filters (send with extra_body)"
    )


class ChatChoice(BaseModel):
    index: int
    message: dict[str, str]
    finish_reason: str


class ChatCompletionOut(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    citations: list[CitationOut] = Field(description="Extension: the verified citations of the answer")


class ModelOut(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelOut]
