"""The answer chain: question → analyze → retrieve → answer (extractive, or LLM when configured)
→ verified citations. A LangChain Runnable: invoke, stream (Answer snapshots), batch."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import Runnable, RunnableConfig

from rag.answer.citations import verify
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.llm import MARKER, LLMAnswerer, LLMError, build_sources, render_prompt
from rag.answer.models import Answer
from rag.retrieve.hybrid import Filters, HybridSearcher, SearchResult
from rag.retrieve.query import Query, analyze

if TYPE_CHECKING:
    from rag.app import App

ChainInput = str | dict[str, Any]


def _filters(raw: Any) -> Filters | None:
    if raw is None or isinstance(raw, Filters):
        return raw

    def day(v: Any) -> dt.date | None:
        return dt.date.fromisoformat(v) if isinstance(v, str) and v else v

    return Filters(
        doc=raw.get("doc_number") or raw.get("doc") or raw.get("doc_id"),
        doc_type=raw.get("doc_type"),
        issuer=raw.get("issuer"),
        date_from=day(raw.get("date_from")),
        date_to=day(raw.get("date_to")),
    )


class AnswerChain(Runnable[ChainInput, Answer]):
    """Answers a question with verified citations. Input: a question string, or
    {"question": ..., "k": 8, "filters": {"doc_number", "doc_type", "issuer", "date_from", "date_to"}}."""

    def __init__(self, app: App, llm: LLMAnswerer | None = None, llm_note: str = "") -> None:
        self.app = app
        self.llm = llm
        self.llm_note = llm_note

    # --- pieces ---

    def searcher(self) -> HybridSearcher:
        return self.app.searcher()

    def retrieve(
        self, question: str, k: int | None = None, filters: Filters | None = None
    ) -> tuple[Query, SearchResult]:
        query = analyze(question)
        return query, self.searcher().search(query, k=k or self.app.settings.top_k, filters=filters)

    def _parse(self, data: ChainInput) -> tuple[str, int | None, Filters | None]:
        if isinstance(data, str):
            return data, None, None
        question = str(data.get("question", ""))
        k = data.get("k")
        return question, int(k) if k else None, _filters(data.get("filters"))

    def _answerer(self) -> ExtractiveAnswerer:
        gen = self.searcher().generation
        store = gen.store if gen is not None else None
        return ExtractiveAnswerer(
            document=(store.document if store is not None else (lambda _id: None)),
            idf=(gen.lexical.idf if gen is not None else (lambda _t: 1.0)),
            known=(gen.lexical.known if gen is not None else (lambda _t: True)),
            phrase_idf=(gen.lexical.any_idf if gen is not None else None),
            in_corpus=(gen.lexical.has if gen is not None else None),
        )

    def _extractive(self, query: Query, result: SearchResult) -> Answer:
        gen = self.searcher().generation
        store = gen.store if gen is not None else None
        answer = self._answerer().answer(query, result)
        # Extractive citations are exact by construction; verify anyway, as for the LLM.
        kept = []
        for c in answer.citations:
            doc = store.document(c.doc_id) if store is not None else None
            verdict = verify(c, doc)
            if verdict.ok:
                kept.append(verdict.repaired or c)
        answer.verification = {
            "checked": len(answer.citations),
            "removed": len(answer.citations) - len(kept),
            "repaired": 0,
        }
        answer.citations = kept
        return answer

    def _signals(self, result: SearchResult, llm_used: bool) -> dict[str, bool]:
        return {
            "lexical": result.lexical,
            "dense": result.dense,
            "reranker": result.reranked,
            "llm": llm_used,
        }

    def _notices(self, result: SearchResult | None = None) -> list[str]:
        notes = []
        if not self.searcher().dense_active:
            notes.append(
                "Tìm kiếm ngữ nghĩa (dense) đang tắt: " + (self.app.dense_note or "chưa có mô hình nhúng.")
            )
        elif result is not None and result.dense_error:
            where = getattr(self.searcher().vectors, "where", "")
            notes.append(
                f"Tìm kiếm ngữ nghĩa (dense) tạm thời lỗi: không truy vấn được kho vector Chroma {where} "
                f"({result.dense_error}); câu trả lời chỉ dựa trên tìm kiếm từ khóa (BM25)."
            )
        if self.llm is None and self.llm_note:
            notes.append(self.llm_note)
        return notes

    # --- Runnable ---

    def invoke(self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        final: Answer | None = None
        for final in self.stream(input, config, **kwargs):  # noqa: B007
            pass
        assert final is not None
        return final

    def stream(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Answer]:
        question, k, filters = self._parse(input)
        self.searcher()  # opens the index and loads the models outside the timed part
        t0 = time.perf_counter()
        if not question.strip():
            raise ValueError("question is empty")
        query, result = self.retrieve(question, k, filters)
        t1 = time.perf_counter()
        answer: Answer | None = None
        llm_used = False
        notices = self._notices(result)
        if self.llm is not None and result.hits:
            gen = self.searcher().generation
            assert gen is not None
            sources = build_sources(
                [h.chunk for h in result.hits], gen.store.document, self.llm.context_tokens
            )
            raw = ""
            try:
                for piece in self.llm.stream_raw(render_prompt(query, sources)):
                    raw += piece
                    visible = _visible(raw)
                    yield Answer(
                        question=question,
                        answer=visible,
                        lang=query.lang,
                        qtype=query.qtype.value,
                        signals=self._signals(result, True),
                    )
                done = self.llm.finish(raw, sources)
                base = self._extractive(query, result)
                if done.not_found:
                    answer = self._answerer().abstain(base, query.lang == "en", result.hits[:3])
                    llm_used = True
                elif done.citations:
                    answer = base.model_copy(
                        update={"answer": done.text, "citations": done.citations, "abstained": False}
                    )
                    answer.verification = {
                        "checked": done.checked,
                        "removed": done.removed,
                        "repaired": done.repaired,
                    }
                    llm_used = True
                else:
                    notices.append(
                        "Câu trả lời của LLM không có trích dẫn kiểm chứng được; dùng câu trả lời trích xuất."
                    )
                    answer = base
                    answer.verification = {
                        "checked": done.checked,
                        "removed": done.removed,
                        "repaired": done.repaired,
                    }
            except LLMError as exc:
                notices.append(f"LLM lỗi hoặc quá thời gian ({exc}); dùng câu trả lời trích xuất.")
                answer = None
        if answer is None:
            answer = self._extractive(query, result)
        t2 = time.perf_counter()
        answer.signals = self._signals(result, llm_used)
        answer.notices = notices
        answer.timings_ms = {
            "retrieve": (t1 - t0) * 1000,
            "answer": (t2 - t1) * 1000,
            "total": (t2 - t0) * 1000,
        }
        yield answer


def _visible(raw: str) -> str:
    """The answer part of a streaming reply: never the CITATIONS block, nor the start of its marker."""
    text = raw.split(MARKER)[0]
    for n in range(len(MARKER) - 1, 0, -1):
        if text.endswith(MARKER[:n]):
            return text[:-n].rstrip()
    return text


def build_chain(app: App) -> AnswerChain:
    s = app.settings
    if s.llm_base_url and s.llm_model:
        llm = LLMAnswerer(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout_s, s.llm_context_tokens)
        return AnswerChain(app, llm)
    return AnswerChain(
        app,
        None,
        "LLM chưa cấu hình (RAG_LLM_BASE_URL, RAG_LLM_MODEL): câu trả lời được trích xuất trực tiếp từ văn bản.",
    )
