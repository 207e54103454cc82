"""make_citation() and verify(): a citation survives only if its quote is verbatim in the cited
section of the cited document; offsets that are off are repaired, everything else is rejected."""

from __future__ import annotations

import pytest

from rag.answer.citations import make_citation, verify
from rag.answer.models import Citation
from rag.documents.labels import nodes_for
from rag.documents.models import Document

CV = "2395/UBND-KTTH"
KH = "39/KH-UBND"
QUOTE = "đầu tư xây dựng hình thành tuyến container trung chuyển quốc tế tại Khu kinh tế Dung Quất"


@pytest.fixture(scope="module")
def cv(corpus_docs: dict[str, Document]) -> Document:
    return corpus_docs[CV]


@pytest.fixture(scope="module")
def kh(corpus_docs: dict[str, Document]) -> Document:
    return corpus_docs[KH]


def span(doc: Document, text: str) -> tuple[int, int]:
    at = doc.text.find(text)
    assert at >= 0, text
    assert doc.text.find(text, at + 1) < 0, f"{text!r} occurs twice"
    return at, at + len(text)


def cite(doc: Document, text: str) -> Citation:
    return make_citation(doc, *span(doc, text))


def inside(doc: Document, c: Citation) -> bool:
    chain = nodes_for(doc, c.section_path)
    return bool(chain) and chain[-1].start <= c.start and c.end <= chain[-1].end


# --- make_citation ----------------------------------------------------------------------------


def test_make_citation_attributes_the_smallest_section(cv: Document) -> None:
    c = cite(cv, QUOTE)
    assert c.doc_number == CV and c.doc_id == cv.id
    assert c.section_path == ["2", "2.2", "b"]
    assert c.section_label == "điểm b mục 2.2"
    assert c.label == "điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi"
    assert c.quote == QUOTE and cv.text[c.start : c.end] == QUOTE
    assert (
        c.doc_type == "Công văn" and c.issuer == "UBND tỉnh Quảng Ngãi" and str(c.issued_date) == "2022-05-20"
    )
    assert c.source.endswith(".md")
    assert inside(cv, c)


def test_make_citation_trims_surrounding_blanks(cv: Document) -> None:
    a, b = span(cv, "b) Tiến hành rà soát quy hoạch chi tiết cảng Dung Quất")
    end = cv.text.index("\n", b)
    assert cv.text[a - 2 : a] == "\n\n" and cv.text[end : end + 2] == "\n\n"
    c = make_citation(cv, a - 2, end + 2)
    assert (c.start, c.end) == (a, end)
    assert c.quote == cv.text[a:end] and c.quote.startswith("b)") and c.quote.endswith("miền Trung.")
    assert c.section_path == ["2", "2.2", "b"]


def test_make_citation_of_a_table_row(kh: Document) -> None:
    c = cite(kh, "Tham dự Hội thảo liên kết phát triển đường bộ ven biển")
    assert c.section_path == ["Phụ lục", "3"]
    assert c.label.startswith("dòng 3 Phụ lục Kế hoạch số 39/KH-UBND")


def test_make_citation_of_a_plan_issued_with_a_decision(corpus_docs: dict[str, Document]) -> None:
    plan = corpus_docs["25/QĐ-UBND"]
    c = cite(plan, "Phấn đấu thu hút đầu tư vào KKT Dung Quất trong năm 2014 khoảng từ 100 - 150 triệu USD.")
    assert c.doc_number == "25/QĐ-UBND"
    assert c.section_path == ["B", "I", "2", "2.1", "-4"]
    assert "Kế hoạch ban hành kèm theo Quyết định số 25/QĐ-UBND" in c.label


# --- verify: accepted ---------------------------------------------------------------------------


def test_exact_citation_verifies_without_repair(cv: Document) -> None:
    verdict = verify(cite(cv, QUOTE), cv)
    assert verdict.ok and verdict.repaired is None


