"""The aiohttp web app: demo and privacy pages plus the widget's static files, with safe headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from assistant.settings import Settings
from assistant.web.pages import PAGES, Page, PageRenderer, preferred_language

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
_PAGE_PATHS = {page.path: page for page in PAGES}
_HOME = {"de": "/de/", "en": "/en/"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def content_security_policy(server_url: str) -> str:
    """A strict policy for the demo pages: scripts and styles only from the site itself,
    requests only to the Rasa server. It shows that the widget needs no inline code.
    """
    parts = urlsplit(server_url)
    server_origin = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {server_origin}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def create_app(settings: Settings) -> web.Application:
    """Build the web app.

    Args:
        settings: `widget_server_url` (where the visitor's browser reaches the Rasa server),
            `retention_days` (stated in the privacy texts) and `default_language` (for `/` and
            the widget) are used.
    """
    renderer = PageRenderer(
        {
            "server_url": settings.widget_server_url,
            "retention_days": str(settings.retention_days),
            "default_language": settings.default_language,
        }
    )
    csp = content_security_policy(settings.widget_server_url)

    async def home(request: web.Request) -> web.StreamResponse:
        lang = preferred_language(request.headers.get("Accept-Language"), settings.default_language)
        raise web.HTTPFound(_HOME[lang], headers={"Vary": "Accept-Language"})

    async def page(request: web.Request) -> web.StreamResponse:
        shown: Page = _PAGE_PATHS[request.path]
        return web.Response(
            text=renderer.render(shown),
            content_type="text/html",
            charset="utf-8",
            headers={"Content-Security-Policy": csp, "Content-Language": shown.lang},
        )

    async def health(request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok"})

    app = web.Application(
        middlewares=[web.normalize_path_middleware(append_slash=True), _safe_headers]
    )
    app.router.add_get("/", home)
    for known in PAGES:
        app.router.add_get(known.path, page)
    app.router.add_get("/healthz", health)
    app.router.add_static("/static/", STATIC_DIR, show_index=False, append_version=False)
    return app


@web.middleware
async def _safe_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/static/"):
        # Revalidate on every load (ETag / Last-Modified), and let other sites embed the files.
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def run(settings: Settings, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Serve the web app until SIGINT or SIGTERM.

    Args:
        settings: the assistant's settings.
        host: interface to listen on (loopback by default; put a reverse proxy in front).
        port: port to listen on; default `settings.web_port`.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    port = port or settings.web_port
    logger.info(
        "Chat widget demo pages on http://%s:%s/ (Rasa server: %s)",
        host,
        port,
        settings.widget_server_url,
    )
    web.run_app(create_app(settings), host=host, port=port, print=None)
