"""A server without keys over an index that is empty, then damaged: health still answers, the
other routes say how to fix it; without keys the API is open but uploads stay refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from rag.serve import server as server_module
from rag.serve.security import ServeLimits
from rag.serve.server import create_app
from tests.serve.conftest import QUESTION, Running, make_app, serve_in_thread, stop


@dataclass
class Bare:
    http: httpx.Client
    index_dir: Path


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bare]:
    run: Running = make_app(tmp_path_factory.mktemp("bare"), ingest=False)
    with pytest.MonkeyPatch.context() as mp:  # as if ui/app.py were not written yet
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(
            run.app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins="")
        )
    handle, port = serve_in_thread(api)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
        yield Bare(c, run.index_dir)
    stop(handle)


@pytest.fixture
def bare(bare_server: Bare) -> httpx.Client:
    return bare_server.http


def test_empty_index(bare: httpx.Client) -> None:
    h = bare.get("/api/health")
    assert h.status_code == 200
    assert h.json()["status"] == "empty" and h.json()["index"]["documents"] == 0
    for r in (bare.post("/api/ask", json={"question": QUESTION}), bare.get("/api/documents")):
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "index_empty"
        assert "rag ingest" in r.json()["error"]["message"]


def test_without_keys_the_api_is_open_but_uploads_are_not(bare: httpx.Client) -> None:
    assert bare.get("/v1/models").status_code == 200
    assert bare.get("/api/feedback/export").status_code == 200
    r = bare.post("/api/documents", files={"file": ("a.txt", b"text", "text/plain")})
    assert r.status_code == 403
    assert "none is configured" in r.json()["error"]["message"]


def test_corrupt_index(bare_server: Bare) -> None:
    bare = bare_server.http
    active = bare_server.index_dir / "ACTIVE"
    active.write_text("{not json")
    try:
        h = bare.get("/api/health")
        assert h.status_code == 503
        assert h.json()["status"] == "error"
        assert "rag ingest --rebuild" in h.json()["message"]
        r = bare.post("/api/search", json={"question": QUESTION})
        assert r.status_code == 503 and r.json()["error"]["code"] == "index_corrupt"
    finally:
        active.unlink()


def test_placeholder_page_without_ui(bare: httpx.Client) -> None:
    r = bare.get("/")
    assert r.status_code == 200 and "UI is not built" in r.text
