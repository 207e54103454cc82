"""Query understanding: language form, question type, weighted lexical tokens (with abbreviation
expansion both ways and English → Vietnamese vocabulary), document references. No network."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from rag.retrieve.vocab import ABBREVIATIONS, ENGLISH, QUESTION_WORDS_EN, QUESTION_WORDS_VI
from rag.text.normalize import clean_chars, fold, has_diacritics
from rag.text.tokenize import CODE_RE, code_key, lexical_tokens, words


class QType(StrEnum):
    WHO = "who"
    WHAT = "what"
    WHEN = "when"
    WHERE = "where"
    HOW_MUCH = "how_much"
    WHICH_DOCS = "which_docs"
    DOC_META = "doc_meta"


@dataclass
class Query:
    question: str
    normalized: str
    lang: str  # "vi" | "vi_nodiac" | "en"
    qtype: QType
    meta_field: str | None = None  # for DOC_META: signer, date, issued_with, recipients, legal_basis, issuer, ...
    tokens: dict[str, float] = field(default_factory=dict)  # lexical token → weight
    dense_text: str = ""
    doc_refs: list[str] = field(default_factory=list)  # full code keys ("2395/ubnd-ktth")
    doc_numbers: list[str] = field(default_factory=list)  # bare numbers ("2395") with a type word
    terms: list[str] = field(default_factory=list)  # folded content words, for locating answers
    translations: list[str] = field(default_factory=list)  # Vietnamese phrases an English question maps to


# --- language ----------------------------------------------------------------------------------

_COMMON_VI = frozenset(
    "ai cua va cac nhung trong ve cho nao gi bao nhieu so ngay thang nam tinh ke hoach quyet dinh cong van "
    "trach nhiem chu tri phoi hop vu thuc hien trien khai dau tu xay dung phat kinh te khu ban quan ly duoc "
    "giao la co khong den voi theo tuyen cang du lich nganh hoi dong vung lien ket thoi gian han truoc o "
    "nhiem muc tieu nguon von nha may dieu khoan diem phu luc ky gui nhan can cu viec gi sao the nao "
    "chiu trach nhiem uy nhan dan quang ngai thua thien hue dung quat".split()
)


def detect_lang(text: str) -> str:
    if has_diacritics(text):
        return "vi"
    words = re.findall(r"[a-zA-Z']+", text.lower())
    en = sum(1 for w in words if w in QUESTION_WORDS_EN or w in ENGLISH)
    vi = sum(1 for w in words if w in _COMMON_VI)
    return "en" if en > vi else "vi_nodiac"


# --- question type -----------------------------------------------------------------------------

_META_PATTERNS: tuple[tuple[str, str], ...] = (
    ("signer", r"\b(ai ky|nguoi ky|ky boi|ky ten|ai la nguoi ky|ky ban hanh|who signed|signed by|signator|signer|sign(ed)? (it|the))\b"),
    ("issued_with", r"\b(kem theo (quyet dinh|qd)|ban hanh kem|issued (with|together|along)|attached to|accompan)"),
    ("recipients", r"\b(kinh gui|gui cho ai|gui den|gui toi|noi nhan|sent to|addressed to|recipient|who (was|is) it (sent|addressed))"),
    ("legal_basis", r"\b(can cu|co so phap ly|legal basis|based on (which|what)|pursuant|implement(s|ing)? (which|what) (resolution|decision|document|plan))"),
    ("issuer", r"\b(co quan nao ban hanh|ai ban hanh|don vi ban hanh|who issued|which (agency|body|authority) issued|issuing (body|authority|agency))"),
    ("date", r"\b(ngay ban hanh|ban hanh (ngay|vao|khi|luc|nam)|ky ngay|ky vao ngay|when was .* (issued|signed)|date of issu|issued on|dated)"),
    ("number", r"\b(so hieu|so ky hieu|so van ban|number of the (document|plan|decision|letter)|document number)"),
    ("title", r"\b(trich yeu|ve viec gi|tieu de|title of|subject of)"),
)
_TYPE_PATTERNS: tuple[tuple[QType, str], ...] = (
    (QType.WHICH_DOCS, r"\b(van ban nao|nhung van ban|cac van ban|tai lieu nao|ke hoach nao|quyet dinh nao|which (documents|plans|decisions|letters)|what documents|list (all )?(the )?documents|in which documents)\b"),
    (QType.HOW_MUCH, r"\b(bao nhieu|kinh phi|muc dong gop|ty trong|ty le|how much|how many|budget|amount|percent|what share|what proportion)\b"),
    (QType.WHEN, r"\b(khi nao|bao gio|thoi gian nao|thoi han|ngay nao|nam nao|thang nao|truoc ngay|luc nao|thoi diem|when|deadline|what date|by when|what time|which month|which year|dinh ky)\b"),
    (QType.WHERE, r"\b(o dau|dia diem|tai dau|noi nao|tinh nao to chuc|where|location|venue|held in)\b"),
    (QType.WHO, r"(\bai\b|\bco quan nao|\bdon vi nao|\bso nao|\bban nao|\bnganh nao|\bcap nao|\bwho\b|\bwhich (agency|agencies|department|departments|unit|units|body|bodies|organi[sz]ation|office|board)|^(?!what).*\b(responsible|in charge)\b)"),
)


def detect_type(folded: str) -> tuple[QType, str | None]:
    for name, pat in _META_PATTERNS:
        if re.search(pat, folded):
            return QType.DOC_META, name
    for qtype, pat in _TYPE_PATTERNS:
        if re.search(pat, folded):
            return qtype, None
    return QType.WHAT, None


# --- abbreviations -------------------------------------------------------------------------------

_ABBR_FOLDED = {fold(k).lower(): v for k, v in ABBREVIATIONS.items()}
_LONG_FORMS = sorted(((fold(long).lower(), short) for short, longs in ABBREVIATIONS.items() for long in longs),
                     key=lambda x: -len(x[0]))  # fmt: skip
_RAW_WORD = re.compile(r"[\w&\-]+", re.UNICODE)


def expand_abbreviations(text: str) -> list[str]:
    """Phrases to add: long forms of abbreviations in ``text`` and abbreviations of long forms."""
    out: list[str] = []
    for raw in _RAW_WORD.findall(text):
        key = fold(raw).lower()
        if key in _ABBR_FOLDED and (raw.isupper() or (len(key) >= 3 and key not in _COMMON_VI)):
            out.extend(_ABBR_FOLDED[key])
    folded = " " + " ".join(fold(text).lower().split()) + " "
    for long, short in _LONG_FORMS:
        if f" {long} " in folded or f" {long}," in folded:
            out.append(short)
    return out


# --- English → Vietnamese ------------------------------------------------------------------------

_EN_KEYS = sorted(ENGLISH, key=lambda k: -len(k.split()))
_EN_MAX = max(len(k.split()) for k in ENGLISH)


def translate_english(text: str) -> tuple[list[str], list[str]]:
    """(Vietnamese phrases, leftover words) for an English question: longest phrases first;
    capitalized leftovers are kept as proper names (Dung Quat, Ly Son)."""
    raw_words = re.findall(r"[A-Za-z0-9'&\-/]+", text)
    words = [w.lower().strip("'") for w in raw_words]
    phrases: list[str] = []
    leftovers: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_EN_MAX, len(words) - i), 0, -1):
            cand = " ".join(words[i : i + n])
            if cand in ENGLISH:
                phrases.extend(ENGLISH[cand])
                i += n
                break
            if n == 1 and cand.endswith("s") and cand[:-1] in ENGLISH:
                phrases.extend(ENGLISH[cand[:-1]])
                i += 1
                break
        else:
            w, raw = words[i], raw_words[i]
            if w not in QUESTION_WORDS_EN and (raw[:1].isupper() or any(c.isdigit() for c in w) or len(w) >= 3):
                leftovers.append(raw)
            i += 1
    return phrases, leftovers


_STOP_DIACRITIC = frozenset(
    "ai gì nào bao nhiêu không có được là của các những trong về cho thế như với và hay khi đâu ở chưa đã sẽ "
    "phải cần này đó thì mà hỏi biết xin vui lòng gi nao".split()
)


def _is_stop(word: str, stop_diacritic: frozenset[str] | None) -> bool:
    if stop_diacritic is not None:
        return word in stop_diacritic
    return fold(word) in QUESTION_WORDS_VI


_WHO_FRAMING = ("chịu trách nhiệm", "trách nhiệm", "chủ trì", "phụ trách", "được giao", "giao", "thực hiện",
                "cơ quan", "đơn vị", "đầu tư", "responsible")


# --- the analyzer --------------------------------------------------------------------------------

_DOC_NUMBER = re.compile(
    r"\b(?:cong van|cv|quyet dinh|qd|ke hoach|kh|van ban|nghi quyet|plan|decision|letter|document|dispatch|"
    r"resolution|official letter)\s*(?:so|no\.?|number|#)?\s*(\d{1,5})\b(?!/)"
)


def analyze(question: str) -> Query:
    text = clean_chars(question).strip()
    folded = " ".join(fold(text).lower().split())
    lang = detect_lang(text)
    qtype, meta_field = detect_type(folded)
    q = Query(question=question, normalized=text, lang=lang, qtype=qtype, meta_field=meta_field)
    q.doc_refs = [code_key(m.group(1)) for m in CODE_RE.finditer(text)]
    q.doc_numbers = [m.group(1) for m in _DOC_NUMBER.finditer(folded)]

    weights: dict[str, float] = {}

    def add(tokens: list[str], w: float) -> None:
        for t in tokens:
            weights[t] = max(weights.get(t, 0.0), w)

    stop = QUESTION_WORDS_VI
    if lang == "en":
        phrases, leftovers = translate_english(text)
        q.translations = phrases
        for p in phrases:
            add(lexical_tokens(p), 1.0)
        names = " ".join(leftovers)
        add([t for t in lexical_tokens(names) if not t.startswith("o:")], 0.8)
        for p in expand_abbreviations(text) + expand_abbreviations(" ".join(phrases)):
            add(lexical_tokens(p), 0.6)
        q.dense_text = f"{text}\n{'; '.join(dict.fromkeys(phrases))}"
    else:
        # Question words ("ai", "bao nhiêu") carry no content as single syllables; phrases keep them.
        stop_diac = _STOP_DIACRITIC if lang == "vi" else None
        content = [w for w in words(text) if not _is_stop(w, stop_diac)]
        all_tokens = lexical_tokens(text)
        add([t for t in all_tokens if t.startswith("c:") or "_" in t], 1.0)
        add(lexical_tokens(" ".join(content), bigrams=False), 1.0)
        for p in expand_abbreviations(text):
            add(lexical_tokens(p), 0.6)
        q.dense_text = text
    if qtype == QType.WHO:
        # "Who is responsible for X": the framing words are in every assignment; X decides.
        for phrase in _WHO_FRAMING:
            for t in lexical_tokens(phrase):
                if t in weights:
                    weights[t] = min(weights[t], 0.15)
    for ref in q.doc_refs:
        weights["c:" + ref] = 2.0
    q.tokens = {t: w for t, w in weights.items() if w > 0}
    q.terms = [t for t in q.tokens if ":" not in t and "_" not in t and t not in stop and len(t) > 1]
    return q
