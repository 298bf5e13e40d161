"""The demo and privacy pages in German and English: parallel templates in one page layout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

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
    """Renders every page once, from its template in `pages/<lang>/` and the shared shell
    `pages/layout.html` (Jinja2, HTML-escaped values).

    Args:
        values (Mapping[str, str]): the site's values for the templates (`server_url`,
            `retention_days`, `default_language`).
        pages_dir (Path): folder with `layout.html` and one subfolder per language.

    Raises:
        jinja2.UndefinedError: a template uses a value that `values` does not define (at
            start-up, not on the first request).
    """

    def __init__(self, values: Mapping[str, str], pages_dir: Path = PAGES_DIR) -> None:
        environment = Environment(
            loader=FileSystemLoader(pages_dir),
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
        )
        self._html = {
            page: environment.get_template(f"{page.lang}/{page.template}").render(
                **values, lang=page.lang, alternate=alternate(page)
            )
            for page in PAGES
        }

    def render(self, page: Page) -> str:
        """The finished HTML of `page`."""
        return self._html[page]


def alternate(page: Page) -> Page:
    """The same page in the other language."""
    return next(p for p in PAGES if p.template == page.template and p.lang != page.lang)


def preferred_language(accept_language: str | None, default: Lang) -> Lang:
    """The first supported language of an `Accept-Language` header, by quality.

    Args:
        accept_language: the header value, e.g. "en-GB,en;q=0.9,de;q=0.8".
        default: used when the header names no supported language (the settings'
            `default_language`).
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
