"""Scale corpora for the benchmark: N documents generated from the real ones in ``corpus/``.

Each generated document is one of the real documents changed the way real archives differ from
one another: another province (and region), other places and people, tasks given to other
departments (the departments and bodies gold answers name are replaced by ones no gold answer
names), other document numbers, dates (years shifted, months and days changed), other figures, and
a different set and order of items (list items dropped, shuffled, or borrowed from another
document; numbered items renumbered). It is deterministic: document ``i`` of seed ``s`` depends on
``(s, i)`` only.

Generated documents are *distractors*: they must not answer a gold question in place of its gold
document. Every document is checked before it is written (``SafetyCheck``), on its whole text
folded (no diacritics, lower case) and matched on word boundaries:

* no gold document's number occurs (``2395/ubnd-ktth``, ...);
* for no answerable gold question do all its key facts occur together with its gold number;
* no key fact of an answerable question occurs at all, except the few listed in
  ``GENERIC_FACTS`` (topic words and boilerplate every province's plan uses, such as
  ``nguồn nhân lực`` or ``kể từ ngày ký``: they identify no document, and keeping them keeps the
  distractors as hard as real ones). A document that fails is generated again with the next
  attempt number; one that keeps failing stops the generation with the reason.

The output is ``<out>/<size>-<seed>/`` with the documents in shards of 1000 (``000/``, ``001/``,
...) and ``manifest.json`` (generator version, sources, gold file hash, counts, safety results).
An existing folder with a matching manifest is reused.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import random
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.documents.models import Section, SectionKind
from rag.documents.parser import parse_document
from rag.ingest import scan
from rag.text.readers import read_file
from rag.text.tokenize import CODE

GENERATOR_VERSION = "5"
SHARD = 1000

#: Key facts allowed to occur in generated documents: topic words and administrative boilerplate
#: that any province's document uses. They name no agency, place, person, number or date, so they
#: cannot make a distractor answer a gold question in place of its document.
GENERIC_FACTS = frozenset(
    {
        "phat trien cong nghiep",
        "nguon nhan luc",
        "phat trien nguon nhan luc",
        "cong nghiep ho tro",
        "det may",
        "nang luong sach",
        "ocop",
        "cap ngam",
        "vat lieu khong nung",
        "ke tu ngay ky",
        "tm. uy ban nhan dan",
        "pho chu tich",
        "cong dich vu cong",
        "lgsp",
        "trung tam logistics",
        "tuyen container trung chuyen quoc te",
        "de an tai co cau nganh cong nghiep",
        "luat to chuc chinh quyen dia phuong",
        "ke hoach thuc hien chien luoc hoi nhap quoc te",
        "tu can doi duoc nguon thu chi ngan sach dia phuong",
        "cac co quan trung uong tren dia ban tinh",
        "ubnd cac huyen, thi xa, thanh pho",
        "co quan thuong truc cua to dieu phoi",
        "thang cong nhan",
        "ngay hoi cong nhan",
        "xuc tien hinh thanh tuyen container",
        "co che lien ket vung kttdmt",
        "thang 11",  # a bare month: the month shift makes some month 11 in many documents
    }
)

# --- names ----------------------------------------------------------------------------------------

#: Places named in the real documents (the folded check catches any this list misses).
SOURCE_PLACES = (
    "Thừa Thiên Huế", "Quảng Ngãi", "Quảng Nam", "Đà Nẵng", "Bình Định", "Kon Tum", "Dung Quất",
    "Sa Huỳnh", "Mỹ Khê", "Lý Sơn", "Chu Lai", "Vạn Tường", "Tịnh Phong", "Phổ Phong", "Quảng Phú",
    "Bình Châu", "Hoàng Sa", "Dốc Sỏi", "Trì Bình", "Sơn Tịnh", "Sơn Tây", "Sơn Hà", "Bình Sơn",
    "Minh Long", "Thiên Ấn", "Thiên Đàng", "Thác Trắng", "Cà Đam", "Nghĩa Thuận", "Cam Lộ",
    "Túy Loan", "Tuý Loan", "Phú Bài", "An Vân Dương", "Sa Kỳ", "Trà Bồng", "Chân Mây", "Lăng Cô",
    "Phong Điền", "Phú Lộc", "Hương Thủy", "Hương Trà", "Quảng Điền", "Phú Vang", "A Lưới",
    "Nam Đông", "Thuận An", "Tư Hiền", "Cửa Việt", "Lao Bảo", "Nam Lào", "Sê Kông", "Bình Long",
    "Bình Hòa", "Bình Phước", "Bình Dương", "Hà Nội", "Huế", "QNgãi", "Tam Kỳ", "Hội An", "Mỹ Sơn",
    "Liên Chiểu", "Tiên Sa", "Kỳ Hà", "Nhơn Hội", "Quy Nhơn", "Đức Phổ", "Mộ Đức", "Tư Nghĩa",
    "Nghĩa Hành", "Ba Tơ", "Tây Trà", "Trà Bồng", "Đông Hà", "Quảng Trị", "Lao Bảo",
)  # fmt: skip

#: (region, its key-economic-region abbreviation, its large region) and the provinces drawn for it.
REGIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("phía Bắc", "KTTĐPB", "Đồng bằng sông Hồng",
     ("Hải Dương", "Hưng Yên", "Bắc Ninh", "Quảng Ninh", "Vĩnh Phúc", "Hà Nam", "Nam Định", "Ninh Bình",
      "Bắc Giang", "Phú Thọ", "Thái Nguyên", "Lạng Sơn")),
    ("phía Nam", "KTTĐPN", "Đông Nam Bộ",
     ("Đồng Nai", "Long An", "Tây Ninh", "Bà Rịa - Vũng Tàu", "Tiền Giang", "Bến Tre", "Lâm Đồng",
      "Ninh Thuận", "Bình Thuận", "Khánh Hòa", "Phú Yên", "Đắk Lắk")),
    ("đồng bằng sông Cửu Long", "KTTĐ ĐBSCL", "Đồng bằng sông Cửu Long",
     ("An Giang", "Kiên Giang", "Cà Mau", "Sóc Trăng", "Bạc Liêu", "Hậu Giang", "Trà Vinh", "Vĩnh Long",
      "Đồng Tháp", "Nghệ An", "Hà Tĩnh", "Thanh Hóa")),
)  # fmt: skip

#: Districts, towns and landmarks the generated documents use instead of the real ones.
PLACE_POOL = (
    "Tân Uyên", "Bến Cát", "Phú Giáo", "Long Thành", "Nhơn Trạch", "Trảng Bom", "Đức Hòa", "Bến Lức",
    "Cần Giuộc", "Gò Công", "Cái Bè", "Tri Tôn", "Tịnh Biên", "Châu Đốc", "Long Xuyên", "Rạch Giá",
    "Hà Tiên", "Phú Quốc", "Năm Căn", "Đầm Dơi", "Cẩm Phả", "Uông Bí", "Móng Cái", "Vân Đồn",
    "Đông Triều", "Từ Sơn", "Quế Võ", "Yên Phong", "Tiên Du", "Văn Lâm", "Mỹ Hào", "Kim Động", "Chí Linh",
    "Kinh Môn", "Nam Sách", "Bình Xuyên", "Tam Đảo", "Phúc Yên", "Long Hải", "Phú Mỹ", "Xuyên Mộc",
    "Côn Đảo", "Gò Dầu", "Trảng Bàng", "Hòa Thành", "Cam Ranh", "Vân Phong", "Ninh Hòa", "Tuy Hòa",
    "Sông Cầu", "Phan Rang", "Phan Thiết", "Mũi Né", "Bảo Lộc", "Đức Trọng", "Buôn Hồ", "Cửa Lò",
    "Vũng Áng", "Nghi Sơn", "Sầm Sơn", "Hoàng Mai", "Quỳnh Lưu", "Diễn Châu", "Thạch Hà", "Kỳ Anh",
    "Cẩm Xuyên", "Hồng Lĩnh", "Định Quán", "Xuân Lộc", "Cát Tiên", "Thủ Thừa", "Tân An", "Mỹ Tho",
    "Chợ Gạo", "Ba Tri", "Thạnh Phú", "Trần Đề", "Vĩnh Châu", "Ngã Bảy", "Long Mỹ", "Duyên Hải",
    "Tam Nông", "Cao Lãnh", "Sa Đéc", "Hồng Ngự",
)  # fmt: skip

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
            "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh")  # fmt: skip
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Quang", "Minh", "Thanh", "Ngọc", "Xuân", "Hoài", "Công", "Anh")
_GIVEN = ("Hùng", "Dũng", "Tuấn", "Sơn", "Hải", "Long", "Nam", "Bình", "Thắng", "Lợi", "Khoa", "Tâm",
          "Trí", "Nghĩa", "Hiền", "Lan", "Hương", "Thảo", "Tùng", "Cường", "Phúc", "Quý", "Vinh", "Toàn",
          "Hạnh", "Mai", "Đông", "Khánh", "Luân", "Kiên")  # fmt: skip
KEEP_NAMES = ("Hồ Chí Minh",)

#: Departments that gold answers name: a generated document gives their tasks to departments
#: that no gold answer names (provinces share out tasks differently), one choice per document.
ANSWER_DEPARTMENTS = (
    "Sở Lao động - Thương binh và Xã hội", "Sở Lao động, Thương binh và Xã hội", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Văn hóa - Thể thao và Du lịch", "Sở Thông tin và Truyền thông", "Sở Kế hoạch và Đầu tư",
    "Sở Giao thông vận tải", "Sở Công Thương", "Sở Tài chính", "Sở Ngoại vụ", "Sở Du lịch", "Sở KHĐT",
)  # fmt: skip
#: Departments no gold question or answer names (the generator checks it against the gold file).
OTHER_DEPARTMENTS = (
    "Sở Tư pháp",
    "Sở Tài nguyên và Môi trường",
    "Sở Giáo dục và Đào tạo",
    "Sở Dân tộc và Tôn giáo",
)
ANSWER_MINISTRIES = ("Bộ Kế hoạch và Đầu tư", "Văn phòng Chính phủ")
OTHER_MINISTRIES = (
    "Bộ Nội vụ",
    "Bộ Tư pháp",
    "Bộ Y tế",
    "Bộ Tài nguyên và Môi trường",
    "Thanh tra Chính phủ",
)
#: Other bodies gold answers name → another body with the same kind of role.
RENAMED_BODIES = (
    ("Ban Quản lý dự án đầu tư xây dựng các công trình Giao thông",
     "Ban Quản lý dự án đầu tư xây dựng các công trình Dân dụng và Công nghiệp"),
    ("Bộ Chỉ huy Bộ đội biên phòng", "Công an"),
    ("Trung tâm Xúc tiến Đầu tư", "Trung tâm Hỗ trợ doanh nghiệp"),
    ("Chánh Văn phòng", "Chánh Thanh tra"),
    ("Ban Chỉ đạo về hội nhập quốc tế", "Ban Chỉ đạo về công tác đối ngoại"),
)  # fmt: skip
AGENCIES = (*ANSWER_DEPARTMENTS, *ANSWER_MINISTRIES, *(a for a, _ in RENAMED_BODIES))

#: Region phrases (regular expressions, case-insensitive) → which part of the document's region.
REGION_PHRASES: tuple[tuple[str, str], ...] = (
    (r"Bắc Trung [Bb]ộ và [Dd]uyên hải [Mm]iền Trung", "large"),
    (r"Nam Trung [Bb]ộ và Tây Nguyên", "large"),
    (r"[Mm]iền Trung\s?-\s?Tây Nguyên", "large"),
    (r"KTTĐ\s?MT", "abbr"),
    (r"KTTĐ [Mm]iền Trung", "abbr"),
    (r"[Mm]iền Trung", "name"),
    (r"Tây Nguyên", "large"),
)

# --- folding and the safety check -----------------------------------------------------------------


def fold_bytes(text: str) -> bytes:
    """``text`` without diacritics, lower case, whitespace collapsed to single spaces, as ASCII bytes
    (``Đ`` → ``d``; other non-ASCII characters dropped): ``rag.text.normalize.fold(text).lower()``,
    fast enough to check every generated document."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("\u00d0", "D")
    return b" ".join(unicodedata.normalize("NFD", text).encode("ascii", "ignore").lower().split())


