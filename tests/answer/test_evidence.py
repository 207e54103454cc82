"""Evidence scoring for English questions: how much an untranslated word and a translated phrase
count, read off the real index of the corpus."""

from __future__ import annotations

import pytest

from rag.answer.evidence import EvidenceScorer, untranslated_weight
from rag.index.lexical import LexicalIndex
from rag.retrieve.query import analyze
from tests.conftest import Ingested


@pytest.fixture(scope="module")
def lexical(ingested: Ingested) -> LexicalIndex:
    """The lexical index of the real corpus."""
    gen = ingested.app.generation()
    assert gen is not None
    return gen.lexical


@pytest.mark.parametrize(
    ("word", "low", "high"),
    [
        ("citadel", 1.0, 1.0),  # rare: names something the documents may lack
        ("undersea", 1.0, 1.0),
        ("working", 0.1, 0.35),  # everyday words hardly say what is asked about
        ("bring", 0.1, 0.35),
        ("salary", 0.4, 0.7),
    ],
)
def test_untranslated_weight_follows_english_frequency(word: str, low: float, high: float) -> None:
    assert low <= untranslated_weight(word) <= high


def test_inflected_forms_weigh_like_their_base() -> None:
    assert untranslated_weight("publicising") <= untranslated_weight("zzzqx")
    assert untranslated_weight("bringing") == pytest.approx(untranslated_weight("bring"), abs=0.25)


def test_a_phrase_weighs_by_its_rarest_word_pair(lexical: LexicalIndex) -> None:
    assert lexical.any_idf("xuat_nhap") > lexical.idf("xuat")  # the pair is rarer than its syllables
    assert lexical.any_idf("xuat") == lexical.idf("xuat")
    assert lexical.any_idf("khong_co_cap_nay_zz") == lexical.idf("khong_co_cap_nay_zz")  # unknown: rarest


def test_scattered_syllables_are_not_the_phrase(lexical: LexicalIndex) -> None:
    q = analyze("Who restores the Hue citadel?")
    scorer = EvidenceScorer(q, lexical.idf, lexical.known, None, lexical.any_idf)
    # "kinh tế … thành phố" holds both syllables of "kinh thành" but not the phrase.
    scattered = scorer.coverage("Phát triển kinh tế thành phố Huế")
    together = scorer.coverage("Trùng tu kinh thành Huế")
    assert together > scattered + 0.2


def test_a_merged_sibling_heading_is_the_context_of_the_items_below_it(lexical: LexicalIndex) -> None:
    """A chunk that merges "11. Sở Thông tin và Truyền thông" and "12. Sở Tư pháp": the items under
    the agency the question names are scored as that agency's, the items above it are not."""
    from rag.documents.models import Chunk, SectionKind

    text = (
        "11. Sở Thông tin và Truyền thông\n- Đẩy mạnh công tác thông tin đối ngoại.\n"
        "12. Sở Tư pháp\n- Rà soát hệ thống văn bản quy phạm pháp luật."
    )
    heads = ["Phần IV TỔ CHỨC THỰC HIỆN", "II. Phân công thực hiện"]
    chunk = Chunk(
        id="c", doc_id="d", ordinal=0, label="mục II Phần IV", section_path=["Phần IV", "II"], section_kind=SectionKind.ROMAN,
        headings=heads, text=text, embed_text="\n".join([*heads, text]), start=0, end=len(text),
    )  # fmt: skip
    scorer = EvidenceScorer(analyze("Sở Tư pháp được giao nhiệm vụ gì?"), lexical.idf, lexical.known, None)
    spans = {s.text.strip(): s for s in scorer.spans(chunk, 0)}
    own = spans["- Rà soát hệ thống văn bản quy phạm pháp luật."]
    other = spans["- Đẩy mạnh công tác thông tin đối ngoại."]
    assert own.agency and not other.agency
    assert own.coverage > other.coverage + 0.1


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("Is there a plan for semiconductor factories in Dung Quat?", True),  # "bán dẫn": never said
        ("What does Quang Ngai plan for offshore wind power?", True),  # "gió" is not "giờ"
        ("What does the 2014 plan say about solar power?", False),  # "điện pin mặt trời" is there
        ("How many workers get short-term vocational training?", False),  # "dưới 03 tháng": figures aside
    ],
)
def test_an_english_subject_no_document_says_is_absent(
    lexical: LexicalIndex, question: str, absent: bool
) -> None:
    scorer = EvidenceScorer(analyze(question), lexical.idf, lexical.known, None, lexical.any_idf)
    assert scorer.absent_concept(lexical.has) is absent


