"""The console's guards: sign-in everywhere, CSRF, roles, the sign-in limit, safe output."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.review import open_database
from assistant.review.accounts import end_sessions, reset_password, set_role
from assistant.review.app import COOKIE
from assistant.review.schema import sessions
from tests.assistant.review.conftest import PASSWORD, Console, ConsoleFactory, csrf_of

PAGES = [
    "/",
    "/conversations",
    "/conversation?id=x",
    "/overview",
    "/users",
    "/conversation/story.yml?id=x",
]
EXPORTS = ["/export/conversations.csv", "/export/conversations.jsonl", "/export/nlu.yml"]
ACTIONS = [
    "/conversation/tag",
    "/conversation/untag",
    "/conversation/status",
    "/conversation/note",
    "/conversation/correct",
    "/conversation/uncorrect",
    "/conversation/delete",
    "/users/remove",
    "/users/sign-out",
    "/logout",
]


@pytest.mark.parametrize("path", PAGES)
async def test_page_without_sign_in_redirects_to_the_sign_in(
    console_for: ConsoleFactory, path: str
) -> None:
    console = await console_for(sign_in=None)
    response = await console.client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", EXPORTS)
async def test_export_without_sign_in_is_401(console_for: ConsoleFactory, path: str) -> None:
    console = await console_for(sign_in=None)
    response = await console.client.get(path, allow_redirects=False)
    assert response.status == 401


@pytest.mark.parametrize("path", [p for p in ACTIONS if p != "/logout"])
async def test_action_without_sign_in_is_401_even_with_a_token(
    console_for: ConsoleFactory, path: str
) -> None:
    console = await console_for(sign_in=None)
    page = await console.client.get("/login")
    console.csrf = csrf_of(await page.text())
    response = await console.post(path, id="x", tag="t", status="reviewed", body="b")
    assert response.status == 401


@pytest.mark.parametrize("path", ACTIONS)
@pytest.mark.parametrize("token", [None, "", "wrong-token"])
async def test_action_with_a_missing_or_wrong_csrf_token_is_403(
    console_for: ConsoleFactory, path: str, token: str | None
) -> None:
    console = await console_for(sign_in="admin")
    data = {"id": "x", "tag": "t", "status": "reviewed", "body": "b", "name": "reviewer"}
    if token is not None:
        data["csrf_token"] = token
    response = await console.client.post(path, data=data, allow_redirects=False)
    assert response.status == 403


async def test_sign_in_needs_the_csrf_token(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in=None)
    response = await console.client.post(
        "/login", data={"name": "admin", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 403


async def test_session_cookie_is_httponly_strict_and_expires(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in=None)
    page = await console.client.get("/login")
    response = await console.client.post(
        "/login",
        data={"csrf_token": csrf_of(await page.text()), "name": "reviewer", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Max-Age=28800" in cookie


async def test_sign_out_ends_the_session(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in="reviewer")
    assert (await console.post("/logout")).status == 302
    response = await console.client.get("/conversations", allow_redirects=False)
    assert response.status == 302


def session_cookie(console: Console) -> str:
    """The console's session cookie as the browser holds it (to be copied)."""
    jar = console.client.session.cookie_jar
    return jar.filter_cookies(console.client.make_url("/"))[COOKIE].value


