"""Security checks beyond tests/serve/ (which covers 401 without or with a wrong key, 403 for uploads
with a user key, the rate limit, 413 on /api/ask, a GET with Origin getting no CORS header, and
sanitized names for a few paths): keys compared in constant time and never written to logs or
disk, upload names safe for any input, content checked by content, every body limit enforced before
the body is read, CORS preflights, documents returned as data. XSS in the UI is covered by
tests/ui/test_render.py (escaping of every renderer) and tests/ui/test_browser.py (a hostile
document in a real browser); prompt injection by tests/answer/test_llm_path.py and test_llm_faults.py."""

from __future__ import annotations

import contextlib
import hmac
import socket
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rag.serve import server as server_module
from rag.serve.security import KeyRing, ServeLimits
from rag.serve.server import create_app
from rag.serve.service import ServeError
from rag.serve.uploads import safe_filename
from tests.reliability.conftest import QUESTION, ServerProcess, copy_corpus, free_port, server_env
from tests.serve.conftest import Running, make_app, serve_in_thread, stop
from tests.text.test_readers import _bomb_docx

USER = "user-secret-4f9c2a71d0"
ADMIN = "admin-secret-8be1d3c955"
WRONG = "wrong-secret-0a1b2c3d4e"


# --- keys ----------------------------------------------------------------------------------------


def test_keys_are_compared_in_constant_time_against_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)  # KeyRing looks it up on hmac
    ring = KeyRing("k1, k2,k3")
    for probe, expected in (("k2", True), ("k1", True), ("nope", False), ("k", False), ("k1 ", False)):
        calls.clear()
        assert ring.match(probe) is expected
        assert len(calls) == 3, "every configured key is compared, also after a match"
        assert {len(a) for a, _ in calls} | {len(b) for _, b in calls} == {32}, "digests of equal length"
    assert ring.match(None) is False and not KeyRing(" , ")


def test_keys_never_reach_logs_or_disk(tmp_path: Path, servers: list[ServerProcess]) -> None:
    """`rag serve` at debug log level, used with a user key, an admin key and a wrong key."""
    corpus = copy_corpus(tmp_path / "corpus", "2395/UBND-KTTH")
    env = server_env(tmp_path / "index", corpus, free_port(), RAG_API_KEYS=USER, RAG_ADMIN_KEYS=ADMIN)
    server = ServerProcess(tmp_path, env, log_level="debug").start()
    servers.append(server)
    server.wait_ready()
    bodies = []
    for key in (USER, ADMIN, WRONG):
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
            answer = c.post("/api/ask", json={"question": QUESTION})
            bodies += [
                answer.text,
                c.post("/api/search", json={"question": "x", "k": 0}).text,  # a validation error
                c.get("/api/documents/nothing-here").text,
                c.get("/v1/models").text,
                c.post(
                    "/api/feedback",
                    json={"question": QUESTION, "answer": answer.json(), "verdict": "correct"},
                ).text,
                c.post("/api/documents", files={"file": ("a.txt", b"\x00\x01", "text/plain")}).text,
                c.get("/api/feedback/export").text,
            ]
    # Request heads are bounded too, not only bodies: `rag serve` runs h11, which refuses a head still
    # incomplete past 16 KB (httptools would buffer a header of any size).
    for head in (f"GET /api/documents/{'x' * 2**20} HTTP/1.1\r\nHost: a\r\n\r\n",
                 f"GET /api/health HTTP/1.1\r\nHost: a\r\nX-Big: {'y' * 2**20}\r\n\r\n"):  # fmt: skip
        with contextlib.suppress(ConnectionResetError):  # refused before the whole head was sent
            assert _raw_request(server.port, head)[0] == 400
    assert httpx.get(f"{server.url}/api/health", headers={"X-Ok": "y" * 8000}).status_code == 200
    assert server.stop() is not None
    log = server.output()
    assert "POST /api/ask" in log, "the access log is on"
    for key in (USER, ADMIN, WRONG):
        assert key not in log
        assert not any(key in b for b in bodies)
        for f in (tmp_path / "index").rglob("*"):
            if f.is_file():
                assert key.encode() not in f.read_bytes(), f
    assert "key-" in (tmp_path / "index" / "feedback.sqlite").read_bytes().decode("latin-1"), (
        "users are key hashes"
    )


