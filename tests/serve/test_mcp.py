"""The MCP server at /mcp through the official mcp client (streamable HTTP)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.serve.conftest import QUESTION, USER_KEY, Running


async def _session_run(url: str, key: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = await session.list_tools()
        ask = await session.call_tool("ask", {"question": QUESTION})
        search = await session.call_tool("search", {"question": QUESTION, "k": 3})
        bad = await session.call_tool("ask", {"question": ""})
    return {"tools": tools, "ask": ask, "search": search, "bad": bad}


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def test_mcp_tools(server: Running) -> None:
    out = anyio.run(_session_run, f"{server.url}/mcp", USER_KEY)
    tools = {t.name: t for t in out["tools"].tools}
    assert set(tools) == {"search", "ask"}
    assert "question" in tools["ask"].input_schema["properties"]

    assert not out["ask"].is_error
    answer = json.loads(_text(out["ask"]))
    assert answer["citations"][0]["doc_number"] == "2395/UBND-KTTH"
    assert answer["citations"][0]["section_path"] == ["2", "2.2", "b"]

    hits = json.loads(_text(out["search"]))["hits"]
    assert 0 < len(hits) <= 3 and all(h["label"] for h in hits)

    assert out["bad"].is_error, "an empty question is a tool error, not a crash"
