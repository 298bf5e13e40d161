"""Fixtures for the Telegram channel tests: the Bot API stand-in, settings and a client for it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.request import BaseRequest

from assistant.channels.telegram.bot import build_bot
from assistant.settings import Settings
from tests.assistant.channels.telegram.fake_bot_api import BOT_USER, TOKEN, FakeBotApi

PSEUDONYM_KEY = "test-pseudonym-key-3c1f0a9e"
WEBHOOK_SECRET = "test-secret_4711"


class Sleeps(list[float]):
    """Records the waits of the retry logic instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


def telegram_env(api: FakeBotApi, **extra: str) -> dict[str, str]:
    """Environment for the channel, talking to the stand-in `api`."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.root,
        "ASSISTANT_PSEUDONYM_KEY": PSEUDONYM_KEY,
        **extra,
    }


@pytest.fixture
def telegram_settings(bot_api: FakeBotApi, tmp_path: Path) -> Settings:
    return Settings.from_env(telegram_env(bot_api), env_file=tmp_path / "no.env")


@pytest.fixture
async def bot(telegram_settings: Settings) -> AsyncIterator[Bot]:
    client = build_bot(telegram_settings)
    await client.initialize()
    yield client
    await client.shutdown()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


class OfflineRequest(BaseRequest):
    """A Bot API transport without a network: answers getMe, fails the test on any other call."""

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/getMe"):
            return 200, json.dumps({"ok": True, "result": BOT_USER}).encode()
        raise AssertionError(f"unexpected Bot API call offline: {url.rsplit('/', 1)[-1]}")


@pytest.fixture
async def offline_bot() -> AsyncIterator[Bot]:
    """An initialised bot (as @berlin_test_bot) that makes no request after getMe."""
    client = Bot(TOKEN, request=OfflineRequest(), get_updates_request=OfflineRequest())
    await client.initialize()
    yield client
    await client.shutdown()
