"""The /api routes over a real server: answers, search, documents and sections, health."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

from tests.serve.conftest import QUESTION

NUMBERS = {"2395/UBND-KTTH", "39/KH-UBND", "25/QĐ-UBND", "350/QĐ-UBND", "997/QĐ-UBND"}


def test_ask_cites_the_section(client: httpx.Client) -> None:
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"question", "answer", "abstained", "citations", "retrieved", "signals", "timings_ms",
                         "lang", "qtype", "verification", "notices"}  # fmt: skip
    first = body["citations"][0]
    assert first["doc_number"] == "2395/UBND-KTTH"
    assert first["section_path"] == ["2", "2.2", "b"]
    assert "tuyến container" in first["quote"]
    assert not body["abstained"]


def test_ask_with_filters_and_k(client: httpx.Client) -> None:
    r = client.post("/api/ask", json={"question": QUESTION, "k": 3, "filters": {"doc_number": "39/KH-UBND"}})
    assert r.status_code == 200, r.text
    assert {c["doc_number"] for c in r.json()["citations"]} <= {"39/KH-UBND"}


def test_search_returns_ranked_sections_with_citation_fields(client: httpx.Client) -> None:
    r = client.post("/api/search", json={"question": QUESTION, "k": 5})
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert 0 < len(hits) <= 5
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    top = next(h for h in hits if h["doc_number"] == "2395/UBND-KTTH")
    for field in (
        "doc_type",
        "issuer",
        "issued_date",
        "section_path",
        "label",
        "text",
        "start",
        "end",
        "source",
    ):
        assert top[field] not in (None, ""), field
    assert top["label"].endswith("Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi")
    assert "answer" not in r.json()


def test_documents_list(client: httpx.Client) -> None:
    r = client.get("/api/documents")
    assert r.status_code == 200
    rows = r.json()
    assert {d["cite_number"] for d in rows} >= NUMBERS
    assert all(d["chunks"] > 0 and d["sections"] > 0 for d in rows)


@pytest.mark.parametrize(
    "ref", ["2395-ubnd-ktth-20220520", "2395%2FUBND-KTTH", "2395/UBND-KTTH", "2395%2Fubnd-ktth"]
)
def test_document_by_id_or_number(client: httpx.Client, ref: str) -> None:
    r = client.get(f"/api/documents/{ref}")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["number"] == "2395/UBND-KTTH"
    top = {n["label"]: n for n in doc["tree"]}
    sub = {n["label"]: n for n in top["2"]["children"]}
    assert ["2", "2.2", "b"] in [n["path"] for n in sub["2.2"]["children"]]


def test_section_text_and_label(client: httpx.Client) -> None:
    r = client.get("/api/documents/2395%2FUBND-KTTH/sections/2/2.2/b")
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["section_label"] == "điểm b mục 2.2"
    assert s["label"].startswith("điểm b mục 2.2 Công văn số 2395/UBND-KTTH")
    assert s["text"].startswith("b) Tiến hành rà soát")
    assert s["end"] - s["start"] == len(s["text"])


def test_section_with_encoded_vietnamese_labels(client: httpx.Client) -> None:
    doc = client.get("/api/documents/39%2FKH-UBND").json()
    appendix = next(n for n in doc["tree"] if n["label"] == "Phụ lục")
    row = appendix["children"][0]
    path = "/".join(urllib.parse.quote(label, safe="") for label in row["path"])
    r = client.get(f"/api/documents/39%2FKH-UBND/sections/{path}")
    assert r.status_code == 200, r.text
    assert r.json()["record"], "a table row carries its cells"
    assert r.json()["label"].startswith(f"dòng {row['label']} Phụ lục")


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("/api/documents/9999%2FXX", "GET /api/documents lists"),
        ("/api/documents/2395%2FUBND-KTTH/sections/2/9.9", "/api/documents/2395-ubnd-ktth-20220520"),
        ("/api/documents/2395%2FUBND-KTTH/sections/9/b", "Did you mean"),
    ],
)
def test_unknown_document_or_section_is_a_json_404(client: httpx.Client, url: str, hint: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert hint in r.json()["error"]["message"]


def test_health_is_open_and_reports_signals(anon: httpx.Client) -> None:
    r = anon.get("/api/health")
    assert r.status_code == 200
    h = r.json()
    assert h["status"] == "ok"
    assert h["index"]["documents"] >= 5 and h["index"]["chunks"] > 0 and h["index"]["generation"]
    assert h["signals"]["lexical"] is True
    assert h["signals"]["dense"] == {
        "enabled": False,
        "note": "Dense retrieval is disabled (RAG_EMBEDDING_MODEL=none).",
    }
    assert h["signals"]["llm"] == {"enabled": False, "model": None}
    assert h["version"]


def test_openapi_docs_are_open(anon: httpx.Client) -> None:
    assert anon.get("/docs").status_code == 200
    spec = anon.get("/openapi.json").json()
    for path in ("/api/ask", "/api/search", "/api/documents", "/api/health", "/v1/chat/completions"):
        assert path in spec["paths"], path
    assert spec["paths"]["/api/ask"]["post"]["description"]
