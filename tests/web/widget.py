"""A page object for the chat widget: open it, ask, read the messages, look into its shadow root."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Dialog, Locator, Page, expect

from tests.stack import ROOT, Stack

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"

_SHADOW = "document.querySelector('#berlin-assistant-widget').shadowRoot"
_ANSWERED = f"""(before) => {{
    const root = {_SHADOW};
    return root.querySelectorAll('.bia-msg--bot:not(.bia-welcome)').length > before
        && !root.querySelector('.bia-typing--on');
}}"""


class WidgetPage:
    """One browser page of the demo site with the widget on it.

    Attributes:
        page (Page): the Playwright page.
        stack (Stack): the running assistant the page talks to.
        errors (list[str]): uncaught script errors of the page.
        dialogs (list[str]): messages of alert/confirm/prompt dialogs (an XSS would open one).
    """

    def __init__(self, page: Page, stack: Stack) -> None:
        self.page = page
        self.stack = stack
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # ------------------------------------------------------------------ parts of the widget

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".bia-launcher")

    @property
    def dialog(self) -> Locator:
        return self.page.locator(".bia-dialog")

    @property
    def input(self) -> Locator:
        return self.page.locator("#bia-input")

    @property
    def privacy(self) -> Locator:
        return self.page.locator(".bia-privacy")

    @property
    def log(self) -> Locator:
        return self.page.locator(".bia-log")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".bia-msg--bot:not(.bia-welcome)")

    @property
    def visitor_messages(self) -> Locator:
        return self.page.locator(".bia-msg--visitor")

    @property
    def error(self) -> Locator:
        return self.page.locator(".bia-error")

    # ------------------------------------------------------------------ actions

    def goto(self, path: str) -> None:
        self.page.goto(self.stack.web_url + path)
        expect(self.page.locator(".bia-root")).to_be_attached()

    def open(self) -> None:
        self.launcher.click()
        expect(self.dialog).to_be_visible()

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def ask(self, text: str) -> str:
        """Send `text` and wait for the answer; returns the text of the answer's messages."""
        before = self.bot_messages.count()
        self.send(text)
        self.wait_for_answer(before)
        answer = range(before, self.bot_messages.count())
        return "\n".join(self.bot_messages.nth(i).inner_text() for i in answer)

    def wait_for_answer(self, before: int) -> None:
        self.page.wait_for_function(_ANSWERED, arg=before)

    # ------------------------------------------------------------------ inspection

    def shadow(self, script: str) -> Any:
        """Evaluate `script`, an expression over `root` (the widget's shadow root)."""
        return self.page.evaluate(f"(() => {{ const root = {_SHADOW}; return {script}; }})()")

    def focused(self) -> str:
        """Class names of the focused element inside the widget ('' when focus is elsewhere)."""
        return str(self.shadow("root.activeElement ? root.activeElement.className : ''"))

    def stored(self) -> dict[str, Any]:
        """The widget's sessionStorage state."""
        raw = self.page.evaluate("sessionStorage.getItem('berlin-assistant-widget')")
        return dict(json.loads(raw)) if raw else {}


# What the `new_page` fixture returns: keyword arguments go to `Browser.new_context`.
PageFactory = Callable[..., WidgetPage]
