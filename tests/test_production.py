"""The production profile: two Rasa servers share PostgreSQL and Redis behind nginx.

One `serve --profile production` for the module, on the machine's PostgreSQL (a scratch
database, created and dropped here) and a redis-server of the module's own (tests/services.py),
which the tests pause, stop and start again without touching the machine's shared Redis.
Conversations alternate between the two Rasa servers, concurrent messages to one conversation
are taken one at a time, and the tracker holds every event once, in order, also across a
PostgreSQL restart, a Redis pause, and Redis or the database away for longer than the lock
store's retries (the visitor then gets the apology, never a server error).

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
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from assistant.channels.apology import Apology
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import bot_id
from assistant.channels.telegram.webhook import SECRET_HEADER
from assistant.lang import Lang
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.services import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    PrivateRedis,
    create_database,
    drop_database,
    query,
    restart_postgresql,
    unique_name,
)
from tests.stack import ProductionStack

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Seit wann ist Tokio Partnerstadt?",
    "Is Vienna a partner city?",
    "Welche Partnerstädte liegen in Asien?",
    "Wie viele sind das?",
    "Who handles protocol matters?",
    "Is Moscow still a partner?",
]


@dataclass
class Cluster:
    """The running production stack, the redis-server it uses and its Bot API stand-in."""

    stack: ProductionStack
    redis: PrivateRedis
    telegram: FakeBotApi

    @property
    def backends(self) -> list[str]:
        return self.stack.backends

    @property
    def url(self) -> str:
        return self.stack.url

    @property
    def database(self) -> str:
        return self.stack.database

    def apology(self, lang: Lang) -> str:
        return Apology.from_knowledge(self.stack.settings().knowledge_dir).text(lang)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    database = unique_name("assistant_test_")
    create_database(database)
    redis = PrivateRedis()
    redis.start()
    telegram = FakeBotApi().start()
    stack = ProductionStack(tmp_path_factory.mktemp("production"), database, 0, unique_name("test"))
    stack.extra_env["ASSISTANT_REDIS_PORT"] = str(redis.port)
    stack.extra_env.update(  # the webhook on both Rasa servers, against the stand-in
        telegram_env(
            telegram,
            TELEGRAM_WEBHOOK_URL=f"{stack.url}/webhooks/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
    )
    try:
        stack.start()
        yield Cluster(stack, redis, telegram)
    finally:
        if stack.running:
            stack.stop()
        telegram.stop()
        redis.stop()
        drop_database(database)


def ask(url: str, sender: str, text: str) -> list[str]:
    response = httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    texts = [m.get("text", "") for m in response.json()]
    assert texts and all(texts), f"no answer to {text!r}: {response.text}"
    return texts


def events(stack: Cluster, sender: str) -> list[dict[str, Any]]:
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
    cluster: Cluster,
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
    cluster: Cluster,
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
    cluster: Cluster,
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


def test_a_redis_pause_delays_answers_and_loses_nothing(cluster: Cluster) -> None:
    sender = unique_name("redispause")
    ask(cluster.backends[0], sender, QUESTIONS[0])
    before = events(cluster, sender)
    pause_ms = 2000
    # Redis answers no client for two seconds (every command waits), as in a failover.
    cluster.redis.client().execute_command("CLIENT", "PAUSE", pause_ms, "ALL")
    started = time.monotonic()
    ask(cluster.backends[1], sender, QUESTIONS[1])
    waited = time.monotonic() - started
    ask(cluster.backends[0], sender, QUESTIONS[2])
    assert waited >= pause_ms / 1000 * 0.5  # the message did wait for Redis
    after = events(cluster, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == QUESTIONS[:3]
    assert_one_turn_per_message(after)


def chat(url: str, sender: str, text: str, lang: Lang) -> list[str]:
    """The texts of the web chat's reply (the widget's request)."""
    response = httpx.post(
        f"{url}/webhooks/webchat/webhook",
        json={"sender": sender, "message": text, "metadata": {"language": lang}},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["messages"]]


def test_redis_away_gets_the_apology_and_costs_no_stored_event(cluster: Cluster) -> None:
    sender, visitor = unique_name("redisdown"), unique_name("widget")
    ask(cluster.backends[0], sender, QUESTIONS[0])
    before = events(cluster, sender)
    cluster.redis.stop()  # longer than the lock store's retries: each message waits ~4 s
    try:
        rest = ask(cluster.backends[1], sender, "Welche Partnerstädte liegen in Europa?")
        web = chat(cluster.backends[0], visitor, "Which partner cities are in Asia?", "en")
    finally:
        cluster.redis.start()  # on the same port, empty: no lock of the outage is left
    assert "\n\n".join(rest) == cluster.apology("de")
    assert web == [cluster.apology("en")]
    # Back: both conversations are answered again, on either server.
    assert cluster.apology("de") not in ask(cluster.backends[0], sender, QUESTIONS[1])
    assert cluster.apology("de") not in ask(cluster.backends[1], sender, QUESTIONS[2])
    assert chat(cluster.backends[1], visitor, "Is Vienna a partner city?", "en") != web
    after = events(cluster, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == QUESTIONS[:3]  # the message of the outage was never taken
    assert_one_turn_per_message(after)
    assert user_texts(events(cluster, visitor)) == ["Is Vienna a partner city?"]


def set_connections(database: str, allowed: bool) -> None:
    """Let clients connect to `database` again, or refuse them and end the open connections:
    the database is away for the assistant, the machine's other databases are not."""
    import psycopg2

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {allowed}')
            if not allowed:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (database,),
                )
    finally:
        connection.close()


