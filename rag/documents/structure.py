"""Build the section tree of a normalized document.

The text is read line by line. Special blocks (header, "Kính gửi", "Nơi nhận", signature, the
title block of an attached plan, "PHỤ LỤC" with its table) become top-level nodes; the body is
parsed with a stack: a marker of a kind already open closes everything below that node and becomes
its sibling, a new kind becomes a child. Markers are accepted only in sequence ("3." needs an open
"2." or starts a list at "1."), so wrapped numbers and figures never become sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.documents.models import Section, SectionKind
from rag.documents.tables import parse_table_rows

K = SectionKind


@dataclass
class Line:
    text: str  # stripped
    start: int
    end: int
    cell: bool = False  # the raw line started with TAB: a table cell

    @property
    def blank(self) -> bool:
        return not self.text


def split_lines(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        lead = len(raw) - len(raw.lstrip())
        stripped = raw.strip()
        start = pos + lead
        out.append(Line(stripped, start, start + len(stripped), raw.startswith("\t")))
        pos += len(raw) + 1
    return out


# --- line classification ---------------------------------------------------------------------

_CAPS_WORD = re.compile(r"[^\W\d_]")
DOC_TYPES = {
    "KẾ HOẠCH": "Kế hoạch", "QUYẾT ĐỊNH": "Quyết định", "NGHỊ QUYẾT": "Nghị quyết",
    "CHỈ THỊ": "Chỉ thị", "THÔNG BÁO": "Thông báo", "BÁO CÁO": "Báo cáo", "TỜ TRÌNH": "Tờ trình",
    "HƯỚNG DẪN": "Hướng dẫn", "CHƯƠNG TRÌNH": "Chương trình", "ĐỀ ÁN": "Đề án",
    "PHƯƠNG ÁN": "Phương án", "QUY CHẾ": "Quy chế", "QUY ĐỊNH": "Quy định", "NGHỊ ĐỊNH": "Nghị định",
    "THÔNG TƯ": "Thông tư", "LUẬT": "Luật", "CÔNG VĂN": "Công văn", "CÔNG ĐIỆN": "Công điện",
}  # fmt: skip
_TYPE_LINE = re.compile(r"^(" + "|".join(DOC_TYPES) + r")\s*:?$")
_POSITIONS = (
    r"(?:PHÓ\s+)?(?:CHỦ\s+TỊCH|GIÁM\s+ĐỐC|TRƯỞNG\s+BAN|BỘ\s+TRƯỞNG|THỨ\s+TRƯỞNG|CHÁNH\s+VĂN\s+PHÒNG|"
    r"THỦ\s+TƯỚNG|TỔNG\s+GIÁM\s+ĐỐC|CỤC\s+TRƯỞNG|VỤ\s+TRƯỞNG|TRƯỞNG\s+PHÒNG|BÍ\s+THƯ|TỔ\s+TRƯỞNG)"
)
_SIGN_PREFIX = re.compile(r"^(KT|TM|TL|TUQ|Q|Q\.)\s*\.\s*\S")
_POSITION_LINE = re.compile(r"^" + _POSITIONS + r"$")
_NAME_LINE = re.compile(r"^(?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ-ỹ][^\s\d.,;:()]*\s+){1,5}[A-ZĐ-ỹ][^\s\d.,;:()]*$")


def is_caps(text: str) -> bool:
    letters = _CAPS_WORD.findall(text)
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def is_heading_like(text: str) -> bool:
    """A numbered line reads like a heading: short and not a sentence."""
    t = text.strip()
    if not t:
        return False
    if re.search(r"[.;!?]$", t) and not t.endswith("..."):
        return False
    return len(t) <= 160 and len(t.split()) <= 30


@dataclass
class Marker:
    kind: SectionKind
    label: str
    rest: str


_ROMAN = re.compile(r"^[IVXLC]+$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_value(s: str) -> int:
    total, prev = 0, 0
    for ch in reversed(s):
        v = _ROMAN_VALUES[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


_M_PART = re.compile(r"^(?:Phần|PHẦN)\s+(thứ\s+\w+|[IVXLC]+|\d+)\b\s*[.:\-–]?\s*(.*)$")
_M_CHAPTER = re.compile(r"^(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d+)\b\s*[.:\-–]?\s*(.*)$")
_M_ARTICLE = re.compile(r"^Điều\s+(\d+)\s*[.:]\s*(.*)$")
_M_LETTERDOT = re.compile(r"^([A-Z]|[IVXLC]+)\.\s+(.*)$")
_M_DOTTED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s+(.*)$")
_M_NUMBER = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_M_LETTER = re.compile(r"^([a-zđ])\)\s+(.*)$")
_M_PAREN = re.compile(r"^\((\d{1,2})\)\s+(.*)$")
_M_DASH = re.compile(r"^[-–•]\s+(.*)$")
_M_PLUS = re.compile(r"^\+\s+(.*)$")


def classify(text: str) -> Marker | None:
    """The structural marker a body line starts with, if any (sequence is checked later)."""
    if m := _M_PART.match(text):
        label = m.group(1)
        return Marker(K.PART, f"Phần {label}", m.group(2))
    if m := _M_CHAPTER.match(text):
        return Marker(K.CHAPTER, f"Chương {m.group(1)}", m.group(2))
    if m := _M_ARTICLE.match(text):
        return Marker(K.ARTICLE, f"Điều {m.group(1)}", m.group(2))
    if m := _M_LETTERDOT.match(text):
        label = m.group(1)
        kind = K.ROMAN if _ROMAN.match(label) else K.ALPHA
        return Marker(kind, label, m.group(2))
    if m := _M_DOTTED.match(text):
        return Marker(K.DOTTED, m.group(1), m.group(2))
    if m := _M_NUMBER.match(text):
        return Marker(K.NUMBER, m.group(1), m.group(2))
    if m := _M_LETTER.match(text):
        return Marker(K.LETTER, m.group(1), m.group(2))
    if m := _M_PAREN.match(text):
        return Marker(K.PAREN, f"({m.group(1)})", m.group(2))
    if m := _M_DASH.match(text):
        return Marker(K.DASH, "-", m.group(1))
    if m := _M_PLUS.match(text):
        return Marker(K.PLUS, "+", m.group(1))
    return None


# --- tree building ---------------------------------------------------------------------------


@dataclass
class _Node:
    kind: SectionKind
    label: str
    heading: str
    start: int
    end: int
    attached: bool = False
    children: list[_Node] = field(default_factory=list)
    body_end: int | None = None
    paragraphs: list[Line] = field(default_factory=list)  # unmarked lines directly in this node
    record: dict[str, str] | None = None
    roles: dict[str, str] | None = None
    line_end: int = 0  # end of the node's own marker line

    def close_body(self) -> None:
        if self.body_end is None:
            self.body_end = self.end

    def to_section(self) -> Section:
        children = [c.to_section() for c in self.children]
        body_end = self.children[0].start if self.children else self.end
        return Section(
            label=self.label, kind=self.kind, heading=self.heading, start=self.start, end=self.end,
            body_start=self.start, body_end=min(body_end, self.end), attached=self.attached,
            record=self.record, roles=self.roles, children=children,
        )  # fmt: skip


def _predecessor(kind: SectionKind, label: str) -> str | None:
    """The label that must be open for ``label`` to continue a list, None if it starts one."""
    if kind in (K.NUMBER, K.PAREN):
        n = int(label.strip("()"))
        if n <= 1:
            return None
        return f"({n - 1})" if kind == K.PAREN else str(n - 1)
    if kind == K.DOTTED:
        head, _, last = label.rpartition(".")
        return None if int(last) <= 1 else f"{head}.{int(last) - 1}"
    if kind == K.LETTER:
        return None if label == "a" else chr(ord(label) - 1) if label != "e" else "đ"
    if kind == K.ROMAN:
        v = roman_value(label)
        return None if v == 1 else _to_roman(v - 1)
    if kind == K.ALPHA:
        return None if label == "A" else chr(ord(label) - 1)
    return None


def _to_roman(n: int) -> str:
    out = ""
    for v, s in (
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= v:
            out += s
            n -= v
    return out


class _BodyBuilder:
    """Stack-based builder for the numbered body of a document."""

    def __init__(self, attached: bool) -> None:
        self.roots: list[_Node] = []
        self.stack: list[_Node] = []
        self.attached = attached
        self.loose: list[Line] = []  # unmarked lines before the first marker

    def _open_of(self, kind: SectionKind, label: str | None = None) -> int | None:
        for i in range(len(self.stack) - 1, -1, -1):
            node = self.stack[i]
            if node.kind == kind and (label is None or node.label == label):
                return i
        return None

    def _resolve(self, marker: Marker) -> Marker | None:
        """Check the marker continues a list; resolve ambiguous letters (C. alpha vs roman)."""
        kind, label = marker.kind, marker.label
        if kind in (K.ROMAN, K.ALPHA) and len(label) == 1 and label in "IVXLC":
            # "C." after "B." is a letter part; "V." after "IV." is a Roman numeral.
            alpha_prev = _predecessor(K.ALPHA, label)
            after_alpha = bool(alpha_prev) and self._open_of(K.ALPHA, alpha_prev) is not None
            if after_alpha or (label != "I" and self._open_of(K.ROMAN, _predecessor(K.ROMAN, label)) is None):
                kind = K.ALPHA
        if kind in (K.DASH, K.PLUS, K.PART, K.CHAPTER, K.ARTICLE):
            return Marker(kind, label, marker.rest)
        if kind == K.DOTTED:
            parent = label.rpartition(".")[0]
            prev = _predecessor(kind, label)
            parent_open = (
                self._open_of(K.NUMBER, parent) is not None or self._open_of(K.DOTTED, parent) is not None
            )
            if (prev is None and parent_open) or (prev and self._open_of(K.DOTTED, prev) is not None):
                return Marker(kind, label, marker.rest)
            return None
        prev = _predecessor(kind, label)
        if prev is None or self._open_of(kind, prev) is not None:
            return Marker(kind, label, marker.rest)
        return None

    def add_line(self, line: Line) -> None:
        raw = classify(line.text)
        marker = self._resolve(raw) if raw else None
        if marker is None:
            self._add_paragraph(line)
            return
        kind, label = marker.kind, marker.label
        # Where does it go? Sibling of the nearest open node of the same kind (or, for dotted
        # labels, the same depth), else a child of the innermost open node.
        same = None
        for i in range(len(self.stack) - 1, -1, -1):
            node = self.stack[i]
            if node.kind == kind and (kind != K.DOTTED or node.label.count(".") == label.count(".")):
                same = i
                break
        if kind == K.DOTTED:
            parent = label.rpartition(".")[0]
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i].label == parent and self.stack[i].kind in (K.NUMBER, K.DOTTED):
                    same = i + 1 if same is None or same < i + 1 else same
                    break
        if same is not None:
            del self.stack[same:]
        if kind in (K.DASH, K.PLUS):
            siblings = self.stack[-1].children if self.stack else self.roots
            label = f"{label}{sum(1 for s in siblings if s.kind == kind) + 1}"
        heading = marker.rest.rstrip(":").strip() if is_heading_like(marker.rest) else ""
        if kind in (K.DASH, K.PLUS, K.PAREN):
            heading = ""
        node = _Node(kind, label, heading, line.start, line.end, attached=self.attached, line_end=line.end)
        (self.stack[-1].children if self.stack else self.roots).append(node)
        self.stack.append(node)
        self._extend(line.end)

    def _add_paragraph(self, line: Line) -> None:
        if not self.stack:
            self.loose.append(line)
            return
        top = self.stack[-1]
        if top.kind in (K.PART, K.CHAPTER) and not top.heading and not top.children and is_caps(line.text):
            top.heading = line.text  # "Phần I" / "MỤC TIÊU, QUAN ĐIỂM CHỈ ĐẠO"
        top.paragraphs.append(line)
        self._extend(line.end)

    def _extend(self, end: int) -> None:
        for node in self.stack:
            node.end = max(node.end, end)

    def finish(self) -> tuple[list[Line], list[_Node], list[Line]]:
        """(preamble lines, body roots, closing lines split off the last node)."""
        closing: list[Line] = []
        if self.roots:
            last = self.roots[-1]
            while last.children:
                last = last.children[-1]
            # The closing formula ("Yêu cầu ... thực hiện./.") is not part of the last item.
            para = last.paragraphs
            idx = next((i for i, p in enumerate(para) if _is_closing(p.text)), None)
            if idx is not None:
                closing = para[idx:]
                del para[idx:]
                new_end = para[-1].end if para else last.line_end
                new_end = max([new_end] + [c.end for c in last.children])
                _shrink(self.roots, closing[0].start, new_end)
        return self.loose, self.roots, closing


def _is_closing(text: str) -> bool:
    return text.endswith("./.") or bool(re.match(r"^(Yêu cầu|Trên đây|Nhận được (văn bản|công văn))", text))


def _shrink(nodes: list[_Node], cut: int, new_end: int) -> None:
    for node in nodes:
        if node.end >= cut:
            node.end = max(new_end if node.start < cut else node.start, node.start)
            # Keep an ancestor's end at least its children's ends.
            _shrink(node.children, cut, new_end)
            if node.children:
                node.end = max(node.end, max(c.end for c in node.children))


# --- special blocks --------------------------------------------------------------------------

_KINH_GUI = re.compile(r"^Kính gửi\s*:?")
_NOI_NHAN = re.compile(r"^Nơi nhận\s*:?")
_APPENDIX = re.compile(r"^(PHỤ LỤC|Phụ lục)\b")
_PREAMBLE_START = re.compile(r"^(Căn cứ|Thực hiện|Xét đề nghị|Theo đề nghị|Thi hành|Để)\b")


def _is_header_line(text: str) -> bool:
    return bool(
        is_caps(text)
        or re.match(r"^Số\s*:?\s*\d", text)
        or re.match(r"^Số\s*:?\s*$", text)
        or re.search(r"ngày\s*\d{0,2}\s*(tháng|$)", text)
        or re.match(r"^\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}$", text)
        or text.startswith("Độc lập")
        or text.startswith("V/v")
        or re.match(r"^\((Ban hành )?[Kk]èm theo", text)
    )


def _signature_end(lines: list[Line], i: int) -> int | None:
    """If a signature block starts at line i, the index just past it."""
    j = i
    if j < len(lines) and _SIGN_PREFIX.match(lines[j].text) and is_caps(lines[j].text):
        j += 1
    while j < len(lines) and lines[j].blank:
        j += 1
    if j >= len(lines) or not (_POSITION_LINE.match(lines[j].text) or (j > i and is_caps(lines[j].text))):
        return None
    j += 1
    while j < len(lines) and (lines[j].blank or (is_caps(lines[j].text) and len(lines[j].text) < 40)):
        if lines[j].text and _TYPE_LINE.match(lines[j].text):
            return None
        j += 1
    if j < len(lines) and _NAME_LINE.match(lines[j].text) and not is_caps(lines[j].text):
        return j + 1
    return None


def build_tree(text: str) -> list[Section]:
    """The document's top-level sections, in order, covering every non-blank line."""
    lines = split_lines(text)
    nodes: list[_Node] = []
    n = len(lines)
    i = 0

    def block(kind: SectionKind, label: str, a: int, b: int, heading: str = "") -> _Node:
        content = [ln for ln in lines[a:b] if not ln.blank]
        node = _Node(kind, label, heading, content[0].start, content[-1].end)
        nodes.append(node)
        return node

    # Header: from the top while lines look like header lines (V/v continues until a blank line).
    while i < n and lines[i].blank:
        i += 1
    h0 = i
    in_vv = False
    while i < n:
        t = lines[i].text
        if not t:
            in_vv = False
            i += 1
            continue
        if _KINH_GUI.match(t) or _PREAMBLE_START.match(t) or (classify(t) and not is_caps(t)):
            break
        if t.startswith("V/v"):
            in_vv = True
        if not (in_vv or _is_header_line(t)):
            break
        i += 1
    if i > h0 and any(not ln.blank for ln in lines[h0:i]):
        block(K.HEADER, "Phần đầu", h0, i)

    body = _BodyBuilder(attached=False)
    seen_signature = False

    def flush_body() -> None:
        nonlocal body
        loose, roots, closing = body.finish()
        if loose:
            pre = _Node(K.PREAMBLE, "Mở đầu", "", loose[0].start, loose[-1].end, attached=body.attached)
            pre.paragraphs = loose
            nodes.append(pre)
        nodes.extend(roots)
        if closing:
            # The closing formula after an attached plan's body belongs to the plan.
            nodes.append(
                _Node(K.CLOSING, "Đoạn kết", "", closing[0].start, closing[-1].end, attached=body.attached)
            )
        body = _BodyBuilder(attached=body.attached)

    while i < n:
        line = lines[i]
        t = line.text
        if not t:
            i += 1
            continue
        if _KINH_GUI.match(t):
            flush_body()
            j = i + 1
            while j < n and (lines[j].blank or _M_DASH.match(lines[j].text)):
                j += 1
            block(K.RECIPIENTS, "Kính gửi", i, j)
            i = j
            continue
        if _NOI_NHAN.match(t):
            flush_body()
            j = i + 1
            while j < n and (lines[j].blank or _M_DASH.match(lines[j].text)):
                if not lines[j].blank and _signature_end(lines, j) is not None:
                    break
                j += 1
            block(K.DISTRIBUTION, "Nơi nhận", i, j)
            i = j
            continue
        sig_end = _signature_end(lines, i)
        if sig_end is not None:
            flush_body()
            block(K.SIGNATURE, "Chữ ký", i, sig_end)
            seen_signature = True
            i = sig_end
            continue
        if _APPENDIX.match(t):
            flush_body()
            i = _appendix(lines, i, nodes)
            continue
        if seen_signature and _TYPE_LINE.match(t):
            # The plan issued with this decision starts here: its title block, then its body.
            flush_body()
            j = i + 1
            while j < n and (
                lines[j].blank or is_caps(lines[j].text) or re.match(r"^\(.*(kèm theo)", lines[j].text)
            ):
                j += 1
            title = " ".join(ln.text for ln in lines[i + 1 : j] if is_caps(ln.text))
            block(K.ATTACHMENT, "Kế hoạch", i, j, heading=title).attached = True
            body = _BodyBuilder(attached=True)
            i = j
            continue
        body.add_line(line)
        i += 1
    flush_body()
    nodes.sort(key=lambda nd: nd.start)
    return [nd.to_section() for nd in nodes]


