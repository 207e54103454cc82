"""One error shape for every route of the API: {"error": {"code", "message"}}, with a status that
matches the code. Also answers the paths under /api and /v1 that no route serves (404 or 405),
so that they never fall through to the UI mounted at "/"."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, NoReturn

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from rag.serve.service import ServeError

log = logging.getLogger(__name__)

STATUS_OF_CODE = {
    "bad_request": 400,
    "invalid_file_name": 400,
    "forbidden": 403,
    "not_found": 404,
    "model_not_found": 404,
    "file_exists": 409,
    "ingest_busy": 409,
    "payload_too_large": 413,
    "unsupported_file_type": 415,
    "unreadable_file": 415,
    "ingest_failed": 422,
    "index_empty": 503,
    "index_corrupt": 503,
}
CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
_DEFAULT_MESSAGE = {
    413: "The request body is too large.",
    404: "No such route. The API is described at /docs.",
    405: "This route does not accept that method. The API is described at /docs.",
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status, headers=headers)


async def _serve_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServeError)
    return error_response(STATUS_OF_CODE.get(exc.code, 400), exc.code, exc.message)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else ""
    generic = detail in ("", "Content Too Large") or detail == _phrase(status)  # Starlette's default details
    message = _DEFAULT_MESSAGE.get(status, detail or _phrase(status)) if generic else detail
    return error_response(
        status,
        CODE_OF_STATUS.get(status, f"http_{status}"),
        message or f"HTTP {status}",
        headers=dict(exc.headers or {}),
    )


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
    if err.get("type") == "json_invalid":
        why = err.get("ctx", {}).get("error", "")
        return f"the body is not valid JSON ({why} at position {where}); send a JSON object"
    return f"{where}: {err.get('msg', 'invalid')}"


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    message = (
        "Invalid request: " + "; ".join(_describe(e) for e in errors[:5]) + ". The schemas are at /docs."
    )
    details = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]
    return error_response(422, "validation_error", message, details=jsonable_encoder(details))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(
        500, "internal_error", f"Unexpected server error ({type(exc).__name__}); see the server log."
    )


def install_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(ServeError, _serve_error)
    api.add_exception_handler(HTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(Exception, _unexpected)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


async def _unmatched(request: Request) -> NoReturn:
    """404 for an unknown path, 405 (with Allow) for a known path and another method."""
    routes = [
        r
        for r in request.app.router.routes
        if not isinstance(r, Mount) and getattr(r, "endpoint", None) is not _unmatched
    ]
    allowed = []
    for method in _METHODS:
        probe = {"type": "http", "path": request.url.path, "root_path": request.scope.get("root_path", ""),
                 "method": method, "headers": [], "query_string": b""}  # fmt: skip
        if any(route.matches(probe)[0] == Match.FULL for route in routes):
            allowed.append(method)
    if allowed:
        raise HTTPException(405, _DEFAULT_MESSAGE[405], headers={"Allow": ", ".join(allowed)})
    raise HTTPException(404, _DEFAULT_MESSAGE[404])


def add_fallback_routes(api: FastAPI, prefixes: tuple[str, ...]) -> None:
    """Register last among the API routes, before the UI is mounted."""
    for prefix in prefixes:
        for path in (prefix, f"{prefix}/{{rest:path}}"):
            api.add_api_route(
                path, _unmatched, methods=list(_METHODS), include_in_schema=False, response_model=None
            )
