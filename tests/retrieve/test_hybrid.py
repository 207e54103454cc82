"""Hybrid search over the ingested corpus (lexical only: RAG_EMBEDDING_MODEL=none): metadata filters,
questions that name a document, exact document-code matching, and the LangChain retriever."""

from __future__ import annotations

import datetime as dt

import pytest
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from rag.retrieve.hybrid import Filters, HybridSearcher, SearchResult
from rag.retrieve.langchain import HybridRetriever
from rag.retrieve.query import analyze
from tests.conftest import Ingested

CV, KH39, KH350, QD997, KH25 = "2395/UBND-KTTH", "39/KH-UBND", "350/QĐ-UBND", "997/QĐ-UBND", "25/QĐ-UBND"
DATES = {CV: dt.date(2022, 5, 20), KH350: dt.date(2021, 11, 11), KH39: dt.date(2018, 3, 14),
         QD997: dt.date(2017, 5, 29), KH25: dt.date(2014, 1, 8)}  # fmt: skip


@pytest.fixture(scope="module")
def searcher(ingested: Ingested) -> HybridSearcher:
    return ingested.app.searcher()


def search(searcher: HybridSearcher, question: str, k: int = 8, **filters: object) -> SearchResult:
    return searcher.search(analyze(question), k=k, filters=Filters(**filters) if filters else None)  # type: ignore[arg-type]


def docs_of(result: SearchResult) -> list[str | None]:
    return [h.chunk.doc_number for h in result.hits]


def test_search_result_shape(searcher: HybridSearcher) -> None:
    r = search(searcher, "quy hoạch tỉnh", k=5)
    assert len(r.hits) == 5
    assert r.lexical is True and r.dense is False and not searcher.dense_active
    scores = [h.score for h in r.hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert all(h.lexical_rank is not None and h.dense_rank is None for h in r.hits)
    assert len({h.chunk.id for h in r.hits}) == 5
    assert search(searcher, "quy hoạch tỉnh", k=3).hits == r.hits[:3]


def test_unmatched_words_retrieve_nothing(searcher: HybridSearcher) -> None:
    assert search(searcher, "zzzz qqqq").hits == []


def test_searcher_without_an_index() -> None:
    r = HybridSearcher(None).search(analyze("Ai ký?"))
    assert r.hits == [] and not HybridSearcher(None).dense_active


# --- metadata filters ---------------------------------------------------------------------------

QUESTION = "quy hoạch tỉnh"  # matched by several documents


def test_the_question_matches_several_documents(searcher: HybridSearcher) -> None:
    assert len(set(docs_of(search(searcher, QUESTION, k=20)))) >= 4


@pytest.mark.parametrize("ref", [CV, "2395", "2395-ubnd-ktth-20220520", "2395/ubnd-ktth"])
def test_filter_by_document(searcher: HybridSearcher, ref: str) -> None:
    r = search(searcher, QUESTION, k=20, doc=ref)
    assert r.hits and set(docs_of(r)) == {CV}


@pytest.mark.parametrize(
    ("doc_type", "expected"),
    [
        ("Kế hoạch", {KH350, KH39, KH25}),
        ("Công văn", {CV}),
        ("Quyết định", {QD997}),
        ("ke hoach", {KH350, KH39, KH25}),
    ],
)
def test_filter_by_document_type(searcher: HybridSearcher, doc_type: str, expected: set[str]) -> None:
    r = search(searcher, QUESTION, k=30, doc_type=doc_type)
    assert r.hits and set(docs_of(r)) <= expected


@pytest.mark.parametrize(
    ("issuer", "expected"), [("Thừa Thiên Huế", {KH350}), ("Quang Ngai", {CV, KH39, QD997, KH25})]
)
def test_filter_by_issuer(searcher: HybridSearcher, issuer: str, expected: set[str]) -> None:
    r = search(searcher, QUESTION, k=30, issuer=issuer)
    assert r.hits and set(docs_of(r)) <= expected
    assert len(set(docs_of(r))) >= min(2, len(expected))


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (dt.date(2021, 1, 1), None),
        (None, dt.date(2018, 12, 31)),
        (dt.date(2018, 1, 1), dt.date(2021, 12, 31)),
        (dt.date(2022, 5, 20), dt.date(2022, 5, 20)),  # bounds are inclusive
    ],
)
def test_filter_by_date_range(
    searcher: HybridSearcher, date_from: dt.date | None, date_to: dt.date | None
) -> None:
    r = search(searcher, QUESTION, k=30, date_from=date_from, date_to=date_to)
    allowed = {
        n
        for n, d in DATES.items()
        if (date_from is None or d >= date_from) and (date_to is None or d <= date_to)
    }
    assert r.hits and set(docs_of(r)) <= allowed
    for h in r.hits:
        assert h.chunk.issued_date == DATES[h.chunk.doc_number or ""]


