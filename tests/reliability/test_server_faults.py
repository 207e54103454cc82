"""`rag serve` killed and damaged: SIGKILL while requests (answers, streams, feedback, uploads) are in
flight, then a restart on the same index that serves at once, with every acknowledged feedback row
and upload still there; a corrupted or partly deleted index refused at start with the command that
repairs it, reported by /api/health, and repaired by `rag ingest --rebuild`."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from rag.app import App
from rag.index.generations import active_name
from rag.serve import server as server_module
from rag.serve.security import ServeLimits
from rag.serve.server import create_app
from tests.conftest import lexical_settings
from tests.reliability.conftest import (
    QUESTION,
    ServerProcess,
    copy_corpus,
    free_port,
    rag_cli,
    server_env,
)

USER, ADMIN = "user-key-reliability-0001", "admin-key-reliability-0001"
UPLOAD = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: {n}/UBND-TEST
V/v thí điểm nuôi chim cánh cụt số {n} tại đảo Lý Sơn

Quảng Ngãi, ngày 02 tháng 3 năm 2024

Kính gửi: Sở Nông nghiệp và Phát triển nông thôn.

1. Giao Sở Nông nghiệp và Phát triển nông thôn chủ trì thí điểm {n} nuôi chim cánh cụt tại đảo Lý Sơn.
2. Báo cáo kết quả trước ngày 30/6/2024.
"""


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _feedback(c: httpx.Client, i: int) -> int | None:
    r = c.post("/api/feedback", json={"question": f"câu hỏi {i}", "answer": {"answer": "x", "citations": []},
                                      "verdict": "correct"})  # fmt: skip
    return int(r.json()["id"]) if r.status_code == 201 else None


def _upload(c: httpx.Client, n: int) -> bool:
    r = c.post(
        "/api/documents", files={"file": (f"cong-van-{n}.txt", UPLOAD.format(n=n).encode(), "text/plain")}
    )
    return r.status_code == 201


