"""Dense embeddings with sentence-transformers, by model name or local folder.

The model is loaded from the local cache or folder only (no hub download) unless
RAG_EMBEDDING_ALLOW_DOWNLOAD=true. When it cannot be loaded, ``DenseUnavailable`` says why and how
to fix it; the app then runs on the lexical index alone and says so (health, CLI, UI).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
Vectors = npt.NDArray[np.float32]


_HINT = (
    "Dense retrieval is off; lexical (BM25) retrieval still works. To enable it, download the model on a "
    "machine with internet (`huggingface-cli download {model}`), copy the folder here and set "
    "RAG_EMBEDDING_MODEL=/path/to/folder, or set RAG_EMBEDDING_ALLOW_DOWNLOAD=true where the hub is reachable"
)


def _cached(model: str) -> bool:
    """Whether the Hugging Face cache holds ``model`` (checked without importing torch)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(model, "config.json")
    except Exception:
        return False
    return isinstance(found, str)


class DenseUnavailable(Exception):
    """The configured embedding model cannot be used."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(f"{reason}. {hint}")
        self.reason = reason
        self.hint = hint


class Embedder(Protocol):
    name: str
    dim: int
    max_tokens: int

    def embed_documents(self, texts: list[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


class SentenceTransformerEmbedder:
    """An embedder over a sentence-transformers model; vectors are L2-normalized (cosine)."""

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        allow_download: bool = False,
    ) -> None:
        self.name = model
        is_e5 = "e5" in Path(model).name.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.batch_size = batch_size
        local = Path(model).expanduser()
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        if not allow_download:
            # huggingface_hub reads these when imported: set them before sentence-transformers loads it.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not allow_download and not local.is_dir() and not _cached(model):
            # Fail fast, without importing torch, when the model is neither a folder nor cached.
            raise DenseUnavailable(
                f"embedding model '{model}' is not available offline (not a folder, not in the Hugging Face cache)",
                _HINT.format(model=model),
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise DenseUnavailable(
                "sentence-transformers is not installed", "pip install sentence-transformers"
            ) from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI
        except ImportError:  # pragma: no cover
            pass
        try:
            if local.is_dir():
                self._model = SentenceTransformer(str(local), device="cpu", local_files_only=True)
            else:
                self._model = SentenceTransformer(model, device="cpu", local_files_only=not allow_download)
        except Exception as exc:
            raise DenseUnavailable(
                f"embedding model '{model}' could not be loaded ({type(exc).__name__}: {exc})".strip(),
                _HINT.format(model=model),
            ) from exc
        # sentence-transformers 5+ renamed the method (the old name warns, and will go).
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        self.dim = int(dim or len(self.embed_query("x")))
        self.max_tokens = int(getattr(self._model, "max_seq_length", 512) or 512)

    def _model_tokens(self, text: str) -> int:
        tokenizer = getattr(self._model, "tokenizer", None)
        if tokenizer is None:
            return 0
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def _windows(self, text: str) -> list[str]:
        """``text`` cut at sentence ends into pieces within the model's own token limit (the chunk
        budget is counted with tiktoken; a model with a smaller window must not truncate silently)."""
        limit = self.max_tokens - 8
        if self._model_tokens(self.passage_prefix + text) <= limit:
            return [text]
        pieces: list[str] = []
        current = ""
        for sentence in re.split(r"(?<=[.;:!?\n])\s+", text):
            candidate = f"{current} {sentence}".strip()
            if current and self._model_tokens(self.passage_prefix + candidate) > limit:
                pieces.append(current)
                current = sentence
            else:
                current = candidate
        if current:
            pieces.append(current)
        return pieces

    def embed_documents(self, texts: list[str]) -> Vectors:
        """One normalized vector per text; a text over the model's limit is embedded window by
        window and its vector is the normalized mean of the windows'."""
        windows = [self._windows(t) for t in texts]
        flat = [w for ws in windows for w in ws]
        vecs = self._model.encode(
            [self.passage_prefix + t for t in flat],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        i = 0
        for row, ws in enumerate(windows):
            mean = np.asarray(vecs[i : i + len(ws)], dtype=np.float32).mean(axis=0)
            out[row] = mean / (np.linalg.norm(mean) or 1.0)
            i += len(ws)
        return out

    def embed_query(self, text: str) -> Vectors:
        vec = self._model.encode(
            [self.query_prefix + text],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vec[0], dtype=np.float32)
