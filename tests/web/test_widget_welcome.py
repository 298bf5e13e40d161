"""The widget's greeting and starter buttons, links that break at slashes, phone links, Escape."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assistant.lang import Lang
from tests.stack import assert_language
from tests.web.widget import WidgetPage

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("path", "lang", "starter", "greeting"),
    [("/de/", "de", "Partnerstädte", "Guten Tag!"), ("/en/", "en", "Partner cities", "Hello!")],
)
def test_opens_with_a_greeting_and_starters_in_the_page_language(
    widget: WidgetPage, path: str, lang: Lang, starter: str, greeting: str
) -> None:
    widget.goto(path)
    widget.open()
    welcome = widget.page.locator(".bia-welcome")
    expect(welcome).to_have_attribute("lang", lang)
    expect(welcome).to_contain_text(greeting)
    assert widget.page.locator(".bia-welcome .bia-suggestion").count() == 4
    # Nothing is sent or stored before the visitor acts.
    assert widget.stored().get("messages", []) == []

    before = widget.bot_messages.count()
    widget.page.get_by_role("button", name=starter).click()
    widget.wait_for_answer(before)
    answer = widget.bot_messages.last.inner_text()
    assert_language(answer, lang)
    k = widget.stack.knowledge()
    assert all(city.name(lang) in answer for city in k.partner_cities), answer
    expect(widget.page.locator(".bia-welcome .bia-suggestion")).to_have_count(0)


def test_long_links_break_at_slashes_and_phone_numbers_can_be_called(widget: WidgetPage) -> None:
    widget.goto("/en/")
    widget.open()
    widget.ask("How can I contact the Senate Chancellery?")
    last = widget.bot_messages.last
    phone = widget.stack.knowledge().contact.phone
    digits = "".join(c for c in phone if c.isdigit())
    expect(last.locator(f"a[href='tel:+{digits}']")).to_contain_text(phone)
    source = last.locator("a[href^='https://']").last
    # A break opportunity after every slash of the address, and none inside words.
    assert source.evaluate("a => a.querySelectorAll('wbr').length") >= 3
    assert source.evaluate("a => getComputedStyle(a).overflowWrap") == "normal"


def test_escape_closes_the_dialog_after_a_suggestion_was_used(widget: WidgetPage) -> None:
    widget.goto("/en/")
    widget.open()
    before = widget.bot_messages.count()
    widget.page.get_by_role("button", name="Contact").click()
    widget.wait_for_answer(before)
    widget.page.keyboard.press("Escape")
    expect(widget.dialog).to_be_hidden()
    expect(widget.launcher).to_be_focused()
