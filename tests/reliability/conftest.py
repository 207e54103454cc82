"""Shared pieces of the reliability tests: `rag serve` and `rag ingest` as real subprocesses (they are
killed with SIGKILL), a corpus of ~150 files, and the whole-index consistency check applied after
every injected fault."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from rag.bench.load import free_port
from rag.index.generations import Generation
from tests.answer.conftest import fake_llm, fake_llm_server  # noqa: F401 - the scripted LLM server fixtures
from tests.conftest import CORPUS, FILES, ROOT


def _load_script() -> ModuleType:
    """scripts/load.py, imported by path (scripts/ is not a package): its ServerProcess starts and
    stops `rag serve` for the tests too."""
    name = "rag_scripts_load"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


load = _load_script()
if TYPE_CHECKING:  # mypy reads the script as the namespace module scripts.load
    from scripts.load import ServerProcess, server_env
else:
    ServerProcess, server_env = load.ServerProcess, load.server_env

QUESTION = "Ai chịu trách nhiệm đầu tư tuyến container tại Khu kinh tế Dung Quất?"


def rag_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`rag ARGS` in a child process, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Servers a test starts go in this list; whatever still runs is stopped afterwards."""
    started: list[ServerProcess] = []
    yield started
    for s in started:
        s.kill()


def copy_corpus(dest: Path, *numbers: str) -> Path:
    """A private copy of corpus documents (all five by default)."""
    dest.mkdir(parents=True, exist_ok=True)
    for number in numbers or FILES:
        shutil.copy(FILES[number], dest / FILES[number].name)
    return dest


# --- a corpus of ~150 files --------------------------------------------------------------------------

_SOURCES = [
    (FILES["2395/UBND-KTTH"], "**2395**/UBND-KTTH"),
    (FILES["39/KH-UBND"], "39/KH-UBND"),
    (FILES["350/QĐ-UBND"], "350/QĐ-UBND"),
]


def write_copy(corpus: Path, i: int, revision: int = 0) -> Path:
    """Copy ``i`` of one of the shorter corpus documents, with its own number (so its own id);
    ``revision`` > 0 appends a closing note, which changes the content and hash of the file."""
    source, number = _SOURCES[i % len(_SOURCES)]
    text = source.read_text(encoding="utf-8")
    own = number.replace(number.split("/")[0].strip("*"), str(5000 + i))
    text = text.replace(number, own)
    if revision:
        text += f"\nGhi chú: bản sửa đổi lần {revision} của bản sao số {i}.\n"
    path = corpus / f"ban-sao-{i:04d}{source.suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def many_copies(corpus: Path, count: int) -> list[Path]:
    corpus.mkdir(parents=True, exist_ok=True)
    return [write_copy(corpus, i) for i in range(count)]


# --- the consistency check ---------------------------------------------------------------------------


def file_state(corpus: Path, cwd: Path) -> dict[str, str]:
    """What a complete ingest of ``corpus`` run from ``cwd`` records: file key → sha256."""
    from rag.ingest import sha256_file

    out = {}
    for p in sorted(corpus.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus).parts):
            out[p.resolve().relative_to(cwd.resolve()).as_posix()] = sha256_file(p)
    return out


def assert_consistent(gen: Generation) -> None:
    """One whole generation: SQLite intact, BM25 rows = stored chunks, every chunk's document
    exists and every chunk's text is exactly its slice of that document's text."""
    with sqlite3.connect(f"file:{gen.path / 'store.sqlite'}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    store = gen.store
    assert gen.lexical.size == store.count_chunks()
    doc_ids = store.document_ids()
    assert len(doc_ids) == store.count_documents() == len(set(doc_ids))
    assert set(store.chunk_doc_ids()) <= set(doc_ids), "a chunk whose document is missing"
    chunks = 0
    for doc_id in doc_ids:
        doc = store.document(doc_id)
        assert doc is not None, doc_id
        for c in store.chunks_of(doc_id):
            assert c.doc_id == doc_id
            assert c.text == doc.text[c.start : c.end], (doc_id, c.section_path)
            chunks += 1
    assert chunks == store.count_chunks()
    assert gen.manifest["documents"] == len(doc_ids) and gen.manifest["chunks"] == chunks


def indexed_state(gen: Generation) -> dict[str, str]:
    """File key → sha256 of the files a generation holds documents of."""
    return {k: f.sha256 for k, f in gen.store.files().items() if f.status == "indexed"}


__all__ = [
    "CORPUS",
    "FILES",
    "QUESTION",
    "ROOT",
    "ServerProcess",
    "assert_consistent",
    "copy_corpus",
    "file_state",
    "free_port",
    "indexed_state",
    "load",
    "many_copies",
    "rag_cli",
    "server_env",
    "write_copy",
]
