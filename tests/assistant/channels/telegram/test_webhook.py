"""The webhook route on an in-process Sanic server on loopback, with a stand-in assistant."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from assistant.channels.apology import Apology
from assistant.channels.telegram import webhook
from assistant.channels.telegram.chunks import TEXT_LIMIT, telegram_length
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import RedisLedger, SqlLedger, UpdateLedger, bot_id
from assistant.channels.telegram.texts import NOTICES, unavailable
from assistant.channels.telegram.webhook import SECRET_HEADER, TelegramInput
from assistant.knowledge import load_knowledge
from assistant.settings import Settings
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.services import TEST_REDIS_DB, shared_redis

PUBLIC_URL = "https://bot.example.org/webhooks/telegram/webhook"
USER = 4242424601
_app_names = itertools.count()


@dataclass
class WebhookServer:
    url: str
    received: list[UserMessage] = field(default_factory=list)
    fail: bool = False
    silent: bool = False  # answers nothing, as Rasa does while the action server is down
    reply: str = "Antwort"  # the assistant's answer to every message
    hold: asyncio.Event | None = None  # the assistant answers only once this is set
    stop: Callable[[], Awaitable[None]] | None = None  # stops the server as a shutdown does

    async def post(self, body: Any, secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with httpx.AsyncClient() as client:
            if isinstance(body, bytes):
                return await client.post(f"{self.url}/webhook", content=body, headers=headers)
            return await client.post(f"{self.url}/webhook", json=body, headers=headers)


ServerFactory = Callable[..., Any]


@pytest.fixture
async def serve(
    bot_api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ServerFactory]:
    """Starts TelegramInput's blueprint on 127.0.0.1 as Rasa would register it."""
    # Sanic 21.12 rewrites some of its methods when the first app starts; without test mode a
    # second app in the same process fails with KeyError: 'send'.
    monkeypatch.setattr(Sanic, "test_mode", True)
    running: list[Any] = []

    async def start(
        ledger: UpdateLedger | None = None, agent: Any = None, **env: str
    ) -> WebhookServer:
        settings = Settings.from_env(
            {
                **telegram_env(
                    bot_api, TELEGRAM_WEBHOOK_URL=PUBLIC_URL, TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET
                ),
                **env,
            },
            env_file=tmp_path / "no.env",
        )
        app = Sanic(f"telegram_test_{next(_app_names)}", configure_logging=False)
        app.ctx.agent = agent  # where Rasa keeps its agent
        state = WebhookServer("")

        async def on_new_message(message: UserMessage) -> None:
            state.received.append(message)
            if state.hold is not None:
                await state.hold.wait()
            if state.fail:
                raise RuntimeError("the assistant is down")
            if state.silent:
                return
            await message.output_channel.send_response(message.sender_id, {"text": state.reply})

        app.blueprint(
            TelegramInput(settings, ledger=ledger).blueprint(on_new_message),
            url_prefix="/webhooks/telegram",
        )
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))  # a free port; Sanic takes port=0 for its default 8000
        server = await app.create_server(sock=sock, return_asyncio_server=True)
        assert server is not None
        await server.startup()
        await server.after_start()
        running.append(server)

        async def stop() -> None:
            running.remove(server)
            await server.before_stop()
            await server.close()
            await server.after_stop()

        state.stop = stop
        state.url = (
            f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}/webhooks/telegram"
        )
        return state

    yield start
    for server in running:
        await server.before_stop()
        await server.close()
        await server.after_stop()


async def test_webhook_is_registered_with_secret_and_update_types(
    serve: ServerFactory, bot_api: FakeBotApi
) -> None:
    await serve()
    await bot_api.until(lambda: bool(bot_api.calls("setWebhook", ok_only=True)), timeout=10)
    [call] = bot_api.calls("setWebhook")
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]


@pytest.mark.parametrize("secret", [None, "", "wrong", WEBHOOK_SECRET + "x"])
async def test_wrong_or_missing_secret_is_refused_and_reaches_nobody(
    serve: ServerFactory, bot_api: FakeBotApi, secret: str | None
) -> None:
    server = await serve()
    response = await server.post(build.text_update(USER, "Hallo"), secret=secret)
    assert response.status_code == 403
    # A valid update afterwards is the barrier: it is acknowledged only once answered, so a
    # refused update that had been processed would be in front of it.
    assert (await server.post(build.text_update(USER, "Guten Tag"))).status_code == 200
    assert [m.text for m in server.received] == ["Guten Tag"]
    assert bot_api.sent_texts(USER) == ["Antwort"]