def test_filters_combine(searcher: HybridSearcher) -> None:
    r = search(
        searcher, QUESTION, k=30, doc_type="Kế hoạch", issuer="Quảng Ngãi", date_from=dt.date(2015, 1, 1)
    )
    assert r.hits and set(docs_of(r)) == {KH39}


@pytest.mark.parametrize(
    "filters", [{"doc": "999/QĐ-XYZ"}, {"doc_type": "Nghị định"}, {"date_from": dt.date(2030, 1, 1)}]
)
def test_filter_matching_no_document_retrieves_nothing(
    searcher: HybridSearcher, filters: dict[str, object]
) -> None:
    assert search(searcher, QUESTION, **filters).hits == []


def test_filter_wins_over_a_document_named_in_the_question(searcher: HybridSearcher) -> None:
    r = search(searcher, "Công văn 2395 nói gì về du lịch?", k=10, doc=KH350)
    assert r.hits and set(docs_of(r)) == {KH350}


def test_empty_filters() -> None:
    assert Filters().empty()
    assert not Filters(issuer="Huế").empty() and not Filters(date_to=dt.date(2020, 1, 1)).empty()


# --- a question that names a document -------------------------------------------------------------


def test_topic_alone_ranks_another_document_first(searcher: HybridSearcher) -> None:
    assert docs_of(search(searcher, "du lịch", k=1)) != [CV]


@pytest.mark.parametrize(
    ("question", "number", "doc_id"),
    [
        ("Công văn 2395 nói gì về du lịch?", CV, "2395-ubnd-ktth-20220520"),
        ("Công văn 2395/UBND-KTTH nói gì về du lịch?", CV, "2395-ubnd-ktth-20220520"),
        ("Cong van 2395/UBND-KTTH noi gi ve du lich?", CV, "2395-ubnd-ktth-20220520"),
        ("Kế hoạch 39/KH-UBND về du lịch", KH39, "39-kh-ubnd-20180314"),
        ("du lịch trong kế hoạch 350", KH350, "350-qd-ubnd-20211111"),
        ("What does decision 997 say about tourism?", QD997, "997-qd-ubnd-20170529"),
    ],
)
def test_named_document_ranks_first(
    searcher: HybridSearcher, question: str, number: str, doc_id: str
) -> None:
    r = search(searcher, question, k=8)
    assert r.scoped_docs == [doc_id]
    assert r.hits and r.hits[0].chunk.doc_number == number
    assert set(docs_of(r)) == {number}  # a question that names a document is answered from it


def test_question_naming_two_documents_gets_sections_of_both(searcher: HybridSearcher) -> None:
    r = search(searcher, "Công văn 2395/UBND-KTTH và Kế hoạch 350/QĐ-UBND nói gì về du lịch?", k=4)
    assert sorted(r.scoped_docs) == ["2395-ubnd-ktth-20220520", "350-qd-ubnd-20211111"]
    assert set(docs_of(r)) == {CV, KH350}
    assert ["2", "2.3"] in [h.chunk.section_path for h in r.hits if h.chunk.doc_number == CV]
    assert ["II", "8"] in [h.chunk.section_path for h in r.hits if h.chunk.doc_number == KH350]


