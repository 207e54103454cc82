"""Feedback round trip: record verdicts, export them (admin) as gold-set candidates."""

from __future__ import annotations

import json

import httpx

from tests.serve.conftest import QUESTION


def test_feedback_round_trip(client: httpx.Client, admin: httpx.Client) -> None:
    answer = client.post("/api/ask", json={"question": QUESTION}).json()
    r = client.post("/api/feedback", json={"question": QUESTION, "answer": answer, "verdict": "correct",
                                           "comment": "đúng"})  # fmt: skip
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    r = client.post(
        "/api/feedback", json={"question": QUESTION, "answer": answer, "verdict": "wrong_evidence"}
    )
    assert r.json()["id"] == first + 1

    assert client.get("/api/feedback/export").status_code == 403, "export needs an admin key"
    export = admin.get("/api/feedback/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in export.text.splitlines()]
    mine = {row["id"]: row for row in rows}
    correct = mine[f"fb{first:05d}"]
    assert correct["question"] == QUESTION and correct["notes"] == "đúng"
    assert {"doc_number": "2395/UBND-KTTH", "section_path": ["2", "2.2", "b"]} in correct["gold"]
    assert mine[f"fb{first + 1:05d}"]["gold"] == []


def test_feedback_verdict_is_validated(client: httpx.Client) -> None:
    r = client.post("/api/feedback", json={"question": "q", "answer": {}, "verdict": "meh"})
    assert r.status_code == 422
    assert "verdict" in r.json()["error"]["message"]
