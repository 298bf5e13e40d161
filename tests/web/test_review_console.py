"""The review console in a real browser (Debian's Chromium): sign in, filter, open a
conversation, correct an intent, export, look at the overview; axe-core on every page; the
README's screenshots."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from assistant.review import open_database
from assistant.review.accounts import add_user
from tests.assistant.review.visitors import fill
from tests.stack import Stack
from tests.web.widget import AXE, SCREENSHOTS

pytestmark = pytest.mark.slow
PASSWORD = "a browser test password"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def serious_violations(page: Page) -> list[dict[str, object]]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does this)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
        })""",
        WCAG,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def console_page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors


def test_reviewer_filters_corrects_exports_and_sees_the_overview(
    console_page: Page, stack: Stack
) -> None:
    senders = fill(stack)
    name = f"rev{uuid.uuid4().hex[:8]}"
    engine = open_database(stack.endpoints)
    with engine.begin() as conn:
        add_user(conn, name, "reviewer", PASSWORD)
    engine.dispose()
    page = console_page

    page.goto(f"{stack.review_url}/conversations?lang=en")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert serious_violations(page) == []
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations", exact=True)).to_be_visible()

    # Filter: German conversations, then only those with a thumbs down.
    page.get_by_label("Language", exact=True).select_option("de")
    page.get_by_role("button", name="Apply filters").click()
    row_link = page.locator(f'a[href="/conversation?id={senders["web_de"]}"]')
    expect(row_link).to_be_visible()
    expect(page.locator(f'a[href="/conversation?id={senders["web_en"]}"]')).to_have_count(0)
    page.get_by_label("Thumbs down").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"language=de.*thumbs_down=1"))
    expect(row_link).to_be_visible()
    expect(page.locator(f'a[href="/conversation?id={senders["rest_de"]}"]')).to_have_count(0)
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "review-list.png", full_page=False)

    # CSV export of the filtered list.
    with page.expect_download() as download:
        page.get_by_role("link", name="List as CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert senders["web_de"] in {r["conversation"] for r in rows}
    assert all(r["language"] == "de" and int(r["thumbs_down"]) > 0 for r in rows)

    # The conversation; correct the intent of its second message.
    row_link.click()
    expect(page.get_by_text("Ist Paris eine Partnerstadt?")).to_be_visible()
    assert serious_violations(page) == []
    second = page.locator("li.turn").nth(1)
    second.get_by_text("Correct the intent").click()
    second.get_by_label("Intent").select_option("ask_partner_since")
    second.get_by_label("City (as written, optional)").fill("Paris")
    second.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("li.turn").nth(1).get_by_text("Corrected to")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "review-conversation.png", full_page=False)

    # NLU YAML of the corrections.
    page.get_by_role("link", name="Back to the list").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Corrections as NLU YAML").click()
    exported = download.value.path().read_text(encoding="utf-8")
    assert "intent: ask_partner_since" in exported
    assert "Ist [Paris](city) eine Partnerstadt?" in exported

    # The overview's charts.
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name="Conversations per day")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(6)
    expect(page.get_by_role("heading", name="Unanswered questions of the week")).to_be_visible()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "review-overview.png", full_page=True)

    # The same console in German.
    page.get_by_role("link", name="Deutsch").click()
    expect(page.get_by_role("heading", name="Gespräche pro Tag")).to_be_visible()
    assert serious_violations(page) == []
