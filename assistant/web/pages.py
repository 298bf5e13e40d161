"""The demo and privacy pages in German and English, rendered from parallel templates."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template

from assistant.lang import LANGUAGES, Lang, normalise

PAGES_DIR = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class Page:
    """One page of the demo site.

    Attributes:
        path (str): URL path the web app serves it at.
        lang (Lang): language of the page; its template lives in `pages/<lang>/`.
        template (str): file name of the template, the same in both language folders.
    """

    path: str
    lang: Lang
    template: str


PAGES: tuple[Page, ...] = (
    Page("/de/", "de", "index.html"),
    Page("/en/", "en", "index.html"),
    Page("/de/datenschutz/", "de", "privacy.html"),
    Page("/en/privacy/", "en", "privacy.html"),
)


class PageRenderer:
    """Loads every page template once and fills in the site's values (HTML-escaped).

    Args:
        values (Mapping[str, str]): `$name` placeholders of the templates and their values.
        pages_dir (Path): folder with one subfolder per language.

    Raises:
        KeyError: a template uses a placeholder that `values` does not define (at start-up,
            not on the first request).
    """

    def __init__(self, values: Mapping[str, str], pages_dir: Path = PAGES_DIR) -> None:
        escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
        self._html = {
            page: Template(
                (pages_dir / page.lang / page.template).read_text(encoding="utf-8")
            ).substitute(escaped)
            for page in PAGES
        }

    def render(self, page: Page) -> str:
        """The finished HTML of `page`."""
        return self._html[page]


def preferred_language(accept_language: str | None, default: Lang = "de") -> Lang:
    """The first supported language of an `Accept-Language` header, by quality.

    Args:
        accept_language: the header value, e.g. "en-GB,en;q=0.9,de;q=0.8".
        default: used when the header names no supported language.
    """
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        code, _, params = part.strip().partition(";")
        lang = normalise(code)
        if lang not in LANGUAGES:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality > 0 and lang is not None:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else default
