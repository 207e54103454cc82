"""The MCP server (official `mcp` SDK, v2: `MCPServer`, formerly FastMCP): `search` and `ask` as
tools over streamable HTTP at /mcp, in the same process and behind the same API keys as /api.
Tools return JSON text carrying the citations."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer

from rag.serve.schemas import AskRequest, FiltersIn
from rag.serve.service import Service

INSTRUCTIONS = (
    "Question answering over Vietnamese government documents (công văn, kế hoạch, quyết định). "
    "Use `ask` for an answer with verified citations (document number + section, e.g. 'điểm b mục 2.2 "
    "Công văn số 2395/UBND-KTTH'); use `search` to see the best matching sections."
)


def _request(question: str, k: int | None, doc_number: str | None) -> AskRequest:
    return AskRequest(
        question=question, k=k, filters=FiltersIn(doc_number=doc_number) if doc_number else None
    )


def build_mcp(service: Service) -> MCPServer:
    mcp: MCPServer = MCPServer("rag-vn-docs", instructions=INSTRUCTIONS, log_level="WARNING")

    # Sync tools: the SDK runs them in a worker thread, like FastAPI's sync handlers.
    @mcp.tool(name="ask", structured_output=False)
    def ask(question: str, k: int | None = None, doc_number: str | None = None) -> str:
        """Answer a question from the indexed documents. Returns the answer object as JSON: `answer`
        (text with [n] markers), `citations` (doc_number, section_path, label, verbatim quote, offsets),
        `abstained` (true when the documents hold no basis). Optional: `k` sections to retrieve,
        `doc_number` to restrict to one document (e.g. '2395/UBND-KTTH')."""
        return json.dumps(service.ask(_request(question, k, doc_number)), ensure_ascii=False)

    @mcp.tool(name="search", structured_output=False)
    def search(question: str, k: int = 8, doc_number: str | None = None) -> str:
        """Rank the document sections that best match a question, without an answer. Returns JSON
        `hits`, each with doc_number, section_path, the full citation `label`, the section `text` and
        its `score`. Optional: `k` hits, `doc_number` to restrict to one document."""
        return service.search(_request(question, k, doc_number)).model_dump_json()

    return mcp


def mount_mcp(api: FastAPI, mcp: MCPServer, host: str) -> None:
    """Add the MCP endpoint to ``api`` at exactly /mcp (a Mount would redirect /mcp to /mcp/).
    The session manager must run in the app's lifespan: see :func:`mcp_lifespan`."""
    sub = mcp.streamable_http_app(streamable_http_path="/mcp", host=host)
    api.router.routes.extend(sub.routes)


@asynccontextmanager
async def mcp_lifespan(mcp: MCPServer) -> AsyncIterator[None]:
    async with mcp.session_manager.run():
        yield
