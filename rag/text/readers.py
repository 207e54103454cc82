"""Read one source file (.txt, .md, .docx, .pdf, .html) into raw text for the parser.

Every failure is an :class:`UnreadableFileError` saying what is wrong and how to fix it, so one bad
file in a folder can be reported and skipped instead of stopping the whole ingest.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf", ".html", ".htm"})
_MB = 1024 * 1024


class UnreadableFileError(Exception):
    """One file could not be read. `reason` says what is wrong, `hint` how to fix it."""

    def __init__(self, path: Path, reason: str, hint: str) -> None:
        self.path = path
        self.reason = reason
        self.hint = hint
        super().__init__(f"{path.name}: {reason}. {hint}")

    def __reduce__(self) -> tuple[type[UnreadableFileError], tuple[Path, str, str]]:
        # Default pickling would call __init__ with the message alone; ingest worker processes need this.
        return (type(self), (self.path, self.reason, self.hint))


class _Fail(Exception):
    """_Fail(reason, hint) from code that does not know the path; read_file adds it."""


@dataclass(frozen=True)
class RawText:
    """The text of one file, NFC-normalized with "\\n" line ends, and how it was obtained."""

    text: str
    format: str  # "text" | "markdown" | "docx" | "pdf" | "html"
    encoding: str | None  # text formats: the codec used to decode the bytes
    warnings: tuple[str, ...] = ()


_RESAVE = "Open it in a text editor and save it as UTF-8, then ingest it again"
_BINARY = "Check that this really is a text file (UTF-16 needs a byte-order mark) and save it as UTF-8"
_LEGACY = (
    "legacy Vietnamese font encoding (TCVN3/VNI) detected",
    "Convert it to Unicode (e.g. UniKey's converter, TCVN3 or VNI -> Unicode), then ingest it again",
)
_CORRUPT_DOCX = "corrupt DOCX (not a valid Office file)"
_DOCX_HINT = "Open it in Word or LibreOffice and save it again as .docx (a .doc must be converted)"
_PDF_LOCKED = "Remove the password or encryption (e.g. `qpdf --decrypt`), then ingest it again"

# --- text heuristics ------------------------------------------------------------------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # the combining tone marks Windows-1258 writes
_VOWELS = "aăâeêioôơuưy"
_VIET_LETTERS = frozenset(
    {unicodedata.normalize("NFC", v + t) for v in _VOWELS + _VOWELS.upper() for t in ["", *_TONES]}
    | {"đ", "Đ"}
)
_TYPOGRAPHY = frozenset("\u00a0“”‘’–—…•°§«»")  # non-ASCII punctuation common in Vietnamese text
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")  # Cc except \t \n \f \r
_L = r"[^\W\d_]"  # any letter
_LETTER_RE = re.compile(_L)

# TCVN3/VNI fonts map Vietnamese letters onto Latin-1 code points, so the text is valid Unicode but
# its words contain Latin-1 characters that Vietnamese never uses ("nh©n", "®Þnh", "ñònh", "UÛy").
# Letters Vietnamese does use, the soft hyphen (HTML &shy;) and ° ² ³ (units: m², °C) are excluded.
_LATIN1_VIET = "àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ"
_LEGACY_CHARS = [chr(c) for c in range(0xA1, 0x100) if chr(c) not in _LATIN1_VIET + "\u00ad°²³«»"]
_SIGNS = "".join(c for c in _LEGACY_CHARS if not c.isalpha() or c in "µªº")  # TCVN3: © ® ¸ µ ¹ ...
_FOREIGN = "".join(c for c in _LEGACY_CHARS if c not in _SIGNS)  # ä ñ ß ...: German/Spanish use them
# A sign touching a letter is TCVN3; « » only count inside a word ("c«ng"), not as quotation marks.
_SIGN_RE = re.compile(f"(?<={_L})[{_SIGNS}]|[{_SIGNS}](?={_L})|(?<={_L})[«»](?={_L})")
_FOREIGN_RE = re.compile(f"(?<={_L})[{_FOREIGN}]|[{_FOREIGN}](?={_L})")
# VNI also writes a vowel as ASCII vowel + accented Latin-1 vowel ("Quyeát", "nhaân"). Only a few
# such pairs are real Vietnamese ("hoà", "tiên", "quân"); "qu"/"gi" act as consonants ("quá", "gió").
_VNI_PAIR_RE = re.compile(f"(?<![qQgG])[aeiouyAEIOUY][{_LATIN1_VIET}]")
_VIET_PAIRS = frozenset({"oá", "oà", "oã", "oé", "oè", "uý", "uâ", "uê", "uô", "iê", "yê", "uá", "uà", "uí"})


def _legacy_signature(word: str) -> bool:
    if _SIGN_RE.search(word):
        return True
    return any(m.group().lower() not in _VIET_PAIRS for m in _VNI_PAIR_RE.finditer(word))


def _sample(text: str, windows: int = 25, size: int = 20_000) -> str:
    # An encoding affects a whole document: a few windows are as telling as 50 MB, and much faster.
    if len(text) <= windows * size:
        return text
    return " ".join(text[i : i + size] for i in range(0, len(text), len(text) // windows))


def _looks_legacy_encoded(text: str) -> bool:
    """At least 3 words and 20% of words garbled, some with a sign no real language puts in words:
    TCVN3/VNI garble most words; German/Spanish/French have only letters, in under 20% of words."""
    words = [w for w in _sample(text).split() if _LETTER_RE.search(w)]
    flagged = [w for w in words if _FOREIGN_RE.search(w) or _legacy_signature(w)]
    return len(flagged) >= max(3, 0.2 * len(words)) and any(_legacy_signature(w) for w in flagged)


def _looks_vietnamese(text: str) -> bool:
    """Windows-1258 Vietnamese: tone marks all combine onto vowels, other non-ASCII is Vietnamese."""
    text = _sample(text)
    marks = sum(text.count(t) for t in _TONES)
    nfc = unicodedata.normalize("NFC", text)
    leftover = sum(1 for c in nfc if unicodedata.combining(c))
    non_ascii = [c for c in nfc if ord(c) > 0x7F]
    foreign = sum(1 for c in non_ascii if c not in _VIET_LETTERS and c not in _TYPOGRAPHY)
    return marks > 0 and leftover * 20 <= marks and foreign * 50 <= len(non_ascii)


def _check_not_binary(text: str) -> None:
    if "\x00" in text or len(_CONTROL_RE.findall(text)) * 10 > len(text):
        raise _Fail("binary content, not text", _BINARY)


# --- plain text -----------------------------------------------------------------------------------

_BOMS = (  # UTF-32 first: its little-endian BOM starts with the UTF-16 one
    *((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig")),
    *((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")),
)


def _decode(data: bytes, declared: str | None = None) -> tuple[str, str, tuple[str, ...]]:
    """Bytes to str: by BOM, else UTF-8, else the `declared` charset (HTML), else Windows-1258 if
    the result reads as Vietnamese. Valid UTF-8 beats a declaration: wrong meta charsets are common."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise _Fail(f"not valid {codec} despite its byte-order mark", _RESAVE) from None
            _check_not_binary(text)
            return text, codec, ()
    if b"\x00" in data:
        _check_not_binary("\x00")
    try:
        text = data.decode("utf-8")
        _check_not_binary(text)
        return text, "utf-8", ()
    except UnicodeDecodeError:
        pass
    latin = data.decode("cp1252", errors="replace")  # always decodes; only for the checks below
    _check_not_binary(latin)
    for codec in filter(None, (declared, "cp1258")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == declared:
            return text, codec, ()
        if _looks_vietnamese(text):
            return text, codec, ("decoded as Windows-1258 (cp1258), not UTF-8",)
    if _looks_legacy_encoded(latin):  # TCVN3/VNI files saved with 8-bit fonts end up here
        raise _Fail(*_LEGACY)
    raise _Fail("not valid UTF-8 (unknown encoding)", _RESAVE)


# --- DOCX -----------------------------------------------------------------------------------------


def _check_docx_zip(data: bytes) -> None:
    """Refuse non-zips and zip bombs from the central directory, before anything is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _Fail(f"{_CORRUPT_DOCX}: {type(exc).__name__}", _DOCX_HINT) from exc
    total = sum(i.file_size for i in infos)
    if total > 200 * _MB or any(i.file_size > _MB and i.file_size > 100 * i.compress_size for i in infos):
        raise _Fail(
            f"DOCX expands to {total / _MB:,.0f} MB or is compressed suspiciously well (possible zip bomb)",
            "Refusing to unpack it; re-save it from Word or LibreOffice if the document is genuine",
        )
    if "[Content_Types].xml" not in {i.filename for i in infos}:  # the main part's name may vary
        raise _Fail(f"{_CORRUPT_DOCX}: a zip, but not an Office package", _DOCX_HINT)


def _docx_blocks(container: Any, parent: Any) -> Iterator[str]:
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():  # body order: paragraphs and tables interleaved
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent).text
        elif child.tag == qn("w:tbl"):  # row.cells repeats gridSpan/vMerge cells per grid position
            yield _format_table([[cell.text for cell in row.cells] for row in Table(child, parent).rows])
        elif child.tag == qn("w:sdt") and (content := child.find(qn("w:sdtContent"))) is not None:
            yield from _docx_blocks(content, parent)  # content controls wrap ordinary paragraphs


def _read_docx(data: bytes) -> RawText:
    import docx

    _check_docx_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        text = "\n".join(_docx_blocks(document.element.body, document))
    except Exception as exc:  # python-docx/lxml raise many types for damaged packages
        raise _Fail(f"{_CORRUPT_DOCX}: {type(exc).__name__}", _DOCX_HINT) from exc
    return RawText(text, "docx", None)


def _format_table(rows: list[list[str]]) -> str:
    # The layout the parser knows from the corpus: one TAB-prefixed line per cell, continuation
    # lines of a multi-line cell without the tab, a blank line closing each row.
    lines: list[str] = []
    for row in rows:
        for cell in row:
            first, *rest = cell.split("\n")
            lines += ["\t" + first, *rest]
        lines.append("")
    return "\n".join(lines)


# --- PDF ------------------------------------------------------------------------------------------


def _read_pdf(data: bytes) -> RawText:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # owner-only protection opens with ""
            raise _Fail("encrypted PDF (a password is required)", _PDF_LOCKED)
        pages = list(reader.pages)
    except _Fail:
        raise
    except DependencyError as exc:  # an encryption scheme pypdf cannot handle here
        raise _Fail("encrypted PDF (cannot decrypt it)", _PDF_LOCKED) from exc
    except Exception as exc:  # pypdf raises many types for damaged files
        raise _Fail(f"corrupt PDF ({type(exc).__name__})", "Re-export or re-download the PDF") from exc
    texts: list[str] = []
    warnings: list[str] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append((page.extract_text() or "").rstrip("\n"))  # pypdf ends each page with "\n"
        except Exception as exc:  # one broken page should not lose the rest of the document
            warnings.append(f"page {number}: text not extracted ({type(exc).__name__})")
    text = "\n".join(texts)
    if pages and not text.strip():
        raise _Fail(
            "no text layer (scanned PDF?)", "OCR it first (not supported here), e.g. `ocrmypdf -l vie in out`"
        )
    if stray := len(_CONTROL_RE.findall(text)):  # broken font maps emit control characters
        text = _CONTROL_RE.sub("", text)
        warnings.append(f"removed {stray} control characters from the text layer")
    return RawText(text, "pdf", None, tuple(warnings))


# --- HTML -----------------------------------------------------------------------------------------

_HTML_DROP = ["script", "style", "noscript", "nav", "header", "footer", "form", "iframe", "head", "template"]
_HTML_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section", "article"}
    | {"main", "aside", "blockquote", "pre", "address", "dl", "dt", "dd", "figure", "figcaption", "hr"}
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_SPACES_RE = re.compile(r"\s+")


def _html_lines(node: Any, in_cell: bool = False) -> list[str]:
    """Visible text of `node` as lines: block elements break lines, tables use the TAB layout."""
    from bs4.element import NavigableString, PreformattedString, Tag

    lines: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        if line := _SPACES_RE.sub(" ", "".join(inline)).strip():
            lines.append(line)
        inline.clear()

    def walk(parent: Any) -> None:
        for child in parent.children:
            if isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                inline.append(str(child))  # PreformattedString: comments, doctype, CDATA
            elif isinstance(child, Tag) and child.name == "table":
                flush()
                rows = _html_table_rows(child)
                if in_cell:  # a table nested in a cell: its cells become plain lines
                    lines.extend(line for row in rows for cell in row for line in cell.split("\n") if line)
                elif rows:
                    lines.append(_format_table(rows))
            elif isinstance(child, Tag):
                if child.name in _HTML_BLOCKS:
                    flush()
                walk(child)
                if child.name in _HTML_BLOCKS:
                    flush()

    walk(node)
    flush()
    return lines


def _html_table_rows(table: Any) -> list[list[str]]:
    """Cell texts per row; colspan/rowspan repeat a cell per grid position, as python-docx does."""
    trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    grid: list[dict[int, str]] = [{} for _ in trs]
    for r, tr in enumerate(trs):
        col = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while col in grid[r]:  # taken by a rowspan from a row above
                col += 1
            text = "\n".join(_html_lines(cell, in_cell=True))
            colspan = _span(cell.get("colspan"), 100)
            for dr in range(_span(cell.get("rowspan"), len(trs) - r)):
                grid[r + dr].update((col + dc, text) for dc in range(colspan))
            col += colspan
    return [[row[c] for c in sorted(row)] for row in grid]


def _span(value: Any, limit: int) -> int:
    try:
        return min(max(int(str(value).strip()), 1), limit)
    except ValueError:
        return 1


def _read_html(data: bytes) -> RawText:
    from bs4 import BeautifulSoup

    try:
        match = _META_CHARSET_RE.search(data[:4096])
        declared = codecs.lookup(match.group(1).decode("ascii")).name if match else None
    except LookupError:  # an unknown charset name: fall back to the usual guesses
        declared = None
    source, encoding, warnings = _decode(data, declared)
    soup = BeautifulSoup(source, "lxml")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    return RawText("\n".join(_html_lines(soup)), "html", encoding, warnings)


# --- entry point ----------------------------------------------------------------------------------


def _read_plain(data: bytes, fmt: str) -> RawText:
    text, encoding, warnings = _decode(data)
    return RawText(text, fmt, encoding, warnings)


_READERS: dict[str, Callable[[bytes], RawText]] = {
    **{".txt": partial(_read_plain, fmt="text"), ".md": partial(_read_plain, fmt="markdown")},
    **{".docx": _read_docx, ".pdf": _read_pdf, ".html": _read_html, ".htm": _read_html},
}


def _mb(n: int) -> str:
    return f"{n / _MB:,.1f} MB" if n >= _MB // 10 else f"{n / _MB:.4f} MB ({n:,} bytes)"


def read_file(path: Path, *, max_bytes: int = 50 * _MB) -> RawText:
    """Read `path` into NFC-normalized text with "\\n" line ends.

    Raises UnreadableFileError, and nothing else, for any file that cannot become usable text:
    unsupported type, too large, empty, binary, undecodable, legacy TCVN3/VNI font encoding,
    corrupt or encrypted container, scanned PDF without a text layer.
    """
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise _Fail(f"unsupported file type {suffix or '(none)'}", f"Convert it to one of: {supported}")
        raw = _read(path, suffix, max_bytes)
        text = unicodedata.normalize("NFC", raw.text.replace("\r\n", "\n").replace("\r", "\n"))
        if not text.strip():
            raise _Fail("empty (no text)", "Check that the file has content")
        if _looks_legacy_encoded(text):
            raise _Fail(*_LEGACY)
    except _Fail as fail:
        raise UnreadableFileError(path, *fail.args) from None
    except Exception as exc:  # a library failed in a way not anticipated: still just one bad file
        reason = f"unexpected error while reading ({type(exc).__name__}: {str(exc)[:200]})"
        raise UnreadableFileError(path, reason, "The file may be damaged; re-save or re-export it") from exc
    return replace(raw, text=text)


def _read(path: Path, suffix: str, max_bytes: int) -> RawText:
    too_big = "Split the file into smaller files, or raise RAG_MAX_FILE_MB"
    try:
        size = path.stat().st_size  # before reading: a huge file must never be loaded
        if not path.is_file():
            raise _Fail("not a regular file", "Pass a file, not a directory or device")
        if size > max_bytes:
            raise _Fail(f"file is {_mb(size)}, over the {_mb(max_bytes)} limit", too_big)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise _Fail(f"cannot open file ({type(exc).__name__})", "Check the path and permissions") from exc
    if len(data) > max_bytes:
        raise _Fail(f"file is over the {_mb(max_bytes)} limit", too_big)
    if not data or data.isspace():
        raise _Fail("empty (no text)", "Check that the file has content")
    return _READERS[suffix](data)
