"""Bad input never gets an unexpected exception: property tests of query analysis and of the whole
answer chain on arbitrary Unicode, and one ingest run over every kind of bad file next to good ones.

Already covered elsewhere and not repeated here: parse_document on arbitrary and document-like text
(tests/documents/test_properties.py), read_file on arbitrary UTF-8 and on each bad file type alone
(tests/text/test_readers.py), and a smaller mixed batch (tests/index/test_ingest.py)."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.answer.models import Answer
from rag.app import App
from rag.chain import AnswerChain
from rag.retrieve.query import Query, analyze
from tests.conftest import FILES, Ingested, lexical_settings
from tests.text.test_readers import (  # the bad-file builders of the reader tests
    TCVN3,
    VNI,
    _bomb_docx,
    _cp1258,
    _declared_size_bomb,
    _encrypted_pdf,
)

SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

_ODD = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u202d", "\u2066", "\u00a0", "\u3000",
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\t", "\r", "\n", "\u2028", "\ud7ff", "\U0001f600", "\U000e0041",
    "̀", "́", "̃", "̉", "̣", "Đ", "Ð", "ǅ", "ﬁ", "Ⅻ", "①", "٣", "߀", "𝟘", "/", "\\", "%", "{", "<script>", "'",
]  # fmt: skip
_WORDS = [
    "Ai", "chịu", "trách", "nhiệm", "tuyến", "container", "Dung", "Quất", "Công", "văn", "2395/UBND-KTTH", "Điều",
    "khoản", "điểm", "b", "mục", "2.2", "Who", "signed", "the", "plan", "Кто", "подписал", "谁签署", "من", "وقع",
    "ไทย", "Ελληνικά", "QĐ-UBND", "năm", "2022", "bao", "nhiêu", "tỷ", "đồng", "KH&ĐT", "UBND", "?", "...",
]  # fmt: skip


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


#: Question-like text: real words in NFC or NFD, odd characters between them, repeated into long lines.
questions = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda parts, nfd, repeat: (
            (" ".join(parts) * repeat)[:60_000] if not nfd else _nfd(" ".join(parts) * repeat)
        ),
        st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(_ODD), st.text(max_size=5)), max_size=30),
        st.booleans(),
        st.sampled_from([1, 1, 1, 50, 2000]),
    ),
    st.sampled_from(
        ["", " ", "\t\n", "\u3000", "\u200b", "\u200b\u200c\ufeff", "\x00", "?", "...", "2395", "Điều 5"]
    ),
)


@SETTINGS
@given(questions)
@example("a" * 100_000)
@example(_nfd("Ai chịu trách nhiệm đầu tư tuyến container tại Khu kinh tế Dung Quất?"))
@example("\u202eAi ký Công văn 2395/UBND-KTTH?\u202c")
def test_analyze_never_fails(question: str) -> None:
    q = analyze(question)
    assert isinstance(q, Query) and q.question == question
    assert q.lang in ("vi", "vi_nodiac", "en")
    assert all(isinstance(t, str) and isinstance(w, float) and w > 0 for t, w in q.tokens.items())


@pytest.fixture(scope="module")
def chain(ingested: Ingested) -> AnswerChain:
    return ingested.app.chain()


@SETTINGS
@given(questions)
@example("\u200b\u200b")
@example("\x00\x01\x02")
@example(_nfd("Ai ký Công văn 2395/UBND-KTTH?") + "\u200b" * 50)
def test_chain_answers_any_question_or_says_it_is_empty(
    chain: AnswerChain, ingested: Ingested, question: str
) -> None:
    if not question.strip():
        with pytest.raises(ValueError, match="question is empty"):
            chain.invoke(question)
        return
    answer = chain.invoke({"question": question, "k": 5})
    assert isinstance(answer, Answer) and answer.answer
    gen = ingested.app.generation()
    assert gen is not None
    for c in answer.citations:  # whatever was asked, citations are verbatim
        doc = gen.store.document(c.doc_id)
        assert doc is not None and doc.text[c.start : c.end] == c.quote


# --- one ingest over every kind of bad file -------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    + bytes(range(256)) * 16
)


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as fh:  # a hole: 100 MB on paper, nothing on disk, created instantly
        fh.truncate(size)


def test_one_ingest_over_every_bad_file_reports_each_and_indexes_the_good(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "nested" / "deeper").mkdir(parents=True)
    good = [FILES["2395/UBND-KTTH"], FILES["39/KH-UBND"]]
    for p in good:
        (corpus / p.name).write_bytes(p.read_bytes())
    text_350 = FILES["350/QĐ-UBND"].read_text(encoding="utf-8")
    # Odd but good: Windows-1258 bytes, an NFD file name in a nested folder, CRLF line ends.
    (corpus / "cp1258-ke-hoach-350.txt").write_bytes(_cp1258(text_350))
    nfd_name = _nfd("Kế hoạch ửng hộ (bản sao).txt")
    (corpus / "nested" / "deeper" / nfd_name).write_bytes(
        FILES["997/QĐ-UBND"].read_text(encoding="utf-8").replace("\n", "\r\n").encode()
    )
    bad: dict[str, str] = {
        "anh-chup.txt": "binary content",  # a PNG renamed .txt
        "rac.txt": "binary content",
        "utf16-khong-bom.txt": "binary content",
        "tcvn3.txt": "legacy Vietnamese font encoding",
        "vni.md": "legacy Vietnamese font encoding",
        "cong-van-hong.pdf": "corrupt PDF",
        "ma-hoa.pdf": "encrypted PDF",
        "thuc-ra-la-pdf.docx": "corrupt DOCX",
        "ngau-nhien.docx": "corrupt DOCX",
        "bom-nen.docx": "possible zip bomb",
        "bom-kich-thuoc.docx": "possible zip bomb",
        "trong.txt": "empty",
        "chi-co-script.html": "empty",
        "khong-lo.txt": "over the 50.0 MB limit",
    }
    (corpus / "anh-chup.txt").write_bytes(PNG)
    (corpus / "rac.txt").write_bytes(bytes(range(256)) * 64)
    (corpus / "utf16-khong-bom.txt").write_bytes("Ủy ban nhân dân tỉnh".encode("utf-16-le"))
    (corpus / "tcvn3.txt").write_bytes(TCVN3.encode("cp1252"))
    (corpus / "vni.md").write_text(VNI, encoding="utf-8")
    (corpus / "cong-van-hong.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R")
    _encrypted_pdf(corpus / "ma-hoa.pdf")
    (corpus / "thuc-ra-la-pdf.docx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (corpus / "ngau-nhien.docx").write_bytes(bytes(range(256)) * 8)
    _bomb_docx(corpus / "bom-nen.docx")
    _declared_size_bomb(corpus / "bom-kich-thuoc.docx")
    (corpus / "trong.txt").write_bytes(b"")
    (corpus / "chi-co-script.html").write_bytes(b"<html><script>alert(1)</script><style>p{}</style></html>")
    _sparse(corpus / "khong-lo.txt", 100 * 1024 * 1024)
    (corpus / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "thu-muc.txt").mkdir()  # a directory with a document's name
    (corpus / "lien-ket-hong.txt").symlink_to(tmp_path / "does-not-exist.txt")

    app = App.from_settings(lexical_settings(tmp_path / "index", corpus))  # default limit: 50 MB
    assert app.settings.max_file_mb == 50
    t0 = time.monotonic()
    report = app.ingestor(progress=False).run([corpus])
    elapsed = time.monotonic() - t0

    failed = {Path(p).name: reason for p, reason in report.failed}
    assert set(failed) == set(bad), failed
    for name, reason in bad.items():
        assert reason in failed[name], (name, failed[name])
        assert failed[name].rstrip().endswith(".") or len(failed[name]) > 20  # a reason and a hint
    assert [Path(p).name for p, _ in report.skipped] == ["bang-tinh.xlsx"]
    assert report.documents == 4, report.summary()  # the good files, the cp1258 and the NFD-named one
    gen = app.generation()
    assert gen is not None
    numbers = {gen.store.document(d).cite_number for d in gen.store.document_ids()}  # type: ignore[union-attr]
    assert numbers == {"2395/UBND-KTTH", "39/KH-UBND", "350/QĐ-UBND", "997/QĐ-UBND"}
    cp1258 = next(
        d for d in map(gen.store.document, gen.store.document_ids()) if d and d.cite_number == "350/QĐ-UBND"
    )
    assert any("cp1258" in w for w in cp1258.warnings)
    assert elapsed < 60, "the 100 MB file is refused from its size, never read"
    assert report.summary().count("FAILED") == len(bad)
    # Once more: the same bad files are reported again, and nothing changes.
    again = app.ingestor(progress=False).run([corpus])
    assert not again.changed and {Path(p).name for p, _ in again.failed} == set(bad)
