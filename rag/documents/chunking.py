"""Chunks follow sections: a section that fits the token budget is one chunk; a larger one gives
its own text, then its children, small consecutive siblings merged; a long leaf is split at
sentence boundaries. Every non-blank character of the document lands in exactly one chunk."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from rag.documents.labels import doc_reference, section_label
from rag.documents.models import Chunk, Document, Section, SectionKind
from rag.text.tokens import count_tokens

K = SectionKind
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+|\n+")


def heading_of(node: Section) -> str:
    if node.kind == K.TABLE_ROW:
        return f"Dòng {node.label}"
    if node.kind in (K.DASH, K.PLUS):
        return ""
    name = (
        node.label if node.kind in (K.PART, K.CHAPTER, K.ARTICLE) or " " in node.label else f"{node.label}."
    )
    return f"{name} {node.heading}".strip() if node.heading else name


class Chunker:
    def __init__(self, max_tokens: int = 512, count: Callable[[str], int] = count_tokens) -> None:
        if max_tokens < 32:
            raise ValueError("chunk budget must be at least 32 tokens (RAG_CHUNK_TOKENS)")
        self.max_tokens = max_tokens
        self.count = count

    def chunk(self, doc: Document, parser_version: str = "") -> list[Chunk]:
        self._doc = doc
        self._version = parser_version
        self._memo: dict[tuple[int, int], int] = {}
        self._out: list[Chunk] = []
        for top in doc.sections:
            self._emit([top])
        return self._out

    # --- recursion ---

    def _tokens(self, start: int, end: int) -> int:
        key = (start, end)
        if key not in self._memo:
            self._memo[key] = self.count(self._doc.text[start:end])
        return self._memo[key]

    def _emit(self, chain: list[Section]) -> None:
        node = chain[-1]
        if not node.children or self._tokens(node.start, node.end) <= self.max_tokens:
            self._span(chain, node.start, node.end)
            return
        # The node's own text (its heading line, an intro) travels with the first children.
        own_end = node.children[0].start
        group_start: int | None = node.start if self._doc.text[node.start : own_end].strip() else None
        group: list[Section] = []
        group_tokens = self._tokens(node.start, own_end) if group_start is not None else 0
        for child in node.children:
            t = self._tokens(child.start, child.end)
            if t > self.max_tokens or child.kind == K.TABLE_ROW:  # a table row is always its own chunk
                self._flush(chain, group, group_start)
                group, group_tokens, group_start = [], 0, None
                self._emit([*chain, child])
                continue
            if (group or group_start is not None) and group_tokens + t > self.max_tokens:
                self._flush(chain, group, group_start)
                group, group_tokens, group_start = [], 0, None
            group.append(child)
            group_tokens += t
        self._flush(chain, group, group_start)

    def _flush(self, chain: list[Section], group: list[Section], own_start: int | None) -> None:
        if own_start is not None:
            end = group[-1].end if group else chain[-1].children[0].start
            self._span(chain, own_start, end, merged=group or None)
        elif len(group) == 1:
            self._span([*chain, group[0]], group[0].start, group[0].end)
        elif group:
            self._span(chain, group[0].start, group[-1].end, merged=group)

    def _span(self, chain: list[Section], start: int, end: int, merged: list[Section] | None = None) -> None:
        text = self._doc.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            return
        if self._tokens(start, end) <= self.max_tokens:
            self._make(chain, start, end, merged)
            return
        for a, b in self._split(start, end):
            self._make(chain, a, b, merged)

    def _split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Pieces of [start, end) within budget, cut after sentence ends (or spaces if needed)."""
        text = self._doc.text
        cuts = [m.end() + start for m in _SENTENCE_END.finditer(text[start:end])]
        bounds = sorted({start, *[c for c in cuts if start < c < end], end})
        pieces: list[tuple[int, int]] = []
        a = start
        prev = start
        for b in bounds[1:]:
            if b - a > 0 and self._tokens(a, b) > self.max_tokens and prev > a:
                pieces.append((a, prev))
                a = prev
            prev = b
        pieces.append((a, end))
        out: list[tuple[int, int]] = []
        for a, b in pieces:  # a single sentence over budget: cut at spaces
            if self._tokens(a, b) <= self.max_tokens:
                out.append((a, b))
                continue
            # Greedy: cut at the last space that keeps the piece within budget (the last piece too);
            # only a single word longer than the budget may stay over it.
            # Pieces are measured without their surrounding spaces, as they are stored.
            gaps = [(m.start() + a, m.end() + a) for m in re.finditer(r"\s+", text[a:b])]
            s, gap = a, (a, a)  # gap: the last space the current piece could end at
            for gap_start, gap_end in [*gaps, (b, b)]:
                if gap_start <= s:  # leading whitespace
                    s = max(s, gap_end)
                    continue
                if self._tokens(s, gap_start) > self.max_tokens and gap[0] > s:
                    out.append((s, gap[0]))
                    s = gap[1]
                gap = (gap_start, gap_end)
            out.append((s, b))
        return [(a, b) for a, b in out if text[a:b].strip()]

    def _make(self, chain: list[Section], start: int, end: int, merged: list[Section] | None) -> None:
        doc = self._doc
        while start < end and doc.text[start].isspace():
            start += 1
        while end > start and doc.text[end - 1].isspace():
            end -= 1
        body = doc.text[start:end]
        node = chain[-1]
        path = [n.label for n in chain]
        label = section_label(chain)
        if merged and len(merged) > 1:
            first, last = merged[0].label, merged[-1].label
            label = f"{label} ({first} … {last})" if label else f"{first} … {last}"
        headings = [h for h in (heading_of(n) for n in chain) if h]
        context = [doc_reference(doc, attached=chain[0].attached)]
        if doc.title:
            context.append(doc.title)
        extra = ""
        if node.kind == K.TABLE_ROW and node.record:
            extra = "\n" + "\n".join(f"{k}: {v}" for k, v in node.record.items())
        embed_text = "\n".join([*context, *headings]) + "\n" + body + extra
        digest = hashlib.sha256(
            f"{self._version}|{doc.content_hash}|{start}|{end}|{embed_text}".encode()
        ).hexdigest()[:24]
        chunk = Chunk(
            id=digest, doc_id=doc.id, doc_number=doc.cite_number, doc_type=doc.doc_type,
            issuer=doc.issuer, issued_date=doc.issued_date, source=doc.source,
            ordinal=len(self._out), section_path=path, section_kind=node.kind, label=label,
            headings=headings, text=body, embed_text=embed_text, start=start, end=end,
        )  # fmt: skip
        self._out.append(chunk)
