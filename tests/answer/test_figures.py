"""Which figure of a sentence answers: pure checks over a sentence and the analysed question."""

from __future__ import annotations

import pytest

from rag.answer.figures import (
    dated,
    direction,
    excluding_at,
    figure_years,
    mentions_year,
    names_a_plan,
    share_of_else,
    unit_matches,
)
from rag.retrieve.query import analyze

SENTENCE = (
    "- Giá trị sản xuất công nghiệp-xây dựng năm 2014: Phấn đấu đạt khoảng 21.592 tỷ đồng (theo giá so sánh "
    "1994), bằng 90,6% so với năm 2013; trong đó, giá trị sản xuất công nghiệp đạt khoảng 19.355 tỷ đồng, giảm "
    "10,39% so với năm 2013; riêng giá trị sản xuất công nghiệp không tính sản phẩm lọc hóa dầu 5.840 tỷ đồng, "
    "tăng 9,1% so với năm 2013"
)


def at(figure: str) -> int:
    return SENTENCE.index(figure)


def test_a_year_compared_with_or_a_price_base_dates_no_figure() -> None:
    assert dated(SENTENCE, at("19.355"), ["2014"])
    assert not dated(SENTENCE, at("19.355"), ["2013"])
    assert dated(SENTENCE, at("10,39%"), ["2014"])


def test_the_year_compared_with_in_the_question_is_no_figure_year() -> None:
    assert figure_years(analyze("By how much will industrial output fall in 2014 compared with 2013?")) == [
        "2014"
    ]
    assert figure_years(analyze("What was industrial output in 2013?")) == ["2013"]


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("By how much is industrial output expected to fall?", "giảm"),
        ("gia tri sx cn tang bao nhieu", "tăng"),
        ("What is the industrial output target?", ""),
    ],
)
def test_the_direction_of_a_change_asked(question: str, verb: str) -> None:
    assert direction(analyze(question)) == verb


def test_a_figure_net_of_something_follows_khong_tinh() -> None:
    asked = analyze("Leaving out refinery products, what industrial output value was targeted?")
    start = excluding_at(asked, SENTENCE)
    assert start is not None and SENTENCE[start:].lstrip().startswith("sản phẩm lọc hóa dầu")
    assert excluding_at(analyze("What industrial output value was targeted?"), SENTENCE) is None


def test_a_share_is_only_a_figure_its_clause_calls_a_share() -> None:
    asked = analyze("What share of GDP will industry have in 2014?")
    assert share_of_else(asked, SENTENCE, at("90,6%"))
    share = "- Tỷ trọng công nghiệp-xây dựng trong GDP (theo giá hiện hành): đạt 59-60%."
    assert not share_of_else(asked, share, share.index("59-60%"))


def test_a_plan_named_with_its_horizon_gives_no_deadline() -> None:
    text = "Trình phê duyệt đồ án Quy hoạch chung xây dựng Khu kinh tế Dung Quất đến năm 2035, tầm nhìn đến năm 2050."
    deadline = analyze("Hạn trình phê duyệt quy hoạch là khi nào?")
    assert names_a_plan(text, text.index("đến năm 2035"), deadline)
    assert not names_a_plan(text, text.index("đến năm 2035"), analyze("Quy hoạch có tầm nhìn đến năm nào?"))


@pytest.mark.parametrize(
    ("question", "value", "matches"),
    [
        ("What GRDP per head is targeted?", "3.600-4.000 USD", True),
        ("What GRDP per head is targeted?", "5 năm", False),
        ("By how much will output fall?", "10,39%", True),
        ("By how much will output fall?", "21.592 tỷ đồng", False),
    ],
)
def test_a_figure_in_the_unit_asked(question: str, value: str, matches: bool) -> None:
    assert unit_matches(analyze(question), value) is matches


@pytest.mark.parametrize(
    ("text", "year", "ok"),
    [
        ("Kim ngạch xuất khẩu đến năm 2020 đạt 1 tỷ USD.", "2020", True),
        ("Đề án đào tạo doanh nhân giai đoạn 2016-2020.", "2018", True),  # a period that includes it
        ("- Quý II/2014, tổ chức “Tháng Công nhân”", "2014", True),
        ("Thực hiện Quyết định số 36/2016/QĐ-UBND ngày 29/7/2016 của UBND tỉnh", "2016", False),  # a citation
        ("Kim ngạch xuất khẩu đến năm 2020 đạt 1 tỷ USD.", "2016", False),
    ],
)
def test_mentions_year(text: str, year: str, ok: bool) -> None:
    assert mentions_year(text, year) is ok
