"""Baselines scored next to our system, as a LangChain tutorial would build them.

Both split the raw corpus files (no parsing, no structure) with RecursiveCharacterTextSplitter
(chunk_size=1000, chunk_overlap=200):

* ``DenseBaseline``: the same embedding model as our index (the app's embedder), vectors in a
  separate in-memory Chroma collection (cosine), similarity top-k;
* ``BM25Baseline``: bm25s over lower-case word tokens (``\\w+``: no diacritic folding, no bigrams,
  no document codes), top-k by score.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.evaluation.matching import text_key
from rag.index.embedder import Embedder
from rag.ingest import scan
from rag.text.readers import UnreadableFileError, read_file

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class RawChunk:
    """A piece of a raw file, as the text splitter cut it."""

    source: str
    ordinal: int
    text: str
    key: str  # matching.text_key(text)


@dataclass
class BaselineHits:
    """The ranked raw chunks of one query and how long the search took."""

    chunks: list[RawChunk]
    ms: float


class Baseline(Protocol):
    name: str

    def search(self, question: str, k: int) -> BaselineHits: ...


def raw_chunks(corpus_dir: Path) -> list[RawChunk]:
    """The corpus files read as text (no normalization beyond decoding) and split 1000/200."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    files, _skipped = scan([corpus_dir])
    out: list[RawChunk] = []
    for path in files:
        try:
            text = read_file(path).text
        except UnreadableFileError:
            continue  # the index refuses it too
        for i, piece in enumerate(splitter.split_text(text)):
            out.append(RawChunk(path.name, i, piece, text_key(piece)))
    return out


def tokenize(text: str) -> list[str]:
    """The tutorial tokenizer: lower case, split on anything that is not a word character."""
    return _TOKEN.findall(text.lower())


class BM25Baseline:
    """Plain BM25 (bm25s, k1=1.5, b=0.75: its defaults) over the raw chunks."""

    name = "bm25"

    def __init__(self, chunks: Sequence[RawChunk]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25()
        self._bm25.index([tokenize(c.text) or [""] for c in self.chunks], show_progress=False)
        self._vocab: dict[str, int] = dict(getattr(self._bm25, "vocab_dict", {}) or {})

    def search(self, question: str, k: int) -> BaselineHits:
        t0 = time.perf_counter()
        tokens = [t for t in tokenize(question) if t in self._vocab]
        ranked: list[RawChunk] = []
        if tokens and self.chunks:
            scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
            order = np.argsort(-scores, kind="stable")[:k]
            ranked = [self.chunks[int(i)] for i in order if scores[int(i)] > 0]
        return BaselineHits(ranked, (time.perf_counter() - t0) * 1000)


class DenseBaseline:
    """Similarity top-k over the raw chunks in a throwaway Chroma collection (cosine)."""

    name = "dense"

    def __init__(self, chunks: Sequence[RawChunk], embedder: Embedder, batch: int = 64) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.chunks = list(chunks)
        self.embedder = embedder
        self._client: Any = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self._name = f"eval-baseline-{uuid.uuid4().hex[:12]}"
        self._col: Any = self._client.create_collection(
            self._name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        for i in range(0, len(self.chunks), batch):
            part = self.chunks[i : i + batch]
            vecs = embedder.embed_documents([c.text for c in part])
            self._col.add(ids=[str(i + j) for j in range(len(part))], embeddings=[v.tolist() for v in vecs])

    def search(self, question: str, k: int) -> BaselineHits:
        t0 = time.perf_counter()
        vec = self.embedder.embed_query(question)
        n = min(k, len(self.chunks))
        got = (
            self._col.query(query_embeddings=[vec.tolist()], n_results=n, include=[]) if n else {"ids": [[]]}
        )
        ranked = [self.chunks[int(i)] for i in got["ids"][0]]
        return BaselineHits(ranked, (time.perf_counter() - t0) * 1000)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # best effort: the collection is in memory anyway
            self._client.delete_collection(self._name)
