from __future__ import annotations

import functools
import logging

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from assistant.channels.telegram.retry import RetryPolicy, call_bot_api, retry_after_seconds
from tests.assistant.channels.telegram.conftest import Sleeps
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi

CHAT = 4242424301


def send(bot: Bot, text: str = "Hallo") -> functools.partial[object]:
    return functools.partial(bot.send_message, chat_id=CHAT, text=text)


async def test_flood_control_waits_retry_after_then_sends_once(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps
) -> None:
    bot_api.fail_next("sendMessage", 429, retry_after=3)
    assert await call_bot_api(send(bot), method="sendMessage", sleep=sleeps) is not None
    assert sleeps == [3.0]
    assert bot_api.sent_texts(CHAT) == ["Hallo"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_with_growing_delays(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps, status: int
) -> None:
    bot_api.fail_next("sendMessage", status, times=3)
    assert await call_bot_api(send(bot), method="sendMessage", sleep=sleeps) is not None
    assert sleeps == [0.5, 1.0, 2.0]
    assert bot_api.sent_texts(CHAT) == ["Hallo"]


async def test_retries_are_bounded(bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps) -> None:
    bot_api.fail_next("sendMessage", 500, times=10)
    policy = RetryPolicy(attempts=4, max_delay=1.0)
    assert await call_bot_api(send(bot), method="sendMessage", policy=policy, sleep=sleeps) is None
    assert sleeps == [0.5, 1.0, 1.0]
    assert len(bot_api.calls("sendMessage")) == 4


async def test_blocked_bot_is_logged_and_dropped(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.fail_next("sendMessage", 403)
    with caplog.at_level(logging.INFO, logger="assistant.channels.telegram.retry"):
        assert await call_bot_api(send(bot, "geheim"), method="sendMessage", sleep=sleeps) is None
    assert sleeps == [] and len(bot_api.calls("sendMessage")) == 1
    assert "blocked" in caplog.text and "geheim" not in caplog.text


async def test_bad_requests_are_not_retried(bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps) -> None:
    bot_api.fail_next("sendMessage", 400)
    assert await call_bot_api(send(bot), method="sendMessage", sleep=sleeps) is None
    assert sleeps == [] and len(bot_api.calls("sendMessage")) == 1


async def test_overlong_flood_wait_drops_the_call(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps
) -> None:
    bot_api.fail_next("sendMessage", 429, retry_after=3600)
    assert await call_bot_api(send(bot), method="sendMessage", sleep=sleeps) is None
    assert sleeps == []


async def test_network_errors_are_retried(sleeps: Sleeps) -> None:
    from telegram.error import TimedOut

    outcomes: list[Exception | str] = [TimedOut(), TimedOut(), "sent"]

    async def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await call_bot_api(flaky, method="sendMessage", sleep=sleeps) == "sent"
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_read_in_seconds() -> None:
    assert retry_after_seconds(RetryAfter(7)) == 7.0
