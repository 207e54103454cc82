"""Chroma as the vector store: embedded (PersistentClient under index/chroma) or a `chroma run`
server (HttpClient) when RAG_CHROMA_URL is set.

Vectors are keyed by chunk id, and a chunk id is a hash of the chunk's content: unchanged chunks
keep their vectors across ingests, and a generation's store decides which ids are live (results
for ids it does not hold are dropped), so new vectors written during an ingest never leak into
answers served from the previous generation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.index.embedder import Vectors

log = logging.getLogger(__name__)


class VectorStoreError(Exception):
    """The vector store cannot be reached or used; the message says how to fix it."""


def collection_name(prefix: str, model: str) -> str:
    """One collection per embedding model (vectors of two models never mix)."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", Path(model).name or model).strip("-_")[:40] or "model"
    return f"{prefix}-{slug}"


class ChromaVectors:
    def __init__(
        self, *, path: Path | None = None, url: str | None = None, collection: str, dim: int
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                u = urlparse(url)
                self.client = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1",
                    port=u.port or 8000,
                    ssl=u.scheme == "https",
                    settings=settings,
                )
                self.client.heartbeat()
                self.where = url
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=settings)
                self.where = str(path)
            self.col = self.client.get_or_create_collection(
                collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                metadata={"dim": dim},
            )  # fmt: skip
        except Exception as exc:
            target = f"Chroma server at {url}" if url else f"embedded Chroma at {path}"
            hint = (
                "start it with `chroma run --host 127.0.0.1 --port 8000 --path index/chroma-server` "
                "or unset RAG_CHROMA_URL to use the embedded store"
                if url
                else "another process may hold it (run one server process, or use `chroma run` + RAG_CHROMA_URL); "
                "`rag ingest --rebuild` recreates it"
            )
            raise VectorStoreError(f"{target} is unavailable ({type(exc).__name__}: {exc}); {hint}") from exc
        self.name = collection

    def count(self) -> int:
        return int(self.col.count())

    def existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            got = self.col.get(ids=ids[i : i + 500], include=[])
            found.update(got["ids"])
        return found

    def upsert(self, ids: list[str], vectors: Vectors, metadatas: list[dict[str, Any]]) -> None:
        self.col.upsert(ids=ids, embeddings=vectors.tolist(), metadatas=metadatas)  # type: ignore[arg-type]

    def query(self, vector: Vectors, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the k nearest vectors."""
        n = self.count()
        if n == 0:
            return []
        res = self.col.query(
            query_embeddings=[np.asarray(vector).tolist()],
            n_results=min(k, n),
            where=where,
            include=["distances"],
        )
        ids = res["ids"][0]
        dists = (res.get("distances") or [[0.0] * len(ids)])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def all_ids(self) -> Iterator[str]:
        offset = 0
        while True:
            got = self.col.get(include=[], limit=1000, offset=offset)
            if not got["ids"]:
                return
            yield from got["ids"]
            offset += len(got["ids"])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            self.col.delete(ids=ids[i : i + 500])
