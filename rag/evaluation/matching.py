"""Section matching: when does a retrieved or cited item count as a gold section?

Our system's items (retrieved chunks, citations) carry a document number, a section path and a
character span in the document. An item matches a gold ``(doc_number, section_path)`` when the
document numbers are equal and either

* the gold path is a prefix of the item's path (citing ``["III", "2", "-6"]`` answers gold
  ``["III", "2"]``), or
* the item's span ``[start, end)`` covers at least half of the gold section's span (a chunk that
  merged several items, path ``["2", "2.2"]`` spanning a and b, matches gold ``["2", "2.2", "b"]``).

Baselines have no sections: a raw chunk matches a gold section when it contains the section's
text (whitespace collapsed, markdown emphasis removed, lower case; the first 200 characters of a
long section suffice). The rule is documented in eval/README.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rag.documents.labels import nodes_for
from rag.documents.models import Document
from rag.evaluation.gold import GoldSection
from rag.text.tokenize import code_key

#: A long gold section matches a raw chunk that contains its first NEEDLE_CHARS characters.
NEEDLE_CHARS = 200


@dataclass(frozen=True)
class Located:
    """Something that points into a document: a retrieved chunk or a citation."""

    doc_number: str | None
    section_path: tuple[str, ...]
    start: int = 0
    end: int = 0
    doc_id: str | None = None


@dataclass(frozen=True)
class ResolvedGold:
    """A gold section with its span and text in the indexed document (None when not found)."""

    section: GoldSection
    doc_id: str | None = None
    start: int = 0
    end: int = 0
    text: str = ""

    @property
    def found(self) -> bool:
        return self.doc_id is not None and self.end > self.start


def same_number(a: str | None, b: str | None) -> bool:
    """Document numbers are equal (spaces, case and diacritics aside: '25/QĐ-UBND' = '25/qd-ubnd')."""
    return bool(a) and bool(b) and code_key(a or "") == code_key(b or "")


def is_prefix(prefix: Sequence[str], path: Sequence[str]) -> bool:
    return len(prefix) <= len(path) and tuple(path[: len(prefix)]) == tuple(prefix)


def covers_half(start: int, end: int, gold_start: int, gold_end: int) -> bool:
    """[start, end) overlaps at least half of the (non-empty) gold span [gold_start, gold_end)."""
    length = gold_end - gold_start
    if length <= 0:
        return False
    overlap = min(end, gold_end) - max(start, gold_start)
    return overlap * 2 >= length


def section_matches(item: Located, gold: ResolvedGold) -> bool:
    """The matching rule of this module's docstring."""
    if not same_number(item.doc_number, gold.section.doc_number):
        return False
    if is_prefix(gold.section.section_path, item.section_path):
        return True
    if not gold.found or (item.doc_id is not None and item.doc_id != gold.doc_id):
        return False
    return covers_half(item.start, item.end, gold.start, gold.end)


def matched(item: Located, golds: Sequence[ResolvedGold]) -> frozenset[int]:
    """Indices of the gold sections ``item`` matches."""
    return frozenset(i for i, g in enumerate(golds) if section_matches(item, g))


class DocumentSource(Protocol):
    """What the resolver needs from an index store (rag.index.store.Store satisfies it)."""

    def document(self, doc_id: str) -> Document | None: ...

    def document_rows(self) -> list[dict[str, str | None]]: ...


class GoldResolver:
    """Finds gold sections in the indexed documents (by citation number, then section path)."""

    def __init__(self, store: DocumentSource) -> None:
        self.store = store
        self._by_number: dict[str, str] = {}
        for row in store.document_rows():
            doc_id = row.get("id")
            if doc_id is None:
                continue
            doc = store.document(doc_id)
            for number in (row.get("number"), doc.cite_number if doc else None, doc.number if doc else None):
                if number:
                    self._by_number.setdefault(code_key(number), doc_id)
        self._cache: dict[GoldSection, ResolvedGold] = {}

    def document_for(self, number: str) -> Document | None:
        doc_id = self._by_number.get(code_key(number))
        return self.store.document(doc_id) if doc_id else None

    def resolve(self, section: GoldSection) -> ResolvedGold:
        if section not in self._cache:
            doc = self.document_for(section.doc_number)
            chain = nodes_for(doc, section.section_path) if doc is not None else []
            if doc is None or not chain:
                self._cache[section] = ResolvedGold(section, doc.id if doc is not None and chain else None)
            else:
                node = chain[-1]
                text = doc.text[node.start : node.end]
                self._cache[section] = ResolvedGold(section, doc.id, node.start, node.end, text)
        return self._cache[section]

    def resolve_all(self, sections: Iterable[GoldSection]) -> list[ResolvedGold]:
        return [self.resolve(s) for s in sections]

    def problems(self, sections: Iterable[GoldSection]) -> list[str]:
        """Gold sections that the index does not hold (unknown document or path)."""
        out = []
        for s in dict.fromkeys(sections):
            if self.document_for(s.doc_number) is None:
                out.append(f"{s.key()}: no indexed document has this number")
            elif not self.resolve(s).found:
                out.append(f"{s.key()}: no such section path in the indexed document")
        return out


# --- raw-text containment (baselines) -------------------------------------------------------------

_MARKUP = re.compile(r"\*\*|__|(?m:^[ \t]*#{1,6}[ \t]+)|(?m:^[ \t]*[-_=|*~.·•]+[ \t]*$)")
_WS = re.compile(r"\s+")


def text_key(text: str) -> str:
    """Comparison key of a text: NFC, markdown emphasis, heading marks and decorative rules
    ("-----") removed, lower case, whitespace collapsed to one space."""
    text = _MARKUP.sub("", unicodedata.normalize("NFC", text))
    return _WS.sub(" ", text).strip().lower()


def needle(section_text: str, limit: int = NEEDLE_CHARS) -> str:
    """What a raw chunk must contain to match a gold section: its key, cut to ``limit`` chars."""
    return text_key(section_text)[:limit].strip()


def contained(chunk_key: str, needles: Sequence[str]) -> frozenset[int]:
    """Indices of the (non-empty) needles that occur in a raw chunk's key."""
    return frozenset(i for i, n in enumerate(needles) if n and n in chunk_key)
