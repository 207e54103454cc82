"""Which figure of a sentence answers a how-much, when or where question: its unit, its year, the
member of a list it belongs to, its price basis, what it is a growth or a share of, and what the
question sets aside. Pure functions over a sentence and the analysed question."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.retrieve.query import Query, expand_inline
from rag.text.normalize import fold

if TYPE_CHECKING:
    from rag.answer.evidence import EvidenceScorer, Span


#: A cited document ("Quyết định số 1780/QĐ-TTg ngày 12/10/2011"): its date is when that document was
#: issued, not when anything the sentence asks for happens.
REFERENCE = re.compile(
    r"(?:\b[Ss]ố\s+)?\b\d+[a-z]?(?:/[\wĐđ\-]+)+\s*,?\s+(?:ngày|ngay)\s+\d{1,2}(?:/|\s+tháng\s+)\d{1,2}"
    r"(?:(?:/|\s+năm\s+)\d{4})?|\b\d+/\d{4}/[\wĐđ\-]+"
)


YEAR = re.compile(r"(?:19|20)\d{2}")


_UNIT_KINDS: tuple[tuple[str, str, str], ...] = (
    # (kind, question pattern (folded), value pattern)
    # "By how much will output fall", "giảm bao nhiêu so với 2013": a change, which the plans give in %.
    (
        "change",
        r"\b(by how much|how much (lower|higher|less|more) than|(tang|giam) bao nhieu(?! (nguoi|lao dong|du an"
        r"|doanh nghiep|ty|trieu)))",
        r"%",
    ),
    (
        "dong",
        r"\b(ty dong|trieu dong|nghin dong|vnd|dong viet nam|vietnamese dong|(billion|million|thousand) dong)\b",
        r"đồng",
    ),
    # "đô la", not "trong đó là" / "trong đó lao động" (both fold to "do la").
    ("usd", r"\b(usd|dollars?|us\$)|(?<!trong )\bdo la\b(?!o)", r"USD"),
    (
        "money",
        r"\b(bao nhieu tien|kinh phi|ngan sach|von|budget|money|cost|fund|contribut|dong gop|dau tu bao nhieu"
        r"|(output|production|export|import) values?|gia tri (san xuat|xuat khau|nhap khau)"
        r"|per (capita|head)|binh quan dau nguoi|thu nhap|income)",
        r"(đồng|USD|tỷ|triệu)",
    ),
    (
        "percent",
        r"(phan tram|%|ty le|ty trong|percent|share|proportion|growth|tang truong|toc do tang)",
        r"%",
    ),
    ("years", r"\b(bao nhieu nam|may nam|how many years|every how many years)", r"\bnăm\b"),
    ("times", r"\b(bao nhieu lan|may lan|how many times)", r"\blần\b"),
    (
        "people",
        r"\b(bao nhieu nguoi|bao nhieu lao dong|bao nhieu (luot )?khach|dan so|how many ([a-z-]+ ){0,2}?(people|workers|residents"
        r"|inhabitants|tourists|visitors|arrivals|guests|trainees)|population)",
        r"(người|lao động|dân|khách)",
    ),
    ("area", r"\b(hecta|hectares?|bao nhieu ha|dien tich|area)\b", r"(ha|km2|m2|km²|m²)\b"),
    (
        "length",
        r"\b(chieu dai|dai bao nhieu|bao nhieu km|length|how long is|kilomet(er|re)s?)\b",
        r"(km|m)\b",
    ),
    ("power", r"\b(cong suat|mw|capacity)\b", r"MW"),
    # "How many tourists", "bao nhiêu dự án": a count of things, never a span of time ("5 năm").
    (
        "count",
        r"\bhow many (?!years?\b|months?\b|days?\b|weeks?\b|hours?\b|times?\b)"
        r"|\bbao nhieu (?!nam\b|thang\b|ngay\b|tuan\b|gio\b|lan\b|tien\b|phan tram\b)",
        r"^(?![\d.,\s-]+(?:năm|tháng|ngày|tuần)\b)(?!.*%)",
    ),
)


def mentions_year(text: str, year: str) -> bool:
    """``text`` speaks of ``year``: names it, or a period that includes it ("2016-2020"), outside the
    numbers and dates of documents it cites."""
    text = REFERENCE.sub(" ", text)
    if re.search(rf"(?<!\d){year}(?!\d)", text):
        return True
    y = int(year)
    return any(int(a) <= y <= int(b) for a, b in re.findall(r"\b(\d{4})\s*[-–]\s*(\d{4})\b", text))


#: A planning instrument named with its horizon: "Quy hoạch chung … Dung Quất đến năm 2035, tầm nhìn đến năm 2050".
_PLAN_NAME = re.compile(r"(?i:\b(?:quy hoạch|đề án|chiến lược|tầm nhìn|định hướng)\b[^,;:.()]{0,80}$)")


_HORIZON = re.compile(r"(?i:(?:tầm nhìn\s*)?(?:đến năm|thời kỳ|giai đoạn)|(?:năm\s*)?\d{4})")


def aside_about_else(text: str, at: int, scorer: EvidenceScorer) -> bool:
    """The figure at ``at`` sits in a parenthesis of several words that says none of what the question
    asks: "(… các Dự án trong KKT Dung Quất trong phạm vi 10.300ha)" inside a sentence on VSIP."""
    opened = text.rfind("(", 0, at)
    if opened < 0 or ")" in text[opened:at]:
        return False
    aside = text[opened + 1 : at]
    return len(aside.split()) >= 5 and scorer.coverage(aside) == 0.0


def names_a_plan(text: str, at: int, query: Query) -> bool:
    """The time at ``at`` is part of a plan's name ("Quy hoạch … đến năm 2035, tầm nhìn đến năm 2050"),
    and the question asks when something is due, not the plan's period or horizon."""
    if not _HORIZON.match(text, at) or not _PLAN_NAME.search(text[max(0, at - 120) : at]):
        return False
    asked = fold(query.question).lower()
    return not re.search(
        r"\b(tam nhin|thoi ky|giai doan|vision|horizon|period|den nam nao|until when)\b", asked
    )


