"""What the UI does, without Gradio: answer questions, open citations and sections, list
documents, store feedback. ``ui/app.py`` only wires these to components, so this is unit-testable."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answer.models import Answer, Citation
from rag.documents.labels import citation_label, nodes_for
from rag.documents.models import Document
from rag.index.generations import Generation, IndexCorrupt
from rag.serve.feedback import VERDICTS, FeedbackStore
from ui import render
from ui.render_docs import DocRow
from ui.texts import t

if TYPE_CHECKING:
    from rag.app import App
    from rag.chain import AnswerChain

#: A conversation turn kept in the session state: {"question": str, "answer": Answer.to_public()}.
Turn = dict[str, Any]

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: str | None, end: bool = False) -> dt.date | None:
    """'20/5/2022', '2022-05-20' or '2022' (the first or, with ``end``, the last day of the year).
    Empty means no bound; anything else raises ValueError."""
    text = (value or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
    m = _DMY.match(text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return dt.date.fromisoformat(text)


def build_filters(
    doc: str | None, doc_type: str | None, issuer: str | None, date_from: str | None, date_to: str | None
) -> dict[str, str] | None:
    """The chain's "filters" dict from the filter inputs; None when nothing is set."""
    d0, d1 = parse_date(date_from), parse_date(date_to, end=True)
    raw = {
        "doc_id": doc or None,
        "doc_type": doc_type or None,
        "issuer": issuer or None,
        "date_from": d0.isoformat() if d0 else None,
        "date_to": d1.isoformat() if d1 else None,
    }
    kept = {k: v for k, v in raw.items() if v}
    return kept or None


