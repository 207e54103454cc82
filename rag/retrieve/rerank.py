"""Optional cross-encoder reranking of the fused candidates (RAG_RERANKER_MODEL, a name or folder).

Loaded like the embedder: local files only unless downloads are allowed; when it cannot be loaded,
retrieval goes on without it and the reason is reported (signals, health)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from rag.index.embedder import DenseUnavailable, _cached

log = logging.getLogger(__name__)


class Reranker(Protocol):
    name: str

    def scores(self, query: str, passages: list[str]) -> list[float]: ...


class CrossEncoderReranker:
    def __init__(self, model: str, *, allow_download: bool = False, max_length: int = 512) -> None:
        self.name = model
        local = Path(model).expanduser()
        if not allow_download and not local.is_dir() and not _cached(model):
            raise DenseUnavailable(
                f"reranker model '{model}' is not available offline",
                "Reranking is off. Copy the model folder here and set RAG_RERANKER_MODEL=/path/to/folder",
            )
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if not allow_download:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(
                str(local) if local.is_dir() else model, device="cpu", max_length=max_length,
                local_files_only=not allow_download,
            )  # fmt: skip
        except Exception as exc:
            raise DenseUnavailable(
                f"reranker model '{model}' could not be loaded ({type(exc).__name__}: {exc})",
                "Reranking is off. Check RAG_RERANKER_MODEL",
            ) from exc

    def scores(self, query: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        out = self._model.predict(
            [(query, p) for p in passages], show_progress_bar=False, convert_to_numpy=True
        )
        return [float(x) for x in out]
