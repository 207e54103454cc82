"""Ingest behaviour: idempotence, updates and removals, bad inputs, documents without a number,
interrupted and corrupted indexes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.app import App
from rag.documents.models import Document
from rag.documents.parser import PARSER_VERSION, parse_document
from rag.index.generations import IndexCorrupt, IngestBusy, active_name, ingest_lock, open_active
from rag.ingest import IngestReport, display_path
from rag.text.tokenize import lexical_tokens
from tests.conftest import CORPUS, FILES, Ingested, lexical_settings


def _corpus(tmp_path: Path, *numbers: str) -> Path:
    """A private copy of some corpus documents (all five by default)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in numbers or FILES:
        shutil.copy(FILES[number], corpus / FILES[number].name)
    return corpus


def _app(tmp_path: Path, corpus: Path, **extra: object) -> App:
    return App.from_settings(lexical_settings(tmp_path / "index", corpus, **extra))


def _run(app: App, corpus: Path, rebuild: bool = False) -> IngestReport:
    return app.ingestor(progress=False).run([corpus], rebuild=rebuild)


def _all_chunk_texts(index_dir: Path) -> str:
    gen = open_active(index_dir)
    assert gen is not None
    try:
        return "\n".join(c.text for doc_id in gen.store.document_ids() for c in gen.store.chunks_of(doc_id))
    finally:
        gen.close()


# --- the session index ----------------------------------------------------------------------------


def test_session_ingest_report(ingested: Ingested) -> None:
    report = ingested.report
    assert report.changed and report.generation
    assert (report.documents, report.failed, report.skipped, report.no_number) == (5, [], [], [])
    assert sorted(report.added) == sorted(display_path(p) for p in FILES.values())
    assert report.dense is False
    summary = report.summary()
    assert "5 documents" in summary and "Dense retrieval: OFF" in summary
    assert json.loads(json.dumps(report.to_dict()))["chunks"] == report.chunks


def test_disabled_dense_retrieval_says_why(ingested: Ingested) -> None:
    """With RAG_EMBEDDING_MODEL=none the summary must say that dense retrieval is off *and why*."""
    assert "RAG_EMBEDDING_MODEL=none" in ingested.report.dense_note
    assert "RAG_EMBEDDING_MODEL=none" in ingested.report.summary()


def test_session_index_contents(ingested: Ingested, corpus_docs: dict[str, Document]) -> None:
    gen = ingested.app.generation()
    assert gen is not None and gen.name == ingested.report.generation
    assert gen.store.count_documents() == 5
    assert gen.store.count_chunks() == ingested.report.chunks == gen.lexical.size
    assert gen.manifest["parser_version"] == PARSER_VERSION
    assert gen.manifest["dense_model"] is None
    ids = set(gen.store.document_ids())
    assert ids == {d.id for d in corpus_docs.values()}
    doc = gen.store.document("2395-ubnd-ktth-20220520")
    assert doc is not None and doc.find_section(["2", "2.2", "b"]) is not None
    files = gen.store.files()
    assert {f.status for f in files.values()} == {"indexed"}


def test_session_index_lexical_search(ingested: Ingested) -> None:
    gen = ingested.app.generation()
    assert gen is not None
    scores = gen.lexical.scores(lexical_tokens("tuyến container Dung Quất", bigrams=True))
    best = int(scores.argmax())
    (chunk,) = gen.store.chunks([best])
    assert "tuyến container" in chunk.text


# --- re-runs ----------------------------------------------------------------------------------------


def test_rerun_is_idempotent(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "39/KH-UBND")
    app = _app(tmp_path, corpus)
    first = _run(app, corpus)
    second = _run(app, corpus)
    assert first.changed and not second.changed
    assert second.generation == first.generation == active_name(tmp_path / "index")
    assert (second.unchanged, second.added, second.updated, second.removed) == (2, [], [], [])
    assert (second.documents, second.chunks) == (first.documents, first.chunks)
    assert [p.name for p in (tmp_path / "index" / "generations").iterdir()] == [first.generation]
    assert "No changes" in second.summary()


