"""Evidence: which sentences of the retrieved sections answer the question, and how well.

Coverage is the IDF-weighted share of the question's content tokens (and their phrases) found in
a span; it drives quote selection and abstention ("no basis found" when nothing covers enough).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.documents.models import Chunk
from rag.retrieve.query import Query
from rag.text.tokenize import lexical_tokens

_SPLIT = re.compile(r"\n+|(?<=[.;!?])\s+(?=[\-–+(\"“A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ0-9])|(?<=:)\s+(?=[-–+])")
MAX_QUOTE = 420


@dataclass
class Span:
    chunk: Chunk
    start: int  # offsets into the document text
    end: int
    text: str
    coverage: float
    rank: int  # retrieval rank of the chunk


class EvidenceScorer:
    def __init__(self, query: Query, idf: Callable[[str], float]) -> None:
        self.query = query
        self.idf = idf
        self.weights: dict[str, float] = {}
        for tok, w in query.tokens.items():
            if tok.startswith(("o:", "c:")):
                continue
            base = idf(tok.split("_")[0]) if "_" in tok else idf(tok)
            # Phrases (bigrams) count half: they reward word order without doubling the mass.
            self.weights[tok] = w * base * (0.5 if "_" in tok else 1.0)
        for tok, w in query.tokens.items():
            if tok.startswith("c:"):
                self.weights[tok] = w * 8.0  # a document code named in the question is decisive
        self.total = sum(self.weights.values()) or 1.0

    def coverage(self, text: str) -> float:
        present = set(lexical_tokens(text))
        return sum(w for t, w in self.weights.items() if t in present) / self.total

    def spans(self, chunk: Chunk, rank: int) -> list[Span]:
        """Sentences / list items of a chunk, with their coverage."""
        out: list[Span] = []
        text = chunk.text
        pos = 0
        pieces: list[tuple[int, int]] = []
        for m in _SPLIT.finditer(text):
            if m.start() > pos:
                pieces.append((pos, m.start()))
            pos = m.end()
        if pos < len(text):
            pieces.append((pos, len(text)))
        context = " ".join(chunk.headings)
        for a, b in pieces:
            piece = text[a:b]
            if not piece.strip():
                continue
            cov = self.coverage(piece)
            # The heading chain (the agency, the topic) completes what a sentence says.
            cov_ctx = self.coverage(f"{context} {piece}")
            out.append(Span(chunk, chunk.start + a, chunk.start + b, piece, 0.7 * cov + 0.3 * cov_ctx, rank))
        return out

    def best_window(self, span: Span, doc_text: str) -> tuple[int, int]:
        """The part of a long sentence that carries the matches, cut at clause boundaries."""
        if span.end - span.start <= MAX_QUOTE:
            return span.start, span.end
        text = doc_text[span.start : span.end]
        cuts = [0] + [m.end() for m in re.finditer(r"[,;:]\s+", text)] + [len(text)]
        best = (0.0, 0, min(len(text), MAX_QUOTE))
        for i in range(len(cuts)):
            for j in range(i + 1, len(cuts)):
                if cuts[j] - cuts[i] > MAX_QUOTE:
                    break
                cov = self.coverage(text[cuts[i] : cuts[j]])
                if cov > best[0] + 1e-9:
                    best = (cov, cuts[i], cuts[j])
        a, b = best[1], best[2]
        piece = text[a:b].rstrip(" ,;:")
        return span.start + a, span.start + a + len(piece)
