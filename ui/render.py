"""HTML for answers, citations and cited sections.

Every piece of document or answer text goes through :func:`esc` before it is placed in markup, so
a document containing ``<script>``, an ``onerror=`` attribute or a markdown ``javascript:`` link is
shown as text. Offsets are sliced from ``Document.text`` first and escaped afterwards, never the
other way round. Links use the form ``#rag/<action>/<arg>/...``; ``ui/js.py`` turns a click on
one into a Gradio event.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from rag.answer.models import Citation
from rag.documents.labels import format_date
from rag.documents.models import Document, Section
from ui.texts import t

_MARKER = re.compile(r"\[(\d{1,3})\]")

#: How many retrieved sections an abstained answer lists.
NEAREST = 5

#: Inline styles for chat messages (the chat sanitizes markup but keeps ``style`` and ``class``).
_ANSWER_STYLE = "white-space:pre-wrap;line-height:1.55"
_ABSTAINED_STYLE = (
    "white-space:pre-wrap;line-height:1.55;border-left:4px solid #d97706;padding:6px 10px;"
    "background:rgba(217,119,6,0.10);border-radius:4px"
)
_MUTED_STYLE = "font-size:0.85em;opacity:0.8;margin-top:6px"

#: Styles of the HTML panels (scoped by Gradio to each panel's element id).
PANEL_CSS = """
.rag-panel { font-size: 0.95em; line-height: 1.5; }
.rag-panel h4 { margin: 0.2em 0 0.5em; }
.rag-empty { opacity: 0.7; font-style: italic; }
.rag-cits { list-style: none; padding: 0; margin: 0; }
.rag-cits li { margin: 0 0 0.6em; padding: 0.4em 0.6em; border: 1px solid var(--border-color-primary);
  border-radius: 6px; }
.rag-cits li.rag-active { border-color: #2563eb; box-shadow: 0 0 0 1px #2563eb; }
.rag-cits blockquote { margin: 0.3em 0 0; padding-left: 0.6em; border-left: 3px solid #94a3b8;
  white-space: pre-wrap; opacity: 0.9; }
a.rag-link { text-decoration: none; font-weight: bold; cursor: pointer; }
.rag-nearest { border-left: 4px solid #d97706; background: rgba(217,119,6,0.08); padding: 0.5em 0.8em;
  border-radius: 4px; }
.rag-meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 0.8em; margin: 0 0 0.6em; }
.rag-meta dt { font-weight: 600; opacity: 0.8; }
.rag-meta dd { margin: 0; }
.rag-crumbs { font-size: 0.9em; margin: 0.4em 0; opacity: 0.9; }
.rag-label { font-weight: bold; margin: 0.3em 0; }
.rag-text { white-space: pre-wrap; padding: 0.6em 0.8em; border: 1px solid var(--border-color-primary);
  border-radius: 6px; max-height: 520px; overflow-y: auto; }