_WORD_SPLIT = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))
_ALNUM = frozenset(range(48, 58)) | frozenset(range(97, 123))


def _words(folded: bytes) -> set[bytes]:
    return set(folded.translate(_WORD_SPLIT).split())


@dataclass(frozen=True)
class Fact:
    """A string that must not occur in a generated document: folded, on word boundaries (a number
    never matches inside a longer number, ``20`` is not in ``2022``)."""

    text: str
    folded: bytes
    words: frozenset[bytes]

    @staticmethod
    def of(text: str) -> Fact:
        folded = fold_bytes(text)
        return Fact(text, folded, frozenset(_words(folded)))

    def found_in(self, folded: bytes, words: set[bytes]) -> bool:
        if not self.words <= words:
            return False
        n = len(self.folded)
        at = folded.find(self.folded)
        while at >= 0:
            before = folded[at - 1] if at > 0 else 32
            after = folded[at + n] if at + n < len(folded) else 32
            edge_ok = (before not in _ALNUM or self.folded[0] not in _ALNUM) and (
                after not in _ALNUM or self.folded[-1] not in _ALNUM
            )
            if edge_ok:
                return True
            at = folded.find(self.folded, at + 1)
        return False


@dataclass
class SafetyCheck:
    """The gold set's answers, as the facts generated documents must not contain."""

    numbers: list[Fact]  # citation numbers of the gold documents
    questions: list[tuple[str, list[Fact], list[Fact]]]  # (id, key facts, gold numbers)
    strict: list[Fact]  # key facts that must not occur at all
    needles: list[tuple[str, Fact]] = field(default_factory=list)  # (question ids, text of its answer)

    @staticmethod
    def from_gold(gold: Path) -> SafetyCheck:
        numbers: dict[str, Fact] = {}
        questions = []
        strict: dict[bytes, Fact] = {}
        for line in gold.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            if not q.get("answerable"):
                continue
            nums = [numbers.setdefault(g["doc_number"], Fact.of(g["doc_number"])) for g in q["gold"]]
            facts = [Fact.of(k) for k in q["key_facts"]]
            questions.append((str(q["id"]), facts, nums))
            for f in facts:
                if f.folded.decode() not in GENERIC_FACTS:
                    strict.setdefault(f.folded, f)
        return SafetyCheck(list(numbers.values()), questions, list(strict.values()))

    def violations(self, text: str) -> list[str]:
        """Why ``text`` could answer a gold question in place of its document (empty: it cannot)."""
        folded = fold_bytes(text)
        words = _words(folded)
        out = [f"gold document number {f.text!r}" for f in self.numbers if f.found_in(folded, words)]
        for qid, facts, nums in self.questions:
            if any(n.found_in(folded, words) for n in nums) and all(f.found_in(folded, words) for f in facts):
                out.append(f"{qid}: all key facts together with its gold document number")
        out += [f"key fact {f.text!r}" for f in self.strict if f.found_in(folded, words)]
        out += [f"{qids}: the passage answering it (the question names no document)"
                for qids, f in self.needles if f.found_in(folded, words)]  # fmt: skip
        return out

    def generic_found(self, text: str) -> list[str]:
        folded = fold_bytes(text)
        words = _words(folded)
        return sorted({f.folded.decode() for _, facts, _ in self.questions for f in facts
                       if f.folded.decode() in GENERIC_FACTS and f.found_in(folded, words)})  # fmt: skip