def _word_pairs(folded: str) -> set[str]:
    words = folded.split()
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


def of_something_at(query: Query, text: str, at: int) -> bool:
    """The figure at ``at`` is of something located at what the question asks about: "… khu dân cư
    chỉnh trang tại KCN Quảng Phú diện tích 14,138ha" gives no area of KCN Quảng Phú."""
    before = text[:at]
    located = list(re.finditer(r"(?i:\b(?:tại|ở)\s+)", before))
    if not located:
        return False
    at_word = located[-1]
    asked = " ".join(expand_inline(fold(t).lower()) for t in [query.question, *query.translations])
    asked_words = set(re.findall(r"\w+", asked))
    place = re.findall(r"\w+", expand_inline(fold(before[at_word.end() :]).lower()))[:2]
    if len(place) < 2 or not all(w in asked_words for w in place):
        return False
    head = " ".join(re.findall(r"\w+", fold(before[: at_word.start()]).lower())[-4:])
    pairs = _word_pairs(head)
    return bool(pairs) and not pairs & _word_pairs(" ".join(re.findall(r"\w+", asked)))


def direction(query: Query) -> str:
    """The verb a figure of change asked for goes with: "giảm" for a fall, "tăng" for a rise, else ""."""
    asked = fold(query.question).lower()
    if re.search(
        r"\b(fall|falls|drop|drops|decline|declines|decrease|decreases|shrink|shrinks|lower|giam)\b", asked
    ):
        return "giảm"
    if re.search(r"\b(rise|rises|grow|grows|increase|increases|higher|tang)\b", asked):
        return "tăng"
    return ""


def excluding_at(query: Query, text: str) -> int | None:
    """Where ``text`` states a figure net of something, when the question asks for it net of
    something ("excluding", "không tính"): the end of the sentence's "không tính"."""
    asked = " ".join(fold(t).lower() for t in [query.question, *query.translations])
    if not re.search(r"\b(khong tinh|ngoai tru|tru di)\b", asked):
        return None
    m = re.search(r"(?i:không tính|ngoại trừ|trừ đi)", text)
    return m.end() if m else None


