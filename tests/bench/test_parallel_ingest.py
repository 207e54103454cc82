"""Parallel parsing in the ingest (worker processes) gives the same index and report as one process,
and the streaming BM25 builder gives bm25s' own scores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from rag.app import App
from rag.bench.generator import generate_corpus
from rag.index.generations import open_active
from rag.index.lexical import LexicalIndex
from rag.ingest import IngestReport
from tests.conftest import CORPUS, lexical_settings

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl"


def _ingest(index: Path, roots: list[Path], workers: int) -> IngestReport:
    app = App.from_settings(lexical_settings(index, roots[0]))
    ingestor = app.ingestor(progress=False)
    ingestor.workers = workers
    return ingestor.run(roots)


def _rows(index: Path) -> tuple[list[tuple[object, ...]], ...]:
    gen = open_active(index)
    assert gen is not None
    path = gen.path / "store.sqlite"
    gen.close()
    db = sqlite3.connect(path)
    try:
        return (
            db.execute("SELECT * FROM documents ORDER BY id").fetchall(),
            db.execute("SELECT * FROM chunks ORDER BY row").fetchall(),
            db.execute(
                "SELECT path, sha256, size, doc_id, status, error FROM files ORDER BY path"
            ).fetchall(),
        )
    finally:
        db.close()


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("parallel")
    generated = generate_corpus(CORPUS, GOLD, 24, 9, base / "corpora").docs_dir
    (generated / "000" / "broken.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe" * 50)
    return [CORPUS, generated]


def test_workers_give_the_same_index_and_report(tmp_path: Path, roots: list[Path]) -> None:
    one = _ingest(tmp_path / "one", roots, workers=1)
    two = _ingest(tmp_path / "two", roots, workers=2)
    assert one.documents == two.documents == 29
    assert [p for p, _ in one.failed] == [p for p, _ in two.failed] and len(one.failed) == 1
    assert one.to_dict() | {"generation": None, "seconds": 0} == two.to_dict() | {
        "generation": None,
        "seconds": 0,
    }
    assert _rows(tmp_path / "one") == _rows(tmp_path / "two")
    again = _ingest(tmp_path / "two", roots, workers=2)
    assert (again.changed, again.unchanged, again.documents) == (False, 29, 29)


def test_streaming_bm25_matches_bm25s(tmp_path: Path) -> None:
    import bm25s

    corpus = [["dung", "quat", "dung_quat", "5"], ["so", "tai", "chinh", "5", "5"], [], ["dung", "tai"] * 3]
    built = LexicalIndex.build(iter(corpus), tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index([t or [""] for t in corpus], show_progress=False)
    for query in (["dung"], ["tai", "5"], ["dung_quat", "chinh"], ["unknown"]):
        known = [t for t in query if t in ref.vocab_dict]
        expected = np.asarray(ref.get_scores(known), dtype=np.float32) if known else np.zeros(len(corpus))
        np.testing.assert_allclose(loaded.scores(query), expected, rtol=1e-6)
        np.testing.assert_allclose(built.scores(query), expected, rtol=1e-6)
    assert loaded.df == {"dung": 2, "quat": 1, "5": 2, "so": 1, "tai": 2, "chinh": 1, "": 1}
