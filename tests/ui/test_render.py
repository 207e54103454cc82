"""Rendering helpers: numbered citation links, the <mark> around the exact quote, and escaping of
everything a document or an answer could smuggle into the page."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from typing import Any

import pytest

from rag.answer.models import NOT_FOUND_VI
from rag.documents.labels import citation_label, nodes_for
from rag.documents.models import Document
from rag.documents.parser import parse_document
from tests.ui.conftest import EVIL_DOC
from ui import render
from ui.render_docs import DocRow, doc_list, doc_tree


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser.tags


def assert_inert(markup: str) -> None:
    """No script, no event handler attribute, no link leaving the #rag/ scheme, no <img>."""
    for tag, attrs in tags_of(markup):
        assert tag not in ("script", "img", "iframe", "object", "embed"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert (value or "").startswith("#rag/"), value


@pytest.fixture(scope="module")
def evil() -> Document:
    return parse_document(
        EVIL_DOC, source="corpus/evil-xss.md", content_hash=hashlib.sha256(b"x").hexdigest()
    )


def _citation(doc: Document, path: list[str], phrase: str) -> dict[str, Any]:
    node = nodes_for(doc, path)[-1]
    start = doc.text.index(phrase, node.start)
    return {
        "doc_id": doc.id, "doc_number": doc.cite_number, "section_path": path, "label": citation_label(doc, path),
        "quote": phrase, "start": start, "end": start + len(phrase), "source": doc.source,
    }  # fmt: skip


def _answer(text: str, citations: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"question": "q", "answer": text, "abstained": False, "citations": citations, "retrieved": [],
            "notices": [], **extra}  # fmt: skip


def test_citation_list_is_numbered_and_clickable(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    c1 = _citation(doc, ["2", "2.2", "b"], "tuyến container trung chuyển quốc tế")
    c2 = _citation(doc, ["Chữ ký"], "Đặng Văn Minh")
    html = render.citations_panel(_answer("x [1] y [2]", [c1, c2]), 3, "vi", active=2)
    assert 'href="#rag/cite/3/1"' in html and 'href="#rag/cite/3/2"' in html
    assert ">[1]</a>" in html and ">[2]</a>" in html
    assert "điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày 20/5/2022 của UBND tỉnh Quảng Ngãi" in html
    assert html.index("[1]") < html.index("[2]")
    assert 'class="rag-active" data-n="2"' in html
    assert_inert(html)


def test_answer_markers_become_links_and_unknown_markers_stay_text(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    c1 = _citation(doc, ["2", "2.2", "b"], "tuyến container")
    html = render.answer_message(_answer("Ban Quản lý <b>x</b> [1] và [7].", [c1]), 0, "vi")
    assert 'href="#rag/cite/0/1"' in html and "[7]" in html and "#rag/cite/0/7" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "rag-ok" in html and "rag-abstained" not in html
    assert_inert(html)


def test_abstained_answer_looks_different_and_lists_nearest_sections() -> None:
    retrieved = [{"doc_id": "d", "doc_number": "39/KH-UBND", "section_path": ["IV", "3"], "label": "khoản 3 mục IV",
                  "score": 0.1, "snippet": "Giao Sở Tài chính <i>chủ trì</i>"}]  # fmt: skip
    answer = _answer(NOT_FOUND_VI, [], abstained=True, retrieved=retrieved)
    message = render.answer_message(answer, 1, "vi")
    assert "rag-abstained" in message and "Không tìm thấy căn cứ" in message and "rag-ok" not in message
    panel = render.citations_panel(answer, 1, "vi")
    assert 'data-status="abstained"' in panel and "Các mục gần nhất" in panel
    assert 'href="#rag/near/1/1"' in panel and "khoản 3 mục IV" in panel and "&lt;i&gt;" in panel
    assert_inert(panel)


def test_section_view_marks_exactly_the_quote(corpus_docs: dict[str, Document]) -> None:
    doc = corpus_docs["2395/UBND-KTTH"]
    cit = _citation(doc, ["2", "2.2", "b"], "đầu tư xây dựng hình thành tuyến container trung chuyển quốc tế")
    chain = nodes_for(doc, cit["section_path"])
    html = render.section_view(doc, chain, cit["label"], "vi", quote_span=(cit["start"], cit["end"]))
    assert html.count("<mark>") == 1
    marked = html.split("<mark>")[1].split("</mark>")[0]
    assert marked == render.esc(doc.text[cit["start"] : cit["end"]]) == render.esc(cit["quote"])
    node = chain[-1]
    body = html.split('<div class="rag-text">')[1].split("</div>")[0]
    assert body.replace("<mark>", "").replace("</mark>", "") == render.esc(doc.text[node.start : node.end])
    for field in (
        "2395/UBND-KTTH",
        "Công văn",
        "UBND tỉnh Quảng Ngãi",
        "20/5/2022",
        "Đặng Văn Minh",
        "V/v triển khai",
    ):
        assert field in html, field
    assert "2.2. Ban Quản lý Khu kinh tế Dung Quất" in html  # the heading chain above the point


def test_marked_text_slices_before_escaping_and_clamps_to_the_section() -> None:
    text = "a<b> & c <quote> d"
    q0 = text.index("<quote>")
    html, marked = render.marked_text(text, 0, len(text), (q0, q0 + len("<quote>")))
    assert marked and html == "a&lt;b&gt; &amp; c <mark>&lt;quote&gt;</mark> d"
    html, marked = render.marked_text(text, 0, 5, (3, 50))  # quote runs past the section: clamped
    assert html == "a&lt;b<mark>&gt; </mark>" and marked
    html, marked = render.marked_text(text, 0, 5, (10, 12))  # quote outside: nothing marked
    assert not marked and "<mark>" not in html


def test_hostile_document_renders_as_text(evil: Document) -> None:
    rows = [DocRow(evil.id, evil.cite_number, evil.doc_type, evil.issuer, "2023-03-02", evil.title)]
    pages = [doc_list(rows, "vi"), doc_tree(evil, "vi", active=1), render.doc_meta(evil, "en")]
    for path, _ in evil.iter_sections():
        pages.append(
            render.section_view(evil, nodes_for(evil, path), citation_label(evil, path), "vi", (0, 40))
        )
    a = nodes_for(evil, ["1", "a"])[-1]
    cit = _citation(evil, ["1", "a"], evil.text[a.start : a.end])
    pages.append(render.answer_message(_answer(f"“{cit['quote']}” [1]", [cit]), 0, "vi"))
    pages.append(render.citations_panel(_answer("[1]", [cit]), 0, "vi"))
    pages.extend(
        m["content"] for m in render.chat_messages([{"question": "<script>x</script>", "answer": None}], "vi")
    )
    joined = "\n".join(pages)
    for page in pages:
        assert_inert(page)
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in joined
    assert "&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;" in joined
    assert "[bấm vào đây](javascript:window.pwned=3)" in joined  # markdown stays literal text
    assert "${1+1}" in joined and "{{x}}" in joined


def test_links_percent_encode_their_arguments() -> None:
    assert render.href("doc", "a/b c", 2) == "#rag/doc/a%2Fb%20c/2"
    html = render.link('"><script>', "doc", '"x')
    assert_inert(html)
    assert "&quot;&gt;&lt;script&gt;" in html and "%22x" in html


def test_notices_banner_escapes_and_is_empty_without_notices() -> None:
    assert render.notices_banner([]) == ""
    html = render.notices_banner(["Dense <off>"])
    assert "Dense &lt;off&gt;" in html and "rag-notices" in html
