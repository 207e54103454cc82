"""The /api routes: HTTP only. Each handler validates, calls the Service and shapes the response;
sync handlers run in FastAPI's threadpool, so a slow answer never blocks the event loop."""

# No `from __future__ import annotations` here: FastAPI must see the dependencies built in the
# factories below (closures) when it reads the handler signatures.

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, Security, UploadFile
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer

from rag.serve.schemas import (
    AnswerOut,
    AskRequest,
    DocumentDetail,
    DocumentSummary,
    ErrorOut,
    FeedbackIn,
    FeedbackOut,
    HealthOut,
    SearchOut,
    SearchRequest,
    SectionOut,
    UploadOut,
)
from rag.serve.security import Principal, admin_refusal, principal_of
from rag.serve.service import ServeError, Service
from rag.serve.uploads import Uploads
from rag.settings import Settings

bearer = HTTPBearer(
    auto_error=False, description="An API key from RAG_API_KEYS (or RAG_ADMIN_KEYS for uploads and exports)."
)
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        401: "Missing or invalid API key",
        404: "No such document or section",
        422: "Invalid request",
        429: "Rate limit reached; see Retry-After",
        503: "No index yet, or the index is damaged",
    }.items()
}

DocRef = Annotated[
    str, Path(description="Document id, number ('2395/UBND-KTTH', URL-encoded '/' allowed) or file name")
]


def _caller(request: Request) -> Principal:
    return principal_of(request.scope)


def admin_only(settings: Settings, *, open_without_keys: bool) -> Callable[[Request], Principal]:
    """A dependency refusing callers without an admin key (see security.admin_refusal)."""

    def check(request: Request) -> Principal:
        caller = principal_of(request.scope)
        if refusal := admin_refusal(settings, caller, open_without_keys=open_without_keys):
            raise ServeError(refusal, code="forbidden")
        return caller

    return check


def build_api_router(service: Service, uploads: Uploads, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api", dependencies=[Security(bearer)], responses=_ERRORS)
    uploader = admin_only(settings, open_without_keys=False)
    exporter = admin_only(settings, open_without_keys=True)

    @router.post("/ask", tags=["questions"], response_model=None, responses={200: {"model": AnswerOut}})
    def ask(req: AskRequest) -> JSONResponse:
        """Answer a question from the indexed documents, with verified citations.

        The answer text carries `[n]` markers; `citations[n-1]` names the document, the exact section
        (`section_path`, e.g. `["2", "2.2", "b"]`, and its Vietnamese wording `label`) and a verbatim
        `quote` with its offsets. `abstained` is true when the documents hold no basis for an answer.
        The object is the same as `rag ask --json`."""
        return JSONResponse(service.ask(req))

    @router.post("/search", tags=["questions"], response_model=SearchOut)
    def search(req: SearchRequest) -> SearchOut:
        """Rank the sections that best match a question, without composing an answer.

        Each hit carries what is needed to cite it: document number, type, issuer, date, section path
        and full citation `label`, the section `text` and its offsets in the document."""
        return service.search(req)

    @router.get("/documents", tags=["documents"], response_model=list[DocumentSummary])
    def documents() -> list[DocumentSummary]:
        """List the indexed documents with their metadata, newest first."""
        return service.documents()

    @router.post(
        "/documents",
        tags=["documents"],
        status_code=201,
        response_model=UploadOut,
        responses={
            403: {"model": ErrorOut, "description": "Not an admin key"},
            409: {"model": ErrorOut, "description": "A different file of that name exists"},
            413: {"model": ErrorOut, "description": "Over RAG_MAX_FILE_MB"},
            415: {"model": ErrorOut, "description": "Unsupported or unreadable file"},
        },
    )
    def upload(
        file: Annotated[UploadFile, File(description="A .txt, .md, .docx, .pdf or .html document")],
        caller: Annotated[Principal, Depends(uploader)],
        replace: Annotated[
            bool, Query(description="Overwrite a different file uploaded under the same name")
        ] = False,
    ) -> UploadOut:
        """Upload a document and index it (admin key only).

        The file name is sanitized (directories dropped, NFC, only letters, digits, `_`, `.`, `-`) and
        the content is read before the file is stored in `RAG_CORPUS_DIR/uploads`; then that file alone
        is indexed and the ingest report returned. The document is searchable as soon as this returns."""
        return uploads.add(file.filename or "", file.file, replace=replace)

    @router.get(
        "/documents/{doc_ref:path}/sections/{section_path:path}",
        tags=["documents"],
        response_model=SectionOut,
    )
    def section(
        doc_ref: DocRef,
        section_path: Annotated[str, Path(description="Labels joined by '/', e.g. '2/2.2/b' or 'Phụ lục/3'")],
    ) -> SectionOut:
        """One section of a document: its text, citation label, offsets and, for a table row, its cells."""
        return service.section(doc_ref, section_path)

    @router.get("/documents/{doc_ref:path}", tags=["documents"], response_model=DocumentDetail)
    def document(doc_ref: DocRef) -> DocumentDetail:
        """A document's metadata and its section tree (each node's `path` addresses its section)."""
        return service.document(doc_ref)

    @router.post("/feedback", tags=["feedback"], status_code=201, response_model=FeedbackOut)
    def feedback(fb: FeedbackIn, caller: Annotated[Principal, Depends(_caller)]) -> FeedbackOut:
        """Record a verdict on an answer: `correct`, `incorrect` or `wrong_evidence` (right answer, wrong
        citation). Send the answer object you got from /api/ask."""
        return FeedbackOut(id=service.add_feedback(fb, caller.client))

    @router.get(
        "/feedback/export",
        tags=["feedback"],
        response_class=Response,
        responses={200: {"content": {"application/x-ndjson": {}}, "description": "One JSON object per line"}},
    )
    def export(caller: Annotated[Principal, Depends(exporter)]) -> Response:
        """Feedback as gold-set candidates (eval/gold.jsonl lines) for a maintainer to review.
        Needs an admin key when keys are configured."""
        lines = [json.dumps(row, ensure_ascii=False) for row in service.gold_candidates()]
        body = "\n".join(lines) + ("\n" if lines else "")
        return Response(
            body,
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="feedback-gold.jsonl"'},
        )

    return router


def build_health_router(service: Service) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["health"])

    @router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
    def health() -> JSONResponse:
        """Is the server ready? `status` is `ok`, `empty` (nothing indexed yet) or `error` (the index is
        damaged; `message` says how to repair it, with HTTP 503). Also tells which signals are on:
        lexical, dense retrieval (with a note when off), reranker and LLM. Needs no API key."""
        out = service.health()
        return JSONResponse(out.model_dump(mode="json"), status_code=503 if out.status == "error" else 200)

    return router
