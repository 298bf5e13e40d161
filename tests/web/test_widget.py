"""The widget in Chromium against the running stack: language, keyboard, XSS, reload, outages."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from playwright.sync_api import Route, expect

from assistant.lang import Lang
from tests.stack import Stack, assert_language
from tests.web.widget import PageFactory, WidgetPage

pytestmark = pytest.mark.slow

XSS_MARK = "window.__xss"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>'
MARKUP_IN_LOG = "root.querySelectorAll('.bia-log img, .bia-log script, .bia-log b').length"


@pytest.mark.parametrize(
    ("path", "lang", "question", "cities", "ui"),
    [
        (
            "/de/",
            "de",
            "Welche Partnerstädte hat Berlin?",
            "Partnerstädte",
            {
                "launcher": "Chat mit dem Assistenten öffnen",
                "input": "Ihre Frage",
                "send": "Senden",
                "privacy": "Datenschutzerklärung",
                "privacy_path": "/de/datenschutz/",
            },
        ),
        (
            "/en/",
            "en",
            "Which partner cities does Berlin have?",
            "partner cities",
            {
                "launcher": "Open chat with the assistant",
                "input": "Your question",
                "send": "Send",
                "privacy": "Privacy notice",
                "privacy_path": "/en/privacy/",
            },
        ),
    ],
)
def test_page_question_gets_an_answer_in_the_page_language(
    widget: WidgetPage, path: str, lang: Lang, question: str, cities: str, ui: dict[str, str]
) -> None:
    widget.goto(path)
    page = widget.page
    expect(page.get_by_role("button", name=ui["launcher"])).to_be_visible()
    widget.open()
    expect(page.get_by_role("dialog")).to_have_attribute("lang", lang)
    expect(page.get_by_label(ui["input"], exact=True)).to_be_focused()
    expect(page.get_by_role("button", name=ui["send"])).to_be_visible()
    # The privacy note comes before the first message, with a link to the privacy page.
    expect(widget.privacy).to_be_visible()
    link = widget.privacy.get_by_role("link", name=ui["privacy"])
    expect(link).to_have_attribute("href", widget.stack.web_url + ui["privacy_path"])
    expect(widget.log).to_have_attribute("role", "log")

    answer = widget.ask(question)

    assert_language(answer, lang)
    k = widget.stack.knowledge()
    assert f"{len(k.partner_cities)} {cities}" in answer, answer
    assert all(city.name(lang) in answer for city in k.partner_cities), answer
    expect(widget.visitor_messages.last).to_have_attribute("lang", lang)
    expect(widget.bot_messages.last).to_have_attribute("lang", lang)
    # Line breaks are kept and web addresses become links.
    assert "\n• " in widget.bot_messages.last.inner_text()
    source = widget.bot_messages.last.locator("a[href^='https://www.berlin.de/']")
    expect(source).to_have_count(1)
    expect(source).to_have_attribute("target", "_blank")


def test_widget_texts_switch_with_the_conversation_language(widget: WidgetPage) -> None:
    widget.goto("/de/")
    widget.open()
    expect(widget.page.get_by_label("Ihre Frage", exact=True)).to_be_visible()
    assert_language(widget.ask("Which partner cities does Berlin have?"), "en")
    expect(widget.bot_messages.last).to_have_attribute("lang", "en")
    expect(widget.visitor_messages.last).to_have_attribute("lang", "en")
    expect(widget.page.get_by_label("Your question", exact=True)).to_be_visible()
    expect(widget.page.get_by_role("button", name="New conversation")).to_be_visible()
    assert_language(widget.ask("Please answer in German"), "de")
    expect(widget.page.get_by_label("Ihre Frage", exact=True)).to_be_visible()
    expect(widget.bot_messages.last).to_have_attribute("lang", "de")
    # Earlier messages keep the language they were written in.
    expect(widget.bot_messages.first).to_have_attribute("lang", "en")


def test_keyboard_only_from_launcher_to_answer_to_escape(widget: WidgetPage) -> None:
    widget.goto("/en/")
    page = widget.page
    for _ in range(40):
        page.keyboard.press("Tab")
        if "bia-launcher" in widget.focused():
            break
    assert "bia-launcher" in widget.focused(), "Tab never reached the launcher"
    outline = widget.shadow("getComputedStyle(root.activeElement).outlineStyle")
    assert outline == "solid", "focused launcher shows no focus outline"

    page.keyboard.press("Enter")
    expect(widget.dialog).to_be_visible()
    assert "bia-input" in widget.focused()
    before = widget.bot_messages.count()
    page.keyboard.type("Hello")
    page.keyboard.press("Enter")
    widget.wait_for_answer(before)
    expect(page.get_by_role("button", name="Partner cities")).to_be_visible()

    # Back from the input to the suggestion buttons, choose one with the keyboard.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if "bia-suggestion" in widget.focused():
            break
    assert "bia-suggestion" in widget.focused()
    chosen = widget.shadow("root.activeElement.textContent")
    before = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_for_answer(before)
    expect(widget.visitor_messages.last).to_have_text(f"You: {chosen}")

    page.keyboard.press("Escape")
    expect(widget.dialog).to_be_hidden()
    assert "bia-launcher" in widget.focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


def test_xss_typed_by_the_visitor_is_shown_as_text(new_page: PageFactory) -> None:
    # The demo pages' Content-Security-Policy would block inline handlers anyway; switched off
    # here, so that only the widget's own rendering stands between a payload and its execution.
    widget = new_page(bypass_csp=True)
    widget.goto("/en/")
    widget.open()
    widget.ask(XSS)
    expect(widget.visitor_messages.last).to_contain_text(XSS)
    assert widget.shadow(MARKUP_IN_LOG) == 0
    assert widget.page.evaluate(XSS_MARK) is None
    assert widget.dialogs == []


def test_xss_in_a_reply_is_shown_as_text(new_page: PageFactory) -> None:
    widget = new_page(bypass_csp=True)
    payloads = [
        XSS,
        '<a href="javascript:window.__xss=3">click</a> javascript:window.__xss=4',
        'https://example.org/"><img src=x onerror="window.__xss=5">',
    ]

    def poison(route: Route) -> None:
        response = route.fetch()
        reply = response.json()
        reply["messages"] = [{"text": text, "lang": "en"} for text in payloads] + [
            {
                "text": "Choose:",
                "lang": "en",
                "buttons": [{"title": '<img src=x onerror="window.__xss=6">', "payload": "/greet"}],
            }
        ]
        route.fulfill(response=response, body=json.dumps(reply))

    widget.page.route(f"{widget.stack.url}/webhooks/webchat/webhook", poison)
    widget.goto("/en/")
    widget.open()
    widget.ask("Hello")

    expect(widget.bot_messages.nth(0)).to_contain_text(XSS)
    expect(widget.bot_messages.nth(1)).to_contain_text(payloads[1])
    expect(widget.bot_messages.nth(2)).to_contain_text('"><img src=x onerror="window.__xss=5">')
    button = widget.page.get_by_role("button", name='<img src=x onerror="window.__xss=6">')
    expect(button).to_be_visible()
    assert widget.shadow(MARKUP_IN_LOG) == 0
    assert widget.shadow("[...root.querySelectorAll('.bia-log a')].map(a => a.href)") == [
        "https://example.org/"
    ]
    assert widget.page.evaluate(XSS_MARK) is None
    assert widget.dialogs == []


def test_reload_keeps_the_conversation_and_new_conversation_starts_fresh(
    widget: WidgetPage,
) -> None:
    widget.goto("/en/")
    widget.open()
    madrid = widget.stack.knowledge().partner("madrid")
    assert madrid is not None
    answer = widget.ask("Tell me about Madrid")
    assert_language(answer, "en")  # "Madrid" alone reads the same in both languages
    assert madrid.name("en") in answer and str(madrid.since.year) in answer, answer
    session = widget.stored()["sessionId"]
    widget.input.fill("half-typed question")

    widget.page.reload()
    expect(widget.dialog).to_be_visible()
    expect(widget.visitor_messages.first).to_contain_text("Tell me about Madrid")
    expect(widget.input).to_have_value("half-typed question")
    assert widget.stored()["sessionId"] == session
    # The server side continues the same conversation: the follow-up knows the city.
    answer = widget.ask("and since when?")
    assert_language(answer, "en")
    assert madrid.name("en") in answer and str(madrid.since.year) in answer, answer

    widget.page.get_by_role("button", name="New conversation").click()
    expect(widget.bot_messages).to_have_count(0)
    expect(widget.visitor_messages).to_have_count(0)
    expect(widget.privacy).to_be_visible()
    assert widget.stored()["sessionId"] != session
    widget.page.reload()
    expect(widget.dialog).to_be_visible()
    expect(widget.bot_messages).to_have_count(0)


def test_feedback_is_stored_with_the_conversation(widget: WidgetPage, stack: Stack) -> None:
    widget.goto("/de/")
    widget.open()
    widget.ask("Wer darf sich ins Goldene Buch eintragen?")
    answer = widget.bot_messages.last
    helpful = answer.get_by_role("button", name="Hilfreich", exact=True)
    helpful.click()
    expect(answer.get_by_role("status")).to_have_text("Danke für Ihre Rückmeldung.")
    expect(helpful).to_have_attribute("aria-pressed", "true")
    not_helpful = answer.get_by_role("button", name="Nicht hilfreich")
    expect(not_helpful).to_have_attribute("aria-pressed", "false")

    sender = widget.stored()["sessionId"]
    with sqlite3.connect(stack.db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)
        ).fetchall()
    feedback = [json.loads(data) for (data,) in rows if json.loads(data)["name"] == "feedback"]
    assert len(feedback) == 1
    value = feedback[0]["value"]
    assert value["rating"] == "up"
    assert "Goldene Buch" in value["message"]
    assert_language(value["message"], "de")
    assert value["timestamp"] >= value["message_timestamp"]


def test_thumbs_rate_the_message_they_sit_under(widget: WidgetPage, stack: Stack) -> None:
    widget.goto("/en/")
    widget.open()
    before = widget.bot_messages.count()
    widget.ask("Is Vienna a partner city and who do I contact about a visit?")
    answer = [widget.bot_messages.nth(i) for i in range(before, widget.bot_messages.count())]
    assert len(answer) >= 2, "a compound question is answered in one message per question"
    for message in answer[:-1]:
        expect(message.locator(".bia-feedback")).to_have_count(0)
    last = answer[-1]
    last.get_by_role("button", name="Not helpful").click()
    expect(last.get_by_role("status")).to_have_text("Thank you for your feedback.")

    sender = widget.stored()["sessionId"]
    with sqlite3.connect(stack.db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)
        ).fetchall()
    [rated] = [json.loads(d)["value"] for (d,) in rows if json.loads(d)["name"] == "feedback"]
    assert rated["rating"] == "down"
    # The widget's own record of the answer's messages, in the order shown.
    shown = [m for m in widget.stored()["messages"] if m["role"] == "bot"][-len(answer) :]
    assert shown[-1]["feedback"] == "down" and "feedback" not in shown[0]
    assert rated["message"] == shown[-1]["text"].strip() != shown[0]["text"].strip()


def test_slow_server_shows_a_message_and_retry_keeps_the_text(new_page: PageFactory) -> None:
    widget = new_page()
    widget.page.add_init_script("window.BerlinAssistantConfig = {timeout: 1500};")
    hanging: list[Route] = []
    webhook = f"{widget.stack.url}/webhooks/webchat/webhook"
    widget.page.route(webhook, lambda route: hanging.append(route))  # never answered
    widget.goto("/en/")
    widget.open()
    widget.send("How many partner cities does Berlin have?")
    expect(widget.page.get_by_role("status").filter(has_text="typing")).to_be_visible()
    expect(widget.page.get_by_role("alert")).to_contain_text("not answering in time")
    expect(widget.input).to_have_value("How many partner cities does Berlin have?")
    expect(widget.visitor_messages).to_have_count(0)

    widget.page.unroute(webhook)
    widget.page.get_by_role("button", name="Send again").click()
    widget.wait_for_answer(0)
    count = str(len(widget.stack.knowledge().partner_cities))
    expect(widget.bot_messages.last).to_contain_text(count)
    assert_language(widget.bot_messages.last.inner_text(), "en")
    expect(widget.page.get_by_role("alert")).to_have_text("")
    expect(widget.input).to_have_value("")
    assert hanging, "the first request never reached the route"


def test_stopped_server_shows_an_error_and_recovers_after_restart(
    widget: WidgetPage, stack: Stack
) -> None:
    widget.goto("/de/")
    widget.open()
    widget.ask("Hallo")
    assert stack.stop() == 0
    try:
        widget.send("Wie viele Partnerstädte hat Berlin?")
        alert = widget.page.get_by_role("alert")
        expect(alert).to_contain_text("nicht erreichbar")
        expect(widget.input).to_have_value("Wie viele Partnerstädte hat Berlin?")
        expect(widget.page.get_by_role("button", name="Erneut senden")).to_be_visible()
        expect(widget.visitor_messages).to_have_count(1)
    finally:
        stack.start()
    before = widget.bot_messages.count()
    widget.page.get_by_role("button", name="Erneut senden").click()
    widget.wait_for_answer(before)
    count = str(len(stack.knowledge().partner_cities))
    expect(widget.bot_messages.last).to_contain_text(count)
    assert_language(widget.bot_messages.last.inner_text(), "de")
    expect(widget.page.get_by_role("alert")).to_have_text("")
    expect(widget.page.get_by_role("button", name="Erneut senden")).to_be_hidden()


@pytest.mark.parametrize(
    ("attribute", "config", "expected"),
    [("de", None, "de"), ("en", None, "en"), ("en", "de", "de")],
)
def test_widget_falls_back_to_the_default_language_the_page_gives(
    new_page: PageFactory, stack: Stack, attribute: str, config: str | None, expected: str
) -> None:
    # Neither the page (no lang attribute) nor the browser (French) decides the language, so
    # the default the web app writes into the page (ASSISTANT_DEFAULT_LANGUAGE) applies, unless
    # the configuration object names another.
    widget = new_page(locale="fr-FR")
    if config:
        widget.page.add_init_script(
            f"window.BerlinAssistantConfig = {{defaultLanguage: '{config}'}};"
        )

    def altered(route: Route) -> None:
        response = route.fetch()
        body = response.text()
        assert 'data-default-language="' in body
        body = re.sub(r'data-default-language="\w+"', f'data-default-language="{attribute}"', body)
        route.fulfill(response=response, body=body.replace('<html lang="en">', "<html>"))

    widget.page.route(f"{stack.web_url}/en/", altered)
    widget.goto("/en/")
    widget.open()
    expect(widget.dialog).to_have_attribute("lang", expected)


@pytest.mark.parametrize(
    ("path", "question", "notice", "retry"),
    [
        ("/de/", "Wie viele Partnerstädte hat Berlin?", "sehr viele Nachrichten", "Erneut senden"),
        ("/en/", "How many partner cities does Berlin have?", "a lot of messages", "Send again"),
    ],
)
def test_rate_limited_visitor_gets_a_friendly_message_in_their_language(
    new_page: PageFactory, path: str, question: str, notice: str, retry: str
) -> None:
    widget = new_page()
    webhook = f"{widget.stack.url}/webhooks/webchat/webhook"

    def limited(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "3", "Access-Control-Allow-Origin": "*"},
            content_type="application/json",
            body=json.dumps({"error": "too many requests; try again later", "retry_after": 3}),
        )

    widget.page.route(webhook, limited)
    widget.goto(path)
    widget.open()
    widget.send(question)
    expect(widget.page.get_by_role("alert")).to_contain_text(notice)
    expect(widget.input).to_have_value(question)
    widget.page.unroute(webhook)
    widget.page.get_by_role("button", name=retry).click()
    widget.wait_for_answer(0)
    expect(widget.page.get_by_role("alert")).to_have_text("")


def test_an_empty_reply_shows_an_error_and_send_again(new_page: PageFactory) -> None:
    widget = new_page()
    webhook = f"{widget.stack.url}/webhooks/webchat/webhook"

    def empty(route: Route) -> None:
        response = route.fetch()
        reply = {**response.json(), "messages": []}
        route.fulfill(response=response, body=json.dumps(reply))

    widget.page.route(webhook, empty)
    widget.goto("/de/")
    widget.open()
    widget.send("Wie viele Partnerstädte hat Berlin?")
    expect(widget.page.get_by_role("alert")).to_contain_text("Fehler")
    expect(widget.input).to_have_value("Wie viele Partnerstädte hat Berlin?")
    expect(widget.visitor_messages).to_have_count(0)
    widget.page.unroute(webhook)
    widget.page.get_by_role("button", name="Erneut senden").click()
    widget.wait_for_answer(0)
    count = str(len(widget.stack.knowledge().partner_cities))
    expect(widget.bot_messages.last).to_contain_text(count)
    expect(widget.page.get_by_role("alert")).to_have_text("")
