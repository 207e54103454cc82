"""Section trees of the corpus documents, and the tree builder on small hand-written texts."""

from __future__ import annotations

import pytest

from rag.documents.models import Document, Section, SectionKind
from rag.documents.parser import parse_document
from rag.documents.structure import build_tree, classify
from tests.conftest import assert_sections_nested

K = SectionKind


def _labels(nodes: list[Section]) -> list[str]:
    return [s.label for s in nodes]


def _node(doc: Document, *path: str) -> Section:
    node = doc.find_section(path)
    assert node is not None, f"{doc.cite_number}: no section {'/'.join(path)}"
    return node


def _text(doc: Document, *path: str) -> str:
    node = _node(doc, *path)
    return doc.text[node.start : node.end]


@pytest.mark.parametrize(
    "number", ["2395/UBND-KTTH", "39/KH-UBND", "25/QĐ-UBND", "350/QĐ-UBND", "997/QĐ-UBND"]
)
def test_sections_nested_inside_text(corpus_docs: dict[str, Document], number: str) -> None:
    doc = corpus_docs[number]
    assert_sections_nested(doc)
    paths = [p for p, _ in doc.iter_sections()]
    assert len(paths) == len(set(paths)), "section paths must be unique within a document"


# --- 2395/UBND-KTTH -------------------------------------------------------------------------------


