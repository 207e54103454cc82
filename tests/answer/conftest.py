"""Shared pieces of the answer tests: a citation check applied to every answer, and a scripted
OpenAI-protocol server on loopback that stands in for the LLM (the test decides every reply)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.answer.models import Answer, Citation
from rag.app import App
from rag.documents.labels import nodes_for
from tests.conftest import lexical_settings

# --- citations ------------------------------------------------------------------------------


def assert_verified(app: App, citation: Citation) -> None:
    """The citation's quote is the exact text at [start, end) of the cited document, that span lies
    inside the section at ``section_path``, and the number is the document's citation number."""
    gen = app.generation()
    assert gen is not None
    doc = gen.store.document(citation.doc_id)
    assert doc is not None, citation.doc_id
    assert citation.doc_number == doc.cite_number
    assert 0 <= citation.start < citation.end <= len(doc.text)
    assert doc.text[citation.start : citation.end] == citation.quote
    chain = nodes_for(doc, citation.section_path)
    assert chain, f"no section {citation.section_path} in {doc.cite_number}"
    node = chain[-1]
    assert node.start <= citation.start and citation.end <= node.end, (
        citation.section_path,
        node.start,
        node.end,
    )


def assert_all_verified(app: App, answer: Answer) -> None:
    for c in answer.citations:
        assert_verified(app, c)


def paths(answer: Answer) -> list[tuple[str | None, list[str]]]:
    return [(c.doc_number, c.section_path) for c in answer.citations]


# --- the scripted LLM server ----------------------------------------------------------------

SOURCE_RE = re.compile(r'<source id="(\d+)" cite="([^"]*)">\n(.*?)\n</source>', re.DOTALL)


@dataclass
class Source:
    n: int
    cite: str
    text: str


@dataclass
class LLMRequest:
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def system(self) -> str:
        return next((m["content"] for m in self.body["messages"] if m["role"] == "system"), "")

    @property
    def human(self) -> str:
        return next((m["content"] for m in reversed(self.body["messages"]) if m["role"] == "user"), "")

    @property
    def sources(self) -> list[Source]:
        return [Source(int(n), cite, text) for n, cite, text in SOURCE_RE.findall(self.human)]

    def source_with(self, needle: str) -> Source:
        found = [s for s in self.sources if needle in s.text]
        assert found, f"no source contains {needle!r}"
        return found[0]


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay_s: float = 0.0  # before anything is sent
    chunk_delay_s: float = 0.0  # between streamed pieces
    pieces: int = 8


Script = Callable[[LLMRequest], "Reply | str"]


def reply_with(text: str, citations: list[dict[str, Any]]) -> str:
    """A reply in the format the prompt asks for."""
    return f"{text}\nCITATIONS: {json.dumps(citations, ensure_ascii=False)}"


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, pieces)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


@dataclass
class FakeLLM:
    """POST /v1/chat/completions, JSON or SSE (``stream: true``), answered by ``script``."""

    server: ThreadingHTTPServer
    stop: threading.Event
    script: Script = lambda _req: "KHÔNG TÌM THẤY"
    requests: list[LLMRequest] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def last(self) -> LLMRequest:
        assert self.requests, "the LLM server was not called"
        return self.requests[-1]

    def reset(self, script: Script | None = None) -> None:
        self.script = script or (lambda _req: "KHÔNG TÌM THẤY")
        self.requests.clear()
        self.errors.clear()


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _json(self, status: int, obj: object) -> None:
            data = json.dumps(obj, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"unknown path {self.path}"}})
                return
            req = LLMRequest(body, {k.lower(): v for k, v in self.headers.items()})
            fake.requests.append(req)
            try:
                reply = fake.script(req)
            except Exception as exc:  # a broken script must fail the test, not hang it
                fake.errors.append(f"{type(exc).__name__}: {exc}")
                self._json(500, {"error": {"message": f"script failed: {exc}"}})
                return
            if isinstance(reply, str):
                reply = Reply(reply)
            try:
                if reply.delay_s:
                    fake.stop.wait(reply.delay_s)
                if reply.status != 200:
                    self._json(
                        reply.status, {"error": {"message": "scripted failure", "type": "server_error"}}
                    )
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    self._json(200, {
                        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model"),
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                                     "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    })  # fmt: skip
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to do

        def _stream(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

            def event(delta: dict[str, str], finish: str | None = None) -> None:
                chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()

            for i, piece in enumerate(_split(reply.text, reply.pieces)):
                if i and reply.chunk_delay_s:
                    fake.stop.wait(reply.chunk_delay_s)
                event({"role": "assistant", "content": piece} if i == 0 else {"content": piece})
            event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLLM]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    server.block_on_close = False
    fake = FakeLLM(server, threading.Event())
    server.RequestHandlerClass = _handler(fake)
    thread = threading.Thread(target=server.serve_forever, name="fake-llm", daemon=True)
    thread.start()
    yield fake
    fake.stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_llm(fake_llm_server: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """The server, reset for one test; loopback never goes through a proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    fake_llm_server.reset()
    yield fake_llm_server
    assert not fake_llm_server.errors, fake_llm_server.errors
    fake_llm_server.reset()


LLM_TIMEOUT_S = 2.0


def llm_app(index_dir: Path, corpus_dir: Path, fake: FakeLLM, **extra: object) -> App:
    """An app over an (already ingested) index whose answers go through the scripted server."""
    settings = lexical_settings(
        index_dir, corpus_dir, llm_base_url=fake.base_url, llm_model="fake", llm_api_key="x",
        llm_timeout_s=LLM_TIMEOUT_S, **extra,
    )  # fmt: skip
    return App.from_settings(settings)
