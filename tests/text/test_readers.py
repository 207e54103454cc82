"""Tests for rag.text.readers: every fixture is built in tmp_path, nothing binary is committed."""

from __future__ import annotations

import codecs
import pickle
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from rag.text.readers import SUPPORTED_SUFFIXES, RawText, UnreadableFileError, read_file

CORPUS = Path(__file__).parents[2] / "corpus"
TCVN3 = "Ñy ban nh©n d©n tØnh Qu¶ng Ng·i\nQuyÕt ®Þnh vÒ viÖc ban hµnh kÕ ho¹ch"
VNI = "UÛy ban nhaân daân tænh Quaûng Ngaõi\nQuyeát ñònh veà vieäc ban haønh keá hoaïch"
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _cp1258(text: str) -> bytes:
    """Windows-1258 stores tone marks as combining characters after a precomposed base letter
    (â, ă, ê, ô, ơ, ư have code points; U+0302 etc. do not), so split off only the tone marks."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out.append(base + "".join(c for c in decomposed if c in _TONES))
    return "".join(out).encode("cp1258")


def _pdf(path: Path, pages: list[str], encrypt: StandardEncryption | None = None) -> Path:
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    for text in pages:
        pdf.setFont("Helvetica", 12)
        if text:
            pdf.drawString(72, 720, text)
        else:  # a page with only graphics, like a scan
            pdf.rect(72, 72, 300, 300, fill=1)
        pdf.showPage()
    pdf.save()
    return path


# --- text formats -------------------------------------------------------------------------------


def test_utf8_text_and_markdown(tmp_path: Path) -> None:
    text = "Ủy ban nhân dân tỉnh Quảng Ngãi\r\nQuyết định\rĐiều 1."
    raw = read_file(_write(tmp_path / "a.txt", text))
    assert raw == RawText("Ủy ban nhân dân tỉnh Quảng Ngãi\nQuyết định\nĐiều 1.", "text", "utf-8")
    assert read_file(_write(tmp_path / "a.md", "# Tiêu đề\n")).format == "markdown"


def test_nfd_input_is_nfc_normalized(tmp_path: Path) -> None:
    text = "Quyết định số 25/QĐ-UBND"
    raw = read_file(_write(tmp_path / "nfd.txt", unicodedata.normalize("NFD", text)))
    assert raw.text == text


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "Kế hoạch số 39/KH-UBND".encode(), "utf-8-sig"),
        ("Kế hoạch số 39/KH-UBND".encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + "Kế hoạch số 39/KH-UBND".encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf8-bom", "utf16-native", "utf16-be"],
)
def test_byte_order_marks(tmp_path: Path, data: bytes, encoding: str) -> None:
    raw = read_file(_write(tmp_path / "bom.txt", data))
    assert (raw.text, raw.encoding) == ("Kế hoạch số 39/KH-UBND", encoding)


def test_windows_1258(tmp_path: Path) -> None:
    text = "Ủy ban nhân dân tỉnh Quảng Ngãi"
    data = _cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    raw = read_file(_write(tmp_path / "cp1258.txt", data))
    assert raw.text == text
    assert raw.encoding == "cp1258"
    assert raw.warnings


def test_english_and_vietnamese_are_not_legacy(tmp_path: Path) -> None:
    samples = [
        "The Provincial People's Committee approved the regional linkage plan for 2021-2025.",
        "Hoà bình, thuý, quí, toàn, hoàn thành, quân đội, tiên phong, chuyên môn, luôn luôn, giúp, gió.",
        "HOÀN THÀNH KẾ HOẠCH; diện tích 25 m², nhiệt độ 30°C; «trích yếu» – Điều 5.",
        "Die Straße führt über München nach Köln, wo die Brücke über den Fluß gebaut wurde.",
    ]
    for number, text in enumerate(samples):
        assert read_file(_write(tmp_path / f"s{number}.txt", text)).text == text


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_layout(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
    document.add_paragraph("Quyết định về việc ban hành kế hoạch")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"Ô {r + 1}.{c + 1}"
    table.cell(1, 1).add_paragraph("dòng thứ hai")
    document.add_paragraph("Điều 2. Tổ chức thực hiện")
    document.save(str(tmp_path / "a.docx"))

    raw = read_file(tmp_path / "a.docx")
    assert (raw.format, raw.encoding) == ("docx", None)
    assert raw.text == (
        "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI\n"
        "Quyết định về việc ban hành kế hoạch\n"
        "\tÔ 1.1\n\tÔ 1.2\n\tÔ 1.3\n\n"
        "\tÔ 2.1\n\tÔ 2.2\ndòng thứ hai\n\tÔ 2.3\n\n"
        "\tÔ 3.1\n\tÔ 3.2\n\tÔ 3.3\n\n"
        "Điều 2. Tổ chức thực hiện"
    )


def test_docx_merged_cells_repeat(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Phụ lục"
    table.cell(1, 0).text = "1"
    table.cell(1, 1).text = "Hội thảo"
    document.save(str(tmp_path / "m.docx"))
    assert read_file(tmp_path / "m.docx").text == "\tPhụ lục\n\tPhụ lục\n\n\t1\n\tHội thảo\n"


def _docx_with(path: Path, text: str) -> None:
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    document.save(str(path))


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "a.pdf", ["Quyet dinh so 25/QD-UBND", "Dieu 2. To chuc thuc hien"])
    raw = read_file(path)
    assert raw.format == "pdf"
    assert raw.text.split("\n") == ["Quyet dinh so 25/QD-UBND", "Dieu 2. To chuc thuc hien"]


def test_pdf_owner_password_only_opens(tmp_path: Path) -> None:
    encrypt = StandardEncryption("", ownerPassword="owner", canPrint=0)
    assert "Plan 2014" in read_file(_pdf(tmp_path / "o.pdf", ["Plan 2014"], encrypt)).text


# --- HTML ---------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Cổng thông tin</title>
<style>p { color: red }</style><script>var x = "<p>không</p>";</script></head>
<body><header>Trang chủ</header><nav><a href="/">Menu</a> <a href="/b">Tin tức</a></nav>
<article><h1>KẾ HOẠCH   số 39</h1>
<p>Liên kết   vùng&nbsp;kinh tế
   trọng điểm<br>miền Trung.</p><!-- comment -->
<ul><li>Mục <b>một</b></li><li>Mục hai</li></ul>
<table><thead><tr><th>STT</th><th>Hoạt động</th></tr></thead>
<tbody><tr><td>1</td><td><p>Hội thảo</p><p>Quảng Ngãi</p></td></tr>
<tr><td colspan="2">Tổng cộng</td></tr></tbody></table>
<p>Nơi nhận:</p></article><noscript>Bật JavaScript</noscript>
<form><input value="x">Tìm kiếm</form><footer>Bản quyền</footer><iframe src="x"></iframe></body></html>"""


