"""The production profile: two Rasa servers share PostgreSQL and Redis behind nginx.

One `serve --profile production` for the module, on the machine's PostgreSQL (a scratch
database, created and dropped here) and Redis (the tests' database number and a key prefix of
this run, tests/services.py). Conversations alternate between the two Rasa servers, concurrent
messages to one conversation are taken one at a time, and the tracker holds every event once,
in order, also across a PostgreSQL restart and a Redis pause. A Telegram update that reaches
both servers (webhook mode, against the Bot API stand-in) is answered once.

This is a stack of its own, not the session's shared one (tests/conftest.py): the shared stack
is the embedded profile that `make run` starts (SQLite, one Rasa server, no nginx), and every
test here is about what only the production profile has: two Rasa servers sharing a tracker
store and locks, PostgreSQL and Redis going away underneath them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.channels.apology import APOLOGY
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import RedisLedger, bot_id
from assistant.channels.telegram.webhook import SECRET_HEADER
from assistant.lang import Lang
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.services import (
    TEST_REDIS_DB,
    PrivateRedis,
    create_database,
    delete_keys,
    drop_database,
    locked_table,
    query,
    restart_postgresql,
    shared_redis,
    unique_name,
    unreachable_database,
)
from tests.stack import ProductionStack, assert_language, widget_timeout_seconds

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Seit wann ist Tokio Partnerstadt?",
    "Is Vienna a partner city?",
    "Welche Partnerstädte liegen in Asien?",
    "Wie viele sind das?",
    "Who handles protocol matters?",
    "Is Moscow still a partner?",
]
ASIA_EN = "Which partner cities are in Asia?"


@pytest.fixture(scope="module")
def telegram_api() -> Iterator[FakeBotApi]:
    """The Bot API stand-in that the cluster's Telegram webhook (on both servers) talks to."""
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: FakeBotApi
) -> Iterator[ProductionStack]:
    database = unique_name("assistant_test_")
    prefix = unique_name("test")
    create_database(database)
    stack = ProductionStack(tmp_path_factory.mktemp("production"), database, TEST_REDIS_DB, prefix)
    stack.extra_env.update(
        telegram_env(
            telegram_api,
            TELEGRAM_WEBHOOK_URL=f"{stack.url}/webhooks/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
    )
    try:
        stack.start()
        yield stack
    finally:
        if stack.running:
            stack.stop()
        drop_database(database)
        client = shared_redis()
        delete_keys(client, prefix)
        client.close()


def ask(url: str, sender: str, text: str) -> list[str]:
    response = httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    texts = [m.get("text", "") for m in response.json()]
    assert texts and all(texts), f"no answer to {text!r}: {response.text}"
    return texts


def events(stack: ProductionStack, sender: str) -> list[dict[str, Any]]:
    """The conversation's events as stored in PostgreSQL, in the order of their ids."""
    rows = query(
        stack.database,
        "SELECT id, type_name, timestamp, data FROM events WHERE sender_id = %s ORDER BY id",
        sender,
    )
    return [{"id": i, "type": t, "timestamp": ts, **json.loads(d)} for i, t, ts, d in rows]


def user_texts(stored: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in stored if e["type"] == "user"]


def assert_one_turn_per_message(stored: list[dict[str, Any]]) -> None:
    """Every message is one whole turn: its user event, one answer, then listening again.

    Two messages handled at the same time would interleave: two user events in one turn, an
    answer missing or twice.
    """
    assert [e["id"] for e in stored] == sorted({e["id"] for e in stored})
    timestamps = [e["timestamp"] for e in stored]
    assert timestamps == sorted(timestamps)
    starts = [i for i, e in enumerate(stored) if e["type"] == "user"]
    for begin, end in zip(starts, [*starts[1:], len(stored)], strict=True):
        turn = stored[begin:end]
        actions = [e.get("name") for e in turn if e["type"] == "action"]
        assert actions == ["action_answer", "action_listen"], turn
        assert sum(e["type"] == "bot" for e in turn) >= 1, turn


def test_one_conversation_alternates_between_the_two_rasa_servers(
    cluster: ProductionStack,
) -> None:
    sender = unique_name("alternate")
    first, second = cluster.backends
    replies = [ask((first, second)[i % 2], sender, q) for i, q in enumerate(QUESTIONS)]
    # The second server knows what the first was told: "Wie viele sind das?" counts the Asian
    # partner cities that the first listed ("6 der 19 Partnerstädte ...": "Das sind 6: ...").
    k = cluster.knowledge()
    tokyo, asia = k.partner("tokyo"), k.resolve_region("Asien")
    assert tokyo is not None and asia is not None
    assert tokyo.name("de") in replies[0][0] and str(tokyo.since.year) in replies[0][0]
    listed = str(len(k.partners_in(asia)))
    assert replies[2][0].startswith(listed), replies[2]
    assert listed in replies[3][0] and tokyo.name("de") in replies[3][0], replies[3]
    ask(cluster.url, sender, "Danke!")  # and through nginx
    stored = events(cluster, sender)
    assert user_texts(stored) == [*QUESTIONS, "Danke!"]
    assert_one_turn_per_message(stored)


def test_concurrent_messages_to_one_conversation_are_taken_one_at_a_time(
    cluster: ProductionStack,
) -> None:
    sender = unique_name("concurrent")
    texts = [f"{q} ({i})" for i, q in enumerate(QUESTIONS + QUESTIONS[:2])]

    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=120) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        f"{cluster.backends[i % 2]}/webhooks/rest/webhook",
                        json={"sender": sender, "message": text},
                    )
                    for i, text in enumerate(texts)
                )
            )

    responses = asyncio.run(send_all())
    assert [r.status_code for r in responses] == [200] * len(texts)
    assert all(r.json() and all(m.get("text") for m in r.json()) for r in responses)
    stored = events(cluster, sender)
    assert sorted(user_texts(stored)) == sorted(texts)  # each exactly once
    assert_one_turn_per_message(stored)


