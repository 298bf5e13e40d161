"""Fixtures of the console's tests: a store filled through the real stack, the app in process,
accounts and signed-in clients."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from assistant.review import open_database
from assistant.review.accounts import add_user
from assistant.review.app import create_app
from assistant.review.schema import create_schema
from assistant.settings import Settings
from tests.assistant.review.visitors import copy_store, fill
from tests.stack import Stack

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def filled(
    shared_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A copy of a tracker store with the conversations of `visitors.py`, held through the
    real Rasa server; returns its file and name -> sender id."""
    shared_stack.start()
    senders = fill(shared_stack)
    target = tmp_path_factory.mktemp("review") / "tracker.db"
    copy_store(shared_stack.db, target, set(senders.values()))
    return target, senders


def make_engine(path: Path | str) -> Engine:
    """The console's tables and the two accounts in a database (a SQLite file or a URL)."""
    engine = open_database(url=path if isinstance(path, str) else f"sqlite:///{path}")
    create_schema(engine)
    with engine.begin() as conn:
        add_user(conn, "admin", "admin", PASSWORD)
        add_user(conn, "reviewer", "reviewer", PASSWORD)
    return engine


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


class Console:
    """A test client of the console with helpers to sign in and post forms."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self, name: str, password: str = PASSWORD) -> int:
        page = await self.client.get("/login")
        self.csrf = csrf_of(await page.text())
        response = await self.client.post(
            "/login",
            data={"csrf_token": self.csrf, "name": name, "password": password},
            allow_redirects=False,
        )
        if response.status == 302:
            landing = await self.client.get(response.headers["Location"])
            self.csrf = csrf_of(await landing.text())
        return response.status

    async def post(self, path: str, **data: str) -> Any:
        return await self.client.post(
            path, data={"csrf_token": self.csrf, **data}, allow_redirects=False
        )

    async def text(self, path: str, status: int = 200) -> str:
        response = await self.client.get(path)
        body = await response.text()
        assert response.status == status, body[:500]
        return body


ConsoleFactory = Callable[..., Coroutine[Any, Any, Console]]


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store with the two accounts (hashing passwords is slow on purpose: once)."""
    path = tmp_path_factory.mktemp("review-empty") / "empty.db"
    make_engine(path).dispose()
    return path


@pytest.fixture
async def console_for(tmp_path: Path, empty_store: Path) -> AsyncIterator[ConsoleFactory]:
    """Makes console clients over a database file (default: an empty store in tmp_path)."""
    clients: list[TestClient] = []

    async def make(
        db: Path | None = None,
        sign_in: str | None = "reviewer",
        url: str | None = None,
        nlu_dir: Path | None = None,
    ) -> Console:
        if db is None and url is None:
            db = tmp_path / f"empty-{len(clients)}.db"
            shutil.copy(empty_store, db)
        engine = open_database(url=url or f"sqlite:///{db}")
        client = TestClient(TestServer(create_app(Settings(), engine, nlu_dir=nlu_dir)))
        await client.start_server()
        clients.append(client)
        console = Console(client)
        if sign_in:
            assert await console.sign_in(sign_in) == 302
        return console

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def store(filled: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A private copy of the filled store, with the two accounts, for one test."""
    source, senders = filled
    target = tmp_path / "store.db"
    copy_store(source, target, set(senders.values()))
    make_engine(target).dispose()
    return target, senders


PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database (127.0.0.1:5432, trust auth) with the console's tables and
    the two accounts; dropped afterwards."""
    name = f"review_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER}/{name}"
    try:
        make_engine(url).dispose()
        yield url
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.dispose()
