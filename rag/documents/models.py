"""The shared nouns: Document, Section, Chunk.

Every layer above (index, retrieve, answer, serve) speaks in these types. Offsets are always
character offsets into ``Document.text``, the *normalized* document text (NFC, boilerplate and
markdown emphasis removed, hard line wraps repaired). Quotes are slices of that text, so they keep
the document's own spelling (tone-mark style included).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class SectionKind(StrEnum):
    """What a node of the section tree is. The label conventions are in docs/architecture.md."""

    HEADER = "header"  # issuing body, motto, number, place/date, type, trích yếu
    RECIPIENTS = "recipients"  # "Kính gửi:" list (who must act)
    PREAMBLE = "preamble"  # "Căn cứ ...", "Thực hiện ..." before the first numbered part
    ATTACHMENT = "attachment"  # title block of a plan issued with the decision in the same file
    PART = "part"  # Phần I, Phần thứ nhất
    CHAPTER = "chapter"  # Chương II
    ARTICLE = "article"  # Điều 3
    ALPHA = "alpha"  # A. B. C.
    ROMAN = "roman"  # I. II.
    NUMBER = "number"  # 1. 2.
    DOTTED = "dotted"  # 2.1 / 2.1. / 1.2.3
    LETTER = "letter"  # a) b)
    DASH = "dash"  # - item
    PLUS = "plus"  # + item
    PAREN = "paren"  # (1)
    CLOSING = "closing"  # the closing paragraph ("Yêu cầu ... thực hiện./.")
    DISTRIBUTION = "distribution"  # "Nơi nhận:" list
    SIGNATURE = "signature"  # KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / name
    APPENDIX = "appendix"  # PHỤ LỤC title block
    TABLE_ROW = "table_row"  # one row of an appendix table, a record with column names


#: Kinds that are not body content: they are citable but are never "the answer" to a content
#: question (they answer questions about the document itself: who signed, to whom, when).
META_KINDS = frozenset(
    {SectionKind.HEADER, SectionKind.RECIPIENTS, SectionKind.DISTRIBUTION, SectionKind.SIGNATURE}
)


class Section(BaseModel):
    """A node of a document's section tree.

    ``start``/``end`` span the whole node including its children; ``body_start``/``body_end``
    span the node's own text before its first child (heading line included).
    """

    label: str = Field(description="Label as written: '2.2', 'b', 'Điều 3', 'Phần II', '-3', 'Phụ lục'")
    kind: SectionKind
    heading: str = Field("", description="Heading text when the numbered line reads like a heading")
    start: int
    end: int
    body_start: int
    body_end: int
    attached: bool = Field(False, description="Belongs to a plan issued with (kèm theo) the decision")
    record: dict[str, str] | None = Field(None, description="Table row cells keyed by column name")
    roles: dict[str, str] | None = Field(
        None, description="Table row cells keyed by role: activity, place, time, lead, coordinating, ..."
    )
    children: list[Section] = Field(default_factory=list)

    def walk(self, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Section]]:
        """This node and all descendants, each with its section path, in document order."""
        here = (*path, self.label)
        out: list[tuple[tuple[str, ...], Section]] = [(here, self)]
        for child in self.children:
            out.extend(child.walk(here))
        return out


class DocRef(BaseModel):
    """A reference to another document ("Quyết định số 25/QĐ-UBND ngày 08/01/2014 của ...")."""

    doc_type: str | None = None
    number: str | None = None
    issued_date: dt.date | None = None
    issuer: str | None = None
    text: str = Field(description="The reference as written")


class Signer(BaseModel):
    name: str
    position: str = Field(description="e.g. 'Phó Chủ tịch'")
    authority: str | None = Field(None, description="Prefix line: 'KT. Chủ tịch', 'TM. Ủy ban nhân dân'")


class Document(BaseModel):
    """A parsed document: metadata extracted from its text, the normalized text, its section tree."""

    id: str = Field(description="Stable id: slug of number + issue date, else of the source file name")
    number: str | None = Field(None, description="Số + ký hiệu as written, e.g. '2395/UBND-KTTH'")
    doc_type: str | None = Field(None, description="Kế hoạch, Quyết định, Công văn, ...")
    issuer: str | None = Field(
        None, description="Issuing body as written, short form: 'UBND tỉnh Quảng Ngãi'"
    )
    issuer_full: str | None = Field(None, description="Issuing body lines as in the header")
    place: str | None = None
    issued_date: dt.date | None = None
    title: str | None = Field(None, description="Trích yếu / title as written")
    signer: Signer | None = None
    issued_with: DocRef | None = Field(None, description="Decision a plan is issued with (kèm theo)")
    legal_bases: list[DocRef] = Field(default_factory=list)
    proposed_by: str | None = Field(
        None, description="Whose proposal the document answers ('Xét đề nghị của …'), as written"
    )
    recipients: list[str] = Field(default_factory=list, description="'Kính gửi' entries")
    mentions: list[str] = Field(default_factory=list, description="Document numbers mentioned in the text")
    number_source: str | None = Field(None, description="'header', 'appendix caption', 'issued with'")
    source: str = Field(description="Source file, relative to the project when possible")
    content_hash: str = Field(description="sha256 of the source file bytes")
    text: str = Field(description="Normalized document text; all offsets point into it")
    sections: list[Section] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="What the parser could not recover")

    @property
    def cite_number(self) -> str | None:
        """The number a citation uses: the document's own, else the decision it was issued with."""
        if self.number:
            return self.number
        return self.issued_with.number if self.issued_with else None

    def iter_sections(self) -> list[tuple[tuple[str, ...], Section]]:
        out: list[tuple[tuple[str, ...], Section]] = []
        for top in self.sections:
            out.extend(top.walk())
        return out

    def find_section(self, path: tuple[str, ...] | list[str]) -> Section | None:
        wanted = tuple(path)
        for p, sec in self.iter_sections():
            if p == wanted:
                return sec
        return None

    def deepest_section_at(self, start: int, end: int) -> tuple[tuple[str, ...], Section] | None:
        """The smallest section whose span contains [start, end)."""
        best: tuple[tuple[str, ...], Section] | None = None
        for p, sec in self.iter_sections():
            if sec.start <= start and end <= sec.end and (best is None or len(p) > len(best[0])):
                best = (p, sec)
        return best


class Chunk(BaseModel):
    """The unit of indexing: one section (or small merged siblings, or a piece of a long one)."""

    id: str
    doc_id: str
    doc_number: str | None = Field(None, description="Citation number (own, or the issuing decision's)")
    doc_type: str | None = None
    issuer: str | None = None
    issued_date: dt.date | None = None
    source: str = ""
    ordinal: int = Field(description="Position of the chunk within its document")
    section_path: list[str]
    section_kind: SectionKind
    label: str = Field(description="Vietnamese citation label of the section: 'điểm b mục 2.2'")
    headings: list[str] = Field(description="Heading chain from the top of the document")
    text: str = Field(description="Exactly Document.text[start:end]")
    embed_text: str = Field(description="Heading chain + text (+ column names for table rows)")
    start: int
    end: int