def _appendix(lines: list[Line], i: int, nodes: list[_Node]) -> int:
    """Parse a PHỤ LỤC block (title lines, caption, table rows) starting at line i."""
    n = len(lines)
    j = i + 1
    title: list[str] = []
    while j < n and not lines[j].cell:
        t = lines[j].text
        if t and not (is_caps(t) or t.startswith("(")):
            break  # the title block ends; what follows is appendix text or table
        if t and is_caps(t):
            title.append(t)
        j += 1
    label = "Phụ lục"
    m = re.match(r"^(?:PHỤ LỤC|Phụ lục)\s+([IVXLC]+|\d+)\b", lines[i].text)
    if m:
        label = f"Phụ lục {m.group(1)}"
    content = [ln for ln in lines[i:j] if not ln.blank]
    appendix = _Node(K.APPENDIX, label, " ".join(title), content[0].start, content[-1].end)
    nodes.append(appendix)
    # Table cells: lines that start with TAB (raw text kept them); blank lines separate rows.
    k = j
    while k < n and (lines[k].blank or _raw_is_cell(lines, k) or (k > 0 and _continues_cell(lines, k))):
        if not lines[k].blank and (_APPENDIX.match(lines[k].text) or _NOI_NHAN.match(lines[k].text)):
            break
        k += 1
    # The whole table region belongs to the appendix, also when no row of it is a numbered data
    # row (header rows only, or a table without an STT column): its lines must not be lost.
    region = [ln for ln in lines[j:k] if not ln.blank]
    if region:
        appendix.end = max(appendix.end, region[-1].end)
    rows = parse_table_rows(
        [(ln.text, ln.start, ln.end, _raw_is_cell(lines, idx)) for idx, ln in enumerate(lines[j:k], j)]
    )
    for row in rows:
        node = _Node(K.TABLE_ROW, row.label, "", row.start, row.end)
        node.record, node.roles = row.record, row.roles
        appendix.children.append(node)
        appendix.end = max(appendix.end, row.end)
    return k


def _raw_is_cell(lines: list[Line], k: int) -> bool:
    return lines[k].cell


def _continues_cell(lines: list[Line], k: int) -> bool:
    """A non-blank line right after a cell (or its continuation) continues that cell."""
    j = k - 1
    while j >= 0 and not lines[j].blank and not lines[j].cell:
        j -= 1
    return (
        not lines[k].blank and j >= 0 and j < k and lines[j].cell and all(not ln.blank for ln in lines[j:k])
    )