# --- templates --------------------------------------------------------------------------------------

#: A piece of template text: a literal, or a slot (kind, text as written) filled per document.
Piece = tuple[str, str]
LITERAL = ""

_RELABEL = {SectionKind.LETTER, SectionKind.NUMBER, SectionKind.DOTTED, SectionKind.ROMAN, SectionKind.ALPHA}
_EDITABLE = _RELABEL | {SectionKind.DASH, SectionKind.PLUS, SectionKind.PAREN}
_LETTERS = "a b c d đ e g h i k l m n o p q r s t u v x y".split()


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


@dataclass
class Block:
    """A section of a template: its label marker, its own text, then its children, each with the
    text that follows it (the root block, kind None, is the whole document)."""

    kind: SectionKind | None
    label: str
    marker: str  # the label as written at the start ("2.2.", "b)"), "" when not found
    head: list[Piece]
    items: list[tuple[Block, list[Piece]]] = field(default_factory=list)
    path: tuple[str, ...] = ()
    dropped: bool = False  # answers a question that names no document: never in a generated one


@dataclass
class Template:
    name: str
    root: Block
    place: str  # the province the document is from
    number: str | None = None  # its citation number

    def blocks(self) -> Iterator[Block]:
        stack = [self.root]
        while stack:
            b = stack.pop()
            yield b
            stack.extend(c for c, _ in reversed(b.items))


