"""Fixtures for the widget's browser tests: Debian's Chromium via Playwright (the running
stack is the session's `stack` fixture, tests/conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.stack import Stack
from tests.web.widget import PageFactory, WidgetPage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Anything the browser tries to load from outside loopback is refused.
_NOT_LOOPBACK = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])[:/])[a-z]+://"
)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does this)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser, stack: Stack) -> Iterator[PageFactory]:
    """Opens pages in fresh browser contexts (own sessionStorage); closes them afterwards.

    Keyword arguments go to `Browser.new_context` (viewport, reduced_motion, bypass_csp, ...).
    Uncaught script errors fail the test.
    """
    opened: list[WidgetPage] = []

    def make(**options: Any) -> WidgetPage:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        context.route(_NOT_LOOPBACK, lambda route: route.abort())
        page: Page = context.new_page()
        widget = WidgetPage(page, stack)
        opened.append(widget)
        return widget

    yield make
    errors = [error for widget in opened for error in widget.errors]
    for widget in opened:
        widget.page.context.close()
    assert not errors, f"script errors in the page: {errors}"


@pytest.fixture
def widget(new_page: PageFactory) -> WidgetPage:
    return new_page()
