"""Errors are JSON everywhere; keys, admin keys, size limits and the rate limit are enforced."""

from __future__ import annotations

import httpx
import pytest

from tests.serve.conftest import ADMIN_KEY, QUESTION, RATE_KEY, RATE_PER_MIN, USER_KEY, Running


def _error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["code"] == code
    message: str = r.json()["error"]["message"]
    assert message
    return message


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("GET", "/api/nothing-here", 404, "not_found"),
        ("GET", "/v1/nothing-here", 404, "not_found"),
        ("GET", "/api/ask", 405, "method_not_allowed"),
        ("DELETE", "/api/documents", 405, "method_not_allowed"),
        ("GET", "/v1/chat/completions", 405, "method_not_allowed"),
    ],
)
def test_unknown_routes_and_methods(
    client: httpx.Client, method: str, url: str, status: int, code: str
) -> None:
    r = client.request(method, url)
    _error(r, status, code)
    if status == 405:
        assert r.headers["allow"]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{"question": ', "not valid JSON"),
        (b'{"k": 3}', "question"),
        (b'{"question": "   "}', "question"),
        (b'{"question": "x", "k": 0}', "k"),
        (b'{"question": "x", "filters": {"date_from": "yesterday"}}', "date_from"),
        (b'{"question": "x", "colour": "blue"}', "colour"),
    ],
)
def test_bad_requests_are_json_validation_errors(client: httpx.Client, content: bytes, where: str) -> None:
    r = client.post("/api/ask", content=content, headers={"content-type": "application/json"})
    assert where in _error(r, 422, "validation_error")


def test_oversized_body_is_413(client: httpx.Client) -> None:
    big = {"question": "x" * 100, "padding": "y" * 70_000}  # the test server allows 64 KB
    assert "RAG_MAX_REQUEST_KB" in _error(client.post("/api/ask", json=big), 413, "payload_too_large")


def test_oversized_streamed_body_is_413(client: httpx.Client) -> None:
    def chunks() -> object:
        for _ in range(40):
            yield b"x" * 4096  # no Content-Length: the limit applies while reading

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})  # type: ignore[arg-type]
    _error(r, 413, "payload_too_large")


def test_missing_or_wrong_key_is_401(server: Running, anon: httpx.Client) -> None:
    assert "Authorization: Bearer" in _error(
        anon.post("/api/ask", json={"question": QUESTION}), 401, "unauthorized"
    )
    wrong = anon.get("/api/documents", headers={"Authorization": "Bearer not-a-key"})
    assert "Invalid API key" in _error(wrong, 401, "unauthorized")
    assert wrong.headers["www-authenticate"] == "Bearer"
    for path in ("/v1/models", "/mcp", "/api/feedback/export"):
        _error(anon.get(path), 401, "unauthorized")


@pytest.mark.parametrize("key", [USER_KEY, ADMIN_KEY])
def test_right_key_passes(server: Running, key: str) -> None:
    r = httpx.get(f"{server.url}/api/documents", headers={"Authorization": f"bearer {key}"})
    assert r.status_code == 200


def test_open_routes_need_no_key(anon: httpx.Client) -> None:
    for path in ("/api/health", "/docs", "/openapi.json"):
        assert anon.get(path).status_code == 200, path
    ui = anon.get("/")
    assert ui.status_code == 200 and "gradio" in ui.text.lower(), "the Gradio UI is mounted at /"


def test_rate_limit_per_key(server: Running, client: httpx.Client) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {RATE_KEY}"}) as limited:
        statuses = [limited.get("/v1/models").status_code for _ in range(RATE_PER_MIN + 20)]
        assert statuses[0] == 200 and 429 in statuses
        r = limited.get("/v1/models")
        assert "retry in" in _error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1
    assert client.get("/v1/models").status_code == 200, "another key has its own budget"


def test_cors_is_off_by_default(client: httpx.Client) -> None:
    r = client.get("/api/documents", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
