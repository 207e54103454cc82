"""Query understanding: language form, question type, weighted lexical tokens (with abbreviation
expansion both ways and English → Vietnamese vocabulary), document references. No network."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rag.retrieve.vocab import (
    ABBREVIATIONS,
    ENGLISH,
    PHONE_ABBREVIATIONS,
    PROVINCES,
    QUESTION_WORDS_EN,
    QUESTION_WORDS_VI,
    SUBJECT_TERMS_VI,
    english_zipf,
)
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


@dataclass(frozen=True)
class IssueWindow:
    """When the documents a question lists were issued: "issued after 2020", "ban hành tháng 5"."""

    start: dt.date | None = None
    end: dt.date | None = None
    month: int | None = None
    doc_type: str | None = None  # folded: "ke hoach" for "which plans", "cong van" for "which letters"
    only: bool = True  # the question asks nothing else: the documents' metadata answers it

    def admits(self, issued: dt.date | None, doc_type: str) -> bool:
        if issued is None:
            return False
        return (
            (self.start is None or issued >= self.start)
            and (self.end is None or issued <= self.end)
            and (self.month is None or issued.month == self.month)
            and (self.doc_type is None or fold(doc_type).lower() == self.doc_type)
        )


@dataclass
class Query:
    question: str
    normalized: str
    lang: str  # "vi" | "vi_nodiac" | "en"
    qtype: QType
    meta_field: str | None = (
        None  # for DOC_META: signer, date, issued_with, recipients, legal_basis, issuer, ...
    )
    tokens: dict[str, float] = field(default_factory=dict)  # lexical token → weight
    dense_text: str = ""
    doc_refs: list[str] = field(default_factory=list)  # full code keys ("2395/ubnd-ktth")
    doc_numbers: list[str] = field(default_factory=list)  # bare numbers ("2395") with a type word
    number_words: dict[str, list[str]] = field(default_factory=dict)  # "2395" → ["cv"]: the reference's words
    terms: list[str] = field(default_factory=list)  # folded content words, for locating answers
    translations: list[str] = field(default_factory=list)  # Vietnamese phrases an English question maps to
    soft_tokens: set[str] = field(default_factory=set)  # untranslated English words: retrieval hints only
    concepts: list[list[str]] = field(default_factory=list)  # English: alternatives per English term
    expansion_tokens: set[str] = field(default_factory=set)  # added by abbreviation expansion only
    alternatives: dict[str, list[list[str]]] = field(default_factory=dict)  # "khdt" → [["ke","hoach",...]]
    numbers: list[str] = field(default_factory=list)  # years and figures the answer must be about
    document_years: list[str] = field(default_factory=list)  # years that date a document ("the 2018 plan")
    subject_terms: list[str] = field(default_factory=list)  # Vietnamese subject terms used (folded)
    time_kind: str = "any"  # for WHEN: date | year | quarter | month | frequency | period | any
    agencies: list[str] = field(default_factory=list)  # agencies the question names (folded)
    names: list[str] = field(default_factory=list)  # proper names (folded), e.g. "da nang", "ly son"
    asks_list: bool = False  # "what tasks / những việc gì": answer with the items of a section
    asks_reason: bool = False  # "why", "vì sao": the evidence must give a reason or purpose
    section_ref: list[str] = field(default_factory=list)  # "điểm b mục 2.2" → ["2.2", "b"]
    held_in: list[str] = field(default_factory=list)  # places something is held in ("hội thảo tại Huế")
    asks_cause: bool = False  # "why did it stop", "what caused": only a cause answers, not a purpose
    asks_result: bool = False  # "did it actually", "thực tế đạt được": a result, which a target is not
    designators: list[str] = field(default_factory=list)  # "Quốc lộ 1A", "National Highway 24B": "1a", "24b"
    excluded: list[str] = field(default_factory=list)  # "as opposed to Dung Quat": "dung quat" (folded)
    event_topic: str = ""  # "the coastal road workshop": "coastal road" (folded, the question's language)
    asks_ranking: bool = False  # "the highest", "more or less than", "xếp hạng": a comparison or ranking
    in_appendix: bool = False  # "in the annex", "theo phụ lục": the answer is an appendix's
    issuer_places: list[str] = field(default_factory=list)  # provinces said to have issued the document
    places: list[str] = field(default_factory=list)  # provinces and cities the question names (canonical)
    answer_kind: str = ""  # "which university": a pattern the evidence must match
    post: str = ""  # "who chairs X": the post (a pattern over the documents) the answer must name
    asks_name: bool = False  # "tên là gì": the answer must name a person
    asks_level: bool = False  # "which documents set the support level": the evidence must state one
    issued: IssueWindow | None = None  # "which documents were issued after 2020"


# --- language ----------------------------------------------------------------------------------

_COMMON_VI = frozenset(
    "ai cua va cac nhung trong ve cho nao gi bao nhieu so ngay thang nam tinh ke hoach quyet dinh cong van "
    "trach nhiem chu tri phoi hop vu thuc hien trien khai dau tu xay dung phat kinh te khu ban quan ly duoc "
    "giao la co khong den voi theo tuyen cang du lich nganh hoi dong vung lien ket thoi gian han truoc o "
    "nhiem muc tieu nguon von nha may dieu khoan diem phu luc ky gui nhan can cu viec gi sao the nao "
    "chiu trach nhiem uy nhan dan quang ngai thua thien hue dung quat".split()
)


def detect_lang(text: str) -> str:
    """'vi', 'vi_nodiac' or 'en'. Document codes ('350/QĐ-UBND') and upper-case abbreviations do
    not make an English question Vietnamese; Vietnamese names inside an English sentence neither."""
    plain = CODE_RE.sub(" ", text)
    raw = re.findall(r"[^\W\d_]+", plain)
    diac = [w for w in raw if has_diacritics(w) and not w.isupper()]
    words = [w.lower() for w in raw if w.isascii()]
    en = sum(1 for w in words if w in QUESTION_WORDS_EN or is_english_word(w))
    if any(not w[:1].isupper() for w in diac):
        return "en" if en >= 3 and en > 2 * len(diac) else "vi"
    if diac and en >= 3:
        return "en"  # only names carry diacritics: "Where will Thừa Thiên Huế build its IT park?"
    if diac:
        return "vi"
    vi = sum(1 for w in words if w in _COMMON_VI)
    return "en" if en > vi else "vi_nodiac"


# --- question type -----------------------------------------------------------------------------

_META_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "signer",
        r"\b(ai ky|nguoi ky|ky boi|ky ten|ai la nguoi ky|ky ban hanh|nao ky|(do|boi) [^?]*\bky\s*\??$|who (actually |really |exactly |personally )?signed|signed by|signator\w*|signer|sign(ed|s)? off|put (their|his|her) name to|sign(ed)? (it|the)|whose signature|signature (is )?on)\b",
    ),
    (
        "issued_with",
        r"\b(kem theo (quyet dinh|qd)|ban hanh kem|ban hanh (van ban|ke hoach|cai) (gi|nao)|quyet dinh \d+\S* ban hanh (gi|van ban|ke hoach)|issued (with|together|along)|attached to|accompan|what does (the )?decision \S+ (issue|promulgate|approve)|which decision (issued|promulgated|approved|adopted)|quyet dinh nao ban hanh|(under|by|with|through|in) which decision|decision [^?]*\b(adopt|issue|promulgate|approve)s?\s*\??$)",
    ),
    (
        "recipients",
        # "cv 2395 có gửi VP Chính phủ không": whether a document went to someone.
        r"^(?:cong van|cv|ke hoach|kh|quyet dinh|qd)\s*(?:so\s*)?\d+\S*\s+(?:[a-z0-9]+\s+){0,6}?co (?:duoc )?gui\b[^?]*\b(?:khong|ko)\b"
        r"|\b(kinh gui|gui (bao cao )?(cho |den |toi |len |ve )?(nhung |cac )?((ai|don vi|co quan|noi)\b|(bo|so|ban|nganh|tinh) nao\b)|gui cho ai|noi nhan|(co quan|don vi|ai) (nao )?(duoc )?nhan (ke hoach|quyet dinh|cong van|van ban)|(document|plan|letter|decision|dispatch|it|\d+\S*) (was |were |is |are |been |get |gets |got )?(sent|addressed|distributed|copied) to|recipients?|(received|receives|recieved|gets|got) (it|((?!reports?\b|under\b|on\b|about\b|for\b|from\b)[\w']+ ){0,4}?(document|plan|letter|decision|dispatch)|a copy|copies)\b|(sent|addressed) to whom|addressees?|copied (to|on)|cc'?d|on the (distribution|mailing) list)",
    ),
    (
        "legal_basis",
        r"^(?:cong van|cv|ke hoach|kh|quyet dinh|qd)\s*(?:so\s*)?\d+(?![\w/])\s+(?:(?:cua|ubnd|tinh|thanh pho|tp)\s+)*"
        r"(?:[a-z]+\s+){0,3}?(?:duoc ban hanh de\s+)?"
        r"(?:thuc hien|trien khai|cu the hoa) (?:nghi quyet|quyet dinh|chi thi|ket luan|van ban|chuong trinh|nq|qd)"
        r" (?:so may|so nao|nao)"
        r"|\b(can cu|co so phap ly|(theo|xet|tren co so) (de nghi|to trinh|de xuat) cua (ai|co quan nao|so nao|don vi nao)"
        r"|(ai|so nao|co quan nao|don vi nao) de nghi ban hanh|legal basis|legal (grounds?|bases)|on whose (recommendation|proposal|request)|(issued|adopted|signed) (on|at) (the )?([\w'-]+ ){0,5}?(proposal|recommendation|request)\b|(which|what) (\w+ ){0,2}(department|agency|body|office) (put forward|proposed|submitted|recommended|drafted)|whose (recommendation|proposal)|at whose (request|proposal)|ban hanh (de|nham) (thuc hien|trien khai)\b[^?]*\b(nao|gi)\b|(de|nham) (thuc hien|trien khai|cu the hoa) (nghi quyet|quyet dinh|chi thi|ket luan|van ban) nao|based on (which|what)|pursuant|implement(s|ing)? (which|what) (resolution|decision|document|plan)|implements? (a|an|the) (\w+ ){0,3}?(resolution|decision|directive|conclusion)\b[^?]*\b(which|what) (resolution|decision|directive|conclusion|one) (is|was) (that|it)\b|(which|what) (\w+ )?(resolution|decision|directive)[^?]* (meant|intended|issued|supposed|designed)? ?to implement\??$|(which|what) ([\w'-]+ ){0,5}?(resolution|decision|directive)\b[^?]*\b(meant|intended|supposed|designed) to implement\b)",
    ),
    (
        "issuer",
        r"\b(co quan nao ban hanh|ai ban hanh|don vi ban hanh|who issued|which (agency|body|authority) issued|issuing (body|authority|agency))",
    ),
    (
        "date",
        r"\b(ngay ban hanh|ban hanh (ngay|vao|khi|luc|nam)|ky ngay|ky vao ngay|when (was|were|did) (?![^?]*\b(supposed|required|expected|due|asked|meant|have|had|need)\b)[^?]*\b(plan|decision|letter|document|dispatch|resolution|it|\d+\S*)\b[^?]{0,30}\b(issued|signed|adopted|promulgated|released|published|come out)|date of (issu|sign|adopt|promulgat)|issued on|dated|issue date|what date is (on|of)|date (is )?on (the )?([\w'-]+ ){0,4}?(letter|plan|decision|document|dispatch)\b|when did (?![^?]*\b(supposed|required|expected|due|asked|meant|have to|need)\b)[^?]*\b(issue|sign|adopt|promulgate|release|publish)\b|issuance date|signing date|date (it|was|is) .*(issued|signed)|(what|which) date .*(issued|signed|adopted|promulgated))",
    ),
    (
        "number",
        r"\b(so hieu|so ky hieu|so van ban|number of the (document|plan|decision|letter)|document number|official number"
        r"|reference number|number and date|(what'?s|what is|whats) (the|its) (official )?number\b)",
    ),
    (
        "title",
        r"\b(trich yeu|ve viec gi|tieu de|title of|subject of)\b|\bwhat is (the )?(letter|dispatch|decision|plan|document) "
        r"(no\.? |number )?\S+ about\??$",
    ),
)
_WHICH_DOCS = r"\b(van ban nao|nhung van ban|cac van ban|tai lieu nao|ke hoach nao|quyet dinh nao|cong van nao|which (of (the|these|those) )?(documents|plans|decisions|letters)|what documents|list (all )?(the )?documents|in which documents)\b"
_TYPE_PATTERNS: tuple[tuple[QType, str], ...] = (
    (
        QType.HOW_MUCH,
        r"\b(bao nhieu|kinh phi|muc dong gop|ty trong|ty le|tong muc|muc dau tu|lai suat|cong suat|dien tich|how much|how many|budget|amount|percent|what share|what proportion|total (investment|cost|capital|budget|value)|turnover|kim ngach|export value|interest rate|what (is|was) the (cost|value|capacity|area|size|rate|target)|how (large|big|long))\b",
    ),
    (
        QType.WHEN,
        r"\b(khi nao|bao gio|quy may|quy nao|thoi gian nao|thoi han|ngay nao|nam nao|thang nao|truoc ngay|luc nao|thoi diem|when|deadline|what date|by when|what time|which month|which year|dinh ky|bao lau|may lan|how (?:often|frequently|regularly))\b",
    ),
    (QType.WHERE, r"\b(o dau|dia diem|tai dau|noi nao|tinh nao to chuc|where|location|venue)\b"),
    (
        QType.WHO,
        r"(\bai\b|\bco quan nao|\bdon vi nao|\bso nao|(?<!phien )(?<!van )\bban nao|\bnganh nao|\bcap nao|\bwho\b|\bwhich (agency|agencies|department|departments|unit|units|body|bodies|organi[sz]ation|office|board)|^(?!what)(?![^?]*\bwhat (?:is|was|are|were) [^?]*\b(?:responsible for|in charge of)\b).*\b(responsible|in charge)\b)",
    ),
)


#: The words that ask ("sở nào", "khi nào", "how often", "những nguồn nào"): the first one in the
#: question decides its type, before topic words ("kinh phí", "deadline") that may only name what the
#: question is about ("dự toán kinh phí … thì sở nào thẩm tra" asks who).
_ASKING: tuple[tuple[QType, str], ...] = (
    (
        QType.WHO,
        r"\bai\b|\b(co quan|don vi|so|(?<!phien )(?<!van )ban|nganh|cap|to chuc|bo phan) nao\b|\bwho\b|\bwhom\b"
        r"|\bwhich ([\w'-]+ ){0,3}?(agency|agencies|department|departments|unit|units|body|bodies|office|board)\b",
    ),
    (
        QType.WHEN,
        r"\b(khi nao|bao gio|quy may|quy nao|thoi gian nao|ngay nao|nam nao|thang nao|luc nao|bao lau|may lan"
        r"|thang may|ngay may|nam may|may gio|when(?! \w+ing\b)|by when|(?:what|which) (?:exact |specific |precise )?(?:date|day)|what time|which month|what month|which year|what year"
        r"|how (often|frequently|regularly|soon))\b",
    ),
    (
        QType.HOW_MUCH,
        r"\b(bao nhieu|how much|how many|what share|what proportion|what percentage|how (large|big))\b"
        # "What were total exports", "what is the export value": a quantity is asked.
        r"|\bwhat('s| is| was| are| were| will be) ([\w'-]+ ){0,5}?(total|value|output target|contribution|volume|turnover|revenue|number|amount"
        r"|figure|size|level|population|area|length|cost|price|capacity|headcount)\b"
        # "What industrial output value was it aiming for", "what lending rate": the quantity is named first.
        r"|\bwhat ([\w'-]+ ){0,3}?(value|amount|sum|volume|turnover|percentage|rate|headcount|per[- ]capita|per[- ]head|share|contribution|capacity"
        r"|growth(?! (?:strateg|model|driver|pole|engine|area|sector|industr)))\b"
        r"|\btong (so|gia tri|kim ngach|von|doanh thu|san luong|muc|chi phi|kinh phi)\b"
        # "What investment target, in USD", "ballpark in usd is fine": the unit asks for a figure.
        r"|\bwhat ([\w'-]+ ){0,4}?(target|goal|figure)s?\b,? (expressed )?in (usd|us dollars|dollars|vnd|dong|hectares|percent)\b"
        r"|\b(ballpark|roughly|approximately|round) (figure |number )?(in )?(usd|dollars|vnd|dong)\b"
        r"|\b(so luong|dan so|chieu dai) ",
    ),
    (
        QType.WHERE,
        r"\b(o dau|tai dau|noi nao|dia diem nao|where|which (city|town|location|venue|place)"
        r"|which (province|district|locality|city) (hosts?|is hosting|will host|hosted|(is|was) (going|due|set|scheduled) to host|is to host|would host)"
        r"|(o|tai) (dia phuong|tinh|thanh pho|huyen|xa|khu vuc|vung|dia ban|quoc gia|nuoc)(,? thanh( pho)?)? nao)\b",
    ),
    (
        QType.WHAT,
        r"\b(nguon|viec|nhiem vu|noi dung|giai phap|hoat dong|du an|linh vuc|chuong trinh|san pham|muc tieu"
        r"|bien phap|chinh sach|tuyen|cong trinh|su kien|hoi thao|hoi nghi) (nao|gi)\b|\b(which|what) (sources?|tasks?"
        r"|measures?|solutions?|activities|activity|projects?|areas?|fields?|sectors?|products?|contents?|policies"
        r"|routes?|works|events?|workshops?|conferences?|seminars?|meetings?)\b",
    ),
)


_MONTHS_EN = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_ISSUE_CUE = (
    r"\b(ban hanh|duoc ky|ky (ngay|vao|nam|thang|truoc|sau|tu)|issued|dated?|dating|date from|signed|released|"
    r"published|adopted|promulgated)\b"
)
DOC_TYPES = (
    ("ke hoach", r"\b(ke hoach|plans?)\b"),
    ("quyet dinh", r"\b(quyet dinh|decisions?)\b"),
    ("cong van", r"\b(cong van|letters?|dispatch(es)?)\b"),
)
#: Words that frame a question about the documents' dates and say nothing about their content.
_ISSUE_FRAME = frozenset(
    "nhung cac van ban tai lieu nao trong bo nay da duoc nap co la gi ky hanh sau truoc tu ke nam thang ngay "
    "den va hoac cua tinh ubnd the of in on from to were was are is which what documents document collection "
    "corpus loaded list all date dated dating issued signed released published adopted promulgated after before "
    "since later earlier than prior between and any there ones one those".split()
)


def _frames_dates(token: str) -> bool:
    return all(p in _ISSUE_FRAME or p.isdigit() for p in fold(token.removeprefix("o:")).lower().split("_"))


def issue_window(folded: str) -> IssueWindow | None:
    """The issue dates a list of documents is asked for ("văn bản nào ban hành sau năm 2020", "which
    documents were issued in May"), or None when the question names none."""
    if not re.search(_WHICH_DOCS, folded) or not re.search(_ISSUE_CUE, folded):
        return None
    start = end = None
    month = None
    rest = folded
    if m := re.search(r"\b(?:sau|after|later than)\s+(?:nam\s+)?(\d{4})\b", folded):
        start = dt.date(int(m.group(1)) + 1, 1, 1)
    elif m := re.search(r"\b(?:(?:ke )?tu|since|from)\s+(?:nam\s+)?(\d{4})\b", folded):
        start = dt.date(int(m.group(1)), 1, 1)
    if m and (start is not None):
        rest = rest.replace(m.group(0), " ")
    if m2 := re.search(r"\b(?:truoc|before|earlier than|prior to)\s+(?:nam\s+)?(\d{4})\b", folded):
        end = dt.date(int(m2.group(1)) - 1, 12, 31)
        rest = rest.replace(m2.group(0), " ")
    if (
        start is None
        and end is None
        and (m3 := re.search(r"\b(?:trong nam|nam|in|during)\s+(\d{4})\b", folded))
    ):
        start, end = dt.date(int(m3.group(1)), 1, 1), dt.date(int(m3.group(1)), 12, 31)
        rest = rest.replace(m3.group(0), " ")
    if m4 := re.search(r"\bthang\s+(\d{1,2})\b(?!/)", folded):
        month = int(m4.group(1)) if 1 <= int(m4.group(1)) <= 12 else None
        rest = rest.replace(m4.group(0), " ")
    elif m5 := re.search(r"\b(?:in|during)\s+(" + "|".join(_MONTHS_EN) + r")\b", folded):
        month = _MONTHS_EN[m5.group(1)]
        rest = rest.replace(m5.group(0), " ")
    if start is None and end is None and month is None:
        return None
    doc_type = next((name for name, pat in DOC_TYPES if re.search(pat, rest)), None)
    for _, pat in DOC_TYPES:
        rest = re.sub(pat, " ", rest)
    left = [w for w in re.findall(r"[a-z]+", rest) if w not in _ISSUE_FRAME]
    return IssueWindow(start, end, month, doc_type, only=not left)


def detect_type(folded: str) -> tuple[QType, str | None]:
    for name, pat in _META_PATTERNS:
        if re.search(pat, folded):
            if name == "date" and issue_window(folded) is not None:
                return QType.WHICH_DOCS, None  # "văn bản nào ban hành năm 2022" lists documents
            return QType.DOC_META, name
    if re.search(_WHICH_DOCS, folded):
        return QType.WHICH_DOCS, None
    asked = [(m.start(), qtype) for qtype, pat in _ASKING if (m := re.search(pat, folded))]
    if asked:
        return min(asked, key=lambda x: x[0])[1], None
    for qtype, pat in _TYPE_PATTERNS:
        if re.search(pat, folded):
            return qtype, None
    return QType.WHAT, None


# --- abbreviations -------------------------------------------------------------------------------

_ABBR_FOLDED = {fold(k).lower(): v for k, v in ABBREVIATIONS.items()}
#: The words an abbreviation of the documents stands for, when a text uses it: "Vùng KTTĐMT" says
#: "kinh tế trọng điểm miền Trung".
ABBREVIATION_WORDS: dict[str, frozenset[str]] = {
    key: frozenset(t for long in longs for t in lexical_tokens(long, bigrams=False) if ":" not in t)
    for key, longs in _ABBR_FOLDED.items()
    if len(key) >= 3
}
_LONG_FORMS = sorted(
    ((fold(long).lower(), short) for short, longs in ABBREVIATIONS.items() for long in longs),
    key=lambda x: -len(x[0]),
)
_RAW_WORD = re.compile(r"[\w&\-]+", re.UNICODE)


def abbreviations_in(text: str) -> dict[str, tuple[str, ...]]:
    """Abbreviations used in ``text`` (folded key → long forms)."""
    found: dict[str, tuple[str, ...]] = {}
    raws = _RAW_WORD.findall(text)
    keys = [fold(r).lower() for r in raws]
    for i, (raw, key) in enumerate(zip(raws, keys, strict=True)):
        prev = keys[i - 1] if i else ""
        nxt = keys[i + 1] if i + 1 < len(keys) else ""
        if key == "tt" and nxt == "hue":
            found[key] = ("Thừa Thiên",)  # "tt hue", "TT Huế": Thừa Thiên Huế
        elif key in _ABBR_FOLDED and (raw.isupper() or (len(key) >= 3 and key not in _COMMON_VI)):
            found[key] = _ABBR_FOLDED[key]
        elif (prev, key) in _AFTER_HEAD:
            # Typed in lower case on a phone: "sở ct", "cụm cn" are abbreviations only after their head.
            found[key] = _AFTER_HEAD[(prev, key)]
        elif key in _DOC_KIND_SHORT and (
            nxt[:1].isdigit() or nxt in ("so", "nao") or prev in ("theo", "trong", "tai")
        ):
            # "cv 2395", "theo nd nao", "trong kh …": a kind of document.
            found[key] = _DOC_KIND_SHORT[key]
        elif key in PHONE_ABBREVIATIONS and (raw.islower() or raw.isupper()):
            found[key] = PHONE_ABBREVIATIONS[key]  # "pl kh 39", "hoi thao lk vung", "sgtvt"
    return found


_DOC_KIND_SHORT: dict[str, tuple[str, ...]] = {
    "cv": ("công văn",),
    "kh": ("kế hoạch",),
    "qd": ("quyết định",),
    "nd": ("nghị định",),
    "nq": ("nghị quyết",),
    "bc": ("báo cáo",),
    "tb": ("thông báo",),
}


#: Short abbreviations that are words of their own unless a head word comes first ("sở ct").
_AFTER_HEAD: dict[tuple[str, str], tuple[str, ...]] = {
    **{
        ("so", k): v
        for k, v in (
            ("ct", ("Công Thương",)),
            ("xd", ("Xây dựng",)),
            ("nv", ("Nội vụ",)),
            ("tp", ("Tư pháp",)),
            ("yt", ("Y tế",)),
            ("tc", ("Tài chính",)),
            ("tt", ("Thông tin và Truyền thông",)),
            ("nn", ("Nông nghiệp và Phát triển nông thôn",)),
            ("gd", ("Giáo dục và Đào tạo",)),
            ("vh", ("Văn hóa, Thể thao và Du lịch",)),
            ("dl", ("Du lịch",)),
        )
    },
    **{(head, "cn"): ("công nghiệp",) for head in ("cum", "khu", "nganh", "phat", "trien")},
}


def expand_inline(folded: str) -> str:
    """Folded text with each abbreviation replaced by its first long form ('so tt&tt' → 'so thong tin ...')."""

    prev = ""

    def repl(m: re.Match[str]) -> str:
        nonlocal prev
        word, before = m.group(0), prev
        prev = word
        if (before, word) in _AFTER_HEAD:
            return fold(_AFTER_HEAD[(before, word)][0]).lower()  # "sở gd", "cụm cn"
        longs = _ABBR_FOLDED.get(word)
        if longs and (len(word) >= 3 or word in _SHORT_OK):
            return fold(longs[0]).lower()
        phone = PHONE_ABBREVIATIONS.get(word)
        return fold(phone[0]).lower() if phone else word

    folded = re.sub(r"\btt ?hue\b", "thua thien hue", folded)
    return re.sub(r"[\w&\-]+", repl, re.sub(r"\b(gd|dot)(\d)\b", r"\1 \2", folded))


_SHORT_OK = frozenset({"tt", "tc", "xd", "ct", "tp", "nv", "yt", "ca", "dn", "kh"})


_GENERIC_CAPS = frozenset(
    fold(w).lower()
    for w in "Sở Ban Ủy Uỷ UBND HĐND Khu Kế Quyết Công Nghị Chỉ Thông Văn Trung Bộ Chính Tỉnh Thành Hội Đồng "
    "Vùng Phòng Cục Luật Điều Phần Mục Phụ Who What Which When Where How Why The Department Plan Decision Official "
    "Letter People Committee Council Management Board Economic Zone Province City District".split()
)


def is_generic_capital(word: str) -> bool:
    """A capitalized administrative word ("Sở", "Kế", "Department"), not the start of a place name."""
    return fold(word).lower() in _GENERIC_CAPS


def proper_names(text: str) -> list[str]:
    """Runs of two or more capitalized words (not the first word, not administrative words),
    folded: 'Dự án đường Da Nang - Quang Ngai' → ['da nang', 'quang ngai']."""
    plain = CODE_RE.sub(" ", text)
    out: list[str] = []
    run: list[str] = []
    prev_end = -1
    for i, m in enumerate(re.finditer(r"[^\W\d_]+", plain)):
        w = m.group(0)
        joined = prev_end >= 0 and plain[prev_end : m.start()].strip() == ""  # only spaces between
        capital = i > 0 and w[:1].isupper() and not w.isupper() and fold(w).lower() not in _GENERIC_CAPS
        if capital and (joined or not run):
            run.append(fold(w).lower())
        else:
            if len(run) >= 2:
                out.append(" ".join(run))
            run = [fold(w).lower()] if capital else []
        prev_end = m.end()
    if len(run) >= 2:
        out.append(" ".join(run))
    return out


def agency_key(text: str) -> str:
    """Folded, lower case, punctuation-insensitive: 'Lao động - Thương binh' = 'Lao động, Thương binh'."""
    return " ".join(re.sub(r"[,\-–;:()]", " ", fold(text).lower()).split())


#: Sectors whose department the sector's name stands for ("ngành y tế" is Sở Y tế's).
_SECTOR_DEPARTMENTS = (
    "y te|giao duc va dao tao|giao duc|tu phap|tai chinh|xay dung|giao thong van tai|cong thuong|noi vu"
)

#: Agencies by their folded names, longest first: the question names one → the evidence must too.
AGENCY_NAMES: tuple[str, ...] = tuple(
    sorted(
        {
            *(
                # A department ("Sở") and the ministry of the same field ("Bộ") are different bodies.
                kind + " " + agency_key(x)
                for kind in ("so", "bo")
                for x in (
                    "Kế hoạch và Đầu tư",
                    "Tài chính",
                    "Giao thông vận tải",
                    "Công Thương",
                    "Thông tin và Truyền thông",
                    "Lao động - Thương binh và Xã hội",
                    "Lao động, Thương binh và Xã hội",
                    "Tài nguyên và Môi trường",
                    "Nông nghiệp và Phát triển nông thôn",
                    "Giáo dục và Đào tạo",
                    "Văn hóa, Thể thao và Du lịch",
                    "Văn hóa - Thể thao và Du lịch",
                    "Khoa học và Công nghệ",
                    "Xây dựng",
                    "Nội vụ",
                    "Tư pháp",
                    "Y tế",
                    "Ngoại vụ",
                    "Du lịch",
                    "Văn hóa và Thể thao",
                    "Nông nghiệp và Môi trường",  # the names departments took in the 2025 mergers
                    "Dân tộc và Tôn giáo",
                )
            ),
            "tinh doan",
            "doan thanh nien",
            "hoi lien hiep phu nu",
            "hoi nong dan",
            "hoi cuu chien binh",
            "mat tran to quoc",
            "thanh tra tinh",
            "kho bac nha nuoc",
            "cuc thue",
            "cuc hai quan",
            "ban dan toc",
            "bo ngoai giao",
            "bo quoc phong",
            "bo cong an",
            "cong an tinh",
            "bo chi huy quan su",
            "bo chi huy bo doi bien phong",
            "ngan hang nha nuoc",
            "lien doan lao dong",
            "ban tuyen giao",
            "van phong ubnd",
            "ban quan ly khu kinh te",
            "ban quan ly cac khu cong nghiep",
            "ban quan ly du an",
        },
        key=len,
        reverse=True,
    )
)


#: A district's (or town's) People's Committee named as a body that acts, in the question's own casing
#: (folded): "UBND huyện Lý Sơn", "Ly Son district authorities", "what role does Ly Son district play".
_NAME = r"((?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+)"
_DISTRICT_BODY = (
    rf"\b(?i:ubnd|uy ban nhan dan) (?i:huyen|thi xa) {_NAME}\b",  # typed lower case, a name is no name
    rf"\b{_NAME} (?:district|town)(?:'s)? (?:people'?s committee|authorit(?:y|ies)|committee|government|administration|role|part|task|job|duties|responsibilit)",
    rf"\b(?:people'?s committee|authorit(?:y|ies)|administration) of {_NAME} (?:district|town)\b",
    rf"\brole (?:does|did|do|will|is|would) {_NAME} (?:district|town)\b",
)


#: A road (or similar) named by its number: "Quốc lộ 1A", "QL24B", "National Highway 1A", "route 24".
_DESIGNATED = (
    r"\b(?:quoc lo|tinh lo|ql|dt|national (?:highway|road|route)|highway|provincial road|route|road no\.?|duong so)"
    r"\s*(\d{1,3}[a-z]?)\b"
)


_EXCLUDED = re.compile(
    r"\b(?:as opposed to|rather than|instead of|other than|apart from|except(?: for)?|not counting|excluding"
    r"|khong ke|ngoai tru|chu khong phai)\s+(?:the\s+)?([a-z0-9][a-z0-9 '-]{1,40}?)\s*(?:[?,;.)]|$)"
)


def excluded(folded: str) -> list[str]:
    """What a question sets aside by name ("… as opposed to Dung Quat?" → "dung quat")."""
    return [m.group(1).strip() for m in _EXCLUDED.finditer(folded)]


def designators(folded: str) -> list[str]:
    """The numbers that name roads in a folded question ("quoc lo 1a" → "1a")."""
    return list(dict.fromkeys(m.group(1) for m in re.finditer(_DESIGNATED, folded)))


def district_bodies(text: str) -> list[str]:
    """District People's Committees the question names as bodies (keyed like AGENCY_NAMES)."""
    folded = fold(text)
    found = [
        agency_key(expand_inline("ubnd huyen " + m.group(1).lower()))
        for pat in _DISTRICT_BODY
        for m in re.finditer(pat, folded)
    ]
    return list(dict.fromkeys(found))


def expand_abbreviations(text: str) -> list[str]:
    """Phrases to add: long forms of abbreviations in ``text`` and abbreviations of long forms."""
    out: list[str] = []
    for longs in abbreviations_in(text).values():
        out.extend(longs)
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
    groups, leftovers = translate_groups(text)
    return [p for _, alts in groups for p in alts], leftovers


_SPELLING = (
    ("isation", "ization"),
    ("ise", "ize"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("yse", "yze"),
    ("our", "or"),
    ("tre", "ter"),
    ("ence", "ense"),
    ("mme", "m"),
    ("lled", "led"),
    ("lling", "ling"),
)


def lemmas(word: str) -> list[str]:
    """Base forms an inflected or British-spelled English word may have, most likely first:
    'responsibilities' → 'responsibility', 'developed' → 'develop', 'planned' → 'plan',
    'managing' → 'manage', 'organisation' → 'organization'. Only forms the vocabulary knows matter."""
    out: list[str] = []
    w = word
    if len(w) > 4 and w.endswith("ies"):
        out.append(w[:-3] + "y")
    if len(w) > 3 and w.endswith("es"):
        out.append(w[:-2])
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        out.append(w[:-1])
    if len(w) > 4 and w.endswith("ied"):
        out.append(w[:-3] + "y")
    if len(w) > 4 and w.endswith("ed"):
        out += [w[:-2], w[:-1]]
        if len(w) > 5 and w[-3] == w[-4]:
            out.append(w[:-3])  # planned → plan
    if len(w) > 5 and w.endswith("ing"):
        out += [w[:-3], w[:-3] + "e"]
        if w[-4] == w[-5]:
            out.append(w[:-4])  # planning → plan
    for a, b in _SPELLING:
        for form in [w, *out]:
            if form.endswith(a):
                out.append(form[: -len(a)] + b)
            elif form.endswith(b) and a not in ("mme", "our"):
                out.append(form[: -len(b)] + a)
    return [x for x in dict.fromkeys(out) if x != word and len(x) > 2]


def _lookup(cand: list[str]) -> str | None:
    """The vocabulary key of an English phrase, its last word inflected or spelled either way."""
    key = " ".join(cand)
    if key in ENGLISH:
        return key
    for base in lemmas(cand[-1]):
        key = " ".join([*cand[:-1], base])
        if key in ENGLISH:
            return key
    return None


def is_english_word(word: str) -> bool:
    return word in ENGLISH or any(b in ENGLISH for b in lemmas(word))


#: Every word of the vocabulary's keys ("gas-fired" of "gas-fired power"): such a compound stays whole.
_KEY_WORDS = frozenset(w for key in ENGLISH for w in key.split())


#: What people call a department by its field ("the planning department", "the culture, sports and
#: tourism department"): the field as the vocabulary's "department of …" keys name it.
_DEPARTMENT_FIELDS: dict[str, str] = {
    "agriculture": "agriculture and rural development",
    "communications": "information and communications",
    "culture": "culture sports and tourism",
    "culture and sports": "culture sports and tourism",
    "education": "education and training",
    "environment": "natural resources and environment",
    "natural resources": "natural resources and environment",
    "ict": "information and communications",
    "industry": "industry and trade",
    "trade": "industry and trade",
    "commerce": "industry and trade",
    "industry and commerce": "industry and trade",
    "information": "information and communications",
    "interior": "home affairs",
    "investment": "planning and investment",
    "labor": "labour invalids and social affairs",
    "labour": "labour invalids and social affairs",
    "labor and social affairs": "labour invalids and social affairs",
    "labour and social affairs": "labour invalids and social affairs",
    "planning": "planning and investment",
    "science": "science and technology",
    "social affairs": "labour invalids and social affairs",
    "transportation": "transport",
    "traffic": "transport",
}
_DEPARTMENT_HEADS = frozenset({"department", "departments", "dept", "service"})


def _department_first(words: list[str], raw: list[str]) -> tuple[list[str], list[str]]:
    """ "The health department", "the culture, sports and tourism dept" → "department of health",
    "department of culture sports and tourism": the form the vocabulary knows (with the raw words
    kept in step)."""
    out, out_raw = list(words), list(raw)
    j = 0
    while j < len(out):
        if out[j] in _DEPARTMENT_HEADS and j > 0:
            for n in range(min(6, j), 0, -1):
                field = " ".join(out[j - n : j])
                field = _DEPARTMENT_FIELDS.get(field, field)
                if f"department of {field}" in ENGLISH:
                    named = ["department", "of", *field.split()]
                    out[j - n : j + 1] = named
                    out_raw[j - n : j + 1] = named
                    j = j - n + len(named) - 1
                    break
        j += 1
    return out, out_raw


#: Conversational frames that carry no subject: "what's the deal with", "anything about", "tell me about".
_EN_CHATTER = re.compile(
    r"(?i)\b(?:what(?:'s| is| was) the (?:deal|story|situation|score) (?:with|on|about)"
    r"|is there anything (?:on|about|in)|any(?:thing)? (?:info(?:rmation)? |details? )?(?:on|about)"
    r"|tell me (?:more )?about|what about)\b"
)


def translate_groups(text: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """Like translate_english, keeping each English term with its alternative translations.
    Vietnamese names typed with diacritics in an English sentence ("Thừa Thiên Huế") are read folded."""
    raw_words: list[str] = []
    text = _EN_CHATTER.sub(" ", text)
    for raw in re.findall(r"[A-Za-z0-9'&\-/]+", re.sub(r"'s\b", "", fold(text))):
        raw = re.sub(r"(?i)(?<=[a-z])-wise$", "", raw)  # "investment-wise": about investment
        parts = raw.split("-")
        if len(parts) > 1 and all(p.isalpha() for p in parts) and raw.lower() not in _KEY_WORDS:
            raw_words.extend(parts)  # "regional-linkage instruction": the words of a compound
        else:
            raw_words.append(raw)
    words = [w.lower().strip("'") for w in raw_words]
    words, raw_words = _department_first(words, raw_words)
    phrases: list[tuple[str, tuple[str, ...]]] = []
    leftovers: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_EN_MAX, len(words) - i), 0, -1):
            key = _lookup(words[i : i + n])
            if key is not None:
                phrases.append((key, ENGLISH[key]))
                i += n
                break
        else:
            w, raw = words[i], raw_words[i]
            if w not in QUESTION_WORDS_EN and (
                raw[:1].isupper() or any(c.isdigit() for c in w) or len(w) >= 3
            ):
                leftovers.append(raw)
            i += 1
    return phrases, leftovers


_STOP_DIACRITIC = frozenset(
    "ai gì nào bao nhiêu không có được là của các những trong về cho thế như với và hay khi đâu ở chưa đã sẽ "
    "phải cần này đó thì mà hỏi biết xin vui lòng gi nao nhắc nêu đều gồm hãy mấy phần trăm muốn hoặc phía".split()
)


def _is_stop(word: str, stop_diacritic: frozenset[str] | None) -> bool:
    if stop_diacritic is not None:
        return word in stop_diacritic
    return fold(word) in QUESTION_WORDS_VI


_VI_ASKING = re.compile(
    r"\b(?:bao lâu|bao lau|bao nhiêu lâu|bao nhieu lau|mấy lần|may lan|bao nhiêu lần|bao nhieu lan|"
    r"một lần|mot lan|1 lần|1 lan|"
    # "… khác nhau thế nào", "có gì giống nhau": a comparison asked of what follows or precedes
    r"(?:có gì |co gi )?(?:khác nhau|khac nhau|giống nhau|giong nhau)(?: (?:thế nào|the nao|ra sao|ở điểm nào|o diem nao))?"
    r"|so sánh|so sanh"
    # "… được đề cập như thế nào": how the documents speak of what precedes
    r"|(?:được |duoc )?(?:đề cập|de cap|nhắc đến|nhac den)(?: (?:như thế nào|nhu the nao|thế nào|the nao|ra sao))?)\b",
    re.IGNORECASE,
)
#: "Những văn bản nào …", "which documents …": the documents asked for, not what they are about.
_VI_DOC_FRAME = re.compile(
    r"\b(?:(?:trong|trong số|trong so)\s+(?:bộ|bo|các|cac)\s+(?:tài liệu|tai lieu|văn bản|van ban)"
    r"(?:\s+(?:đã|da)\s+(?:nạp|nap))?|(?:những|nhung|các|cac)?\s*(?:văn bản|van ban|tài liệu|tai lieu|kế hoạch|"
    r"ke hoach|quyết định|quyet dinh|công văn|cong van)\s+(?:nào|nao))\b",
    re.IGNORECASE,
)
_EN_DOC_FRAME = frozenset({"document", "documents"})
#: "Văn bản nào quy định mức hỗ trợ …", "which documents set the minimum wage": a level is asked for,
#: and only a document that states one answers.
_ASKS_LEVEL = (
    r"\b(muc (ho tro|luong|phi|thu|chi|phat|gia|thue|dong gop|tro cap|dau tu|von)|dinh muc|bao nhieu tien|"
    r"wages?|salar(y|ies)|fees?|tariffs?|(interest|tax|support|subsidy) rates?|allowances?|how much money)\b"
)
_TIME_KINDS: tuple[tuple[str, str], ...] = (
    ("frequency", r"\b(bao lau|may lan|may (thang|nam) mot lan|how often|how frequently|every how)"),
    (
        "date",
        r"\b(ngay nao|ngay may|truoc ngay|ngay bao nhieu|ngay cu the|what (?:exact |specific |precise )?(?:date|day)"
        r"|which (?:exact |specific |precise )?(?:date|day)|by what date|on what date|deadline)",
    ),
    ("quarter", r"\b(quy (may|nao)|which quarter|what quarter)"),
    (
        "month",
        r"\b(thang (may|nao)|which months?|what months?|in what months?|when in the year|what time of (the )?year)",
    ),
    ("period", r"\b(tu nam nao (den|toi) nam nao|giai doan nao|keo dai|which period|what period|from when)"),
    ("year", r"\b(nam nao|nam may|nam bao nhieu|which year|what year|in what year)"),
    # "Cuộc họp định kỳ … vào những tháng nào" asks for the months: "định kỳ" names the meeting there.
    ("frequency", r"\b(dinh ky|periodic)"),
)
_EN_FRAME = frozenset(
    "where location venue when time date deadline due responsible responsibility lead leads task tasks duties "
    "role tasked assigned".split()
) | {"in charge", "how often", "what time", "which month", "which year"}


_LIST_PATTERN = (
    r"\b(nhung (gi|viec|nhiem vu|noi dung|hoat dong)|viec gi|nhiem vu gi|nhiem vu (cua|nao)|lam gi|"
    r"duoc giao (gi|nhung)|what (tasks|duties|are the tasks)|which tasks|what (must|should|does|do|is) .* (do|tasked|asked|assigned|required)|"
    r"tasks? (of|for|assigned))"
)
#: What made something happen (a cause), not what it is for: "why did the plant stop producing".
_CAUSE_PATTERN = (
    r"\b(what (caused|led to|is behind|was behind)|causes? of|\bcaused\b|nguyen nhan"
    r"|why (did|has|had|have|was|were) [^?]*\b(stop|stopped|halt|halted|fail|failed|decline|declined|fall|fell|drop"
    r"|dropped|close|closed|shut|suspend|suspended|stall|stalled|delay|delayed)"
    r"|(tai sao|vi sao) [^?]*\b(ngung|dung hoat dong|giam|that bai|dong cua|cham tien do|bi cham|tre))\b"
)
_REASON_PATTERN = (
    r"\b(why|for what reasons?|for what purpose|what reasons?|what (is|was|are|were) the (reasons?|rationale|justification"
    r"|purposes?|aims?)|how (was|were|is|are) "
    r"[^?]*\b(worked out|calculated|decided|determined|chosen|justified)|tai sao|vi sao|vi ly do gi|ly do (gi|nao)|"
    r"(nhung |cac )?ly do|(nham )?muc dich (gi|nao|la gi)|de lam gi)\b"
)
#: A ranking or comparison asked: the documents must make it ("more than 60%" is a threshold, not
#: a comparison; "ít nhất" is "at least").
_RANKING_PATTERN = (
    r"\b(more or less than|(higher|lower|bigger|larger|smaller) than|rank(ed|s|ing)?|top[- ]ranked|top priority"
    r"|(the )?(highest|lowest|largest|biggest|smallest|fewest|best|worst)"
    r"|(cao|lon|nhieu|thap|nho) nhat|xep hang|thu hang|dung thu may|(cao|nhieu|lon|it|thap) hon hay"
    # "Which province set the higher target", "how does X compare with Đà Nẵng's"
    r"|which (province|city|one|plan|document|of the two)\b[^?]*\b(higher|lower|bigger|larger|greater|smaller|more than|less than)"
    r"|how (does|do|did) [^?]* compare (with|to)|compared (with|to) (that of|those of)|tinh nao (cao|nhieu|lon|thap|it) hon"
    r"|stacks? up against|\bversus\b|\b(which|who) [^?]*\bthe most\b"
    r"|\b(uu tien|doi tac|hang) so (mot|1)|number one|\bduoc xep (la|hang|vao|thu))\b"
)
_RESULT_PATTERN = (
    r"\b(actually|in reality|in practice|was it achieved|were they achieved|"
    r"did (?![^?]*\b(aim|aims|plan|plans|target|expect|intend|want|hope|seek|supposed)\b)[^?]* (hit|reach|meet|achieve)|"
    r"thuc te|da dat duoc|dat duoc chua|ket qua dat duoc|da hoan thanh chua"
    # "Những kiến nghị nào … đã được Hội đồng Vùng chấp thuận", "what came out of the workshop"
    r"|(kien nghi|de xuat|de nghi)[^?]*\bda duoc [^?]*\b(chap thuan|tiep thu|dong y)|ket qua (cua )?(hoi thao|hoi nghi|dien dan)"
    r"|(was|were) (agreed|accepted) (at|by)|what came out of|(actual )?results? of the (workshop|conference|forum|meeting)"
    r"|\b(end|ended) up\b|\beventually\b|\bin the end\b)\b"
)
_TASK_FRAMING = ("giao", "việc", "nhiệm vụ", "làm", "yêu cầu", "đề nghị", "tasked", "asked")
_TIME_FRAMING = (
    "kéo dài",
    "thời gian",
    "khi nào",
    "bao giờ",
    "lúc nào",
    "hạn",
    "thời hạn",
    "hạn chót",
    "chậm nhất",
    "muộn nhất",
    "hoàn thành",
    "deadline",
)
_WHO_FRAMING = (
    "chịu trách nhiệm",
    "trách nhiệm",
    "chủ trì",
    "phụ trách",
    "được giao",
    "giao",
    "thực hiện",
    "cơ quan",
    "đơn vị",
    "đầu tư",
    "đóng vai trò",
    "vai trò",
    "responsible",
    # "Đơn vị nào chuẩn bị báo cáo cho hội thảo": preparing is what every row's lead unit does.
    "chuẩn bị",
    "prepare",
)


# --- who issued the document asked about -----------------------------------------------------------

_PLACE_ALT = "|".join(sorted((re.escape(p) for p in PROVINCES), key=len, reverse=True))
_DOC_WORD_EN = (
    r"(?:plan|decision|letter|document|dispatch|resolution|directive|report|programme|program|scheme)"
)
_DOC_WORD_VI = (
    r"(?:ke hoach|quyet dinh|cong van|van ban|nghi quyet|chi thi|chuong trinh|de an|bao cao|kh|qd|cv)"
)
_ISSUED_BY = (
    # "Da Nang's regional plan", "Hue city's decision"
    re.compile(rf"\b({_PLACE_ALT})(?: (?:province|city))?'s (?:[\w-]+ ){{0,5}}?{_DOC_WORD_EN}s?\b"),
    # "the plan of / issued by the People's Committee of Da Nang"
    re.compile(
        rf"\b{_DOC_WORD_EN}s? (?:[\w-]+ ){{0,4}}?(?:of|from|by|issued by) (?:the )?(?:people's committee of |ubnd )?"
        rf"(?:(?:province|city) of )?({_PLACE_ALT})\b(?! (?:port|airport|economic zone|industrial))"
    ),
    # "kế hoạch (…) của UBND thành phố Đà Nẵng", "văn bản do UBND tỉnh Quảng Nam ban hành"
    re.compile(
        rf"\b{_DOC_WORD_VI} (?:[\w/.-]+ ){{0,16}}?(?:cua|do) (?:ubnd |uy ban nhan dan )?(?:tinh |thanh pho |tp )?"
        rf"({_PLACE_ALT})\b"
    ),
    # "Đà Nẵng giao Sở KHĐT …": the province assigning is the issuer
    re.compile(
        rf"^(?:ubnd |uy ban nhan dan )?(?:tinh |thanh pho |tp )?({_PLACE_ALT}) (?:giao|yeu cau|chi dao|de nghi)\b"
    ),
    # "What tasks does Quang Nam province give its transport department"
    re.compile(
        rf"\b(?:does|did|will) (?:the )?(?:people's committee of )?({_PLACE_ALT})(?: (?:province|city))?"
        rf"(?:'s people's committee)? (?:give|assign|ask|task|require|expect|order|direct)\b"
    ),
    re.compile(
        rf"^({_PLACE_ALT})(?: (?:province|city))? (?:gives|assigns|asks|tasks|requires|orders|directs)\b"
    ),
)


_PLACE_RE = re.compile(rf"\b({_PLACE_ALT})\b")


_DOC_WORDS = (
    r"(?:ke hoach|quyet dinh|cong van|van ban|chi thi|nghi quyet|plans?|decisions?|letters?|dispatch(?:es)?|"
    r"documents?|directives?|resolutions?|kh|qd|cv)"
)
#: A year that dates a document: "the 2018 plan", "kế hoạch (năm) 2018", "May 2022 letter", "KH 2021-2025",
#: "the plan of 2018", "ban hành năm 2017".
_DOCUMENT_YEAR = (
    rf"\b(?:(\d{{4}})(?:\s*-\s*\d{{4}})? (?:(?!(?:under|by|for|in|of|from|with|at|on|theo|trong|cua)\b)[a-z]+ ){{0,4}}?{_DOC_WORDS}\b"
    # "the plan's target for 2030", "kế hoạch … đến năm 2030": the year a target is for, not the plan's.
    rf"|{_DOC_WORDS} (?:(?!(?:targets?|targeted|aims?|aimed|goals?|by|until|den|toi|muc tieu|chi tieu)\b)[a-z0-9/\-]+ ){{0,8}}?"
    r"(?:nam |of |from |in |issued in |dated |ban hanh nam )?(\d{4})\b)"
)
#: Where something is held: "tổ chức (ngay) tại Quảng Ngãi", "the workshop in Huế", "hội nghị ở Huế";
#: a place that hosts an event need not have issued the document that lists it.
_HELD_IN = (
    r"\b(?:to chuc|dien ra|held|take place|takes place|taking place|hosted|hoi thao|hoi nghi|dien dan|festival"
    r"|ngay hoi|workshops?|conferences?|seminars?|forums?|meetings?|events?)\b(?:,?\s+[\w'-]+){0,12}?\s+"
    r"(?:tai|o|in|at)\s+(?:the\s+)?(?:tinh\s+|thanh pho\s+|tp\s+|city of\s+|province of\s+)?"
)


_SECTION_WORD = r"(?:muc|section|khoan|clause|subsection|paragraph)"
_POINT_WORD = r"(?:diem|point|item|letter)"


def section_ref(folded: str) -> tuple[list[str], tuple[int, int] | None]:
    """The labels of a section the question names, from the top, and where the question names it:
    "điểm b mục 2.2", "point d of section 2.2", "section 2.2(b)" → ["2.2", "b"]; "mục 2.7" → ["2.7"].
    Only dotted section numbers count ("section 2" may be a part of any document)."""
    m = re.search(
        rf"\b{_POINT_WORD} ([a-z])\)?,? (?:of |cua |thuoc |tai |in |under )?(?:the )?{_SECTION_WORD} (\d+(?:\.\d+)+)\b",
        folded,
    )
    if m:
        return [m.group(2), m.group(1)], m.span()
    m = re.search(rf"\b{_SECTION_WORD} (\d+(?:\.\d+)+)(?:,? {_POINT_WORD} ([a-z])\b|\s?\(([a-z])\))?", folded)
    if m:
        return [m.group(1), *[g for g in (m.group(2), m.group(3)) if g]], m.span()
    return [], None


def has_labels(path: Sequence[str], labels: Sequence[str]) -> bool:
    """``labels`` occur in ``path`` one after the other: ["2", "2.2", "b"] has ["2.2", "b"]."""
    n = len(labels)
    return any(list(path[i : i + n]) == list(labels) for i in range(len(path) - n + 1))


_EVENT_NOUNS = r"(?:workshops?|conferences?|seminars?|forums?|festivals?|meetings?)"


_EVENT_VI = r"(?:hoi nghi|hoi thao|dien dan|ngay hoi|le hoi|festival|hn|ht)"
#: Words that end what an event is about: its year, place, time or what the question asks of it.
_TOPIC_END = (
    r"(?:nam|vao|thang|quy|o|tai|trong|do|thi|cua|duoc|la|se|can|phai|co|in|at|on|of|for|by|held|hosted|taking|that|which"
    r"|who|what|when|where|is|was|will|to|and then|\d)"
)


def event_topic(folded: str) -> str:
    """What an event the question names is about, in its own words ("hội nghị về phát triển nguồn nhân
    lực vùng năm 2018" → "phat trien nguon nhan luc vung"; "the regional human resources development
    conference" → "regional human resources development"), or ""."""
    m = re.search(rf"\b{_EVENT_VI}\s+(?:ve\s+)?((?:(?!{_TOPIC_END}\b)[a-z&-]+\s*){{1,8}})", folded)
    if m:
        return " ".join(_PLACE_RE.sub(" ", m.group(1)).split())
    folded = re.sub(
        rf"\b(?:{'|'.join(_MONTHS_EN)}|mid|early|late|spring|summer|autumn|fall|winter)\b|\b\d{{4}}\b",
        " ",
        folded,
    )
    folded = " ".join(folded.split())
    m = re.search(
        rf"\b{_EVENT_NOUNS}\s+(?:on|about|for)\s+(?:the\s+)?((?:(?!(?:in|at|across|held|hosted|that|which|who|and then)\b)"
        r"[a-z&'-]+\s*){1,8})",
        folded,
    )
    if m:
        return m.group(1).strip()
    m = re.search(rf"((?:[a-z&'-]+\s+){{1,8}}){_EVENT_NOUNS}\b", folded)
    if not m:
        return ""
    words = m.group(1).split()
    cut = max((i + 1 for i, w in enumerate(words) if w in _BEFORE_TOPIC or w.endswith("'s")), default=0)
    return " ".join(w for w in words[cut:] if w not in _PLACE_WORDS_EN)


#: Words after which an English event's topic starts ("… to the Hue tourism promotion conference").
_BEFORE_TOPIC = frozenset(
    "the a an its their this that to of for in on at with by from about into what which who when where how is was "
    "are were does did will would lead leads led run runs ran host hosts hosted attend attends organise organize "
    "organised organized".split()
)
_PLACE_WORDS_EN = frozenset(
    "regional provincial planned upcoming proposed annual quang ngai hue thua thien".split()
)


def held_in(folded: str) -> list[str]:
    """The places (canonical) a question says something is held in: "hội thảo … ở tt huế"."""
    found: list[str] = []
    for m in re.finditer(_HELD_IN, folded):
        words = folded[m.end() :].split()[:3]
        if any(w.endswith(("'s", "’s")) for w in words):
            continue  # "the festival in Huế's 2021-2025 plan": the plan's province, not the venue
        found += named_places(" ".join(words))[:1]
    # "the Hue tourism investment promo conference": a place naming the event it hosts (English; in
    # Vietnamese "Huế … tổ chức Festival" names who organises it).
    for place in named_places(folded):
        for alias in [p for p, canon in PROVINCES.items() if canon == place]:
            if re.search(rf"\bthe {re.escape(alias)} (?:[\w-]+ ){{0,5}}?{_EVENT_NOUNS}\b", folded):
                found.append(place)
    return list(dict.fromkeys(found))


def named_places(folded: str) -> list[str]:
    """Provinces and centrally-run cities named in folded text (canonical folded names)."""
    return list(dict.fromkeys(PROVINCES[m] for m in _PLACE_RE.findall(folded)))


def issuer_places(folded: str) -> list[str]:
    """Provinces the question says issued the document it asks about (canonical folded names)."""
    found = [PROVINCES[m.group(1)] for pat in _ISSUED_BY for m in pat.finditer(folded)]
    return list(dict.fromkeys(found))


# --- what kind of thing the answer names ----------------------------------------------------------

#: "Which <kind>" / "<kind> nào": the evidence must name something of that kind. (English words,
#: folded Vietnamese words of the question, a pattern over the documents' own text.)
_CAP = "[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ]"
_SCHOOL = r"(?i:trường (?:đại học|cao đẳng|trung cấp|học|nghề|chính trị)|đại học|học viện|cao đẳng)"
_ANSWER_KINDS: tuple[tuple[str, str, str], ...] = (
    (
        "universit(?:y|ies)|colleges?",
        "truong dai hoc|dai hoc|truong|hoc vien",
        _SCHOOL,
    ),
    ("schools?", "truong", _SCHOOL),
    (
        "compan(?:y|ies)|firms?|corporations?|contractors?|operators?",
        "cong ty|tap doan|nha thau",
        r"(?i:công ty|tập đoàn|nhà thầu)",
    ),
    ("investors?", "nha dau tu", r"(?i:nhà đầu tư|công ty|tập đoàn)"),
    ("banks?", "ngan hang", r"(?i:ngân hàng)"),
    ("hospitals?", "benh vien", r"(?i:bệnh viện)"),
    ("hotels?|resorts?", "khach san|khu nghi duong", r"(?i:khách sạn|khu nghỉ dưỡng|resort)"),
    ("rivers?", "song", rf"\b[Ss]ông\s+{_CAP}"),
    ("islands?", "dao", rf"\b(?:[Đđ]ảo|[Hh]uyện đảo)\s+{_CAP}"),
    ("beach(?:es)?", "bai bien|bai tam", rf"\b(?:[Bb]ãi biển|[Bb]ãi tắm|[Bb]iển)\s+{_CAP}"),
    (
        "countr(?:y|ies)|nations?|parts of the world|regions of the world",
        "nuoc|quoc gia",
        r"Nhật Bản|Hàn Quốc|Hoa Kỳ|\bMỹ\b|Trung Quốc|Đài Loan|Singapore|Thái Lan|\bLào\b|Campuchia|Myanmar|Malaysia"
        r"|Indonesia|Philippines|Ấn Độ|\bÚc\b|Australia|New Zealand|\bNga\b|\bĐức\b|\bPháp\b|\bAnh\b|Hà Lan|Canada"
        r"|Israel|Châu Âu|Châu Á|Châu Phi|Châu Mỹ|Châu Đại Dương|Đông Nam Á|Đông Bắc Á|Trung Đông|ASEAN|\bEU\b",
    ),
    ("bridges?", "cau", rf"\b[Cc]ầu\s+{_CAP}"),
    ("airports?", "san bay|cang hang khong", r"(?i:sân bay|cảng hàng không)"),
    ("(?:sea)?ports?", "cang", r"(?i:\bcảng\b)"),
    ("communes?|wards?", "xa|phuong|thi tran", rf"\b(?:xã|phường|thị trấn)\s+{_CAP}"),
    ("districts?", "huyen|thi xa", rf"\b(?:huyện|quận|thị xã)\s+{_CAP}"),
    ("organi[sz]ations?|ngos?", "to chuc", r"(?i:tổ chức)"),
)


def answer_kind(folded: str) -> str:
    """A pattern the evidence must match when the question asks for a kind of thing, else ""."""
    for en, vi, marker in _ANSWER_KINDS:
        if re.search(rf"\b(?:which|what)(?: [a-z-]+)? (?:{en})\b", folded) or re.search(
            rf"(?<!co )(?<!moi )(?<!yeu )(?<!dia )\b(?:{vi}) nao\b", folded
        ):
            return marker
    return ""


# --- who holds a post ---------------------------------------------------------------------------

_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trương Lương Mai Cao Đào "
    "Đoàn Lâm Tô Hà Thái Châu Phùng Tạ Trịnh Lưu Kiều Văn Quách Tôn Thân Từ Triệu Lại Chu Nghiêm Mạc Lò"
).split()
#: A person's full name as the documents write it ("Đặng Văn Minh", "Nguyễn Văn Phương").
PERSON = rf"\b(?:{'|'.join(_SURNAMES)})(?:\s+[A-ZĐ][a-zà-ỹđ]+){{1,3}}\b"
#: "Who chairs X", "ai giữ chức Trưởng ban X": (question pattern over folded text, the post in the
#: documents' words). The evidence must name that post in the same sentence as X.
_POSTS: tuple[tuple[str, str], ...] = (
    (r"truong ban|chairs?\b|chaired\b|chairm[ae]n|chairperson|chairwom[ae]n", r"[Tt]rưởng [Bb]an|Chủ tịch"),
    (r"pho truong ban|deputy head", r"Phó [Tt]rưởng [Bb]an"),
    (r"pho chu tich|vice[- ]chair", r"Phó Chủ tịch"),
    (r"chu tich|president", r"Chủ tịch"),
    (r"giam doc|director", r"Giám đốc"),
    (r"to truong|team leader", r"Tổ trưởng"),
    # "who heads the team" asks for a post; "who leads the effort to …" asks who is responsible.
    (
        r"who heads\b|\bhead of\b|\bleader of\b|\bchief of\b|dung dau|person (?:heading|leading)\b",
        r"[Tt]rưởng|Giám đốc|Chủ tịch|đứng đầu",
    ),
    # "Who leads the coordination team": a body has a head; "who leads the workshop" asks who is responsible.
    (r"who leads (?:[\w']+ ){0,5}?(?:team|committee|board|council|group)\b", r"[Tt]rưởng|Chủ tịch|đứng đầu"),
)
_ASKS_HOLDER = re.compile(
    r"\b(who|ai|nguoi nao)\b.*\b(is|was|la|lam|giu chuc|giu cuong vi|dam nhiem|chairs?|chaired|heads?|directs?|leads?)\b"
    r"|\b(la ai|ten (la )?gi|ho ten|ho va ten|name of|what is the name)\b"
)
_ASKS_NAME = re.compile(
    r"\b(ten (la )?gi|ho ten|ho va ten|name of|what is the name|what'?s the name|full name|personally|in person)\b"
)