def figure_years(query: Query) -> list[str]:
    """Years a figure asked for must be dated by: "paid into the Council's budget for 2017" gives the
    figure's year, even when a loaded document is of that year; a year that dates a document ("the
    2018 plan") or a price base ("giá so sánh 1994") does not."""
    asked = fold(query.question).lower()
    return [
        n
        for n in query.numbers
        if YEAR.fullmatch(n)
        and n not in query.document_years
        and not re.search(
            rf"(gia (so sanh|co dinh)|prices?)\D{{0,12}}{n}|{n} (constant |comparative )?prices"
            # "growth over 2013", "so với năm 2013": the year compared with, not the figure's
            rf"|\b(compared (with|to)|over|than|relative to|versus|vs\.?|so voi( nam)?)\s+(the )?(year )?{n}",
            asked,
        )
    ]


_PRICE_BASE_YEAR = re.compile(r"(?i:giá (?:so sánh|cố định|hiện hành)(?: năm)?)\s*\d{4}")


_COMPARED_YEAR = re.compile(r"(?i:so với(?: năm)?)\s*\d{4}")


def dated(text: str, at: int, years: Sequence[str]) -> bool:
    """The figure at ``at`` is of one of ``years``, or of no other: the last year (or period) named
    before it in its sentence is one of them, or none is named. A year compared with ("so với năm
    2013") is no figure's year, nor is a price base ("giá so sánh 1994"): "… năm 2014:
    21.592 tỷ đồng (theo giá so sánh 1994), bằng 90,6% so với năm 2013; trong đó … 19.355 tỷ đồng"
    gives 2014 amounts and no 2013 one."""
    before = REFERENCE.sub(lambda m: " " * len(m.group(0)), text[:at])
    before = _COMPARED_YEAR.sub(lambda m: " " * len(m.group(0)), before)
    before = _PRICE_BASE_YEAR.sub(lambda m: " " * len(m.group(0)), before)
    named = list(re.finditer(r"(?<!\d)(\d{4})(?:\s*[-–]\s*(\d{4}))?(?!\d)", before))
    named = [m for m in named if YEAR.fullmatch(m.group(1))]
    return not named or any(mentions_year(named[-1].group(0), y) for y in years)


#: Kinds of which a question asks one member, and a sentence may give another's figure.
_MEMBERS: tuple[tuple[str, ...], ...] = (
    ("dich vu", "cong nghiep", "nong nghiep", "lam nghiep", "thuy san"),  # sectors of the economy
    ("so cap", "trung cap", "cao dang", "dai hoc"),  # levels of training
)


def other_member(query: Query, span: Span, at: int) -> bool:
    """The question asks for one member of a kind ("dịch vụ"), and the member named last before the
    figure at ``at`` in its sentence is another ("công nghiệp-xây dựng …: 59-60%"): the figure is
    the other's."""
    asked_text = " ".join(fold(t).lower() for t in [query.question, *query.translations])
    before = fold(span.text[:at]).lower()
    whole = fold(span.text).lower()
    for kind in _MEMBERS:
        asked = [m for m in kind if re.search(rf"\b{m}\b", asked_text)]
        if not asked or len(asked) == len(kind):
            continue
        named = [(mm.start(), mm.group(0)) for m in kind for mm in re.finditer(rf"\b{m}\b", before)]
        if named and max(named)[1] not in asked:
            return True
        # "Tổng số …: 25.900 người, trong đó: Cao đẳng: 1.900 người": the total, not Cao đẳng's.
        if not named and any(
            re.search(r"[,;:]|\btrong do\b", whole[at : at + mm.start()])
            and re.search(r"\d", whole[at + mm.end() : at + mm.end() + 40])
            for m in asked
            if (mm := re.search(rf"\b{m}\b", whole[at:]))
        ):
            return True
        # "Đại học" asked of a sentence that breaks a total down into "Cao đẳng", "Trung cấp" and "Sơ
        # cấp": none of its figures is the one asked.
        said = {m for m in kind if re.search(rf"\b{m}\b", whole)}
        if said and not said & set(asked):
            return True
    return False


#: Price bases a figure may be stated at (folded): what the question asks, what the text says.
_PRICE_BASES: tuple[tuple[str, str, str], ...] = (
    ("current", r"\b(current|nominal) prices?|\bgia hien hanh\b|\bat current\b", r"gia hien hanh"),
    (
        "constant",
        r"\b(constant|comparable|comparative|fixed|real) (\d{4} )?prices?|\bin real terms\b|\bgia (so sanh|co dinh)\b",
        r"gia (so sanh|co dinh)",
    ),
)


