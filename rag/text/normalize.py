"""Text normalization for Vietnamese documents.

Two different normalizations live here, on purpose:

* ``normalize_document`` repairs a document's text once, at ingest: NFC, web boilerplate,
  markdown emphasis, decorative rules, zero-width characters and hard line wraps. The result is
  the text every offset and every quote refers to, so it keeps the document's own spelling.
* ``search_key`` / ``fold`` build *index keys*: lower case, one canonical tone-mark style
  (``hoà`` → ``hòa``) and, for ``fold``, no diacritics at all (``đ`` → ``d``). Keys are never shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# --- character-level -------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")
# U+00D0 (Icelandic Eth) is typed for U+0110 (Đ) in some Vietnamese documents.
_LOOKALIKES = {ord("\u00d0"): "\u0110"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _tone_table() -> dict[str, str]:
    """Old-style tone placement (``oà``, ``uỷ``) → new style (``òa``, ``ủy``), both cases."""
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
            for tone in _TONES:
                old = f + unicodedata.normalize("NFC", s + tone)
                new = unicodedata.normalize("NFC", f + tone) + s
                table[old] = new
    return table


_TONE_TABLE = _tone_table()
# Only at the end of a syllable (``hoàng`` is written the same in both styles) and not after q
# (``quý``: the u belongs to qu).
_TONE_RE = re.compile(r"(?<![qQ])(" + "|".join(map(re.escape, _TONE_TABLE)) + r")(?!\w)")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def canonical_tone(text: str) -> str:
    """Move tone marks to one canonical (new-style) position: ``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``."""
    return _TONE_RE.sub(lambda m: _TONE_TABLE[m.group(1)], text)


def fold(text: str) -> str:
    """Strip all diacritics (``Quất`` → ``Quat``); ``đ``/``Đ`` map to ``d``/``D`` explicitly."""
    if text.isascii():
        return text
    if len(text) <= 24:
        return _fold_word(text)
    return _fold(text)


@functools.lru_cache(maxsize=200_000)
def _fold_word(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_LOOKALIKES))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


def search_key(text: str) -> str:
    """Index key with diacritics: NFC, canonical tone style, lower case."""
    return canonical_tone(nfc(text).translate(_LOOKALIKES)).lower()


def has_diacritics(text: str) -> bool:
    return fold(text) != text


def clean_chars(text: str) -> str:
    """NFC, unified newlines, no zero-width or control characters, plain spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_ZERO_WIDTH).translate(_SPACES).translate(_LOOKALIKES)
    # NFC last: a removed character may have separated a letter from its combining mark.
    return nfc(_CONTROL.sub("", text))


# --- document-level --------------------------------------------------------------------------

#: Lines that web archives put around documents; they are never document content.
BOILERPLATE_LINES = (
    re.compile(r"^\s*Đang tải nội dung,? vui lòng chờ giây lát\.*\s*$", re.IGNORECASE),
    re.compile(r"^\s*Hệ thống pháp luật\s*$", re.IGNORECASE),
    re.compile(r"^\s*(Tải về|Tải văn bản|In văn bản|Lưu văn bản|Chia sẻ)\s*$", re.IGNORECASE),
)
_DECORATIVE = re.compile(r"^\s*[-_=|*~.·•]{1,}\s*$")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_MULTISPACE = re.compile(r"(?<=\S)[ \t]{2,}")

#: A line that opens a structural unit (a list item, a numbered part, an article ...).
MARKER = re.compile(
    r"^\s*(?:[-–+•]\s|\(\d+\)\s|[a-zđ]\)\s|\d+(?:\.\d+)*\.?\s|[IVXLC]+\.\s|[A-Z]\.\s|"
    r"(?:Phần|PHẦN|Chương|CHƯƠNG|Điều|Mục|MỤC)\s+[\dIVXLC]+\b|PHỤ LỤC|Phụ lục)"
)
_NUMBERED = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.|[a-zđ]\)|\(\d+\))\s")
_TERMINAL = re.compile(r"[.;:!?…]$|\./\.$")
_LETTER_START = re.compile(r"^[^\W\d_]", re.UNICODE)


_LOWER = re.compile(r"[^\W\d_]", re.UNICODE)


def _is_caps_line(line: str) -> bool:
    # No lower-case letter and at least two letters.
    return line.upper() == line and len(_LOWER.findall(line, 0, 64)) >= 2


