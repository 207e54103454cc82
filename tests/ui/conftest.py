"""Fixtures of the UI tests: a temporary corpus (the real one plus a hostile document), one index
over it, and the UI launched on 127.0.0.1 for gradio_client and the browser."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest

from rag.app import App
from rag.settings import Settings
from tests.conftest import CORPUS
from ui.app import build_ui

#: A document whose text tries every way to run code in the page; the UI must show it as text.
EVIL_DOC = """ỦY BAN NHÂN DÂN
TỈNH THỬ NGHIỆM

Số: 99/UBND-XSS

Thử nghiệm, ngày 02 tháng 3 năm 2023

CÔNG VĂN
V/v kiểm tra hiển thị <script>window.pwned=1</script>

1. Nội dung kiểm tra hiển thị

a) Văn bản có thẻ <script>window.pwned=1</script> và <img src=x onerror="window.pwned=2"> phải hiển thị như chữ.

b) Liên kết [bấm vào đây](javascript:window.pwned=3) không được chạy; ký hiệu ${1+1} và {{x}} giữ nguyên.

CHỦ TỊCH

Nguyễn Văn Thử
"""
EVIL_ID = "99-ubnd-xss-20230302"
CONTAINER_Q = "Ai chịu trách nhiệm đầu tư tuyến container tại Khu kinh tế Dung Quất?"


@dataclass
class UIEnv:
    app: App
    root: Path  # holds corpus/ and index/


@dataclass
class Server:
    env: UIEnv
    blocks: gr.Blocks
    url: str


@pytest.fixture(scope="session")
def ui_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIEnv]:
    """The corpus copied to a temporary folder with the hostile document, ingested once."""
    root = tmp_path_factory.mktemp("ui")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "evil-xss.md").write_text(EVIL_DOC, encoding="utf-8")
    settings = Settings(index_dir=root / "index", corpus_dir=corpus, embedding_model="none")
    app = App.from_settings(settings)
    report = app.ingestor(progress=False).run([corpus])
    assert not report.failed, report.summary()
    yield UIEnv(app, root)
    gen = app.generation()
    if gen is not None:
        gen.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def ui_server(ui_env: UIEnv) -> Iterator[Server]:
    """build_ui(app) launched on a free loopback port for the whole session."""
    blocks = build_ui(ui_env.app)
    blocks.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield Server(ui_env, blocks, str(blocks.local_url).rstrip("/"))
    finally:
        blocks.close()
