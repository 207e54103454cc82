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

    def has(self, token: str) -> bool:
        """Some chunk holds ``token`` (a unigram, a bigram "ban_dan" or a diacritic form "o:gió")."""
        return token in self.df or self.chunk_count(token) > 0

    def idf(self, token: str) -> float:
        """Inverse document frequency of a folded unigram (unknown tokens count as rare)."""
        return self._idf(self.df.get(token, 0))

    def any_idf(self, token: str) -> float:
        """Inverse document frequency of any indexed token, bigrams ("xuat_nhap") and diacritic
        forms included."""
        return self._idf(self.df[token] if token in self.df else self.chunk_count(token))

    def chunk_count(self, token: str) -> int:
        """Chunks that hold ``token``: the length of its column in the score matrix (0 if unknown)."""
        if self._bm25 is None or not token or token not in self._vocab:
            return 0
        indptr = self._bm25.scores["indptr"]  # type: ignore[attr-defined]
        col = self._vocab[token]
        return int(indptr[col + 1]) - int(indptr[col])

    def _idf(self, n: int) -> float:
        return math.log(1.0 + (self.size - n + 0.5) / (n + 0.5))

    @staticmethod
    def build(token_lists: Iterable[list[str]], directory: Path) -> LexicalIndex:
        """Build and save the index of ``token_lists`` (one list per chunk, in row order).

        The token lists are consumed one at a time (an iterator over a store's rows works): only
        each chunk's distinct token ids and counts are kept, so memory grows with the number of
        (chunk, distinct token) pairs rather than with every token string of the corpus. The score
        matrix is the one ``bm25s.BM25(k1=1.2, b=0.75).index()`` computes (Lucene BM25, scores
        computed in float64 and stored as float32), saved in bm25s' format so ``load`` is unchanged.
        """
        import bm25s
        import scipy.sparse as sp

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
        directory.mkdir(parents=True, exist_ok=True)
        vocab: dict[str, int] = {}
        ids_parts: list[npt.NDArray[np.int32]] = []
        tf_parts: list[npt.NDArray[np.float32]] = []
        rows_per_part: list[int] = []
        lengths: list[int] = []
        row_sizes: list[int] = []
        pending_ids: list[npt.NDArray[np.int32]] = []
        pending_tf: list[npt.NDArray[np.float32]] = []

        def flush() -> None:
            ids_parts.append(np.concatenate(pending_ids))
            tf_parts.append(np.concatenate(pending_tf))
            rows_per_part.append(len(pending_ids))
            pending_ids.clear()
            pending_tf.clear()

        for tokens in token_lists:
            tokens = tokens or [""]
            ids = np.fromiter(
                (vocab.setdefault(t, len(vocab)) for t in tokens), dtype=np.int32, count=len(tokens)
            )
            uniq, counts = np.unique(ids, return_counts=True)
            pending_ids.append(uniq.astype(np.int32, copy=False))
            pending_tf.append(counts.astype(np.float32))
            lengths.append(len(tokens))
            row_sizes.append(len(uniq))
            if len(pending_ids) >= 4096:  # few large arrays rather than millions of small ones
                flush()
        if pending_ids:
            flush()
        n_docs = len(lengths)
        (directory / "size").write_text(str(n_docs))
        if n_docs == 0:
            (directory / "df.json").write_text("{}")
            return LexicalIndex(None, 0)
        col = np.concatenate(ids_parts)
        ids_parts.clear()
        n_vocab = len(vocab)
        doc_freq = np.bincount(col, minlength=n_vocab)
        # Document frequencies of plain (folded unigram) tokens, for IDF-weighted evidence scoring.
        df = {t: int(doc_freq[i]) for t, i in vocab.items() if ":" not in t and "_" not in t}
        (directory / "df.json").write_text(json.dumps(df, ensure_ascii=False))
        k1, b = 1.2, 0.75
        length = np.asarray(lengths, dtype=np.float64)
        norm = k1 * ((1 - b) + b * length / float(length.mean()))
        idf = np.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5)).astype(np.float32)
        sizes = np.asarray(row_sizes, dtype=np.int64)
        row_ptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(sizes, out=row_ptr[1:])
        # Scores part by part (bm25s' arithmetic: float64, stored as float32): no corpus-sized temporaries.
        data = np.empty(len(col), dtype=np.float32)
        pos = row = 0
        for rows in rows_per_part:
            tf = tf_parts.pop(0)
            end = pos + len(tf)
            part_norm = np.repeat(norm[row : row + rows], sizes[row : row + rows])
            data[pos:end] = idf[col[pos:end]].astype(np.float64) * (tf / (part_norm + tf))
            pos, row = end, row + rows
        matrix = sp.csr_matrix((data, col, row_ptr), shape=(n_docs, n_vocab))
        del data, col
        matrix = matrix.tocsc()
        if "" not in vocab:
            vocab[""] = n_vocab  # as bm25s' create_empty_token; never queried (scores() skips "")
        retriever = bm25s.BM25(k1=k1, b=b)
        retriever.scores = {
            "data": matrix.data.astype(np.float32, copy=False),
            "indices": matrix.indices.astype(np.int32, copy=False),
            "indptr": matrix.indptr,
            "num_docs": n_docs,
        }
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None
        retriever.save(str(directory), show_progress=False)
        return LexicalIndex(retriever, n_docs, df)

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