def _variants(name: str) -> list[str]:
    out = {name, name.upper()}
    return sorted(out, key=len, reverse=True)


def _agency_re(name: str) -> str:
    """The agency's first word as written, the rest in any letter case ("Vận tải", "Truyền Thông")."""
    first, _, rest = name.partition(" ")
    return re.escape(first) + (r"\s+(?i:" + r"\s+".join(map(re.escape, rest.split())) + ")" if rest else "")


def _agency_key(text: str) -> str:
    return " ".join(text.split()).lower()


_DEPARTMENT_KEYS = frozenset(_agency_key(a) for a in ANSWER_DEPARTMENTS)
_MINISTRY_KEYS = frozenset(_agency_key(a) for a in ANSWER_MINISTRIES)
_RENAMED = {_agency_key(a): b for a, b in RENAMED_BODIES}


def _slot_pattern() -> re.Pattern[str]:
    name = r"(?!\w)"
    alternatives = [
        ("code", f"(?:{CODE}){name}"),
        ("date_words", r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}(?!\d)"),
        ("date", r"\d{1,2}/\d{1,2}/\d{4}(?!\d)"),
        ("month_year", r"\d{1,2}/\d{4}(?!\d)"),
        ("quarter", r"(?:I|II|III|IV)/\d{4}(?!\d)"),
        ("month", r"(?:tháng|Tháng|THÁNG)\s+\d{1,2}(?![\d/,.])"),
        ("year", r"(?:19[5-9]\d|20\d\d)(?![\d.,]\d|\d)"),
        ("keep_ref", r"(?:[Đđ]iều|[Kk]hoản|[Mm]ục|[Đđ]iểm|[Cc]hương|[Pp]hần)\s+\d+(?:\.\d+)*(?![\d])"),
        ("number", r"\d+(?:[.,]\d+)*"),
        ("keep", "(?:" + "|".join(re.escape(n) for n in KEEP_NAMES) + ")" + name),
        ("region", "(?i:" + "|".join(f"(?:{p})" for p, _ in REGION_PHRASES) + ")" + name),
        ("agency", "(?:" + "|".join(_agency_re(a) for a in sorted(AGENCIES, key=len, reverse=True)) + ")" + name),
        ("place", "(?:" + "|".join(re.escape(v) for p in sorted(set(SOURCE_PLACES), key=len, reverse=True)
                                   for v in _variants(p)) + ")" + name),
        ("person", r"(?:" + "|".join(SURNAMES) + r")(?:\s[A-ZĐÂĂÊÔƠƯ][a-zđàáảãạâầấẩẫậăằắẳẵặèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]+){1,3}" + name),
    ]  # fmt: skip
    body = "|".join(f"(?P<{k}>{v})" for k, v in alternatives)
    return re.compile(r"(?<![\w/])(?:" + body + ")")


_SLOTS = _slot_pattern()