.rag-text mark { background: #fde047; color: #111; padding: 0 1px; }
.rag-note { font-size: 0.85em; opacity: 0.8; }
.rag-notices { border-left: 4px solid #2563eb; background: rgba(37,99,235,0.08); padding: 0.4em 0.8em;
  border-radius: 4px; margin: 0; list-style: none; }
.rag-tree ul { list-style: none; padding-left: 1.1em; margin: 0; }
.rag-tree > ul { padding-left: 0; }
.rag-tree a.rag-active { background: #fde047; color: #111; }
.rag-docs { width: 100%; border-collapse: collapse; }
.rag-docs td, .rag-docs th { border-bottom: 1px solid var(--border-color-primary); padding: 0.3em 0.4em;
  text-align: left; vertical-align: top; }
"""


def esc(text: str | None) -> str:
    """HTML-escape text (quotes included) for element content and attribute values."""
    return html.escape(text or "", quote=True)


def href(action: str, *args: object) -> str:
    """A '#rag/...' link target; every argument is percent-encoded."""
    return "#rag/" + "/".join([action, *(quote(str(a), safe="") for a in args)])


def link(label: str, action: str, *args: object, title: str = "", active: bool = False) -> str:
    """An anchor that ``ui/js.py`` turns into a click event (label is escaped here)."""
    cls = "rag-link rag-active" if active else "rag-link"
    tip = f' title="{esc(title)}"' if title else ""
    return f'<a class="{cls}" href="{esc(href(action, *args))}"{tip}>{esc(label)}</a>'


def _citations(answer: dict[str, Any]) -> list[Citation]:
    return [Citation.model_validate(c) for c in answer.get("citations", [])]


# --- chat messages ---------------------------------------------------------------------------------


def streaming_message(text: str, lang: str) -> str:
    """A partial answer while the chain is still streaming."""
    body = esc(text) if text.strip() else esc(t("searching", lang))
    return f'<div class="rag-answer rag-streaming" style="{_ANSWER_STYLE}">{body} …</div>'


def answer_message(
    answer: dict[str, Any], turn: int, lang: str, hidden_notices: set[str] | None = None
) -> str:
    """The final answer for the chat: [n] markers become links that open citation n."""
    cits = _citations(answer)
    titles = {i: c.label for i, c in enumerate(cits, 1)}

    def marker(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return link(f"[{n}]", "cite", turn, n, title=titles[n]) if n in titles else m.group(0)

    body = _MARKER.sub(marker, esc(str(answer.get("answer", ""))))
    notes = [n for n in answer.get("notices", []) if n not in (hidden_notices or set())]
    foot = "".join(f'<div style="{_MUTED_STYLE}">⚠ {esc(n)}</div>' for n in notes)
    if answer.get("abstained"):
        head = f"<strong>⚠ {esc(t('abstained', lang))}</strong>\n"
        return f'<div class="rag-answer rag-abstained" style="{_ABSTAINED_STYLE}">{head}{body}{foot}</div>'
    refs = "".join(
        f'<div style="{_MUTED_STYLE}">{link(f"[{i}]", "cite", turn, i, title=c.label)} {esc(c.label)}</div>'
        for i, c in enumerate(cits, 1)
    )
    return f'<div class="rag-answer rag-ok" style="{_ANSWER_STYLE}">{body}{refs}{foot}</div>'


# --- citations panel -------------------------------------------------------------------------------


def _short(text: str, limit: int = 260) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def citations_panel(answer: dict[str, Any] | None, turn: int, lang: str, active: int | None = None) -> str:
    """Numbered, clickable citations; for an abstained answer, the nearest sections instead."""
    title = f"<h4>{esc(t('citations', lang))}</h4>"
    if answer is None:
        return (
            f'<div class="rag-panel">{title}<p class="rag-empty">{esc(t("citations_empty", lang))}</p></div>'
        )
    if answer.get("abstained"):
        items = "".join(
            f"<li>{link(f'[{i}]', 'near', turn, i)} {esc(r.get('doc_number') or '')} · {esc(r.get('label', ''))}"
            f"<blockquote>{esc(_short(str(r.get('snippet', ''))))}</blockquote></li>"
            for i, r in enumerate(answer.get("retrieved", [])[:NEAREST], 1)
        )
        return (
            f'<div class="rag-panel rag-nearest" data-status="abstained">{title}'
            f'<p><strong>{esc(t("nearest", lang))}</strong></p><ol class="rag-cits">{items}</ol></div>'
        )
    items = "".join(
        f'<li class="{"rag-active" if i == active else ""}" data-n="{i}">{link(f"[{i}]", "cite", turn, i)} '
        f"{esc(c.label)}<blockquote>{esc(_short(c.quote))}</blockquote></li>"
        for i, c in enumerate(_citations(answer), 1)
    )
    return f'<div class="rag-panel" data-status="answer">{title}<ol class="rag-cits">{items}</ol></div>'


# --- documents and sections ------------------------------------------------------------------------


def node_title(doc: Document, node: Section, limit: int = 90) -> str:
    """A one-line name of a section: its heading, else its first line."""
    if node.heading:
        return _short(node.heading, limit)
    first = doc.text[node.start : max(node.body_end, node.start)].strip().split("\n")[0]
    return _short(first, limit)


def signer_text(doc: Document) -> str:
    if doc.signer is None:
        return ""
    s = doc.signer
    role = " – ".join(p for p in (s.authority, s.position) if p)
    return f"{s.name} ({role})" if role else s.name


def doc_meta(doc: Document, lang: str) -> str:
    """The document's metadata as a definition list (empty fields left out)."""
    rows = [
        ("m_number", doc.cite_number or t("b_no_number", lang)),
        ("m_type", doc.doc_type),
        ("m_issuer", doc.issuer),
        ("m_date", format_date(doc.issued_date)),
        ("m_signer", signer_text(doc)),
        ("m_title", doc.title),
        ("m_issued_with", doc.issued_with.text if doc.issued_with else None),
        ("m_source", doc.source),
    ]
    body = "".join(f"<dt>{esc(t(k, lang))}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
    return f'<dl class="rag-meta">{body}</dl>'


def marked_text(text: str, start: int, end: int, quote_span: tuple[int, int] | None) -> tuple[str, bool]:
    """``text[start:end]`` escaped, with the part inside ``quote_span`` (absolute offsets into
    ``text``) wrapped in <mark>. Returns the HTML and whether anything was marked."""
    if quote_span is not None:
        q0, q1 = max(quote_span[0], start), min(quote_span[1], end)
        if q0 < q1:
            parts = (esc(text[start:q0]), esc(text[q0:q1]), esc(text[q1:end]))
            return f"{parts[0]}<mark>{parts[1]}</mark>{parts[2]}", True
    return esc(text[start:end]), False


def section_view(
    doc: Document,
    chain: list[Section],
    label: str,
    lang: str,
    quote_span: tuple[int, int] | None = None,
    crumb: Callable[[int], str] | None = None,
    title: str | None = None,
) -> str:
    """Metadata, the heading chain and the text of the last node of ``chain``, quote highlighted.
    ``crumb(depth)`` gives the link of the ancestor at that depth (1 = top), when clickable."""
    node = chain[-1]
    crumbs = []
    for depth, n in enumerate(chain[:-1], 1):
        name = node_title(doc, n, 60)
        name = name if name.startswith(n.label) else f"{n.label}. {name}"
        crumbs.append(
            f'<a class="rag-link" href="{esc(crumb(depth))}">{esc(name)}</a>' if crumb else esc(name)
        )
    crumbs_html = f'<div class="rag-crumbs">{" › ".join(crumbs)}</div>' if crumbs else ""
    body, marked = marked_text(doc.text, node.start, node.end, quote_span)
    note = "" if marked or quote_span is None else f'<p class="rag-note">{esc(t("quote_outside", lang))}</p>'
    return (
        f'<div class="rag-panel rag-section" data-doc="{esc(doc.id)}">'
        f"<h4>{esc(title or t('section_view', lang))}</h4>{doc_meta(doc, lang)}{crumbs_html}"
        f'<div class="rag-label">{esc(label)}</div>{note}<div class="rag-text">{body}</div></div>'
    )


def message_panel(text: str, title: str = "") -> str:
    """A panel holding a single (escaped) message, e.g. an empty state."""
    head = f"<h4>{esc(title)}</h4>" if title else ""
    return f'<div class="rag-panel">{head}<p class="rag-empty">{esc(text)}</p></div>'


def notices_banner(notes: list[str]) -> str:
    """Service status (dense retrieval off, no LLM, no index) shown above the chat."""
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return f'<ul class="rag-notices rag-panel">{items}</ul>'


def chat_messages(
    turns: list[dict[str, Any]], lang: str, hidden: set[str] | None = None, partial: str | None = None
) -> list[dict[str, str]]:
    """Chatbot messages for the conversation; the last turn shows ``partial`` while streaming.
    The chat renders HTML (markdown off), so questions are escaped like everything else."""
    out: list[dict[str, str]] = []
    for i, turn in enumerate(turns):
        out.append({"role": "user", "content": esc(turn["question"])})
        if turn.get("answer") is not None:
            content = answer_message(turn["answer"], i, lang, hidden)
        elif turn.get("error"):
            content = (
                f'<div class="rag-answer rag-error" style="{_ABSTAINED_STYLE}">⚠ {esc(turn["error"])}</div>'
            )
        else:
            content = streaming_message(partial or "", lang)
        if turn.get("filters"):
            desc = ", ".join(f"{k}={v}" for k, v in turn["filters"].items())
            content += f'<div style="{_MUTED_STYLE}">{esc(t("filters_active", lang, desc=desc))}</div>'
        out.append({"role": "assistant", "content": content})
    return out
