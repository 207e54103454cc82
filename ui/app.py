"""The Gradio chat UI: ask with streaming answers and clickable citations, browse documents by
section, give feedback, export feedback as gold-set candidates. ``build_ui`` only builds the Blocks;
the server (rag/serve/server.py) mounts it, tests launch it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import gradio as gr

from rag.index.generations import IndexCorrupt
from ui import render
from ui.handlers import Handlers
from ui.js import CITATIONS_JS, PANEL_JS, SECTION_JS
from ui.service import UIService
from ui.texts import EXAMPLES, LANG_CHOICES, t, verdict_choices

if TYPE_CHECKING:
    from rag.app import App


def _header(lang: str) -> str:
    return f"## {t('title', lang)}\n{t('subtitle', lang)}"


def _html(value: str, elem_id: str, js: str | None = None) -> gr.HTML:
    """An HTML panel with the shared styles; ``js`` handles its #rag/ links."""
    return gr.HTML(value, elem_id=elem_id, js_on_load=js, css_template=render.PANEL_CSS)


def _options(service: UIService, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Dropdown choices from the current index: documents, types, issuers, years; "" means all."""
    everything = (t("f_all", lang), "")
    facets = service.facets()
    docs = [(r.choice_label(lang), r.id) for r in service.doc_rows()]
    return {
        "doc": [everything, *docs],
        **{k: [everything, *((v, v) for v in vs)] for k, vs in facets.items()},
    }


def _dropdown(choices: list[tuple[str, str]], label: str, elem_id: str) -> gr.Dropdown:
    """A filter dropdown. Custom values are accepted so that API callers may pass a document
    number, a type or an issuer that is not (yet) among the choices."""
    return gr.Dropdown(choices, value="", label=label, elem_id=elem_id, allow_custom_value=True)


def build_ui(app: App) -> gr.Blocks:
    """The UI over ``app``. Build only: the caller launches or mounts it."""
    service = UIService(app)
    h = Handlers(service)
    vi = "vi"
    opts = _options(service, vi)
    with gr.Blocks(title=t("title", vi), analytics_enabled=False) as blocks:
        turns = gr.State([])  # list[Turn]
        current = gr.State(-1)  # the turn whose citations and feedback are shown
        view = gr.State([])  # what the section view shows (handlers.View)
        bdoc = gr.State("")  # browsed document id
        bsec = gr.State(0)  # browsed section index
        with gr.Row():
            header = gr.Markdown(_header(vi), elem_id="header")
            lang = gr.Radio(
                LANG_CHOICES, value=vi, label=t("lang", vi), elem_id="lang", scale=0, min_width=220
            )
        notices = _html("", "notices")
        with gr.Tabs():
            with gr.Tab(t("tab_chat", vi), id="chat", elem_id="tab-chat") as tab_chat:
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            elem_id="answer", label=t("chat", vi), height=520, render_markdown=False,
                            sanitize_html=True, allow_tags=False, latex_delimiters=[], feedback_options=None,
                            buttons=["copy"], layout="panel",
                        )  # fmt: skip
                        question = gr.Textbox(
                            label=t("question", vi), placeholder=t("question_ph", vi), elem_id="question",
                            lines=1, max_lines=4, autofocus=True,
                        )  # fmt: skip
                        with gr.Row():
                            ask = gr.Button(t("ask", vi), variant="primary", elem_id="ask")
                            clear = gr.Button(t("clear", vi), elem_id="clear")
                        examples = gr.Examples(
                            [[q] for q in EXAMPLES],
                            inputs=[question],
                            label=t("examples", vi),
                            elem_id="examples",
                        )
                        with gr.Accordion(t("filters", vi), open=False, elem_id="filters") as filters:
                            f_doc = _dropdown(opts["doc"], t("f_doc", vi), "f-doc")
                            with gr.Row():
                                f_type = _dropdown(opts["type"], t("f_type", vi), "f-type")
                                f_issuer = _dropdown(opts["issuer"], t("f_issuer", vi), "f-issuer")
                            with gr.Row():
                                f_from = gr.Textbox(
                                    label=t("f_from", vi), placeholder=t("f_date_ph", vi), elem_id="f-from"
                                )
                                f_to = gr.Textbox(
                                    label=t("f_to", vi), placeholder=t("f_date_ph", vi), elem_id="f-to"
                                )
                    with gr.Column(scale=2):
                        citations = _html(render.citations_panel(None, -1, vi), "citations", CITATIONS_JS)
                        section = _html(h.view_html([], [], vi), "section-view", SECTION_JS)
                        with gr.Accordion(t("feedback", vi), open=True, elem_id="feedback") as fb_box:
                            fb_for = _html(h.feedback_target([], -1, vi), "feedback-for")
                            verdict = gr.Radio(
                                verdict_choices(vi), label=t("fb_verdict", vi), elem_id="feedback-verdict"
                            )
                            comment = gr.Textbox(
                                label=t("fb_comment", vi), lines=2, elem_id="feedback-comment"
                            )
                            send = gr.Button(t("fb_send", vi), elem_id="feedback-send")
                            fb_status = gr.Markdown("", elem_id="feedback-status")
                with gr.Accordion("JSON", open=False, elem_id="answer-json-box"):
                    answer_json = gr.JSON(elem_id="answer-json")
            with gr.Tab(t("tab_docs", vi), id="docs", elem_id="tab-docs") as tab_docs:
                with gr.Row():
                    b_type = _dropdown(opts["type"], t("b_type", vi), "b-type")
                    b_issuer = _dropdown(opts["issuer"], t("b_issuer", vi), "b-issuer")
                    b_year = _dropdown(opts["year"], t("b_year", vi), "b-year")
                doc_list = _html(h.browse_list(None, None, None, vi), "doc-list", PANEL_JS)
                with gr.Row():
                    with gr.Column(scale=2):
                        doc_tree = _html(
                            render.message_panel(t("b_pick_doc", vi), t("b_tree", vi)), "doc-tree", PANEL_JS
                        )
                    with gr.Column(scale=3):
                        doc_section = _html("", "doc-section", SECTION_JS)
            with gr.Tab(t("tab_admin", vi), id="admin", elem_id="tab-admin") as tab_admin:
                admin_key = gr.Textbox(label=t("a_key", vi), type="password", elem_id="admin-key")
                with gr.Row():
                    a_list = gr.Button(t("a_refresh", vi), elem_id="admin-list")
                    a_export = gr.Button(t("a_export", vi), elem_id="admin-export")
                a_status = gr.Markdown("", elem_id="admin-status")
                a_table = gr.Dataframe(
                    headers=t("a_cols", vi).split("|"), interactive=False, wrap=True, elem_id="feedback-table"
                )
                a_file = gr.File(label=t("a_file", vi), elem_id="gold-file", interactive=False)

        # --- events ---------------------------------------------------------------------------
        fdocs = [f_doc, f_type, f_issuer, f_from, f_to]
        ask_out = [chat, turns, current, view, citations, section, answer_json, question, fb_for]
        ask_in = [question, turns, lang, *fdocs]
        ask.click(h.ask, ask_in, ask_out, api_name="ask", show_progress="minimal", concurrency_limit=4)
        question.submit(
            h.ask, ask_in, ask_out, api_visibility="private", show_progress="minimal", concurrency_limit=4
        )
        clear.click(h.clear, [lang], [chat, turns, current, view, citations, section, answer_json, fb_for],
                    api_visibility="private")  # fmt: skip
        open_out = [section, citations, current, view, fb_for]
        # A click while the previous one is still being served must not be dropped (Gradio's default
        # "once"): the last link clicked is the one shown.
        citations.click(
            h.open, [turns, current, lang], open_out, api_visibility="private", trigger_mode="always_last"
        )
        section.click(
            h.open, [turns, current, lang], open_out, api_visibility="private", trigger_mode="always_last"
        )
        send.click(h.send_feedback, [verdict, comment, turns, current, lang], [fb_status, verdict, comment],
                   api_name="feedback")  # fmt: skip
        browse_in = [b_type, b_issuer, b_year, lang]
        for dd in (b_type, b_issuer, b_year):
            dd.change(h.browse_list, browse_in, [doc_list], api_visibility="private")
        for panel in (doc_list, doc_tree, doc_section):
            panel.click(
                h.browse_open,
                [bdoc, lang],
                [bdoc, bsec, doc_tree, doc_section],
                api_visibility="private",
                trigger_mode="always_last",
            )
        a_list.click(h.admin_list, [admin_key, lang], [a_status, a_table], api_visibility="private")
        a_export.click(h.admin_export, [admin_key, lang], [a_status, a_file], api_visibility="private")

        def on_load(lang_value: str) -> dict[Any, Any]:
            """Live status and filter choices from the current index (it may change after ingest)."""
            try:
                shown, _ = service.status(lang_value)
            except IndexCorrupt as exc:
                shown = [t("index_corrupt", lang_value, err=str(exc))]
            lv = lang_value
            o = _options(service, lv)
            return {
                notices: render.notices_banner(shown),
                f_doc: gr.Dropdown(choices=o["doc"], label=t("f_doc", lv)),
                f_type: gr.Dropdown(choices=o["type"], label=t("f_type", lv)),
                f_issuer: gr.Dropdown(choices=o["issuer"], label=t("f_issuer", lv)),
                b_type: gr.Dropdown(choices=o["type"], label=t("b_type", lv)),
                b_issuer: gr.Dropdown(choices=o["issuer"], label=t("b_issuer", lv)),
                b_year: gr.Dropdown(choices=o["year"], label=t("b_year", lv)),
                doc_list: h.browse_list(None, None, None, lv),
            }

        load_out = {notices, f_doc, f_type, f_issuer, b_type, b_issuer, b_year, doc_list}
        blocks.load(on_load, [lang], list(load_out), api_visibility="private")

        def relabel(lang_value: str, turns_v: list[Any], cur: int, view_v: list[Any], bd: str, bs: int,
                    bt: str, bi: str, by: str) -> dict[Any, Any]:  # fmt: skip
            """Every label and panel in the chosen interface language."""
            lv = lang_value
            hidden = h.hidden_notices()
            tree, sec = (
                h.browse_render(bd, bs, lv)
                if bd
                else (render.message_panel(t("b_pick_doc", lv), t("b_tree", lv)), "")
            )
            return {
                **on_load(lv),  # status and filter choices in the new language
                header: _header(lv),
                tab_chat: gr.Tab(label=t("tab_chat", lv)),
                tab_docs: gr.Tab(label=t("tab_docs", lv)),
                tab_admin: gr.Tab(label=t("tab_admin", lv)),
                lang: gr.Radio(label=t("lang", lv)),
                chat: gr.Chatbot(cast(Any, render.chat_messages(turns_v, lv, hidden)), label=t("chat", lv)),
                question: gr.Textbox(label=t("question", lv), placeholder=t("question_ph", lv)),
                ask: gr.Button(t("ask", lv)),
                clear: gr.Button(t("clear", lv)),
                examples.dataset: gr.Dataset(label=t("examples", lv)),
                filters: gr.Accordion(label=t("filters", lv)),
                f_from: gr.Textbox(label=t("f_from", lv), placeholder=t("f_date_ph", lv)),
                f_to: gr.Textbox(label=t("f_to", lv), placeholder=t("f_date_ph", lv)),
                citations: h.citations_html(turns_v, cur, view_v, lv),
                section: h.view_html(view_v, turns_v, lv),
                fb_box: gr.Accordion(label=t("feedback", lv)),
                fb_for: h.feedback_target(turns_v, cur, lv),
                verdict: gr.Radio(choices=verdict_choices(lv), label=t("fb_verdict", lv)),
                comment: gr.Textbox(label=t("fb_comment", lv)),
                send: gr.Button(t("fb_send", lv)),
                doc_list: h.browse_list(bt, bi, by, lv),
                doc_tree: tree,
                doc_section: sec,
                admin_key: gr.Textbox(label=t("a_key", lv)),
                a_list: gr.Button(t("a_refresh", lv)),
                a_export: gr.Button(t("a_export", lv)),
                a_file: gr.File(label=t("a_file", lv)),
            }

        relabel_out = {
            *load_out, header, tab_chat, tab_docs, tab_admin, lang, chat, question, ask, clear, examples.dataset,
            filters, f_from, f_to, citations, section, fb_box, fb_for, verdict, comment, send, doc_tree, doc_section,
            admin_key, a_list, a_export, a_file,
        }  # fmt: skip
        lang.change(relabel, [lang, turns, current, view, bdoc, bsec, b_type, b_issuer, b_year], list(relabel_out),
                    api_visibility="private")  # fmt: skip
    return cast(gr.Blocks, blocks)
