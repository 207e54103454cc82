"""Vietnamese citation wording: "điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày 20/5/2022 của
UBND tỉnh Quảng Ngãi". The conventions are tabled in docs/architecture.md."""

from __future__ import annotations

import datetime as dt

from rag.documents.models import Document, Section, SectionKind

K = SectionKind

_FIXED = {
    K.HEADER: "phần đầu",
    K.RECIPIENTS: "phần Kính gửi",
    K.PREAMBLE: "phần mở đầu",
    K.CLOSING: "đoạn kết",
    K.DISTRIBUTION: "phần Nơi nhận",
    K.SIGNATURE: "phần chữ ký",
    K.ATTACHMENT: "phần tiêu đề",
}


def format_date(d: dt.date | None) -> str:
    """NĐ 30/2020 style: a day below 10 and the months 1 and 2 take a leading zero (08/01/2014)."""
    if d is None:
        return ""
    day = f"{d.day:02d}" if d.day < 10 else str(d.day)
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"{day}/{month}/{d.year}"


def _part(node: Section, parent: Section | None) -> str:
    kind, label = node.kind, node.label
    if kind in _FIXED:
        return _FIXED[kind]
    if kind == K.DASH:
        return f"gạch đầu dòng thứ {label.lstrip('-')}"
    if kind == K.PLUS:
        return f"ý thứ {label.lstrip('+')}"
    if kind == K.PAREN:
        return f"ý {label}"
    if kind == K.LETTER:
        return f"điểm {label}"
    if kind == K.DOTTED:
        return f"mục {label}"
    if kind == K.NUMBER:
        return f"khoản {label}" if parent is not None else f"mục {label}"
    if kind == K.ROMAN:
        return f"mục {label}"
    if kind == K.ALPHA:
        return f"phần {label}"
    if kind == K.TABLE_ROW:
        return f"dòng {label}"
    return label  # Phần I, Chương II, Điều 3, Phụ lục


def section_label(nodes: list[Section]) -> str:
    """Label of the last node of a root-to-node chain, smallest unit first."""
    parts: list[str] = []
    for i in range(len(nodes) - 1, -1, -1):
        node = nodes[i]
        parent = nodes[i - 1] if i > 0 else None
        child = nodes[i + 1] if i + 1 < len(nodes) else None
        # "mục 2" is implied by "mục 2.2"
        if child is not None and child.kind == K.DOTTED and child.label.startswith(node.label + "."):
            continue
        parts.append(_part(node, parent))
    return " ".join(parts)


def nodes_for(doc: Document, path: list[str] | tuple[str, ...]) -> list[Section]:
    """The chain of nodes from the top section down to ``path``; empty if the path is unknown."""
    chain: list[Section] = []
    level = doc.sections
    for label in path:
        node = next((s for s in level if s.label == label), None)
        if node is None:
            return []
        chain.append(node)
        level = node.children
    return chain


def doc_reference(doc: Document, attached: bool = False) -> str:
    """'Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi'."""
    issuer = f" của {doc.issuer}" if doc.issuer else ""
    if doc.number and not attached:
        date = f" ngày {format_date(doc.issued_date)}" if doc.issued_date else ""
        return f"{doc.doc_type or 'Văn bản'} số {doc.number}{date}{issuer}"
    if attached and doc.number:
        date = f" ngày {format_date(doc.issued_date)}" if doc.issued_date else ""
        return f"Kế hoạch ban hành kèm theo {doc.doc_type or 'Quyết định'} số {doc.number}{date}{issuer}"
    if doc.issued_with and doc.issued_with.number:
        w = doc.issued_with
        date = f" ngày {format_date(w.issued_date)}" if w.issued_date else ""
        by = f" của {w.issuer}" if w.issuer else issuer
        return f"{doc.doc_type or 'Văn bản'} ban hành kèm theo {w.doc_type or 'Quyết định'} số {w.number}{date}{by}"
    title = f" {doc.title}" if doc.title else ""
    return f"{doc.doc_type or 'Văn bản'}{title} ({doc.source})"


def citation_label(doc: Document, path: list[str] | tuple[str, ...]) -> str:
    """Full citation of a section of a document."""
    chain = nodes_for(doc, path)
    attached = bool(chain and chain[0].attached)
    ref = doc_reference(doc, attached=attached)
    if not chain:
        return ref
    return f"{section_label(chain)} {ref}"  # a table row reads "dòng 3 Phụ lục": the chain names the appendix
