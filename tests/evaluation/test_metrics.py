"""Every metric on hand-made cases whose values were computed by hand."""

from __future__ import annotations

import math

import pytest

from rag.documents.models import Document, Section, SectionKind
from rag.evaluation import metrics as M
from rag.evaluation.gold import GoldSection
from rag.evaluation.matching import (
    GoldResolver,
    Located,
    ResolvedGold,
    contained,
    covers_half,
    matched,
    needle,
    section_matches,
    text_key,
)

E: frozenset[int] = frozenset()
G0, G1, G01 = frozenset({0}), frozenset({1}), frozenset({0, 1})

# ranks:    1   2   3   4   5
RANKED = [E, G0, E, G1, G0]


# --- retrieval ------------------------------------------------------------------------------------


def test_hit_at_k() -> None:
    assert [M.hit_at_k(RANKED, k) for k in (1, 2, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert M.hit_at_k([E, E, E], 10) == 0.0
    assert M.hit_at_k([], 5) == 0.0


def test_first_hit_and_mrr() -> None:
    assert M.first_hit_rank(RANKED) == 2
    assert M.mrr_at_k(RANKED, 10) == 0.5
    assert M.mrr_at_k([E, E, G0], 10) == pytest.approx(1 / 3)
    assert M.mrr_at_k([E, E, G0], 2) == 0.0  # the hit lies beyond the cut-off
    assert M.mrr_at_k([G1], 10) == 1.0


def test_recall_at_k() -> None:
    assert M.recall_at_k(RANKED, 2, 1) == 0.0
    assert M.recall_at_k(RANKED, 2, 3) == 0.5
    assert M.recall_at_k(RANKED, 2, 5) == 1.0
    assert M.recall_at_k([G01], 4, 1) == 0.5
    with pytest.raises(ValueError):
        M.recall_at_k(RANKED, 0, 5)


def test_ndcg_by_hand() -> None:
    # gains at ranks 2 and 4; rank 5 matches gold 0 again and gains nothing (a gold counts once)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)  # 0.63093 + 0.43068
    ideal = 1 + 1 / math.log2(3)  # two relevant items at ranks 1 and 2
    assert M.ndcg_at_k(RANKED, 2, 10) == pytest.approx(dcg / ideal)
    assert M.ndcg_at_k(RANKED, 2, 10) == pytest.approx(0.650920, abs=1e-6)
    assert M.ndcg_at_k([G0, G1], 2, 10) == pytest.approx(1.0)
    assert M.ndcg_at_k([G0], 1, 10) == 1.0
    assert M.ndcg_at_k([E, G0], 1, 10) == pytest.approx(1 / math.log2(3))
    assert M.ndcg_at_k([E, G0], 1, 1) == 0.0
    # one item matching two golds gains 1 (binary relevance): 1 / (1 + 1/log2 3)
    assert M.ndcg_at_k([G01], 2, 10) == pytest.approx(0.613147, abs=1e-6)


# --- citations ------------------------------------------------------------------------------------


def test_citation_precision_and_recall() -> None:
    assert M.citation_precision([G0, E, G0]) == pytest.approx(2 / 3)
    assert M.citation_precision([]) is None
    assert M.citation_recall([G0, E, G0], 2) == 0.5
    assert M.citation_recall([G0, G1], 2) == 1.0
    assert M.citation_recall([], 2) == 0.0


# --- key facts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "answer", "found"),
    [
        ("Sở Tài chính", "Giao SỞ TÀI CHÍNH chủ trì", True),
        ("Sở Tài chính", "so tai chinh chu tri", True),  # typed without diacritics
        ("250 triệu đồng", "mức 250  triệu\nđồng mỗi năm", True),  # whitespace collapsed
        ("ngày 20 tháng 5 năm 2022", "ngày **20** tháng 5 năm 2022", True),  # markdown emphasis
        ("Ban Quản lý Khu kinh tế Dung Quất", "Ban Quản lý Khu kinh tế Dung Quất và các KCN", True),
        ("1.500.000 đồng", "1500000 đồng", True),  # thousands separators
        ("1.500.000 đồng", "1,500,000 đồng", True),
        ("2,5 tỷ", "2.5 tỷ", True),  # decimal comma
        ("08/01/2014", "ngày 8/1/2014", True),  # leading zeros
        ("định kỳ 06 tháng", "định kỳ 6 tháng một lần", True),
        ("20", "năm 2022", False),  # a number never matches inside a longer number
        ("Sở Tài chính", "Sở Tài nguyên", False),
        ("Quốc lộ 24", "Quốc lộ 1", False),
    ],
)
def test_fact_found(fact: str, answer: str, found: bool) -> None:
    assert M.fact_found(fact, answer) is found


def test_fact_keys() -> None:
    assert M.fact_key("  Ngày **20**\n tháng  5 ") == "ngay 20 thang 5"
    assert M.fact_key("Đà Nẵng") == "da nang"
    assert M.number_key("1.234.567 và 0,5 và 08/01") == "1234567 va 0.5 va 8/1"


def test_key_fact_recall() -> None:
    assert M.key_fact_recall(["Sở Tài chính", "Sở Xây dựng"], "Sở Tài chính chủ trì") == 0.5
    assert M.key_fact_recall([], "anything") is None
    assert M.key_fact_recall(["a b"], "A   B") == 1.0


# --- abstention, CRAG, aggregation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answerable", "abstained", "top", "facts", "score"),
    [
        (True, False, True, 1.0, 1),
        (True, False, True, 0.5, 1),
        (True, False, True, None, 1),  # no key facts: the citation decides
        (True, False, True, 0.0, -1),  # right section, wrong content
        (True, False, False, 1.0, -1),  # wrong top citation
        (True, True, False, None, 0),  # false refusal
        (False, True, False, None, 0),  # correct refusal
        (False, False, False, None, -1),  # answered an unanswerable question
    ],
)
def test_crag(answerable: bool, abstained: bool, top: bool, facts: float | None, score: int) -> None:
    assert M.crag_score(answerable, abstained, top, facts) == score


