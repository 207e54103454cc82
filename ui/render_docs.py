"""HTML of the document browser: the filtered document list and a document's section tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rag.documents.labels import format_date
from rag.documents.models import Document, Section
from ui.render import esc, link, message_panel, node_title
from ui.texts import t


@dataclass(frozen=True)
class DocRow:
    """One line of the document list (light metadata, no text)."""

    id: str
    number: str | None
    doc_type: str | None
    issuer: str | None
    issued_date: str | None  # ISO date
    title: str | None

    @property
    def year(self) -> str:
        return (self.issued_date or "")[:4]

    def choice_label(self, lang: str) -> str:
        """'2395/UBND-KTTH · Công văn · 20/5/2022' for dropdowns."""
        date = self.display_date()
        parts = [self.number or t("b_no_number", lang), self.doc_type or "", date]
        return " · ".join(p for p in parts if p)

    def display_date(self) -> str:
        if not self.issued_date:
            return ""
        try:
            return format_date(dt.date.fromisoformat(self.issued_date))
        except ValueError:
            return self.issued_date


def doc_list(rows: list[DocRow], lang: str, active: str | None = None) -> str:
    """The documents matching the browser's filters; the number opens the document."""
    title = f"<h4>{esc(t('b_list', lang))} ({esc(t('b_count', lang, n=len(rows)))})</h4>"
    if not rows:
        return message_panel(t("b_none", lang), t("b_list", lang))
    head = "".join(
        f"<th>{esc(t(k, lang))}</th>" for k in ("m_number", "m_type", "m_issuer", "m_date", "m_title")
    )
    body = "".join(
        f'<tr data-doc="{esc(r.id)}">'
        f"<td>{link(r.number or t('b_no_number', lang), 'doc', r.id, active=r.id == active)}</td>"
        f"<td>{esc(r.doc_type)}</td><td>{esc(r.issuer)}</td><td>{esc(r.display_date())}</td>"
        f"<td>{esc(r.title)}</td></tr>"
        for r in rows
    )
    return f'<div class="rag-panel">{title}<table class="rag-docs"><tr>{head}</tr>{body}</table></div>'


def doc_tree(doc: Document, lang: str, active: int | None = None) -> str:
    """The section tree; each node links to its index in ``Document.iter_sections()`` order."""
    index = {id(sec): i for i, (_, sec) in enumerate(doc.iter_sections())}

    def nodes(level: list[Section]) -> str:
        items = []
        for sec in level:
            i = index[id(sec)]
            name = node_title(doc, sec, 80)
            text = name if name.startswith(sec.label) else f"{sec.label} · {name}"
            kids = nodes(sec.children) if sec.children else ""
            items.append(f"<li>{link(text, 'sec', i, active=i == active)}{kids}</li>")
        return f"<ul>{''.join(items)}</ul>"

    head = f"<h4>{esc(t('b_tree', lang))}</h4>"
    return f'<div class="rag-panel rag-tree">{head}{nodes(doc.sections)}</div>'