def other_price_basis(query: Query, text: str, at: int) -> bool:
    """The question asks a figure at one price basis ("at current prices") and the figure at ``at``
    is stated at another ("21.592 tỷ đồng (theo giá so sánh 1994)")."""
    asked = fold(query.question).lower()
    # "At current prices rather than 1994 constant prices": what follows "rather than" is not asked.
    asked = re.sub(r"\b(rather than|instead of|as opposed to|not at|thay vi|chu khong phai)\b.*", "", asked)
    want = [name for name, q, _t in _PRICE_BASES if re.search(q, asked)]
    if len(want) != 1:
        return False
    # The basis stated last before the figure in its sentence holds for it ("… 21.592 tỷ đồng (theo giá so
    # sánh 1994) …; trong đó, … 19.355 tỷ đồng"), else one stated just after it.
    before = fold(text[:at]).lower()
    named = [(m.start(), name) for name, _q, t in _PRICE_BASES for m in re.finditer(t, before)]
    if not named:
        after = fold(re.split(r"[;]", text[at:], maxsplit=1)[0][:120]).lower()
        named = [(0, name) for name, _q, t in _PRICE_BASES if re.search(t, after)]
    return bool(named) and max(named)[1] != want[0]


#: What a growth rate may be of (question words, folded → the documents' words, folded).
_GROWTH_SUBJECTS: tuple[tuple[str, str], ...] = (
    (r"\bexports?\b|\bxuat khau\b", r"xuat khau"),
    (r"\bimports?\b|\bnhap khau\b", r"nhap khau"),
    (
        r"\b(industrial (output|production)|gia tri san xuat cong nghiep|san xuat cong nghiep)\b",
        r"san xuat cong nghiep",
    ),
    (r"\b(grdp|gdp|tong san pham)\b", r"grdp|gdp|tong san pham"),
    (r"\b(revenue|budget revenue|thu ngan sach|doanh thu)\b", r"thu ngan sach|doanh thu"),
    (r"\b(tourists?|visitors?|luot khach|khach du lich)\b", r"khach"),
)


def growth_of_else(query: Query, text: str, at: int) -> bool:
    """A growth rate asked of one subject ("export growth"), and the figure at ``at`` is one whose own
    clause names none of it ("tốc độ tăng trưởng … (GRDP) … 6-7%/năm")."""
    asked = fold(query.question).lower()
    if not re.search(r"\b(growth|grow|tang truong|toc do tang)\b", asked):
        return False
    wanted = [words for pattern, words in _GROWTH_SUBJECTS if re.search(pattern, asked)]
    if not wanted:
        return False
    start = max(text.rfind(";", 0, at), text.rfind(":", 0, at), text.rfind(". ", 0, at)) + 1
    clause = fold(text[start:at]).lower()
    return not any(re.search(rf"\b(?:{words})\b", clause) for words in wanted)


def share_of_else(query: Query, text: str, at: int) -> bool:
    """A share asked ("industry's share of GDP", "tỷ trọng"), and the figure at ``at`` is one whose own
    clause says no share: "bằng 90,6% so với năm 2013" is a ratio to last year."""
    asked = fold(query.question).lower()
    if not re.search(r"\b(share|proportion|ty trong|co cau|chiem bao nhieu)\b", asked):
        return False
    start = (
        max(
            text.rfind(";", 0, at),
            text.rfind(":", 0, at - 2),
            text.rfind(". ", 0, at),
            text.rfind(",", 0, at),
        )
        + 1
    )
    clause = fold(text[start:at]).lower()
    head = fold(text[:at]).lower()
    return not re.search(r"\b(ty trong|chiem|co cau|ty le)\b", clause) and not re.search(
        r"\b(ty trong|co cau)\b[^;.]*$", head
    )


def unit_matches(query: Query, value: str) -> bool:
    """A figure answers a how-much question only in the unit asked for ('02 năm' is no budget)."""
    folded = fold(query.question).lower()
    for _kind, asked, unit in _UNIT_KINDS:
        if re.search(asked, folded):
            return re.search(unit, value) is not None
    return True
