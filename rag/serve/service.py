"""What the HTTP API, the OpenAI-compatible endpoint and the MCP tools do, without HTTP: each
method takes typed input, calls the services of rag.app, and returns schema objects or raises a
:class:`ServeError` whose message says how to fix the problem."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from rag.answer.models import Answer
from rag.app import App
from rag.cli import doc_summary, parse_section_ref, resolve_document
from rag.documents.labels import citation_label, nodes_for, section_label
from rag.documents.models import Document, Section
from rag.index.generations import Generation, IndexCorrupt
from rag.retrieve.hybrid import Filters
from rag.retrieve.query import analyze
from rag.serve.feedback import FeedbackStore
from rag.serve.schemas import (
    AskRequest,
    DenseHealth,
    DocumentDetail,
    DocumentSummary,
    FeedbackIn,
    FiltersIn,
    HealthOut,
    IndexHealth,
    LLMHealth,
    SearchHit,
    SearchOut,
    SectionNode,
    SectionOut,
    Signals,
)

log = logging.getLogger(__name__)


class ServeError(Exception):
    """An error for the API user. ``code`` says which kind (the HTTP layer maps it to a status)."""

    code = "bad_request"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(ServeError):
    code = "not_found"


class IndexUnavailable(ServeError):
    code = "index_empty"


def package_version() -> str:
    try:
        return version("rag")
    except PackageNotFoundError:
        return "unknown"


def to_filters(f: FiltersIn | None) -> Filters | None:
    if f is None:
        return None
    return Filters(
        doc=f.doc_number, doc_type=f.doc_type, issuer=f.issuer, date_from=f.date_from, date_to=f.date_to
    )


def chain_input(req: AskRequest) -> dict[str, Any]:
    filters = req.filters.model_dump() if req.filters is not None else None
    return {"question": req.question, "k": req.k, "filters": filters}


def _tree(sections: list[Section], path: list[str]) -> list[SectionNode]:
    return [
        SectionNode(
            label=s.label,
            kind=s.kind.value,
            heading=s.heading,
            path=[*path, s.label],
            start=s.start,
            end=s.end,
            children=_tree(s.children, [*path, s.label]),
        )
        for s in sections
    ]


class Service:
    """One per process, shared by every request; the chain and the stores are thread-safe."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.chain = app.chain()
        self.feedback = FeedbackStore(app.settings.index_dir / "feedback.sqlite")

    # --- the index ----------------------------------------------------------------------------

    def generation(self) -> Generation:
        try:
            gen = self.app.generation()
        except IndexCorrupt as exc:
            raise IndexUnavailable(str(exc), code="index_corrupt") from exc
        if gen is None:
            raise IndexUnavailable(
                "Nothing is indexed yet: run `rag ingest` (or restart `rag serve`, which indexes RAG_CORPUS_DIR), "
                "or upload a document with POST /api/documents."
            )
        return gen

    def _document(self, ref: str) -> tuple[Generation, Document]:
        gen = self.generation()
        doc = resolve_document(gen, unicodedata.normalize("NFC", ref))
        if doc is None:
            raise NotFound(f"No document '{ref}'. GET /api/documents lists ids and numbers.")
        return gen, doc

    # --- questions ----------------------------------------------------------------------------

    def ask(self, req: AskRequest) -> dict[str, Any]:
        """The answer object of `rag ask --json`."""
        self.generation()
        return self.chain.invoke(chain_input(req)).to_public()

    def stream(self, req: AskRequest) -> Iterator[Answer]:
        """Answer snapshots; the last one is final and carries the citations."""
        self.generation()
        return self.chain.stream(chain_input(req))

    def search(self, req: AskRequest) -> SearchOut:
        self.generation()  # says why when there is no usable index
        searcher = self.app.searcher()  # documents come from the generation the search ran on
        k = req.k or self.app.settings.top_k
        result = searcher.search(analyze(req.question), k=k, filters=to_filters(req.filters))
        hits = []
        for rank, hit in enumerate(result.hits, 1):
            c = hit.chunk
            doc = searcher.generation.store.document(c.doc_id) if searcher.generation is not None else None
            hits.append(
                SearchHit(
                    rank=rank,
                    doc_id=c.doc_id,
                    doc_number=c.doc_number,
                    doc_type=c.doc_type,
                    issuer=c.issuer,
                    issued_date=c.issued_date,
                    section_path=c.section_path,
                    section_label=c.label,
                    label=citation_label(doc, c.section_path) if doc is not None else c.label,
                    text=c.text,
                    score=round(hit.score, 6),
                    start=c.start,
                    end=c.end,
                    source=c.source,
                )
            )
        timings = {k: round(v, 2) for k, v in result.timings_ms.items()}
        return SearchOut(
            question=req.question,
            hits=hits,
            signals={"lexical": result.lexical, "dense": result.dense},
            timings_ms=timings,
        )

    # --- documents ----------------------------------------------------------------------------

    def documents(self) -> list[DocumentSummary]:
        gen = self.generation()
        rows = []
        for doc_id in gen.store.document_ids():
            doc = gen.store.document(doc_id)
            if doc is not None:
                rows.append(DocumentSummary(**doc_summary(doc, len(gen.store.chunks_of(doc_id)))))
        rows.sort(key=lambda r: r.issued_date or "", reverse=True)
        return rows

    def document(self, ref: str) -> DocumentDetail:
        gen, doc = self._document(ref)
        chunks = len(gen.store.chunks_of(doc.id))
        return DocumentDetail(**doc_summary(doc, chunks), tree=_tree(doc.sections, []))

    def section(self, ref: str, path_ref: str) -> SectionOut:
        _, doc = self._document(ref)
        path = [unicodedata.normalize("NFC", p) for p in parse_section_ref(path_ref)]
        chain = nodes_for(doc, path)
        if not chain:
            matches = ["/".join(p) for p, _ in doc.iter_sections() if path and p[-1] == path[-1]]
            hint = f" Did you mean: {', '.join(matches[:5])}?" if matches else ""
            raise NotFound(
                f"No section {'/'.join(path)} in {doc.cite_number or doc.id}.{hint} "
                f"GET /api/documents/{doc.id} shows the section tree."
            )
        node = chain[-1]
        return SectionOut(
            doc_id=doc.id,
            doc_number=doc.cite_number,
            section_path=path,
            section_label=section_label(chain),
            label=citation_label(doc, path),
            kind=node.kind.value,
            heading=node.heading,
            start=node.start,
            end=node.end,
            text=doc.text[node.start : node.end],
            record=node.record,
        )

    # --- health -------------------------------------------------------------------------------

    def health(self) -> HealthOut:
        s = self.app.settings
        status: Literal["ok", "empty", "error"] = "ok"
        message, index = "", IndexHealth(documents=0, chunks=0, generation=None)
        dense = False
        try:
            gen = self.app.generation()
            if gen is None:
                status, message = "empty", "Nothing is indexed yet: run `rag ingest` or upload a document."
            else:
                index = IndexHealth(
                    documents=gen.store.count_documents(),
                    chunks=gen.store.count_chunks(),
                    generation=gen.name,
                )
                dense = self.app.searcher().dense_active
        except Exception as exc:  # a damaged index must not take the health check down with it
            log.warning("health check: %s", exc)
            status, message = "error", str(exc)
        self.app.embedder  # noqa: B018 - loads the model once, which fills dense_note
        signals = Signals(
            lexical=status == "ok",
            dense=DenseHealth(enabled=dense, note=self.app.dense_note),
            reranker=False,
            llm=LLMHealth(enabled=bool(s.llm_base_url and s.llm_model), model=s.llm_model),
        )
        return HealthOut(
            status=status, message=message, index=index, signals=signals, version=package_version()
        )

    # --- feedback -----------------------------------------------------------------------------

    def add_feedback(self, fb: FeedbackIn, client: str) -> int:
        return self.feedback.add(fb.question, fb.answer, fb.verdict, fb.comment, user=client)

    def gold_candidates(self) -> list[dict[str, Any]]:
        return self.feedback.gold_candidates()
