"""Text normalization: document repair (normalize_document) and index keys (search_key, fold)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.text.normalize import (
    MARKER,
    canonical_tone,
    clean_chars,
    fold,
    has_diacritics,
    nfc,
    normalize_document,
    search_key,
    unwrap,
)
from tests.conftest import CORPUS_FILES

# --- index keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Hoà", "Hòa"),
        ("HOÀ", "HÒA"),
        ("uỷ ban", "ủy ban"),
    ],
)
def test_canonical_tone_moves_old_style_marks(old: str, new: str) -> None:
    assert canonical_tone(old) == new


@pytest.mark.parametrize("word", ["quý", "hoàng", "hòa", "thủy", "quả", "khoa", "Quyết"])
def test_canonical_tone_leaves_other_words(word: str) -> None:
    assert canonical_tone(word) == word


def test_fold_strips_all_diacritics() -> None:
    assert fold("Quất") == "Quat"
    assert fold("Đà Nẵng") == "Da Nang"
    assert fold("\u00d0à") == "Da"  # the Icelandic Eth typed for Đ
    assert fold(unicodedata.normalize("NFD", "Quảng Ngãi")) == "Quang Ngai"
    assert fold("plain ASCII 123") == "plain ASCII 123"


def test_search_key_is_lower_nfc_canonical() -> None:
    assert search_key("Thuỷ HOÀ") == "thủy hòa"
    assert search_key(unicodedata.normalize("NFD", "Quảng Ngãi")) == "quảng ngãi"
    assert search_key("\u00d0ồng") == "đồng"


def test_has_diacritics() -> None:
    assert has_diacritics("Quất") and has_diacritics("đ")
    assert not has_diacritics("Dung Quat")


# --- character cleanup ----------------------------------------------------------------------------


def test_clean_chars() -> None:
    raw = "a\r\nb\rc\u200bd\ufeffe\u00adf\u00a0g\u202fh\x01i\x7fj\tk\x0cl"
    assert clean_chars(raw) == "a\nb\ncdef g hij\tkl"


def test_clean_chars_composes_after_removing() -> None:
    # A zero-width or control character between a letter and its combining mark: after removal
    # the text must still be NFC (offsets and quotes refer to NFC text).
    assert clean_chars("a\u200b\u0301") == "á"
    assert clean_chars("e\x01\u0302\u0301") == "ế"
    assert unicodedata.is_normalized("NFC", clean_chars(unicodedata.normalize("NFD", "Nghị quyết")))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text())
def test_clean_chars_output_is_nfc_without_controls(text: str) -> None:
    out = clean_chars(text)
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\u200b" not in out and "\x00" not in out
    assert nfc(out) == out


# --- document normalization -----------------------------------------------------------------------


def test_boilerplate_and_decorative_lines_removed() -> None:
    raw = (
        "Hệ thống pháp luật\nĐang tải nội dung, vui lòng chờ giây lát...\n\nỦY BAN NHÂN DÂN\n-------\n|\n"
        "Số: 1/QĐ-UBND\n---------------\nTải về\n"
    )
    assert normalize_document(raw) == "ỦY BAN NHÂN DÂN\nSố: 1/QĐ-UBND\n"


def test_markdown_emphasis_and_headings_removed() -> None:
    raw = "# Tiêu đề\n**ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI**\nSố: **2395**/UBND-KTTH\n(*ghi chú*) và __đậm__; 2 * 3 = 6\n"
    assert normalize_document(raw) == (
        "Tiêu đề\nỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 2395/UBND-KTTH\n(ghi chú) và đậm; 2 * 3 = 6\n"
    )


def test_spaces_collapsed_tab_cells_kept() -> None:
    raw = "  Một   hai  \n\tÔ   một\n\t\n\n\n\nBa\n"
    assert normalize_document(raw) == "Một hai\n\tÔ một\n\t\n\nBa\n"


def test_empty_and_whitespace_documents() -> None:
    assert normalize_document("") == "\n"
    assert normalize_document(" \n \n") == "\n"
    assert normalize_document(" \n\t\n").strip() == ""


def _wrapped_document(width: int = 70) -> list[str]:
    sentence = "Tăng cường hội nhập quốc tế trên tất cả các lĩnh vực kinh tế văn hóa giáo dục y tế du lịch "
    words = (sentence * 20).split()
    lines, line = [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return [*lines, line + "."]


def test_unwrap_joins_hard_wrapped_sentences() -> None:
    lines = _wrapped_document()
    assert len(lines) >= 20
    text = "\n".join(["1. Quan điểm chỉ đạo", *lines, "2. Mục tiêu", "Nội dung."])
    out = unwrap(text).split("\n")
    assert out[0] == "1. Quan điểm chỉ đạo"
    assert out[1] == " ".join(lines)
    assert out[2:] == ["2. Mục tiêu", "Nội dung."]


def test_unwrap_joins_wrapped_year_after_full_line() -> None:
    # "... đến năm 2020 và tầm nhìn" / "2030." : a full line wrapped before a number, not an item.
    lines = _wrapped_document()
    full = lines[0]
    text = "\n".join([*lines[1:], full, "2030.", "- Thông qua Bộ Giao thông vận tải."])
    out = unwrap(text)
    assert f"{full} 2030." in out
    assert "\n- Thông qua Bộ Giao thông vận tải." in out


def test_unwrap_repairs_page_break_in_paragraph_text() -> None:
    long = (
        "Triển khai thực hiện hiệu quả Kế hoạch tổ chức Hội nghị giữa các tỉnh, thành phố: Thừa Thiên Huế, Đà"
    )
    text = f"2.3. Sở Văn hóa\n\n{long}\n\nNăng, Quảng Nam, Quảng Ngãi.\n\n2.4. Sở Giao thông vận tải\n"
    assert f"{long} Năng, Quảng Nam, Quảng Ngãi." in normalize_document(text).split("\n")


def test_unwrap_keeps_list_items_apart() -> None:
    text = "a) Một việc phải làm;\nb) Việc khác.\n- gạch đầu dòng\n- gạch thứ hai\n"
    assert normalize_document(text) == text


def test_marker_pattern() -> None:
    for line in (
        "1. Một",
        "2.1 Hai",
        "a) Ba",
        "- Bốn",
        "(1) Năm",
        "IV. Sáu",
        "B. Bảy",
        "Điều 3. Tám",
        "PHỤ LỤC",
    ):
        assert MARKER.match(line), line
    for line in ("Năm 2030", "Ủy ban", "2030", "ab) c"):
        assert not MARKER.match(line), line


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:40])
def test_corpus_normalization_is_idempotent_and_clean(path: object) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    text = normalize_document(path.read_text(encoding="utf-8"))
    assert normalize_document(text) == text
    assert unicodedata.is_normalized("NFC", text)
    assert "**" not in text and "Đang tải nội dung" not in text
    assert text.endswith("\n") and not text.endswith("\n\n") and "\n\n\n" not in text