def test_a_postgresql_restart_costs_no_answer_and_no_stored_event(
    cluster: ProductionStack,
) -> None:
    sender = unique_name("pgrestart")
    for i, question in enumerate(QUESTIONS[:3]):
        ask(cluster.backends[i % 2], sender, question)
    before = events(cluster, sender)
    restart_postgresql()
    for i, question in enumerate(QUESTIONS[3:]):  # both servers' pooled connections died
        ask(cluster.backends[i % 2], sender, question)
    after = events(cluster, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == QUESTIONS
    assert_one_turn_per_message(after)


def test_a_redis_pause_delays_answers_and_loses_nothing(cluster: ProductionStack) -> None:
    sender = unique_name("redispause")
    ask(cluster.backends[0], sender, QUESTIONS[0])
    before = events(cluster, sender)
    pause_ms = 2000
    # Redis answers no client for two seconds (every command waits), as in a failover.
    shared_redis().execute_command("CLIENT", "PAUSE", pause_ms, "ALL")
    started = time.monotonic()
    ask(cluster.backends[1], sender, QUESTIONS[1])
    waited = time.monotonic() - started
    ask(cluster.backends[0], sender, QUESTIONS[2])
    assert waited >= pause_ms / 1000 * 0.5  # the message did wait for Redis
    after = events(cluster, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == QUESTIONS[:3]
    assert_one_turn_per_message(after)


def test_a_telegram_update_that_reaches_both_servers_is_answered_once(
    cluster: ProductionStack, telegram_api: FakeBotApi
) -> None:
    user = 7_320_000_001
    update = build.text_update(user, "Seit wann ist Tokio Partnerstadt?", language_code="de")

    def deliver(backend: str) -> int:
        return httpx.post(
            f"{backend}/webhooks/telegram/webhook",
            json=update,
            headers={SECRET_HEADER: WEBHOOK_SECRET},
            timeout=60,
        ).status_code

    first, second = cluster.backends
    assert deliver(first) == 200  # answered before it is acknowledged
    [reply] = telegram_api.sent_texts(user)
    assert "Tokio" in reply
    # Telegram sends it again (its 200 was lost), and this time it reaches the other server.
    assert deliver(second) == 200
    assert deliver(first) == 200
    assert telegram_api.sent_texts(user) == [reply]
    stored = events(cluster, Pseudonymiser(PSEUDONYM_KEY)(user))
    assert user_texts(stored) == [update["message"]["text"]]
    # What was answered is shared in Redis (assistant/channels/telegram/ledger.py).
    prefix = cluster.extra_env["ASSISTANT_REDIS_KEY_PREFIX"]
    key = RedisLedger(shared_redis(), bot_id(TOKEN), prefix).key(update["update_id"])
    assert shared_redis().get(key) == b"answered"


def say(url: str, channel: str, sender: str, text: str, lang: Lang) -> list[str]:
    """The texts of the reply of the REST or the web chat channel (200 expected)."""
    payload: dict[str, Any] = {"sender": sender, "message": text}
    if channel == "webchat":
        payload["metadata"] = {"language": lang}  # as the widget sends it
    response = httpx.post(f"{url}/webhooks/{channel}/webhook", json=payload, timeout=60)
    assert response.status_code == 200, response.text
    messages = response.json()["messages"] if channel == "webchat" else response.json()
    texts = [m.get("text", "") for m in messages]
    assert texts and all(texts), f"no answer to {text!r}: {response.text}"
    return texts


@pytest.mark.parametrize("channel", ["rest", "webchat"])
@pytest.mark.parametrize(
    ("lang", "questions"),
    [
        ("de", ["Seit wann ist Tokio Partnerstadt?", "Ist Wien Partnerstadt?", QUESTIONS[2]]),
        ("en", ["Since when is Tokyo a partner city?", "Is Vienna a partner city?", ASIA_EN]),
    ],
)
def test_while_the_database_is_unreachable_the_visitor_gets_the_apology(
    cluster: ProductionStack, channel: str, lang: Lang, questions: list[str]
) -> None:
    sender = unique_name("outage")
    first, during, later = questions
    say(cluster.backends[0], channel, sender, first, lang)
    before = events(cluster, sender)
    contact = cluster.knowledge().contact
    with unreachable_database(cluster.database):
        for backend in cluster.backends:  # both servers' connections were closed
            reply = "\n\n".join(say(backend, channel, sender, during, lang))
            assert reply.startswith(APOLOGY[lang]), reply
            assert contact.phone in reply and contact.web(lang) in reply
    answer = "\n\n".join(say(cluster.backends[1], channel, sender, later, lang))
    assert not answer.startswith(APOLOGY[lang])
    assert_language(answer, lang)
    after = events(cluster, sender)
    assert after[: len(before)] == before  # nothing stored before the outage went missing
    assert user_texts(after) == [first, later]  # the apologised message is not stored
    assert_one_turn_per_message(after)


@pytest.mark.parametrize("channel", ["rest", "webchat"])
@pytest.mark.parametrize(
    ("lang", "questions"),
    [
        ("de", ["Seit wann ist Tokio Partnerstadt?", "Ist Wien Partnerstadt?", QUESTIONS[2]]),
        ("en", ["Since when is Tokyo a partner city?", "Is Vienna a partner city?", ASIA_EN]),
    ],
)
def test_while_the_events_table_is_locked_the_apology_comes_before_the_widget_gives_up(
    cluster: ProductionStack, channel: str, lang: Lang, questions: list[str]
) -> None:
    sender = unique_name("locked")
    first, during, later = questions
    say(cluster.backends[0], channel, sender, first, lang)
    before = events(cluster, sender)
    contact = cluster.knowledge().contact
    waits = []
    # PostgreSQL takes connections and answers, but every query of the events table waits.
    with locked_table(cluster.database, "events"):
        for backend in cluster.backends:
            started = time.monotonic()
            reply = "\n\n".join(say(backend, channel, sender, during, lang))
            waits.append(time.monotonic() - started)
            assert reply.startswith(APOLOGY[lang]), reply
            assert contact.phone in reply and contact.web(lang) in reply
    assert max(waits) < widget_timeout_seconds(), f"the widget had given up: {waits}"
    answer = "\n\n".join(say(cluster.backends[1], channel, sender, later, lang))
    assert not answer.startswith(APOLOGY[lang])
    assert_language(answer, lang)
    after = events(cluster, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == [first, later]
    assert_one_turn_per_message(after)


@pytest.fixture(scope="module")
def on_private_redis(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ProductionStack, PrivateRedis]]:
    """The production profile on a redis-server of its own, which a test may hang and restart
    (the machine's Redis is shared: it is never paused for long)."""
    server = PrivateRedis()
    server.start()
    database = unique_name("assistant_test_")
    create_database(database)
    stack = ProductionStack(
        tmp_path_factory.mktemp("production_redis"), database, 0, "test", server.port
    )
    try:
        stack.start()
        yield stack, server
    finally:
        if stack.running:
            stack.stop()
        drop_database(database)
        server.stop()


@pytest.mark.parametrize(
    ("lang", "questions"),
    [
        ("de", ["Seit wann ist Tokio Partnerstadt?", "Ist Wien Partnerstadt?", QUESTIONS[2]]),
        ("en", ["Since when is Tokyo a partner city?", "Is Vienna a partner city?", ASIA_EN]),
    ],
)
def test_a_hanging_redis_gets_the_apology_before_the_widget_gives_up(
    on_private_redis: tuple[ProductionStack, PrivateRedis], lang: Lang, questions: list[str]
) -> None:
    stack, redis_server = on_private_redis
    sender = unique_name("redishang")
    first, during, later = questions
    say(stack.backends[0], "webchat", sender, first, lang)
    before = events(stack, sender)
    # Redis takes connections but answers nothing for a minute (a failover, a stuck server).
    redis_server.client().execute_command("CLIENT", "PAUSE", 60_000, "ALL")
    started = time.monotonic()
    reply = "\n\n".join(say(stack.backends[1], "webchat", sender, during, lang))
    waited = time.monotonic() - started
    assert reply.startswith(APOLOGY[lang]), reply
    assert waited < widget_timeout_seconds(), f"the widget had given up after {waited:.1f} s"
    redis_server.stop()  # back: a restart is the way out of a long pause
    redis_server.start()
    answer = "\n\n".join(say(stack.backends[0], "webchat", sender, later, lang))
    assert not answer.startswith(APOLOGY[lang])
    assert_language(answer, lang)
    after = events(stack, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == [first, later]
    assert_one_turn_per_message(after)
