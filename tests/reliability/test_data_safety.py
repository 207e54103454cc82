"""Feedback and uploads are never lost: several processes writing feedback at once (SQLite WAL) and a
restart keep every row exactly once; concurrent uploads are all stored and indexed and are still
there after a restart. (test_server_faults.py checks both across a SIGKILL of `rag serve`.)"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from rag.app import App
from rag.serve import server as server_module
from rag.serve.feedback import FeedbackStore
from rag.serve.security import ServeLimits
from rag.serve.server import create_app
from tests.reliability import _feedback_writer
from tests.serve.conftest import make_app, serve_in_thread, stop

WRITERS, WRITES = 4, 200


def test_concurrent_feedback_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index" / "feedback.sqlite"
    FeedbackStore(path).close()  # the server creates it at start
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    procs = [
        ctx.Process(target=_feedback_writer.write, args=(str(path), w, WRITES, barrier))
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
    assert [p.exitcode for p in procs] == [0] * WRITERS

    store = FeedbackStore(path)  # as after a restart: a new connection, in this process
    try:
        assert store.count() == WRITERS * WRITES
        rows = store.recent(limit=10 * WRITERS * WRITES)
        assert sorted(r["id"] for r in rows) == list(range(1, WRITERS * WRITES + 1))
        seen = sorted((r["answer"]["worker"], r["answer"]["i"]) for r in rows)
        assert seen == [(w, i) for w in range(WRITERS) for i in range(WRITES)], "each write exactly once"
        assert len(store.gold_candidates()) == WRITERS * WRITES
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_user = dict(db.execute("SELECT user, COUNT(*) FROM feedback GROUP BY user").fetchall())
    assert per_user == {f"w{w}": WRITES for w in range(WRITERS)}
    print(f"\nfeedback: {WRITERS} processes × {WRITES} writes → {WRITERS * WRITES} rows, each exactly once")


UPLOAD = "Số: {n}/UBND-UP\nV/v lưu trữ tài liệu số {n}\n\n1. Giao Sở Nội vụ lưu trữ tài liệu số {n} tại kho lưu trữ tỉnh.\n"


def test_concurrent_uploads_are_all_kept_across_a_restart(tmp_path: Path) -> None:
    run = make_app(tmp_path, admin_keys="adm-key-000111", max_file_mb=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server_module, "_find_ui", lambda: None)
        api = create_app(
            run.app, limits=ServeLimits(rate_limit_per_min=0, max_request_kb=64, cors_origins="")
        )
    handle, port = serve_in_thread(api)
    numbers = list(range(9100, 9108))
    statuses: dict[int, int] = {}

    def upload(n: int) -> None:
        r = httpx.post(f"http://127.0.0.1:{port}/api/documents", headers={"Authorization": "Bearer adm-key-000111"},
                       files={"file": (f"tai-lieu-{n}.txt", UPLOAD.format(n=n).encode(), "text/plain")}, timeout=120)  # fmt: skip
        statuses[n] = r.status_code

    try:
        threads = [threading.Thread(target=upload, args=(n,)) for n in numbers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert statuses == dict.fromkeys(numbers, 201), statuses
        docs = httpx.get(f"http://127.0.0.1:{port}/api/documents", timeout=60).json()
        assert {f"{n}/UBND-UP" for n in numbers} <= {d["cite_number"] for d in docs}
    finally:
        stop(handle)

    restarted = App.from_settings(run.app.settings)  # a new process over the same folders
    gen = restarted.generation()
    assert gen is not None
    numbers_now = {gen.store.document(d).cite_number for d in gen.store.document_ids()}  # type: ignore[union-attr]
    assert {f"{n}/UBND-UP" for n in numbers} <= numbers_now and len(numbers_now) == 5 + len(numbers)
    assert sorted(p.name for p in (run.corpus_dir / "uploads").iterdir()) == [
        f"tai-lieu-{n}.txt" for n in numbers
    ]
    # A full ingest of the corpus (as `rag ingest` after a restart) keeps them: they live in the corpus.
    report = restarted.ingestor(progress=False).run([run.corpus_dir])
    assert report.documents == 5 + len(numbers) and not report.removed
