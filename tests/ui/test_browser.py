"""The UI in headless Chromium (Debian's /usr/bin/chromium driven by playwright): ask, see the
answer and its citations, open a citation and see the quote highlighted in the cited section; a
hostile document stays inert; the language toggle relabels the interface."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.ui.conftest import CONTAINER_Q, EVIL_ID, Server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SCREENSHOT = ROOT / "test-output" / "ui" / "answer-citation.png"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test drives Debian's chromium. "
            "Install it with `apt-get update && apt-get install -y chromium` (scripts/test.sh does this as root)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, ui_server: Server) -> Iterator[Any]:
    """A fresh page (and Gradio session) on the UI; fails the test on an uncaught page error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(ui_server.url + "/")
    pg.wait_for_selector("#question textarea")
    yield pg
    context.close()
    assert not errors, errors


def _ask(pg: Any, question: str) -> None:
    pg.fill("#question textarea", question)
    pg.click("#ask")


def test_answer_with_clickable_citation_and_highlighted_quote(page: Any) -> None:
    from playwright.sync_api import expect

    _ask(page, CONTAINER_Q)
    answer = page.locator("#answer .rag-answer.rag-ok").last
    expect(answer).to_contain_text("Ban Quản lý Khu kinh tế Dung Quất")
    expect(answer).to_contain_text("2395/UBND-KTTH")
    expect(page.locator("#citations")).to_contain_text("[1]")
    expect(page.locator("#citations")).to_contain_text("điểm b mục 2.2 Công văn số 2395/UBND-KTTH")
    # [2] in the citations panel opens the other cited section
    page.click('#citations a[href="#rag/cite/0/2"]')
    expect(page.locator("#section-view")).to_contain_text("39/KH-UBND")
    # [1] inside the answer opens the cited point, its quote highlighted
    answer.locator('a[href="#rag/cite/0/1"]').first.click()
    section = page.locator("#section-view")
    expect(section).to_contain_text("điểm b mục 2.2 Công văn số 2395/UBND-KTTH ngày 20/5/2022")
    expect(section.locator("mark")).to_contain_text("tuyến container")
    for field in ("UBND tỉnh Quảng Ngãi", "20/5/2022", "Đặng Văn Minh", "Công văn"):
        expect(section).to_contain_text(field)
    expect(page.locator("#notices")).to_contain_text("dense")  # dense retrieval and the LLM are off
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


def test_hostile_document_is_shown_as_text(page: Any) -> None:
    from playwright.sync_api import expect

    page.click("#tab-docs-button")
    page.click(f'#doc-list a[href="#rag/doc/{EVIL_ID}"]')
    tree = page.locator("#doc-tree")
    expect(tree).to_contain_text("Nội dung kiểm tra hiển thị")
    view = page.locator("#doc-section")
    for index, text in (
        (2, "<script>window.pwned=1</script>"),
        (3, "[bấm vào đây](javascript:window.pwned=3)"),
    ):
        page.click(f'#doc-tree a[href="#rag/sec/{index}"]')
        expect(view).to_contain_text(text)
    expect(view).to_contain_text("{{x}}")
    assert page.locator("#doc-section script, #doc-section img, #doc-list script").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    page.click("#tab-chat-button")
    _ask(page, "Văn bản có thẻ script và onerror phải hiển thị như chữ?")
    expect(page.locator("#answer .rag-answer").last).to_contain_text("<script>window.pwned=1</script>")
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("#answer script, #answer img").count() == 0


def test_language_toggle_relabels_the_interface(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#ask")).to_have_text("Hỏi")
    page.locator("#lang label", has_text="English").click()
    expect(page.locator("#ask")).to_have_text("Ask")
    expect(page.locator("#tab-docs-button")).to_have_text("Documents")
    expect(page.locator("#notices")).to_contain_text("Dense (semantic) retrieval is off")