# --- a server with keys and small limits ------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    run = make_app(tmp_path_factory.mktemp("guarded"), api_keys=USER, admin_keys=ADMIN, max_file_mb=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(
            run.app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins="")
        )
    handle, port = serve_in_thread(api)
    run.url, run.port = f"http://127.0.0.1:{port}", port
    yield run
    stop(handle)


@pytest.fixture(scope="module")
def admin(guarded: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=guarded.url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60) as c:
        yield c


# --- upload names --------------------------------------------------------------------------------

TRICKY_NAMES = [
    "../../x.txt", "..\\..\\x.txt", "/etc/cron.d/x.txt", "C:\\Windows\\x.txt", "x.txt\x00.exe", "a\x00/../b.txt",
    "..／..／x.txt", "..∕..∕x.txt", "․․/․․/x.txt", "%2e%2e%2fx.txt", "\u202etxt.exe.md", "x\u200b.txt", "~/.ssh/x.md",
    "....//....//x.txt", "." * 300 + "x.txt", "x" * 1000 + ".txt", "Ke\u0302\u0301 hoa\u0323ch.md", "\n\r\t.md",
]  # fmt: skip
_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _is_safe(name: str, folder: Path) -> bool:
    return (
        0 < len(name) <= 120
        and not name.startswith((".", "-", "_"))
        and all(c in _ALLOWED or (unicodedata.category(c).startswith("L") and not c.isascii()) for c in name)
        and unicodedata.is_normalized("NFC", name)
        and (folder / name).resolve().parent == folder.resolve()
    )


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(max_size=300))
@example("../../x.txt")
def test_any_upload_name_is_refused_or_safe(raw: str) -> None:
    for candidate in (raw, raw + ".txt", "../" + raw, raw.replace("a", "/")):
        try:
            name = safe_filename(candidate)
        except ServeError as exc:
            assert exc.code == "invalid_file_name"
            continue
        assert _is_safe(name, Path("/srv/corpus/uploads")), (candidate, name)


@pytest.mark.parametrize("raw", TRICKY_NAMES, ids=range(len(TRICKY_NAMES)))
def test_tricky_upload_names_land_in_the_uploads_folder(
    guarded: Running, admin: httpx.Client, raw: str
) -> None:
    body = f"Số: 11/UBND-X\nV/v kiểm tra tên tệp\n\n1. Nội dung kiểm tra {len(raw)}.\n".encode()
    r = admin.post("/api/documents", files={"file": (raw, body, "text/plain")}, params={"replace": "true"})
    uploads = guarded.corpus_dir / "uploads"
    if r.status_code == 201:
        stored = Path(r.json()["path"])
        assert stored.parent.resolve() == uploads.resolve() and stored.is_file()
        assert _is_safe(stored.name, uploads)
    else:  # a name with nothing usable, or no accepted type left
        assert r.status_code in (400, 415), r.text
        assert r.json()["error"]["code"] in ("invalid_file_name", "unsupported_file_type")
    outside = [p for p in guarded.corpus_dir.parent.rglob("*") if p.is_file() and "uploads" not in p.parts
               and p.suffix in (".txt", ".md", ".exe") and "corpus" not in p.parts]  # fmt: skip
    assert not outside, outside


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("anh.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary"),
        ("anh.md", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8, "binary"),
        ("thuc-ra-pdf.docx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "DOCX"),
        ("thuc-ra-zip.pdf", b"PK\x03\x04" + bytes(40), "PDF"),
        ("bom.docx", None, "zip bomb"),
    ],
)
def test_content_is_checked_by_content_not_by_name(
    guarded: Running, admin: httpx.Client, tmp_path: Path, name: str, data: bytes | None, reason: str
) -> None:
    if data is None:
        _bomb_docx(tmp_path / name)
        data = (tmp_path / name).read_bytes()
    r = admin.post("/api/documents", files={"file": (name, data, "text/plain")})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unreadable_file", r.text
    assert reason in r.json()["error"]["message"]
    assert not (guarded.corpus_dir / "uploads" / name).exists()


