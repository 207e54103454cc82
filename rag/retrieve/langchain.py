"""The hybrid retriever as a LangChain BaseRetriever, usable by any LangChain application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.retrieve.hybrid import Filters, HybridSearcher
from rag.retrieve.query import analyze


class HybridRetriever(BaseRetriever):
    """BM25 + dense retrieval over the active index; each result is one section (chunk) with its
    citation fields in ``metadata``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Callable[[], HybridSearcher]
    k: int = 8
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None, **kwargs: Any
    ) -> list[LCDocument]:
        result = self.searcher().search(analyze(query), k=int(kwargs.get("k", self.k)), filters=self.filters)
        return [
            LCDocument(
                page_content=h.chunk.text,
                metadata={
                    "doc_id": h.chunk.doc_id,
                    "doc_number": h.chunk.doc_number,
                    "doc_type": h.chunk.doc_type,
                    "issuer": h.chunk.issuer,
                    "issued_date": h.chunk.issued_date.isoformat() if h.chunk.issued_date else None,
                    "section_path": h.chunk.section_path,
                    "label": h.chunk.label,
                    "source": h.chunk.source,
                    "start": h.chunk.start,
                    "end": h.chunk.end,
                    "score": h.score,
                },
            )
            for h in result.hits
        ]
