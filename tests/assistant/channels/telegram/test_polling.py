"""Polling mode against the Bot API stand-in; the Rasa REST channel is a MockTransport."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from assistant.channels.apology import Apology
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import (
    MemoryLedger,
    RedisLedger,
    SqlLedger,
    UpdateLedger,
    bot_id,
)
from assistant.channels.telegram.polling import TelegramPolling, profile_ledger, run_polling
from assistant.channels.telegram.texts import NOTICES, unavailable
from assistant.settings import Settings
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, Sleeps, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import TOKEN, FakeBotApi

USER = 4242424701
RASA = "http://rasa.test"


class RestStub:
    """The Rasa REST channel: records requests, answers with an echo and a button."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.hold: asyncio.Event | None = None  # answers only once set: an answer in progress
        self.hold_only: str | None = None  # with `hold`: only this message waits

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append({"url": str(request.url), **body})
        if self.hold is not None and self.hold_only in (None, body["message"]):
            await self.hold.wait()
        if self.status != 200:
            return httpx.Response(self.status, json={"error": "down"})
        return httpx.Response(
            200,
            json=[
                {
                    "recipient_id": body["sender"],
                    "text": f"echo: {body['message']}",
                    "buttons": [{"title": "Kontakt", "payload": "/request_contact"}],
                },
            ],
        )


@pytest.fixture
def rest() -> RestStub:
    return RestStub()


Runner = Callable[..., Any]


