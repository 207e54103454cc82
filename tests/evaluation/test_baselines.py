"""The baselines on a two-file corpus: splitting, BM25 and dense (with a toy embedder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.evaluation.baselines import BM25Baseline, DenseBaseline, raw_chunks, tokenize
from rag.index.embedder import Vectors


class ToyEmbedder:
    """Bag-of-words vectors over a fixed vocabulary: similar texts get similar vectors."""

    name = "toy"
    dim = 8
    max_tokens = 512
    VOCAB = ("tài", "chính", "xây", "dựng", "cảng", "dung", "quất", "du")

    def _vec(self, text: str) -> Vectors:
        words = tokenize(text)
        v = np.array([words.count(w) for w in self.VOCAB], dtype=np.float32) + 1e-3
        return np.asarray(v / np.linalg.norm(v), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> Vectors:
        return np.stack([self._vec(t) for t in texts])

    def embed_query(self, text: str) -> Vectors:
        return self._vec(text)


def _corpus(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text(
        "1. Sở Tài chính bố trí kinh phí.\n\n" + "Nội dung khác. " * 100, encoding="utf-8"
    )
    (tmp_path / "b.md").write_text("2. Xây dựng cảng **Dung Quất**.\n", encoding="utf-8")
    (tmp_path / "skip.bin").write_bytes(b"\x00")
    return tmp_path


def test_raw_chunks_follow_the_tutorial_splitter(tmp_path: Path) -> None:
    chunks = raw_chunks(_corpus(tmp_path))
    assert {c.source for c in chunks} == {"a.txt", "b.md"}
    assert all(len(c.text) <= 1000 for c in chunks)
    assert sum(c.source == "a.txt" for c in chunks) >= 2
    b = next(c for c in chunks if c.source == "b.md")
    assert b.key == "2. xây dựng cảng dung quất."  # markdown emphasis removed in the comparison key


def test_bm25_and_dense_rank_the_right_chunk_first(tmp_path: Path) -> None:
    chunks = raw_chunks(_corpus(tmp_path))
    bm25 = BM25Baseline(chunks)
    hits = bm25.search("Sở Tài chính làm gì?", 3)
    assert hits.chunks[0].source == "a.txt" and hits.ms >= 0
    assert bm25.search("zzz", 3).chunks == []  # no known token: nothing
    dense = DenseBaseline(chunks, ToyEmbedder())
    try:
        assert dense.search("cảng Dung Quất", 2).chunks[0].source == "b.md"
        assert len(dense.search("tài chính", 10).chunks) == len(chunks)
    finally:
        dense.close()
