"""The UI's logic without a server: filters, streaming into the chat, opening citations and
sections, the document browser, feedback and its export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from rag.answer.models import Answer
from rag.serve.feedback import FeedbackStore
from tests.ui.conftest import CONTAINER_Q, EVIL_ID, UIEnv
from ui.handlers import Handlers
from ui.service import UIService, build_filters, parse_date


@pytest.fixture(scope="module")
def service(ui_env: UIEnv) -> UIService:
    return UIService(ui_env.app)


def _event(action: str, *args: object) -> gr.EventData:
    return gr.EventData(None, {"action": action, "args": [str(a) for a in args]})


def test_parse_date_and_filters() -> None:
    assert parse_date("20/5/2022") == dt.date(2022, 5, 20)
    assert parse_date("2022-05-20") == dt.date(2022, 5, 20)
    assert parse_date("2018") == dt.date(2018, 1, 1) and parse_date("2018", end=True) == dt.date(2018, 12, 31)
    assert parse_date("  ") is None
    with pytest.raises(ValueError):
        parse_date("hôm qua")
    assert build_filters("", "", None, "", "") is None
    assert build_filters("d1", "Công văn", "UBND tỉnh Quảng Ngãi", "2018", "31/12/2022") == {
        "doc_id": "d1", "doc_type": "Công văn", "issuer": "UBND tỉnh Quảng Ngãi",
        "date_from": "2018-01-01", "date_to": "2022-12-31",
    }  # fmt: skip


def test_status_says_dense_and_llm_are_off(service: UIService) -> None:
    shown, hidden = service.status("vi")
    assert any("dense" in n for n in shown) and any("LLM" in n for n in shown)
    shown_en, _ = service.status("en")
    assert any("Dense (semantic) retrieval is off" in n for n in shown_en)
    answer = next(iter(service.stream(CONTAINER_Q, None)))
    assert set(answer.notices) <= hidden  # the chain's own notices are the banner's: not repeated per answer


def test_ask_streams_then_cites_and_opens_citation_1(service: UIService) -> None:
    h = Handlers(service)
    steps = list(h.ask(CONTAINER_Q, [], "vi", "", "", "", "", ""))
    assert len(steps) >= 2
    chat, turns, current, view, citations, section, public, question, fb_for = steps[-1]
    assert question is not None and current == 0 and view == ["cite", 0, 1]
    assert "2395/UBND-KTTH" in chat[-1]["content"] and 'href="#rag/cite/0/1"' in chat[-1]["content"]
    assert public["citations"][0]["doc_number"] == "2395/UBND-KTTH"
    assert 'href="#rag/cite/0/1"' in citations
    assert "<mark>" in section and "tuyến container" in section.split("<mark>")[1].split("</mark>")[0]
    assert "Ai chịu trách nhiệm" in fb_for
    # clicking [2] opens the other citation; a breadcrumb opens an ancestor with the quote still marked
    section2, citations2, cur2, view2, _ = h.open(turns, current, "vi", _event("cite", 0, 2))
    assert view2 == ["cite", "0", "2"] and cur2 == 0 and "39/KH-UBND" in section2
    assert 'class="rag-active" data-n="2"' in citations2
    parent, *_ = h.open(turns, current, "vi", _event("cite", 0, 1, 2))
    assert (
        "mục 2.2 Công văn số 2395/UBND-KTTH" in parent and "<mark>" in parent and len(parent) > len(section)
    )


def test_filters_reach_the_chain(service: UIService) -> None:
    h = Handlers(service)
    doc39 = next(r.id for r in service.doc_rows() if r.number == "39/KH-UBND")
    *_, last = h.ask(CONTAINER_Q, [], "vi", doc39, "", "", "", "")
    public = last[6]
    assert public["citations"] and {c["doc_number"] for c in public["citations"]} == {"39/KH-UBND"}
    assert f"Bộ lọc: doc_id={doc39}" in last[0][-1]["content"]  # the chat says the answer was filtered
    *_, last = h.ask(CONTAINER_Q, [], "vi", "", "", "", "2023", "")  # only the 2023 test document
    assert all(c["doc_number"] == "99/UBND-XSS" for c in last[6]["citations"])


def test_abstained_answer_shows_nearest_sections(service: UIService) -> None:
    h = Handlers(service)
    *_, last = h.ask("Giá vàng hôm nay là bao nhiêu?", [], "vi", "", "", "", "", "")
    chat, turns, _, view, citations, *_ = last
    assert turns[0]["answer"]["abstained"] and view == []
    assert "rag-abstained" in chat[-1]["content"] and 'data-status="abstained"' in citations
    opened, *_ = h.open(turns, 0, "vi", _event("near", 0, 1))
    assert "rag-section" in opened and "<mark>" not in opened


def test_bad_date_warns_instead_of_asking(service: UIService) -> None:
    with pytest.warns(UserWarning, match="Ngày không hợp lệ: «ngày mai»"):  # gr.Warning: a toast in the page
        steps = list(Handlers(service).ask(CONTAINER_Q, [], "vi", "", "", "", "ngày mai", ""))
    assert len(steps) == 1  # one all-skip update, nothing asked


def test_document_browser(service: UIService) -> None:
    rows = service.doc_rows()
    assert {r.number for r in rows} >= {"2395/UBND-KTTH", "39/KH-UBND", "25/QĐ-UBND", "99/UBND-XSS"}
    facets = service.facets()
    assert "Công văn" in facets["type"] and "2018" in facets["year"]
    assert [r.number for r in service.browse("Công văn", "UBND tỉnh Quảng Ngãi", "2022")] == [
        "2395/UBND-KTTH"
    ]
    h = Handlers(service)
    bdoc, index, tree, section = h.browse_open("", "vi", _event("doc", EVIL_ID))
    assert bdoc == EVIL_ID and index == 0 and 'href="#rag/sec/1"' in tree
    _, index, _, section = h.browse_open(bdoc, "vi", _event("sec", 2))
    assert (
        index == 2 and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in section and "<script" not in section
    )


def test_feedback_and_gold_export(ui_env: UIEnv, service: UIService, tmp_path: Path) -> None:
    h = Handlers(service)
    *_, last = h.ask(CONTAINER_Q, [], "vi", "", "", "", "", "")
    turns: list[dict[str, Any]] = last[1]
    request = gr.Request(username="tester")
    status, verdict, comment = h.send_feedback(None, "", turns, 0, "vi", request)
    assert "chọn" in status  # no verdict picked: nothing stored
    status, verdict, comment = h.send_feedback("wrong_evidence", "căn cứ là 2.2", turns, 0, "vi", request)
    assert "Đã lưu" in status and verdict is None and comment == ""
    h.send_feedback("correct", "", turns, 0, "en", request)
    store = FeedbackStore(ui_env.app.settings.index_dir / "feedback.sqlite")
    assert [r["verdict"] for r in store.recent(2)] == ["correct", "wrong_evidence"]
    path, n = service.export_gold(tmp_path)
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert n == len(lines) >= 2
    correct = [x for x in lines if "correct" in x["tags"]][-1]
    assert correct["question"] == CONTAINER_Q
    assert {"doc_number": "2395/UBND-KTTH", "section_path": ["2", "2.2", "b"]} in correct["gold"]
    status, _ = h.admin_export("", "vi")
    assert "Đã xuất" in status  # no keys configured: open, like the HTTP admin routes


def test_admin_key_policy(ui_env: UIEnv) -> None:
    s = ui_env.app.settings
    locked = UIService(type(ui_env.app)(s.model_copy(update={"admin_keys": "k1, k2"})))
    assert locked.admin_ok("k2") and not locked.admin_ok("") and not locked.admin_ok("k3")
    users_only = UIService(type(ui_env.app)(s.model_copy(update={"api_keys": "u1"})))
    assert not users_only.admin_ok("u1")
    assert UIService(ui_env.app).admin_ok(None)


def test_ask_streams_partial_answers_into_the_chat(
    service: UIService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an LLM the chain yields growing snapshots: each one updates the last chat message."""
    final = next(iter(service.stream(CONTAINER_Q, None)))
    pieces = ["Ban Quản lý", "Ban Quản lý Khu kinh tế <Dung Quất>"]

    def fake_stream(question: str, filters: object, k: object = None) -> Iterator[Answer]:
        for text in pieces:
            yield Answer(question=question, answer=text)
        yield final

    monkeypatch.setattr(service, "stream", fake_stream)
    steps = list(Handlers(service).ask(CONTAINER_Q, [], "vi", "", "", "", "", ""))
    assert len(steps) == 1 + len(pieces) + 1 + 1  # question shown, two partials, final snapshot, final panels
    partial = steps[2][0][-1]["content"]
    assert "rag-streaming" in partial and "Khu kinh tế &lt;Dung Quất&gt;" in partial
    assert all(isinstance(x, dict) and x.get("__type__") == "update" for x in steps[2][1:])  # only the chat
    assert "rag-ok" in steps[-1][0][-1]["content"] and steps[-1][6]["citations"]
    chat, turns, current, view, citations, section, public, fb_for = Handlers(service).clear("vi")
    assert chat == [] and turns == [] and current == -1 and view == [] and public is None
    assert "[1], [2]" in citations and "Chọn một trích dẫn" in section and "Chưa có câu trả lời" in fb_for