async def test_update_is_acknowledged_after_it_was_answered(
    serve: ServerFactory, bot_api: FakeBotApi
) -> None:
    server = await serve()
    response = await server.post(
        build.text_update(USER, "Welche Partnerstädte?", language_code="de")
    )
    assert response.status_code == 200
    assert bot_api.sent_texts(USER) == ["Antwort"]  # already sent when Telegram gets its 200
    [message] = server.received
    assert message.sender_id == Pseudonymiser(PSEUDONYM_KEY)(USER)
    assert message.text == "Welche Partnerstädte?"
    assert message.metadata == {"language": "de"}
    assert message.input_channel == "telegram"


async def test_an_update_sent_again_reaches_the_assistant_once(
    serve: ServerFactory, bot_api: FakeBotApi
) -> None:
    server = await serve()
    question = build.text_update(USER, "Welche Partnerstädte?")
    assert (await server.post(question)).status_code == 200
    assert (await server.post(question)).status_code == 200  # Telegram saw no answer in time
    # One chat is answered in order, so once the next question is answered, so is the repeat.
    assert (await server.post(build.text_update(USER, "Und Paris?"))).status_code == 200
    await bot_api.until(lambda: len(bot_api.sent_texts(USER)) == 2, timeout=10)
    assert [m.text for m in server.received] == ["Welche Partnerstädte?", "Und Paris?"]


async def test_an_update_cut_off_by_a_shutdown_is_answered_after_the_restart_exactly_once(
    serve: ServerFactory, bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "STOP_GRACE_SECONDS", 0.2)
    update = build.text_update(USER, "Welche Partnerstädte?")
    first = await serve()
    first.hold = asyncio.Event()  # never set: the answer is still in progress at shutdown
    post = asyncio.create_task(first.post(update))
    await bot_api.until(lambda: len(first.received) == 1, timeout=10)
    assert first.stop is not None
    await first.stop()
    try:
        status = (await post).status_code
    except httpx.HTTPError:  # the connection closed without an answer: not acknowledged either
        status = None
    assert status != 200  # so Telegram keeps the update and sends it again
    assert bot_api.sent_texts(USER) == []
    second = await serve()  # the restarted server gets Telegram's next try
    assert (await second.post(update)).status_code == 200
    assert bot_api.sent_texts(USER) == ["Antwort"]
    assert (await second.post(update)).status_code == 200  # one more try: a duplicate
    assert bot_api.sent_texts(USER) == ["Antwort"]
    assert [m.text for m in second.received] == ["Welche Partnerstädte?"]


async def test_a_slow_answer_is_not_acknowledged_and_a_retry_joins_it(
    serve: ServerFactory, bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "ANSWER_TIMEOUT", 0.2)
    update = build.text_update(USER, "Welche Partnerstädte?")
    server = await serve()
    server.hold = asyncio.Event()
    assert (await server.post(update)).status_code == 503  # Telegram will try again
    assert (await server.post(update)).status_code == 503  # its retry waits for the same work
    server.hold.set()
    await bot_api.until(lambda: bot_api.sent_texts(USER) == ["Antwort"], timeout=10)
    assert (await server.post(update)).status_code == 200
    assert bot_api.sent_texts(USER) == ["Antwort"]
    assert len(server.received) == 1


def rasa_agent(database: Path) -> Any:
    """What the webhook takes from Rasa's agent: its tracker store, SQL on `database`, wrapped
    as Rasa's `Agent` wraps it."""
    from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), db=str(database))
    return SimpleNamespace(tracker_store=FailSafeTrackerStore(store))


async def test_an_update_answered_before_a_restart_is_not_answered_after_it(
    serve: ServerFactory, bot_api: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "ANSWER_TIMEOUT", 0.2)
    database = tmp_path / "tracker.db"  # the embedded profile's tracker store
    update = build.text_update(USER, "Welche Partnerstädte?")
    first = await serve(agent=rasa_agent(database))
    first.hold = asyncio.Event()
    assert (await first.post(update)).status_code == 503  # slow: Telegram will send it again
    first.hold.set()
    await bot_api.until(lambda: bot_api.sent_texts(USER) == ["Antwort"], timeout=10)
    assert first.stop is not None
    await first.stop()  # restarted before Telegram's next try (its 200 was lost)
    second = await serve(agent=rasa_agent(database))
    assert (await second.post(update)).status_code == 200
    assert second.received == []
    assert bot_api.sent_texts(USER) == ["Antwort"]
    with sa.create_engine(f"sqlite:///{database}").connect() as connection:
        rows = connection.exec_driver_sql("SELECT update_id, owner FROM telegram_updates").all()
    assert rows == [(update["update_id"], None)]  # answered, in the tracker store's database


