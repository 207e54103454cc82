"""BM25 over the chunks of one generation, with bm25s.

Why bm25s and not SQLite FTS5: queries here are bags of 10-30 tokens (syllables, folded forms,
bigrams, codes) ranked over every chunk; bm25s precomputes the BM25 score matrix (sparse, CSC) so a
query is a sum of a few columns, a few milliseconds at 10^5-10^6 chunks, and loads memory-mapped.
FTS5 would score every matching row per query in SQL. Our own tokenizer feeds it (bm25s' default
one drops one-character tokens such as "5" in "Điều 5"), and a generation's index is rebuilt from
the stored tokens at each ingest, which takes seconds, and swapped atomically with the store.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)
Scores = npt.NDArray[np.float32]


class LexicalIndex:
    def __init__(self, retriever: object | None, size: int, df: dict[str, int] | None = None) -> None:
        self._bm25 = retriever
        self.size = size
        self._vocab: dict[str, int] = getattr(retriever, "vocab_dict", {}) or {}
        self.df = df or {}

    def known(self, token: str) -> bool:
        return token in self.df

    def idf(self, token: str) -> float:
        """Inverse document frequency of a folded unigram (unknown tokens count as rare)."""
        n = self.df.get(token, 0)
        return math.log(1.0 + (self.size - n + 0.5) / (n + 0.5))

    @staticmethod
    def build(token_lists: Iterable[list[str]], directory: Path) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
        corpus = [tokens or [""] for tokens in token_lists]
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "size").write_text(str(len(corpus)))
        # Document frequencies of plain (folded unigram) tokens, for IDF-weighted evidence scoring.
        df: dict[str, int] = {}
        for tokens in corpus:
            for t in set(tokens):
                if ":" not in t and "_" not in t:
                    df[t] = df.get(t, 0) + 1
        (directory / "df.json").write_text(json.dumps(df, ensure_ascii=False))
        if not corpus:
            return LexicalIndex(None, 0)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(corpus, show_progress=False)
        retriever.save(str(directory), show_progress=False)
        return LexicalIndex(retriever, len(corpus), df)

    @staticmethod
    def load(directory: Path, mmap: bool = True) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        size_file = directory / "size"
        if not size_file.is_file():
            raise FileNotFoundError(f"lexical index missing in {directory}")
        size = int(size_file.read_text())
        df_file = directory / "df.json"
        df = json.loads(df_file.read_text()) if df_file.is_file() else {}
        if size == 0:
            return LexicalIndex(None, 0, df)
        retriever = bm25s.BM25.load(str(directory), mmap=mmap, show_progress=False)
        return LexicalIndex(retriever, size, df)

    def scores(self, query_tokens: list[str], weights: dict[str, float] | None = None) -> Scores:
        """BM25 score of every chunk (row order) for the query tokens; unknown tokens are ignored."""
        out = np.zeros(self.size, dtype=np.float32)
        if self._bm25 is None:
            return out
        known: dict[str, float] = {}
        for t in query_tokens:
            if t in self._vocab and t:
                known[t] = max(known.get(t, 0.0), (weights or {}).get(t, 1.0))
        if not known:
            return out
        by_weight: dict[float, list[str]] = {}
        for t, w in known.items():
            by_weight.setdefault(w, []).append(t)
        for w, toks in by_weight.items():
            out += w * np.asarray(self._bm25.get_scores(toks), dtype=np.float32)  # type: ignore[attr-defined]
        return out
