"""Property tests: on any input, parse_document never crashes and never loses text, chunks cover the
text exactly once, and the section tree is well nested."""

from __future__ import annotations

import re
import textwrap
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.documents.chunking import Chunker
from rag.documents.models import Document
from rag.documents.parser import parse_document
from rag.text.normalize import BOILERPLATE_LINES
from tests.conftest import assert_chunks_cover, assert_sections_nested, reference_clean

CHUNKERS = (Chunker(512), Chunker(40))
# derandomize: the same examples on every run, so the suite is deterministic.
SETTINGS = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

_SPECIAL = list(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f\u3000\u00d0\t\r\x00\x01\x07\x0b\x0c\x1b\x7f"
)
_VIET = "Điều khoản điểm mục Phần Chương Quyết định Kế hoạch Ủy ban nhân dân tỉnh Quảng Ngãi hoà thuỷ ./."
_WORD = st.sampled_from(
    [*_VIET.split(), "2030.", "2.1", "a)", "-", "+", "(1)", "**x**", "|", "---", "của", "và"]
)

MARKERS = [
    "1. ", "2. ", "3. ", "10. ", "2.1 ", "2.1. ", "2.2. ", "1.1.1 ", "a) ", "b) ", "đ) ", "e) ", "- ", "– ", "+ ",
    "• ", "(1) ", "(2) ", "I. ", "II. ", "III. ", "IV. ", "V. ", "A. ", "B. ", "C. ", "Điều 1. ", "Điều 3. ",
    "Phần I ", "Phần thứ nhất ", "PHẦN II ", "Chương II ", "PHỤ LỤC", "Phụ lục II", "\t", "\t1", "\tSTT",
    "Kính gửi:", "Nơi nhận:", "Căn cứ ", "Yêu cầu ", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN",
    "KẾ HOẠCH", "QUYẾT ĐỊNH", "QUYẾT ĐỊNH:", "Số: 12/QĐ-UBND", "Hà Nội, ngày 5 tháng 6 năm 2020", "V/v ",
    "(Ban hành kèm theo Quyết định số 25/QĐ-UBND ngày 08/01/2014 của UBND tỉnh)", "**", "# ", "| ", "",
    "Đang tải nội dung, vui lòng chờ giây lát...", "Hệ thống pháp luật", "-------",
]  # fmt: skip


def _line(marker: str, words: list[str], caps: bool) -> str:
    body = " ".join(words)
    return marker + (body.upper() if caps else body)


structured_line = st.builds(_line, st.sampled_from(MARKERS), st.lists(_WORD, max_size=12), st.booleans())
structured = st.builds(
    lambda lines, seps: "".join(line + sep for line, sep in zip(lines, seps, strict=False)),
    st.lists(structured_line, max_size=40),
    st.lists(st.sampled_from(["\n", "\n", "\n\n", "\r\n", " \n", "\n\t\n"]), min_size=40, max_size=40),
)


def _run(fmt: str, labels: list[str]) -> st.SearchStrategy[list[str]]:
    """A run of consecutive markers ("2.", "3.", "4." or "b)", "c)"), as real documents have them."""
    return st.builds(
        lambda first, n, bodies: [f"{fmt.format(label)} {body}" for label, body in zip(labels[first : first + n], bodies, strict=False)],
        st.integers(0, 2), st.integers(1, 4), st.lists(_WORDS, min_size=4, max_size=4),
    )  # fmt: skip