async def status_with(console: Console, cookie: str, path: str = "/conversations") -> int:
    """The status of a request with a copy of a session cookie, from another client."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other,
        other.get(
            console.client.make_url(path),
            headers={"Cookie": f"{COOKIE}={cookie}"},
            allow_redirects=False,
        ) as response,
    ):
        return response.status


async def test_a_copied_cookie_is_refused_after_sign_out(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in="reviewer")
    copied = session_cookie(console)
    assert await status_with(console, copied) == 200  # the copy works like the original ...
    assert (await console.post("/logout")).status == 302
    assert await status_with(console, copied) == 302  # ... until the session is signed out


@pytest.mark.parametrize(
    "change",
    [
        lambda conn: reset_password(conn, "reviewer", "a brand new password"),
        lambda conn: set_role(conn, "reviewer", "admin"),
        lambda conn: end_sessions(conn, "reviewer"),
    ],
    ids=["reset-password", "set-role", "sign-out-everywhere"],
)
async def test_sessions_end_with_a_new_password_a_new_role_or_sign_out_everywhere(
    console_for: ConsoleFactory, tmp_path: Path, change: Callable[[Connection], object]
) -> None:
    laptop = await console_for(sign_in="reviewer")
    phone = Console(laptop.client)
    copied = session_cookie(laptop)
    laptop.client.session.cookie_jar.clear()
    assert await phone.sign_in("reviewer") == 302
    other = await console_for(db=tmp_path / "empty-0.db", sign_in="admin")
    engine = open_database(url=f"sqlite:///{tmp_path / 'empty-0.db'}")
    with engine.begin() as conn:
        change(conn)
    engine.dispose()
    assert await status_with(laptop, copied) == 302
    response = await phone.client.get("/conversations", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/login")
    assert (await other.client.get("/conversations")).status == 200  # other accounts stay


async def test_sign_out_everywhere_ends_the_accounts_other_sessions(
    console_for: ConsoleFactory,
) -> None:
    console = await console_for(sign_in="reviewer")
    elsewhere = session_cookie(console)
    console.client.session.cookie_jar.clear()
    assert await console.sign_in("reviewer") == 302
    assert await status_with(console, elsewhere) == 200
    assert (await console.post("/logout", everywhere="1")).status == 302
    assert await status_with(console, elsewhere) == 302


async def test_admin_ends_the_sessions_of_an_account(console_for: ConsoleFactory) -> None:
    reviewer = await console_for(sign_in="reviewer")
    copied = session_cookie(reviewer)
    admin = Console(reviewer.client)
    reviewer.client.session.cookie_jar.clear()
    assert await admin.sign_in("admin") == 302
    assert (await admin.post("/users/sign-out", name="reviewer")).status == 302
    assert await status_with(reviewer, copied) == 302
    assert (await admin.client.get("/users")).status == 200


async def test_the_server_ends_a_session_at_its_expiry_whatever_the_cookie_says(
    console_for: ConsoleFactory, tmp_path: Path
) -> None:
    console = await console_for(sign_in="reviewer")
    assert (await console.client.get("/conversations", allow_redirects=False)).status == 200
    engine = open_database(url=f"sqlite:///{tmp_path / 'empty-0.db'}")
    with engine.begin() as conn:  # eight hours later, as the database sees it
        conn.execute(sessions.update().values(expires_at=time.time() - 1))
    response = await console.client.get("/conversations", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/login")
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 1
    assert await console.sign_in("reviewer") == 302  # a sign-in clears expired sessions
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 1
    engine.dispose()


async def test_removed_account_loses_its_session(console_for: ConsoleFactory, tmp_path) -> None:
    admin = await console_for(sign_in="admin")
    assert (await admin.post("/users/remove", name="admin")).status == 400  # not oneself
    db = tmp_path / "empty-0.db"
    reviewer = await console_for(db=db, sign_in="reviewer")
    assert (await admin.post("/users/remove", name="reviewer")).status == 302
    response = await reviewer.client.get("/conversations", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/users"])
async def test_reviewer_cannot_reach_the_users_page(console_for: ConsoleFactory, path: str) -> None:
    console = await console_for(sign_in="reviewer")
    assert (await console.client.get(path)).status == 403


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/conversation/delete", {"id": "x", "confirm": "yes"}),
        ("/users/remove", {"name": "admin"}),
        ("/users/sign-out", {"name": "admin"}),
    ],
)
async def test_reviewer_cannot_do_admin_actions(
    console_for: ConsoleFactory, path: str, data: dict[str, str]
) -> None:
    console = await console_for(sign_in="reviewer")
    assert (await console.post(path, **data)).status == 403


async def test_admin_sees_the_users(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in="admin")
    html = await console.text("/users")
    assert "reviewer" in html and "admin" in html


async def test_wrong_password_is_refused(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in=None)
    assert await console.sign_in("reviewer", "not the password at all") == 401
    assert await console.sign_in("nobody", PASSWORD) == 401


async def test_sign_in_limit_per_account_holds_even_for_the_right_password(
    console_for: ConsoleFactory,
) -> None:
    console = await console_for(sign_in=None)
    for _ in range(5):
        assert await console.sign_in("reviewer", "wrong password 123") == 401
    assert await console.sign_in("reviewer", PASSWORD) == 429
    # Another account is not locked by them.
    assert await console.sign_in("admin", PASSWORD) == 302


async def test_sign_in_limit_per_address_holds_across_names(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in=None)
    for i in range(20):
        assert await console.sign_in(f"guess{i}", "wrong password 123") == 401
    assert await console.sign_in("admin", PASSWORD) == 429


async def test_open_redirect_after_sign_in_is_refused(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in=None)
    page = await console.client.get("/login?next=//evil.example/")

    response = await console.client.post(
        "/login",
        data={
            "csrf_token": csrf_of(await page.text()),
            "name": "reviewer",
            "password": PASSWORD,
            "next": "//evil.example/",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/conversations"


HOSTILE = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "'; DROP TABLE events; --",
    '" OR "" = "',
    'NEAR(a b) OR * AND "',
    "%' UNION SELECT password_hash FROM console_users --",
]


FIELDS = ["q", "tag", "intent", "channel", "language", "status", "date_from", "date_to", "page"]


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_filter_values_are_text_not_code(
    console_for: ConsoleFactory, value: str
) -> None:
    console = await console_for(sign_in="reviewer")
    for field in FIELDS:
        response = await console.client.get("/conversations", params={field: value})
        html = await response.text()
        assert response.status in (200, 400), (field, html[:300])
        assert "<script>alert(1)</script>" not in html
        assert "$argon2" not in html
        for export in ("/export/conversations.csv", "/export/conversations.jsonl"):
            exported = await console.client.get(export, params={field: value})
            assert exported.status in (200, 400), (field, export)
    combined = await console.client.get("/conversations", params={f: value for f in FIELDS})
    assert combined.status in (200, 400)


async def test_pages_carry_a_strict_content_security_policy(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in="reviewer")
    response = await console.client.get("/conversations")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_unknown_conversation_is_404(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in="reviewer")
    await console.text("/conversation?id=nobody", status=404)
    assert (await console.post("/conversation/tag", id="nobody", tag="x")).status == 404


async def test_both_languages(console_for: ConsoleFactory) -> None:
    console = await console_for(sign_in="reviewer")
    german = await console.text("/conversations?lang=de")
    assert '<html lang="de">' in german and "Gespräche" in german
    english = await console.text("/conversations?lang=en")
    assert '<html lang="en">' in english and "Conversations" in english


def console_paths() -> list[tuple[str, str]]:
    """Every route of the console (method, path), read from its router; `/` and `/healthz`
    are the public app's own too, and its static files are asked for by name."""
    from assistant.review.app import create_app
    from assistant.settings import Settings

    engine = open_database(url="sqlite://")
    routes = create_app(Settings(), engine).router.routes()
    found = {
        (route.method, route.resource.canonical)
        for route in routes
        if route.resource is not None and route.method != "HEAD"
    }
    engine.dispose()
    found = {(m, "/static/console.css" if p == "/static" else p) for m, p in found}
    return sorted(found - {("GET", "/"), ("GET", "/healthz")})


@pytest.mark.parametrize(("method", "path"), console_paths())
async def test_the_public_web_app_knows_nothing_of_the_console(method: str, path: str) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from assistant.settings import Settings
    from assistant.web.app import create_app

    async with TestClient(TestServer(create_app(Settings()))) as public:
        response = await public.request(method, path, allow_redirects=False)
        assert response.status == 404, await response.text()
        again = await public.request(method, path + "?id=x&next=/users", allow_redirects=True)
        assert again.status == 404


def test_every_console_route_is_checked_for_the_public_app() -> None:
    paths = {p for _, p in console_paths()}
    assert {"/login", "/conversations", "/export/nlu.yml", "/users/remove"} <= paths
    assert "/static/console.css" in paths and len(paths) >= 20
