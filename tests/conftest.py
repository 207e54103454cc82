"""Shared fixtures and checks: the parsed corpus, one ingested index, and the coverage checks that
the parser, chunker and property tests all apply (no content line is ever lost)."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The suite must not depend on the caller's environment: tiktoken's encoding comes from the shared
# cache (the machine is offline) and no RAG_* variable may leak into Settings().
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "tiktoken"))
for _name in [n for n in os.environ if n.startswith("RAG_")]:
    del os.environ[_name]

from rag.app import App  # noqa: E402
from rag.documents.chunking import Chunker  # noqa: E402
from rag.documents.models import Chunk, Document, Section  # noqa: E402
from rag.documents.parser import PARSER_VERSION, parse_document  # noqa: E402
from rag.ingest import IngestReport  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.text.normalize import BOILERPLATE_LINES  # noqa: E402
from rag.text.readers import read_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.is_file())

#: Corpus file of each document, by citation number.
FILES = {
    "2395/UBND-KTTH": CORPUS / "quang-ngai-2022-cong-van-2395-UBND-KTTH-lien-ket-vung.md",
    "39/KH-UBND": CORPUS / "quang-ngai-2018-ke-hoach-39-KH-UBND-lien-ket-vung-kttd-mien-trung.txt",
    "25/QĐ-UBND": CORPUS / "quang-ngai-2014-ke-hoach-phat-trien-cong-nghiep-QD-25.txt",
    "350/QĐ-UBND": CORPUS / "thua-thien-hue-2021-ke-hoach-350-QD-UBND-lien-ket-vung-2021-2025.txt",
    "997/QĐ-UBND": CORPUS / "quang-ngai-2017-quyet-dinh-997-QD-UBND-hoi-nhap-quoc-te.txt",
}


def parse_file(path: Path) -> Document:
    data = path.read_bytes()
    return parse_document(
        read_file(path).text, source=f"corpus/{path.name}", content_hash=hashlib.sha256(data).hexdigest()
    )


# --- parsed corpus ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def corpus_docs() -> dict[str, Document]:
    """The five corpus documents, parsed once, keyed by citation number."""
    docs = {number: parse_file(path) for number, path in FILES.items()}
    assert {d.cite_number for d in docs.values()} == set(FILES)
    return docs


@pytest.fixture(scope="session")
def corpus_chunks(corpus_docs: dict[str, Document]) -> dict[str, list[Chunk]]:
    chunker = Chunker()
    return {number: chunker.chunk(doc, PARSER_VERSION) for number, doc in corpus_docs.items()}


# --- one ingested index (lexical only) ----------------------------------------------------------


@dataclass
class Ingested:
    app: App
    report: IngestReport
    index_dir: Path
    corpus_dir: Path


def lexical_settings(index_dir: Path, corpus_dir: Path, **extra: object) -> Settings:
    return Settings(index_dir=index_dir, corpus_dir=corpus_dir, embedding_model="none", **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ingested]:
    """The corpus ingested once into a temporary index. Read-only for the tests that use it."""
    index_dir = tmp_path_factory.mktemp("session-index")
    app = App.from_settings(lexical_settings(index_dir, CORPUS))
    report = app.ingestor(progress=False).run([CORPUS])
    yield Ingested(app, report, index_dir, CORPUS)
    gen = app._generation
    if gen is not None:
        gen.close()


# --- coverage checks ----------------------------------------------------------------------------


def assert_chunks_cover(doc: Document, chunks: list[Chunk]) -> None:
    """Every non-whitespace character of ``doc.text`` lies in exactly one chunk; chunk text is the slice."""
    text = doc.text
    cover = [0] * len(text)
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text), (c.start, c.end, len(text))
        assert c.text == text[c.start : c.end]
        assert c.doc_id == doc.id
        for i in range(c.start, c.end):
            cover[i] += 1
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and cover[i] != 1]
    assert not lost, (
        f"characters covered {[cover[i] for i in lost[:5]]} times at {lost[:5]}: {text[lost[0] : lost[0] + 40]!r}"
    )
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)


def assert_sections_nested(doc: Document) -> None:
    """Spans lie inside the text, children inside their parent, siblings in order and disjoint."""

    def check(nodes: list[Section], lo: int, hi: int) -> None:
        prev_end = lo
        for s in nodes:
            assert lo <= s.start <= s.end <= hi, (s.label, s.start, s.end, lo, hi)
            assert s.start >= prev_end, (s.label, s.start, prev_end)
            assert s.start <= s.body_start <= s.body_end <= s.end, s.label
            prev_end = s.end
            check(s.children, s.start, s.end)

    check(doc.sections, 0, len(doc.text))


_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECORATIVE = re.compile(r"^[-_=|*~.·•\s]*$")
_MD = re.compile(r"\*\*|__|(?<=\S)\*|\*(?=\S)")  # emphasis markers: **bold**, __bold__, *italic*


def reference_clean(raw: str) -> str:
    """The character-level normalization the documentation promises, written independently:
    NFC, one newline style, no zero-width or control characters, the Đ lookalike repaired."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch not in _ZERO_WIDTH)
    text = _CONTROLS.sub("", text).replace("\u00d0", "\u0110")
    return unicodedata.normalize("NFC", text)


def content_lines(raw: str) -> list[str]:
    """Non-blank source lines that are document content, whitespace-collapsed: markdown emphasis
    and headings removed, web boilerplate and decorative rules ("|", "-----") excluded."""
    out: list[str] = []
    for line in reference_clean(raw).split("\n"):
        if any(p.match(line) for p in BOILERPLATE_LINES) or _DECORATIVE.match(line):
            continue
        line = re.sub(r"^\s*#{1,6}\s+", "", _MD.sub("", line))
        collapsed = " ".join(line.split())
        if collapsed:
            out.append(collapsed)
    return out


def collapsed_chunk_text(chunks: list[Chunk]) -> str:
    return " ".join(" ".join(c.text.split()) for c in sorted(chunks, key=lambda c: c.start))
