"""Query analysis: language form, question type, abbreviations both ways, document numbers and the
English → Vietnamese vocabulary. Pure functions, no index."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from rag.retrieve.query import (
    IssueWindow,
    QType,
    abbreviations_in,
    analyze,
    detect_lang,
    drop_asides,
    expand_abbreviations,
    expand_inline,
    has_labels,
    held_in,
    section_ref,
    translate_english,
)
from rag.text.normalize import fold

# --- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Ai ký Công văn 2395/UBND-KTTH?", "vi"),
        ("Cơ quan nào chịu trách nhiệm tuyến container?", "vi"),
        ("Kinh phí đóng góp là bao nhiêu?", "vi"),
        ("Ai chiu trach nhiem dau tu tuyen container tai KKT Dung Quat?", "vi_nodiac"),
        ("ke hoach 39 gui cho ai", "vi_nodiac"),
        ("Van ban 350/QD-UBND ban hanh ngay nao?", "vi_nodiac"),
        ("Quang Ngai dong gop bao nhieu kinh phi cho Hoi dong Vung?", "vi_nodiac"),
        ("Who signed the letter?", "en"),
        ("Which agency is responsible for the container route at Dung Quat port?", "en"),
        ("What is the deadline for the coastal road report?", "en"),
        ("How much is the 2018 contribution?", "en"),
        ("Who signed decision 997?", "en"),
    ],
)
def test_language_form(question: str, lang: str) -> None:
    assert detect_lang(question) == lang
    assert analyze(question).lang == lang


@pytest.mark.parametrize(
    "question", ["When was plan 350/QĐ-UBND issued?", "Who signed decision 997/QĐ-UBND?"]
)
def test_english_question_with_a_vietnamese_document_code(question: str) -> None:
    assert detect_lang(question) == "en"


# --- question type ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Cơ quan nào chịu trách nhiệm đầu tư tuyến container?", QType.WHO),
        ("Ai chủ trì tổ chức hội thảo?", QType.WHO),
        ("Sở nào chủ trì?", QType.WHO),
        ("Ai chiu trach nhiem xay dung cang?", QType.WHO),
        ("Who is responsible for the container route?", QType.WHO),
        ("Which agency is in charge of the port?", QType.WHO),
        ("Nội dung khoản 3 mục IV Kế hoạch 39 là gì?", QType.WHAT),
        ("Nguồn vốn nào được ưu tiên cho dự án PPP?", QType.WHAT),
        ("What tasks does the Department of Finance have?", QType.WHAT),
        ("Khi nào phải nộp báo cáo?", QType.WHEN),
        ("Hạn nộp báo cáo là trước ngày nào?", QType.WHEN),
        ("Bao gio hoan thanh bao cao?", QType.WHEN),
        ("What is the deadline for the report?", QType.WHEN),
        ("Which month is the workshop held?", QType.WHEN),
        ("Hội thảo được tổ chức ở đâu?", QType.WHERE),
        ("Hoi thao to chuc o dau?", QType.WHERE),
        ("Where is the workshop held?", QType.WHERE),
        ("Kinh phí đóng góp là bao nhiêu?", QType.HOW_MUCH),
        ("Quang Ngai dong gop bao nhieu tien?", QType.HOW_MUCH),
        ("How much is the contribution?", QType.HOW_MUCH),
        ("How many workers are trained?", QType.HOW_MUCH),
        ("Những văn bản nào đề cập đến cảng Dung Quất?", QType.WHICH_DOCS),
        ("Cac van ban nao noi ve logistics?", QType.WHICH_DOCS),
        ("Which documents mention Ly Son?", QType.WHICH_DOCS),
        # A task's report or regulation being sent or issued is no question about the document itself.
        (
            "Who compiles the six-monthly reports on the integration plan before they are sent to the government?",
            QType.WHO,
        ),
        ("By when was the environment department supposed to get the land regulation issued?", QType.WHEN),
        ("Which department receives the reports under the plan?", QType.WHO),
    ],
)
def test_question_type(question: str, qtype: QType) -> None:
    q = analyze(question)
    assert q.qtype == qtype
    assert q.meta_field is None


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Ai ký Công văn 2395/UBND-KTTH?", "signer"),
        ("ai ky cong van 2395", "signer"),
        ("Who signed plan 350?", "signer"),
        ("Kế hoạch 350/QĐ-UBND được ban hành ngày nào?", "date"),
        ("When was plan 350 issued?", "date"),
        ("Kế hoạch phát triển công nghiệp năm 2014 được ban hành kèm theo quyết định nào?", "issued_with"),
        ("Which decision was the 2014 plan issued with?", "issued_with"),
        ("Công văn 2395 gửi cho ai?", "recipients"),
        ("Who was the letter addressed to?", "recipients"),
        ("Which central government bodies received official letter 2395 for reporting?", "recipients"),
        ("Which bodies was Hue's plan 350 sent to?", "recipients"),
        ("ke hoach 39 gui nhung co quan nao", "recipients"),
        ("Căn cứ ban hành Kế hoạch 39/KH-UBND là gì?", "legal_basis"),
        ("What is the legal basis of plan 39?", "legal_basis"),
        ("Cơ quan nào ban hành Kế hoạch 350?", "issuer"),
        ("Who issued plan 350?", "issuer"),
        ("Số hiệu của kế hoạch phát triển công nghiệp năm 2014 là gì?", "number"),
        ("Trích yếu của Công văn 2395 là gì?", "title"),
        ("What is the title of plan 350?", "title"),
    ],
)
def test_questions_about_the_document_itself(question: str, field: str) -> None:
    q = analyze(question)
    assert q.qtype == QType.DOC_META
    assert q.meta_field == field


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hạn nộp báo cáo là trước ngày nào?", "date"),
        ("What is the deadline for the report?", "date"),
        ("Hội thảo tổ chức vào năm nào?", "year"),
        ("Which month is the workshop held?", "month"),
        ("Festival được tổ chức định kỳ bao lâu một lần?", "frequency"),
        ("Khi nào phải nộp báo cáo?", "any"),
        # "Định kỳ" may name what is asked about; "những tháng nào" asks the months.
        ("Cuộc họp định kỳ dự kiến vào những tháng nào?", "month"),
        ("Báo cáo định kỳ gửi khi nào?", "frequency"),
        ("On which exact day was the workshop held?", "date"),
    ],
)
def test_time_kind_of_when_questions(question: str, kind: str) -> None:
    q = analyze(question)
    assert q.qtype == QType.WHEN and q.time_kind == kind


def test_which_quarter_is_a_when_question() -> None:
    q = analyze("Hội nghị diễn ra vào quý mấy?")
    assert q.qtype == QType.WHEN and q.time_kind == "quarter"


def test_list_questions() -> None:
    assert analyze("Sở Tài chính được giao những nhiệm vụ gì?").asks_list
    assert analyze("What tasks does the Department of Finance have?").asks_list
    assert not analyze("Ai ký Công văn 2395?").asks_list


# --- abbreviations ------------------------------------------------------------------------------


def test_kkt_expands_to_khu_kinh_te_and_back() -> None:
    assert "Khu kinh tế" in expand_abbreviations("Tuyến container tại KKT Dung Quất")
    assert "KKT" in expand_abbreviations("Tuyến container tại Khu kinh tế Dung Quất")
    short = analyze("Ai quản lý KKT Dung Quất?")
    long = analyze("Ai quản lý Khu kinh tế Dung Quất?")
    # The abbreviation brings the long form's words (weighted lower), and the other way round.
    for t in ("khu", "kinh", "te", "kinh_te"):
        assert t in short.tokens and t in short.expansion_tokens and short.tokens[t] < 1.0
        assert t in long.tokens and t not in long.expansion_tokens
    assert "kkt" in long.tokens and "kkt" in long.expansion_tokens
    assert short.alternatives["kkt"] == [["khu", "kinh", "te"]]


def test_so_khdt_and_so_ke_hoach_va_dau_tu_are_the_same_agency() -> None:
    assert "Kế hoạch và Đầu tư" in expand_abbreviations("Sở KHĐT")
    assert "KHĐT" in expand_abbreviations("Sở Kế hoạch và Đầu tư")
    short = analyze("Sở KHĐT được giao nhiệm vụ gì?")
    long = analyze("Sở Kế hoạch và Đầu tư được giao nhiệm vụ gì?")
    assert short.agencies == long.agencies == ["so ke hoach va dau tu"]
    assert {"ke_hoach", "dau_tu"} <= set(short.tokens)
    assert "khdt" in long.tokens
    assert expand_inline("so khdt") == "so ke hoach va dau tu"


@pytest.mark.parametrize("spelling", ["LĐTB&XH", "LĐTBXH"])
def test_ldtbxh_spellings_expand_alike(spelling: str) -> None:
    longs = expand_abbreviations(f"Sở {spelling}")
    assert "Lao động - Thương binh và Xã hội" in longs and "Lao động, Thương binh và Xã hội" in longs
    q = analyze(f"Sở {spelling} có nhiệm vụ gì?")
    assert q.agencies == analyze("Sở Lao động - Thương binh và Xã hội có nhiệm vụ gì?").agencies
    assert {"lao_dong", "thuong_binh", "xa_hoi"} <= set(q.tokens)


def test_ldtbxh_long_form_brings_both_short_forms() -> None:
    shorts = expand_abbreviations("Sở Lao động - Thương binh và Xã hội")
    assert "LĐTB&XH" in shorts and "LĐTBXH" in shorts
    assert expand_abbreviations("Sở Lao động, Thương binh và Xã hội") == shorts
    q = analyze("Sở Lao động - Thương binh và Xã hội có nhiệm vụ gì?")
    assert {"ldtbxh", "ldtb"} <= q.expansion_tokens


def test_abbreviations_in_ignores_ordinary_words() -> None:
    assert set(abbreviations_in("Sở KHĐT và KKT Dung Quất")) == {"khdt", "kkt"}
    assert abbreviations_in("ai ky cong van") == {}


@pytest.mark.parametrize(
    ("question", "agency"),
    [
        ("so gd hue lam gi trong kh 350", "so giao duc va dao tao"),
        ("so ct qngai lam gi", "so cong thuong"),
        ("so nn ptnt qngai lam gi", "so nong nghiep va phat trien nong thon"),
        ("ldld tinh to chuc gi", "lien doan lao dong"),
        ("Bộ KHĐT giao gì", "bo ke hoach va dau tu"),  # a ministry is not the department
    ],
)
def test_short_abbreviations_typed_on_a_phone_name_agencies(question: str, agency: str) -> None:
    assert analyze(question).agencies == [agency]


def test_a_short_abbreviation_is_a_word_without_its_head() -> None:
    assert "ct" not in abbreviations_in("ct ty nao")  # no "sở" before it
    assert abbreviations_in("cum cn nam 2015")["cn"] == ("công nghiệp",)
    assert abbreviations_in("theo cv 2395")["cv"] == ("công văn",)
    assert "cv" not in abbreviations_in("cv nay")  # "chuyên viên" or anything else


# --- document numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "refs", "numbers"),
    [
        ("Công văn 2395/UBND-KTTH giao nhiệm vụ gì?", ["2395/ubnd-ktth"], []),
        ("Nghị định 107/2021/NĐ-CP quy định gì?", ["107/2021/nd-cp"], []),
        ("Quyết định 25/QĐ-UBND ban hành ngày nào?", ["25/qd-ubnd"], []),
        ("công văn 2395 giao nhiệm vụ gì cho Sở Công Thương?", [], ["2395"]),
        ("cong van so 2395 gui cho ai", [], ["2395"]),
        ("Kế hoạch 39 gửi cho ai?", [], ["39"]),
        ("Who signed decision 997?", [], ["997"]),
        ("Công văn 2395/UBND-KTTH và Kế hoạch 39/KH-UBND", ["2395/ubnd-ktth", "39/kh-ubnd"], []),
        ("Sở Du lịch được giao gì theo kế hoạch 2021-2025?", [], []),  # a period, not a number
    ],
)
def test_document_numbers(question: str, refs: list[str], numbers: list[str]) -> None:
    q = analyze(question)
    assert q.doc_refs == refs
    assert q.doc_numbers == numbers
    for ref in refs:
        assert q.tokens["c:" + ref] == 2.0  # an exact code outweighs any word
    for n in numbers:
        assert n not in q.numbers  # a document number is not a figure the answer is about


def test_figures_are_kept_apart_from_document_numbers() -> None:
    q = analyze("Kế hoạch 39 giao Sở Tài chính chuyển 250 triệu đồng năm 2018?")
    assert q.doc_numbers == ["39"]
    assert q.numbers == ["250", "2018"]


# --- English → Vietnamese -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "phrase", "token"),
    [
        ("responsible", "chịu trách nhiệm", "trach_nhiem"),
        ("route", "tuyến", "o:tuyến"),
        ("port", "cảng", "o:cảng"),
        ("deadline", "thời hạn", "thoi_han"),
        ("budget", "kinh phí", "kinh_phi"),
        ("in charge", "chủ trì", "chu_tri"),
    ],
)
def test_english_words_map_to_vietnamese_tokens(word: str, phrase: str, token: str) -> None:
    phrases, _left = translate_english(f"Who is {word} for it?" if word in ("responsible", "in charge") else
                                       f"What is the {word}?")  # fmt: skip
    assert phrase in phrases
    q = analyze(f"What about the {word} of the Dung Quat plan?")
    assert q.lang == "en"
    assert phrase in q.translations
    assert token in q.tokens
    assert phrase in q.dense_text


def test_english_question_keeps_proper_names_and_softens_unknown_words() -> None:
    q = analyze("Who is responsible for the container route at Dung Quat port?")
    assert q.qtype == QType.WHO
    assert {"container", "tuyen", "cang"} <= set(q.tokens)
    assert "Dung Quất" in q.translations and "o:quất" in q.tokens  # place names get their diacritics back
    assert analyze("What does the Sembcorp plant produce?").tokens["sembcorp"] == 0.8  # unknown proper name
    # The framing of a who-question is in every assignment: it weighs little.
    assert q.tokens["chiu"] < 0.5 and q.tokens["trach_nhiem"] < 0.5
    plain = analyze("Which agency handles the frobnication of containers?")  # a word no vocabulary has
    assert "frobnication" in plain.soft_tokens and plain.tokens["frobnication"] == 0.3


def test_english_agency_names_map_to_the_vietnamese_agency() -> None:
    q = analyze("What tasks does the Department of Planning and Investment have?")
    assert "Sở Kế hoạch và Đầu tư" in q.translations
    assert q.agencies == ["so ke hoach va dau tu"]


# --- English the vocabulary does not list word for word ----------------------------------------------


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("responsibilities", "responsibility"),
        ("developed", "develop"),
        ("planned", "plan"),
        ("managing", "manage"),
        ("organisation", "organization"),
        ("programmes", "programme"),
        ("centre", "center"),
    ],
)
def test_lemmas(word: str, base: str) -> None:
    from rag.retrieve.query import lemmas

    assert base in lemmas(word)


def test_inflected_phrases_translate_like_their_base_form() -> None:
    from rag.retrieve.query import translate_groups

    keys = [k for k, _ in translate_groups("Which industrial parks are upgraded?")[0]]
    assert "industrial park" in keys or "industrial parks" in keys
    first, _alts = translate_groups("What are the responsibilities of the police?")[0][0]
    assert first == "responsibility"


def test_vietnamese_names_with_diacritics_inside_an_english_question() -> None:
    q = analyze("Where is Thừa Thiên Huế going to build its concentrated IT park?")
    assert q.lang == "en"
    assert any("Thừa Thiên Huế" in t for t in q.translations)


def test_a_single_unknown_capitalized_word_is_a_name() -> None:
    q = analyze("Zorvak hydropower plant: how big is it?")
    assert "zorvak" in q.names
    assert analyze("Which agency leads the work?").names == []


# --- the asking words decide the type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("du toan kinh phi hang nam thuc hien ke hoach hoi nhap quoc te thi so nao tham tra", QType.WHO),
        ("Kinh phí thực hiện kế hoạch được huy động từ những nguồn nào?", QType.WHAT),
        ("Kinh phí đóng góp cho Hội đồng vùng?", QType.HOW_MUCH),
        ("How often do departments report, and through which agency?", QType.WHEN),
        ("Bao lâu báo cáo kết quả thực hiện Kế hoạch 350 một lần?", QType.WHEN),
        ("Which funding sources does the plan rely on?", QType.WHAT),
    ],
)
def test_the_first_asking_word_decides(question: str, qtype: QType) -> None:
    assert analyze(question).qtype == qtype


def test_asking_words_are_not_content() -> None:
    q = analyze("Bao lâu báo cáo kết quả thực hiện Kế hoạch 350 một lần?")
    assert "lau" not in q.tokens and "o:lâu" not in q.tokens
    assert q.time_kind == "frequency"


# --- who issued the document asked about -------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("What tasks does Da Nang's regional linkage plan give the Department of Tourism?", ["da nang"]),
        ("Kế hoạch liên kết vùng của UBND thành phố Đà Nẵng giao Sở Du lịch việc gì?", ["da nang"]),
        ("What does the decision of the People's Committee of Quang Nam say about tourism?", ["quang nam"]),
        ("What does Quang Ngai's 2014 plan say about Ly Son?", ["quang ngai"]),
        ("Who handles the Da Nang port?", []),
        ("Kế hoạch của Quảng Ngãi phối hợp với Đà Nẵng về việc gì?", ["quang ngai"]),
    ],
)
def test_issuer_places(question: str, places: list[str]) -> None:
    assert analyze(question).issuer_places == places


# --- the kind of thing an answer must name -------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "ok"),
    [
        ("Which foreign university is the partner?", "liên kết với trường Đại học Đà Nẵng", True),
        ("Which foreign university is the partner?", "liên kết đào tạo với nước ngoài", False),
        ("Which company operates the centre?", "Công ty VSIP", True),
        ("Which company operates the centre?", "thu hút nhà đầu tư", False),
        ("Which countries are key partners?", "hợp tác với Nhật Bản, Hàn Quốc", True),
        ("Trung tâm được xây dựng tại xã nào?", "tại xã Bình Trị", True),
        ("Trung tâm được xây dựng tại xã nào?", "an sinh xã hội", False),
    ],
)
def test_answer_kind(question: str, text: str, ok: bool) -> None:
    import re

    kind = analyze(question).answer_kind
    assert kind
    assert bool(re.search(kind, text)) is ok


@pytest.mark.parametrize(
    "question",
    [
        "Cơ quan nào chủ trì?",
        "Quảng Ngãi phối hợp với địa phương nào?",
        "Triển khai ở những khu vực nào?",
        "Which agency leads?",
    ],
)
def test_no_answer_kind_for_ordinary_questions(question: str) -> None:
    assert analyze(question).answer_kind == ""


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("What were Quang Ngai's total exports in 2016?", QType.HOW_MUCH),
        ("What is the export value targeted for 2020?", QType.HOW_MUCH),
        ("Hội nghị sơ kết diễn ra vào tháng mấy?", QType.WHEN),
        ("Festival được tổ chức ở địa phương nào?", QType.WHERE),
        ("Sở TT&TT nâng cấp Cổng Dịch vụ công lên phiên bản nào?", QType.WHAT),  # "bản nào" is no "ban nào"
        (
            "kim ngach xuat khau muc tieu den 2020 la bao nhieu",
            QType.HOW_MUCH,
        ),  # "mục tiêu đến" is no "tiêu đề"
    ],
)
def test_question_types_from_more_asking_words(question: str, qtype: QType) -> None:
    assert analyze(question).qtype == qtype


def test_codes_typed_in_lower_case_are_codes() -> None:
    assert analyze("qd 1537/qd-ubnd ai ky").doc_refs == ["1537/qd-ubnd"]


@pytest.mark.parametrize(
    ("question", "post", "name"),
    [
        ("Who chairs the steering committee on integration?", "Chủ tịch", False),
        ("Ai giữ chức Trưởng Ban Chỉ đạo hội nhập quốc tế?", "Trưởng Ban", False),
        ("giam doc so khdt ten la gi", "Giám đốc", True),
        ("Who is the director of Hue's Department of Tourism?", "Giám đốc", True),  # a director is a person
        ("Chủ tịch UBND tỉnh Quảng Ngãi là ai?", "Chủ tịch", True),
        (
            "Who leads the effort to relocate polluting factories?",
            "",
            False,
        ),  # who is responsible, not a post
        ("Sở nào chủ trì xây dựng cơ sở dữ liệu?", "", False),
    ],
)
def test_asked_post(question: str, post: str, name: bool) -> None:
    query = analyze(question)
    if post:
        assert query.qtype == QType.WHO and re.search(query.post, post) and query.asks_name is name
    else:
        assert query.post == ""


@pytest.mark.parametrize(
    ("question", "start", "end", "month", "doc_type", "only"),
    [
        ("Văn bản nào được ban hành sau năm 2020?", dt.date(2021, 1, 1), None, None, None, True),
        ("Which documents in the collection date from after 2020?", dt.date(2021, 1, 1), None, None, None, True),
        ("Which of the documents were issued in May?", None, None, 5, None, True),
        ("van ban nao ban hanh thang 5", None, None, 5, None, True),
        ("Which plans were issued before 2019?", None, dt.date(2018, 12, 31), None, "ke hoach", True),
        ("Văn bản nào ban hành năm 2017?", dt.date(2017, 1, 1), dt.date(2017, 12, 31), None, None, True),
        ("Which documents issued since 2021 mention the container route?", dt.date(2021, 1, 1), None, None, None,
         False),
    ],
)  # fmt: skip
def test_issue_window(
    question: str,
    start: dt.date | None,
    end: dt.date | None,
    month: int | None,
    doc_type: str | None,
    only: bool,
) -> None:
    query = analyze(question)
    assert query.qtype == QType.WHICH_DOCS
    assert query.issued == IssueWindow(start, end, month, doc_type, only)
    assert not query.numbers  # the year dates the documents; their text need not say it


@pytest.mark.parametrize(
    "question",
    [
        "Văn bản nào giao Sở Xây dựng lập quy hoạch?",
        "When was plan 350 issued?",
        "Kế hoạch 39 ban hành năm nào?",
    ],
)
def test_no_issue_window(question: str) -> None:
    assert analyze(question).issued is None


def test_issue_window_admits_dates_and_types() -> None:
    window = IssueWindow(start=dt.date(2021, 1, 1), doc_type="ke hoach")
    assert window.admits(dt.date(2021, 11, 11), "Kế hoạch")
    assert not window.admits(dt.date(2022, 5, 20), "Công văn") and not window.admits(None, "Kế hoạch")


def test_which_documents_frame_is_no_content() -> None:
    vi = analyze("Những văn bản nào nhắc đến huyện đảo Lý Sơn?")
    assert not {"van", "ban", "van_ban"} & set(vi.tokens) and "ly_son" in vi.tokens
    en = analyze("Which documents mention the Ly Son island district?")
    assert ["văn bản"] not in en.concepts


@pytest.mark.parametrize(
    ("question", "level"),
    [
        ("Những văn bản nào quy định mức hỗ trợ tài chính cho doanh nghiệp khởi nghiệp?", True),
        ("Which documents set the minimum wage for industrial park workers?", True),
        ("Những văn bản nào nhắc đến hỗ trợ doanh nghiệp khởi nghiệp?", False),
        ("Mức hỗ trợ tài chính là bao nhiêu?", False),  # a figure question, not a list of documents
    ],
)
def test_asks_level(question: str, level: bool) -> None:
    assert analyze(question).asks_level is level


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("da nang giao so khdt nhiem vu gi", ["da nang"]),
        ("What tasks does Quang Nam province give its transport department?", ["quang nam"]),
        ("What does Quang Ngai ask Quang Nam to do about the gas pipeline?", ["quang ngai"]),
    ],
)
def test_the_province_that_assigns_is_the_issuer(question: str, places: list[str]) -> None:
    assert analyze(question).issuer_places == places


def test_what_a_plan_implements_is_its_legal_basis() -> None:
    query = analyze("kh 350 tt hue ban hanh de thuc hien quyet dinh nao cua hoi dong vung")
    assert (query.qtype, query.meta_field) == (QType.DOC_META, "legal_basis")


@pytest.mark.parametrize(
    ("question", "agency"),
    [
        ("What does Quang Ngai's health department have to do under dispatch 2395?", "so y te"),
        ("What is the finance department's job on the clean land regulation?", "so tai chinh"),
        ("What must the planning department do about Dung Quat port?", "so ke hoach va dau tu"),
        ("What is the culture, sports and tourism department asked to do?", "so van hoa the thao va du lich"),
        ("Which tasks go to the provincial transport dept?", "so giao thong van tai"),
        ("What does the industry and trade department organise?", "so cong thuong"),
    ],
)
def test_a_department_named_by_its_field_first_is_an_agency(question: str, agency: str) -> None:
    assert analyze(question).agencies == [agency]


def test_each_department_is_no_agency() -> None:
    assert analyze("What must each department do?").agencies == []


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("Why will Hue build a database of high-quality human resources?", True),
        ("What is the purpose of the 2014 job fair?", True),
        ("Sàn giao dịch việc làm được tổ chức nhằm mục đích gì?", True),
        ("xay dung co so du lieu de lam gi", True),
        ("What is the 2014 job fair?", False),
    ],
)
def test_asks_reason(question: str, reason: bool) -> None:
    assert analyze(question).asks_reason is reason


@pytest.mark.parametrize(
    ("question", "cause"),
    [
        ("Why did the ethanol plant stop producing?", True),
        ("What caused the delay of the expressway?", True),
        ("Vì sao nhà máy phải ngừng sản xuất?", True),
        ("Why is the container route being promoted?", False),  # a purpose
        ("Tuyến container được xúc tiến nhằm mục đích gì?", False),
    ],
)
def test_asks_cause(question: str, cause: bool) -> None:
    q = analyze(question)
    assert q.asks_cause is cause and q.asks_reason


@pytest.mark.parametrize(
    ("question", "ranking", "result"),
    [
        ("Which province set the higher export target, Quang Ngai or Hue?", True, False),
        ("How does Quang Ngai's output target compare with Da Nang's?", True, False),
        ("Những kiến nghị nào của tỉnh đã được Hội đồng Vùng chấp thuận?", False, True),
        ("What came out of the coastal road workshop?", False, True),
        ("Which department leads the workshop?", False, False),
    ],
)
def test_comparisons_and_outcomes_asked(question: str, ranking: bool, result: bool) -> None:
    q = analyze(question)
    assert (q.asks_ranking, q.asks_result) == (ranking, result)


@pytest.mark.parametrize(
    ("question", "alternatives"),
    [
        ("pl kh 39 hoi thao lk vung", {"pl": [["phu", "luc"]], "lk": [["lien", "ket"]]}),
        ("sgtvt chuan bi bc gi", {"sgtvt": [["so", "giao", "thong", "van", "tai"]], "bc": [["bao", "cao"]]}),
        (
            "hn sơ kết với Hà Nội và TP.HCM",
            {"hn": [["hoi", "nghi"], ["ha", "noi"]], "hcm": [["ho", "chi", "minh"]]},
        ),
    ],
)
def test_phone_abbreviations_stand_for_their_words(
    question: str, alternatives: dict[str, list[list[str]]]
) -> None:
    found = analyze(question).alternatives
    for key, longs in alternatives.items():
        assert found[key] == longs


def test_phone_abbreviations_read_inline_and_split() -> None:
    assert expand_inline("sgtvt va ktt mt") == "so giao thong van tai va kinh te trong diem mien trung"
    assert "giai doan 2" in expand_inline("doosan gd2")
    q = analyze("ty trong cn-xd trong gdp")
    assert {"cn", "xd"} <= set(q.tokens)
    assert "2" in analyze("doosan gd2 bao nhieu ha").numbers


def test_a_month_of_a_year_is_met_by_the_month() -> None:
    assert analyze("Hội nghị tháng 11/2018 ở đâu?").alternatives["11/2018"] == [["thang_11"]]
    assert analyze("Hội thảo tháng 3/2018 ở đâu?").alternatives["3/2018"] == [["thang_3"], ["thang_03"]]


def test_once_in_a_frequency_is_no_figure() -> None:
    assert analyze("festival 2 nam 1 lan to chuc nam nao").numbers == ["2"]


@pytest.mark.parametrize(
    "question",
    [
        "what was dung quat EZ hoping to pull in investment-wise in 2014? ballpark in usd is fine",
        "What investment target, in USD, was set for Dung Quat?",
        "What average annual GRDP growth does the plan target?",
    ],
)
def test_the_form_of_answer_asks_a_figure(question: str) -> None:
    assert analyze(question).qtype == QType.HOW_MUCH


def test_a_shortened_department_is_no_name() -> None:
    assert analyze("What does Hue want its Dept. of Industry & Trade to prioritise?").names == []


def test_vietnamese_subject_terms_are_found_typed_either_way() -> None:
    assert "duong sat" in analyze("kh 350 co du an duong sat nao").subject_terms
    assert "duong sat" in analyze("Kế hoạch 350 có dự án đường sắt nào?").subject_terms
    assert analyze("Who signed plan 350?").subject_terms == []  # English reads its own vocabulary


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("How much did Quang Ngai pay into the Regional Council's budget for 2017?", []),
        ("What does the 2018 plan give Quang Ngai to pay?", ["2018"]),
        ("kế hoạch năm 2018 đóng góp bao nhiêu", ["2018"]),
        ("Who signed the May 2022 letter?", ["2022"]),
        ("KH phát triển CN năm 2014 đặt chỉ tiêu bao nhiêu", ["2014"]),
    ],
)
def test_years_that_date_a_document(question: str, years: list[str]) -> None:
    assert analyze(question).document_years == years


@pytest.mark.parametrize(
    "question",
    ["What industrial output value was Quang Ngai aiming for?", "What lending rate must banks offer?"],
)
def test_a_quantity_named_after_what_asks_how_much(question: str) -> None:
    assert analyze(question).qtype == QType.HOW_MUCH


@pytest.mark.parametrize(
    ("question", "agencies"),
    [
        ("Ngành y tế Quảng Ngãi được phân công làm gì?", ["so y te"]),
        ("nganh tai chinh phai lam gi", ["so tai chinh"]),
        ("Các sở, ban, ngành liên quan làm gì?", []),  # "ngành" alone names no department
        ("Ngành du lịch cần làm gì?", []),  # Huế's Sở Du lịch or Quảng Ngãi's Sở VHTTDL: not one department
    ],
)
def test_a_sector_stands_for_its_department(question: str, agencies: list[str]) -> None:
    assert analyze(question).agencies == agencies


@pytest.mark.parametrize(
    ("question", "agencies"),
    [
        ("UBND huyện Lý Sơn phối hợp việc gì?", ["uy ban nhan dan huyen ly son"]),
        ("ubnd huyen gui ho so truoc ngay nao", []),  # "gửi hồ sơ" is no district's name
        (
            "What role does Ly Son district play in the coastal road workshop?",
            ["uy ban nhan dan huyen ly son"],
        ),
        ("What must the Binh Son district authorities do?", ["uy ban nhan dan huyen binh son"]),
        ("Which projects are planned for Ly Son district?", []),  # a place, not a body that acts
        ("Dự án điện cho huyện đảo Lý Sơn là gì?", []),
    ],
)
def test_a_district_committee_is_an_agency(question: str, agencies: list[str]) -> None:
    assert analyze(question).agencies == agencies


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        (
            "Hội nghị về phát triển nguồn nhân lực vùng năm 2018 tổ chức ở đâu?",
            "phat trien nguon nhan luc vung",
        ),
        ("hoi thao cn ho tro qngai trong lien ket vung do ai chu tri", "cong nghiep ho tro"),
        ("Who leads the regional human resources development conference?", "human resources development"),
        ("What month was the Hue tourism investment promo conference?", "tourism investment promo"),
        ("Who went to the workshop on the coastal road in Hue in mid-2018?", "coastal road"),
        ("Which agency leads the conference?", ""),
    ],
)
def test_what_an_event_is_about(question: str, topic: str) -> None:
    assert analyze(question).event_topic == topic


@pytest.mark.parametrize(
    ("question", "numbers"),
    [
        ("Which stretch of National Highway 1A is to be widened?", ["1a"]),
        ("Nâng cấp Quốc lộ 24 và Quốc lộ 24B đoạn nào?", ["24", "24b"]),
        ("ql 24b nang cap doan nao", ["24b"]),
        ("Dự án nào có 24 hạng mục?", []),
    ],
)
def test_roads_named_by_number(question: str, numbers: list[str]) -> None:
    assert analyze(question).designators == numbers


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("I'm a consultant helping a Japanese auto-parts supplier scope out Quang Ngai. The 2018 plan lists a workshop "
         "on supporting industries - which department was running it, and which offices help out?",
         "The 2018 plan lists a workshop on supporting industries - which department was running it, and which "
         "offices help out?"),
        ("Where does Hue plan to build its concentrated IT park, and which areas get 5G? just the place names, thx",
         "Where does Hue plan to build its concentrated IT park, and which areas get 5G?"),
        # The question refers back to what the first sentence says: nothing is dropped.
        ("I'm following plans for a container route out of Dung Quat port. Which documents bring that up?",
         "I'm following plans for a container route out of Dung Quat port. Which documents bring that up?"),
    ],
)  # fmt: skip
def test_asides_around_an_english_question_are_dropped(question: str, kept: str) -> None:
    assert drop_asides(question) == kept


@pytest.mark.parametrize(
    ("question", "appendix"),
    [
        ("In the annex to Quang Ngai's 2018 plan, who leads the workshop?", True),
        ("In the 2018 plan's annex, when is the conference held?", True),
        ("Theo phụ lục Kế hoạch 39, hội thảo đường bộ ven biển do sở nào chủ trì?", True),
        ("Who leads the supporting industry workshop?", False),
    ],
)
def test_a_question_scoped_to_an_appendix(question: str, appendix: bool) -> None:
    assert analyze(question).in_appendix is appendix


def test_tt_hue_is_thua_thien_hue() -> None:
    assert expand_inline("tt hue dong gop, tthue va so tt&tt") == (
        "thua thien hue dong gop, thua thien hue va so thong tin va truyen thong"
    )
    assert analyze("hoi thao o tt hue do ai chu tri").alternatives["tt"] == [["thua", "thien"]]


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("điểm b mục 2.2 công văn 2395 yêu cầu gì", ["2.2", "b"]),
        ("what does point d of section 2.2 in letter 2395 say", ["2.2", "d"]),
        ("section 2.2(c) of letter 2395", ["2.2", "c"]),
        ("cv 2395 muc 2.7 giao so nao", ["2.7"]),
        ("section 2 of the plan", []),  # "section 2" may be a part of any document
    ],
)
def test_a_section_named_by_its_labels(question: str, labels: list[str]) -> None:
    assert section_ref(fold(question).lower())[0] == labels


def test_has_labels_finds_them_in_order() -> None:
    assert has_labels(["2", "2.2", "b"], ["2.2", "b"])
    assert not has_labels(["2", "2.2", "b"], ["2.2", "c"])
    assert has_labels(["2", "2.2"], ["2.2"])


@pytest.mark.parametrize(
    ("folded", "places"),
    [
        ("hoi thao lien ket kkt kcn vung o thua thien hue", ["thua thien hue"]),
        ("which month is the tourism promotion conference in hue", ["thua thien hue"]),
        ("hoat dong nao to chuc ngay tai quang ngai", ["quang ngai"]),
        ("the sea tourism festival in hue's 2021-2025 plan", []),  # the plan's province, not the venue
        ("how much did hue contribute in 2018", []),
        ("what month is the hue tourism promo conference", ["thua thien hue"]),
        ("thua thien hue du kien to chuc festival du lich bien nam nao", []),  # who organises it
    ],
)
def test_places_something_is_held_in(folded: str, places: list[str]) -> None:
    assert held_in(folded) == places


def test_when_before_a_gerund_does_not_ask_when() -> None:
    q = analyze(
        "When promoting investment overseas, which office under the Ministry should Quang Ngai lean on?"
    )
    assert q.qtype != QType.WHEN
