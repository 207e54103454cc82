"""The one FastAPI application of `rag serve`: the JSON API (/api), the OpenAI-compatible endpoint
(/v1), the MCP server (/mcp) and the Gradio UI (/), sharing one App (one Chroma client) per
process. API routes are registered before the UI, which is mounted last at "/"."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse

from rag.app import App
from rag.serve.api import build_api_router, build_health_router
from rag.serve.errors import add_fallback_routes, install_error_handlers
from rag.serve.mcp_server import build_mcp, mcp_lifespan, mount_mcp
from rag.serve.openai_compat import build_openai_router
from rag.serve.security import SecurityMiddleware, ServeLimits
from rag.serve.service import Service, package_version
from rag.serve.uploads import Uploads

log = logging.getLogger(__name__)

DESCRIPTION = """
Question answering over Vietnamese government documents, with citations verified down to the
point, clause and item ("điểm b mục 2.2 Công văn số 2395/UBND-KTTH ...").

* **/api**: ask, search, browse documents and sections, upload documents, send feedback.
* **/v1**: OpenAI-compatible chat completions; use any OpenAI client with the model `rag-vn-docs`.
* **/mcp**: an MCP server (streamable HTTP) with the tools `search` and `ask`.

**Authentication.** When the server has API keys (`RAG_API_KEYS`), send
`Authorization: Bearer <key>` on every request except `/api/health`; uploads (and the feedback
export) need an admin key (`RAG_ADMIN_KEYS`). Each key has a rate limit (`RAG_RATE_LIMIT_PER_MIN`);
over it, the answer is 429 with `Retry-After`.

**Errors** always look like `{"error": {"code": "not_found", "message": "what to do about it"}}`.
"""

UI_MISSING = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>rag</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Giao diện chưa được xây dựng</h1><p>The web UI is not built yet (no <code>ui/app.py</code>).
The API works: see <a href="/docs">/docs</a>, the OpenAI-compatible endpoint at <code>/v1</code>
and the MCP server at <code>/mcp</code>.</p></body></html>"""


def create_app(app: App, *, limits: ServeLimits | None = None) -> FastAPI:
    """Build the server around ``app``. ``limits`` defaults to RAG_RATE_LIMIT_PER_MIN etc."""
    settings = app.settings
    limits = limits or ServeLimits.from_settings(settings)
    service = Service(app)
    mcp = build_mcp(service)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with mcp_lifespan(mcp):
            yield

    api = FastAPI(
        title="Hỏi đáp văn bản hành chính",
        version=package_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "questions", "description": "Ask and search"},
            {"name": "documents", "description": "Indexed documents, their sections, uploads"},
            {"name": "feedback", "description": "Verdicts on answers, exported as gold candidates"},
            {"name": "OpenAI-compatible", "description": "Use the assistant as an OpenAI chat model"},
            {"name": "health", "description": "Readiness and enabled signals (no key needed)"},
        ],
    )
    api.state.service = service
    install_error_handlers(api)
    api.include_router(build_health_router(service))
    api.include_router(build_api_router(service, Uploads(app), settings))
    api.include_router(build_openai_router(service))
    mount_mcp(api, mcp, settings.host)
    add_fallback_routes(api, ("/api", "/v1"))
    api.add_middleware(SecurityMiddleware, settings=settings, limits=limits)
    origins = [o.strip() for o in limits.cors_origins.split(",") if o.strip()]
    if origins:  # off unless configured; outermost, so that preflight requests need no key
        api.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    mount_ui(api, app)
    return api


def _find_ui() -> Callable[[App], Any] | None:
    try:
        module = importlib.import_module("ui.app")
    except ModuleNotFoundError as exc:
        if exc.name in ("ui", "ui.app"):
            return None
        raise  # ui/app.py exists but needs something missing: say so rather than hide the UI
    build: Callable[[App], Any] = module.build_ui
    return build


def mount_ui(api: FastAPI, app: App) -> None:
    """Mount the Gradio UI (ui/app.py: build_ui(app)) at "/", or a page saying it is not built."""
    build_ui = _find_ui()
    if build_ui is None:
        beside = Path(__file__).resolve().parents[2] / "ui" / "app.py"
        hint = f" ({beside} exists: reinstall with `pip install -e .` so that `ui` is importable)"
        log.warning(
            "ui.app is not importable%s: serving a placeholder page at /", hint if beside.is_file() else ""
        )

        @api.get("/", include_in_schema=False, response_class=HTMLResponse)
        def ui_missing() -> str:
            return UI_MISSING

        return
    import gradio

    gradio.mount_gradio_app(
        api, build_ui(app), path="/", server_name=app.settings.host, server_port=app.settings.port
    )


def from_env() -> FastAPI:
    """Factory for `uvicorn --factory rag.serve.server:from_env` (settings from RAG_* variables)."""
    from rag.settings import Settings

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return create_app(App.from_settings(Settings()))
