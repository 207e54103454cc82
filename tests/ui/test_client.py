"""The launched UI driven through its Gradio API with gradio_client, as another program would."""

from __future__ import annotations

from typing import Any

import pytest
from gradio_client import Client

from rag.serve.feedback import FeedbackStore
from tests.ui.conftest import CONTAINER_Q, Server


@pytest.fixture(scope="module")
def client(ui_server: Server) -> Client:
    return Client(ui_server.url + "/", verbose=False)


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, list):  # normalized messages: [{"type": "text", "text": ...}]
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def test_ask_endpoint_answers_with_citation(client: Client) -> None:
    chat, citations, section, answer, question, fb_for = client.predict(
        CONTAINER_Q, "vi", "", "", "", "", "", api_name="/ask"
    )
    assert _text(chat[0]) == CONTAINER_Q and chat[1]["role"] == "assistant" and "Ai chịu" in fb_for
    assert "2395/UBND-KTTH" in _text(chat[1])
    assert answer["citations"][0]["doc_number"] == "2395/UBND-KTTH"
    assert answer["citations"][0]["section_path"] == ["2", "2.2", "b"]
    assert "#rag/cite/0/1" in citations and "<mark>" in section
    assert question in ("", {"__type__": "update"})  # emptied when the question was taken


def test_ask_endpoint_applies_filters_and_takes_feedback(client: Client, ui_server: Server) -> None:
    store = FeedbackStore(ui_server.env.app.settings.index_dir / "feedback.sqlite")
    before = store.count()
    *_, answer, _, _ = client.predict(
        "Quảng Ngãi đóng góp kinh phí cho Hội đồng Vùng năm 2018 bao nhiêu?", "vi", "", "Kế hoạch", "", "2018", "2018",
        api_name="/ask",
    )  # fmt: skip
    assert not answer["abstained"] and "250 triệu đồng" in answer["answer"]
    assert {c["doc_number"] for c in answer["citations"]} == {"39/KH-UBND"}
    # the client keeps its session: feedback goes to the answer just given
    status, *_ = client.predict("correct", "đúng số tiền", "vi", api_name="/feedback")
    assert "Đã lưu" in status
    assert store.count() == before + 1
    assert store.recent(1)[0]["answer"]["citations"][0]["doc_number"] == "39/KH-UBND"
