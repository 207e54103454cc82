"""From raw text to a Document: normalize, build the section tree, extract metadata."""

from __future__ import annotations

import re
from typing import Any

from rag.documents.metadata import extract
from rag.documents.models import Document
from rag.documents.structure import build_tree
from rag.text.normalize import fold, normalize_document

#: Bumped whenever parsing or chunking changes, so that re-ingest re-parses unchanged files.
PARSER_VERSION = "2026.12.07-1"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


def parse_document(raw_text: str, *, source: str, content_hash: str) -> Document:
    """Parse one document. Never raises on odd text: what cannot be recovered goes to warnings."""
    text = normalize_document(raw_text)
    sections = build_tree(text)
    meta: dict[str, Any] = extract(text, sections)
    doc = Document(
        id="pending", source=source, content_hash=content_hash, text=text, sections=sections, **meta
    )
    doc.id = document_id(doc)
    return doc


def document_id(doc: Document) -> str:
    """Stable id: number + issue date (numbers restart every year), else the source file name."""
    date = doc.issued_date.strftime("%Y%m%d") if doc.issued_date else "nodate"
    if doc.number:
        return f"{slug(doc.number)}-{date}"
    if doc.issued_with and doc.issued_with.number:
        kind = slug(doc.doc_type or "van-ban")
        return f"{slug(doc.issued_with.number)}-{date}-{kind}"
    # A name with no Latin letter or digit ("基本.txt", ".txt") has an empty slug: use the content hash.
    stem = slug(source_stem(doc.source))[:60].strip("-")
    return f"file-{stem}" if stem else f"file-{doc.content_hash[:8]}"


def source_stem(source: str) -> str:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0]
