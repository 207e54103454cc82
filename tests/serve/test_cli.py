"""`rag serve` as a user runs it: a subprocess that indexes an empty index, prints the URLs and
serves until interrupted."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from rag.cli import main
from tests.conftest import CORPUS


def test_help_mentions_workers_and_urls() -> None:
    out = CliRunner().invoke(main, ["serve", "--help"]).output
    for text in ("/docs", "/v1", "/mcp", "RAG_CHROMA_URL", "chroma run", "RAG_API_KEYS"):
        assert text in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_rag_serve_indexes_then_serves(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_EMBEDDING_MODEL": "none", "RAG_PORT": str(port), "RAG_INDEX_DIR": str(tmp_path / "index"),
            "RAG_CORPUS_DIR": str(tmp_path / "corpus")}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--log-level", "warning"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, "".join(lines)
        assert health.json()["status"] == "ok" and health.json()["index"]["documents"] == 5
        ask = httpx.post(
            f"http://127.0.0.1:{port}/api/ask", json={"question": "Ai ký Công văn 2395/UBND-KTTH?"}
        )
        assert ask.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        reader.join(timeout=5)
    out = "".join(lines)
    assert "Indexing" in out and "5 documents" in out
    for url in ("/docs", "/v1", "/mcp"):
        assert f"http://127.0.0.1:{port}{url}" in out
    assert "Dense retrieval: OFF" in out and "LLM: off" in out