def test_unknown_number_does_not_scope(searcher: HybridSearcher) -> None:
    r = search(searcher, "Công văn 4321 nói gì về du lịch?")
    assert r.scoped_docs == [] and r.hits


def test_questions_about_a_document_prefer_its_header_and_signature(searcher: HybridSearcher) -> None:
    r = search(searcher, "Ai ký Công văn 2395/UBND-KTTH?", k=3)
    assert r.hits[0].chunk.section_path == ["Chữ ký"]
    r = search(searcher, "Kế hoạch 350/QĐ-UBND được ban hành ngày nào?", k=3)
    assert r.hits[0].chunk.section_path == ["Phần đầu"]


def test_content_questions_do_not_rank_headers_first(searcher: HybridSearcher) -> None:
    r = search(searcher, "Ủy ban nhân dân tỉnh Quảng Ngãi giao nhiệm vụ phát triển du lịch", k=5)
    assert all(h.chunk.section_path[0] not in ("Phần đầu", "Nơi nhận", "Kính gửi") for h in r.hits[:3])


# --- exact document codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("107/2021/NĐ-CP", ["2", "2.7"]),  # mentioned in điểm a mục 2.7
        ("1537/QĐ-UBND", ["1"]),  # mentioned in điểm a mục 1
        ("1038/QĐ-UBND", ["2", "2.4"]),  # mentioned in điểm b mục 2.4
    ],
)
def test_code_mentioned_in_a_section_ranks_it_first(
    searcher: HybridSearcher, code: str, path: list[str]
) -> None:
    q = analyze(f"Văn bản {code} được nhắc đến ở đâu?")
    r = searcher.search(q, k=5)
    top = r.hits[0].chunk
    assert (top.doc_number, top.section_path[: len(path)]) == (CV, path)
    assert code in top.text
    assert r.hits[0].lexical_score > max(h.lexical_score for h in r.hits[1:])


def test_code_matching_is_exact(searcher: HybridSearcher) -> None:
    """'1038/QĐ-UBND' and '1715/QĐ-UBND' share every word but the number: each finds its own text."""
    for code in ("1038/QĐ-UBND", "1715/QĐ-UBND", "257/QĐ-UBND"):
        top = search(searcher, code, k=1).hits[0].chunk
        assert code in top.text, (code, top.section_path)


# --- LangChain retriever --------------------------------------------------------------------------


def test_hybrid_retriever_is_a_langchain_retriever(ingested: Ingested) -> None:
    retriever = HybridRetriever(searcher=ingested.app.searcher, k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("tuyến container trung chuyển quốc tế tại Khu kinh tế Dung Quất")
    assert len(docs) == 3 and all(isinstance(d, LCDocument) for d in docs)
    first = docs[0]
    assert first.metadata["doc_number"] == CV and first.metadata["section_path"] == ["2", "2.2"]
    for key in ("doc_id", "doc_number", "doc_type", "issuer", "issued_date", "section_path", "label", "source",
                "start", "end", "score"):  # fmt: skip
        assert key in first.metadata, key
    assert first.metadata["issued_date"] == "2022-05-20" and first.metadata["doc_type"] == "Công văn"
    doc = ingested.app.generation().store.document(first.metadata["doc_id"])  # type: ignore[union-attr]
    assert doc.text[first.metadata["start"] : first.metadata["end"]] == first.page_content
    assert "tuyến container trung chuyển quốc tế" in first.page_content


def test_hybrid_retriever_filters_batch_and_k(ingested: Ingested) -> None:
    retriever = HybridRetriever(searcher=ingested.app.searcher, k=4, filters=Filters(doc=KH39))
    batches = retriever.batch(["tuyến container", "du lịch"])
    assert len(batches) == 2
    for docs in batches:
        assert docs and len(docs) <= 4 and {d.metadata["doc_number"] for d in docs} == {KH39}
    assert len(HybridRetriever(searcher=ingested.app.searcher).invoke("du lịch", k=2)) == 2
