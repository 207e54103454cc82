"""Golden tests: every metadata field of the five corpus documents, exact, and their citation labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rag.documents.labels import citation_label
from rag.documents.models import Document, SectionKind

K = SectionKind

GOLDEN: dict[str, dict[str, Any]] = {
    "2395/UBND-KTTH": {
        "id": "2395-ubnd-ktth-20220520",
        "number": "2395/UBND-KTTH",
        "cite_number": "2395/UBND-KTTH",
        "doc_type": "Công văn",
        "issuer": "UBND tỉnh Quảng Ngãi",
        "issuer_full": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "place": "Quảng Ngãi",
        "issued_date": dt.date(2022, 5, 20),
        "title": (
            "V/v triển khai thực hiện Nghị quyết số 57/NQ-CP ngày 21/4/2022 của Chính phủ về các nhiệm vụ, "
            "giải pháp hoàn thiện thể chế liên kết vùng kinh tế - xã hội"
        ),
        "signer": ("Đặng Văn Minh", "Chủ tịch", None),
        "issued_with": None,
        "legal_bases": ["57/NQ-CP"],
        "proposed_by": None,
        "recipients": [
            "Các sở, ban ngành, đơn vị trực thuộc UBND tỉnh",
            "Các cơ quan Trung ương trên địa bàn tỉnh",
            "UBND các huyện, thị xã, thành phố",
        ],
        "number_source": "header",
    },
    "39/KH-UBND": {
        "id": "39-kh-ubnd-20180314",
        "number": "39/KH-UBND",
        "cite_number": "39/KH-UBND",
        "doc_type": "Kế hoạch",
        "issuer": "UBND tỉnh Quảng Ngãi",
        "issuer_full": None,
        "place": "Quảng Ngãi",
        "issued_date": dt.date(2018, 3, 14),
        "title": "LIÊN KẾT PHÁT TRIỂN VÙNG KINH TẾ TRỌNG ĐIỂM MIỀN TRUNG NĂM 2018 CỦA TỈNH QUẢNG NGÃI",
        "signer": None,
        "issued_with": None,
        "legal_bases": ["87/NQ-HĐV", "17/KH-HĐV"],
        "proposed_by": None,
        "recipients": [],
        "number_source": "appendix caption",
    },
    "25/QĐ-UBND": {
        "id": "25-qd-ubnd-20140108-ke-hoach",
        "number": None,
        "cite_number": "25/QĐ-UBND",
        "doc_type": "Kế hoạch",
        "issuer": "Chủ tịch UBND tỉnh Quảng Ngãi",
        "issuer_full": None,
        "place": "Quảng Ngãi",
        "issued_date": dt.date(2014, 1, 8),
        "title": "PHÁT TRIỂN CÔNG NGHIỆP NĂM 2014",
        "signer": None,
        "issued_with": ("25/QĐ-UBND", dt.date(2014, 1, 8)),
        "legal_bases": ["2113/QĐ-UBND", "199/QĐ-UBND"],
        "proposed_by": None,
        "recipients": [],
        "number_source": "issued with",
    },
    "350/QĐ-UBND": {
        "id": "350-qd-ubnd-20211111",
        "number": "350/QĐ-UBND",
        "cite_number": "350/QĐ-UBND",
        "doc_type": "Kế hoạch",
        "issuer": "UBND tỉnh Thừa Thiên Huế",
        "issuer_full": "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ",
        "place": "Thừa Thiên Huế",
        "issued_date": dt.date(2021, 11, 11),
        "title": (
            "TRIỂN KHAI THỰC HIỆN KẾ HOẠCH LIÊN KẾT PHÁT TRIỂN VÙNG KINH TẾ TRỌNG ĐIỂM MIỀN TRUNG "
            "GIAI ĐOẠN 2021 - 2025"
        ),
        "signer": ("Nguyễn Văn Phương", "Chủ tịch", "TM. Ủy ban nhân dân"),
        "issued_with": None,
        "legal_bases": ["02/QĐ-HĐV"],
        "proposed_by": None,
        "recipients": [],
        "number_source": "header",
    },
    "997/QĐ-UBND": {
        "id": "997-qd-ubnd-20170529",
        "number": "997/QĐ-UBND",
        "cite_number": "997/QĐ-UBND",
        "doc_type": "Quyết định",
        "issuer": "UBND tỉnh Quảng Ngãi",
        "issuer_full": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
        "place": "Quảng Ngãi",
        "issued_date": dt.date(2017, 5, 29),
        "title": (
            "BAN HÀNH KẾ HOẠCH THỰC HIỆN CHIẾN LƯỢC HỘI NHẬP QUỐC TẾ ĐẾN NĂM 2020, TẦM NHÌN ĐẾN NĂM 2030"
        ),
        "signer": ("Phạm Trường Thọ", "Phó Chủ tịch", "KT. Chủ tịch"),
        "issued_with": None,
        "legal_bases": [None, "40/QĐ-TTg"],  # the Luật is cited by name and date, without a number
        "proposed_by": (
            "Giám đốc Sở Ngoại vụ tại các Công văn: số 686/SNgV-HTQT ngày 26/12/2016 và số 259/SNgV-HTQT ngày 20/4/2017"
        ),
        "recipients": [],
        "number_source": "header",
    },
}


def _metadata(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "number": doc.number,
        "cite_number": doc.cite_number,
        "doc_type": doc.doc_type,
        "issuer": doc.issuer,
        "issuer_full": doc.issuer_full,
        "place": doc.place,
        "issued_date": doc.issued_date,
        "title": doc.title,
        "signer": (doc.signer.name, doc.signer.position, doc.signer.authority) if doc.signer else None,
        "issued_with": (doc.issued_with.number, doc.issued_with.issued_date) if doc.issued_with else None,
        "legal_bases": [ref.number for ref in doc.legal_bases],
        "proposed_by": doc.proposed_by,
        "recipients": doc.recipients,
        "number_source": doc.number_source,
    }


@pytest.mark.parametrize("number", list(GOLDEN))
def test_metadata_golden(corpus_docs: dict[str, Document], number: str) -> None:
    doc = corpus_docs[number]
    got = _metadata(doc)
    for field, expected in GOLDEN[number].items():
        assert got[field] == expected, f"{number} {field}: {got[field]!r} != {expected!r}"


def test_source_and_hash_recorded(corpus_docs: dict[str, Document]) -> None:
    for doc in corpus_docs.values():
        assert doc.source.startswith("corpus/")
        assert len(doc.content_hash) == 64
        assert doc.number not in doc.mentions


def test_warnings_only_for_what_is_missing(corpus_docs: dict[str, Document]) -> None:
    assert corpus_docs["2395/UBND-KTTH"].warnings == []
    assert corpus_docs["997/QĐ-UBND"].warnings == []
    assert corpus_docs["350/QĐ-UBND"].warnings == []
    # The two plans in the corpus carry no signature block.
    for number in ("39/KH-UBND", "25/QĐ-UBND"):
        assert any("signer unknown" in w for w in corpus_docs[number].warnings)
        assert not any("no document number" in w for w in corpus_docs[number].warnings)


def test_997_legal_bases_law_by_date(corpus_docs: dict[str, Document]) -> None:
    law, decision = corpus_docs["997/QĐ-UBND"].legal_bases
    assert law.doc_type == "Luật"
    assert law.issued_date == dt.date(2015, 6, 19)
    assert "Luật Tổ chức chính quyền địa phương" in law.text
    assert (decision.doc_type, decision.issued_date) == ("Quyết định", dt.date(2016, 1, 7))
    assert decision.issuer == "Thủ tướng Chính phủ"


def test_25_issued_with_reference(corpus_docs: dict[str, Document]) -> None:
    ref = corpus_docs["25/QĐ-UBND"].issued_with
    assert ref is not None
    assert ref.doc_type == "Quyết định"
    assert ref.issuer == "Chủ tịch UBND tỉnh Quảng Ngãi"


# --- citation labels ------------------------------------------------------------------------------


def test_citation_label_2395(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    assert (
        citation_label(doc, ["2", "2.2", "b"])
        == "điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi"
    )
    assert citation_label(doc, ["1", "a"]).startswith("điểm a mục 1 Công văn số 2395/UBND-KTTH")
    assert citation_label(doc, ["Đoạn kết"]).startswith("đoạn kết Công văn số 2395/UBND-KTTH")
    assert citation_label(doc, ["Kính gửi"]).startswith("phần Kính gửi Công văn")


def test_citation_label_table_row(corpus_docs: dict[str, Document]) -> None:
    label = citation_label(corpus_docs["39/KH-UBND"], ["Phụ lục", "3"])
    assert "dòng 3 Phụ lục" in label
    assert label == "dòng 3 Phụ lục Kế hoạch số 39/KH-UBND ngày 14/3/2018 của UBND tỉnh Quảng Ngãi"


def test_citation_label_attached_plan(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["997/QĐ-UBND"]
    label = citation_label(doc, ["Phần IV", "II", "3"])
    assert "Kế hoạch ban hành kèm theo Quyết định số 997/QĐ-UBND" in label
    assert label.startswith("khoản 3 mục II Phần IV ")
    # The decision's own articles are cited as the decision, the plan's parts through it.
    assert (
        citation_label(doc, ["Điều 1"])
        == "Điều 1 Quyết định số 997/QĐ-UBND ngày 29/5/2017 của UBND tỉnh Quảng Ngãi"
    )
    assert "Kế hoạch ban hành kèm theo" in citation_label(doc, ["Kế hoạch"])
    assert "Kế hoạch ban hành kèm theo" in citation_label(doc, ["Đoạn kết"])


def test_citation_label_plan_issued_with_decision(corpus_docs: dict[str, Document]) -> None:
    label = citation_label(corpus_docs["25/QĐ-UBND"], ["B", "I", "1"])
    assert label == (
        "khoản 1 mục I phần B Kế hoạch ban hành kèm theo Quyết định số 25/QĐ-UBND ngày 08/01/2014 "
        "của Chủ tịch UBND tỉnh Quảng Ngãi"
    )


def test_citation_label_unknown_path_is_document_reference(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["350/QĐ-UBND"]
    assert (
        citation_label(doc, ["XX"]) == "Kế hoạch số 350/QĐ-UBND ngày 11/11/2021 của UBND tỉnh Thừa Thiên Huế"
    )