def test_2395_tree(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    assert _labels(doc.sections) == [
        "Phần đầu",
        "Kính gửi",
        "Mở đầu",
        "1",
        "2",
        "Đoạn kết",
        "Nơi nhận",
        "Chữ ký",
    ]
    assert [s.kind for s in doc.sections] == [
        K.HEADER, K.RECIPIENTS, K.PREAMBLE, K.NUMBER, K.NUMBER, K.CLOSING, K.DISTRIBUTION, K.SIGNATURE,
    ]  # fmt: skip
    assert _labels(_node(doc, "1").children) == ["a", "b", "c", "d"]
    two = _node(doc, "2")
    assert _labels(two.children) == [f"2.{i}" for i in range(1, 10)]
    assert all(c.kind == K.DOTTED for c in two.children)
    assert _labels(_node(doc, "2", "2.2").children) == ["a", "b", "c"]
    assert _labels(_node(doc, "2", "2.1", "b").children) == ["-1", "-2"]
    assert _node(doc, "2", "2.3").children == []  # a paragraph, no items
    assert (
        _node(doc, "2", "2.2").heading
        == "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi"
    )
    assert "tuyến container trung chuyển quốc tế" in _text(doc, "2", "2.2", "b")


def test_2395_closing_is_not_inside_last_item(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    closing = _node(doc, "Đoạn kết")
    assert closing.kind == K.CLOSING
    assert doc.text[closing.start :].startswith("Yêu cầu các cơ quan, đơn vị nghiêm túc")
    last = _text(doc, "2", "2.9", "b")
    assert "Yêu cầu" not in last and last.rstrip().endswith("theo đúng tiến độ được phê duyệt.")
    assert _node(doc, "2").end <= closing.start


def test_2395_page_break_paragraph_joined(corpus_docs: dict[str, Document]) -> None:
    # "... Thừa Thiên Huế, Đà" / blank line / "Năng, Quảng Nam ..." is one sentence in the source.
    assert "Thừa Thiên Huế, Đà Năng, Quảng Nam" in _text(corpus_docs["2395/UBND-KTTH"], "2", "2.3")


def test_2395_special_blocks(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    assert _text(doc, "Chữ ký").split() == ["CHỦ", "TỊCH", "Đặng", "Văn", "Minh"]
    assert _text(doc, "Nơi nhận").splitlines()[-1] == "- Lưu:VT, KTTHthuc159."
    assert _text(doc, "Mở đầu").startswith("Thực hiện nội dung Nghị quyết số 57/NQ-CP")
    header = _text(doc, "Phần đầu")
    assert "**" not in header and "Số: 2395/UBND-KTTH" in header


# --- 39/KH-UBND -------------------------------------------------------------------------------------


def test_39_tree(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["39/KH-UBND"]
    assert _labels(doc.sections) == ["Phần đầu", "Mở đầu", "I", "II", "III", "IV", "Nơi nhận", "Phụ lục"]
    assert _labels(_node(doc, "III", "2").children) == [f"-{i}" for i in range(1, 8)]
    assert "tuyến container tại cảng Dung Quất" in _text(doc, "III", "2", "-6")


def test_39_appendix_rows(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["39/KH-UBND"]
    appendix = _node(doc, "Phụ lục")
    assert appendix.kind == K.APPENDIX
    assert appendix.heading.startswith("CÁC HOẠT ĐỘNG THỰC HIỆN KẾ HOẠCH")
    rows = appendix.children
    assert [r.kind for r in rows] == [K.TABLE_ROW] * 4
    assert _labels(rows) == ["1", "2", "3", "4"]
    leads = [r.roles["lead"] if r.roles else None for r in rows]
    assert leads == [
        "Sở Công Thương",
        "BQL KKT Dung Quất và các KCN Quảng Ngãi",
        "Sở Giao thông vận tải",
        "Sở Văn hóa, Thể thao và Du lịch",
    ]
    for row in rows:
        assert row.record is not None
        assert {"Đơn vị chủ trì/Thực hiện", "Đơn vị phối hợp", "Thời gian hoàn thành"} <= set(row.record)
    assert rows[2].record is not None and rows[2].record["Thời gian hoàn thành"] == "Trước ngày 31/5/2018"
    task = rows[3].record["Nhiệm vụ"] if rows[3].record else ""
    first, second = task.split("\n")
    assert first.startswith("Giới thiệu du lịch địa phương") and first.endswith("tour tuyến.")
    assert second.startswith("Đề xuất xây dựng hình ảnh") and second.endswith("đảo Lý Sơn)")
    assert "Đề xuất xây dựng hình ảnh" in doc.text[rows[3].start : rows[3].end]


# --- 25/QĐ-UBND (the plan issued with the decision) -----------------------------------------------


def test_25_tree(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["25/QĐ-UBND"]
    assert _labels(doc.sections) == ["Phần đầu", "Mở đầu", "A", "B", "C"]
    assert [s.kind for s in doc.sections[2:]] == [K.ALPHA] * 3
    assert _labels(_node(doc, "B").children) == ["I", "II"]
    assert _labels(_node(doc, "B", "I").children) == [str(i) for i in range(1, 15)]
    assert _labels(_node(doc, "B", "I", "2").children) == [f"2.{i}" for i in range(1, 7)]
    assert _labels(_node(doc, "B", "I", "3").children) == ["3.1", "3.2", "3.3"]
    assert _labels(_node(doc, "B", "II").children) == [str(i) for i in range(1, 10)]
    assert _labels(_node(doc, "C").children) == ["1", "2"]
    assert _labels(_node(doc, "B", "I", "2", "2.1", "-3").children) == [f"({i})" for i in range(1, 8)]
    assert _labels(_node(doc, "B", "I", "4").children) == ["-1", "-2", "-3"]
    assert _labels(_node(doc, "B", "I", "4", "-1").children) == ["+1", "+2"]
    assert not any(s.attached for _, s in doc.iter_sections())  # a plan on its own, not attached


# --- 350/QĐ-UBND ------------------------------------------------------------------------------------


def test_350_tree(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["350/QĐ-UBND"]
    assert _labels(doc.sections) == ["Phần đầu", "Mở đầu", "I", "II", "III", "Nơi nhận", "Chữ ký"]
    assert _labels(_node(doc, "II").children) == [str(i) for i in range(1, 14)]
    assert _node(doc, "II", "1").heading == "Sở Kế hoạch và Đầu tư"
    assert _labels(_node(doc, "II", "1").children) == [f"-{i}" for i in range(1, 9)]
    assert _labels(_node(doc, "III").children) == ["1", "2", "3"]
    header = _text(doc, "Phần đầu")
    assert "Đang tải nội dung" not in doc.text and "Hệ thống pháp luật" not in doc.text
    assert "---" not in header


# --- 997/QĐ-UBND (a decision with its plan in the same file) --------------------------------------


def test_997_tree(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["997/QĐ-UBND"]
    assert _labels(doc.sections) == [
        "Phần đầu", "Mở đầu", "Điều 1", "Điều 2", "Điều 3", "Nơi nhận", "Chữ ký", "Kế hoạch",
        "Phần I", "Phần II", "Phần III", "Phần IV", "Đoạn kết",
    ]  # fmt: skip
    by_label = {s.label: s for s in doc.sections}
    assert [by_label[f"Điều {i}"].kind for i in (1, 2, 3)] == [K.ARTICLE] * 3
    assert by_label["Kế hoạch"].kind == K.ATTACHMENT
    assert by_label["Kế hoạch"].heading.startswith("THỰC HIỆN CHIẾN LƯỢC HỘI NHẬP QUỐC TẾ")
    for label in ("Phần I", "Phần II", "Phần III", "Phần IV"):
        assert by_label[label].kind == K.PART and by_label[label].attached
        assert all(s.attached for _, s in by_label[label].walk())
    for label in ("Phần đầu", "Mở đầu", "Điều 1", "Điều 2", "Điều 3", "Nơi nhận", "Chữ ký"):
        assert not by_label[label].attached
    assert by_label["Phần I"].heading == "MỤC TIÊU, QUAN ĐIỂM CHỈ ĐẠO"
    assert _labels(_node(doc, "Phần IV").children) == ["I", "II"]
    assert _labels(_node(doc, "Phần IV", "II").children) == [str(i) for i in range(1, 26)]
    assert _labels(_node(doc, "Phần II").children) == ["I", "II", "III"]
    assert _labels(_node(doc, "Phần III").children) == ["1", "2"]
    assert _text(doc, "Điều 3").endswith("chịu trách nhiệm thi hành Quyết định này./.")


def test_997_wrapped_year_is_not_a_section(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["997/QĐ-UBND"]
    assert not any("2030" in path[-1] for path, _ in doc.iter_sections())
    item = _text(doc, "Phần IV", "II", "18")
    assert (
        "đến năm 2020 và tầm nhìn 2030.\n- Thông qua" in item
    )  # the wrapped line joined back into its sentence
    assert "\n2030." not in doc.text


def test_997_hard_wraps_repaired(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["997/QĐ-UBND"]
    assert "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;" in doc.text.splitlines()
    assert (
        _text(doc, "Phần IV", "II", "19")
        .splitlines()[0]
        .startswith("19. Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp")
    )
    assert "|" not in doc.text


# --- the builder on small texts -------------------------------------------------------------------


def _parse(text: str) -> Document:
    return parse_document(text, source="t.txt", content_hash="0" * 64)


def test_numbers_only_in_sequence() -> None:
    doc = _parse("Mở đầu văn bản.\n1. Một\nNăm\n3. Không phải mục\n2. Hai\n")
    assert _labels(doc.sections) == ["Mở đầu", "1", "2"]
    assert "3. Không phải mục" in _text(doc, "1")


def test_roman_and_alpha_ambiguity() -> None:
    doc = _parse(
        "Mở đầu.\nA. Phần A\nB. Phần B\nC. Phần C\nI. Mục một\nII. Mục hai\nIII. Ba\nIV. Bốn\nV. Năm\n"
    )
    assert _labels(doc.sections) == ["Mở đầu", "A", "B", "C"]
    assert _labels(_node(doc, "C").children) == ["I", "II", "III", "IV", "V"]
    assert _node(doc, "C", "V").kind == K.ROMAN


def test_dashes_are_counted_per_parent() -> None:
    doc = _parse("Mở đầu.\n1. A\n- x\n- y\n2. B\n- z\n+ w\n+ v\n")
    assert _labels(_node(doc, "1").children) == ["-1", "-2"]
    assert _labels(_node(doc, "2").children) == ["-1"]
    assert _labels(_node(doc, "2", "-1").children) == ["+1", "+2"]


def test_appendix_without_numbered_rows_keeps_its_table() -> None:
    doc = _parse("Mở đầu.\n1. Một\nPHỤ LỤC\nDANH SÁCH\n\tTên\n\tGhi chú\n\n\tSở A\n\tx\ndòng tiếp\n")
    appendix = _node(doc, "Phụ lục")
    assert appendix.children == []
    assert doc.text[appendix.start : appendix.end].endswith("dòng tiếp")


def test_classify_markers() -> None:
    cases = {
        "Phần thứ nhất": (K.PART, "Phần thứ nhất"),
        "Chương II. QUY ĐỊNH CHUNG": (K.CHAPTER, "Chương II"),
        "Điều 12. Hiệu lực": (K.ARTICLE, "Điều 12"),
        "2.1. Sở Kế hoạch": (K.DOTTED, "2.1"),
        "1.2.3 Tiểu mục": (K.DOTTED, "1.2.3"),
        "đ) điểm đ": (K.LETTER, "đ"),
        "(3) ý ba": (K.PAREN, "(3)"),
        "– gạch ngang dài": (K.DASH, "-"),
        "+ cộng": (K.PLUS, "+"),
    }
    for text, (kind, label) in cases.items():
        marker = classify(text)
        assert marker is not None and (marker.kind, marker.label) == (kind, label), text
    for text in ("2030.", "Năm 2020 tăng 5.", "1.200MW", "a)b", "Căn cứ Luật"):
        assert classify(text) is None, text


def test_build_tree_on_empty_text() -> None:
    assert build_tree("") == []
    assert build_tree("\n\n") == []