def test_server_killed_mid_request_restarts_with_uploads_and_feedback(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    env = server_env(tmp_path / "index", corpus, free_port(), RAG_API_KEYS=USER, RAG_ADMIN_KEYS=ADMIN)
    first = ServerProcess(tmp_path, env, name="serve-1").start()
    servers.append(first)
    assert first.wait_ready()["status"] == "ok"

    acked_feedback: list[int] = []
    acked_uploads: list[int] = []
    with httpx.Client(base_url=first.url, headers=_headers(ADMIN), timeout=60) as admin:
        assert _upload(admin, 7000)
        acked_uploads.append(7000)
        for i in range(20):
            fid = _feedback(admin, i)
            assert fid is not None
            acked_feedback.append(fid)

    # Clients keep requests in flight; the server is killed under them.
    lock = threading.Lock()
    errors: list[str] = []
    statuses: list[int] = []
    stop = threading.Event()

    def client(kind: str, seed: int) -> None:
        with httpx.Client(base_url=first.url, headers=_headers(ADMIN), timeout=30) as c:
            n = seed
            while not stop.is_set():
                n += 1
                try:
                    if kind == "feedback":
                        fid = _feedback(c, n)
                        with lock:
                            acked_feedback.extend([fid] if fid else [])
                    elif kind == "upload":
                        if _upload(c, 8000 + n):
                            with lock:
                                acked_uploads.append(8000 + n)
                    elif kind == "stream":
                        body = {
                            "model": "rag-vn-docs",
                            "stream": True,
                            "messages": [{"role": "user", "content": QUESTION}],
                        }
                        with c.stream("POST", "/v1/chat/completions", json=body) as r:
                            statuses.append(r.status_code)
                            for _ in r.iter_lines():
                                pass
                    else:
                        statuses.append(c.post("/api/ask", json={"question": QUESTION}).status_code)
                except httpx.TransportError as exc:
                    with lock:
                        errors.append(type(exc).__name__)
                    return  # the server is gone

    kinds = ["ask", "ask", "stream", "feedback", "feedback", "upload"]
    threads = [threading.Thread(target=client, args=(k, i * 1000), daemon=True) for i, k in enumerate(kinds)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    generation = active_name(tmp_path / "index")
    first.kill()  # SIGKILL, requests in flight
    t0 = time.monotonic()
    for t in threads:
        t.join(timeout=40)
    stop.set()
    assert not any(t.is_alive() for t in threads), "a client hung after the server died"
    assert time.monotonic() - t0 < 40
    assert errors, "the kill happened while requests were in flight"
    assert statuses and all(s == 200 for s in statuses), statuses
    assert len(acked_feedback) > 20 and len(acked_uploads) >= 1

    with sqlite3.connect(tmp_path / "index" / "feedback.sqlite") as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    # The restart serves the same index at once: no re-ingest, the uploads and feedback are there.
    second = ServerProcess(tmp_path, env, name="serve-2").start()
    servers.append(second)
    health = second.wait_ready()
    assert health["status"] == "ok", health
    assert "indexing" not in second.output()
    with httpx.Client(base_url=second.url, headers=_headers(ADMIN), timeout=60) as admin:
        ask = admin.post("/api/ask", json={"question": QUESTION})
        assert ask.status_code == 200 and ask.json()["citations"]
        numbers = {d["cite_number"] for d in admin.get("/api/documents").json()}
        for n in acked_uploads:
            assert f"{n}/UBND-TEST" in numbers, n
            assert (corpus / "uploads" / f"cong-van-{n}.txt").is_file()
        exported = admin.get("/api/feedback/export").text.splitlines()
        ids = {int(line.split('"id": "fb')[1][:5]) for line in exported}
        assert set(acked_feedback) <= ids, "an acknowledged feedback row was lost"
        # What the index holds is consistent after the kill (an upload may have been cut short).
        if active_name(tmp_path / "index") != generation:
            assert health["index"]["documents"] == len(numbers)
    print(f"\nserver kill: {len(errors)} requests cut off, {len(acked_feedback)} feedback rows and "
          f"{len(acked_uploads)} uploads acknowledged before the kill, all present after the restart")  # fmt: skip


# --- a damaged index -------------------------------------------------------------------------------


def _damage(index: Path, how: str) -> None:
    gen = index / "generations" / str(active_name(index))
    if how == "delete-store":
        (gen / "store.sqlite").unlink()
    elif how == "truncate-lexical":
        data = gen / "lexical" / "data.csc.index.npy"
        with data.open("r+b") as fh:
            fh.truncate(data.stat().st_size // 2)
    elif how == "garbage-active":
        (index / "ACTIVE").write_bytes(b"\x00\xff garbage {")
    else:  # pragma: no cover
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["delete-store", "truncate-lexical", "garbage-active"])
def test_damaged_index_is_refused_at_start_reported_and_rebuilt(tmp_path: Path, how: str) -> None:
    corpus = copy_corpus(tmp_path / "corpus", "2395/UBND-KTTH", "39/KH-UBND")
    index = tmp_path / "index"
    env = server_env(index, corpus, free_port())
    assert rag_cli(["ingest", "--quiet"], env, tmp_path).returncode == 0
    _damage(index, how)

    # `rag serve` and `rag ask` refuse to start and say how to repair it.
    serve = ServerProcess(tmp_path, env).start()
    code = serve.wait_exit(timeout=120)
    assert code != 0 and "rag ingest --rebuild" in serve.output(), serve.output()
    assert "Traceback" not in serve.output()
    ask = rag_cli(["ask", QUESTION], env, tmp_path)
    assert ask.returncode != 0 and "rag ingest --rebuild" in ask.stderr and "Traceback" not in ask.stderr

    # A server that was already running reports it on /api/health (503) and on every route.
    app = App.from_settings(lexical_settings(index, corpus))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins=""))
    with TestClient(api) as http:
        h = http.get("/api/health")
        assert h.status_code == 503 and h.json()["status"] == "error"
        assert "rag ingest --rebuild" in h.json()["message"]
        r = http.post("/api/ask", json={"question": QUESTION})
        assert r.status_code == 503 and r.json()["error"]["code"] == "index_corrupt"

    # `rag ingest --rebuild` repairs it; then the server starts and answers.
    rebuilt = rag_cli(["ingest", "--rebuild", "--quiet"], env, tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "2 documents" in rebuilt.stdout
    ok = rag_cli(["ask", QUESTION, "--json"], env, tmp_path)
    assert ok.returncode == 0 and '"citations"' in ok.stdout
    assert len(list((index / "generations").iterdir())) == 1
