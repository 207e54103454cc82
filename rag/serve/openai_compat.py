"""OpenAI-compatible chat completions (/v1): any OpenAI client can use the assistant as the model
"rag-vn-docs". The last user message is the question; the reply ends with numbered references and
carries the verified citations in an extra top-level ``citations`` field (in the final chunk when
streaming). Metadata filters ride along as an extension field (``extra_body={"filters": ...}``)."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Security
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from rag.answer.models import Answer
from rag.serve.api import bearer
from rag.serve.schemas import MODEL_ID, AskRequest, ChatCompletionOut, ChatCompletionRequest, ModelList
from rag.serve.service import ServeError, Service

log = logging.getLogger(__name__)
_STARTED = int(time.time())


def question_of(req: ChatCompletionRequest) -> AskRequest:
    """The ask request behind a chat request: its last user message, with the extension fields."""
    if req.model != MODEL_ID:
        raise ServeError(
            f"Unknown model '{req.model}': this server serves '{MODEL_ID}' (GET /v1/models).",
            code="model_not_found",
        )
    for message in reversed(req.messages):
        if message.role != "user":
            continue
        content = message.content
        if isinstance(content, list):  # content parts: keep the text ones
            content = "\n".join(str(p.get("text", "")) for p in content if p.get("type") == "text")
        question = (content or "").strip()
        if len(question) > 2000:
            raise ServeError("The question is over 2000 characters; ask a shorter question.")
        if question:
            return AskRequest(question=question, k=req.k, filters=req.filters)
        break
    raise ServeError(
        "The last user message is empty or missing: send the question as {'role': 'user', 'content': '...'}."
    )


def references(citations: list[dict[str, Any]]) -> str:
    """'\\n\\nTrích dẫn:\\n[1] điểm b mục 2.2 Công văn số ...', numbered as the [n] markers."""
    if not citations:
        return ""
    return "\n\nTrích dẫn:\n" + "\n".join(f"[{i}] {c['label']}" for i, c in enumerate(citations, 1))


def _delta(sent: str, text: str) -> str:
    # An LLM answer streams as it is written; the verified final text may renumber or drop
    # citation markers, or fall back to the extractive answer. Streamed text cannot be taken back,
    # so a final text that does not extend it is sent whole, after a separator.
    if text.startswith(sent):
        return text[len(sent) :]
    return "\n\n---\n" + text


def _sse(obj: dict[str, Any] | str) -> str:
    return f"data: {obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)}\n\n"


async def chat_events(snapshots: Iterator[Answer], head: dict[str, Any]) -> AsyncIterator[str]:
    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return _sse({**head, "object": "chat.completion.chunk", "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    sent, final = "", None
    try:
        async for snapshot in iterate_in_threadpool(snapshots):
            final = snapshot
            if piece := _delta(sent, snapshot.answer):
                yield chunk({"content": piece})
            sent = snapshot.answer
    except Exception as exc:  # the response has started: report in-band, as OpenAI does
        log.exception("streamed answer failed")
        yield _sse(
            {"error": {"code": "internal_error", "message": f"The answer failed ({type(exc).__name__})."}}
        )
        yield _sse("[DONE]")
        return
    citations = final.to_public()["citations"] if final is not None else []
    assert isinstance(citations, list)
    if refs := references(citations):
        yield chunk({"content": refs})
    yield chunk({}, "stop", citations=citations)
    yield _sse("[DONE]")


def build_openai_router(service: Service) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], dependencies=[Security(bearer)])

    @router.get("/models", response_model=ModelList)
    def models() -> dict[str, Any]:
        """The one model this server offers: `rag-vn-docs`."""
        return {
            "object": "list",
            "data": [{"id": MODEL_ID, "object": "model", "created": _STARTED, "owned_by": "rag"}],
        }

    @router.post(
        "/chat/completions",
        response_model=None,
        responses={200: {"model": ChatCompletionOut, "content": {"text/event-stream": {}}}},
    )
    async def chat(req: ChatCompletionRequest) -> Response:
        """Answer the last user message like an OpenAI chat model would (earlier turns are ignored).

        Use any OpenAI client with `base_url=http://HOST:PORT/v1` and `model="rag-vn-docs"`. The reply
        text ends with numbered references; the response also has a top-level `citations` list (in
        the final chunk when `stream=true`), each with document number, section path and quote.
        Optional extension fields: `k` and `filters` (doc_number, doc_type, issuer, date_from, date_to)."""
        ask = question_of(req)
        head = {"id": f"chatcmpl-{secrets.token_hex(12)}", "created": int(time.time()), "model": MODEL_ID}
        if req.stream:
            snapshots = await run_in_threadpool(service.stream, ask)
            return StreamingResponse(
                chat_events(snapshots, head),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        public = await run_in_threadpool(service.ask, ask)
        citations = public["citations"]
        assert isinstance(citations, list)
        text = str(public["answer"]) + references(citations)
        message = {"role": "assistant", "content": text}
        return JSONResponse(
            {
                **head,
                "object": "chat.completion",
                "citations": citations,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
        )

    return router