_WORDS = st.lists(_WORD, max_size=8).map(" ".join)
_ROMAN = ["I", "II", "III", "IV", "V", "VI"]
_NUMS = [str(i) for i in range(1, 8)]
_BLOCKS = st.one_of(
    _run("{}.", _NUMS), _run("{})", list("abcdđe")), _run("{}.", _ROMAN), _run("{}.", list("ABCDE")),
    _run("2.{}", _NUMS), _run("2.{}.", _NUMS), _run("Điều {}.", _NUMS), _run("Phần {}", _ROMAN), _run("({})", _NUMS),
    st.lists(_WORDS.map(lambda w: "- " + w), min_size=1, max_size=3),
    st.lists(_WORDS.map(lambda w: "+ " + w), min_size=1, max_size=3),
    st.lists(_WORDS, min_size=1, max_size=3),
    st.lists(  # table rows: TAB cells, a blank line after each row, sometimes a continuation line
        st.lists(st.one_of(_WORDS, st.sampled_from(["1", "2", "3", "STT", ""])).map(lambda w: "\t" + w), min_size=1, max_size=4)
        .map(lambda cells: [*cells, ""]),
        min_size=1, max_size=4,
    ).map(lambda rows: [line for row in rows for line in row]),
    st.sampled_from([
        ["Yêu cầu các cơ quan thực hiện./."],
        ["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
        ["Kính gửi:", "- Sở A;", "- Sở B."],
        ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", "Nguyễn Văn A"],
        ["CHỦ TỊCH", "Trần Văn B"],
        ["KẾ HOẠCH", "THỰC HIỆN X", "(Ban hành kèm theo Quyết định số 5/QĐ-UBND ngày 1/2/2020 của UBND tỉnh)"],
        ["PHỤ LỤC", "DANH MỤC", "(Kèm theo Kế hoạch số 39/KH-UBND ngày 14/3/2018 của UBND tỉnh Quảng Ngãi)"],
        ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 12/QĐ-UBND", "Quảng Ngãi, ngày 3 tháng 4 năm 2020", "QUYẾT ĐỊNH"],
        ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;"],
    ]),
)  # fmt: skip
document_like = st.builds(
    lambda blocks, seps: "".join(
        line + seps[i % len(seps)] for i, line in enumerate(x for b in blocks for x in b)
    ),
    st.lists(_BLOCKS, max_size=25),
    st.lists(st.sampled_from(["\n", "\n\n", "\n"]), min_size=1, max_size=5),
)
# Hard-wrapped at a fixed width, as text copied from PDFs is: a marker may land at a line start.
hard_wrapped = st.builds(
    lambda raw, width: "\n".join(
        textwrap.fill(line, width) if line.strip() else line for line in raw.split("\n")
    ),
    document_like,
    st.integers(40, 100),
)
long_lines = st.builds(
    lambda w, n, tail: (w + " ") * n + tail, _WORD, st.integers(20, 400), st.text(max_size=20)
)
noisy = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(_SPECIAL), _WORD), max_size=60).map("".join)
nfd = st.one_of(st.text(), structured).map(lambda s: unicodedata.normalize("NFD", s))
any_text = st.one_of(st.text(), nfd, noisy, structured, document_like, hard_wrapped, long_lines, st.just(""))


def _parse(raw: str) -> Document:
    return parse_document(raw, source="generated/doc.txt", content_hash="0" * 64)


def _expected_words(raw: str) -> list[str]:
    """Alphanumeric words of the cleaned input, boilerplate lines left out."""
    lines = [ln for ln in reference_clean(raw).split("\n") if not any(p.match(ln) for p in BOILERPLATE_LINES)]
    return re.findall(r"[^\W_]+", "\n".join(lines))


def check_document(raw: str) -> None:
    doc = _parse(raw)
    text = doc.text
    assert unicodedata.is_normalized("NFC", text)
    assert text.endswith("\n")
    missing = [w for w in _expected_words(raw) if w not in text]
    assert not missing, f"words lost: {missing[:5]}"
    assert_sections_nested(doc)
    for chunker in CHUNKERS:
        assert_chunks_cover(doc, chunker.chunk(doc))


@SETTINGS
@given(any_text)
@example("PHỤ LỤC\n\tSTT\n\tTên\n\n\tx\n\ty\n")
@example("Intro\n1. a\nPHỤ LỤC\nABC\n\tfoo\nbar\n\n\tbaz\n")
@example("1. a\n\nb\nPHỤ LỤC\n\t1\n\tA\n\n\t2\n\tB\ncontinued\n\nNơi nhận:\n- X\n")
@example("I. A\nV. B\nC. D\nII. E\n")
@example("Nơi nhận:\n- a;\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Văn A\nKẾ HOẠCH\nX Y\n1. a\nYêu cầu b./.\n")
@example("a\u200b\u0301 Ð\x01\u0323 **đậm** *nghiêng* __gạch__")
def test_parse_never_crashes_and_never_loses_text(raw: str) -> None:
    check_document(raw)


@SETTINGS
@given(structured)
def test_random_marker_lines(raw: str) -> None:
    check_document(raw)


@SETTINGS
@given(document_like)
def test_document_like_texts(raw: str) -> None:
    check_document(raw)


@SETTINGS
@given(hard_wrapped)
def test_hard_wrapped_texts(raw: str) -> None:
    check_document(raw)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.lists(structured_line, min_size=1, max_size=30).map("\n".join))
def test_parse_is_deterministic(raw: str) -> None:
    first, second = _parse(raw), _parse(raw)
    assert first.model_dump() == second.model_dump()
    assert [c.model_dump() for c in Chunker().chunk(first)] == [
        c.model_dump() for c in Chunker().chunk(second)
    ]
