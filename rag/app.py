"""The composition root: builds every service from Settings. The CLI, the API, the UI, the
evaluation and the benchmarks all start here; nothing else constructs services."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.documents.chunking import Chunker
from rag.index.embedder import DenseUnavailable, Embedder, SentenceTransformerEmbedder
from rag.index.generations import Generation, active_name, open_active
from rag.index.vectors import ChromaVectors, VectorStoreError, collection_name
from rag.ingest import Ingestor
from rag.retrieve.rerank import CrossEncoderReranker, Reranker
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.chain import AnswerChain
    from rag.retrieve.hybrid import HybridSearcher

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    _embedder: Embedder | None = None
    _embedder_loaded: bool = False
    dense_note: str = ""
    _vectors: ChromaVectors | None = None
    _generation: Generation | None = None
    _searcher: HybridSearcher | None = None
    _reranker: Reranker | None = None
    _reranker_loaded: bool = False
    reranker_note: str = ""
    _vectors_retry_at: float | None = None  # when the vector store was unreachable: try again then
    _lock: threading.RLock = field(default_factory=threading.RLock)

    #: Seconds between attempts to reach a vector store that could not be reached.
    VECTORS_RETRY_S = 5.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> App:
        return cls(settings or Settings())

    # --- dense model and vector store -----------------------------------------------------

    @property
    def embedder(self) -> Embedder | None:
        """The embedding model, loaded once; None (with ``dense_note`` saying why) when absent."""
        with self._lock:
            if not self._embedder_loaded:
                self._embedder_loaded = True
                s = self.settings
                if not s.dense_enabled:
                    self.dense_note = "Dense retrieval is disabled (RAG_EMBEDDING_MODEL=none)."
                else:
                    try:
                        self._embedder = SentenceTransformerEmbedder(
                            s.embedding_model,
                            query_prefix=s.embedding_query_prefix,
                            passage_prefix=s.embedding_passage_prefix,
                            batch_size=s.embedding_batch_size,
                            allow_download=s.embedding_allow_download,
                        )
                        self.dense_note = f"Model: {s.embedding_model}."
                    except DenseUnavailable as exc:
                        self.dense_note = str(exc)
                        log.info("dense retrieval off: %s", exc)
            return self._embedder

    def vectors_for(self, embedder: Embedder) -> ChromaVectors:
        """One Chroma client per process (embedded, or a `chroma run` server when configured)."""
        with self._lock:
            if self._vectors is None:
                s = self.settings
                self._vectors = ChromaVectors(
                    path=None if s.chroma_url else s.index_dir / "chroma",
                    url=s.chroma_url,
                    collection=collection_name(s.chroma_collection_prefix, embedder.name),
                    dim=embedder.dim,
                )
            return self._vectors

    @property
    def reranker(self) -> Reranker | None:
        """The optional cross-encoder, loaded once; None when not configured or not loadable."""
        with self._lock:
            if not self._reranker_loaded:
                self._reranker_loaded = True
                s = self.settings
                if s.reranker_model:
                    try:
                        self._reranker = CrossEncoderReranker(
                            s.reranker_model, allow_download=s.embedding_allow_download
                        )
                        self.reranker_note = f"Reranker: {s.reranker_model}."
                    except DenseUnavailable as exc:
                        self.reranker_note = str(exc)
                        log.info("reranker off: %s", exc)
            return self._reranker

    def vectors(self) -> ChromaVectors | None:
        emb = self.embedder
        return self.vectors_for(emb) if emb is not None else None

    # --- ingest -----------------------------------------------------------------------------

    def ingestor(self, progress: bool = True) -> Ingestor:
        s = self.settings
        return Ingestor(
            s.index_dir,
            chunker=Chunker(s.chunk_tokens),
            embedder_name=s.embedding_model if s.dense_enabled else None,
            embedder_factory=lambda: self.embedder,
            vectors_factory=self.vectors_for,
            dense_note=lambda: self.dense_note,
            max_file_bytes=s.max_file_mb * 1024 * 1024,
            progress=progress,
            workers=s.ingest_workers,
        )

    # --- the active index ---------------------------------------------------------------------

    def generation(self) -> Generation | None:
        """The active generation, reopened when an ingest has switched it."""
        with self._lock:
            name = active_name(self.settings.index_dir)
            if self._generation is not None and self._generation.name == name:
                return self._generation
            old = self._generation
            self._generation = open_active(self.settings.index_dir) if name else None
            self._searcher = None
            if old is not None:
                old.close()
            return self._generation

    def searcher(self) -> HybridSearcher:
        from rag.retrieve.hybrid import HybridSearcher

        with self._lock:
            gen = self.generation()
            cached = self._searcher
            if cached is not None and cached.generation is gen:
                retry = self._vectors_retry_at is not None and time.monotonic() >= self._vectors_retry_at
                if not retry or self._reach_vectors() is None:  # still down: keep the lexical searcher
                    return cached
            emb = self.embedder
            vectors = self._reach_vectors() if gen is not None and gen.manifest.get("dense_model") else None
            searcher = HybridSearcher(
                gen,
                embedder=emb if vectors else None,
                vectors=vectors,
                reranker=self.reranker,
                dense_weight=self.settings.dense_weight,
            )
            self._searcher = searcher
            return searcher

    def _reach_vectors(self) -> ChromaVectors | None:
        """The vector store, or None while it cannot be reached (a `chroma run` server that is down):
        answers then come from BM25 alone, ``dense_note`` says why, and it is tried again after
        VECTORS_RETRY_S."""
        try:
            vectors = self.vectors()
        except VectorStoreError as exc:
            if self._vectors_retry_at is None:
                log.warning("dense retrieval off until the vector store is back: %s", exc)
            self.dense_note = f"Dense retrieval is off for now: {exc}"
            self._vectors_retry_at = time.monotonic() + self.VECTORS_RETRY_S
            return None
        if self._vectors_retry_at is not None:
            log.warning("the vector store is back: dense retrieval is on")
            self._vectors_retry_at = None
            self.dense_note = f"Model: {self.settings.embedding_model}."
        return vectors

    def chain(self) -> AnswerChain:
        from rag.chain import build_chain

        return build_chain(self)

    def index_dir(self) -> Path:
        return self.settings.index_dir