def test_mean_and_percentile() -> None:
    assert M.mean([1.0, None, 0.0]) == 0.5
    assert M.mean([None]) is None
    assert M.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert M.percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert M.percentile([7.0], 95) == 7.0
    assert M.percentile([], 50) is None


# --- section matching -----------------------------------------------------------------------------


def _sec(
    label: str, kind: SectionKind, start: int, end: int, children: list[Section] | None = None
) -> Section:
    return Section(
        label=label, kind=kind, start=start, end=end, body_start=start, body_end=end, children=children or []
    )


K = SectionKind
DOC = Document(
    id="cv-1", number="2395/UBND-KTTH", source="x.md", content_hash="0", text="x" * 200,
    sections=[_sec("2", K.NUMBER, 0, 100, [_sec("2.2", K.DOTTED, 10, 100, [
        _sec("a", K.LETTER, 20, 50), _sec("b", K.LETTER, 50, 100, [_sec("-1", K.DASH, 60, 70)])])]),
        _sec("Nơi nhận", K.DISTRIBUTION, 100, 200)],
)  # fmt: skip


class FakeStore:
    def document(self, doc_id: str) -> Document | None:
        return DOC if doc_id == DOC.id else None

    def document_rows(self) -> list[dict[str, str | None]]:
        return [{"id": DOC.id, "number": DOC.cite_number}]


GOLD_B = GoldResolver(FakeStore()).resolve(GoldSection("2395/UBND-KTTH", ("2", "2.2", "b")))


def test_resolver_finds_span() -> None:
    assert (GOLD_B.doc_id, GOLD_B.start, GOLD_B.end) == ("cv-1", 50, 100)
    res = GoldResolver(FakeStore())
    assert res.problems([GoldSection("2395/UBND-KTTH", ("3",)), GoldSection("1/X", ("1",))]) == [
        "2395/UBND-KTTH 3: no such section path in the indexed document",
        "1/X 1: no indexed document has this number",
    ]


def test_match_by_prefix() -> None:
    assert section_matches(Located("2395/UBND-KTTH", ("2", "2.2", "b", "-1"), 60, 70), GOLD_B)
    assert section_matches(Located("2395/UBND-KTTH", ("2", "2.2", "b")), GOLD_B)
    assert not section_matches(Located("2395/UBND-KTTH", ("2", "2.2", "a"), 20, 50), GOLD_B)
    assert not section_matches(Located("39/KH-UBND", ("2", "2.2", "b"), 50, 100), GOLD_B)  # other document
    # numbers compare without case, spaces or diacritics
    gold = ResolvedGold(GoldSection("25/QĐ-UBND", ("B", "I")))
    assert section_matches(Located("25/qd-ubnd", ("B", "I", "2")), gold)


def test_match_by_span() -> None:
    merged = Located("2395/UBND-KTTH", ("2", "2.2"), 10, 100, "cv-1")  # a chunk merging a and b
    assert section_matches(merged, GOLD_B)
    assert section_matches(Located("2395/UBND-KTTH", ("2", "2.2"), 60, 85), GOLD_B)  # covers 25 of 50
    assert not section_matches(Located("2395/UBND-KTTH", ("2", "2.2"), 60, 84), GOLD_B)  # 24 of 50
    assert not section_matches(Located("2395/UBND-KTTH", ("2", "2.2"), 10, 100, "other-doc"), GOLD_B)
    assert covers_half(0, 10, 5, 15) and not covers_half(0, 4, 5, 15) and not covers_half(0, 9, 5, 5)
    gold_a = GoldResolver(FakeStore()).resolve(GoldSection("2395/UBND-KTTH", ("2", "2.2", "a")))
    assert matched(merged, [gold_a, GOLD_B]) == frozenset({0, 1})


def test_raw_text_containment() -> None:
    assert text_key("Số: **2395**/UBND-KTTH\n-------\nQuảng  Ngãi") == "số: 2395/ubnd-ktth quảng ngãi"
    assert needle("a" * 300) == "a" * 200
    chunk = text_key("... 3. Giao Sở Tài\nchính chủ trì ...")
    assert contained(chunk, ["3. giao sở tài chính", "4. giao", ""]) == frozenset({0})