async def test_an_update_another_server_is_answering_gets_503_until_it_is_answered(
    serve: ServerFactory, bot_api: FakeBotApi, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'tracker.db'}"
    update = build.text_update(USER, "Welche Partnerstädte?")
    other = SqlLedger(sa.create_engine(database), bot_id(TOKEN))  # the other server's
    assert await other.claim(update["update_id"]) == "new"
    server = await serve(ledger=SqlLedger(sa.create_engine(database), bot_id(TOKEN)))
    response = await server.post(update)
    assert response.status_code == 503  # not acknowledged: if the other dies, it comes again
    await other.answered(update["update_id"])
    assert (await server.post(update)).status_code == 200
    assert server.received == [] and bot_api.sent_texts(USER) == []


async def test_two_servers_of_the_production_profile_answer_an_update_once(
    serve: ServerFactory, bot_api: FakeBotApi, redis_prefix: str
) -> None:
    production = {
        "ASSISTANT_PROFILE": "production",
        "ASSISTANT_REDIS_DB": str(TEST_REDIS_DB),
        "ASSISTANT_REDIS_KEY_PREFIX": redis_prefix,
    }
    first, second = await serve(**production), await serve(**production)
    update = build.text_update(USER, "Welche Partnerstädte?")
    assert (await first.post(update)).status_code == 200
    assert (await second.post(update)).status_code == 200  # its 200 was lost: sent again
    assert bot_api.sent_texts(USER) == ["Antwort"]
    assert [len(first.received), len(second.received)] == [1, 0]
    key = RedisLedger(shared_redis(), bot_id(TOKEN), redis_prefix).key(update["update_id"])
    assert shared_redis().get(key) == b"answered"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"no": "update"}', b'{"a": "\xff"}'])
async def test_unreadable_bodies_get_a_client_error_never_a_500(
    serve: ServerFactory, body: bytes
) -> None:
    server = await serve()
    response = await server.post(body)
    assert response.status_code == 400


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_failing_assistant_still_gets_200_and_the_visitor_an_apology_with_contact_data(
    serve: ServerFactory, bot_api: FakeBotApi, knowledge_dir: Path, lang: str
) -> None:
    server = await serve(ASSISTANT_KNOWLEDGE_DIR=str(knowledge_dir))
    server.fail = True
    response = await server.post(build.text_update(USER, "Hallo", language_code=lang))
    assert response.status_code == 200
    contact = Apology.from_knowledge(knowledge_dir).contact
    assert contact is not None
    assert bot_api.sent_texts(USER) == [unavailable(lang, contact)]  # type: ignore[arg-type]
    assert contact.phone in bot_api.sent_texts(USER)[0]


async def test_channel_is_off_without_a_token(serve: ServerFactory, bot_api: FakeBotApi) -> None:
    server = await serve(TELEGRAM_BOT_TOKEN="")
    async with httpx.AsyncClient() as client:
        status = await client.get(f"{server.url}/")
    assert status.json() == {"status": "off"}
    assert (await server.post(build.text_update(USER, "Hallo"))).status_code == 404
    assert bot_api.calls() == []


