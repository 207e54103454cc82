"""Real questions over the corpus, answered without an LLM (the default, offline path): in
Vietnamese, without diacritics, in English, about appendix table rows, about the documents
themselves, across several documents, and questions the documents do not answer. Every answered
case checks the cited document number and section path, and that every citation verifies."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.models import NOT_FOUND_EN, NOT_FOUND_VI, Answer
from rag.app import App
from rag.chain import AnswerChain
from rag.retrieve.hybrid import Filters, SearchResult
from rag.retrieve.query import analyze
from tests.answer.conftest import assert_all_verified, paths
from tests.conftest import Ingested


@pytest.fixture(scope="module")
def app(ingested: Ingested) -> App:
    return ingested.app


@pytest.fixture(scope="module")
def chain(app: App) -> AnswerChain:
    c = app.chain()
    assert c.llm is None
    return c


@dataclass(frozen=True)
class Case:
    question: str
    doc: str
    path: tuple[str, ...]
    says: tuple[str, ...]  # in the answer text
    lang: str = "vi"
    qtype: str | None = None
    quote_has: str = ""  # in the first citation's quote


def _check_answered(answer: Answer, case: Case, app: App) -> None:
    assert not answer.abstained, answer.answer
    assert answer.citations, answer.answer
    first = answer.citations[0]
    assert (first.doc_number, first.section_path) == (case.doc, list(case.path)), paths(answer)
    for text in case.says:
        assert text in answer.answer, (text, answer.answer)
    if case.quote_has:
        assert case.quote_has in first.quote
    assert answer.lang == case.lang
    if case.qtype:
        assert answer.qtype == case.qtype
    assert answer.verification.get("removed") == 0
    assert_all_verified(app, answer)
    assert answer.retrieved and answer.signals == {
        "lexical": True,
        "dense": False,
        "reranker": False,
        "llm": False,
    }


CONTAINER_AGENCY = "Ban Quản lý Khu kinh tế Dung Quất"

CASES = [
    # --- Vietnamese ------------------------------------------------------------------------------
    pytest.param(Case(
        "Cơ quan nào chịu trách nhiệm đầu tư xây dựng tuyến container trung chuyển quốc tế tại Khu kinh tế Dung Quất?",
        "2395/UBND-KTTH", ("2", "2.2", "b"), (CONTAINER_AGENCY, "điểm b mục 2.2"), qtype="who",
        quote_has="tuyến container trung chuyển quốc tế"), id="vi-who-container-route"),
    pytest.param(Case(
        "Quảng Ngãi đóng góp bao nhiêu kinh phí hoạt động năm 2018 cho Hội đồng Vùng?",
        "39/KH-UBND", ("IV", "3"), ("250 triệu đồng", "khoản 3 mục IV"), qtype="how_much",
        quote_has="250 triệu đồng"), id="vi-how-much-contribution"),
    pytest.param(Case(
        "Sở Tài chính Quảng Ngãi chuyển bao nhiêu tiền cho Hội đồng Vùng năm 2018?",
        "39/KH-UBND", ("IV", "3"), ("250 triệu đồng",), qtype="how_much"), id="vi-how-much-transfer"),
    pytest.param(Case(
        "Ai xây dựng hệ thống LGSP tỉnh Quảng Ngãi?",
        "2395/UBND-KTTH", ("2", "2.7", "b"), ("Sở Thông tin và Truyền thông",), qtype="who"), id="vi-who-lgsp"),
    pytest.param(Case(
        "Cổng Dịch vụ công phiên bản 2.0 phải đáp ứng yêu cầu của Nghị định 107/2021/NĐ-CP, đơn vị nào thực hiện?",
        "2395/UBND-KTTH", ("2", "2.7", "a"), ("Sở Thông tin và Truyền thông",), qtype="who"), id="vi-who-by-decree-code"),
    pytest.param(Case(
        "Tổng số lao động được đào tạo nghề năm 2014 là bao nhiêu?",
        "25/QĐ-UBND", ("B", "I", "8", "-1"), ("25.900 người",), qtype="how_much"), id="vi-how-much-training"),
    pytest.param(Case(
        "Phấn đấu thu hút đầu tư vào KKT Dung Quất năm 2014 bao nhiêu?",
        "25/QĐ-UBND", ("B", "I", "2", "2.1", "-4"), ("100 - 150 triệu USD",), qtype="how_much"),
        id="vi-how-much-abbreviation"),
    pytest.param(Case(
        "UBND các huyện gửi hồ sơ đầu tư mở rộng cụm công nghiệp cho Sở Công Thương trước ngày nào?",
        "25/QĐ-UBND", ("B", "I", "14", "-3"), ("30/6/2014",), qtype="when"), id="vi-when-deadline"),
    pytest.param(Case(
        "Nguồn vốn nào được ưu tiên bố trí cho các dự án PPP theo Kế hoạch 350?",
        "350/QĐ-UBND", ("II", "1", "-4"), ("đối tác công tư",), qtype="what"), id="vi-what-ppp"),
    pytest.param(Case(
        "Sở KHĐT Quảng Ngãi phải đẩy nhanh phê duyệt quy hoạch nào?",
        "2395/UBND-KTTH", ("2", "2.1", "a"), ("Quy hoạch tỉnh Quảng Ngãi thời kỳ 2021-2030",)),
        id="vi-what-abbreviated-agency"),
    pytest.param(Case(
        "Sở Lao động, Thương binh và Xã hội Thừa Thiên Huế chủ trì xây dựng cơ sở dữ liệu gì?",
        "350/QĐ-UBND", ("II", "9", "-3"), ("nguồn nhân lực chất lượng cao",)), id="vi-what-agency-full-name"),
    pytest.param(Case(
        "Sở LĐTB&XH Thừa Thiên Huế chủ trì xây dựng cơ sở dữ liệu gì?",
        "350/QĐ-UBND", ("II", "9", "-3"), ("nguồn nhân lực chất lượng cao",)), id="vi-what-agency-abbreviated"),
    # The document the question is scoped to by "CV 2395" is no word its sections must contain.
    pytest.param(Case(
        "Theo công văn 2395, Sở TTTT Quảng Ngãi phải làm những việc gì?",
        "2395/UBND-KTTH", ("2", "2.7", "a"), ("mục 2.7",)), id="vi-what-scoped-by-abbreviated-type"),
    # Phone typing: "cụm cn", "sở ct" are abbreviations after their head words; "hạn" frames a deadline.
    pytest.param(Case(
        "han ubnd huyen nop ho so mo rong cum cn cho so ct", "25/QĐ-UBND", ("B", "I", "14", "-3"), ("30/6/2014",),
        lang="vi_nodiac"), id="nodiac-short-abbreviations-after-head"),
    # Under a resolution that is not loaded, what the loaded letter of the province asked about does.
    pytest.param(Case(
        "Tại Quảng Ngãi, đơn vị nào theo dõi, đôn đốc việc thực hiện Nghị quyết 57/NQ-CP về liên kết vùng?",
        "2395/UBND-KTTH", ("Đoạn kết",), ("Sở Kế hoạch và Đầu tư",), qtype="who"), id="vi-who-implements-a-cited-resolution"),
    pytest.param(Case(
        "ldld tinh to chuc thang cong nhan vao quy may", "25/QĐ-UBND", ("B", "I", "13", "-1"), ("Quý II/2014",),
        lang="vi_nodiac", qtype="when"), id="nodiac-abbreviated-trade-union"),
    pytest.param(Case(
        "chien luoc hoi nhap qte cua tinh giai doan 1 tu nam nao toi nam nao", "997/QĐ-UBND",
        ("Phần IV", "I", "-1"), ("2016-2020",), lang="vi_nodiac", qtype="when"), id="nodiac-period-from-to"),
    # The workshop's report is due before 31/5/2018; the workshop itself is only given a month.
    pytest.param(Case(
        "Hạn báo cáo về hội thảo đường bộ ven biển năm 2018 là khi nào?", "39/KH-UBND", ("Phụ lục", "3"),
        ("31/5/2018",), qtype="when"), id="vi-when-report-deadline-in-a-row"),
    pytest.param(Case(
        "Công văn 2395 được gửi báo cáo lên những cơ quan trung ương nào?", "2395/UBND-KTTH", ("Nơi nhận",),
        ("Bộ Kế hoạch và Đầu tư",), qtype="doc_meta"), id="vi-sent-to-for-report"),
    pytest.param(Case(
        "ke hoach 39 gui nhung co quan nao", "39/KH-UBND", ("Nơi nhận",), ("Hội đồng Vùng",),
        lang="vi_nodiac", qtype="doc_meta"), id="nodiac-recipients"),
    pytest.param(Case(
        "cv 2395 gui bao cao bo nao", "2395/UBND-KTTH", ("Nơi nhận",), ("Bộ Kế hoạch và Đầu tư",),
        lang="vi_nodiac", qtype="doc_meta"), id="nodiac-sent-to-which-ministry"),
    pytest.param(Case(
        "Kế hoạch hội nhập quốc tế được ban hành trên cơ sở đề nghị của ai?", "997/QĐ-UBND", ("Mở đầu",),
        ("Sở Ngoại vụ",), qtype="doc_meta"), id="vi-on-whose-proposal"),
    pytest.param(Case(
        "Kế hoạch 39 thực hiện nghị quyết nào của Hội đồng Vùng?", "39/KH-UBND", ("Mở đầu",), ("87/NQ-HĐV",),
        qtype="doc_meta"), id="vi-what-a-plan-implements"),
    # "EZ and Industrial Parks Management Board" is the board whose name has more words inside.
    pytest.param(Case(
        "What facility near Dung Quat port does the 2022 letter ask the EZ and Industrial Parks Management Board "
        "to attract investors for?", "2395/UBND-KTTH", ("2", "2.2", "c"), ("logistics",), lang="en"),
        id="en-what-board-with-a-longer-official-name"),
    # Two documents named by their years: neither must carry the other's year; "nhắc đến thế nào" frames.
    pytest.param(Case(
        "Đường ven biển Dung Quất - Sa Huỳnh được nhắc đến thế nào trong KH năm 2018 và CV 2395 năm 2022?",
        "2395/UBND-KTTH", ("2", "2.4", "a"), ("Dung Quất - Sa Huỳnh",)), id="vi-two-documents-by-year"),
    # A hyphenated compound ("regional-linkage instruction") is read word by word.
    pytest.param(Case(
        "In the 2022 regional-linkage instruction, which body must court investors for a logistics centre near Dung "
        "Quat port?", "2395/UBND-KTTH", ("2", "2.2", "c"), ("Ban Quản lý Khu kinh tế Dung Quất",), lang="en",
        qtype="who"), id="en-who-hyphenated-compound"),
    pytest.param(Case(
        "What export figure did Quang Ngai aim to reach by 2020 in its international integration plan?",
        "997/QĐ-UBND", ("Phần I", "II", "2", "-2"), ("1 tỷ USD",), lang="en"), id="en-target-asked-as-a-target"),
    # "12. Sở Tư pháp" shares a chunk with "11. Sở Thông tin và Truyền thông": its own heading leads.
    pytest.param(Case(
        "Sở Tư pháp được giao nhiệm vụ gì trong hội nhập quốc tế?",
        "997/QĐ-UBND", ("Phần IV", "II", "12", "-1"), ("khoản 12 mục II Phần IV",),
        quote_has="hệ thống các văn bản pháp quy"), id="vi-what-agency-in-merged-section"),
    pytest.param(Case(
        "Trung tâm logistics được kêu gọi đầu tư ở đâu?",
        "2395/UBND-KTTH", ("2", "2.2", "c"), ("khu vực cảng Dung Quất",), qtype="where"), id="vi-where-lowercase-place"),
    # --- without diacritics --------------------------------------------------------------------------
    pytest.param(Case(
        "Ai chiu trach nhiem dau tu xay dung tuyen container trung chuyen quoc te tai KKT Dung Quat?",
        "2395/UBND-KTTH", ("2", "2.2", "b"), (CONTAINER_AGENCY,), lang="vi_nodiac", qtype="who"),
        id="nodiac-who-container-route"),
    pytest.param(Case(
        "Quang Ngai dong gop bao nhieu tien kinh phi hoat dong nam 2018 cho Hoi dong Vung?",
        "39/KH-UBND", ("IV", "3"), ("250 triệu đồng",), lang="vi_nodiac", qtype="how_much"), id="nodiac-how-much"),
    pytest.param(Case(
        "Hoi thao lien ket phat trien duong bo ven bien to chuc o dau?",
        "39/KH-UBND", ("Phụ lục", "3"), ("Thừa Thiên Huế",), lang="vi_nodiac", qtype="where"), id="nodiac-where-table"),
    pytest.param(Case(
        "Nha may nhiet dien 1.200MW cua cong ty nao?",
        "25/QĐ-UBND", ("B", "I", "2", "2.1", "-3", "(3)"), ("Sembcorp",), lang="vi_nodiac"), id="nodiac-what-figure"),
    pytest.param(Case(
        "Van ban 350/QD-UBND ban hanh ngay nao?",
        "350/QĐ-UBND", ("Phần đầu",), ("11/11/2021",), lang="vi_nodiac", qtype="doc_meta"), id="nodiac-meta-date"),
    # --- English -------------------------------------------------------------------------------------
    pytest.param(Case(
        "Who is responsible for the international transshipment container route in the Dung Quat Economic Zone?",
        "2395/UBND-KTTH", ("2", "2.2", "b"), (CONTAINER_AGENCY, "is responsible", "According to"), lang="en",
        qtype="who"), id="en-who-container-route"),
    pytest.param(Case(
        "How much does Quang Ngai transfer to the Regional Council as its 2018 contribution?",
        "39/KH-UBND", ("IV", "3"), ("Figure: 250 triệu đồng",), lang="en", qtype="how_much"), id="en-how-much"),
    pytest.param(Case(
        "How much did Quang Ngai contribute to the Region Council's operating budget in 2018?",
        "39/KH-UBND", ("IV", "3"), ("250 triệu đồng",), lang="en", qtype="how_much"), id="en-how-much-budget-wording"),
    pytest.param(Case(
        "Where is the coastal road workshop held?",
        "39/KH-UBND", ("Phụ lục", "3"), ("Where: Thừa Thiên Huế",), lang="en", qtype="where"), id="en-where-table"),
    pytest.param(Case(
        "Who must build the LGSP data sharing system of Quang Ngai?",
        "2395/UBND-KTTH", ("2", "2.7", "b"), ("Sở Thông tin và Truyền thông", "Department of Information"), lang="en",
        qtype="who"), id="en-who-lgsp"),
    pytest.param(Case(
        "Who signed decision 997?",
        "997/QĐ-UBND", ("Chữ ký",), ("signed by Phạm Trường Thọ",), lang="en", qtype="doc_meta"), id="en-meta-signer"),
    pytest.param(Case(
        "Which decision was the 2014 industrial development plan issued with?",
        "25/QĐ-UBND", ("Phần đầu",), ("Issued with", "25/QĐ-UBND"), lang="en", qtype="doc_meta",
        quote_has="Ban hành kèm theo Quyết định số 25/QĐ-UBND"), id="en-meta-issued-with"),
    pytest.param(Case(
        "Which decision issued the 2014 industrial development plan?",
        "25/QĐ-UBND", ("Phần đầu",), ("25/QĐ-UBND",), lang="en", qtype="doc_meta"), id="en-meta-issued-with-active"),
    pytest.param(Case(
        "When was plan 350/QĐ-UBND issued?",
        "350/QĐ-UBND", ("Phần đầu",), ("was issued on 11/11/2021",), lang="en", qtype="doc_meta"), id="en-meta-date-code"),
    # --- appendix table rows -------------------------------------------------------------------------
    pytest.param(Case(
        "Hội thảo liên kết phát triển đường bộ ven biển được tổ chức ở đâu?",
        "39/KH-UBND", ("Phụ lục", "3"), ("Địa điểm: Thừa Thiên Huế", "dòng 3 Phụ lục"), qtype="where",
        quote_has="Tham dự Hội thảo liên kết phát triển đường bộ ven biển"), id="table-where"),
    pytest.param(Case(
        "Ai chủ trì tham dự Hội thảo liên kết phát triển đường bộ ven biển?",
        "39/KH-UBND", ("Phụ lục", "3"), ("Sở Giao thông vận tải chịu trách nhiệm", "Sở KHĐT"), qtype="who"),
        id="table-who-lead-and-coordinating"),
    pytest.param(Case(
        "Khi nào phải hoàn thành báo cáo đề xuất cơ chế đầu tư đường bộ ven biển?",
        "39/KH-UBND", ("Phụ lục", "3"), ("31/5/2018",), qtype="when"), id="table-when-deadline"),
    pytest.param(Case(
        "Hạn chuẩn bị báo cáo cho Hội nghị xúc tiến đầu tư và quảng bá du lịch Vùng là khi nào?",
        "39/KH-UBND", ("Phụ lục", "4"), ("31/10/2018",), qtype="when"), id="table-when-other-row"),
    # --- about the document itself -------------------------------------------------------------------
    pytest.param(Case(
        "Ai ký Công văn 2395/UBND-KTTH?",
        "2395/UBND-KTTH", ("Chữ ký",), ("Đặng Văn Minh", "Chủ tịch"), qtype="doc_meta", quote_has="Đặng Văn Minh"),
        id="meta-signer"),
    pytest.param(Case(
        "Ai ký Kế hoạch 350/QĐ-UBND?",
        "350/QĐ-UBND", ("Chữ ký",), ("Nguyễn Văn Phương",), qtype="doc_meta"), id="meta-signer-other"),
    pytest.param(Case(
        "Kế hoạch 350/QĐ-UBND được ban hành ngày nào?",
        "350/QĐ-UBND", ("Phần đầu",), ("11/11/2021",), qtype="doc_meta",
        quote_has="ngày 11 tháng 11 năm 2021"), id="meta-date"),
    pytest.param(Case(
        "Kế hoạch 39/KH-UBND được ban hành ngày nào?",
        "39/KH-UBND", ("Phụ lục",), ("14/3/2018",), qtype="doc_meta",
        quote_has="Kèm theo kế hoạch số 39/KH-UBND ngày 14/3/2018"), id="meta-date-from-appendix-caption"),
    pytest.param(Case(
        "Kế hoạch phát triển công nghiệp năm 2014 được ban hành kèm theo quyết định nào?",
        "25/QĐ-UBND", ("Phần đầu",), ("Quyết định số 25/QĐ-UBND", "08/01/2014"), qtype="doc_meta",
        quote_has="Ban hành kèm theo Quyết định số 25/QĐ-UBND"), id="meta-issued-with"),
    pytest.param(Case(
        "Quyết định 997/QĐ-UBND ban hành kèm theo kế hoạch gì?",
        "997/QĐ-UBND", ("Điều 1",), ("hội nhập quốc tế",), qtype="doc_meta"), id="meta-attached-plan"),
    pytest.param(Case(
        "Công văn 2395 gửi cho những ai?",
        "2395/UBND-KTTH", ("Kính gửi",), ("UBND các huyện, thị xã, thành phố",), qtype="doc_meta"),
        id="meta-recipients"),
    pytest.param(Case(
        "Kế hoạch 350 do ai ký?",
        "350/QĐ-UBND", ("Chữ ký",), ("do Chủ tịch Nguyễn Văn Phương ký",), qtype="doc_meta"), id="meta-signer-phrasing"),
    pytest.param(Case(
        "What's the issue date of the Quang Ngai decision on the international integration strategy plan?",
        "997/QĐ-UBND", ("Phần đầu",), ("was issued on 29/5/2017",), lang="en", qtype="doc_meta"),
        id="en-meta-issue-date"),
    pytest.param(Case(
        "What Government resolution is Quang Ngai's May 2022 letter on regional linkage meant to implement?",
        "2395/UBND-KTTH", ("Mở đầu",), ("57/NQ-CP",), lang="en", qtype="doc_meta"), id="en-meta-implements"),
    # --- English worded away from the vocabulary ------------------------------------------------------
    pytest.param(Case(
        "When does decision 997 take effect?",
        "997/QĐ-UBND", ("Điều 2",), ("When: kể từ ngày ký",), lang="en", qtype="when"), id="en-takes-effect"),
    pytest.param(Case(
        "Dakdrinh hydropower plant: how big is it?",
        "25/QĐ-UBND", ("B", "II", "4", "-7"), ("Figure: 125MW",), lang="en", qtype="how_much"),
        id="en-single-name"),
    pytest.param(Case(
        "How often must agencies report under plan 39?",
        "39/KH-UBND", ("IV", "2"), ("When: định kỳ 6 tháng",), lang="en", qtype="when"), id="en-how-often"),
    pytest.param(Case(
        "Bao lâu báo cáo kết quả thực hiện Kế hoạch 350 một lần?",
        "350/QĐ-UBND", ("III", "1"), ("Thời gian: định kỳ 06 tháng",), qtype="when"), id="vi-how-often"),
    pytest.param(Case(
        "du toan kinh phi hang nam thuc hien ke hoach hoi nhap quoc te thi so nao tham tra",
        "997/QĐ-UBND", ("Phần III", "2"), ("Sở Tài chính",), lang="vi_nodiac", qtype="who"),
        id="nodiac-who-about-a-budget"),
    pytest.param(Case(
        "Where does Quang Ngai's international integration plan want tourism infrastructure and services developed?",
        "997/QĐ-UBND", ("Phần II", "III", "1", "-1"), ("Where: Mỹ Khê, Sa Huỳnh",), lang="en", qtype="where"),
        id="en-where-named-places"),
    pytest.param(Case(
        "Căn cứ ban hành Kế hoạch 39/KH-UBND là gì?",
        "39/KH-UBND", ("Mở đầu",), ("87/NQ-HĐV", "17/KH-HĐV"), qtype="doc_meta"), id="meta-legal-basis"),
    # "Why" and "what for": the sentence about what is asked that gives its purpose.
    pytest.param(Case(
        "Why will Hue build a database of high-quality human resources?",
        "350/QĐ-UBND", ("II", "9", "-3"), ("chủ động cung cấp nguồn lao động",), lang="en", qtype="what"),
        id="en-why-purpose-given"),
    pytest.param(Case(
        "Sàn giao dịch việc làm năm 2014 được tổ chức nhằm mục đích gì?",
        "25/QĐ-UBND", ("B", "I", "8", "-2"), ("thu hút và tạo việc làm",)), id="vi-what-for"),
    pytest.param(Case(
        "vi sao phai trien khai tuyen ong dan khi chu lai - dung quat qua san bay chu lai",
        "39/KH-UBND", ("III", "2", "-5"), ("phục vụ cho các nhà máy điện khí",), lang="vi_nodiac"),
        id="nodiac-why-purpose-given"),
    pytest.param(Case(
        "How much did Quang Ngai contribute to the Regional Council in 2018?",
        "39/KH-UBND", ("IV", "3"), ("250 triệu đồng",), lang="en", qtype="how_much"), id="en-figure-of-its-year"),
    pytest.param(Case(
        "KH phát triển CN năm 2014 đặt chỉ tiêu giá trị sản xuất CN-XD bao nhiêu tỷ đồng (giá so sánh 1994)?",
        "25/QĐ-UBND", ("A", "2", "-1"), ("21.592 tỷ đồng",), qtype="how_much"), id="vi-price-base-year"),
    pytest.param(Case(
        "Whose signature is on Quang Ngai's May 2022 letter on the Government's resolution on regional linkage?",
        "2395/UBND-KTTH", ("Chữ ký",), ("Đặng Văn Minh",), lang="en", qtype="doc_meta"), id="en-whose-signature"),
    pytest.param(Case(
        "Who got copies of Quang Ngai's 2018 plan for the central key economic region?",
        "39/KH-UBND", ("Nơi nhận",), (), lang="en", qtype="doc_meta"), id="en-who-got-copies"),
    # Conversational frames carry no subject; "5G" names it; "bring in" investment is "thu hút".
    pytest.param(Case(
        "What's the deal with the 2014 investment target for the Dung Quat economic zone — how much were they hoping "
        "to bring in?",
        "25/QĐ-UBND", ("B", "I", "2", "2.1", "-4"), ("100 - 150 triệu USD",), lang="en", qtype="how_much"),
        id="en-chatty-how-much"),
    pytest.param(Case(
        "Anything about 5G rollout in Thua Thien Hue's regional linkage plan?",
        "350/QĐ-UBND", ("II", "12", "-1"), ("5G",), lang="en"), id="en-anything-about-a-code"),
    pytest.param(Case(
        "What role does the Department of Information and Communications play in Quang Ngai's 2014 industrial "
        "development plan?",
        "25/QĐ-UBND", ("B", "I", "12", "-6"), (), lang="en"), id="en-agency-in-the-named-plan"),
    # "Đơn vị nào đóng vai trò …" frames who is asked: "vai trò" in another department's task is no answer.
    pytest.param(Case(
        "Ở Thừa Thiên Huế, đơn vị nào đóng vai trò cơ quan thường trực của Tổ Điều phối Vùng kinh tế trọng điểm miền "
        "Trung giai đoạn 2021-2025?",
        "350/QĐ-UBND", ("III", "2"), ("Sở Kế hoạch và Đầu tư",), qtype="who"), id="vi-who-plays-the-role"),
    # "Chậm nhất khi nào" frames the time asked; "muốn", "hoặc" carry nothing.
    pytest.param(Case(
        "Các huyện muốn mở rộng hoặc xây mới cụm công nghiệp năm 2015 phải gửi hồ sơ về Sở Công Thương chậm nhất "
        "khi nào?",
        "25/QĐ-UBND", ("B", "I", "14", "-3"), ("30/6/2014",), qtype="when"), id="vi-at-the-latest"),
    pytest.param(Case(
        "What share of GDP should industry and construction reach in 2014?",
        "25/QĐ-UBND", ("A", "2", "-2"), ("59-60%",), lang="en", qtype="how_much"), id="en-share-of-its-sector"),
    # Document metadata asked in loose English: whose proposal, legal grounds, a typo, "number and date".
    pytest.param(Case(
        "On whose recommendation did Quang Ngai adopt its 2017 international integration plan, and which national "
        "strategy decision was it based on?",
        "997/QĐ-UBND", ("Mở đầu",), ("40/QĐ-TTg", "Giám đốc Sở Ngoại vụ"), lang="en", qtype="doc_meta"),
        id="en-proposed-by"),
    pytest.param(Case(
        "Which national-level agencies recieved copies of Quang Ngai's 2017 decision on the international integration "
        "plan?",
        "997/QĐ-UBND", ("Nơi nhận",), ("Ban Chỉ đạo quốc gia về HNQT",), lang="en", qtype="doc_meta"),
        id="en-recipients-typo"),
    pytest.param(Case(
        "What's the official number of the Quang Ngai letter passing down Resolution 57/NQ-CP, and what date did it "
        "go out?",
        "2395/UBND-KTTH", ("Phần đầu",), ("2395/UBND-KTTH", "20/5/2022"), lang="en", qtype="doc_meta"),
        id="en-number-of-the-implementing-letter"),
    pytest.param(Case(
        "Who actually signed Quang Ngai's 2017 decision adopting the international integration strategy plan - was it "
        "the chairman himself?",
        "997/QĐ-UBND", ("Chữ ký",), ("Phạm Trường Thọ",), lang="en", qtype="doc_meta"), id="en-who-actually-signed"),
    pytest.param(Case(
        "Who were the addressees of the Quang Ngai chairman's May 2022 dispatch on implementing Resolution 57?",
        "2395/UBND-KTTH", ("Kính gửi",), ("Các cơ quan Trung ương trên địa bàn tỉnh",), lang="en", qtype="doc_meta"),
        id="en-addressees"),
    pytest.param(Case(
        "How many hectares is phase 2 of the Doosan heavy industry plant at Dung Quat?",
        "25/QĐ-UBND", ("B", "I", "2", "2.1", "-3", "(6)"), ("28ha",), lang="en", qtype="how_much"),
        id="en-phase-given"),
    # "In the annex": a row of the appendix answers; the standing body is "cơ quan thường trực".
    pytest.param(Case(
        "In the annex to Quang Ngai's 2018 linkage plan, who leads the supporting industry workshop?",
        "39/KH-UBND", ("Phụ lục", "1"), ("Sở Công Thương",), lang="en"), id="en-in-the-annex"),
    pytest.param(Case(
        "In Hue's 2021-2025 regional plan, who acts as the standing body - basically the secretariat - of the "
        "coordination team for the central key economic region?",
        "350/QĐ-UBND", ("III", "2"), ("Sở Kế hoạch và Đầu tư",), lang="en", qtype="who"), id="en-standing-body"),
    # More English ways of asking about a document itself.
    pytest.param(Case("What date is on letter 2395?", "2395/UBND-KTTH", ("Phần đầu",), ("20/5/2022",), lang="en",
                      qtype="doc_meta"), id="en-date-on-a-letter"),
    pytest.param(Case("Who put their name to plan 350?", "350/QĐ-UBND", ("Chữ ký",), ("Nguyễn Văn Phương",),
                      lang="en", qtype="doc_meta"), id="en-put-their-name-to"),
    pytest.param(Case("Who's the signatory on the Hue plan?", "350/QĐ-UBND", ("Chữ ký",), ("Nguyễn Văn Phương",),
                      lang="en", qtype="doc_meta"), id="en-signatory"),
    pytest.param(Case("What is letter 2395 about?", "2395/UBND-KTTH", ("Phần đầu",), ("Nghị quyết số 57/NQ-CP",),
                      lang="en", qtype="doc_meta"), id="en-what-is-it-about"),
    pytest.param(Case("Who was copied on decision 997?", "997/QĐ-UBND", ("Nơi nhận",), (), lang="en",
                      qtype="doc_meta"), id="en-copied-on"),
    pytest.param(Case("When did Quang Ngai issue its international integration plan?", "997/QĐ-UBND", ("Phần đầu",),
                      ("29/5/2017",), lang="en", qtype="doc_meta"), id="en-when-did-it-issue"),
    pytest.param(Case("When did decision 997 come into force?", "997/QĐ-UBND", ("Điều 2",), ("kể từ ngày ký",),
                      lang="en"), id="en-come-into-force"),
    # "Who leads the coordination team": its head (Tổ trưởng), not a task of its members.
    pytest.param(Case(
        "who leads Quang Ngai's coordination team for the central key economic region?",
        "39/KH-UBND", ("IV", "1"), ("Giám đốc Sở Kế hoạch và Đầu tư",), lang="en"), id="en-who-leads-a-team"),
    pytest.param(Case(
        "Đề án đào tạo nghề cho lao động nhường đất trong KKT Dung Quất áp dụng trong phạm vi bao nhiêu ha?",
        "25/QĐ-UBND", ("B", "I", "2", "2.6", "-2"), ("10.300ha",), qtype="how_much"), id="vi-figure-of-its-aside"),
    # A comparison the plan makes ("giảm 10,39% so với năm 2013").
    pytest.param(Case(
        "Giá trị sản xuất công nghiệp năm 2014 giảm bao nhiêu phần trăm so với năm 2013?",
        "25/QĐ-UBND", ("A", "2", "-1"), ("10,39%",), qtype="how_much"), id="vi-comparison-made"),
    # "Giữa 5 tỉnh miền Trung": the count is met by the five provinces the sentence names.
    pytest.param(Case(
        "Hội nghị sơ kết diễn đàn liên kết phát triển du lịch giữa 5 tỉnh miền Trung với Hà Nội và TP. Hồ Chí Minh "
        "năm 2022 được tổ chức ở đâu?",
        "2395/UBND-KTTH", ("2", "2.3"), ("Quảng Ngãi",), qtype="where"), id="vi-count-of-places"),
    pytest.param(Case(
        "Where does Hue plan to build its concentrated IT park, and which areas are named for the 5G rollout?",
        "350/QĐ-UBND", ("II", "12", "-1"), ("An Vân Dương",), lang="en"), id="en-two-part-where"),
    # --- sixth round: phone abbreviations, months, members of a total, rows by place ----------------
    pytest.param(Case(
        "doosan gd 2 rong bao nhieu ha", "25/QĐ-UBND", ("B", "I", "2", "2.1", "-3", "(6)"), ("28ha",),
        lang="vi_nodiac"), id="nodiac-phase-abbreviated"),
    pytest.param(Case(
        "pl kh 39 hoi thao cn ho tro trong lk vung dv nao chu tri", "39/KH-UBND", ("Phụ lục", "1"),
        ("Sở Công Thương",), lang="vi_nodiac"), id="nodiac-phone-abbreviations"),
    pytest.param(Case(
        "sgtvt chuan bi bc hoi thao duong bo ven bien truoc ngay nao", "39/KH-UBND", ("Phụ lục", "3"),
        ("31/5/2018",), lang="vi_nodiac"), id="nodiac-agency-typed-as-one-word"),
    # "Vùng KTTĐMT" in the text says "kinh tế trọng điểm miền Trung", as "ktt mt" asks.
    pytest.param(Case(
        "to truong to dieu phoi vung ktt mt cua qngai la ai", "39/KH-UBND", ("IV", "1"),
        ("Giám đốc Sở Kế hoạch và Đầu tư",), lang="vi_nodiac"), id="nodiac-text-abbreviation-read-out"),
    # "Tháng 11/2018" is the row's "Tháng 11" in a plan for 2018; "phía" frames the side.
    pytest.param(Case(
        "Hội nghị xúc tiến đầu tư và quảng bá du lịch tháng 11/2018, phía Quảng Ngãi do sở nào chủ trì?",
        "39/KH-UBND", ("Phụ lục", "4"), ("Sở Văn hóa, Thể thao và Du lịch",), qtype="who"), id="vi-month-of-year"),
    # "Định kỳ" names the meeting; "những tháng nào" asks the months.
    pytest.param(Case(
        "Cuộc họp định kỳ đánh giá liên kết Vùng năm 2018 của Quảng Ngãi dự kiến vào những tháng nào?",
        "39/KH-UBND", ("IV", "2"), ("tháng 5 và tháng 11",), qtype="when"), id="vi-months-of-a-periodic-meeting"),
    # "Kế hoạch liên kết vùng năm 2018": of the plans so called, the one of that year.
    pytest.param(Case(
        "Theo kế hoạch liên kết vùng năm 2018, Sở Tài chính chuyển bao nhiêu tiền cho Hội đồng Vùng?",
        "39/KH-UBND", ("IV", "3"), ("250 triệu đồng",), qtype="how_much"), id="vi-plan-named-by-title-and-year"),
    # The member asked, not the total it is part of; "trong đó" is no dollar ("đô la").
    pytest.param(Case(
        "Năm 2014 đào tạo nghề trình độ cao đẳng bao nhiêu người, trong đó lao động chất lượng cao là bao nhiêu?",
        "25/QĐ-UBND", ("B", "I", "8", "-1"), ("1.900 người",), qtype="how_much"), id="vi-member-of-a-total"),
    # A sentence that goes on an item is read with its first sentence (the Đề án and its period).
    pytest.param(Case(
        "Đề án đào tạo nghề chất lượng cao giai đoạn 2011-2015: trung cấp nghề bao nhiêu người?",
        "25/QĐ-UBND", ("B", "I", "8", "-1"), ("7.000 người",), qtype="how_much"), id="vi-item-read-with-its-lead"),
    pytest.param(Case(
        "Festival du lịch biển Vùng 2 năm 1 lần tổ chức vào năm nào?",
        "350/QĐ-UBND", ("II", "8", "-2"), ("năm 2022 và năm 2024",), qtype="when"), id="vi-years-of-a-festival"),
    pytest.param(Case(
        "hoat dong nao trong phu luc kh 39 to chuc tai quang ngai", "39/KH-UBND", ("Phụ lục", "1"),
        ("Hội thảo Phát triển công nghiệp hỗ trợ",), lang="vi_nodiac"), id="nodiac-row-by-its-place"),
    pytest.param(Case(
        "qd 997 ban hanh theo de nghi cua ai", "997/QĐ-UBND", ("Mở đầu",), ("Sở Ngoại vụ",), lang="vi_nodiac",
        qtype="doc_meta"), id="nodiac-proposed-by"),
    pytest.param(Case(
        "kh 350 thuc hien qd so may cua hoi dong vung", "350/QĐ-UBND", ("Mở đầu",), ("02/QĐ-HĐV",),
        lang="vi_nodiac", qtype="doc_meta"), id="nodiac-implements-which-decision"),
    pytest.param(Case(
        "Roughly how much did the Dung Quat EZ aim to pull in investment-wise in 2014? A ballpark in USD is fine.",
        "25/QĐ-UBND", ("B", "I", "2", "2.1", "-4"), ("100 - 150 triệu USD",), lang="en", qtype="how_much"),
        id="en-form-of-answer-asks-a-figure"),
    pytest.param(Case(
        "For the Hue workshop on linking economic zones and industrial parks, which Quang Ngai body prepared the "
        "report?", "39/KH-UBND", ("Phụ lục", "2"), ("BQL KKT Dung Quất",), lang="en", qtype="who"),
        id="en-which-named-body"),
    pytest.param(Case(
        "Hue's 2021-2025 linkage plan implements a decision of the regional council. Which decision is that?",
        "350/QĐ-UBND", ("Mở đầu",), ("02/QĐ-HĐV",), lang="en", qtype="doc_meta"), id="en-implements-a-decision"),
    pytest.param(Case(
        "what's the date on Quang Ngai's regional linkage letter of 2022?", "2395/UBND-KTTH", ("Phần đầu",),
        ("20/5/2022",), lang="en", qtype="doc_meta"), id="en-date-on-a-described-letter"),
    # A section named by its label is where the answer is.
    pytest.param(Case(
        "Điểm b mục 2.2 Công văn 2395 yêu cầu gì?", "2395/UBND-KTTH", ("2", "2.2", "b"), ("điểm b mục 2.2",)),
        id="vi-named-point-of-a-section"),
    pytest.param(Case(
        "cv 2395 muc 2.7 giao so nao", "2395/UBND-KTTH", ("2", "2.7"), ("Sở Thông tin và Truyền thông",),
        lang="vi_nodiac"), id="nodiac-named-section"),
    pytest.param(Case(
        "What does point c of section 2.2 of letter 2395 ask for?", "2395/UBND-KTTH", ("2", "2.2", "c"),
        ("Trung tâm logistics",), lang="en"), id="en-named-point-of-a-section"),
    # "Is it the EZ board or DOIT": one of the agencies named answers.
    pytest.param(Case(
        "Under the 2022 letter, is it the EZ board or DOIT that must attract investors for a logistics centre at "
        "Dung Quat port?", "2395/UBND-KTTH", ("2", "2.2", "c"), ("Trung tâm logistics",), lang="en"),
        id="en-which-of-two-agencies"),
    pytest.param(Case(
        "who signed that 2022 letter on Resolution 57?", "2395/UBND-KTTH", ("Chữ ký",), ("Đặng Văn Minh",),
        lang="en", qtype="doc_meta"), id="en-letter-named-by-what-it-implements"),
    pytest.param(Case(
        "Working with a credit NGO here. Which body must get credit institutions to lend at reasonable interest "
        "rates under Hue's plan?", "350/QĐ-UBND", ("II", "13"), ("Ngân hàng Nhà nước",), lang="en"),
        id="en-lending-after-an-aside"),
    # "Who … and by when": the deadline frames the question as much as the agency does.
    pytest.param(Case(
        "Đơn vị nào chuẩn bị báo cáo cho hội thảo liên kết các khu kinh tế, khu công nghiệp năm 2018, hạn khi nào?",
        "39/KH-UBND", ("Phụ lục", "2"), ("BQL KKT Dung Quất", "15/3/2018"), qtype="who"), id="vi-who-and-by-when"),
    pytest.param(Case(
        "Which decision of the regional council is Hue's 2021-2025 plan meant to implement, and when was it issued?",
        "350/QĐ-UBND", ("Mở đầu",), ("02/QĐ-HĐV",), lang="en", qtype="doc_meta"), id="en-meant-to-implement"),
    # "The Hue … conference": the place hosts the event; "what month" is when it happens, not its deadline.
    pytest.param(Case(
        "What month was the Hue tourism investment promo conference in Quang Ngai's 2018 plan?", "39/KH-UBND",
        ("Phụ lục", "4"), ("Tháng 11",), lang="en", qtype="when"), id="en-month-of-an-event-in-a-place"),
    pytest.param(Case(
        "For the coastal road workshop, what was the transport department responsible for?", "39/KH-UBND",
        ("Phụ lục", "3"), ("đường bộ ven biển",), lang="en", qtype="what"), id="en-what-an-agency-is-responsible-for"),
    # A growth rate of the subject asked: GRDP's 6-7% answers GRDP growth (and no export growth, below).
    pytest.param(Case(
        "What yearly GRDP growth does the international integration plan aim for?", "997/QĐ-UBND",
        ("Phần I", "II", "2", "-2"), ("6-7%",), lang="en", qtype="how_much"), id="en-growth-of-its-subject"),
    # A district's committee named as an agency: the row that names it.
    pytest.param(Case(
        "What role does Ly Son district play in the November 2018 investment and tourism promotion conference?",
        "39/KH-UBND", ("Phụ lục", "4"), ("UBND huyện Lý Sơn",), lang="en", qtype="what"),
        id="en-district-committee-in-its-row"),
    # Phone abbreviations: "kdc" khu dân cư, "dt" diện tích.
    pytest.param(Case(
        "kdc chinh trang o kcn quang phu dt bao nhieu", "25/QĐ-UBND", ("B", "I", "3", "3.2", "-2"), ("14,138ha",),
        lang="vi_nodiac", qtype="how_much"), id="nodiac-area-in-phone-abbreviations"),
    # An event named with a comma in it is still held in Huế: the plan is Quảng Ngãi's.
    pytest.param(Case(
        "hoi thao lk cac kkt, kcn o hue bql kkt nop bc truoc ngay nao", "39/KH-UBND", ("Phụ lục", "2"),
        ("15/3/2018",), lang="vi_nodiac", qtype="when"), id="nodiac-deadline-of-an-event-held-elsewhere"),
    pytest.param(Case(
        "What GRDP per head did the integration plan target for 2020?", "997/QĐ-UBND", ("Phần I", "II", "2", "-2"),
        ("3.600-4.000 USD",), lang="en", qtype="how_much"), id="en-per-head-in-money"),
    pytest.param(Case(
        "Which provincial decision localised Resolution 128?", "2395/UBND-KTTH", ("1", "a"), ("128/NQ-CP",),
        lang="en", qtype="what"), id="en-localised-is-cu-the-hoa"),
    pytest.param(Case(
        "ql 24b nang cap doan nao", "2395/UBND-KTTH", ("2", "2.4", "a"), ("Km23-Km57",), lang="vi_nodiac"),
        id="nodiac-road-by-its-number"),
    pytest.param(Case(
        "Leaving out refinery products, what industrial output value was targeted for 2014?", "25/QĐ-UBND",
        ("A", "2", "-1"), ("5.840 tỷ đồng",), lang="en", qtype="how_much"), id="en-figure-net-of-something"),
    # A change asked: the figure said to fall or rise, not the ratio to last year.
    pytest.param(Case(
        "By how much is industrial output value expected to fall in 2014 compared with 2013?", "25/QĐ-UBND",
        ("A", "2", "-1"), ("10,39%",), lang="en", qtype="how_much"), id="en-figure-of-a-fall"),
    pytest.param(Case(
        "Excluding refinery products, by how much does industrial output rise in 2014?", "25/QĐ-UBND",
        ("A", "2", "-1"), ("9,1%",), lang="en", qtype="how_much"), id="en-figure-of-a-rise-net-of-something"),
    # A share asked: only a figure its clause calls a share.
    pytest.param(Case(
        "What share of GDP will industry and construction have in 2014?", "25/QĐ-UBND", ("A", "2", "-2"),
        ("59-60%",), lang="en", qtype="how_much"), id="en-share-is-a-share"),
    pytest.param(Case(
        "Who has to coordinate on the North-South expressway through Quang Ngai?", "2395/UBND-KTTH",
        ("2", "2.9", "a"), ("Ban Quản lý dự án đầu tư xây dựng các công trình Giao thông tỉnh",), lang="en",
        qtype="who"), id="en-named-project"),
    # "What capacity" asks a figure, in MW.
    pytest.param(Case(
        "What generating capacity is planned for the Dakdrinh hydropower plant?", "25/QĐ-UBND",
        ("B", "II", "4", "-7"), ("125MW",), lang="en", qtype="how_much"), id="en-what-capacity"),
    # A plan's horizon dates no loaded document: the plan to 2035 is one the letter speaks of.
    pytest.param(Case(
        "Who must get the Dung Quat EZ general construction plan to 2035 approved?", "2395/UBND-KTTH",
        ("2", "2.2", "a"), ("Ban Quản lý Khu kinh tế Dung Quất",), lang="en", qtype="who"),
        id="en-a-horizon-is-no-document-year"),
    # A plan named by its title: its sections before another plan's on reporting.
    pytest.param(Case(
        "Under the international integration plan, through which department do agencies and districts send their "
        "periodic reports, and how often?", "997/QĐ-UBND", ("Phần IV", "II", "25"), ("Sở Ngoại vụ",), lang="en"),
        id="en-sections-of-the-plan-named"),
    pytest.param(Case(
        "cv 2395 co gui bo khdt khong", "2395/UBND-KTTH", ("Nơi nhận",), ("Bộ Kế hoạch và Đầu tư",),
        lang="vi_nodiac", qtype="doc_meta"), id="nodiac-was-it-sent-to"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_real_question(case: Case, chain: AnswerChain, app: App) -> None:
    _check_answered(chain.invoke(case.question), case, app)


# --- several documents --------------------------------------------------------------------------


def test_which_documents_mention_the_coastal_road(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Những văn bản nào đề cập đến tuyến đường ven biển Dung Quất - Sa Huỳnh?")
    assert answer.qtype == "which_docs" and not answer.abstained
    assert paths(answer) == [
        ("2395/UBND-KTTH", ["2", "2.4", "a"]),
        ("39/KH-UBND", ["III", "2", "-1"]),
    ]  # newest first
    assert answer.answer.startswith("Có 2 văn bản")
    assert "Công văn số 2395/UBND-KTTH" in answer.answer and "Kế hoạch số 39/KH-UBND" in answer.answer
    assert all("Sa Huỳnh" in c.quote for c in answer.citations)
    assert_all_verified(app, answer)


def test_which_documents_assign_the_transport_department(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Các văn bản nào giao nhiệm vụ cho Sở Giao thông vận tải về đường ven biển?")
    assert answer.qtype == "which_docs" and not answer.abstained
    assert set(map(lambda p: (p[0], tuple(p[1])), paths(answer))) == {
        ("2395/UBND-KTTH", ("2", "2.4", "a")), ("350/QĐ-UBND", ("II", "6")), ("39/KH-UBND", ("Phụ lục", "3")),
    }  # fmt: skip
    dates = [c.issued_date for c in answer.citations]
    assert dates == sorted(dates, reverse=True)
    assert_all_verified(app, answer)


def test_question_naming_two_documents_cites_both(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke(
        "Công văn 2395/UBND-KTTH và Kế hoạch 39/KH-UBND đề cập đến tuyến container tại cảng Dung Quất như thế nào?"
    )
    assert not answer.abstained
    cited = paths(answer)
    assert ("2395/UBND-KTTH", ["2", "2.2", "b"]) in cited
    assert ("39/KH-UBND", ["III", "2", "-6"]) in cited
    assert {r.doc_number for r in answer.retrieved} == {"2395/UBND-KTTH", "39/KH-UBND"}
    assert_all_verified(app, answer)


def test_which_of_these_documents_task_an_agency_by_its_english_abbreviation(
    chain: AnswerChain, app: App
) -> None:
    answer = chain.invoke("Which of these documents give DIC its own tasks?")
    assert answer.qtype == "which_docs" and not answer.abstained
    assert {c.doc_number for c in answer.citations} >= {
        "2395/UBND-KTTH",
        "350/QĐ-UBND",
        "997/QĐ-UBND",
        "25/QĐ-UBND",
    }
    assert_all_verified(app, answer)


def test_english_which_documents(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Which documents mention the Dung Quat container route?")
    assert answer.lang == "en" and answer.qtype == "which_docs" and not answer.abstained
    assert "document(s), newest first" in answer.answer
    cited = paths(answer)
    assert ("2395/UBND-KTTH", ["2", "2.2", "b"]) in cited and ("39/KH-UBND", ["III", "2", "-6"]) in cited
    assert_all_verified(app, answer)


# --- questions the documents do not answer -------------------------------------------------------

UNANSWERABLE = [
    pytest.param("Tỉnh Quảng Ngãi bố trí bao nhiêu tỷ đồng cho dự án cảng hàng không Lý Sơn năm 2023?", "vi",
                 id="vi-airport-budget"),
    pytest.param("Tinh Quang Ngai bo tri bao nhieu ty dong cho du an cang hang khong Ly Son nam 2023?", "vi_nodiac",
                 id="nodiac-airport-budget"),
    pytest.param("How much money was allocated to the Ly Son airport project in 2023?", "en", id="en-airport-budget"),
    pytest.param("Thừa Thiên Huế dành bao nhiêu tỷ đồng ngân sách cho Festival Du lịch biển năm 2022?", "vi",
                 id="vi-festival-budget"),
    pytest.param("How much budget did Thua Thien Hue allocate to the 2022 Sea Tourism Festival?", "en",
                 id="en-festival-budget"),
    pytest.param("Which foreign university has Quang Ngai chosen as a partner for joint training programmes?", "en",
                 id="en-no-university-named"),
    pytest.param("Which company has been picked to operate the logistics centre at Dung Quat port?", "en",
                 id="en-no-company-named"),
    pytest.param("Trung tâm điện lực Dung Quất dự kiến được xây dựng tại xã nào?", "vi", id="vi-no-commune-named"),
    pytest.param("Who is responsible for the Hue citadel restoration project?", "en", id="en-translated-but-absent"),
    pytest.param("How much does Thua Thien Hue pay each year into the regional council's operating budget?", "en",
                 id="en-figure-of-another-province"),
    # A figure for a year no document gives: "đến năm 2020" and "năm 2014" are other years.
    pytest.param("How much did Quang Ngai export in 2015?", "en", id="en-figure-of-another-year"),
    pytest.param("Kim ngạch xuất khẩu của tỉnh năm 2016 đạt bao nhiêu?", "vi", id="vi-figure-of-another-year"),
    # A post the documents never fill: sections about the committee do not name its chair.
    pytest.param("Who chairs Quang Ngai's steering committee on international integration?", "en",
                 id="en-post-not-filled"),
    pytest.param("Ai giữ chức Trưởng Ban Chỉ đạo hội nhập quốc tế của tỉnh?", "vi", id="vi-post-not-filled"),
    pytest.param("giam doc so khdt quang ngai ten la gi", "vi_nodiac", id="nodiac-name-not-given"),
    # The plan named by its title has no budget; a figure from another plan is no answer.
    pytest.param("tong kinh phi thuc hien ke hoach hoi nhap quoc te cua tinh la bao nhieu ty dong", "vi_nodiac",
                 id="nodiac-budget-of-a-plan-by-title"),
    # "tháng mấy": a time is asked, and no document gives the month.
    pytest.param("Hội nghị sơ kết diễn đàn liên kết phát triển du lịch năm 2022 diễn ra vào tháng mấy?", "vi",
                 id="vi-month-not-given"),
    # Documents that "set a level" must state one: sections on the support without a figure do not.
    pytest.param("Những văn bản nào quy định mức lương tối thiểu cho công nhân khu công nghiệp?", "vi",
                 id="vi-which-docs-set-a-level"),
    pytest.param("Which documents set the subsidy rate for tourism startups?", "en", id="en-which-docs-set-a-rate"),
    # A person's post in Huế's documents, which name no director.
    pytest.param("Who is the director of Hue's Department of Tourism?", "en", id="en-director-not-named"),
    # The documents give administrative procedures to other agencies, not to the Department of Justice.
    pytest.param("Sở Tư pháp phải làm gì về kiểm soát thủ tục hành chính?", "vi", id="vi-task-of-another-agency"),
    # A figure of a province that issued none of the documents: only a sentence naming it could give it.
    pytest.param("muc dong gop cua tinh quang nam cho hoi dong vung nam 2018", "vi_nodiac",
                 id="nodiac-figure-of-another-province"),
    # "Which hotel": the conference is planned, no hotel is named. "Population": a figure in people.
    pytest.param("Which hotel hosts the regional investment promotion conference?", "en", id="en-which-hotel"),
    pytest.param("What is the population of Quang Ngai province?", "en", id="en-population-not-given"),
    # An organisation no document gives a task to ("đoàn" alone is in "đoàn ra, đoàn vào").
    pytest.param("tinh doan quang ngai duoc giao viec gi", "vi_nodiac", id="nodiac-organisation-not-named"),
    # The services the 2014 plan has built are level 3: a figure qualifying what is asked is missing.
    pytest.param("How many level-4 online public services did Quang Ngai plan for 2014?", "en",
                 id="en-qualifying-figure-missing"),
    pytest.param("Does the province plan any semiconductor factories in Dung Quat?", "en", id="en-subject-never-said"),
    pytest.param("Hội thảo đường bộ ven biển năm 2018 diễn ra vào ngày nào?", "vi", id="vi-day-asked-month-given"),
    # Results and reasons the plans do not report: a target is no result; a task without a purpose is no reason.
    pytest.param("Did Quang Ngai actually reach one billion USD of exports by 2020?", "en", id="en-result-of-a-target"),
    pytest.param("Why does Hue hold the regional sea tourism festival only every two years?", "en",
                 id="en-reason-not-given"),
    # The sentence on what is asked gives no reason, and a reason given for something else is none.
    pytest.param("Why did Thua Thien Hue decide to hold the sea tourism festival every other year instead of annually?",
                 "en", id="en-reason-of-something-else"),
    # "để di dời các cơ sở gây ô nhiễm": the purpose the question itself states is no reason for the site.
    pytest.param("Why did the 2014 plan pick Quang Phu ward as the site for a cluster to take relocated polluting "
                 "factories?", "en", id="en-reason-restates-the-question"),
    pytest.param("Festival Du lịch biển vùng được tổ chức nhằm mục đích gì?", "vi", id="vi-purpose-not-given"),
    # "Năm 2018: 250 triệu đồng" is no figure for 2017; the 2014 target is none for 2015.
    pytest.param("How much did Quang Ngai pay into the Regional Council's operating budget for 2017?", "en",
                 id="en-figure-of-another-year"),
    pytest.param("What industrial output value was Quang Ngai aiming for in 2015?", "en",
                 id="en-what-value-of-another-year"),
    # "Lãi suất hợp lý": a rate asked, none given.
    pytest.param("What lending rate are banks in Thua Thien Hue supposed to offer businesses under its 2021-2025 plan?",
                 "en", id="en-rate-not-given"),
    # When the conference is scheduled is not the deadline of its report (the row gives only "Tháng 11").
    pytest.param("What exact date in November 2018 was the investment and tourism promotion conference in Hue "
                 "scheduled for?", "en", id="en-scheduled-day-not-given"),
    # Rankings and comparisons the plans never make; a task to rank is no ranking.
    pytest.param("Was Quang Ngai's 250 million dong payment to the Regional Council more or less than what the other "
                 "member provinces paid?", "en", id="en-comparison-not-made"),
    pytest.param("Which of Quang Ngai's industrial clusters had the highest occupancy rate going into 2014?", "en",
                 id="en-superlative-not-given"),
    pytest.param("cum cong nghiep nao co ty le lap day cao nhat", "vi_nodiac", id="nodiac-superlative-not-given"),
    # The plan named by its title and year gives the Department of Foreign Affairs no task (997/QĐ-UBND does).
    pytest.param("What role does the provincial Department of Foreign Affairs play in Quang Ngai's 2014 industrial "
                 "development plan?", "en", id="en-agency-absent-from-the-named-plan"),
    # Another member of the kind asked: industry's share is no figure for services; GRDP per head of another province.
    pytest.param("ty trong dich vu trong gdp quang ngai nam 2014 chi tieu bao nhieu", "vi_nodiac",
                 id="nodiac-figure-of-another-sector"),
    pytest.param("What GRDP per capita does Thua Thien Hue target for 2025 in its regional linkage plan?", "en",
                 id="en-per-capita-not-given"),
    # "Phase 3": the number goes with its noun; the plan gives phase 2 (28ha).
    pytest.param("How many hectares is phase 3 of the Doosan heavy industry plant at Dung Quat supposed to cover?", "en",
                 id="en-phase-not-given"),
    # "(… các Dự án trong KKT Dung Quất trong phạm vi 10.300ha)": an aside about something else in a sentence on VSIP.
    pytest.param("kcn vsip quang ngai rong bao nhieu ha", "vi_nodiac", id="nodiac-figure-in-an-aside"),
    # A subject no document says, in either language: "đường sắt", "nước sạch".
    pytest.param("kh 350 hue co du an duong sat nao ket noi vung", "vi_nodiac", id="nodiac-subject-never-said"),
    pytest.param("Quảng Ngãi có kế hoạch cấp nước sạch cho huyện đảo Lý Sơn không?", "vi", id="vi-subject-never-said"),
    pytest.param("Is there anything on rail links in Quang Ngai's regional connectivity tasks?", "en",
                 id="en-rail-never-said"),
    # A department named by its field: the health department has no task in Công văn 2395.
    pytest.param("What does Quang Ngai's health department have to do under dispatch 2395 on regional linkage?", "en",
                 id="en-field-first-agency-without-a-task"),
    # Under Huế's plan: Quảng Ngãi's culture department is no answer.
    pytest.param("Under Thua Thien Hue's 2021-2025 plan, what must the Department of Culture and Sports do for the "
                 "sea tourism festival?", "en", id="en-place-named-other-province-agency"),
    pytest.param("On what exact date in 2022 was Quang Ngai to host the tourism-linkage forum review conference?", "en",
                 id="en-exact-date-not-given"),
    # A plan's target is no result: "thực tế thu hút được".
    pytest.param("nam 2014 kcn dung quat thuc te thu hut duoc bao nhieu von", "vi_nodiac", id="nodiac-result-of-a-target"),
    # "ở tỉnh, thành nào": a place is asked; the plan gives the years only.
    pytest.param("Ngày hội Du lịch Vùng năm 2023 theo KH 350 tổ chức ở tỉnh, thành nào?", "vi",
                 id="vi-which-province-not-given"),
    # A cited directive's title in passing does not give its targets.
    pytest.param("What targets does Directive 27/CT-TTg set for 2025?", "en", id="en-targets-of-a-cited-directive"),
    # --- sixth round ------------------------------------------------------------------------------
    # An agency's task elsewhere is no part in an event another agency leads.
    pytest.param("What was Quang Ngai's transport department assigned for the November tourism promotion conference "
                 "in Hue?", "en", id="en-agency-in-an-event-led-by-another"),
    pytest.param("What did the Department of Finance have to contribute to the coastal road workshop?", "en",
                 id="en-agency-task-about-something-else"),
    pytest.param("hoi thao lk cac kkt va kcn o hue kinh phi bao nhieu", "vi_nodiac", id="nodiac-budget-of-an-event"),
    # A day asked of a row that gives a month.
    pytest.param("On which exact day in March 2018 was the supporting-industries workshop held?", "en",
                 id="en-day-of-a-month-row"),
    # A level of training no sentence names, beside those it does.
    pytest.param("so ldtbxh 2014 dao tao nghe trinh do dai hoc bao nhieu nguoi", "vi_nodiac",
                 id="nodiac-member-never-named"),
    # "How many tourists": a span of years is no count of people.
    pytest.param("How many foreign tourists does Quang Ngai expect by 2020?", "en", id="en-count-not-a-duration"),
    # The year asked (2015) is not the year the figure is for (2014).
    pytest.param("What investment target, in USD, was set for the Dung Quat economic zone for 2015?", "en",
                 id="en-target-of-another-year"),
    # A period the plan gives no growth target for.
    pytest.param("What average annual GRDP growth does the international integration plan target for 2021-2025?",
                 "en", id="en-growth-of-another-period"),
    # A name no document says.
    pytest.param("Who is in charge of upgrading Chan May port under Hue's plan?", "en", id="en-name-never-said"),
    # A cause asked; the documents give purposes only.
    pytest.param("Why did the Dung Quat ethanol plant stop producing?", "en", id="en-cause-never-given"),
    # A comparison the documents never make, and a result of what was only planned.
    pytest.param("Which province set the higher export target for 2020, Quang Ngai or Hue?", "en",
                 id="en-comparison-never-made"),
    pytest.param("Những kiến nghị nào của Quảng Ngãi tại hội thảo ở Huế đã được Hội đồng Vùng chấp thuận?", "vi",
                 id="vi-outcome-of-a-workshop"),
    # A metadata block gives no reason; a figure at another price basis is no answer.
    pytest.param("Why was the 2017 integration decision signed by a vice-chairman instead of the chairman?", "en",
                 id="en-reason-for-a-signature"),
    pytest.param("What was the 2014 industrial output value target at current prices rather than 1994 prices?", "en",
                 id="en-figure-at-another-price-basis"),
    pytest.param("What's the contract value of bid package 9b of the Sa Ky port upgrade?", "en",
                 id="en-value-never-given"),
    pytest.param("What financial contribution did Quang Ngai make to the regional council for 2016?", "en",
                 id="en-contribution-of-another-year"),
    pytest.param("How many billion dong of investment did Dung Quat aim to attract in 2014?", "en",
                 id="en-figure-in-another-currency"),
    pytest.param("Did Ly Son eventually get UNESCO geopark status?", "en", id="en-outcome-eventually"),
    pytest.param("Which province paid the most into the regional council in 2018?", "en", id="en-the-most"),
    pytest.param("How does Quang Ngai's export target stack up against Hue's?", "en", id="en-stack-up-against"),
    pytest.param("What is the name of the person heading the coordination team in the 2018 plan?", "en",
                 id="en-person-heading-a-team"),
    pytest.param("Who personally chaired the regional council in 2017?", "en", id="en-who-personally-chaired"),
    pytest.param("Where will the dry port serving Dung Quat be built?", "en", id="en-dry-port-never-said"),
    pytest.param("What monthly wage do the plans set for industrial park workers?", "en", id="en-wage-never-said"),
    pytest.param("What yearly growth in exports does the international integration plan aim for?", "en",
                 id="en-growth-of-another-subject"),
    pytest.param("tang truong xuat khau binh quan hang nam den 2020 la bao nhieu", "vi_nodiac",
                 id="nodiac-growth-of-another-subject"),
    # --- seventh round ----------------------------------------------------------------------------
    # A district's committee is an agency: it has a part in the tourism conference, not in the workshop.
    pytest.param("What role does Ly Son district play in the coastal road linkage workshop in Hue?", "en",
                 id="en-district-committee-in-a-row-it-is-not-in"),
    pytest.param("UBND huyện Lý Sơn có nhiệm vụ gì trong hội thảo đường bộ ven biển?", "vi",
                 id="vi-district-committee-in-a-row-it-is-not-in"),
    # A place answered from a sentence that passes only on its section's other sentences.
    pytest.param("Where is the free trade zone Quang Ngai wants to set up?", "en", id="en-place-of-something-never-said"),
    # A comparison with another province: a sentence comparing with another year compares nothing asked.
    pytest.param("Was Quang Ngai's 2014 industrial output target higher or lower than Hue's?", "en",
                 id="en-compared-with-another-province"),
    pytest.param("What GRDP per head does the integration plan target for 2025?", "en", id="en-per-head-of-another-year"),
    # A district no document names.
    pytest.param("Kế hoạch năm 2014 giao huyện Đức Phổ mở rộng cụm công nghiệp nào?", "vi", id="vi-district-never-named"),
    pytest.param("Nhật Bản hay Hàn Quốc là đối tác số một về giao thông vận tải của Quảng Ngãi?", "vi",
                 id="vi-number-one-never-ranked"),
    # A deadline asked: a plan's horizon, a cited decision's date or a period is none.
    pytest.param("cv 2395 han trinh phe duyet quy hoach tinh la khi nao", "vi_nodiac", id="nodiac-deadline-never-given"),
    # A road named by its number: Quốc lộ 24 and 24B are other roads than 1A.
    pytest.param("Which stretch of National Highway 1A does the 2022 letter want widened?", "en",
                 id="en-another-road-number"),
    # The figure of something set aside, of another year, of what is located at the place asked.
    pytest.param("What investment target in USD was set for 2014 for the industrial parks, as opposed to Dung Quat?",
                 "en", id="en-figure-of-what-is-set-aside"),
    pytest.param("What was Quang Ngai's actual industrial output value in 2013?", "en", id="en-figure-compared-with"),
    pytest.param("What was the growth rate of industrial output in 2013?", "en", id="en-growth-of-the-year-compared-with"),
    pytest.param("What generating capacity will the gas-fired power plants fed by the Chu Lai - Dung Quat pipeline have?",
                 "en", id="en-capacity-never-given"),
    # A host never named.
    pytest.param("Which province is going to host the 2022 sea tourism festival?", "en", id="en-host-never-named"),
    pytest.param("kcn quang phu rong bao nhieu ha", "vi_nodiac", id="nodiac-area-of-what-is-at-the-place"),
    # An appendix row about another event, however well it matches the rest of the question.
    pytest.param("Trong phụ lục KH 39, hội thảo về đào tạo nguồn nhân lực do sở nào chủ trì?", "vi",
                 id="vi-row-of-another-event"),
    pytest.param("In the 2018 plan's annex, when is the regional human resources conference held?", "en",
                 id="en-row-of-another-event"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What tasks does Da Nang's regional linkage plan give the Da Nang Department of Tourism?",
         "No document issued by Đà Nẵng is loaded."),
        ("Kế hoạch liên kết vùng của UBND thành phố Đà Nẵng giao Sở Du lịch việc gì?",
         "Chưa nạp văn bản nào do Đà Nẵng ban hành."),
        ("Ai ký Kế hoạch 39/KH-UBND?", "không có phần chữ ký"),
        ("Who signed decision 25/QĐ-UBND issuing the 2014 industrial plan?", "has no signature block"),
        ("Which agencies were on the distribution list of Decision 25?", "has no distribution list (Nơi nhận)"),
        # A document dated by a year no loaded document is of.
        ("In Quang Ngai's 2019 regional linkage plan, who runs the supporting-industry workshop?",
         "No loaded document is of 2019."),
        ("Kế hoạch liên kết vùng năm 2019 của Quảng Ngãi giao Sở Công Thương việc gì?",
         "Chưa nạp văn bản nào của năm 2019."),
        # Not the best hit's metadata.
        ("ke hoach lien ket vung cua quang ngai nam 2019 so hieu la gi", "Chưa nạp văn bản nào của năm 2019."),
        ("qd 1537/qd-ubnd nam 2020 ai ky", "chưa được nạp"),
        # What a document only cited says is not in the loaded documents.
        ("Nghị quyết 57/NQ-CP đặt ra những mục tiêu cụ thể nào đến năm 2030?", "Văn bản 57/NQ-CP chưa được nạp."),
        ("Kế hoạch liên kết vùng KTTĐ miền Trung năm 2018 của tỉnh Quảng Nam giao những nhiệm vụ gì?",
         "Chưa nạp văn bản nào do Quảng Nam ban hành."),
        # The province that assigns is the issuer.
        ("da nang giao so du lich nhung viec gi trong ke hoach lien ket vung", "Chưa nạp văn bản nào do Đà Nẵng"),
        ("What does Quang Nam province ask its transport department to do for regional linkage?",
         "No document issued by Quảng Nam is loaded."),
        ("van ban nao ban hanh nam 2019", "Không có văn bản nào đã nạp được ban hành trong thời gian đó."),
        ("KH phát triển du lịch 2022 của TP Đà Nẵng giao Sở Du lịch Đà Nẵng làm gì?",
         "Chưa nạp văn bản nào do Đà Nẵng ban hành."),
        # The list of what a document only cited contains is its own content.
        ("QĐ 1537/QĐ-UBND năm 2020 gồm những nhiệm vụ gì?", "Văn bản 1537/QĐ-UBND chưa được nạp."),
        # A document only cited: naming it in full ("… năm 2018 của tỉnh") is not asking about its content.
        ("Kế hoạch 10/KH-UBND năm 2018 của tỉnh có những nội dung chính gì?", "Văn bản 10/KH-UBND chưa được nạp."),
        # A distribution list names the team's members as recipients; it does not say who they are.
        ("Các thành viên Tổ điều phối phát triển vùng của tỉnh theo Quyết định 1845/QĐ-UBND là những ai?",
         "Văn bản 1845/QĐ-UBND chưa được nạp."),
        # The issuer named after a long title.
        ("Kế hoạch liên kết phát triển vùng kinh tế trọng điểm miền Trung năm 2018 của tỉnh Bình Định giao Sở Giao "
         "thông vận tải những việc gì?", "Chưa nạp văn bản nào do Bình Định ban hành."),
        # The province named issued the cited decision: its loaded documents do not set out its content.
        ("qd 1537/qd-ubnd ngay 08/10/2020 cua qngai gom nhung nhiem vu gi", "Văn bản 1537/QD-UBND chưa được nạp."),
        # A point the section does not have.
        ("What does point d of section 2.2 of letter 2395/UBND-KTTH ask for?",
         "Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi has no point d of section 2.2."),
        ("Điểm e mục 2.7 Công văn 2395 giao việc gì?", "không có điểm e mục 2.7."),
    ],
)  # fmt: skip
def test_abstains_and_says_why(question: str, says: str, chain: AnswerChain) -> None:
    answer = chain.invoke(question)
    assert answer.abstained and answer.citations == [], answer.answer
    assert says in answer.answer


@pytest.mark.parametrize(("question", "lang"), UNANSWERABLE)
def test_unanswerable_question_abstains_and_lists_nearest_sections(
    question: str, lang: str, chain: AnswerChain
) -> None:
    answer = chain.invoke(question)
    assert answer.lang == lang
    assert answer.abstained is True, answer.answer
    assert answer.citations == []
    notice, header = (
        (NOT_FOUND_EN, "Nearest sections:") if lang == "en" else (NOT_FOUND_VI, "Các mục gần nhất:")
    )
    assert notice in answer.answer
    if lang != "en":
        assert "Không tìm thấy căn cứ trong các văn bản đã nạp" in answer.answer
    lines = answer.answer.split("\n")
    assert lines[0] == notice and lines[1] == header
    nearest = [line for line in lines[2:] if line.startswith("- ")]
    assert 1 <= len(nearest) <= 3
    assert answer.retrieved
    # Each listed section is one of the retrieved ones, named with its document.
    for line, item in zip(nearest, answer.retrieved, strict=False):
        assert line.startswith(f"- {item.label} ") and (item.doc_number or "") in line


def test_date_of_a_cited_document_comes_from_the_citing_sentence(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Nghị quyết 57/NQ-CP được ban hành ngày nào?")
    assert not answer.abstained, answer.answer
    assert "21/4/2022" in answer.answer and "chưa được nạp" in answer.answer
    assert "20/5/2022 được ban hành" not in answer.answer  # never the citing letter's own date
    assert answer.citations[0].doc_number == "2395/UBND-KTTH" and "57/NQ-CP" in answer.citations[0].quote
    assert_all_verified(app, answer)


def test_the_letter_implementing_a_resolution_is_named_by_it(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Công văn triển khai Nghị quyết 57/NQ-CP giao Sở TT&TT những việc gì?")
    assert not answer.abstained, answer.answer
    doc, path = paths(answer)[0]
    assert doc == "2395/UBND-KTTH" and path[:2] == ["2", "2.7"]
    assert_all_verified(app, answer)


def test_a_post_is_answered_where_it_is_named_with_its_body(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Tổ trưởng Tổ điều phối phát triển Vùng của Quảng Ngãi là ai?")
    assert not answer.abstained, answer.answer
    assert answer.citations[0].doc_number == "39/KH-UBND"
    assert "Tổ trưởng Tổ điều phối" in answer.citations[0].quote
    assert_all_verified(app, answer)


@pytest.mark.parametrize(
    ("question", "docs"),
    [
        ("Văn bản nào được ban hành sau năm 2020?", ["2395/UBND-KTTH", "350/QĐ-UBND"]),
        ("Which of the documents were issued in May?", ["2395/UBND-KTTH", "997/QĐ-UBND"]),
        # A decision issuing a plan is a plan; 39/KH-UBND states its date in the appendix caption.
        ("Which plans were issued before 2019?", ["39/KH-UBND", "997/QĐ-UBND", "25/QĐ-UBND"]),
    ],
)
def test_documents_listed_by_issue_date_cite_where_each_is_dated(
    question: str, docs: list[str], chain: AnswerChain, app: App
) -> None:
    answer = chain.invoke(question)
    assert not answer.abstained and answer.qtype == "which_docs", answer.answer
    assert [c.doc_number for c in answer.citations] == docs  # newest first
    assert all(c.section_path in (["Phần đầu"], ["Phụ lục"]) for c in answer.citations)
    assert all(re.search(r"\d{4}", c.quote) for c in answer.citations)
    assert_all_verified(app, answer)


def test_documents_issued_after_a_year_that_assign_an_agency(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke(
        "Những văn bản nào ban hành sau năm 2020 giao nhiệm vụ cho Sở Khoa học và Công nghệ?"
    )
    assert not answer.abstained, answer.answer
    assert paths(answer)[0][0] == "2395/UBND-KTTH" and paths(answer)[0][1][:2] == ["2", "2.8"]
    assert [c.doc_number for c in answer.citations] == ["2395/UBND-KTTH", "350/QĐ-UBND"]  # not 997, not 25
    assert_all_verified(app, answer)


def test_plans_about_a_topic_are_cited_by_their_titles(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Những kế hoạch nào về liên kết phát triển Vùng kinh tế trọng điểm miền Trung?")
    assert not answer.abstained, answer.answer
    assert paths(answer) == [("350/QĐ-UBND", ["Phần đầu"]), ("39/KH-UBND", ["Phần đầu"])]
    assert "LIÊN KẾT PHÁT TRIỂN VÙNG KINH TẾ TRỌNG ĐIỂM MIỀN TRUNG" in answer.citations[0].quote
    assert_all_verified(app, answer)


def test_a_province_leader_is_named_from_a_signature_block(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("Chủ tịch UBND tỉnh Quảng Ngãi năm 2022 là ai?")
    assert not answer.abstained, answer.answer
    assert "Đặng Văn Minh" in answer.answer
    assert paths(answer) == [("2395/UBND-KTTH", ["Chữ ký"])]
    assert_all_verified(app, answer)
    # Another year's holder is not given: no loaded document of 2019 was signed by a Phó Chủ tịch.
    assert chain.invoke("Phó chủ tịch UBND tỉnh Quảng Ngãi năm 2019 là ai?").abstained


def test_what_a_plan_implements_typed_without_diacritics(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke("kh 350 ban hanh de thuc hien quyet dinh nao")
    assert not answer.abstained and answer.qtype == "doc_meta", answer.answer
    assert paths(answer) == [("350/QĐ-UBND", ["Mở đầu"])] and "02/QĐ-HĐV" in answer.answer
    assert_all_verified(app, answer)


def test_a_cited_decisions_date_is_not_when_a_task_happens(chain: AnswerChain) -> None:
    # "… theo Quyết định số 1780/QĐ-TTg ngày 12/10/2011 …" names a decision; it dates nothing asked.
    answer = chain.invoke("lich tiep cong dan cua chu tich ubnd tinh quang ngai vao ngay nao trong thang")
    assert "12/10/2011" not in answer.answer.split("\n")[0]


def test_filter_to_a_document_without_the_answer_abstains(chain: AnswerChain) -> None:
    answer = chain.invoke({
        "question": "Quảng Ngãi đóng góp bao nhiêu kinh phí hoạt động năm 2018 cho Hội đồng Vùng?",
        "filters": {"doc_number": "997/QĐ-UBND"},
    })  # fmt: skip
    assert answer.abstained and answer.citations == []
    assert {r.doc_number for r in answer.retrieved} <= {"997/QĐ-UBND"}


def test_nothing_retrieved_abstains_without_nearest_sections(chain: AnswerChain) -> None:
    answer = chain.invoke({"question": "Ai ký?", "filters": {"doc_number": "999/QĐ-XYZ"}})
    assert answer.abstained and answer.citations == [] and answer.retrieved == []
    assert answer.answer == NOT_FOUND_VI


# --- one unit of the answerer, pinned to the abbreviation bug above ------------------------------


def test_agency_present_accepts_every_spelling_of_an_abbreviated_agency(app: App) -> None:
    query = analyze("Sở LĐTB&XH có nhiệm vụ gì?")
    result = app.searcher().search(query, k=20, filters=Filters(doc="350/QĐ-UBND"))
    hit = next(h for h in result.hits if h.chunk.section_path == ["II", "9"])
    assert "Sở Lao động, Thương binh và Xã hội" in hit.chunk.text
    assert ExtractiveAnswerer._agency_present(query, SearchResult([hit], lexical=True, dense=False))


def test_which_documents_name_a_place_that_issued_none(chain: AnswerChain, app: App) -> None:
    # "cao tốc Đà Nẵng - Quảng Ngãi": 2395/UBND-KTTH's "cao tốc Bắc - Nam … Quảng Ngãi" names no Đà Nẵng.
    answer = chain.invoke("nhung van ban nao nhac den cao toc da nang - quang ngai")
    assert not answer.abstained, answer.answer
    assert {c.doc_number for c in answer.citations} == {"39/KH-UBND", "25/QĐ-UBND"}, paths(answer)
    assert_all_verified(app, answer)


def test_a_plan_named_by_its_year_is_not_a_document_number(chain: AnswerChain) -> None:
    # "kế hoạch 2018" is the year of a loaded plan (39/KH-UBND), not a plan numbered 2018.
    answer = chain.invoke("Theo kế hoạch 2018 của Quảng Ngãi, Sở Tài chính phải làm gì?")
    assert not answer.abstained, answer.answer
    assert answer.citations[0].doc_number == "39/KH-UBND"


def test_each_named_place_is_answered_from_its_own_documents(chain: AnswerChain, app: App) -> None:
    answer = chain.invoke(
        "Sở Lao động - Thương binh và Xã hội của Quảng Ngãi và của Thừa Thiên Huế được giao những việc gì "
        "về thị trường lao động?"
    )
    assert not answer.abstained, answer.answer
    docs = [c.doc_number for c in answer.citations]
    assert docs[0] == "2395/UBND-KTTH" and "350/QĐ-UBND" in docs, paths(answer)
    assert next(c.section_path[:2] for c in answer.citations if c.doc_number == "350/QĐ-UBND") == ["II", "9"]
    assert_all_verified(app, answer)