def test_the_database_away_gets_the_apology_and_costs_no_stored_event(cluster: Cluster) -> None:
    sender, visitor = unique_name("dbdown"), unique_name("widget")
    ask(cluster.backends[0], sender, QUESTIONS[0])
    [listed] = chat(cluster.backends[1], visitor, "Welche Partnerstädte liegen in Asien?", "de")
    before, before_chat = events(cluster, sender), events(cluster, visitor)
    set_connections(cluster.database, allowed=False)
    try:
        rest = ask(cluster.backends[1], sender, "Which partner cities are in Europe?")
        web = chat(cluster.backends[0], visitor, "Ist Wien eine Partnerstadt?", "de")
    finally:
        set_connections(cluster.database, allowed=True)
    assert "\n\n".join(rest) == cluster.apology("en")
    assert web == [cluster.apology("de")]
    assert cluster.apology("de") not in ask(cluster.backends[0], sender, QUESTIONS[1])
    after = events(cluster, sender)
    assert after[: len(before)] == before
    assert user_texts(after) == QUESTIONS[:2]
    assert_one_turn_per_message(after)
    # The widget's conversation goes on in its context: "Wie viele sind das?" counts the Asian
    # partner cities listed before the outage (a message answered as the first of a new
    # conversation would have reset it).
    [count] = chat(cluster.backends[1], visitor, "Wie viele sind das?", "de")
    assert listed.split()[0].isdigit() and listed.split()[0] in count and "Tokio" in count
    after_chat = events(cluster, visitor)
    assert after_chat[: len(before_chat)] == before_chat
    assert user_texts(after_chat) == [
        "Welche Partnerstädte liegen in Asien?",
        "Wie viele sind das?",
    ]
    assert_one_turn_per_message(after_chat)


def test_a_telegram_update_that_reaches_both_servers_is_answered_once(cluster: Cluster) -> None:
    user = 7_320_000_001
    update = build.text_update(user, "Welche Partnerstädte hat Berlin?", language_code="de")

    def deliver(backend: str) -> int:
        return httpx.post(
            f"{backend}/webhooks/telegram/webhook",
            json=update,
            headers={SECRET_HEADER: WEBHOOK_SECRET},
            timeout=60,
        ).status_code

    assert deliver(cluster.backends[0]) == 200  # answered before it is acknowledged
    replies = cluster.telegram.sent_texts(user)
    assert replies and "19 Partnerstädte" in replies[0]
    # Telegram sends it again (it saw no 200 in time), and this time it reaches the other server.
    assert deliver(cluster.backends[1]) == 200
    assert deliver(cluster.backends[0]) == 200
    assert cluster.telegram.sent_texts(user) == replies
    stored = events(cluster, Pseudonymiser(PSEUDONYM_KEY)(user))
    assert user_texts(stored) == ["Welche Partnerstädte hat Berlin?"]
    # The servers share what was answered in Redis (assistant/channels/telegram/ledger.py).
    prefix = cluster.stack.extra_env["ASSISTANT_REDIS_KEY_PREFIX"]
    key = f"{prefix}:telegram:update:{bot_id(TOKEN)}:{update['update_id']}"
    assert cluster.redis.client().get(key) == b"answered"
