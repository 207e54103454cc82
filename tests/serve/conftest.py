"""A real server for the serve tests: uvicorn on 127.0.0.1 (a free port, in a background thread)
over a temporary copy of the corpus, ingested once. Clients are real: httpx, openai, mcp."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from rag.app import App
from rag.serve.security import ServeLimits
from rag.serve.server import create_app
from tests.conftest import CORPUS, lexical_settings

USER_KEY = "user-key-0123456789"
RATE_KEY = "rate-key-0123456789"  # only the rate-limit test spends this key's budget
ADMIN_KEY = "admin-key-0123456789"
RATE_PER_MIN = 300
QUESTION = "Ai chịu trách nhiệm đầu tư tuyến container tại Khu kinh tế Dung Quất?"


@dataclass
class Running:
    url: str
    port: int
    app: App
    corpus_dir: Path
    index_dir: Path


@dataclass
class _Thread:
    server: uvicorn.Server
    thread: threading.Thread


def serve_in_thread(api: FastAPI) -> tuple[_Thread, int]:
    """Start uvicorn on a free loopback port; return once it accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return _Thread(server, thread), port


def stop(running: _Thread) -> None:
    running.server.should_exit = True
    running.thread.join(timeout=10)


def make_app(tmp: Path, **settings: object) -> Running:
    """An App over a fresh copy of the corpus in ``tmp``; indexed when ``ingest``."""
    ingest = bool(settings.pop("ingest", True))
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    app = App.from_settings(lexical_settings(tmp / "index", corpus, **settings))
    if ingest:
        app.ingestor(progress=False).run([corpus])
    return Running("", 0, app, corpus, tmp / "index")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The server most tests share: keys configured, the corpus indexed, uploads up to 1 MB."""
    run = make_app(tmp_path_factory.mktemp("serve"), api_keys=f"{USER_KEY},{RATE_KEY}", admin_keys=ADMIN_KEY,
                   max_file_mb=1)  # fmt: skip
    api = create_app(
        run.app, limits=ServeLimits(rate_limit_per_min=RATE_PER_MIN, max_request_kb=64, cors_origins="")
    )
    handle, port = serve_in_thread(api)
    run.url, run.port = f"http://127.0.0.1:{port}", port
    yield run
    stop(handle)


def _client(server: Running, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def client(server: Running) -> Iterator[httpx.Client]:
    """A client with a user API key."""
    with _client(server, USER_KEY) as c:
        yield c


@pytest.fixture(scope="session")
def admin(server: Running) -> Iterator[httpx.Client]:
    with _client(server, ADMIN_KEY) as c:
        yield c


@pytest.fixture(scope="session")
def anon(server: Running) -> Iterator[httpx.Client]:
    with _client(server, None) as c:
        yield c
