"""The website chat widget: static files, demo and privacy pages, and the web app serving them."""

from __future__ import annotations

from assistant.web.app import create_app, run
from assistant.web.pages import PAGES, Page, preferred_language

__all__ = ["PAGES", "Page", "create_app", "preferred_language", "run"]
