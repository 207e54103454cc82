"""The /api routes: HTTP only. Each handler validates, calls the Service and shapes the response;
sync handlers run in FastAPI's threadpool, so a slow answer never blocks the event loop."""

from __future__ import annotations

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
from rag.serve.security import Principal, principal_of
from rag.serve.service import Service, ServeError
from rag.serve.uploads import Uploads
from rag.settings import Settings

bearer = HTTPBearer(
    auto_error=False, description="An API key from RAG_API_KEYS (or RAG_ADMIN_KEYS for uploads and exports)."
)
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in {
        401: "Missing or invalid API key", 404: "No such document or section", 422: "Invalid request",
        429: "Rate limit reached; see Retry-After", 503: "No index yet, or the index is damaged",
    }.items()
}  # fmt: skip

DocRef = Annotated[str, Path(description="Document id, number ('2395/UBND-KTTH', URL-encoded '/' allowed) or file name")]


def _caller(request: Request) -> Principal:
    return principal_of(request.scope)


def admin_only(settings: Settings, *, open_without_keys: bool) -> Callable[[Request], Principal]:
    """A dependency refusing non-admin callers. With ``open_without_keys``, a server without any
    keys configured lets everyone through (it only listens on the loopback by default)."""
    no_keys = not (settings.api_keys.strip() or settings.admin_keys.strip())

    def check(request: Request) -> Principal:
        caller = principal_of(request.scope)
        if caller.admin or (open_without_keys and no_keys):
            return caller
        if not settings.admin_keys.strip():
            raise ServeError("This needs an admin key and none is configured: set RAG_ADMIN_KEYS on the server "
                             "and send 'Authorization: Bearer <admin key>'.", code="forbidden")  # fmt: skip
        raise ServeError("This needs an admin key (RAG_ADMIN_KEYS); the key you sent is not one.", code="forbidden")

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

    @router.post("/documents", tags=["documents"], status_code=201, response_model=UploadOut,
                 responses={403: {"model": ErrorOut, "description": "Not an admin key"},
                            409: {"model": ErrorOut, "description": "A different file of that name exists"},
                            413: {"model": ErrorOut, "description": "Over RAG_MAX_FILE_MB"},
                            415: {"model": ErrorOut, "description": "Unsupported or unreadable file"}})  # fmt: skip
    def upload(
        file: Annotated[UploadFile, File(description="A .txt, .md, .docx, .pdf or .html document")],
        _: Annotated[Principal, Depends(uploader)],
        replace: Annotated[bool, Query(description="Overwrite a different file uploaded under the same name")] = False,
    ) -> UploadOut:
        """Upload a document and index it (admin key only).

        The file name is sanitized (directories dropped, NFC, only letters, digits, `_`, `.`, `-`) and
        the content is read before the file is stored in `RAG_CORPUS_DIR/uploads`; then that file alone
        is indexed and the ingest report returned. The document is searchable as soon as this returns."""
        return uploads.add(file.filename or "", file.file, replace=replace)

    @router.get("/documents/{doc_ref:path}/sections/{section_path:path}", tags=["documents"],
                response_model=SectionOut)  # fmt: skip
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

    @router.get("/feedback/export", tags=["feedback"], response_class=Response,
                responses={200: {"content": {"application/x-ndjson": {}}, "description": "One JSON object per line"}})  # fmt: skip
    def export(_: Annotated[Principal, Depends(exporter)]) -> Response:
        """Feedback as gold-set candidates (eval/gold.jsonl lines) for a maintainer to review.
        Needs an admin key when keys are configured."""
        lines = [json.dumps(row, ensure_ascii=False) for row in service.gold_candidates()]
        body = "\n".join(lines) + ("\n" if lines else "")
        return Response(body, media_type="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="feedback-gold.jsonl"'})  # fmt: skip

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