def test_changed_file_replaces_its_chunks(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "39/KH-UBND")
    app = _app(tmp_path, corpus)
    first = _run(app, corpus)
    old, new = "tuyến container trung chuyển quốc tế", "bến cảng tổng hợp kiểu mới"
    assert old in _all_chunk_texts(tmp_path / "index")
    path = corpus / FILES["2395/UBND-KTTH"].name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    second = _run(app, corpus)
    assert second.changed and second.generation != first.generation
    assert second.updated == [display_path(path)] and second.unchanged == 1
    texts = _all_chunk_texts(tmp_path / "index")
    assert old not in texts and new in texts
    assert second.documents == 2
    # The replaced generation is gone from disk; the new one serves.
    assert [p.name for p in (tmp_path / "index" / "generations").iterdir()] == [second.generation]
    gen = app.generation()
    assert gen is not None and gen.name == second.generation


def test_removed_file_chunks_are_removed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "39/KH-UBND")
    app = _app(tmp_path, corpus)
    _run(app, corpus)
    path = corpus / FILES["39/KH-UBND"].name
    path.unlink()
    report = _run(app, corpus)
    assert report.removed == [display_path(path)] and report.documents == 1
    gen = open_active(tmp_path / "index")
    assert gen is not None
    try:
        assert gen.store.document_ids() == ["2395-ubnd-ktth-20220520"]
        assert set(gen.store.chunk_doc_ids()) == {"2395-ubnd-ktth-20220520"}
        assert display_path(path) not in gen.store.files()
    finally:
        gen.close()
    assert "tuyến container tại cảng Dung Quất" not in _all_chunk_texts(tmp_path / "index")


def test_files_outside_the_roots_are_kept(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "2395/UBND-KTTH")
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(FILES["350/QĐ-UBND"], extra / "350.txt")
    app = _app(tmp_path, corpus)
    _run(app, corpus)
    report = app.ingestor(progress=False).run([extra])
    assert report.documents == 2 and report.removed == []