class UIService:
    """The UI's view of one App: cached chain, feedback store and document list."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._chain: AnswerChain | None = None
        self._feedback: FeedbackStore | None = None
        self._rows: tuple[str, list[DocRow]] | None = None

    # --- services ------------------------------------------------------------------------------

    def chain(self) -> AnswerChain:
        with self._lock:
            if self._chain is None:
                self._chain = self.app.chain()
            return self._chain

    def feedback(self) -> FeedbackStore:
        with self._lock:
            if self._feedback is None:
                self._feedback = FeedbackStore(self.app.settings.index_dir / "feedback.sqlite")
            return self._feedback

    def generation(self) -> Generation | None:
        """The active index generation; None when nothing is indexed. Raises IndexCorrupt."""
        return self.app.generation()

    # --- status ---------------------------------------------------------------------------------

    def status(self, lang: str) -> tuple[list[str], set[str]]:
        """Notices for the banner in ``lang``, and the chain's own wording of the same notices
        (hidden from each answer so that they are not repeated under every message)."""
        shown: list[str] = []
        hidden: set[str] = set()
        try:
            gen = self.generation()
        except IndexCorrupt as exc:
            return [t("index_corrupt", lang, err=str(exc))], hidden
        if gen is None:
            shown.append(t("no_index", lang))
        if not self.app.searcher().dense_active:
            note = self.app.dense_note or t("dense_note_default", "vi")
            hidden.add(t("dense_off", "vi", note=note))
            shown.append(t("dense_off", lang, note=self.app.dense_note or t("dense_note_default", lang)))
        chain = self.chain()
        if chain.llm is None:
            hidden.add(chain.llm_note)
            shown.append(t("llm_off", lang))
        return shown, hidden

    # --- asking ---------------------------------------------------------------------------------

    def stream(self, question: str, filters: dict[str, str] | None, k: int | None = None) -> Iterator[Answer]:
        """Answer snapshots from the chain (the last one is final, with citations)."""
        yield from self.chain().stream({"question": question, "k": k, "filters": filters})

    # --- opening citations and sections -------------------------------------------------------

    def _doc(self, doc_id: str) -> Document | None:
        gen = self.generation()
        return gen.store.document(doc_id) if gen is not None else None

    def open_citation(self, turns: list[Turn], turn: int, n: int, lang: str, depth: int | None = None) -> str:
        """The section cited by citation ``n`` of ``turn`` with its quote marked; ``depth`` opens an
        ancestor (1 = top level) with the same quote marked inside it."""
        try:
            cit = Citation.model_validate(turns[turn]["answer"]["citations"][n - 1])
        except (IndexError, KeyError, TypeError, ValueError):
            return render.message_panel(t("section_missing", lang), t("section_view", lang))
        doc = self._doc(cit.doc_id)
        chain = nodes_for(doc, cit.section_path) if doc is not None else []
        if doc is None or not chain:
            return render.message_panel(t("section_missing", lang), t("section_view", lang))
        if depth is not None and 1 <= depth < len(chain):
            chain = chain[:depth]
        path = cit.section_path[: len(chain)]
        return render.section_view(
            doc, chain, citation_label(doc, path), lang, quote_span=(cit.start, cit.end),
            crumb=lambda d: render.href("cite", turn, n, d),
        )  # fmt: skip

    def open_nearest(self, turns: list[Turn], turn: int, i: int, lang: str) -> str:
        """A section retrieved for an abstained answer (nothing is marked: there is no quote)."""
        try:
            item = turns[turn]["answer"]["retrieved"][i - 1]
            doc_id, path = str(item["doc_id"]), [str(p) for p in item["section_path"]]
        except (IndexError, KeyError, TypeError):
            return render.message_panel(t("section_missing", lang), t("section_view", lang))
        return self.open_path(doc_id, path, lang)

    def open_path(self, doc_id: str, path: list[str], lang: str) -> str:
        doc = self._doc(doc_id)
        chain = nodes_for(doc, path) if doc is not None else []
        if doc is None or not chain:
            return render.message_panel(t("section_missing", lang), t("section_view", lang))
        return render.section_view(doc, chain, citation_label(doc, path), lang)

    def open_section(self, doc_id: str, index: int, lang: str) -> str:
        """Section ``index`` (in ``Document.iter_sections()`` order) of a browsed document."""
        doc = self._doc(doc_id)
        sections = doc.iter_sections() if doc is not None else []
        if doc is None or not 0 <= index < len(sections):
            return render.message_panel(t("section_missing", lang), t("section_view", lang))
        path = list(sections[index][0])
        index_of = {p: i for i, (p, _) in enumerate(sections)}
        return render.section_view(
            doc, nodes_for(doc, path), citation_label(doc, path), lang,
            crumb=lambda d: render.href("sec", index_of[tuple(path[:d])]), title=t("b_section", lang),
        )  # fmt: skip

    # --- documents --------------------------------------------------------------------------------

    def doc_rows(self) -> list[DocRow]:
        """Every indexed document, newest first (cached per index generation)."""
        try:
            gen = self.generation()
        except IndexCorrupt:
            return []
        if gen is None:
            return []
        with self._lock:
            if self._rows is not None and self._rows[0] == gen.name:
                return self._rows[1]
        rows = []
        for r in gen.store.document_rows():
            doc = gen.store.document(str(r["id"]))
            number = doc.cite_number if doc is not None else r["number"]
            title = doc.title if doc is not None else None
            rows.append(DocRow(str(r["id"]), number, r["doc_type"], r["issuer"], r["issued_date"], title))
        with self._lock:
            self._rows = (gen.name, rows)
        return rows

    def browse(self, doc_type: str | None, issuer: str | None, year: str | None) -> list[DocRow]:
        return [
            r
            for r in self.doc_rows()
            if (not doc_type or r.doc_type == doc_type)
            and (not issuer or r.issuer == issuer)
            and (not year or r.year == year)
        ]

    def facets(self) -> dict[str, list[str]]:
        """Distinct types, issuers and years, for the filter dropdowns."""
        rows = self.doc_rows()
        return {
            "type": sorted({r.doc_type for r in rows if r.doc_type}),
            "issuer": sorted({r.issuer for r in rows if r.issuer}),
            "year": sorted({r.year for r in rows if r.year}, reverse=True),
        }

    # --- feedback ---------------------------------------------------------------------------------

    def add_feedback(self, turn: Turn, verdict: str, comment: str = "", user: str = "") -> int:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        return self.feedback().add(
            str(turn["question"]), dict(turn["answer"]), verdict, comment.strip(), user
        )

    def admin_ok(self, key: str | None) -> bool:
        """Whether ``key`` opens the maintainers' tab. As for the HTTP admin routes: a server without
        any keys is open (it listens on the loopback by default); with user keys but no admin keys
        it is closed; otherwise ``key`` must be one of RAG_ADMIN_KEYS."""
        s = self.app.settings
        keys = [k.strip() for k in s.admin_keys.split(",") if k.strip()]
        if not keys:
            return not s.api_keys.strip()
        given = (key or "").strip().encode()
        # Compare with every key (no early exit), each in constant time.
        matches = [hmac.compare_digest(given, k.encode()) for k in keys]
        return any(matches)

    def export_gold(self, folder: Path) -> tuple[Path, int]:
        """FeedbackStore.gold_candidates() as JSONL in ``folder``; returns the file and line count."""
        lines = self.feedback().gold_candidates()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        path = folder / f"gold-candidates-{stamp}.jsonl"
        path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
        return path, len(lines)
