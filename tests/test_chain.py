"""AnswerChain as a LangChain Runnable (invoke, stream, batch, composition) and `rag ask`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from langchain_core.runnables import Runnable, RunnableLambda

from rag.answer.models import NOT_FOUND_VI, Answer
from rag.app import App
from rag.chain import AnswerChain
from rag.cli import main
from rag.retrieve.hybrid import Filters
from tests.answer.conftest import assert_all_verified, paths
from tests.conftest import Ingested

Q_SIGNER = "Ai ký Công văn 2395/UBND-KTTH?"
Q_CONTAINER = "Cơ quan nào chịu trách nhiệm đầu tư xây dựng tuyến container trung chuyển quốc tế tại Khu kinh tế Dung Quất?"
Q_WORKSHOP = "Hội thảo liên kết phát triển đường bộ ven biển được tổ chức ở đâu?"
Q_PLANNING = "Sở Kế hoạch và Đầu tư có nhiệm vụ gì về quy hoạch tỉnh?"  # answered from several documents
Q_NONE = "Tỉnh Quảng Ngãi bố trí bao nhiêu tỷ đồng cho dự án cảng hàng không Lý Sơn năm 2023?"


@pytest.fixture(scope="module")
def app(ingested: Ingested) -> App:
    return ingested.app


@pytest.fixture(scope="module")
def chain(app: App) -> AnswerChain:
    return app.chain()


# --- Runnable ------------------------------------------------------------------------------------


def test_chain_is_a_runnable_without_llm(chain: AnswerChain) -> None:
    assert isinstance(chain, Runnable)
    assert chain.llm is None


def test_invoke_with_a_string(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke(Q_SIGNER)
    assert isinstance(answer, Answer)
    assert answer.question == Q_SIGNER
    assert paths(answer) == [("2395/UBND-KTTH", ["Chữ ký"])]
    assert "Đặng Văn Minh" in answer.answer
    assert answer.signals == {"lexical": True, "dense": False, "reranker": False, "llm": False}
    assert set(answer.timings_ms) == {"retrieve", "answer", "total"}
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"] >= 0
    assert any("dense" in n for n in answer.notices) and any("LLM chưa cấu hình" in n for n in answer.notices)
    assert_all_verified(app, answer)


def test_invoke_with_k_and_filters(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke({"question": Q_PLANNING, "k": 3, "filters": {"doc_number": "350/QĐ-UBND"}})
    assert len(answer.retrieved) == 3
    assert {r.doc_number for r in answer.retrieved} == {"350/QĐ-UBND"}
    assert answer.citations and {c.doc_number for c in answer.citations} == {"350/QĐ-UBND"}
    assert_all_verified(app, answer)


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        ({"doc": "2395"}, {"2395/UBND-KTTH"}),
        ({"doc_id": "2395-ubnd-ktth-20220520"}, {"2395/UBND-KTTH"}),
        ({"doc_type": "Kế hoạch", "issuer": "Thừa Thiên Huế"}, {"350/QĐ-UBND"}),
        ({"date_from": "2022-01-01"}, {"2395/UBND-KTTH"}),
        ({"date_from": "2018-01-01", "date_to": "2021-12-31"}, {"350/QĐ-UBND", "39/KH-UBND"}),
        (Filters(doc="2395/UBND-KTTH"), {"2395/UBND-KTTH"}),
    ],
)
def test_filters_restrict_retrieval_and_citations(
    chain: AnswerChain, app: App, filters: dict[str, Any] | Filters, allowed: set[str]
) -> None:
    answer = chain.invoke({"question": Q_PLANNING, "filters": filters})
    assert answer.retrieved and {r.doc_number for r in answer.retrieved} <= allowed
    assert {c.doc_number for c in answer.citations} <= allowed
    assert_all_verified(app, answer)


def test_empty_question_is_refused(chain: AnswerChain) -> None:
    with pytest.raises(ValueError, match="empty"):
        chain.invoke("   ")
    with pytest.raises(ValueError):
        chain.invoke({"question": ""})


def test_stream_without_llm_yields_the_final_answer(chain: AnswerChain) -> None:
    snapshots = list(chain.stream(Q_WORKSHOP))
    assert len(snapshots) == 1
    assert paths(snapshots[0]) == [("39/KH-UBND", ["Phụ lục", "3"])]
    assert snapshots[0].answer == chain.invoke(Q_WORKSHOP).answer


def test_batch(chain: AnswerChain, app: App) -> None:
    answers = chain.batch([Q_SIGNER, {"question": Q_WORKSHOP, "k": 2}, Q_NONE, Q_CONTAINER])
    assert [a.question for a in answers] == [Q_SIGNER, Q_WORKSHOP, Q_NONE, Q_CONTAINER]
    assert paths(answers[0]) == [("2395/UBND-KTTH", ["Chữ ký"])]
    assert paths(answers[1]) == [("39/KH-UBND", ["Phụ lục", "3"])] and len(answers[1].retrieved) == 2
    assert answers[2].abstained and answers[2].citations == []
    assert paths(answers[3])[0] == ("2395/UBND-KTTH", ["2", "2.2", "b"])
    for a in answers:
        assert_all_verified(app, a)


def test_batch_can_return_exceptions(chain: AnswerChain) -> None:
    out = chain.batch([Q_SIGNER, ""], return_exceptions=True)
    assert isinstance(out[0], Answer) and isinstance(out[1], ValueError)


def test_async_invoke(chain: AnswerChain) -> None:
    answer = asyncio.run(chain.ainvoke(Q_SIGNER))
    assert paths(answer) == [("2395/UBND-KTTH", ["Chữ ký"])]


def test_composes_with_runnable_lambda(chain: AnswerChain) -> None:
    pipeline = RunnableLambda(lambda q: q.strip()) | chain
    answer = pipeline.invoke(f"   {Q_SIGNER}  \n")
    assert answer.question == Q_SIGNER
    assert paths(answer) == [("2395/UBND-KTTH", ["Chữ ký"])]
    streamed = list(pipeline.stream(f"  {Q_WORKSHOP} "))
    assert paths(streamed[-1]) == [("39/KH-UBND", ["Phụ lục", "3"])]
    assert [paths(a) for a in pipeline.batch([f" {Q_SIGNER}", f"{Q_WORKSHOP} "])] == [
        [("2395/UBND-KTTH", ["Chữ ký"])], [("39/KH-UBND", ["Phụ lục", "3"])],
    ]  # fmt: skip


def test_composes_on_both_sides(chain: AnswerChain) -> None:
    to_dict = RunnableLambda(lambda q: {"question": q, "k": 4})
    public = RunnableLambda(lambda a: a.to_public())
    out = (to_dict | chain | public).invoke(Q_CONTAINER)
    assert out["citations"][0]["doc_number"] == "2395/UBND-KTTH"
    assert out["citations"][0]["section_path"] == ["2", "2.2", "b"]
    assert len(out["retrieved"]) == 4


# --- `rag ask` ---------------------------------------------------------------------------------

CITATION_KEYS = {"doc_number", "doc_type", "issuer", "issued_date", "section_path", "label", "quote", "source", "start",
                 "end"}  # fmt: skip


@pytest.fixture(scope="module")
def cli_env(ingested: Ingested) -> dict[str, str]:
    return {"RAG_INDEX_DIR": str(ingested.index_dir), "RAG_CORPUS_DIR": str(ingested.corpus_dir),
            "RAG_EMBEDDING_MODEL": "none", "RAG_LLM_BASE_URL": "", "RAG_LLM_MODEL": ""}  # fmt: skip


def rag_ask(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, ["ask", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def ask_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = json.loads(rag_ask(env, *args, "--json").stdout)  # the whole stdout is one object
    assert isinstance(out, dict)
    return out


def test_ask_json_shape(cli_env: dict[str, str], app: App) -> None:
    out = ask_json(cli_env, Q_CONTAINER)
    assert {"question", "answer", "abstained", "citations", "retrieved", "signals", "timings_ms"} <= set(out)
    assert out["question"] == Q_CONTAINER and out["abstained"] is False
    assert "Ban Quản lý Khu kinh tế Dung Quất" in out["answer"]
    assert out["citations"]
    for c in out["citations"]:
        assert set(c) >= CITATION_KEYS
        gen = app.generation()
        assert gen is not None
        doc = gen.store.document(c["doc_id"])
        assert doc is not None and doc.text[c["start"] : c["end"]] == c["quote"]
    first = out["citations"][0]
    assert (first["doc_number"], first["section_path"]) == ("2395/UBND-KTTH", ["2", "2.2", "b"])
    assert (first["doc_type"], first["issuer"], first["issued_date"]) == (
        "Công văn",
        "UBND tỉnh Quảng Ngãi",
        "2022-05-20",
    )
    assert first["label"].startswith("điểm b mục 2.2 Công văn số 2395/UBND-KTTH")
    assert first["source"].endswith("quang-ngai-2022-cong-van-2395-UBND-KTTH-lien-ket-vung.md")
    assert out["retrieved"] and all(
        {"doc_number", "section_path", "score"} <= set(r) for r in out["retrieved"]
    )
    assert len(out["retrieved"]) == 8  # RAG_TOP_K default
    assert out["signals"] == {"lexical": True, "dense": False, "reranker": False, "llm": False}
    assert set(out["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert all(isinstance(v, (int, float)) and v >= 0 for v in out["timings_ms"].values())


def test_ask_k_limits_retrieved(cli_env: dict[str, str]) -> None:
    out = ask_json(cli_env, Q_CONTAINER, "--k", "3")
    assert len(out["retrieved"]) == 3
    assert out["citations"][0]["section_path"] == ["2", "2.2", "b"]


def test_ask_doc_restricts_to_one_document(cli_env: dict[str, str]) -> None:
    unrestricted = ask_json(cli_env, Q_PLANNING)
    assert {r["doc_number"] for r in unrestricted["retrieved"]} - {"2395/UBND-KTTH"}, (
        "precondition: other documents"
    )
    out = ask_json(cli_env, Q_PLANNING, "--doc", "2395/UBND-KTTH")
    assert out["citations"] and {c["doc_number"] for c in out["citations"]} == {"2395/UBND-KTTH"}
    assert {r["doc_number"] for r in out["retrieved"]} == {"2395/UBND-KTTH"}


def test_ask_unanswerable_json(cli_env: dict[str, str]) -> None:
    out = ask_json(cli_env, Q_NONE)
    assert out["abstained"] is True and out["citations"] == []
    assert out["answer"].startswith(NOT_FOUND_VI) and "Các mục gần nhất:" in out["answer"]
    assert out["retrieved"]


def test_ask_text_output(cli_env: dict[str, str]) -> None:
    result = rag_ask(cli_env, Q_SIGNER)
    assert "Đặng Văn Minh" in result.stdout
    assert "Trích dẫn:" in result.stdout
    assert "[1] phần chữ ký Công văn số 2395/UBND-KTTH" in result.stdout
    assert "LLM chưa cấu hình" in result.stderr  # notices go to stderr


def test_ask_refuses_an_empty_question(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "  ", "--json"], env=cli_env)
    assert result.exit_code != 0 and "empty" in result.output


def test_ask_rejects_k_out_of_range(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", Q_SIGNER, "--k", "0"], env=cli_env)
    assert result.exit_code == 2
