"""Suite-wide options and fixtures: slow tests only with --slow; loopback sockets only; the one
running stack of the session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.assistant.channels.telegram.conftest import WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi
from tests.services import PrivateRedis
from tests.stack import MODEL, ROOT, Stack, without_developer_settings

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The test process itself ignores a developer's `.env` and ASSISTANT_*/TELEGRAM_* variables,
# as the test stack does (Stack.env): code under test that reads Settings.from_env() (the
# actions, the language decider) sees the same settings on every machine.
_clean = without_developer_settings(os.environ)
for _key in set(os.environ) - set(_clean):
    del os.environ[_key]
os.environ.update(_clean)


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """What a test, or the code it calls (`cli.main` fills the production profile's variables
    into os.environ), changes in this process's environment is undone after it: no test
    depends on the ones before it."""
    saved = dict(os.environ)
    yield
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    os.environ.update(saved)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run slow tests (full stack, model)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def knowledge_dir() -> Path:
    """The test knowledge folder, tests/data/knowledge: the live files' shape with seven partner
    cities, so that a test of behaviour breaks on no edit staff make to data/knowledge."""
    return ROOT / "tests" / "data" / "knowledge"


@pytest.fixture(scope="session")
def shared_bot_api() -> Iterator[FakeBotApi]:
    """The Telegram Bot API stand-in (loopback) that the shared stack's Telegram channel uses."""
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def shared_stack(
    tmp_path_factory: pytest.TempPathFactory, shared_bot_api: FakeBotApi
) -> Iterator[Stack]:
    """The session's one assistant (action server, Rasa server, web app, review console), not
    yet started.

    Use `stack` to get it running. It is configured here, once, for every test that uses it:
    the Telegram channel runs in webhook mode against `shared_bot_api`, so that the Telegram
    end-to-end tests need no restart (a start costs most of a minute). Stopped at the end.
    """
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does this)")
    shared = Stack(tmp_path_factory.mktemp("stack"))
    shared.extra_env.update(
        telegram_env(
            shared_bot_api,
            TELEGRAM_WEBHOOK_URL=f"{shared.url}/webhooks/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
    )
    yield shared
    if shared.running:
        shared.stop()


@pytest.fixture
def stack(shared_stack: Stack) -> Stack:
    """The shared stack, running: a test before this one may have stopped it (restart tests)."""
    shared_stack.start()
    return shared_stack


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the tests' database of the machine's Redis
    (tests/services.py); its keys are deleted afterwards."""
    from tests.services import delete_keys, shared_redis, unique_name

    prefix = unique_name("test")
    yield prefix
    client = shared_redis()
    delete_keys(client, prefix)
    client.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of the test's own (free loopback port), which the test may stop."""
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()
