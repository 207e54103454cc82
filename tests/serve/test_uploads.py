"""Uploads: admin only, safe names, content checked before it is stored, then searchable."""

from __future__ import annotations

import httpx
import pytest

from rag.serve.service import ServeError
from rag.serve.uploads import safe_filename
from tests.serve.conftest import Running

NEW_DOC = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 777/UBND-TEST
V/v thí điểm nuôi chim cánh cụt tại đảo Lý Sơn

Quảng Ngãi, ngày 02 tháng 3 năm 2024

Kính gửi: Sở Nông nghiệp và Phát triển nông thôn.

1. Giao Sở Nông nghiệp và Phát triển nông thôn chủ trì thí điểm nuôi chim cánh cụt tại đảo Lý Sơn.
2. Báo cáo kết quả trước ngày 30/6/2024.
"""
PENGUIN_QUESTION = "Ai chủ trì thí điểm nuôi chim cánh cụt tại đảo Lý Sơn?"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../evil.txt", "evil.txt"),
        ("..\\..\\windows\\evil.txt", "evil.txt"),
        ("/etc/passwd.txt", "passwd.txt"),
        (".hidden.md", "hidden.md"),
        ("Kế hoạch số 39 (2018).txt", "Kế_hoạch_số_39_2018.txt"),
        ("Ke\u0302\u0301 hoa\u0323ch.md", "Kế_hoạch.md"),  # NFD in, NFC out
        ("a\x00b;rm -rf *.txt", "a_b_rm_-rf.txt"),
        ("văn bản..pdf", "văn_bản.pdf"),
    ],
)
def test_safe_filename(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


@pytest.mark.parametrize("raw", ["", "...", "../", "***"])
def test_safe_filename_refuses_names_without_characters(raw: str) -> None:
    with pytest.raises(ServeError):
        safe_filename(raw)


def _upload(c: httpx.Client, name: str, data: bytes, **params: str) -> httpx.Response:
    return c.post("/api/documents", files={"file": (name, data, "text/plain")}, params=params)


def test_non_admin_cannot_upload(client: httpx.Client, anon: httpx.Client) -> None:
    r = _upload(client, "x.txt", NEW_DOC.encode())
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "RAG_ADMIN_KEYS" in r.json()["error"]["message"]
    assert _upload(anon, "x.txt", NEW_DOC.encode()).status_code == 401


def test_admin_upload_becomes_searchable(server: Running, admin: httpx.Client, client: httpx.Client) -> None:
    r = _upload(admin, "../../cong-van-777.txt", NEW_DOC.encode())
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["file"] == "cong-van-777.txt" and not out["replaced"]
    assert out["report"]["changed"] and out["report"]["added"]
    stored = server.corpus_dir / "uploads" / "cong-van-777.txt"
    assert stored.read_text() == NEW_DOC
    assert not list(server.corpus_dir.parent.glob("*.txt")), "nothing written outside the uploads folder"

    hits = client.post("/api/search", json={"question": PENGUIN_QUESTION, "k": 3}).json()["hits"]
    assert hits[0]["doc_number"] == "777/UBND-TEST"
    answer = client.post("/api/ask", json={"question": PENGUIN_QUESTION}).json()
    assert answer["citations"][0]["doc_number"] == "777/UBND-TEST"
    assert client.get("/api/documents/777%2FUBND-TEST").status_code == 200

    again = _upload(admin, "cong-van-777.txt", NEW_DOC.encode())  # same bytes: no conflict, nothing changes
    assert again.status_code == 201 and not again.json()["report"]["changed"]
    changed = NEW_DOC.replace("30/6/2024", "31/7/2024").encode()
    conflict = _upload(admin, "cong-van-777.txt", changed)
    assert conflict.status_code == 409 and "replace=true" in conflict.json()["error"]["message"]
    replaced = _upload(admin, "cong-van-777.txt", changed, replace="true")
    assert replaced.status_code == 201 and replaced.json()["replaced"]
    assert replaced.json()["report"]["updated"]


@pytest.mark.parametrize(
    ("name", "data", "status", "code", "reason"),
    [
        ("photo.txt", bytes(range(256)) * 8, 415, "unreadable_file", "binary"),
        ("empty.txt", b"", 415, "unreadable_file", "empty"),
        ("tool.exe", b"MZ\x90\x00", 415, "unsupported_file_type", ".docx"),
        ("broken.docx", b"not a zip", 415, "unreadable_file", "DOCX"),
        ("huge.txt", b"a" * (1024 * 1024 + 10), 413, "payload_too_large", "RAG_MAX_FILE_MB"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(
    server: Running, admin: httpx.Client, name: str, data: bytes, status: int, code: str, reason: str
) -> None:
    r = _upload(admin, name, data)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert reason in r.json()["error"]["message"]
    uploads = server.corpus_dir / "uploads"
    assert not (uploads / name).exists()
    assert not [p for p in uploads.glob(".upload-*")], "no temporary file is left behind"
