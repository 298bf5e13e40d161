"""Accessibility of the widget on both demo pages: axe-core scan, phone width, zoom, motion."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assistant.lang import Lang
from tests.stack import assert_language
from tests.web.widget import AXE, SCREENSHOTS, PageFactory, WidgetPage

pytestmark = pytest.mark.slow

QUESTIONS = {
    "de": "Welche Partnerstädte hat Berlin?",
    "en": "Which partner cities does Berlin have?",
}
GREETINGS = {"de": "Hallo", "en": "Hello"}
GOLDEN_BOOK = {
    "de": "Wer darf sich ins Goldene Buch eintragen?",
    "en": "Who may sign the Golden Book?",
}
WCAG_AND_BEST_PRACTICE = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def run_axe(widget: WidgetPage) -> list[dict[str, object]]:
    """Serious and critical axe-core violations (WCAG 2.0/2.1 A and AA rules) of the page."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does this)")
    widget.page.evaluate(AXE.read_text(encoding="utf-8"))
    results = widget.page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        WCAG_AND_BEST_PRACTICE,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_demo_page_with_the_open_widget_has_no_serious_axe_violations(
    widget: WidgetPage, lang: Lang
) -> None:
    widget.goto(f"/{lang}/")
    widget.open()
    assert_language(widget.ask(QUESTIONS[lang]), lang)  # links and line breaks
    assert_language(widget.ask(GREETINGS[lang]), lang)  # suggestion buttons
    helpful = widget.bot_messages.first.locator(".bia-rate--up")
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    assert run_axe(widget) == []
    assert_language(widget.ask(GOLDEN_BOOK[lang]), lang)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.page.screenshot(path=SCREENSHOTS / f"widget-{lang}.png")


@pytest.mark.parametrize(
    ("viewport", "name"),
    [({"width": 360, "height": 740}, "phone"), ({"width": 640, "height": 400}, "zoom-200")],
)
def test_widget_fits_a_phone_screen_and_200_percent_zoom(
    new_page: PageFactory, viewport: dict[str, int], name: str
) -> None:
    # 200 % browser zoom of a 1280 x 800 window leaves a 640 x 400 CSS-pixel viewport.
    widget = new_page(viewport=viewport)
    widget.goto("/de/")
    box = widget.launcher.bounding_box()
    assert box is not None and box["x"] + box["width"] <= viewport["width"]
    widget.open()
    widget.ask(QUESTIONS["de"])
    # Measure the dialog where it stays, not during its opening animation (seen under load).
    widget.page.wait_for_function(
        "() => document.querySelector('#berlin-assistant-widget').shadowRoot"
        ".querySelector('.bia-dialog').getAnimations().length === 0"
    )
    for part in (
        widget.dialog,
        widget.input,
        widget.page.get_by_role("button", name="Senden"),
        widget.page.get_by_role("button", name="Chat schließen"),
    ):
        expect(part).to_be_in_viewport()
        box = part.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], name
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], name
    assert widget.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert widget.shadow(
        "root.querySelector('.bia-body').scrollWidth <= root.querySelector('.bia-body').clientWidth"
    )
    assert run_axe(widget) == []


@pytest.mark.parametrize(("motion", "animated"), [("reduce", False), ("no-preference", True)])
def test_widget_respects_reduced_motion(new_page: PageFactory, motion: str, animated: bool) -> None:
    widget = new_page(reduced_motion=motion)
    widget.goto("/en/")
    widget.open()
    animation = widget.shadow("getComputedStyle(root.querySelector('.bia-dialog')).animationName")
    assert (animation != "none") is animated