def _is_table_cell(line: str) -> bool:
    return line.startswith("\t")


def _hard_wrapped(lines: list[str]) -> int | None:
    """The wrap width when the text was hard-wrapped at a fixed width, else None."""
    lengths = [len(ln) for ln in lines if ln.strip() and not _is_table_cell(ln)]
    if len(lengths) < 20:
        return None
    width = sorted(lengths)[int(len(lengths) * 0.95)]
    if width > 120 or width < 40:
        return None
    near_width = sum(1 for n in lengths if n >= 0.85 * width)
    return width if near_width >= 0.35 * len(lengths) else None


#: Words a Vietnamese sentence cannot end with: a line ending in one was wrapped mid-sentence.
_FUNCTION_WORDS = frozenset(
    (
        "của và các về tại ngày số theo với cho để trong là đến từ những được như hoặc bằng trên "
        "dưới giữa thuộc vào sau trước khi nhằm do bởi mà thì"
    ).split(" ")
)


def _joins(prev: str, nxt: str, width: int | None, prev_physical: int) -> bool:
    """Whether ``nxt`` continues the sentence that ``prev`` wrapped out of.

    ``prev_physical`` is the length of the last physical line of ``prev`` (before joining).
    """
    p, n = prev.strip(), nxt.strip()
    if not p or not n or _is_table_cell(prev) or _is_table_cell(nxt):
        return False
    if _is_caps_line(p) or _is_caps_line(n):
        return False
    if width is None:
        # Paragraph-per-line text: only a long body line broken mid-sentence (a page break in the
        # source) is repaired, e.g. "... Thừa Thiên Huế, Đà" / "Năng, Quảng Nam ...".
        return (
            len(p) >= 80
            and not _TERMINAL.search(p)
            and not MARKER.match(p)
            and not MARKER.match(n)
            and bool(_LETTER_START.match(n))
            and (p[-1].isalpha() or p[-1] == ",")
        )
    strong_end = bool(re.search(r"[.:!?…]$", p))
    if n[0].islower():
        return not strong_end  # a lower-case line start continues the sentence, even after ";"
    if re.match(r"^[-–]\s+[^\W\d_]", n) and n[2:3].islower():
        return not strong_end and not p.endswith(";")  # "giáo dục" / "- đào tạo": a compound
    if _TERMINAL.search(p):
        return False
    if prev_physical >= 0.85 * width:
        # A full line was wrapped: even "2030." or "- kỹ thuật" at the start of the next line is
        # a wrapped word, not a new item.
        return True
    if MARKER.match(n):
        return False
    last_word = p.rsplit(" ", 1)[-1].lower()
    if last_word in _FUNCTION_WORDS or p.endswith(","):
        return True
    if _NUMBERED.match(p):
        return False  # a numbered line that reads like a heading, followed by its body
    return prev_physical >= 0.5 * width


def unwrap(text: str) -> str:
    """Repair hard line wraps inside sentences; keep real paragraph and list breaks."""
    lines = text.split("\n")
    width = _hard_wrapped(lines)
    out: list[str] = []
    physical = 0  # length of the last physical line of out[-1]
    i = 0
    while i < len(lines):
        line = lines[i]
        if out and out[-1].strip():
            nxt_idx = i
            if width is None and not line.strip() and i + 1 < len(lines):
                nxt_idx = i + 1  # a paragraph broken across a blank line
            nxt = lines[nxt_idx]
            if nxt.strip() and _joins(out[-1], nxt, width, physical):
                out[-1] = out[-1].rstrip() + " " + nxt.strip()
                physical = len(nxt.strip())
                i = nxt_idx + 1
                continue
        out.append(line)
        physical = len(line.strip())
        i += 1
    return "\n".join(out)


def normalize_document(raw: str) -> str:
    """The canonical text of a document: every offset and quote refers to this string."""
    text = clean_chars(raw)
    text = _MD_HEADING.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_ITALIC.sub(r"\1", text)
    lines: list[str] = []
    for line in text.split("\n"):
        if any(p.match(line) for p in BOILERPLATE_LINES) or _DECORATIVE.match(line):
            continue
        cell = _is_table_cell(line)
        line = line.rstrip()
        line = "\t" + _MULTISPACE.sub(" ", line.strip()) if cell else _MULTISPACE.sub(" ", line.strip())
        lines.append(line)
    text = unwrap("\n".join(lines))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n ") + "\n"
