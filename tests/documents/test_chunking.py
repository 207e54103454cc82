"""Chunking: no content line of a corpus document is lost, chunks follow sections and budgets."""

from __future__ import annotations

import pytest

from rag.documents.chunking import Chunker
from rag.documents.labels import nodes_for, section_label
from rag.documents.models import Chunk, Document, SectionKind
from rag.documents.parser import PARSER_VERSION, parse_document
from rag.text.tokens import count_tokens
from tests.conftest import FILES, assert_chunks_cover, collapsed_chunk_text, content_lines

K = SectionKind
NUMBERS = list(FILES)


@pytest.mark.parametrize("number", NUMBERS)
def test_chunks_cover_every_character_once(
    corpus_docs: dict[str, Document], corpus_chunks: dict[str, list[Chunk]], number: str
) -> None:
    assert_chunks_cover(corpus_docs[number], corpus_chunks[number])


@pytest.mark.parametrize("number", NUMBERS)
def test_every_source_line_is_in_the_chunks(corpus_chunks: dict[str, list[Chunk]], number: str) -> None:
    """Reconstruction: each content line of the source file, whitespace-collapsed, occurs in the
    concatenated chunk texts (hard-wrapped lines are joined with a space, so each stays a substring)."""
    raw = FILES[number].read_bytes().decode("utf-8")
    joined = collapsed_chunk_text(corpus_chunks[number])
    lines = content_lines(raw)
    assert len(lines) > 20
    missing = [line for line in lines if line not in joined]
    assert not missing, f"{len(missing)} source lines lost, e.g. {missing[:3]}"
    # And in order: the source's word sequence is the chunks' word sequence.
    assert " ".join(lines).split() == joined.split()


@pytest.mark.parametrize("number", NUMBERS)
def test_small_budget_still_covers(corpus_docs: dict[str, Document], number: str) -> None:
    doc = corpus_docs[number]
    chunks = Chunker(32).chunk(doc)
    assert_chunks_cover(doc, chunks)
    # Pieces are cut at sentence ends or spaces: only a single unbreakable word may exceed the budget.
    assert all(count_tokens(c.text) <= 32 or " " not in c.text.strip() for c in chunks)


@pytest.mark.parametrize("number", NUMBERS)
def test_chunks_respect_default_budget(corpus_chunks: dict[str, list[Chunk]], number: str) -> None:
    assert all(count_tokens(c.text) <= 512 for c in corpus_chunks[number])


def test_chunk_fields(corpus_docs: dict[str, Document], corpus_chunks: dict[str, list[Chunk]]) -> None:
    for number, chunks in corpus_chunks.items():
        doc = corpus_docs[number]
        for c in chunks:
            assert c.doc_id == doc.id
            assert c.doc_number == doc.cite_number == number
            assert (c.doc_type, c.issuer, c.issued_date, c.source) == (
                doc.doc_type, doc.issuer, doc.issued_date, doc.source,
            )  # fmt: skip
            node = doc.find_section(c.section_path)
            assert node is not None, c.section_path
            assert node.kind == c.section_kind
            assert node.start <= c.start and c.end <= node.end
            assert c.text in c.embed_text
            assert c.label.startswith(section_label(nodes_for(doc, c.section_path)))


def test_2395_chunk_for_point_b(corpus_chunks: dict[str, list[Chunk]]) -> None:
    chunks = corpus_chunks["2395/UBND-KTTH"]
    hits = [c for c in chunks if "tuyến container trung chuyển quốc tế" in c.text]
    assert len(hits) == 1
    chunk = hits[0]
    assert chunk.section_path[:2] == ["2", "2.2"]
    assert chunk.headings[:2] == [
        "2. Nhiệm vụ cụ thể",
        "2.2. Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi",
    ]
    assert chunk.embed_text.startswith(
        "Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi\nV/v "
    )
    closing = [c for c in chunks if c.section_kind == K.CLOSING]
    assert len(closing) == 1 and closing[0].text.startswith("Yêu cầu các cơ quan")
    assert closing[0].label == "đoạn kết"


def test_table_rows_are_their_own_chunks(corpus_chunks: dict[str, list[Chunk]]) -> None:
    rows = [c for c in corpus_chunks["39/KH-UBND"] if c.section_kind == K.TABLE_ROW]
    assert [c.section_path for c in rows] == [["Phụ lục", str(i)] for i in range(1, 5)]
    assert [c.label for c in rows] == [f"dòng {i} Phụ lục" for i in range(1, 5)]
    third = rows[2]
    assert third.headings[-1] == "Dòng 3"
    # Column names travel with the row, so "đơn vị chủ trì" matches the row that names it.
    assert "Đơn vị chủ trì/Thực hiện: Sở Giao thông vận tải" in third.embed_text


def test_attached_plan_chunks_cite_the_plan(corpus_chunks: dict[str, list[Chunk]]) -> None:
    for c in corpus_chunks["997/QĐ-UBND"]:
        plan = c.section_path[0] in ("Kế hoạch", "Phần I", "Phần II", "Phần III", "Phần IV", "Đoạn kết")
        assert c.embed_text.startswith("Kế hoạch ban hành kèm theo Quyết định số 997/QĐ-UBND") == plan, (
            c.section_path
        )


def test_chunk_ids_are_stable_and_content_addressed(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["350/QĐ-UBND"]
    first = Chunker().chunk(doc, PARSER_VERSION)
    again = Chunker().chunk(doc, PARSER_VERSION)
    assert [c.id for c in first] == [c.id for c in again]
    other_version = Chunker().chunk(doc, PARSER_VERSION + "-x")
    assert not {c.id for c in first} & {c.id for c in other_version}


def test_long_paragraph_is_split_at_sentences() -> None:
    sentence = "Sở Kế hoạch và Đầu tư chủ trì, phối hợp với các sở, ban ngành liên quan triển khai thực hiện."
    text = "1. Nhiệm vụ\n" + " ".join([sentence] * 60) + "\n"
    doc = parse_document(text, source="long.txt", content_hash="1" * 64)
    chunks = Chunker(64).chunk(doc)
    assert len(chunks) > 5
    assert_chunks_cover(doc, chunks)
    assert all(c.section_path == ["1"] for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)


def test_budget_must_be_sane() -> None:
    with pytest.raises(ValueError, match="RAG_CHUNK_TOKENS"):
        Chunker(16)