def test_document_text_comes_back_as_data(admin: httpx.Client) -> None:
    hostile = ("Số: 12/UBND-XSS\nV/v kiểm tra hiển thị\n\n1. Nội dung <script>alert(1)</script> và "
               "[bấm vào đây](javascript:alert(2)) cùng <img src=x onerror=alert(3)>.\n")  # fmt: skip
    r = admin.post("/api/documents", files={"file": ("xss.md", hostile.encode(), "text/markdown")})
    assert r.status_code == 201, r.text
    doc = admin.get("/api/documents/12%2FUBND-XSS")
    assert doc.headers["content-type"].startswith("application/json")
    section = admin.get(f"/api/documents/{doc.json()['id']}/sections/1")
    assert section.headers["content-type"].startswith("application/json")
    assert "<script>alert(1)</script>" in section.json()["text"], "kept verbatim, as data; the UI escapes it"


# --- body limits ----------------------------------------------------------------------------------


def _raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, float]:
    """Send a request by hand (a Content-Length the body never matches); status and seconds taken."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode() + body)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), time.monotonic() - t0


@pytest.mark.parametrize(
    ("path", "key", "ctype"),
    [
        ("/api/documents", ADMIN, "multipart/form-data; boundary=x"),
        ("/api/ask", USER, "application/json"),
        ("/v1/chat/completions", USER, "application/json"),
        ("/api/feedback", USER, "application/json"),
        ("/mcp", USER, "application/json"),
    ],
)
def test_declared_oversized_body_is_413_before_it_is_sent(
    guarded: Running, path: str, key: str, ctype: str
) -> None:
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {10 * 1024**3}\r\n\r\n")  # fmt: skip
    status, seconds = _raw_request(guarded.port, head)
    assert status == 413 and seconds < 5


@pytest.mark.parametrize(
    ("path", "key", "mb"), [("/v1/chat/completions", USER, 0.5), ("/api/documents", ADMIN, 3)]
)
def test_streamed_oversized_body_is_413(guarded: Running, path: str, key: str, mb: float) -> None:
    def chunks() -> Iterator[bytes]:
        if path == "/api/documents":
            yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
        for _ in range(int(mb * 16)):
            yield b"a" * 65536  # no Content-Length: the limit applies while reading

    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json" if "v1" in path
               else "multipart/form-data; boundary=x"}  # fmt: skip
    r = httpx.post(guarded.url + path, content=chunks(), headers=headers, timeout=60)
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "payload_too_large"


# --- CORS ----------------------------------------------------------------------------------------


def _preflight(http: TestClient, origin: str) -> Any:
    return http.options("/api/ask", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "authorization,content-type"})  # fmt: skip


@pytest.mark.parametrize("origins", ["", "https://cong-thong-tin.example"])
def test_cors_preflight(guarded: Running, origins: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(
            guarded.app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins=origins)
        )
    with TestClient(api) as http:
        evil = _preflight(http, "https://evil.example")
        assert "access-control-allow-origin" not in evil.headers
        get = http.get("/api/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in get.headers
        allowed = _preflight(http, "https://cong-thong-tin.example")
        if origins:
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == "https://cong-thong-tin.example"
            assert "access-control-allow-credentials" not in allowed.headers
        else:
            assert "access-control-allow-origin" not in allowed.headers