def test_ingest_from_another_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """File keys are relative to the working directory: a run started elsewhere must still
    recognise the same files (not index them all a second time)."""
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "39/KH-UBND")
    app = _app(tmp_path, corpus)
    monkeypatch.chdir(tmp_path)
    first = _run(app, corpus)
    assert sorted(first.added) == sorted(f"corpus/{FILES[n].name}" for n in ("2395/UBND-KTTH", "39/KH-UBND"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    second = _run(app, corpus)
    assert (second.changed, second.unchanged, second.added, second.documents) == (False, 2, [], 2)
    path = corpus / FILES["39/KH-UBND"].name
    path.write_text(path.read_text(encoding="utf-8") + "\nGhi chú.\n", encoding="utf-8")
    third = _run(app, corpus)
    assert third.updated == [path.resolve().as_posix()] and third.added == [] and third.removed == []
    gen = app.generation()
    assert gen is not None
    assert sorted(gen.store.document_ids()) == ["2395-ubnd-ktth-20220520", "39-kh-ubnd-20180314"]
    assert {d.source for d in map(gen.store.document, gen.store.document_ids()) if d} == {
        (corpus / FILES[n].name).resolve().as_posix() for n in ("2395/UBND-KTTH", "39/KH-UBND")
    }
    monkeypatch.chdir(tmp_path)
    assert not _run(app, corpus).changed


def test_identical_files_are_both_indexed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "39/KH-UBND")
    shutil.copy(FILES["39/KH-UBND"], corpus / "ban-sao.txt")
    app = _app(tmp_path, corpus)
    report = _run(app, corpus)
    assert report.failed == [] and report.documents == 2
    gen = app.generation()
    assert gen is not None
    ids = gen.store.document_ids()
    assert len(ids) == 2 and "39-kh-ubnd-20180314" in ids
    assert gen.store.count_chunks() == 2 * len(gen.store.chunks_of("39-kh-ubnd-20180314"))
    assert not _run(app, corpus).changed


# --- bad inputs -----------------------------------------------------------------------------------


def test_bad_inputs_are_reported_and_good_files_indexed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "350/QĐ-UBND")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (corpus / "undecodable.txt").write_bytes("Café crème brûlée".encode("cp1252"))
    (corpus / "broken.docx").write_bytes(bytes(range(256)) * 8)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    (corpus / "huge.txt").write_bytes(b"Ke hoach phat trien.\n" * 100_000)  # 2.1 MB, over max_file_mb=1
    (corpus / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04")
    app = _app(tmp_path, corpus, max_file_mb=1)
    report = _run(app, corpus)

    failed = {Path(p).name: reason for p, reason in report.failed}
    expected = {
        "empty.txt": "empty",
        "image.txt": "binary content",
        "undecodable.txt": "not valid UTF-8",
        "broken.docx": "corrupt DOCX",
        "broken.pdf": "corrupt PDF",
        "huge.txt": "over the 1.0 MB limit",
    }
    assert set(failed) == set(expected)
    for name, reason in expected.items():
        assert reason in failed[name], failed[name]
    assert [(Path(p).name, r) for p, r in report.skipped] == [
        ("bang-tinh.xlsx", "unsupported file type '.xlsx'")
    ]
    assert report.documents == 2
    assert sorted(Path(p).name for p in report.added) == sorted(
        FILES[n].name for n in ("2395/UBND-KTTH", "350/QĐ-UBND")
    )
    summary = report.summary()
    assert summary.count("FAILED") == 6 and "skipped" in summary

    gen = app.generation()
    assert gen is not None
    files = gen.store.files()
    assert {Path(p).name for p, f in files.items() if f.status == "failed"} == set(expected)
    assert all(f.error for f in files.values() if f.status == "failed")
    # A second run over the same bad files neither crashes nor changes the good index.
    assert not _run(app, corpus).changed


def test_document_without_number_gets_file_id(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    note = "THÔNG BÁO\nKết luận cuộc họp giao ban\n1. Các sở đẩy nhanh tiến độ.\n2. Báo cáo kết quả.\n"
    (corpus / "Thông báo giao ban.txt").write_text(note, encoding="utf-8")
    shutil.copy(FILES["2395/UBND-KTTH"], corpus / FILES["2395/UBND-KTTH"].name)
    app = _app(tmp_path, corpus)
    report = _run(app, corpus)
    assert report.no_number == ["file-thong-bao-giao-ban"]
    assert "no document number found" in report.summary()
    gen = app.generation()
    assert gen is not None
    doc = gen.store.document("file-thong-bao-giao-ban")
    assert doc is not None and doc.cite_number is None and doc.doc_type == "Thông báo"
    assert any("file-based id" in w for w in doc.warnings)
    # Stable: an edit to the file keeps its id.
    (corpus / "Thông báo giao ban.txt").write_text(note + "3. Tổng hợp.\n", encoding="utf-8")
    again = _run(app, corpus)
    assert again.no_number == ["file-thong-bao-giao-ban"] and len(again.updated) == 1


def test_file_id_when_the_name_has_no_latin_letters() -> None:
    note = "THÔNG BÁO\nKết luận cuộc họp.\n"
    doc = parse_document(note, source="corpus/基本.txt", content_hash="ab" * 32)
    assert doc.id == "file-abababab"
    doc = parse_document(note, source="corpus/Thông báo số ít.md", content_hash="ab" * 32)
    assert doc.id == "file-thong-bao-so-it"


def test_concurrent_ingest_is_refused(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, "39/KH-UBND")
    app = _app(tmp_path, corpus)
    with ingest_lock(tmp_path / "index"), pytest.raises(IngestBusy, match="another ingest"):
        _run(app, corpus)


# --- damaged indexes --------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["delete-store", "garbage-active", "delete-lexical"])
def test_corrupted_index_says_how_to_rebuild(tmp_path: Path, damage: str) -> None:
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "39/KH-UBND")
    app = _app(tmp_path, corpus)
    first = _run(app, corpus)
    index = tmp_path / "index"
    gen_dir = index / "generations" / str(first.generation)
    if damage == "delete-store":
        (gen_dir / "store.sqlite").unlink()
    elif damage == "garbage-active":
        (index / "ACTIVE").write_bytes(b"\x00garbage{")
    else:
        shutil.rmtree(gen_dir / "lexical")

    with pytest.raises(IndexCorrupt, match="rag ingest --rebuild"):
        open_active(index)
    with pytest.raises(IndexCorrupt, match="rag ingest --rebuild"):
        App.from_settings(app.settings).generation()
    with pytest.raises(IndexCorrupt, match="rag ingest --rebuild"):
        _run(app, corpus)

    report = _run(App.from_settings(app.settings), corpus, rebuild=True)
    assert report.changed and report.documents == 2 and report.failed == []
    gen = open_active(index)
    assert gen is not None and gen.name == report.generation
    assert gen.store.count_documents() == 2
    gen.close()
    assert [p.name for p in (index / "generations").iterdir()] == [report.generation]


# --- an interrupted ingest ------------------------------------------------------------------------


@pytest.mark.parametrize("rebuild", [False, True], ids=["ingest", "rebuild"])
def test_crash_while_writing_keeps_previous_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rebuild: bool
) -> None:
    """A crash after the new generation directory exists (here: building the BM25 index) leaves the
    previous generation active, for a plain ingest and for --rebuild alike."""
    corpus = _corpus(tmp_path, "2395/UBND-KTTH", "39/KH-UBND")
    app = _app(tmp_path, corpus)
    previous = _run(app, corpus)
    shutil.copy(FILES["350/QĐ-UBND"], corpus / "350.txt")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated crash")

    with monkeypatch.context() as patch:
        patch.setattr("rag.ingest.LexicalIndex.build", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            _run(App.from_settings(app.settings), corpus, rebuild=rebuild)
    index = tmp_path / "index"
    assert len(list((index / "generations").iterdir())) == 2
    gen = open_active(index)
    assert gen is not None and gen.name == previous.generation
    assert gen.store.count_documents() == 2
    gen.close()
    report = _run(App.from_settings(app.settings), corpus, rebuild=rebuild)
    assert report.documents == 3
    assert [p.name for p in (index / "generations").iterdir()] == [report.generation]


COPIES = 120


def _many_copies(corpus: Path, count: int) -> None:
    """Copies of the shorter corpus documents, each with its own number (and so its own id)."""
    sources = [FILES["2395/UBND-KTTH"], FILES["39/KH-UBND"], FILES["350/QĐ-UBND"]]
    numbers = ["**2395**/UBND-KTTH", "39/KH-UBND", "350/QĐ-UBND"]
    texts = [p.read_text(encoding="utf-8") for p in sources]
    for i in range(count):
        k = i % 3
        own = numbers[k].replace(numbers[k].split("/")[0], str(5000 + i))
        text = texts[k].replace(numbers[k], own)
        assert text != texts[k]
        (corpus / f"ban-sao-{i:03d}{sources[k].suffix}").write_text(text, encoding="utf-8")


def test_killed_ingest_leaves_previous_index_serving(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    index = tmp_path / "index"
    app = _app(tmp_path, corpus)
    previous = _run(app, corpus)
    assert previous.documents == 5
    _many_copies(corpus, COPIES)

    env = {
        **os.environ,
        "RAG_INDEX_DIR": str(index),
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_EMBEDDING_MODEL": "none",
    }
    rag = Path(sys.executable).with_name("rag")
    # Its own process group: the kill takes the ingest and any worker processes it started.
    proc = subprocess.Popen(
        [str(rag), "ingest", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        start_new_session=True,
    )
    generations = index / "generations"
    deadline = time.monotonic() + 120
    try:
        while {p.name for p in generations.iterdir()} == {previous.generation}:
            if proc.poll() is not None:
                stderr = proc.stderr.read() if proc.stderr else b""
                pytest.fail(f"ingest ended before writing a generation: {stderr!r}")
            assert time.monotonic() < deadline, "no new generation directory appeared"
            time.sleep(0.002)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # The unfinished generation is on disk, but ACTIVE still names the previous one, which serves.
    assert len(list(generations.iterdir())) == 2
    assert active_name(index) == previous.generation
    gen = open_active(index)
    assert gen is not None
    try:
        assert gen.name == previous.generation
        assert gen.store.count_documents() == 5
        assert gen.store.count_chunks() == previous.chunks == gen.lexical.size
    finally:
        gen.close()

    # A re-run completes, cleans up the unfinished generation and indexes everything.
    report = _run(App.from_settings(app.settings), corpus)
    assert report.failed == [] and report.documents == COPIES + 5
    assert (len(report.added), report.unchanged) == (COPIES, 5)
    assert [p.name for p in generations.iterdir()] == [report.generation]
    assert not list(index.glob("ACTIVE.tmp-*"))


def test_corpus_default_root_is_the_corpus_dir(ingested: Ingested) -> None:
    assert ingested.app.settings.corpus_dir == CORPUS
