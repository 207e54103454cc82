"""The offline vocabulary: English → Vietnamese phrases and abbreviations.

The Vietnamese side must be the documents' own wording (an English question is answered by matching
it), every key must be reachable by ``translate_english``, and the well-known traps stay closed
("plan" is kế hoạch, only "master plan"/"planning" is quy hoạch).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest

from rag.answer.glossary import gloss
from rag.retrieve import vocab
from rag.retrieve.query import abbreviations_in, analyze, detect_lang, translate_english
from rag.retrieve.vocab import ABBREVIATIONS, ENGLISH
from rag.text.normalize import fold, has_diacritics
from rag.text.readers import read_file
from tests.conftest import CORPUS_FILES


@cache
def corpus_text() -> str:
    return "\n".join(read_file(path).text for path in CORPUS_FILES)


def folded(text: str) -> str:
    """Folded, lower case, whitespace collapsed (line breaks inside phrases do not matter)."""
    return " ".join(fold(text).lower().split())


@cache
def corpus_folded() -> str:
    return folded(corpus_text())


def question_form(key: str) -> str:
    """``key`` as translate_english sees it: "'s" dropped, only [A-Za-z0-9'&-/] runs, lower case."""
    words = re.findall(r"[A-Za-z0-9'&\-/]+", re.sub(r"'s\b", "", key))
    return " ".join(w.lower().strip("'") for w in words)


# --- shape ----------------------------------------------------------------------------------------


def test_keys_are_lower_case_and_stripped() -> None:
    for key in ENGLISH:
        assert key == key.lower() == key.strip(), key
        assert "  " not in key, key


def test_no_empty_values() -> None:
    for table in (ENGLISH, ABBREVIATIONS):
        for key, phrases in table.items():
            assert key and phrases, key
            assert all(p and p == p.strip() for p in phrases), key


def test_vietnamese_is_nfc() -> None:
    for table in (ENGLISH, ABBREVIATIONS):
        for key, phrases in table.items():
            assert unicodedata.is_normalized("NFC", key), key
            for phrase in phrases:
                assert unicodedata.is_normalized("NFC", phrase), (key, phrase)


def test_each_key_belongs_to_one_topic() -> None:
    assert sum(len(topic) for topic in vocab._TOPICS) == len(ENGLISH)


def test_every_key_is_reachable() -> None:
    """A key the question tokenizer can produce translates to its own phrases first; a key it cannot
    produce ("people's committee", "culture, sports and tourism") has a reachable twin."""
    for key, phrases in ENGLISH.items():
        form = question_form(key)
        if form != key:
            assert form in ENGLISH, f"{key!r} can never match and {form!r} is missing"
            continue
        translated, _ = translate_english(key)
        assert translated[: len(phrases)] == list(phrases), key


def test_single_word_keys_are_not_vietnamese_syllables() -> None:
    """detect_lang counts single-word keys as English; a Vietnamese question typed without
    diacritics must not look English. "dong" and "hue" predate this rule (and are proper names)."""
    syllables = {fold(w).lower() for w in re.findall(r"\w+", corpus_text()) if has_diacritics(w)}
    clashes = {k for k in ENGLISH if " " not in k and k in syllables} - {"dong", "hue"}
    assert not clashes


# --- the documents' wording -----------------------------------------------------------------------

#: 25 entries across the topics; every Vietnamese phrase of each must be in the corpus.
SAMPLE = (
    "export turnover",
    "industrial production value",
    "grdp per capita",
    "occupancy rate",
    "one-stop shop",
    "lgsp",
    "e-government architecture",
    "detailed plan 1/500",
    "zoning plan",
    "clean land",
    "compensation support and resettlement",
    "geopark",
    "heritage road",
    "beach tourism festival",
    "ocop",
    "high-tech agriculture",
    "interest rate",
    "public-private partnership",
    "protection of fishermen",
    "every 6 months",
    "ad hoc",
    "coworking space",
    "labour export",
    "medium-term public investment plan",
    "management board of dung quat economic zone and quang ngai industrial parks",
)


def test_sample_is_25_distinct_entries() -> None:
    assert len(set(SAMPLE)) == 25
    assert all(key in ENGLISH for key in SAMPLE)


@pytest.mark.parametrize("key", SAMPLE)
def test_sample_targets_the_documents_wording(key: str) -> None:
    for phrase in ENGLISH[key]:
        assert folded(phrase) in corpus_folded(), (key, phrase)


def test_almost_all_phrases_occur_in_the_corpus() -> None:
    phrases = {p for ps in ENGLISH.values() for p in ps}
    missing = sorted(p for p in phrases if folded(p) not in corpus_folded())
    assert len(missing) <= 0.05 * len(phrases), missing


# --- no misleading mappings -------------------------------------------------------------------------


def test_plan_is_ke_hoach_and_only_planning_is_quy_hoach() -> None:
    assert ENGLISH["plan"] == ("kế hoạch",)
    assert any("quy hoạch" in p for p in ENGLISH["master plan"])
    assert all("quy hoạch" in p for p in ENGLISH["planning"])
    planning_words = ("master plan", "zoning plan", "detailed plan", "construction plan")
    for key, phrases in ENGLISH.items():
        words = key.split()
        if ("plan" in words or "plans" in words) and all(p.lower().startswith("quy hoạch") for p in phrases):
            assert any(w in key for w in planning_words), key


def test_generic_verbs_are_not_mapped() -> None:
    for word in ("make", "do", "does", "have", "has", "get", "it", "the", "what", "which"):
        assert word not in ENGLISH, word


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("Which tasks did the People's Committee assign?", "Ủy ban nhân dân"),
        (
            "What is the role of the Department of Culture, Sports and Tourism?",
            "Sở Văn hóa, Thể thao và Du lịch",
        ),
        ("What must DOLISA do?", "Sở Lao động - Thương binh và Xã hội"),
        ("Who reports to the People's Council?", "Hội đồng nhân dân"),
        ("Which issues remain?", "vướng mắc"),
    ],
)
def test_question_forms_translate(question: str, phrase: str) -> None:
    assert phrase in translate_english(question)[0]