def asked_post(folded: str) -> tuple[str, bool]:
    """(the post a question asks the holder of, as a pattern over the documents, whether it asks for
    a person's name) — ("", False) when it asks for none. "Who chairs the steering committee" is
    not answered by a section about the committee: only by one that names its chair."""
    if not _ASKS_HOLDER.search(folded) or re.search(
        r"\b(chu tri|chiu trach nhiem|responsible|in charge)\b", folded
    ):
        return "", False
    for asked, post in _POSTS:
        if re.search(rf"\b(?:{asked})", folded):
            return post, bool(_ASKS_NAME.search(folded) or re.search(_PERSON_POST, folded))
    return "", False


#: Posts only a person holds: "who is the director of the department" asks for a name, where "who
#: chairs the regional council" may be answered by the post that chairs it.
_PERSON_POST = (
    r"\b(giam doc|director|(pho )?chu tich (ubnd|uy ban nhan dan)|(vice[- ])?(chairman|chair|president) of "
    r"(the )?[\w' ]*people'?s committee)\b"
)


# --- the analyzer --------------------------------------------------------------------------------

_DOC_NUMBER = re.compile(
    r"\b(?:cong van|cv|quyet dinh|qd|ke hoach|kh|van ban|nghi quyet|plan|decision|letter|document|dispatch|"
    r"resolution|official letter)\s*(?:so|no\.?|number|#)?\s*(\d{1,5})\b(?!/)(?!\s*[-–]\s*\d)"  # "kế hoạch 2021-2025": a period
)


