"""Document metadata extracted from the text: number, type, issuer, place, date, title, signer,
the decision a plan is issued with, legal bases, recipients and mentioned documents."""

from __future__ import annotations

import datetime as dt
import re

from rag.documents.models import DocRef, Section, SectionKind, Signer
from rag.documents.structure import _SIGN_PREFIX, DOC_TYPES, is_caps
from rag.text.normalize import fold

K = SectionKind

#: A document code: "2395/UBND-KTTH", "107/2021/NĐ-CP", "255/QĐ- UBND", "01-NQ/TU".
CODE = (
    r"\d{1,5}(?:/\d{4})?/\s?[A-ZĐÐ][A-ZĐÐa-zđ0-9&]*(?:\s?-\s?[A-ZĐÐ][A-ZĐÐa-zđ0-9&]*)*"
    r"|\d{1,5}-[A-ZĐ]{1,5}/[A-ZĐ]{1,5}"
)
CODE_RE = re.compile(r"(?<![\w/])(" + CODE + r")(?![\w])")
_TYPE_NAMES = (
    "Nghị quyết|Quyết định|Kế hoạch|Công văn|Chỉ thị|Thông tư|Nghị định|Thông báo|Luật|Văn bản|Báo cáo|"
    "Tờ trình|Hướng dẫn|Chương trình|Đề án|Công điện|Kết luận"
)
_DATE = r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
REF_RE = re.compile(
    r"(?:(?P<type>" + _TYPE_NAMES + r")\s+)?(?:số\s*:?\s*)?(?P<code>" + CODE + r")"
    r"(?:\s*,?\s*ngày\s+" + _DATE + r")?"
    r"(?:\s+của\s+(?P<issuer>[^;,.()]{3,80}?)(?=\s+(?:về|ban hành|phê duyệt|tại)\b|[;,.()]|$))?",
    re.IGNORECASE,
)
_LAW_RE = re.compile(r"(Luật\s+[^;,\d]{3,80}?)\s+ngày\s+" + _DATE)
CODE_TYPES = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "KH": "Kế hoạch", "TB": "Thông báo",
    "HD": "Hướng dẫn", "CTr": "Chương trình", "BC": "Báo cáo", "TTr": "Tờ trình", "NĐ": "Nghị định",
    "TT": "Thông tư", "ĐA": "Đề án", "PA": "Phương án", "QC": "Quy chế", "QyĐ": "Quy định",
}  # fmt: skip

_BODY_CASE = {
    "ỦY BAN NHÂN DÂN": "UBND", "UỶ BAN NHÂN DÂN": "UBND", "HỘI ĐỒNG NHÂN DÂN": "HĐND",
    "TỈNH": "tỉnh", "THÀNH PHỐ": "thành phố", "HUYỆN": "huyện", "THỊ XÃ": "thị xã", "XÃ": "xã",
    "SỞ": "Sở", "BAN": "Ban", "BỘ": "Bộ", "CHÍNH PHỦ": "Chính phủ", "VĂN PHÒNG": "Văn phòng",
}  # fmt: skip


def clean_code(code: str) -> str:
    """'255/QĐ- UBND' → '255/QĐ-UBND'; the lookalike Ð becomes Đ."""
    return re.sub(r"\s+", "", code).replace("Ð", "Đ")