def _pieces(text: str) -> list[Piece]:
    out: list[Piece] = []
    pos = 0
    for m in _SLOTS.finditer(text):
        if m.start() > pos:
            out.append((LITERAL, text[pos : m.start()]))
        kind = m.lastgroup or "keep"
        out.append((LITERAL if kind.startswith("keep") else kind, m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append((LITERAL, text[pos:]))
    return out


def _block(text: str, node: Section, path: tuple[str, ...]) -> Block:
    head = text[node.start : (node.children[0].start if node.children else node.end)]
    marker = ""
    if node.kind in _RELABEL:
        m = re.match(r"\s*" + re.escape(node.label) + r"[.):]?", head)
        if m:
            marker = m.group(0)
    here = (*path, node.label)
    items = _items(text, node.children, node.end, here)
    return Block(node.kind, node.label, marker, _pieces(head[len(marker) :]), items, here)


def _items(
    text: str, nodes: list[Section], end: int, path: tuple[str, ...]
) -> list[tuple[Block, list[Piece]]]:
    out = []
    for i, child in enumerate(nodes):
        nxt = nodes[i + 1].start if i + 1 < len(nodes) else end
        out.append((_block(text, child, path), _pieces(text[child.end : nxt]) if nxt > child.end else []))
    return out


def load_templates(corpus_dir: Path) -> list[Template]:
    """The real documents of ``corpus_dir`` as templates (sorted by file name)."""
    files, _ = scan([corpus_dir])
    out = []
    for path in sorted(files, key=lambda p: p.name):
        doc = parse_document(read_file(path).text, source=path.name, content_hash="")
        first = doc.sections[0].start if doc.sections else len(doc.text)
        root = Block(
            None, "", "", _pieces(doc.text[:first]), _items(doc.text, doc.sections, len(doc.text), ())
        )
        issuer = doc.issuer or ""
        place = next((p for p in SOURCE_PLACES if p in issuer), "Quảng Ngãi")
        out.append(Template(path.stem, root, place, doc.cite_number))
    return out


# --- one generated document ---------------------------------------------------------------------


class _Doc:
    """The choices of one generated document: its province, region, shifts and name mappings."""

    def __init__(
        self, rng: random.Random, template: Template, gold_numbers: set[str], places: Sequence[str]
    ) -> None:
        self.rng = rng
        self.template = template.name
        home = template.place
        region = rng.choice(REGIONS)
        self.region_name, self.region_abbr, self.region_large, provinces = region
        self.province = rng.choice(provinces)
        self.home = home
        self.year_shift = rng.choice([-9, -8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4])
        self.month_shift = rng.randint(1, 11)
        self.factor = rng.choice([rng.uniform(0.55, 0.85), rng.uniform(1.2, 1.9)])
        self.gold_numbers = gold_numbers
        self.places = places
        self.memo: dict[tuple[str, str], str] = {}
        self.days: dict[tuple[int, int], int] = {}
        self.used_places: set[str] = {self.province}
        others = [p for _, _, _, ps in REGIONS for p in ps if p != self.province]
        self.other_provinces = rng.sample(others, k=len(others))

    def fill(self, kind: str, text: str) -> str:
        key = (kind, text)
        got = self.memo.get(key)
        if got is None:
            got = self._new(kind, text)
            self.memo[key] = got
        return got

    # --- per kind ---

    def _new(self, kind: str, text: str) -> str:
        fn: Callable[[str], str] = getattr(self, f"_{kind}")
        return fn(text)

    def _year(self, text: str) -> str:
        return str(int(text) + self.year_shift)

    def _month(self, text: str) -> str:
        word, num = text.split()[0], text.split()[-1]
        m = (int(num) - 1 + self.month_shift) % 12 + 1
        return f"{word} {m:0{len(num)}d}" if num.startswith("0") else f"{word} {m}"

    def _day(self, day: str, month: str) -> str:
        """The new day of an original (day, month): the same in every way the date is written."""
        key = (int(day), int(month))
        d = self.days.get(key)
        if d is None:
            d = self.days[key] = self.rng.randint(1, 28)
        return f"{d:02d}" if day.startswith("0") and d < 10 else str(d)

    def _date(self, text: str) -> str:
        d, m, y = text.split("/")
        mm = (int(m) - 1 + self.month_shift) % 12 + 1
        month = f"{mm:02d}" if m.startswith("0") and mm < 10 else str(mm)
        return f"{self._day(d, m)}/{month}/{self._year(y)}"

    def _quarter(self, text: str) -> str:
        q, y = text.split("/")
        return f"{q}/{self._year(y)}"

    def _month_year(self, text: str) -> str:
        m, y = text.split("/")
        mm = (int(m) - 1 + self.month_shift) % 12 + 1
        return f"{mm:0{len(m)}d}/{self._year(y)}" if m.startswith("0") else f"{mm}/{self._year(y)}"

    def _date_words(self, text: str) -> str:
        nums = re.findall(r"\d+", text)
        d, m, y = nums
        mm = (int(m) - 1 + self.month_shift) % 12 + 1
        return f"ngày {self._day(d, m)} tháng {mm} năm {self._year(y)}"

    def _code(self, text: str) -> str:
        m = re.match(r"(\d+)(.*)", text, re.S)
        assert m is not None
        number, rest = m.groups()
        rest = re.sub(r"(?<=/)(19[5-9]\d|20\d\d)(?=/)", lambda y: self._year(y.group(1)), rest)
        new = self.fill("doc_number", number)
        return new + rest

    def _doc_number(self, text: str) -> str:
        while True:
            n = str(self.rng.randint(1, 3999))
            # Not a gold number, nor one containing it ("125/QĐ-UBND" holds "25/QĐ-UBND" as a substring).
            if n != text.lstrip("0") and not any(g in n for g in self.gold_numbers):
                return n.zfill(len(text)) if text.startswith("0") else n

    def _number(self, text: str) -> str:
        if "." in text and any(len(g) != 3 for g in text.split(",")[0].split(".")[1:]):
            return text  # a section reference ("2.1") or a version ("4.0"), not a figure
        if text.isdigit() and int(text) <= 31:
            v = int(text)
            while True:
                n = self.rng.randint(1, max(12, 2 * v))
                if n != v:
                    return f"{n:0{len(text)}d}" if text.startswith("0") else str(n)
        integer, _, decimals = text.partition(",")
        value = float(integer.replace(".", "") + ("." + decimals if decimals else ""))
        new = value * self.factor * self.rng.uniform(0.92, 1.08)
        out = _format_number(new, thousands="." in integer, decimals=len(decimals))
        return (
            out if out != text else _format_number(new + 1, thousands="." in integer, decimals=len(decimals))
        )

    def _region(self, text: str) -> str:
        for pattern, part in REGION_PHRASES:
            if re.fullmatch(pattern, text, re.IGNORECASE):
                value = {"large": self.region_large, "abbr": self.region_abbr, "name": self.region_name}[part]
                if part == "name" and text[:1].isupper():
                    value = value[:1].upper() + value[1:]
                return value.upper() if text.isupper() else value
        return self.region_name

    def _agency(self, text: str) -> str:
        key = _agency_key(text)
        if key in _DEPARTMENT_KEYS:
            return self.rng.choice(OTHER_DEPARTMENTS)
        if key in _MINISTRY_KEYS:
            return self.rng.choice(OTHER_MINISTRIES)
        return _RENAMED[key]

    def _place(self, text: str) -> str:
        upper = text.isupper()
        title = next((p for p in SOURCE_PLACES if p.upper() == text.upper()), text)
        if title == "QNgãi":
            initials = "".join(w[0] for w in self.province.split()[:-1])
            return initials + self.province.split()[-1]
        if title == self.home or (title == "Huế" and self.home == "Thừa Thiên Huế"):
            new = self.province
        elif title in {p for _, _, _, ps in REGIONS for p in ps} or title in (
            "Thừa Thiên Huế", "Quảng Ngãi", "Quảng Nam", "Đà Nẵng", "Bình Định", "Kon Tum", "Quảng Trị",
            "Bình Phước", "Bình Dương", "Hà Nội",
        ):  # fmt: skip
            new = self.other_provinces.pop() if self.other_provinces else self.province
        else:
            new = self.rng.choice(self.places)
            for _ in range(8):
                if new not in self.used_places:
                    break
                new = self.rng.choice(self.places)
        self.used_places.add(new)
        return new.upper() if upper else new

    def _person(self, text: str) -> str:
        parts = [self.rng.choice(SURNAMES), self.rng.choice(_MIDDLE), self.rng.choice(_GIVEN)]
        if len(text.split()) == 2:
            parts = [parts[0], parts[2]]
        return " ".join(parts)


def _format_number(value: float, *, thousands: bool, decimals: int) -> str:
    if decimals:
        integer, frac = f"{value:.{decimals}f}".split(".")
    else:
        integer, frac = str(max(1, round(value))), ""
    if thousands and len(integer) > 3:
        integer = f"{int(integer):,}".replace(",", ".")
    return integer + ("," + frac if frac else "")


def _emit(pieces: list[Piece], doc: _Doc, out: list[str]) -> None:
    for kind, text in pieces:
        out.append(text if kind == LITERAL else doc.fill(kind, text))


def _render(block: Block, doc: _Doc, out: list[str], label: str) -> None:
    if block.marker:
        out.append(block.marker.replace(block.label, label, 1))
    _emit(block.head, doc, out)
    for child, child_label, trailing in _edit(block, doc, label):
        _render(child, doc, out, child_label)
        _emit(trailing, doc, out)


def _edit(block: Block, doc: _Doc, label: str) -> list[tuple[Block, str, list[Piece]]]:
    """The block's children after dropping, shuffling, adding and renumbering list items. The text
    after each item stays at its position (the last item's, which may close the list, stays last)."""
    items = [(c, t) for c, t in block.items if not c.dropped]
    if not items:
        return []
    kinds = {c.kind for c, _ in items}
    if block.kind is None or len(items) < 2 or len(kinds) != 1 or not kinds <= _EDITABLE:
        return [(c, _dotted(c, label), t) for c, t in items]
    rng = doc.rng
    kind = items[0][0].kind
    assert kind is not None
    chosen = [c for c, _ in items]
    if rng.random() < 0.5:  # drop some items, keep at least half
        kept = [c for c in chosen if rng.random() > 0.2]
        chosen = kept if len(kept) * 2 >= len(chosen) else chosen[: (len(chosen) + 1) // 2]
    if rng.random() < 0.35:
        rng.shuffle(chosen)
    pool = [b for name, b in _POOL.get(kind, []) if name != doc.template]
    if pool and rng.random() < 0.15:  # an item borrowed from another document
        chosen.insert(rng.randint(0, len(chosen)), rng.choice(pool))
    trailing = [t for _, t in items]
    out = []
    for n, child in enumerate(chosen, 1):
        at = len(trailing) - 1 if n == len(chosen) else min(n - 1, max(0, len(trailing) - 2))
        new_label = _new_label(kind, n, child.label, label) if kind in _RELABEL else child.label
        out.append((child, new_label, trailing[at]))
    return out


def _dotted(child: Block, parent_label: str) -> str:
    if child.kind == SectionKind.DOTTED and "." in child.label and re.fullmatch(r"\d+(\.\d+)*", parent_label):
        return f"{parent_label}.{child.label.rsplit('.', 1)[1]}"
    return child.label


def _new_label(kind: SectionKind, n: int, old: str, parent_label: str) -> str:
    if kind == SectionKind.LETTER:
        return _LETTERS[(n - 1) % len(_LETTERS)]
    if kind == SectionKind.NUMBER:
        return str(n)
    if kind == SectionKind.DOTTED:
        prefix = parent_label if re.fullmatch(r"\d+(\.\d+)*", parent_label) else old.rsplit(".", 1)[0]
        return f"{prefix}.{n}"
    if kind == SectionKind.ROMAN:
        return _roman(n)
    if kind == SectionKind.ALPHA:
        return chr(ord("A") + n - 1)
    return old


#: List items of every template by kind, with the template they come from (borrowed by others).
_POOL: dict[SectionKind, list[tuple[str, Block]]] = {}


def _fill_pool(templates: list[Template]) -> None:
    _POOL.clear()

    def walk(name: str, block: Block, depth: int) -> None:
        if block.dropped:
            return
        if depth >= 3 and block.kind in _EDITABLE:
            _POOL.setdefault(block.kind, []).append((name, block))
        for child, _ in block.items:
            walk(name, child, depth + 1)

    for t in templates:
        walk(t.name, t.root, 0)


# --- questions that name no document -----------------------------------------------------------------

#: Region words the generator changes: a question using them names its region.
REGION_WORDS = ("miền Trung", "KTTĐMT", "KTTĐ MT", "Central", "Tây Nguyên")
_YEAR_RE = re.compile(r"(?<![0-9])(19[5-9][0-9]|20[0-9][0-9])(?![0-9])")


def names_its_document(question: str, gold_numbers: set[str]) -> bool:
    """Whether a question says which document it is about through something every generated
    document changes: a gold document's number, a place or region, a person, or a year."""
    folded = fold_bytes(question)
    text = folded.decode()
    if _YEAR_RE.search(text):
        return True
    if any(re.search(rf"(?<![0-9/]){re.escape(n)}(?![0-9])", text) for n in gold_numbers):
        return True
    words = _words(folded)
    return any(Fact.of(p).found_in(folded, words) for p in (*SOURCE_PLACES, *REGION_WORDS))


def drop_unscoped_answers(
    templates: list[Template], gold: Path, gold_numbers: set[str]
) -> dict[str, list[str]]:
    """Mark the gold sections of answerable questions that name no document (``names_its_document``)
    as never generated: in an archive of near-copies such a question would have as many right
    answers as copies, and the gold answer would be arbitrary. Returns {question id: sections}."""
    from rag.text.tokenize import code_key

    by_number = {code_key(t.number): t for t in templates if t.number}
    out: dict[str, list[str]] = {}
    for line in gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        if not q.get("answerable") or names_its_document(q["question"], gold_numbers):
            continue
        for g in q["gold"]:
            t = by_number.get(code_key(g["doc_number"]))
            if t is None:
                continue
            path = tuple(g["section_path"])
            for b in t.blocks():
                if b.path == path and b.kind not in (SectionKind.HEADER, SectionKind.SIGNATURE):
                    b.dropped = True
                    out.setdefault(q["id"], []).append(f"{g['doc_number']} {'/'.join(path)}")
    return out


def answer_needles(templates: list[Template], dropped: dict[str, list[str]]) -> list[tuple[str, Fact]]:
    """Long literal passages of the dropped sections that occur nowhere else in the templates: a
    generated document containing one would carry an unscoped question's answer."""
    inside: list[tuple[str, bytes]] = []  # (section "number path", literal)
    outside: list[bytes] = []
    qids: dict[str, list[str]] = {}
    for q, sections in dropped.items():
        for section in sections:
            qids.setdefault(section, []).append(q)

    def walk(t: Template, block: Block, dropped_at: str | None) -> None:
        if block.dropped and dropped_at is None:
            dropped_at = f"{t.number} {'/'.join(block.path)}"
        for kind, text in block.head:
            if kind == LITERAL:
                (
                    inside.append((dropped_at, fold_bytes(text)))
                    if dropped_at
                    else outside.append(fold_bytes(text))
                )
        for child, trailing in block.items:
            walk(t, child, dropped_at)
            for kind, text in trailing:
                if kind == LITERAL:
                    (
                        inside.append((dropped_at, fold_bytes(text)))
                        if dropped_at
                        else outside.append(fold_bytes(text))
                    )

    for t in templates:
        walk(t, t.root, None)
    rest = b"\n".join(outside)
    out: list[tuple[str, Fact]] = []
    for section, lit in inside:
        if len(lit) >= 40 and lit not in rest:
            out.append((",".join(qids.get(section, [section])), Fact.of(lit.decode())))
    return out


# --- the generator ------------------------------------------------------------------------------------


@dataclass
class GeneratedDoc:
    index: int
    source: str
    province: str
    text: str
    attempts: int
    generic: list[str]


class Generator:
    """Generates document ``i`` of a seed, checked against the gold set (see the module docstring)."""

    MAX_ATTEMPTS = 12

    def __init__(self, corpus_dir: Path, gold: Path, seed: int) -> None:
        self.templates = load_templates(corpus_dir)
        if not self.templates:
            raise ValueError(f"no documents in {corpus_dir} to generate from")
        self.check = SafetyCheck.from_gold(gold)
        self.gold_numbers = {f.text.split("/")[0] for f in self.check.numbers}
        self.dropped = drop_unscoped_answers(self.templates, gold, self.gold_numbers)
        self.check.needles = answer_needles(self.templates, self.dropped)
        _fill_pool(self.templates)
        corpus_folded = b" ".join(fold_bytes(t.name) for t in self.templates)
        corpus_folded += b" " + b" ".join(fold_bytes(read_file(p).text) for p in scan([corpus_dir])[0])
        words = _words(corpus_folded)
        # Pool names that occur in the real documents would bring their facts back: leave them out.
        self.places = [p for p in PLACE_POOL if not Fact.of(p).found_in(corpus_folded, words)]
        self.seed = seed

    def document(self, i: int) -> GeneratedDoc:
        last: list[str] = []
        template = self.templates[random.Random(f"{self.seed}:{i}").randrange(len(self.templates))]
        for attempt in range(self.MAX_ATTEMPTS):
            rng = random.Random(f"{self.seed}:{i}:{attempt}")
            doc = _Doc(rng, template, self.gold_numbers, self.places)
            out: list[str] = []
            _render(template.root, doc, out, "")
            text = "".join(out)
            last = self.check.violations(text)
            if not last:
                return GeneratedDoc(
                    i, template.name, doc.province, text, attempt + 1, self.check.generic_found(text)
                )
        raise GenerationError(f"document {i} (seed {self.seed}) still contains gold answers after "
                              f"{self.MAX_ATTEMPTS} attempts: {'; '.join(last[:5])}")  # fmt: skip

    def documents(self, start: int, stop: int) -> Iterator[GeneratedDoc]:
        for i in range(start, stop):
            yield self.document(i)


class GenerationError(RuntimeError):
    """A generated document would answer a gold question in place of its gold document."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_bytes(text).decode()).strip("-")


def doc_path(root: Path, doc: GeneratedDoc) -> Path:
    return (
        root
        / f"{doc.index // SHARD:03d}"
        / f"{doc.index:06d}-{_slug(doc.source)[:40]}-{_slug(doc.province)}.txt"
    )


def _write_range(args: tuple[str, str, int, int, int, str]) -> dict[str, Any]:
    """Generate and write documents [start, stop) (in a worker process); returns the counts."""
    corpus_dir, gold, seed, start, stop, root = args
    gen = Generator(Path(corpus_dir), Path(gold), seed)
    stats: dict[str, Any] = {"documents": 0, "bytes": 0, "retries": 0, "generic": {}, "sources": {}}
    for doc in gen.documents(start, stop):
        path = doc_path(Path(root), doc)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = doc.text.encode("utf-8")
        path.write_bytes(data)
        stats["documents"] += 1
        stats["bytes"] += len(data)
        stats["retries"] += doc.attempts - 1
        stats["sources"][doc.source] = stats["sources"].get(doc.source, 0) + 1
        for g in doc.generic:
            stats["generic"][g] = stats["generic"].get(g, 0) + 1
    return stats


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus_fingerprint(corpus_dir: Path, gold: Path) -> dict[str, Any]:
    files, _ = scan([corpus_dir])
    return {
        "generator_version": GENERATOR_VERSION,
        "sources": {p.name: _sha(p) for p in sorted(files, key=lambda p: p.name)},
        "gold_sha256": _sha(gold),
    }


@dataclass
class GeneratedCorpus:
    root: Path
    size: int
    seed: int
    manifest: dict[str, Any]
    reused: bool

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"


def generate_corpus(
    corpus_dir: Path,
    gold: Path,
    size: int,
    seed: int,
    out_dir: Path,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> GeneratedCorpus:
    """Write ``size`` generated documents to ``out_dir/<size>-<seed>/docs`` (reused when the
    manifest matches). Raises GenerationError when the answer-safety check fails."""
    root = out_dir / f"{size}-{seed}"
    expected = {**corpus_fingerprint(corpus_dir, gold), "size": size, "seed": seed}
    manifest_path = root / "manifest.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError:
            manifest = {}
        if all(manifest.get(k) == v for k, v in expected.items()) and manifest.get("complete"):
            return GeneratedCorpus(root, size, seed, manifest, reused=True)
    started = time.perf_counter()
    tmp = out_dir / f".{size}-{seed}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    docs = tmp / "docs"
    docs.mkdir(parents=True)
    step = SHARD if size >= 2 * SHARD else max(1, size)
    ranges = [
        (str(corpus_dir), str(gold), seed, a, min(a + step, size), str(docs)) for a in range(0, size, step)
    ]
    totals: dict[str, Any] = {"documents": 0, "bytes": 0, "retries": 0, "generic": {}, "sources": {}}

    def add(stats: dict[str, Any]) -> None:
        for k in ("documents", "bytes", "retries"):
            totals[k] += stats[k]
        for k in ("generic", "sources"):
            for name, n in stats[k].items():
                totals[k][name] = totals[k].get(name, 0) + n
        if progress is not None:
            progress(int(stats["documents"]))

    if workers > 1 and len(ranges) > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for stats in pool.map(_write_range, ranges):
                add(stats)
    else:
        for r in ranges:
            add(_write_range(r))
    manifest = {
        **expected,
        "complete": True,
        "documents": totals["documents"],
        "bytes": totals["bytes"],
        "seconds": round(time.perf_counter() - started, 2),
        "workers": workers,
        "by_source": dict(sorted(totals["sources"].items())),
        "safety": {
            "checked_documents": totals["documents"],
            "regenerated_documents": totals["retries"],
            "rule": "no gold document number; no answerable question's key facts together with its gold number; "
            "no key fact at all except GENERIC_FACTS (folded, word-bounded)",
            "generic_facts_present": dict(sorted(totals["generic"].items())),
        },
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    return GeneratedCorpus(root, size, seed, manifest, reused=False)


def verify_corpus(root: Path, gold: Path) -> list[str]:
    """Re-check every written document of a generated corpus (the test uses this): violations."""
    check = SafetyCheck.from_gold(gold)
    out = []
    for path in sorted((root / "docs").rglob("*.txt")):
        for v in check.violations(path.read_text(encoding="utf-8")):
            out.append(f"{path.name}: {v}")
    return out
