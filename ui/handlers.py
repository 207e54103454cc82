"""Event handlers of the Gradio UI. Each returns plain values (or gr.skip()) in the order of the
outputs wired in ``ui/app.py``; the work itself is done by :class:`ui.service.UIService`."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.index.generations import IndexCorrupt
from ui import render
from ui.render_docs import doc_list, doc_tree
from ui.service import Turn, UIService, build_filters
from ui.texts import t

log = logging.getLogger(__name__)

#: What the section view shows: [] | ["cite", turn, n] | ["cite", turn, n, depth] | ["near", turn, i]
View = list[Any]

#: Outputs of ask(): chat, turns, current, view, citations, section, answer_json, question, fb_for
AskOutputs = tuple[Any, ...]


def _ints(args: list[Any]) -> list[int]:
    return [int(a) for a in args]


def _event(evt: gr.EventData | None) -> tuple[str, list[Any]]:
    data = getattr(evt, "_data", None)
    if not isinstance(data, dict):
        return "", []
    args = data.get("args")
    return str(data.get("action", "")), list(args) if isinstance(args, list) else []


class Handlers:
    """The UI's event functions over one UIService."""

    def __init__(self, service: UIService) -> None:
        self.service = service

    # --- rendering from state ---------------------------------------------------------------------

    def view_html(self, view: View, turns: list[Turn], lang: str) -> str:
        """The section view for ``view`` (see View)."""
        try:
            if view and view[0] == "cite":
                turn, n, *rest = _ints(view[1:])
                return self.service.open_citation(turns, turn, n, lang, depth=rest[0] if rest else None)
            if view and view[0] == "near":
                turn, i = _ints(view[1:3])
                return self.service.open_nearest(turns, turn, i, lang)
        except (ValueError, IndexError, IndexCorrupt):
            return render.message_panel(t("section_missing", lang), t("section_view", lang))
        return render.message_panel(t("section_empty", lang), t("section_view", lang))

    def citations_html(self, turns: list[Turn], current: int, view: View, lang: str) -> str:
        answer = turns[current].get("answer") if 0 <= current < len(turns) else None
        active = int(view[2]) if len(view) > 2 and view[0] == "cite" and int(view[1]) == current else None
        return render.citations_panel(answer, current, lang, active=active)

    def feedback_target(self, turns: list[Turn], current: int, lang: str) -> str:
        if not 0 <= current < len(turns) or turns[current].get("answer") is None:
            return f'<p class="rag-empty">{render.esc(t("fb_none", lang))}</p>'
        question = " ".join(str(turns[current]["question"]).split())
        return f"<p>{render.esc(t('fb_for', lang, q=question[:160]))}</p>"

    def hidden_notices(self) -> set[str]:
        try:
            return self.service.status("vi")[1]
        except IndexCorrupt:
            return set()

    # --- asking -----------------------------------------------------------------------------------

    def ask(
        self, question: str, turns: list[Turn], lang: str,
        doc: str | None, doc_type: str | None, issuer: str | None, date_from: str | None, date_to: str | None,
    ) -> Iterator[AskOutputs]:  # fmt: skip
        """Streams the answer into the chat, then shows its citations and opens citation [1]."""
        skip = tuple(gr.skip() for _ in range(9))
        q = (question or "").strip()
        if not q:
            gr.Warning(t("empty_question", lang))
            yield skip
            return
        try:
            filters = build_filters(doc, doc_type, issuer, date_from, date_to)
        except ValueError:
            bad = next(v for v in (date_from, date_to) if v and v.strip())
            gr.Warning(t("bad_date", lang, value=bad))
            yield skip
            return
        hidden = self.hidden_notices()
        turns = [*turns, {"question": q, "answer": None, "filters": filters}]
        idx = len(turns) - 1
        waiting = render.message_panel(t("searching", lang), t("citations", lang))
        yield (render.chat_messages(turns, lang, hidden), turns, idx, [], waiting, gr.skip(), gr.skip(), "",
               gr.skip())  # fmt: skip
        final = None
        try:
            if self.service.generation() is None:
                raise LookupError(t("no_index", lang))
            for snapshot in self.service.stream(q, filters):
                final = snapshot
                yield (render.chat_messages(turns, lang, hidden, partial=snapshot.answer), *skip[1:])
        except (IndexCorrupt, LookupError) as exc:
            turns[idx] = {**turns[idx], "error": str(exc)}
        except Exception as exc:  # the chat must not hang on "searching" whatever fails below
            log.exception("answering %r failed", q)
            turns[idx] = {**turns[idx], "error": f"{type(exc).__name__}: {exc}"}
        public = final.to_public() if final is not None and not turns[idx].get("error") else None
        turns[idx] = {**turns[idx], "answer": public}
        view: View = ["cite", idx, 1] if public and public["citations"] else []
        yield (
            render.chat_messages(turns, lang, hidden), turns, idx, view,
            self.citations_html(turns, idx, view, lang), self.view_html(view, turns, lang),
            public, gr.skip(), self.feedback_target(turns, idx, lang),
        )  # fmt: skip

    def clear(self, lang: str) -> tuple[Any, ...]:
        """Empties the conversation: chat, turns, current, view, citations, section, json, fb_for."""
        return ([], [], -1, [], render.citations_panel(None, -1, lang), self.view_html([], [], lang), None,
                self.feedback_target([], -1, lang))  # fmt: skip

    def open(self, turns: list[Turn], current: int, lang: str, evt: gr.EventData) -> tuple[Any, ...]:
        """A click on [n], a nearest section or a breadcrumb: section, citations, current, view, fb_for."""
        action, args = _event(evt)
        if action not in ("cite", "near") or len(args) < 2:
            return tuple(gr.skip() for _ in range(5))
        view: View = [action, *args[:3]]
        turn = int(args[0])
        return (self.view_html(view, turns, lang), self.citations_html(turns, turn, view, lang), turn, view,
                self.feedback_target(turns, turn, lang))  # fmt: skip

    # --- document browser -------------------------------------------------------------------------

    def browse_list(self, doc_type: str | None, issuer: str | None, year: str | None, lang: str) -> str:
        return doc_list(self.service.browse(doc_type, issuer, year), lang)

    def browse_open(self, bdoc: str, lang: str, evt: gr.EventData) -> tuple[Any, ...]:
        """A click on a document or a section: bdoc, bsec, tree, section."""
        action, args = _event(evt)
        if action == "doc" and args:
            bdoc, index = str(args[0]), 0
        elif action == "sec" and args and bdoc:
            index = int(args[0])
        else:
            return tuple(gr.skip() for _ in range(4))
        return bdoc, index, *self.browse_render(bdoc, index, lang)

    def browse_render(self, bdoc: str, index: int, lang: str) -> tuple[str, str]:
        """The tree and the section view of the browsed document."""
        try:
            gen = self.service.generation()
        except IndexCorrupt as exc:
            return render.message_panel(str(exc)), ""
        doc = gen.store.document(bdoc) if gen is not None and bdoc else None
        if doc is None:
            return render.message_panel(t("b_pick_doc", lang), t("b_tree", lang)), ""
        return doc_tree(doc, lang, active=index), self.service.open_section(bdoc, index, lang)

    # --- feedback ---------------------------------------------------------------------------------

    def send_feedback(
        self,
        verdict: str | None,
        comment: str,
        turns: list[Turn],
        current: int,
        lang: str,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Stores feedback on the current answer: status, verdict, comment."""
        if not 0 <= current < len(turns) or turns[current].get("answer") is None:
            return t("fb_none", lang), gr.skip(), gr.skip()
        if not verdict:
            return t("fb_pick", lang), gr.skip(), gr.skip()
        user = str(getattr(request, "username", None) or "")
        fid = self.service.add_feedback(turns[current], verdict, comment or "", user)
        return t("fb_saved", lang, id=fid), None, ""

    def admin_list(self, key: str, lang: str) -> tuple[Any, ...]:
        """Recent feedback for maintainers: status, table rows."""
        if not self.service.admin_ok(key):
            return t("a_denied", lang), gr.skip()
        store = self.service.feedback()
        rows = [[r["id"], r["at"][:19], r["question"], r["verdict"], r["comment"]] for r in store.recent(200)]
        return t("a_count", lang, n=store.count()), rows

    def admin_export(self, key: str, lang: str) -> tuple[Any, ...]:
        """Gold-set candidates as a downloadable JSONL file: status, file."""
        if not self.service.admin_ok(key):
            return t("a_denied", lang), None
        path, n = self.service.export_gold(Path(tempfile.mkdtemp(prefix="rag-gold-")))
        return t("a_exported", lang, n=n), str(path)