def parse_date(d: str, m: str, y: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _title_word(word: str) -> str:
    return word[:1].upper() + word[1:].lower() if word else word


def short_body(full: str) -> str:
    """'ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI' → 'UBND tỉnh Quảng Ngãi'."""
    text = " ".join(full.split())
    if not is_caps(text):
        return text
    out: list[str] = []
    rest = text
    while rest:
        for caps, short in sorted(_BODY_CASE.items(), key=lambda kv: -len(kv[0])):
            if rest == caps or rest.startswith(caps + " "):
                out.append(short)
                rest = rest[len(caps) :].strip()
                break
        else:
            word, _, rest = rest.partition(" ")
            out.append(_title_word(word))
    return " ".join(out)


def refs_in(text: str) -> list[DocRef]:
    """Every document reference in ``text`` (numbered documents, and laws by name and date)."""
    refs: list[DocRef] = []
    for m in REF_RE.finditer(text):
        date = parse_date(m.group(3), m.group(4), m.group(5)) if m.group(3) else None
        code = clean_code(m.group("code"))
        written = m.group("type")
        doc_type = written[0].upper() + written[1:].lower() if written else type_from_code(code)
        issuer = m.group("issuer").strip() if m.group("issuer") else None
        refs.append(
            DocRef(doc_type=doc_type, number=code, issued_date=date, issuer=issuer, text=m.group(0).strip())
        )
    for m in _LAW_RE.finditer(text):
        refs.append(
            DocRef(doc_type="Luật", number=None, issued_date=parse_date(m.group(2), m.group(3), m.group(4)),
                   text=m.group(0).strip(), issuer=None)
        )  # fmt: skip
    return refs


def type_from_code(code: str) -> str | None:
    """'997/QĐ-UBND' → 'Quyết định'; a công văn's code ('2395/UBND-KTTH') has no type part."""
    parts = code.split("/")
    tail = parts[-1]
    first = tail.split("-")[0]
    if first in CODE_TYPES:
        return CODE_TYPES[first]
    if "-" in parts[0]:  # party style "01-NQ/TU"
        return CODE_TYPES.get(parts[0].split("-")[1])
    return None


def _text(doc_text: str, sec: Section) -> str:
    return doc_text[sec.start : sec.end]


def extract(doc_text: str, sections: list[Section]) -> dict[str, object]:
    """All metadata fields that can be recovered; missing ones are left out."""
    meta: dict[str, object] = {}
    warnings: list[str] = []
    by_kind: dict[SectionKind, Section] = {}
    for s in sections:
        by_kind.setdefault(s.kind, s)
    header = _text(doc_text, by_kind[K.HEADER]) if K.HEADER in by_kind else ""
    header_lines = [ln.strip() for ln in header.split("\n") if ln.strip()]

    # Number + ký hiệu
    if m := re.search(r"Số\s*:?\s*(" + CODE + r")", header):
        meta["number"] = clean_code(m.group(1))
        meta["number_source"] = "header"

    # Place and date: "Quảng Ngãi, ngày 20 tháng 5 năm 2022" (may be wrapped over two lines)
    if m := re.search(r"([^\n,]{2,40}),\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", header):
        meta["place"] = m.group(1).strip()
        meta["issued_date"] = parse_date(m.group(2), m.group(3), m.group(4))

    # Issuing body: header lines before the national motto
    body_lines: list[str] = []
    for ln in header_lines:
        if ln.startswith("CỘNG HÒA") or ln.startswith("CỘNG HOÀ") or ln.startswith("Số"):
            break
        if is_caps(ln) and not re.match(r"^(" + "|".join(DOC_TYPES) + r")$", ln):
            body_lines.append(ln)
        else:
            break
    if body_lines:
        meta["issuer_full"] = " ".join(body_lines)
        meta["issuer"] = short_body(" ".join(body_lines))

    # Type and title
    type_idx = next(
        (i for i, ln in enumerate(header_lines) if re.fullmatch(r"(" + "|".join(DOC_TYPES) + r")\s*:?", ln)),
        None,
    )
    if type_idx is not None:
        meta["doc_type"] = DOC_TYPES[header_lines[type_idx].rstrip(": ")]
        title: list[str] = []
        for ln in header_lines[type_idx + 1 :]:
            if not is_caps(ln) or re.match(r"^(CHỦ TỊCH|ỦY BAN|UỶ BAN|HỘI ĐỒNG|BỘ TRƯỞNG|GIÁM ĐỐC)\b", ln):
                break
            title.append(ln)
        if title:
            meta["title"] = " ".join(title)
    vv = re.search(r"V/v\s*(.+?)(?:\n\s*\n|\Z)", header, re.DOTALL)
    if vv:
        meta["title"] = "V/v " + " ".join(vv.group(1).split())
        meta.setdefault("doc_type", "Công văn")
    if "doc_type" not in meta and isinstance(meta.get("number"), str):
        meta["doc_type"] = type_from_code(str(meta["number"])) or "Công văn"

    # Issued with a decision: "(Ban hành kèm theo Quyết định số 25/QĐ-UBND ngày 08/01/2014 của ...)"
    if m := re.search(r"\((?:Ban hành )?[Kk]èm theo\s+(.+?)\)", header, re.DOTALL):
        refs = refs_in(" ".join(m.group(1).split()))
        if refs:
            meta["issued_with"] = refs[0]

    # Number only in an appendix caption: "(Kèm theo kế hoạch số 39/KH-UBND ngày 14/3/2018 của ...)"
    if "number" not in meta and "issued_with" not in meta and K.APPENDIX in by_kind:
        caption = _text(doc_text, by_kind[K.APPENDIX])
        if m := re.search(r"\((?:Ban hành )?[Kk]èm theo\s+(.+?)\)", caption, re.DOTALL):
            refs = [r for r in refs_in(" ".join(m.group(1).split())) if r.number]
            own_type = str(meta.get("doc_type") or "")
            if refs and (not own_type or fold(own_type).lower() in fold(refs[0].text).lower()):
                meta["number"] = refs[0].number
                meta["number_source"] = "appendix caption"
                if refs[0].issued_date and "issued_date" not in meta:
                    meta["issued_date"] = refs[0].issued_date
                if refs[0].issuer and "issuer" not in meta:
                    meta["issuer"] = refs[0].issuer
    issued_with = meta.get("issued_with")
    if isinstance(issued_with, DocRef):
        meta.setdefault("issued_date", issued_with.issued_date)
        if issued_with.issuer and "issuer" not in meta:
            meta["issuer"] = issued_with.issuer
        if "number" not in meta:
            meta["number_source"] = "issued with"
    place = re.search(r"(?:tỉnh|thành phố)\s+(.+)$", str(meta.get("issuer") or ""))
    if "place" not in meta and place:
        meta["place"] = place.group(1).strip()

    # Signer
    if K.SIGNATURE in by_kind:
        sig_lines = [ln.strip() for ln in _text(doc_text, by_kind[K.SIGNATURE]).split("\n") if ln.strip()]
        authority = sig_lines[0] if _SIGN_PREFIX.match(sig_lines[0]) else None
        positions = [ln for ln in sig_lines[1 if authority else 0 : -1] if is_caps(ln)]
        position = positions[-1] if positions else (authority or "")
        meta["signer"] = Signer(
            name=sig_lines[-1],
            position=_sentence_case(position),
            authority=_authority_case(authority) if authority else None,
        )
    else:
        warnings.append("no signature block found (signer unknown)")

    # Legal bases: references in the opening paragraphs that say what the document implements
    if K.PREAMBLE in by_kind:
        pre = _text(doc_text, by_kind[K.PREAMBLE])
        paras = [p.strip() for p in pre.split("\n") if p.strip()]
        basis = [p for p in paras if re.match(r"^(Căn cứ|Thực hiện|Theo|Thi hành)\b", p)] or paras[:1]
        seen: set[str] = set()
        bases: list[DocRef] = []
        for p in basis:
            for ref in refs_in(p):
                key = ref.number or ref.text
                if key not in seen:
                    seen.add(key)
                    bases.append(ref)
        meta["legal_bases"] = bases
        proposal = next((p for p in paras if re.match(r"^(Xét|Theo) đề nghị\b", p)), None)
        if proposal:
            meta["proposed_by"] = re.sub(r"^(Xét|Theo) đề nghị (của )?", "", proposal).rstrip(" .;,")

    if K.RECIPIENTS in by_kind:
        rec = _text(doc_text, by_kind[K.RECIPIENTS])
        items = [
            re.sub(r"^[-–•]\s*", "", ln.strip()).rstrip(";.") for ln in rec.split("\n")[1:] if ln.strip()
        ]
        first = re.sub(r"^Kính gửi\s*:?\s*", "", rec.split("\n")[0]).strip()
        meta["recipients"] = ([first] if first else []) + items

    mentions: list[str] = []
    for m in CODE_RE.finditer(doc_text):
        code = clean_code(m.group(1))
        if code not in mentions and code != meta.get("number"):
            mentions.append(code)
    meta["mentions"] = mentions
    if "number" not in meta and "issued_with" not in meta:
        warnings.append("no document number found: indexed under a file-based id")
    if "issued_date" not in meta:
        warnings.append("no issue date found")
    meta["warnings"] = warnings
    return meta


def _sentence_case(caps: str) -> str:
    """'PHÓ CHỦ TỊCH' → 'Phó Chủ tịch'."""
    words = caps.lower().split()
    out = " ".join(words)
    out = out.replace("chủ tịch", "Chủ tịch").replace("giám đốc", "Giám đốc")
    return out[:1].upper() + out[1:]


def _authority_case(line: str) -> str:
    """'KT. CHỦ TỊCH' → 'KT. Chủ tịch'; 'TM. ỦY BAN NHÂN DÂN' → 'TM. Ủy ban nhân dân'."""
    prefix, _, rest = line.partition(".")
    return f"{prefix}. {_sentence_case(rest.strip())}" if rest.strip() else line
