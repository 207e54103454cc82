"""UI strings, Vietnamese first with an English toggle. Only the interface is translated: answers,
citation labels and document text stay as the documents and the answer chain wrote them."""

from __future__ import annotations

from typing import Literal

Lang = Literal["vi", "en"]

LANG_CHOICES: list[tuple[str, str]] = [("Tiếng Việt", "vi"), ("English", "en")]

EXAMPLES: list[str] = [
    "Ai chịu trách nhiệm đầu tư tuyến container tại Khu kinh tế Dung Quất?",
    "Quảng Ngãi đóng góp kinh phí cho Hội đồng Vùng năm 2018 bao nhiêu?",
    "Who signed Official Letter 2395/UBND-KTTH?",
    "Cong van 2395/UBND-KTTH giao So Ke hoach va Dau tu nhiem vu gi?",
]

_STRINGS: dict[str, tuple[str, str]] = {
    # header and tabs
    "title": ("Hỏi đáp văn bản hành chính", "Government document Q&A"),
    "subtitle": (
        "Mỗi câu trả lời trích dẫn đến từng điểm, khoản, mục của văn bản đã nạp.",
        "Every answer cites the exact point, clause or section of the loaded documents.",
    ),
    "lang": ("Ngôn ngữ giao diện", "Interface language"),
    "tab_chat": ("Hỏi đáp", "Ask"),
    "tab_docs": ("Văn bản", "Documents"),
    "tab_admin": ("Góp ý (quản trị)", "Feedback (maintainers)"),
    # chat
    "chat": ("Hội thoại", "Conversation"),
    "question": ("Câu hỏi", "Question"),
    "question_ph": (
        "Nhập câu hỏi, ví dụ: Ai chủ trì nhiệm vụ ... theo Công văn 2395/UBND-KTTH?",
        "Type a question, e.g. Who leads task ... under Official Letter 2395/UBND-KTTH?",
    ),
    "ask": ("Hỏi", "Ask"),
    "clear": ("Xóa hội thoại", "Clear conversation"),
    "examples": ("Câu hỏi mẫu", "Example questions"),
    "searching": ("Đang tìm căn cứ trong văn bản…", "Searching the documents…"),
    "empty_question": ("Hãy nhập câu hỏi.", "Please type a question."),
    "no_index": (
        "Chưa có chỉ mục văn bản: hãy chạy `rag ingest` rồi tải lại trang.",
        "No document index yet: run `rag ingest`, then reload the page.",
    ),
    "index_corrupt": ("Chỉ mục văn bản bị lỗi: {err}", "The document index is damaged: {err}"),
    "abstained": ("Không tìm thấy căn cứ", "No basis found"),
    # filters
    "filters": ("Bộ lọc cho câu hỏi", "Filters for questions"),
    "f_doc": ("Văn bản", "Document"),
    "f_type": ("Loại văn bản", "Document type"),
    "f_issuer": ("Cơ quan ban hành", "Issuing body"),
    "f_from": ("Ban hành từ ngày", "Issued from"),
    "f_to": ("Đến ngày", "Issued until"),
    "f_date_ph": ("dd/mm/yyyy hoặc yyyy", "dd/mm/yyyy or yyyy"),
    "f_all": ("(tất cả)", "(all)"),
    "bad_date": (
        "Ngày không hợp lệ: «{value}». Dùng dd/mm/yyyy, yyyy-mm-dd hoặc yyyy.",
        "Invalid date: “{value}”. Use dd/mm/yyyy, yyyy-mm-dd or yyyy.",
    ),
    "filters_active": ("Bộ lọc: {desc}", "Filters: {desc}"),
    # citations and section view
    "citations": ("Trích dẫn", "Citations"),
    "citations_empty": (
        "Các trích dẫn [1], [2] … của câu trả lời sẽ hiện ở đây; bấm vào để xem đoạn văn bản.",
        "The answer's citations [1], [2] … appear here; click one to open the passage.",
    ),
    "nearest": ("Các mục gần nhất (không đủ căn cứ để trả lời)", "Nearest sections (not enough to answer)"),
    "section_view": ("Đoạn văn bản được trích", "Cited passage"),
    "section_empty": ("Chọn một trích dẫn để xem đoạn văn bản.", "Pick a citation to read the passage."),
    "section_missing": (
        "Không mở được mục này (văn bản đã được nạp lại?).",
        "This section cannot be opened (was the document re-indexed?).",
    ),
    "m_number": ("Số, ký hiệu", "Number"),
    "m_type": ("Loại văn bản", "Type"),
    "m_issuer": ("Cơ quan ban hành", "Issuer"),
    "m_date": ("Ngày ban hành", "Issued"),
    "m_signer": ("Người ký", "Signed by"),
    "m_title": ("Trích yếu", "Title"),
    "m_source": ("Tệp nguồn", "Source file"),
    "m_issued_with": ("Ban hành kèm theo", "Issued with"),
    "quote_outside": (
        "Đoạn trích nằm ngoài mục này; hiển thị mục không đánh dấu.",
        "The quote lies outside this section; shown without highlight.",
    ),
    # feedback
    "feedback": ("Góp ý cho câu trả lời", "Feedback on the answer"),
    "fb_for": ("Cho câu hỏi: «{q}»", "For the question: “{q}”"),
    "fb_none": ("Chưa có câu trả lời để góp ý.", "No answer to give feedback on yet."),
    "fb_verdict": ("Đánh giá", "Verdict"),
    "fb_correct": ("Đúng", "Correct"),
    "fb_incorrect": ("Sai", "Incorrect"),
    "fb_wrong_evidence": ("Sai căn cứ", "Wrong evidence"),
    "fb_comment": ("Nhận xét (không bắt buộc)", "Comment (optional)"),
    "fb_send": ("Gửi góp ý", "Send feedback"),
    "fb_pick": ("Hãy chọn một đánh giá.", "Please pick a verdict."),
    "fb_saved": ("Đã lưu góp ý #{id}. Cảm ơn!", "Feedback #{id} saved. Thank you!"),
    # document browser
    "b_type": ("Loại văn bản", "Type"),
    "b_issuer": ("Cơ quan ban hành", "Issuer"),
    "b_year": ("Năm ban hành", "Year"),
    "b_list": ("Danh sách văn bản", "Documents"),
    "b_count": ("{n} văn bản", "{n} documents"),
    "b_none": ("Không có văn bản nào khớp bộ lọc.", "No document matches the filters."),
    "b_tree": ("Mục lục", "Sections"),
    "b_section": ("Nội dung mục", "Section text"),
    "b_pick_doc": ("Chọn một văn bản trong danh sách.", "Pick a document from the list."),
    "b_no_number": ("(không số)", "(no number)"),
    # maintainers
    "a_key": ("Khóa quản trị", "Admin key"),
    "a_refresh": ("Tải danh sách góp ý", "Load feedback"),
    "a_export": ("Xuất ứng viên gold-set (JSONL)", "Export gold-set candidates (JSONL)"),
    "a_file": ("Tệp xuất", "Exported file"),
    "a_denied": ("Khóa quản trị không đúng.", "Wrong admin key."),
    "a_count": ("{n} góp ý đã lưu.", "{n} feedback entries stored."),
    "a_exported": ("Đã xuất {n} dòng.", "Exported {n} lines."),
    "a_cols": ("Mã|Thời điểm|Câu hỏi|Đánh giá|Nhận xét", "Id|At|Question|Verdict|Comment"),
    # status notices
    "dense_off": ("Tìm kiếm ngữ nghĩa (dense) đang tắt: {note}", "Dense (semantic) retrieval is off: {note}"),
    "dense_note_default": ("chưa có mô hình nhúng.", "no embedding model."),
    "llm_off": (
        "LLM chưa cấu hình: câu trả lời được trích xuất nguyên văn từ văn bản.",
        "No LLM configured: answers are extracted verbatim from the documents.",
    ),
}


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The UI string ``key`` in ``lang`` ('vi' or 'en'), formatted with ``values``."""
    vi, en = _STRINGS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def verdict_choices(lang: str) -> list[tuple[str, str]]:
    """Feedback verdicts as (label, FeedbackStore value) pairs."""
    return [(t(f"fb_{v}", lang), v) for v in ("correct", "incorrect", "wrong_evidence")]