def test_citation_without_document_number_is_checked_on_its_quote(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(update={"doc_number": None})
    assert verify(c, cv).ok


# --- verify: rejected ---------------------------------------------------------------------------


def test_wrong_document_number_is_rejected(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(update={"doc_number": "999/QĐ-XYZ"})
    verdict = verify(c, cv)
    assert not verdict.ok and "document number" in verdict.reason


def test_number_of_another_corpus_document_is_rejected(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(update={"doc_number": KH})
    assert not verify(c, cv).ok


def test_unknown_document_is_rejected(cv: Document) -> None:
    verdict = verify(cite(cv, QUOTE), None)
    assert not verdict.ok and verdict.reason == "unknown document"


@pytest.mark.parametrize("path", [["2", "2.2", "z"], ["2", "2.10"], ["Phụ lục"], ["9"], ["2.2"]])
def test_nonexistent_section_is_rejected(cv: Document, path: list[str]) -> None:
    c = cite(cv, QUOTE).model_copy(update={"section_path": path})
    verdict = verify(c, cv)
    assert not verdict.ok and "does not exist" in verdict.reason


def test_quote_in_another_section_is_rejected(cv: Document) -> None:
    # Verbatim in điểm b mục 2.2, but cited as điểm a mục 2.9 (which exists).
    c = cite(cv, QUOTE).model_copy(update={"section_path": ["2", "2.9", "a"]})
    verdict = verify(c, cv)
    assert not verdict.ok and "not in the cited section" in verdict.reason


def test_quote_not_in_the_document_is_rejected(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(
        update={"quote": "đầu tư xây dựng cảng hàng không Lý Sơn bằng 999 tỷ đồng"}
    )
    assert not verify(c, cv).ok


def test_quote_from_another_document_is_rejected(cv: Document, kh: Document) -> None:
    quote = "Xúc tiến hình thành tuyến container tại cảng Dung Quất"
    assert quote in kh.text and quote not in cv.text
    c = cite(cv, QUOTE).model_copy(update={"quote": quote})
    assert not verify(c, cv).ok


def test_paraphrased_quote_is_rejected(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(update={"quote": QUOTE.replace("hình thành", "tạo lập")})
    assert not verify(c, cv).ok


@pytest.mark.parametrize("quote", ["Dung", "cảng", "  b)  ", "1234567"])
def test_too_short_quote_is_rejected(cv: Document, quote: str) -> None:
    at = cv.text.find(quote.strip())
    c = cite(cv, QUOTE).model_copy(update={"quote": quote, "start": at, "end": at + len(quote.strip())})
    verdict = verify(c, cv)
    assert not verdict.ok and "too short" in verdict.reason


def test_citation_outside_the_retrieved_sections_is_rejected(cv: Document) -> None:
    c = cite(cv, QUOTE)
    verdict = verify(c, cv, allowed_paths={("2", "2.7"), ("Chữ ký",)})
    assert not verdict.ok and "retrieved" in verdict.reason


@pytest.mark.parametrize("allowed", [("2", "2.2"), ("2", "2.2", "b"), ("2",)])
def test_citation_inside_a_retrieved_section_is_accepted(cv: Document, allowed: tuple[str, ...]) -> None:
    assert verify(cite(cv, QUOTE), cv, allowed_paths={allowed, ("Chữ ký",)}).ok


# --- verify: repaired ---------------------------------------------------------------------------


@pytest.mark.parametrize("shift", [-40, 7, 500, None])
def test_wrong_offsets_are_repaired(cv: Document, shift: int | None) -> None:
    good = cite(cv, QUOTE)
    start, end = (0, len(QUOTE)) if shift is None else (good.start + shift, good.end + shift)
    bad = good.model_copy(update={"start": start, "end": end})
    verdict = verify(bad, cv)
    assert verdict.ok and verdict.reason == "offsets repaired"
    fixed = verdict.repaired
    assert fixed is not None
    assert (fixed.start, fixed.end) == (good.start, good.end)
    assert cv.text[fixed.start : fixed.end] == fixed.quote == QUOTE
    assert fixed.section_path == ["2", "2.2", "b"] and inside(cv, fixed)


def test_quote_cited_to_a_parent_section_is_repaired_to_the_smallest_one(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(update={"section_path": ["2"], "start": 0, "end": 10})
    verdict = verify(c, cv)
    assert verdict.ok and verdict.repaired is not None
    assert verdict.repaired.section_path == ["2", "2.2", "b"]
    assert verdict.repaired.label.startswith("điểm b mục 2.2")


def test_whitespace_difference_is_repaired_to_the_document_text(cv: Document) -> None:
    # The heading of mục 2.2 and điểm a are separated by a blank line in the document.
    heading = "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi"
    one_line = f"{heading} a) Đẩy nhanh tiến độ thực hiện"
    assert one_line not in cv.text
    c = cite(cv, QUOTE).model_copy(
        update={"section_path": ["2", "2.2"], "quote": one_line, "start": 0, "end": 5}
    )
    verdict = verify(c, cv)
    assert verdict.ok and verdict.repaired is not None
    fixed = verdict.repaired
    assert "\n" in fixed.quote and " ".join(fixed.quote.split()) == one_line
    assert cv.text[fixed.start : fixed.end] == fixed.quote
    assert fixed.section_path == ["2", "2.2"] and inside(cv, fixed)


def test_citation_without_section_is_searched_in_the_whole_document(cv: Document) -> None:
    c = cite(cv, QUOTE).model_copy(update={"section_path": [], "start": 0, "end": 1})
    verdict = verify(c, cv)
    assert verdict.ok and verdict.repaired is not None
    assert verdict.repaired.section_path == ["2", "2.2", "b"]