#: English sentences about the asker or the answer's form, not the question: "I'm a consultant helping
#: a Japanese supplier.", "Just the place names is fine, thx."
_ASIDE = re.compile(
    r"(?i)^(?:hi|hello|hey|dear|thanks|thank you|thx|cheers|sorry|just|i'?m|i am|we'?re|we are|i work|we work"
    r"|i'?ve|i have|i need|i'?d like|i would like|my (?:client|boss|team|company|manager|editor)"
    r"|our (?:client|team|company|firm)|volunteering|working (?:for|with|on)|writing (?:for|about|a)|researching"
    r"|based in|my company|my firm|my organi[sz]ation)\b"
    # "Ballpark in USD is fine", "a rough figure would do": the form of the answer.
    r"|^.{0,60}\b(?:is|are|would be|will be) (?:fine|ok|okay|enough|great|perfect)\W*$"
    r"|^.{0,60}\b(?:would|will) do\W*$"
)
_ASKS_EN = re.compile(r"(?i)\?|\b(?:who|whom|whose|what|which|when|where|why|how)\b")


def drop_asides(text: str) -> str:
    """An English question without the sentences around it that only introduce the asker or ask for a
    form of answer; unchanged when no other sentence asks."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
    asking = [s for s in sentences if _ASKS_EN.search(s)]
    said = [w for w in re.findall(r"[a-z0-9]+", " ".join(asking).lower()) if w not in QUESTION_WORDS_EN]
    if len(sentences) < 2 or len(said) < 6:
        return text  # "I'm following the container route. Which documents bring that up?": it says what
    return " ".join(s for s in sentences if s in asking or not _ASIDE.match(s))


def _split_abbreviations(m: re.Match[str]) -> str:
    known = {**_ABBR_FOLDED, **PHONE_ABBREVIATIONS}
    return f"{m.group(1)} - {m.group(2)}" if m.group(1) in known and m.group(2) in known else m.group(0)


def analyze(question: str) -> Query:
    text = clean_chars(question).strip()
    if detect_lang(text) == "en":
        text = drop_asides(text)
    else:
        text = re.sub(r"(?i)\b(g[dđ]|đợt|dot)(\d)\b", r"\1 \2", text)  # "doosan gd2": giai đoạn 2
        # "cn-xd": "công nghiệp - xây dựng", two abbreviations.
        text = re.sub(r"\b([a-z]{2,5})-([a-z]{2,5})\b", _split_abbreviations, text)
    folded = " ".join(fold(text).lower().split())
    lang = detect_lang(text)
    qtype, meta_field = detect_type(folded)
    if qtype == QType.WHAT and lang == "en" and text != clean_chars(question).strip():
        # "… in 2014? Ballpark in USD is fine": the form of answer asked for says it is a figure.
        whole = detect_type(" ".join(fold(clean_chars(question)).lower().split()))[0]
        qtype = QType.HOW_MUCH if whole == QType.HOW_MUCH else qtype
    q = Query(question=question, normalized=text, lang=lang, qtype=qtype, meta_field=meta_field)
    # Codes typed in lower case ("1537/qd-ubnd") are codes too.
    q.doc_refs = list(dict.fromkeys(code_key(m.group(1)) for m in CODE_RE.finditer(text.upper())))
    q.doc_numbers = [m.group(1) for m in _DOC_NUMBER.finditer(folded)]
    for m in _DOC_NUMBER.finditer(folded):
        q.number_words.setdefault(m.group(1), []).extend(re.findall(r"[a-z]+", m.group(0)))
    q.section_ref, named_at = section_ref(fold(text).lower())
    if named_at and len(fold(text)) == len(text):
        # "Điểm b mục 2.2 … yêu cầu gì": the section named is where to look, not words its text says.
        text = f"{text[: named_at[0]]} {text[named_at[1] :]}"

    weights: dict[str, float] = {}

    original: set[str] = set()

    def add(tokens: list[str], w: float, expansion: bool = False) -> None:
        for t in tokens:
            weights[t] = max(weights.get(t, 0.0), w)
            if not expansion:
                original.add(t)

    stop = QUESTION_WORDS_VI
    leftovers: list[str] = []  # English words the vocabulary does not translate (names among them)
    if lang == "en":
        groups, leftovers = translate_groups(text)
        phrases = [p for _, alts in groups for p in alts]
        q.translations = phrases
        # Question-frame terms ("where", "deadline", "responsible") say what is asked, not about what.
        frame = _EN_FRAME | (_EN_DOC_FRAME if qtype == QType.WHICH_DOCS else frozenset())
        q.concepts = [list(alts) for key, alts in groups if key not in frame]
        if qtype == QType.WHICH_DOCS:
            phrases = [p for key, alts in groups if key not in _EN_DOC_FRAME for p in alts]
        for p in phrases:
            add(lexical_tokens(p), 1.0)
        proper = [w for w in leftovers if w[:1].isupper() or any(c.isdigit() for c in w)]
        plain = [w for w in leftovers if w not in proper]
        # "5G", "4G": a code of letters and digits names the subject as much as any translated term.
        q.concepts += [
            [w] for w in proper if re.fullmatch(r"[A-Za-z]{1,4}\d+[A-Za-z]{0,3}|\d+[A-Za-z]{1,3}", w)
        ]
        add([t for t in lexical_tokens(" ".join(proper)) if not t.startswith("o:")], 0.8)
        soft = [t for t in lexical_tokens(" ".join(plain), bigrams=False) if not t.startswith("o:")]
        add(soft, 0.3)
        q.soft_tokens = set(soft)
        for p in expand_abbreviations(text) + expand_abbreviations(" ".join(phrases)):
            add(lexical_tokens(p), 0.6, expansion=True)
        q.dense_text = f"{text}\n{'; '.join(dict.fromkeys(phrases))}"
    else:
        # Question words ("ai", "bao nhiêu") carry no content as single syllables; phrases keep them.
        stop_diac = _STOP_DIACRITIC if lang == "vi" else None
        asked = _VI_ASKING.sub(" ", text)  # "bao lâu … một lần" asks; the documents never say it
        if qtype == QType.WHICH_DOCS:
            asked = _VI_DOC_FRAME.sub(" ", asked)
        content = [w for w in words(asked) if not _is_stop(w, stop_diac)]
        all_tokens = lexical_tokens(asked)
        add([t for t in all_tokens if t.startswith("c:") or "_" in t], 1.0)
        add(lexical_tokens(" ".join(content), bigrams=False), 1.0)
        for p in expand_abbreviations(text):
            add(lexical_tokens(p), 0.6, expansion=True)
        q.dense_text = text
    framing = _WHO_FRAMING if qtype == QType.WHO else _TIME_FRAMING if qtype == QType.WHEN else ()
    if qtype == QType.WHO and re.search(r"\b(han|khi nao|bao gio|by when|deadline|by what date)\b", folded):
        framing = (*framing, *_TIME_FRAMING)  # "sở nào chủ trì, hạn hoàn thành khi nào": both are asked
    if re.search(_LIST_PATTERN, folded):
        framing = (*framing, *_TASK_FRAMING)
    # "Who is responsible for X", "what tasks does Y have": the framing words are in every
    # assignment; X and Y decide.
    for phrase in framing:
        for t in lexical_tokens(phrase):
            if t in weights:
                weights[t] = min(weights[t], 0.15 if qtype == QType.WHO else 0.3)
    for ref in q.doc_refs:
        weights["c:" + ref] = 2.0
    q.tokens = {t: w for t, w in weights.items() if w > 0}
    q.expansion_tokens = {t for t in q.tokens if t not in original}
    for key, longs in abbreviations_in(
        text if lang != "en" else text + " " + " ".join(q.translations)
    ).items():
        for tok in lexical_tokens(key.replace("&", " ")):
            if ":" not in tok and "_" not in tok:
                q.alternatives[tok] = [
                    [t for t in lexical_tokens(lf, bigrams=False) if ":" not in t] for lf in longs
                ]
    for tok in q.tokens:
        # "Tháng 11/2018": a row that says "Tháng 11" in a plan for 2018 names that month.
        if month_of := re.fullmatch(r"(\d{1,2})/((?:19|20)\d\d)", tok):
            month = month_of.group(1).lstrip("0")
            q.alternatives[tok] = [[f"thang_{month}"], *([[f"thang_0{month}"]] if len(month) == 1 else [])]
    for m in re.finditer(r"(?<![\w/])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?![\w/])", text):
        if m.group(1) == "1" and re.match(r"\s*(?:lần|lan)\b", text[m.end() :], re.IGNORECASE):
            continue  # "2 năm 1 lần" is "02 năm/lần": the one is no figure
        if not any(m.group(1) in ref for ref in q.doc_refs) and m.group(1) not in q.doc_numbers:
            q.numbers.append(m.group(1))
    q.asks_list = bool(re.search(_LIST_PATTERN, folded))
    q.asks_cause = bool(re.search(_CAUSE_PATTERN, folded))
    q.asks_reason = q.asks_cause or bool(re.search(_REASON_PATTERN, folded))
    q.asks_ranking = bool(re.search(_RANKING_PATTERN, folded))
    q.in_appendix = bool(
        re.search(
            r"\b(?:in|on|under|from|according to) (?:the |its )?(?:[\w'-]+ ){0,3}?(?:annex|appendix|appended table)|\b(?:theo|trong|tai) (?:bang )?phu luc\b",
            folded,
        )
    )
    q.asks_result = bool(re.search(_RESULT_PATTERN, folded))
    q.designators = designators(folded)
    q.excluded = excluded(folded)
    q.event_topic = event_topic(expand_inline(folded))
    if qtype == QType.WHEN:
        q.time_kind = next((k for k, pat in _TIME_KINDS if re.search(pat, folded)), "any")
    expanded = agency_key(expand_inline(folded) + " " + " ".join(fold(t).lower() for t in q.translations))
    # "Ngành y tế", "ngành giáo dục": a sector named for its department.
    expanded = re.sub(rf"\bnganh (?=(?:{_SECTOR_DEPARTMENTS})\b)", "so ", expanded)
    q.agencies = [a for a in AGENCY_NAMES if re.search(r"\b" + re.escape(a) + r"\b", expanded)]
    # "Sở Kế hoạch và Đầu tư" also contains "kế hoạch": keep only the longest names found.
    q.agencies = [a for a in q.agencies if not any(a != b and a in b for b in q.agencies)]
    q.agencies += [a for a in district_bodies(text) if a not in q.agencies]
    q.names = proper_names(text)
    # "qd … cua qngai": places typed short, read both ways ("tp" may also be Tư pháp).
    q.issuer_places = list(dict.fromkeys([*issuer_places(folded), *issuer_places(expand_inline(folded))]))
    q.places = named_places(expand_inline(folded))
    q.held_in = held_in(expand_inline(folded))
    q.document_years = [m.group(1) or m.group(2) for m in re.finditer(_DOCUMENT_YEAR, expand_inline(folded))]
    if lang != "en":
        spoken = " ".join(re.findall(r"[\w&\-]+|[^\w\s]", expand_inline(folded)))
        q.subject_terms = sorted(t for t in SUBJECT_TERMS_VI if f" {t} " in f" {spoken} ")
    q.answer_kind = answer_kind(folded)
    q.asks_level = qtype == QType.WHICH_DOCS and bool(re.search(_ASKS_LEVEL, folded))
    q.issued = issue_window(folded) if qtype == QType.WHICH_DOCS else None
    if q.issued is not None:
        # "Issued after 2020": the year dates the documents, it is not something their text must say.
        q.numbers = [n for n in q.numbers if not re.fullmatch(r"(19|20)\d\d|\d{1,2}", n)]

        # "ban hành sau năm", "issued after": the frame of the date, not the documents' content.
        q.tokens = {t: w for t, w in q.tokens.items() if not _frames_dates(t)}
        q.concepts = [alts for alts in q.concepts if not all(_frames_dates(w) for w in words(alts[0]))]
    post, asks_name = asked_post(folded)
    if post and (qtype == QType.WHO or asks_name):
        # "giám đốc sở KHĐT tên là gì" asks who, without an asking word for it.
        q.qtype, q.post, q.asks_name = QType.WHO, post, asks_name
    if lang == "en":
        # Title Case in English is no proper name unless the words stayed untranslated.
        left = {fold(w).lower() for w in q.soft_tokens} | {
            fold(t).lower() for t in lexical_tokens(" ".join(leftovers), bigrams=False)
        }
        # A name the vocabulary translates ("Da Nang", "State Bank") is looked for in its Vietnamese form.
        places = {fold(k).lower(): fold(v[0]).lower() for k, v in ENGLISH.items() if v and v[0][:1].isupper()}
        q.names = [places.get(n, n) for n in q.names if all(w in left for w in n.split()) or n in places]
        # A single untranslated capitalized word that is no everyday English word is a name too:
        # "Dakdrinh", "Sembcorp", "VSIP".
        q.names += [
            fold(w).lower()
            for w in leftovers
            if w[:1].isupper()
            and w.isalpha()
            and len(w) >= 3
            and english_zipf(w) < 4.0
            and not any(fold(w).lower() in n.split() for n in q.names)
        ]
    q.terms = [t for t in q.tokens if ":" not in t and "_" not in t and t not in stop and len(t) > 1]
    return q