def test_issues_are_not_issuing() -> None:
    assert "ban hành" not in ENGLISH["issues"]


# --- the analyzer still works ------------------------------------------------------------------------


def test_container_route_question() -> None:
    q = analyze("Who is responsible for the container route at Dung Quat port?")
    assert q.lang == "en"
    assert "tuyến" in q.translations
    assert "cảng" in q.translations


@pytest.mark.parametrize(
    "question",
    [
        "so ke hoach va dau tu chu tri nhiem vu gi",
        "ai chiu trach nhiem tuyen container cang dung quat",
        "kinh phi dong gop cho hoi dong vung la bao nhieu",
    ],
)
def test_vietnamese_without_diacritics_is_not_english(question: str) -> None:
    assert detect_lang(question) == "vi_nodiac"


def test_new_abbreviations_expand() -> None:
    found = abbreviations_in("LGSP, OCOP, CNVC-LĐ, UBMTTQVN, TT Tỉnh ủy, VPUB, HĐV")
    assert found["lgsp"] == ("hệ thống kết nối, tích hợp chia sẻ dữ liệu",)
    assert found["ocop"] == ("mỗi xã mỗi sản phẩm",)
    assert found["cnvc-ld"] == ("công nhân, viên chức, lao động",)
    assert found["ubmttqvn"] == ("Ủy ban Mặt trận Tổ quốc Việt Nam",)
    assert "Thường trực" in found["tt"]
    assert {"vpub", "hdv"} <= set(found)


def test_glossary_keeps_canonical_agency_names() -> None:
    """The glossary takes the first English key of an agency: acronyms and variants come later."""
    assert gloss("Sở Kế hoạch và Đầu tư") == "Department of Planning and Investment"
    assert gloss("Ủy ban nhân dân") == "People's Committee"
    assert gloss("Hội đồng nhân dân") == "People's Council"
    assert gloss("Bộ Quốc phòng") == "Ministry of National Defence"
    assert gloss("Công an") == "Police"