async def test_bad_token_keeps_the_server_up_and_the_channel_quiet(
    serve: ServerFactory, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    server = await serve(TELEGRAM_BOT_TOKEN="999:wrong-token-value")
    response = await server.post(build.text_update(USER, "Hallo"))
    assert response.status_code == 200
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{server.url}/")).json() == {"status": "bad_token"}
    assert server.received == []
    assert bot_api.calls("sendMessage") == [] and bot_api.calls("setWebhook") == []
    assert "wrong-token-value" not in caplog.text
    assert sum("refused the bot token" in r.getMessage() for r in caplog.records) == 1


async def test_an_oversize_update_gets_413_before_it_is_read(serve: ServerFactory) -> None:
    server = await serve()
    update = build.text_update(USER, "Wien " * 20_000)
    response = await server.post(update)
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert server.received == []


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_a_message_over_the_length_limit_gets_a_notice_not_the_assistant(
    serve: ServerFactory, bot_api: FakeBotApi, lang: str
) -> None:
    server = await serve()
    assert (await server.post(build.text_update(USER, "x" * 1001, language_code=lang))).is_success
    await bot_api.until(lambda: bool(bot_api.sent_texts(USER)), timeout=10)
    assert bot_api.sent_texts(USER) == [NOTICES["too_long"][lang]]
    assert server.received == []


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_a_chat_over_its_limit_gets_one_notice_and_no_answers(
    serve: ServerFactory, bot_api: FakeBotApi, lang: str
) -> None:
    server = await serve(ASSISTANT_RATE_LIMIT_PER_SENDER="2")
    for n in range(5):
        update = build.text_update(USER, f"Frage {n}", language_code=lang)
        assert (await server.post(update)).is_success
    # A photo gets its notice after the chat's five messages (one chat is handled in order).
    assert (
        await server.post(build.content_update(USER, language_code=lang, **build.PHOTO))
    ).is_success
    last = NOTICES["unsupported_content"][lang]
    await bot_api.until(lambda: last in bot_api.sent_texts(USER), timeout=10)
    assert [m.text for m in server.received] == ["Frage 0", "Frage 1"]
    assert bot_api.sent_texts(USER) == ["Antwort", "Antwort", NOTICES["rate_limited"][lang], last]


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_an_empty_answer_gets_the_apology_with_the_contact_data(
    serve: ServerFactory, bot_api: FakeBotApi, knowledge_dir: Path, lang: str
) -> None:
    server = await serve(ASSISTANT_KNOWLEDGE_DIR=str(knowledge_dir))
    server.silent = True
    assert (await server.post(build.text_update(USER, "Hallo", language_code=lang))).is_success
    await bot_api.until(lambda: bool(bot_api.sent_texts(USER)), timeout=10)
    [text] = bot_api.sent_texts(USER)
    assert text == Apology.from_knowledge(knowledge_dir).text(lang)  # type: ignore[arg-type]


def long_note(lang: str) -> str:
    """A note as staff may write one: paragraphs, longer than a Telegram message, with
    characters that Telegram's markup would read."""
    sentence = {
        "de": "Zeichen wie <b>fett</b>, 1 < 2, snake_case_name und *Sternchen* bleiben. ",
        "en": "Characters such as <b>bold</b>, 1 < 2, snake_case_name and *stars* stay. ",
    }[lang]
    return "\n\n".join(f"({i}) " + (sentence * 9).strip() for i in range(1, 10))


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_a_long_note_arrives_split_with_formatting_characters_intact(
    serve: ServerFactory, bot_api: FakeBotApi, knowledge_dir: Path, tmp_path: Path, lang: str
) -> None:
    folder = shutil.copytree(knowledge_dir, tmp_path / "knowledge")
    cities = folder / "partner_cities.yml"
    data = yaml.safe_load(cities.read_text(encoding="utf-8"))
    [record] = [c for c in data["cities"] if c["id"] == "windhoek"]
    record["note"] = {code: long_note(code) for code in ("de", "en")}
    cities.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    # The note as the knowledge store gives it to the answers: one paragraph.
    windhoek = load_knowledge(folder).partner("windhoek")
    assert windhoek is not None and windhoek.note is not None
    server = await serve()
    server.reply = windhoek.note(lang)  # type: ignore[arg-type]
    update = build.text_update(USER, "Erzähl mir was über Windhuk", language_code=lang)
    assert (await server.post(update)).status_code == 200
    pieces = bot_api.sent_texts(USER)
    assert len(pieces) >= 2 and all(telegram_length(p) <= TEXT_LIMIT for p in pieces)
    # One paragraph, so the cut falls after a sentence; nothing is escaped, changed or lost.
    assert pieces[0].endswith(".")
    assert " ".join(pieces) == " ".join(long_note(lang).split())
    assert all("parse_mode" not in m for m in bot_api.sent_messages(USER))


async def test_a_request_without_the_secret_is_not_read_to_the_end(serve: ServerFactory) -> None:
    server = await serve()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(10_000):  # 10 MB if the server read it all
            sent += 1
            yield b"x" * 1024

    try:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{server.url}/webhook", content=chunks())
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        pass  # the server answered 403 and closed while the client was still sending
    else:
        assert response.status_code == 403
    assert sent < 10_000
    assert server.received == []
