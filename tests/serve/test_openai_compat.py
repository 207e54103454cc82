"""The OpenAI-compatible endpoint through the official openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import openai
import pytest
from openai import OpenAI

from rag.answer.models import Answer, Citation
from rag.serve.openai_compat import chat_events
from tests.serve.conftest import QUESTION, USER_KEY, Running


@pytest.fixture(scope="module")
def oa(server: Running) -> Iterator[OpenAI]:
    with OpenAI(base_url=f"{server.url}/v1", api_key=USER_KEY, max_retries=0, timeout=30) as c:
        yield c


def test_models(oa: OpenAI) -> None:
    assert [m.id for m in oa.models.list()] == ["rag-vn-docs"]


def test_chat_completion(oa: OpenAI) -> None:
    r = oa.chat.completions.create(
        model="rag-vn-docs",
        messages=[{"role": "system", "content": "Trả lời ngắn gọn."}, {"role": "user", "content": QUESTION}],
    )
    text = r.choices[0].message.content or ""
    assert "2395/UBND-KTTH" in text
    assert "\n[1] điểm b mục 2.2 Công văn số 2395/UBND-KTTH" in text, "the text ends with numbered references"
    assert r.model_extra is not None
    citations = r.model_extra["citations"]
    assert citations[0]["doc_number"] == "2395/UBND-KTTH"
    assert citations[0]["section_path"] == ["2", "2.2", "b"]


def test_chat_completion_stream(oa: OpenAI) -> None:
    stream = oa.chat.completions.create(
        model="rag-vn-docs", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "2395/UBND-KTTH" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra is not None
    assert last.model_extra["citations"][0]["section_path"] == ["2", "2.2", "b"]


def test_stream_is_server_sent_events(server: Running) -> None:
    body = {"model": "rag-vn-docs", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body,
                      headers={"Authorization": f"Bearer {USER_KEY}"}, timeout=30) as r:  # fmt: skip
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"


def test_extension_filters(oa: OpenAI) -> None:
    r = oa.chat.completions.create(
        model="rag-vn-docs", messages=[{"role": "user", "content": QUESTION}],
        extra_body={"filters": {"doc_number": "39/KH-UBND"}},
    )  # fmt: skip
    assert r.model_extra is not None
    assert {c["doc_number"] for c in r.model_extra["citations"]} <= {"39/KH-UBND"}


def test_unknown_model_and_missing_question(oa: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="rag-vn-docs"):
        oa.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.BadRequestError, match="user message"):
        oa.chat.completions.create(model="rag-vn-docs", messages=[{"role": "system", "content": "hi"}])


def test_wrong_key(server: Running) -> None:
    with (
        OpenAI(base_url=f"{server.url}/v1", api_key="nope", max_retries=0) as bad,
        pytest.raises(openai.AuthenticationError),
    ):
        bad.models.list()


def _collect(snapshots: list[Answer]) -> list[dict[str, Any]]:
    async def run() -> list[str]:
        return [
            event
            async for event in chat_events(iter(snapshots), {"id": "chatcmpl-x", "created": 0, "model": "m"})
        ]

    events = anyio.run(run)
    assert events[-1] == "data: [DONE]\n\n"
    return [json.loads(e.removeprefix("data: ")) for e in events[:-1]]


def test_stream_of_llm_snapshots_sends_deltas_then_the_verified_text() -> None:
    # An LLM answer streams as written ("[3]" is a source number); the verified final text
    # renumbers its markers, so it is sent whole after a separator instead of being lost.
    cite = Citation(doc_id="d", doc_number="1/X", section_path=["1"], label="mục 1 Công văn số 1/X", quote="q",
                    start=0, end=1)  # fmt: skip
    snapshots = [Answer(question="q", answer="Sở A"), Answer(question="q", answer="Sở A chủ trì [3]"),
                 Answer(question="q", answer="Sở A chủ trì [1]", citations=[cite])]  # fmt: skip
    chunks = _collect(snapshots)
    deltas = [c["choices"][0]["delta"].get("content", "") for c in chunks]
    assert deltas == [
        "",
        "Sở A",
        " chủ trì [3]",
        "\n\n---\nSở A chủ trì [1]",
        "\n\nTrích dẫn:\n[1] mục 1 Công văn số 1/X",
        "",
    ]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"][0]["doc_number"] == "1/X"


def test_stream_failure_is_reported_in_band() -> None:
    def failing() -> Iterator[Answer]:
        yield Answer(question="q", answer="Sở")
        raise RuntimeError("boom")

    async def run() -> list[str]:
        return [event async for event in chat_events(failing(), {"id": "x", "created": 0, "model": "m"})]

    events = anyio.run(run)
    assert '"internal_error"' in events[-2] and events[-1] == "data: [DONE]\n\n"
