"""Build citations from (document, span) and verify them: a citation survives only if its quote
is verbatim in the cited section of the cited document."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.models import Citation
from rag.documents.chunking import heading_of
from rag.documents.labels import citation_label, nodes_for, section_label
from rag.documents.models import Document


def make_citation(doc: Document, start: int, end: int) -> Citation:
    """Citation of doc.text[start:end], attributed to the smallest section containing it."""
    while start < end and doc.text[start].isspace():
        start += 1
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    found = doc.deepest_section_at(start, end)
    path = list(found[0]) if found else []
    chain = nodes_for(doc, path)
    return Citation(
        doc_id=doc.id,
        doc_number=doc.cite_number,
        doc_type=doc.doc_type,
        issuer=doc.issuer,
        issued_date=doc.issued_date,
        title=doc.title,
        section_path=path,
        section_label=section_label(chain) if chain else "",
        label=citation_label(doc, path),
        headings=[h for h in (heading_of(n) for n in chain) if h],
        quote=doc.text[start:end],
        start=start,
        end=end,
        source=doc.source,
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    repaired: Citation | None = None


def verify(
    citation: Citation, doc: Document | None, allowed_paths: set[tuple[str, ...]] | None = None
) -> Verdict:
    """Check a citation against its document. ``allowed_paths`` (when given) are the sections that
    were retrieved: a citation must point inside one of them. A quote that is verbatim in the
    section but at other offsets is repaired (offsets and section recomputed)."""
    if doc is None:
        return Verdict(False, "unknown document")
    if citation.doc_number and doc.cite_number and citation.doc_number != doc.cite_number:
        return Verdict(False, "document number does not match the document")
    quote = citation.quote.strip()
    if len(quote) < 8:
        return Verdict(False, "quote too short to verify")
    chain = nodes_for(doc, citation.section_path)
    if citation.section_path and not chain:
        return Verdict(False, "cited section does not exist")
    span = (chain[-1].start, chain[-1].end) if chain else (0, len(doc.text))
    if allowed_paths is not None:
        path = tuple(citation.section_path)
        inside = any(path[: len(a)] == a or a[: len(path)] == path for a in allowed_paths)
        if not inside:
            return Verdict(False, "cited section was not among the retrieved sections")
    if (
        doc.text[citation.start : citation.end] == quote
        and span[0] <= citation.start
        and citation.end <= span[1]
    ):
        return Verdict(True)
    # Repair: the quote occurs verbatim in the cited section, at other offsets.
    section_text = doc.text[span[0] : span[1]]
    at = section_text.find(quote)
    if at < 0:
        # Whitespace differences only (line breaks in the source) still count as verbatim.
        squashed = _squash(section_text)
        if _squash(quote) not in squashed:
            return Verdict(False, "quote is not in the cited section")
        words = _squash(quote).split(" ")
        pattern = r"\s+".join(re.escape(w) for w in words)
        m = re.search(pattern, section_text)
        if m is None:
            return Verdict(False, "quote is not in the cited section")
        at, length = m.start(), m.end() - m.start()
    else:
        length = len(quote)
    fixed = make_citation(doc, span[0] + at, span[0] + at + length)
    return Verdict(True, "offsets repaired", repaired=fixed)