class Run:
    """One polling run in the background: call it to stop it cleanly, `crash` to kill it."""

    def __init__(self, task: asyncio.Task[int], stop: asyncio.Event) -> None:
        self.task = task
        self.stop = stop

    async def __call__(self) -> int:
        self.stop.set()
        return await asyncio.wait_for(self.task, timeout=20)

    async def crash(self) -> None:
        """Stop it as a kill would: no clean stop, whatever is in progress is cut off."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def polling(
    bot_api: FakeBotApi, rest: RestStub, tmp_path: Path, sleeps: Sleeps
) -> AsyncIterator[Runner]:
    """Starts polling as a background task; returns a function that stops it."""
    clients: list[httpx.AsyncClient] = []

    async def start(ledger: UpdateLedger | None = None, **env: str) -> Run:
        settings = Settings.from_env(
            {**telegram_env(bot_api, ASSISTANT_RASA_URL=RASA), **env}, env_file=tmp_path / "no.env"
        )
        client = httpx.AsyncClient(transport=httpx.MockTransport(rest))
        clients.append(client)
        stop = asyncio.Event()
        runner = TelegramPolling(
            settings, rest_client=client, sleep=sleeps, poll_timeout=1, ledger=ledger
        )
        return Run(asyncio.create_task(runner.run(stop)), stop)

    yield start
    for client in clients:
        await client.aclose()


async def test_queued_updates_are_answered_and_confirmed(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub
) -> None:
    first = build.text_update(USER, "Welche Partnerstädte gibt es?", language_code="de")
    second = build.text_update(USER, "/help", language_code="de")
    bot_api.queue_update(first)
    bot_api.queue_update(second)
    finish = await polling()
    await bot_api.until(lambda: len(bot_api.sent_texts(USER)) == 2, timeout=20)
    assert await finish() == 0
    assert bot_api.sent_texts(USER) == [
        "echo: Welche Partnerstädte gibt es?",
        "echo: /ask_capabilities",
    ]
    assert rest.requests[0] == {
        "url": f"{RASA}/webhooks/rest/webhook",
        "sender": Pseudonymiser(PSEUDONYM_KEY)(USER),
        "message": "Welche Partnerstädte gibt es?",
        "metadata": {"language": "de"},
    }
    keyboard = bot_api.sent_messages(USER)[0]["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Kontakt", "callback_data": "/request_contact"}]]
    assert bot_api.confirmed_offset == second["update_id"] + 1
    assert bot_api.pending_updates() == []
    assert bot_api.calls("deleteWebhook")  # polling and a webhook exclude each other


async def test_no_update_is_answered_twice_after_a_restart(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub
) -> None:
    bot_api.queue_update(build.text_update(USER, "Hallo"))
    finish = await polling()
    await bot_api.until(lambda: len(bot_api.sent_texts(USER)) == 1, timeout=20)
    assert await finish() == 0
    finish = await polling()
    await bot_api.until(lambda: len(bot_api.calls("getUpdates")) >= 4, timeout=20)
    assert await finish() == 0
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert len(rest.requests) == 1


async def test_an_update_cut_off_by_a_crash_is_answered_after_the_restart_exactly_once(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub
) -> None:
    update = build.text_update(USER, "Hallo")
    bot_api.queue_update(update)
    rest.hold = asyncio.Event()
    run = await polling()
    await bot_api.until(lambda: len(rest.requests) == 1, timeout=20)  # being answered
    await run.crash()
    assert bot_api.sent_texts(USER) == []
    assert bot_api.confirmed_offset == 0  # not confirmed: Telegram still holds it
    rest.hold = None
    run = await polling()
    await bot_api.until(lambda: len(bot_api.sent_texts(USER)) == 1, timeout=20)
    assert await run() == 0
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert len(rest.requests) == 2
    assert bot_api.confirmed_offset == update["update_id"] + 1
    run = await polling()  # and not again after one more restart
    polls = len(bot_api.calls("getUpdates"))
    await bot_api.until(lambda: len(bot_api.calls("getUpdates")) >= polls + 2, timeout=20)
    assert await run() == 0
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]


async def test_after_a_crash_only_the_updates_not_answered_yet_are_answered(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'tracker.db'}"  # the embedded profile's tracker store
    other = USER + 1
    quick, slow = build.text_update(USER, "Hallo"), build.text_update(other, "Tokio?")
    bot_api.queue_update(quick)
    bot_api.queue_update(slow)  # one batch: confirmed only when both are answered
    rest.hold, rest.hold_only = asyncio.Event(), "Tokio?"
    run = await polling(ledger=SqlLedger(sa.create_engine(database), bot_id(TOKEN)))
    await bot_api.until(
        lambda: bot_api.sent_texts(USER) == ["echo: Hallo"] and len(rest.requests) == 2,
        timeout=20,
    )
    await run.crash()  # "Tokio?" is cut off
    assert bot_api.confirmed_offset == 0  # Telegram sends the whole batch again
    rest.hold = None
    run = await polling(ledger=SqlLedger(sa.create_engine(database), bot_id(TOKEN)))
    await bot_api.until(lambda: bot_api.sent_texts(other) == ["echo: Tokio?"], timeout=20)
    assert await run() == 0
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]  # answered before the crash: not again
    assert sorted(r["message"] for r in rest.requests) == ["Hallo", "Tokio?", "Tokio?"]
    assert bot_api.confirmed_offset == slow["update_id"] + 1


async def test_an_update_a_killed_run_had_claimed_is_answered_by_the_next_run(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'tracker.db'}"
    update = build.text_update(USER, "Hallo")
    killed = SqlLedger(sa.create_engine(database), bot_id(TOKEN))  # a process that died (kill -9)
    assert await killed.claim(update["update_id"], take_over=True) == "new"
    bot_api.queue_update(update)
    run = await polling(ledger=SqlLedger(sa.create_engine(database), bot_id(TOKEN)))
    await bot_api.until(lambda: bot_api.sent_texts(USER) == ["echo: Hallo"], timeout=20)
    assert await run() == 0
    assert await killed.claim(update["update_id"]) == "answered"


def test_polling_keeps_its_ledger_where_the_profile_says(tmp_path: Path, redis_prefix: str) -> None:
    endpoints = tmp_path / "endpoints.yml"
    database = tmp_path / "var" / "tracker.db"  # its folder does not exist yet
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")

    def settings(**env: str) -> Settings:
        return Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, env_file=tmp_path / "no")

    embedded = profile_ledger(settings(), endpoints)
    assert isinstance(embedded, SqlLedger) and embedded.bot_id == bot_id(TOKEN)
    assert embedded.engine.url.database == str(database)
    assert database.parent.is_dir()
    embedded.engine.dispose()
    production = profile_ledger(
        settings(ASSISTANT_PROFILE="production", ASSISTANT_REDIS_KEY_PREFIX=redis_prefix),
        endpoints,
    )
    assert isinstance(production, RedisLedger)
    assert production.key(1) == f"{redis_prefix}:telegram:update:{bot_id(TOKEN)}:1"
    rest_store = tmp_path / "memory.yml"
    rest_store.write_text("tracker_store:\n  type: InMemoryTrackerStore\n")
    assert isinstance(profile_ledger(settings(), rest_store), MemoryLedger)


def test_the_telegram_command_passes_the_profile_and_its_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import cli, production
    from assistant.channels import telegram

    seen: list[tuple[str, Path]] = []
    monkeypatch.setattr(telegram, "run_polling", lambda s, e: seen.append((s.profile, e)) or 0)
    assert cli.main(["telegram"]) == 0
    assert cli.main(["telegram", "--profile", "production"]) == 0
    assert cli.main(["telegram", "--endpoints", str(tmp_path / "e.yml")]) == 0
    assert seen == [
        ("embedded", cli.PROJECT_ROOT / "endpoints.yml"),
        ("production", production.ENDPOINTS),
        ("embedded", tmp_path / "e.yml"),
    ]


async def test_a_failed_poll_is_retried(
    polling: Runner, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.fail_next("getUpdates", 502)
    bot_api.queue_update(build.text_update(USER, "Hallo"))
    run = await polling()
    await bot_api.until(lambda: len(bot_api.sent_texts(USER)) == 1, timeout=20)
    assert await run() == 0
    assert [c.status for c in bot_api.calls("getUpdates")][0] == 502
    assert "Telegram polling failed" in caplog.text


async def test_a_clean_stop_answers_and_confirms_the_update_in_hand(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub
) -> None:
    update = build.text_update(USER, "Hallo")
    bot_api.queue_update(update)
    rest.hold = asyncio.Event()
    run = await polling()
    await bot_api.until(lambda: len(rest.requests) == 1, timeout=20)
    run.stop.set()  # SIGTERM while the update is being answered
    # A right poller now does nothing until the answer is in; a wrong one would drop the answer
    # or confirm the update. "Nothing happens" is no event that could be awaited, so the poller
    # gets a moment to misbehave; what is checked is the order of the calls, whatever the timing.
    await asyncio.sleep(0.2)
    assert bot_api.confirmed_offset == 0
    rest.hold.set()
    assert await run() == 0
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert bot_api.confirmed_offset == update["update_id"] + 1
    calls = [(c.method, c.params.get("offset")) for c in bot_api.calls()]
    confirmed = calls.index(("getUpdates", update["update_id"] + 1))
    assert calls.index(("sendMessage", None)) < confirmed  # answered, then confirmed


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_unreachable_assistant_gets_an_apology_with_the_contact_data(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub, knowledge_dir: Path, lang: str
) -> None:
    rest.status = 500
    bot_api.queue_update(build.text_update(USER, "Hallo", language_code=lang))
    finish = await polling(ASSISTANT_KNOWLEDGE_DIR=str(knowledge_dir))
    await bot_api.until(lambda: len(bot_api.sent_texts(USER)) == 1, timeout=20)
    assert await finish() == 0
    contact = Apology.from_knowledge(knowledge_dir).contact
    assert contact is not None
    [text] = bot_api.sent_texts(USER)
    assert text == unavailable(lang, contact)  # type: ignore[arg-type]
    assert text.startswith(NOTICES["unavailable"][lang])  # type: ignore[index]
    assert contact.phone in text and contact.web(lang) in text  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_a_chat_over_its_limit_gets_one_notice_in_its_language_and_others_go_on(
    polling: Runner, bot_api: FakeBotApi, rest: RestStub, lang: str
) -> None:
    other = USER + 1
    for n in range(5):
        bot_api.queue_update(build.text_update(USER, f"Frage {n}", language_code=lang))
    bot_api.queue_update(build.text_update(other, "Hallo", language_code="de"))
    bot_api.queue_update(build.text_update(other, "Und Paris?", language_code="de"))
    run = await polling(ASSISTANT_RATE_LIMIT_PER_SENDER="2")
    await bot_api.until(
        lambda: len(bot_api.sent_texts(USER)) == 3 and len(bot_api.sent_texts(other)) == 2,
        timeout=20,
    )
    assert await run() == 0
    assert bot_api.sent_texts(USER) == [
        "echo: Frage 0",
        "echo: Frage 1",
        NOTICES["rate_limited"][lang],  # type: ignore[index]
    ]
    assert bot_api.sent_texts(other) == ["echo: Hallo", "echo: Und Paris?"]
    assert sorted(r["message"] for r in rest.requests) == [
        "Frage 0",
        "Frage 1",
        "Hallo",
        "Und Paris?",
    ]
    assert bot_api.pending_updates() == []  # the refused ones are confirmed too: not sent again


async def test_bad_token_stops_polling_with_one_clear_line(
    polling: Runner, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    finish = await polling(TELEGRAM_BOT_TOKEN="999:wrong-token-value")
    assert await finish() == 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "TELEGRAM_BOT_TOKEN" in errors[0].getMessage()
    assert "wrong-token-value" not in caplog.text
    assert bot_api.calls("getUpdates") == []


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
        ({"ASSISTANT_PSEUDONYM_KEY": ""}, "ASSISTANT_PSEUDONYM_KEY"),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook"},
            "TELEGRAM_WEBHOOK_URL",
        ),
    ],
)
def test_run_polling_refuses_an_incomplete_configuration(
    bot_api: FakeBotApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    env: dict[str, str],
    variable: str,
) -> None:
    settings = Settings.from_env({**telegram_env(bot_api), **env}, env_file=tmp_path / "no.env")
    assert run_polling(settings) == 2
    assert variable in caplog.text
    assert bot_api.calls() == []
