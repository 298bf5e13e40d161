"""Static checks of the widget's script: no HTML sinks, the same texts in German and English."""

from __future__ import annotations

import re

import pytest

from assistant.web.app import STATIC_DIR

WIDGET = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "sink",
    ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"],
)
def test_widget_uses_no_html_sink(sink: str) -> None:
    # Server and visitor text must only ever reach the page through textContent.
    assert sink not in WIDGET


def _texts(lang: str) -> set[str]:
    block = re.search(rf"\n    {lang}: \{{\n(.*?)\n    \}}", WIDGET, re.S)
    assert block, f"no {lang} texts in widget.js"
    return set(re.findall(r"^      (\w+):", block.group(1), re.M))


def test_widget_has_every_text_in_both_languages() -> None:
    assert _texts("de") == _texts("en")
    assert len(_texts("de")) > 20