def test_html_page(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path / "a.html", PAGE))
    assert (raw.format, raw.encoding) == ("html", "utf-8")
    assert raw.text == (
        "KẾ HOẠCH số 39\n"
        "Liên kết vùng kinh tế trọng điểm\n"
        "miền Trung.\n"
        "Mục một\n"
        "Mục hai\n"
        "\tSTT\n\tHoạt động\n\n"
        "\t1\n\tHội thảo\nQuảng Ngãi\n\n"
        "\tTổng cộng\n\tTổng cộng\n\n"
        "Nơi nhận:"
    )


def test_html_meta_charset(tmp_path: Path) -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
    page += "<body><p>Café crème</p></body></html>"
    raw = read_file(_write(tmp_path / "a.htm", page.encode("cp1252")))
    assert (raw.text, raw.encoding) == ("Café crème", "cp1252")


# --- bad inputs ---------------------------------------------------------------------------------


def _bomb_docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/image1.bin", b"\0" * (20 * 1024 * 1024))


def _zip_without_document(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "xin chào")


def _package_without_document(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<w:styles/>")


def _declared_size_bomb(path: Path) -> None:
    """Three stored 1.1 MB members whose central directory claims 100 MB each: every ratio is under
    100, but the total (300 MB) is over the limit, so only the total-size check can catch it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for number in range(3):
            archive.writestr(f"word/media/{number}.bin", b"x" * 1_100_000)
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start + 1)) != -1:  # central directory headers
        if int.from_bytes(data[start + 24 : start + 28], "little") == 1_100_000:
            data[start + 24 : start + 28] = (100 * 1024 * 1024).to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _encrypted_pdf(path: Path) -> None:
    _pdf(path, ["Secret plan"], StandardEncryption("user", ownerPassword="owner"))


BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
BAD_INPUTS: list[tuple[str, str, bytes | Callable[[Path], object], str]] = [
    ("empty", "a.txt", b"", "empty"),
    ("whitespace", "a.md", b" \n\t\r\n  ", "empty"),
    ("bom-only", "a.txt", codecs.BOM_UTF8 + b"\n", "empty"),
    ("binary-txt", "image.txt", BINARY, "binary content, not text"),
    ("control-chars", "a.txt", b"\x01\x02\x03\x04 abc", "binary content, not text"),
    ("unknown-encoding", "a.txt", "Café crème brûlée".encode("cp1252"), "not valid UTF-8 (unknown encoding)"),
    ("tcvn3", "a.txt", TCVN3.encode(), "legacy Vietnamese font encoding (TCVN3/VNI)"),
    ("vni", "a.txt", VNI.encode(), "legacy Vietnamese font encoding (TCVN3/VNI)"),
    ("tcvn3-8bit", "a.txt", TCVN3.encode("cp1252"), "legacy Vietnamese font encoding (TCVN3/VNI)"),
    ("vni-8bit", "a.md", VNI.encode("cp1252"), "legacy Vietnamese font encoding (TCVN3/VNI)"),
    ("tcvn3-docx", "a.docx", lambda p: _docx_with(p, TCVN3), "legacy Vietnamese font encoding (TCVN3/VNI)"),
    ("tcvn3-html", "a.html", f"<p>{TCVN3}</p>".encode(), "legacy Vietnamese font encoding (TCVN3/VNI)"),
    ("random-docx", "a.docx", bytes(range(256)) * 8, "corrupt DOCX (not a valid Office file)"),
    ("zip-not-docx", "a.docx", _zip_without_document, "corrupt DOCX (not a valid Office file)"),
    ("package-not-docx", "a.docx", _package_without_document, "corrupt DOCX (not a valid Office file)"),
    ("bomb-docx", "a.docx", _bomb_docx, "possible zip bomb"),
    ("bomb-docx-total", "a.docx", _declared_size_bomb, "possible zip bomb"),
    ("random-pdf", "a.pdf", bytes(range(256)) * 8, "corrupt PDF"),
    ("truncated-pdf", "a.pdf", b"%PDF-1.4\n1 0 obj\n<<", "corrupt PDF"),
    ("scanned-pdf", "a.pdf", lambda p: _pdf(p, [""]), "no text layer (scanned PDF?)"),
    ("encrypted-pdf", "a.pdf", _encrypted_pdf, "encrypted PDF"),
    ("empty-html", "a.html", b"<html><script>x()</script><p>  </p></html>", "empty"),
    ("unsupported", "a.xyz", b"hello", "unsupported file type .xyz"),
    ("no-suffix", "README", b"hello", "unsupported file type"),
]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [pytest.param(name, content, reason, id=case) for case, name, content, reason in BAD_INPUTS],
)
def test_bad_inputs(
    tmp_path: Path, name: str, content: bytes | Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content(path)
    with pytest.raises(UnreadableFileError) as caught:
        read_file(path)
    assert reason in caught.value.reason
    assert caught.value.hint.strip()
    assert caught.value.path == path


def test_too_large_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "big.txt", "x" * 1000)

    def must_not_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened although stat() shows it is too large")

    with monkeypatch.context() as patch:
        patch.setattr(Path, "open", must_not_open)
        patch.setattr(Path, "read_bytes", must_not_open)
        with pytest.raises(UnreadableFileError) as caught:
            read_file(path, max_bytes=100)
    assert caught.value.reason.startswith("file is ")
    assert "MB" in caught.value.reason
    assert "limit" in caught.value.reason
    assert "RAG_MAX_FILE_MB" in caught.value.hint
    assert read_file(path, max_bytes=1000).text == "x" * 1000


def test_unsupported_hint_lists_types(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        read_file(_write(tmp_path / "a.xyz", "x"))
    assert all(suffix in caught.value.hint for suffix in SUPPORTED_SUFFIXES)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_file_and_directory(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.txt"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(UnreadableFileError) as caught:
        read_file(path)
    assert caught.value.hint


def test_error_message_and_pickle() -> None:
    error = UnreadableFileError(Path("/data/a.pdf"), "corrupt PDF", "Re-export it")
    assert str(error) == "a.pdf: corrupt PDF. Re-export it"
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.path, clone.reason, clone.hint, str(clone)) == (
        error.path,
        error.reason,
        error.hint,
        str(error),
    )


# --- real corpus ----------------------------------------------------------------------------------


def test_corpus_has_five_files() -> None:
    assert len(sorted(CORPUS.iterdir())) == 5


@pytest.mark.parametrize("path", sorted(CORPUS.iterdir()), ids=lambda p: p.name[:40])
def test_corpus_files_read(path: Path) -> None:
    raw = read_file(path)  # would raise on a TCVN3/VNI false positive
    assert raw.encoding == "utf-8"
    assert raw.format == ("markdown" if path.suffix == ".md" else "text")
    assert len(raw.text) > 1000
    assert "\r" not in raw.text
    assert unicodedata.is_normalized("NFC", raw.text)


# --- property -------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_any_utf8_text_reads_back_or_fails_cleanly(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.getbasetemp() / "hypothesis.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        raw = read_file(path)
    except UnreadableFileError as error:
        assert error.reason and error.hint
        return
    expected = text.removeprefix("\ufeff")  # a leading U+FEFF is a byte-order mark in UTF-8
    expected = unicodedata.normalize("NFC", expected.replace("\r\n", "\n").replace("\r", "\n"))
    assert raw.text == expected
