"""The widget's web app on a loopback test server: redirects, pages, static files, headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.lang import Lang
from assistant.settings import Settings
from assistant.web import PAGES, Page, create_app

SETTINGS = Settings(widget_server_url="https://assistant.example.org", retention_days=30)
NO_ENV_FILE = Path("/nonexistent/.env")


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(SETTINGS))) as test_client:
        yield test_client


@pytest.mark.parametrize("default", ["de", "en"])
@pytest.mark.parametrize(
    ("accept_language", "target"),
    [
        ("en-GB,en;q=0.9", "/en/"),
        ("de-DE,de;q=0.9,en;q=0.8", "/de/"),
        ("fr-FR", None),
        ("", None),
    ],
)
async def test_home_redirects_to_the_visitors_or_the_default_language(
    default: Lang, accept_language: str, target: str | None
) -> None:
    settings = Settings.from_env({"ASSISTANT_DEFAULT_LANGUAGE": default}, env_file=NO_ENV_FILE)
    async with TestClient(TestServer(create_app(settings))) as test_client:
        response = await test_client.get(
            "/", headers={"Accept-Language": accept_language}, allow_redirects=False
        )
    assert response.status == 302
    assert response.headers["Location"] == (target or f"/{default}/")
    assert response.headers["Vary"] == "Accept-Language"


@pytest.mark.parametrize("default", ["de", "en"])
async def test_pages_give_the_widget_the_default_language(default: Lang) -> None:
    settings = Settings.from_env({"ASSISTANT_DEFAULT_LANGUAGE": default}, env_file=NO_ENV_FILE)
    async with TestClient(TestServer(create_app(settings))) as test_client:
        for page in PAGES:
            html = await (await test_client.get(page.path)).text()
            assert f'data-default-language="{default}"' in html


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.path)
async def test_pages_embed_the_widget_in_their_language(client: TestClient, page: Page) -> None:
    response = await client.get(page.path)
    assert response.status == 200
    html = await response.text()
    assert f'<html lang="{page.lang}">' in html
    assert 'src="/static/widget.js" data-server="https://assistant.example.org"' in html
    assert response.headers["Content-Language"] == page.lang
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src https://assistant.example.org;" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "days"), [("/de/datenschutz/", "30 Tagen"), ("/en/privacy/", "30 days")]
)
async def test_privacy_pages_state_the_retention_period(
    client: TestClient, path: str, days: str
) -> None:
    assert days in await (await client.get(path)).text()


async def test_a_path_without_slash_is_redirected(client: TestClient) -> None:
    response = await client.get("/en", allow_redirects=False)
    assert response.status in (301, 308)
    assert response.headers["Location"] == "/en/"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/static/widget.js", "text/javascript"), ("/static/widget.css", "text/css")],
)
async def test_widget_files_are_served_for_embedding(
    client: TestClient, path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


async def test_health_and_unknown_paths(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/nope/")).status == 404


async def raw_get(client: TestClient, target: str) -> tuple[int, bytes]:
    """GET `target` exactly as written: HTTP clients would resolve `..` before sending it."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    status_line, _, _ = answer.partition(b"\r\n")
    return int(status_line.split()[1]), answer


@pytest.mark.parametrize(
    "target",
    [
        "/static/../app.py",
        "/static/../../../pyproject.toml",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static//work/../app.py",
    ],
)
async def test_paths_out_of_the_static_folder_are_refused(client: TestClient, target: str) -> None:
    status, answer = await raw_get(client, target)
    assert 400 <= status < 500, answer[:200]
    assert b"def create_app" not in answer and b"[build-system]" not in answer


async def test_the_raw_request_helper_reaches_static_files(client: TestClient) -> None:
    # Without this, a broken helper would make the traversal test pass for the wrong reason.
    status, answer = await raw_get(client, "/static/widget.js")
    assert status == 200 and b"BerlinAssistantConfig" in answer


async def test_configured_values_are_escaped_in_pages() -> None:
    odd = Settings(widget_server_url='https://x.example/"><script>alert(1)</script>')
    async with TestClient(TestServer(create_app(odd))) as test_client:
        html = await (await test_client.get("/en/")).text()
    assert "<script>alert(1)</script>" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