def test_a_count_of_places_is_met_by_naming_them(lexical: LexicalIndex) -> None:
    question = "Hội nghị sơ kết diễn đàn du lịch giữa 5 tỉnh miền Trung tổ chức ở đâu?"
    scorer = EvidenceScorer(analyze(question), lexical.idf, lexical.known, None, lexical.any_idf)
    named = (
        "Hội nghị sơ kết diễn đàn du lịch giữa Thừa Thiên Huế, Đà Nẵng, Quảng Nam, Quảng Ngãi và Bình Định"
    )
    three = "Hội nghị sơ kết diễn đàn du lịch giữa Thừa Thiên Huế, Quảng Nam và Quảng Ngãi"
    assert scorer.coverage(named) > 2 * scorer.coverage(three)


@pytest.mark.parametrize(
    ("text", "agency", "named"),
    [
        ("2 2 ban quan ly khu kinh te dung quat va cac khu cong nghiep quang ngai",
         "ban quan ly cac khu cong nghiep", True),  # more words inside the official name
        ("12 so tu phap", "so tu phap", True),
        ("so ke hoach va dau tu", "so tu phap", False),  # "tu" of "đầu tư" is no "Sở Tư pháp"
        ("so tai nguyen va moi truong", "so tai chinh", False),
        ("ban quan ly du an phat trien do thi va moi truong cac khu cong nghiep", "ban quan ly cac khu cong nghiep",
         False),  # too far apart: another board
    ],
)  # fmt: skip
def test_names_agency_allows_words_inside_an_official_name(text: str, agency: str, named: bool) -> None:
    from rag.answer.evidence import names_agency

    assert names_agency(text, agency) is named


def test_word_pairs_of_the_documents_count_when_typed_without_diacritics(lexical: LexicalIndex) -> None:
    """ "hoi nhap" is "hội nhập" though "hỏi" asks: a pair the index holds is kept; "quan nao" is not."""
    q = analyze("bao cao dinh ky kh hoi nhap quoc te gui co quan nao")
    scorer = EvidenceScorer(q, lexical.idf, lexical.known, None, lexical.any_idf)
    assert "hoi_nhap" in scorer.phrases and "quan_nao" not in scorer.phrases
    with_diacritics = EvidenceScorer(
        analyze("Báo cáo định kỳ kế hoạch hội nhập quốc tế gửi cơ quan nào?"),
        lexical.idf,
        lexical.known,
        None,
        lexical.any_idf,
    )
    assert "quan_nao" not in with_diacritics.phrases


def test_text_abbreviations_say_their_words(lexical: LexicalIndex) -> None:
    """ "Vùng KTTĐMT" in a text says "kinh tế trọng điểm miền Trung", as a question typing "ktt mt" asks."""
    q = analyze("to dieu phoi vung ktt mt")
    scorer = EvidenceScorer(q, lexical.idf, lexical.known, None, lexical.any_idf)
    assert scorer.coverage("Tổ điều phối phát triển Vùng KTTĐMT") > scorer.coverage("Tổ điều phối phát triển")


@pytest.mark.parametrize(
    ("topic", "row", "says"),
    [
        (
            "phát triển nguồn nhân lực vùng",
            "Tham dự Hội nghị xúc tiến đầu tư và quảng bá du lịch Vùng",
            False,
        ),
        (
            "phát triển công nghiệp hỗ trợ",
            "Tổ chức Hội thảo Phát triển công nghiệp hỗ trợ tỉnh Quảng Ngãi",
            True,
        ),
        ("human resources development", "Tham dự Hội nghị xúc tiến đầu tư và quảng bá du lịch Vùng", False),
        ("coastal road", "Tham dự Hội thảo liên kết phát triển đường bộ ven biển", True),
    ],
)
def test_says_key_asks_the_rarest_concept(lexical: LexicalIndex, topic: str, row: str, says: bool) -> None:
    """What an event is about is said when its rarest concept is: "nguồn nhân lực", not "phát triển"."""
    scorer = EvidenceScorer(analyze(topic), lexical.idf, lexical.known, None, lexical.any_idf)
    assert scorer.says_key(row) is says


def test_subjects_listed_before_one_predicate_are_one_sentence(lexical: LexicalIndex) -> None:
    from rag.documents.models import Chunk, SectionKind

    text = (
        "Điều 3. Chánh Văn phòng UBND tỉnh; Giám đốc Sở: Ngoại vụ; Thủ trưởng các sở, ban ngành tỉnh; Thủ trưởng "
        "các cơ quan Trung ương đóng trên địa bàn tỉnh chịu trách nhiệm thi hành Quyết định này./."
    )
    chunk = Chunk(
        id="c", doc_id="d", ordinal=0, label="Điều 3", section_path=["Điều 3"], section_kind=SectionKind.ARTICLE,
        headings=[], text=text, embed_text=text, start=0, end=len(text),
    )  # fmt: skip
    scorer = EvidenceScorer(analyze("Ai chịu trách nhiệm thi hành quyết định?"), lexical.idf, lexical.known)
    pieces = [s.text for s in scorer.spans(chunk, 0)]
    assert any(p.startswith("Chánh Văn phòng UBND tỉnh;") and p.endswith("./.") for p in pieces), pieces
