"""Page templates and language negotiation of the widget's demo site."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from assistant.lang import Lang
from assistant.web.pages import PAGES, PAGES_DIR, Page, PageRenderer, alternate, preferred_language


def test_both_languages_have_the_same_templates() -> None:
    de = sorted(p.name for p in (PAGES_DIR / "de").iterdir())
    en = sorted(p.name for p in (PAGES_DIR / "en").iterdir())
    assert de == en
    assert {page.template for page in PAGES} <= set(de)
    assert {page.lang for page in PAGES} == {"de", "en"}


def test_renderer_refuses_a_template_with_an_unknown_placeholder(tmp_path: Path) -> None:
    for lang in ("de", "en"):
        (tmp_path / lang).mkdir()
        for name in ("index.html", "privacy.html"):
            (tmp_path / lang / name).write_text(
                "<p>{{ server_url }} {{ unknown }}</p>", encoding="utf-8"
            )
    with pytest.raises(UndefinedError, match="unknown"):
        PageRenderer({"server_url": "x", "retention_days": "1"}, pages_dir=tmp_path)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.path)
def test_every_page_has_the_shared_layout_in_its_language(page: Page) -> None:
    values = {"server_url": "https://x.example", "retention_days": "1", "default_language": "de"}
    html = PageRenderer(values).render(page)
    other = alternate(page)
    assert html.startswith(f'<!DOCTYPE html>\n<html lang="{page.lang}">')
    assert f'<link rel="alternate" hreflang="{other.lang}" href="{other.path}">' in html
    assert html.count(f'href="{other.path}" hreflang="{other.lang}" lang="{other.lang}"') == 2
    assert '<script src="/static/widget.js" data-server="https://x.example"' in html
    assert "{{" not in html and "{%" not in html


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("de-AT", "de"),
        ("fr-FR,fr;q=0.9,en;q=0.5,de;q=0.7", "de"),
        ("en;q=0,de;q=0.1", "de"),
        ("en;q=bad,de", "de"),
    ],
)
@pytest.mark.parametrize("default", ["de", "en"])
def test_preferred_language_follows_quality_values(
    header: str | None, expected: str, default: Lang
) -> None:
    assert preferred_language(header, default) == expected


@pytest.mark.parametrize("header", ["ja", "*", "", None, "en;q=0"])
@pytest.mark.parametrize("default", ["de", "en"])
def test_preferred_language_falls_back_to_the_default(header: str | None, default: Lang) -> None:
    assert preferred_language(header, default) == default
