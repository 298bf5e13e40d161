"""Benchmark of the review console on 100,000 generated conversations (issue 8).

    python -m bench.review [--conversations 100000] [--sqlite var/bench/review.db]
                           [--postgres postgresql://postgres@127.0.0.1:5432/review_bench]

Writes Rasa-shaped events (user messages with parse data, actions, bot replies, thumbs) into a
fresh `events` table, builds the console's index once, then times pages of the running app over
loopback HTTP: the list, every filter, a combination, a deep page, the overview and an export.
Prints a Markdown table for docs/benchmarks.md. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from assistant.review import open_database
from assistant.review.accounts import add_user
from assistant.review.app import create_app
from assistant.review.indexer import refresh
from assistant.review.schema import create_schema, events, rasa_metadata, statuses, tags
from assistant.settings import Settings

DAY = 86400.0
CITIES = ["Paris", "Tokio", "Warschau", "London", "Prag", "Madrid", "Wien", "Bern", "Kyjiw"]
TEMPLATES = {
    "de": [
        ("ask_is_partner", "Ist {city} eine Partnerstadt von Berlin?"),
        ("ask_partner_since", "Seit wann ist {city} Partnerstadt?"),
        ("list_partner_cities", "Welche Partnerstädte hat Berlin?"),
        ("route_protocol", "Wen erreiche ich wegen eines Staatsbesuchs?"),
        ("ask_golden_book", "Wer darf sich ins Goldene Buch eintragen?"),
        ("out_of_scope", "Wie wird das Wetter morgen in {city}?"),
    ],
    "en": [
        ("ask_is_partner", "Is {city} a partner city of Berlin?"),
        ("ask_partner_since", "Since when is {city} a partner city?"),
        ("list_partner_cities", "Which partner cities does Berlin have?"),
        ("route_protocol", "Who do I contact about a state visit?"),
        ("ask_golden_book", "Who may sign the Golden Book?"),
        ("out_of_scope", "What is the weather like in {city} tomorrow?"),
    ],
}
CHANNELS = [("webchat", ""), ("telegram", "tg-"), ("rest", "rest-")]


def conversation(
    rng: random.Random, started: float
) -> Iterator[tuple[str, float, str | None, str | None, str]]:
    """(type_name, timestamp, intent_name, action_name, data) of one generated conversation."""
    lang = rng.choice(["de", "en"])
    channel, _ = rng.choice(CHANNELS)
    when = started
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 6])):
        intent, template = rng.choice(TEMPLATES[lang])
        confidence = rng.uniform(0.15, 0.99)
        if confidence < 0.25:
            intent = "nlu_fallback"
        text = template.format(city=rng.choice(CITIES)) + f" {rng.randint(1, 99999)}"
        user = {
            "event": "user",
            "timestamp": when,
            "text": text,
            "input_channel": channel,
            "parse_data": {
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
                "text": text,
                "language": {"reply": lang, "reason": "words", "detected": lang},
            },
        }
        yield "user", when, intent, None, json.dumps(user)
        yield (
            "action",
            when + 0.1,
            None,
            "action_answer",
            json.dumps({"event": "action", "timestamp": when + 0.1, "name": "action_answer"}),
        )
        bot = {"event": "bot", "timestamp": when + 0.2, "text": "Answer " + "x" * 200}
        yield "bot", when + 0.2, None, None, json.dumps(bot)
        if rng.random() < 0.1:
            value = {
                "rating": rng.choice(["up", "up", "down"]),
                "message": bot["text"],
                "message_timestamp": when + 0.2,
                "timestamp": when + 5,
            }
            yield (
                "slot",
                when + 5,
                None,
                "feedback",
                json.dumps(
                    {"event": "slot", "timestamp": when + 5, "name": "feedback", "value": value}
                ),
            )
        when += rng.uniform(10, 120)


def generate(engine: sa.engine.Engine, count: int, seed: int = 8) -> list[str]:
    """Fill a fresh `events` table with `count` conversations; returns their sender ids."""
    rng = random.Random(seed)
    now = time.time()
    with engine.begin() as conn:
        for table in ("fts_review_messages",):
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    rasa_metadata.drop_all(engine)
    from assistant.review.schema import metadata

    metadata.drop_all(engine)
    create_schema(engine)
    senders: list[str] = []
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(count):
            prefix = rng.choice(CHANNELS)[1]
            sender = f"{prefix}{uuid.UUID(int=rng.getrandbits(128)).hex}"
            senders.append(sender)
            started = now - (count - i) * (365 * DAY / count)
            for type_name, ts, intent, action, data in conversation(rng, started):
                batch.append(
                    {
                        "sender_id": sender,
                        "type_name": type_name,
                        "timestamp": ts,
                        "intent_name": intent,
                        "action_name": action,
                        "data": data,
                    }
                )
            if len(batch) > 20_000:
                conn.execute(events.insert(), batch)
                batch.clear()
        if batch:
            conn.execute(events.insert(), batch)
        picked = rng.sample(senders, count // 50)
        conn.execute(
            tags.insert(),
            [
                {
                    "sender_id": s,
                    "tag": rng.choice(["faq", "visits", "wrong city"]),
                    "created_by": "bench",
                    "created_at": now,
                }
                for s in picked
            ],
        )
        conn.execute(
            statuses.insert(),
            [
                {
                    "sender_id": s,
                    "status": rng.choice(["reviewed", "needs_work"]),
                    "updated_by": "bench",
                    "updated_at": now,
                }
                for s in picked
            ],
        )
        add_user(conn, "bench", "reviewer", "benchmark password")
    return senders


PAGES = [
    ("list, newest first", "/conversations"),
    ("list, page 500", "/conversations?page=500"),
    ("date range (one month)", "/conversations?date_from={month_ago}&date_to={today}"),
    ("channel", "/conversations?channel=telegram"),
    ("language", "/conversations?language=de"),
    ("intent", "/conversations?intent=ask_golden_book"),
    ("fell back / low confidence", "/conversations?uncertain=1"),
    ("thumbs down", "/conversations?thumbs_down=1"),
    ("tag", "/conversations?tag=visits"),
    ("review status", "/conversations?status=needs_work"),
    ("full-text search", "/conversations?q=Goldene+Buch"),
    ("full-text, rare word", "/conversations?q=Warschau+4242"),
    (
        "all combined",
        "/conversations?language=de&channel=webchat&intent=ask_is_partner"
        "&uncertain=1&q=Paris&date_from={year_ago}&date_to={today}",
    ),
    ("conversation view", "/conversation?id={sender}"),
    ("overview (30 days)", "/overview"),
    ("overview (one year)", "/overview?date_from={year_ago}&date_to={today}"),
    ("CSV export, thumbs down + de", "/export/conversations.csv?thumbs_down=1&language=de"),
]


async def time_pages(
    engine: sa.engine.Engine, sender: str, repeat: int
) -> list[tuple[str, float, float]]:
    import datetime as dt

    today = dt.date.today()
    values = {
        "today": today,
        "month_ago": today - dt.timedelta(days=30),
        "year_ago": today - dt.timedelta(days=365),
        "sender": sender,
    }
    app = create_app(Settings(), engine)
    results = []
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/login")
        csrf = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
        await client.post(
            "/login", data={"csrf_token": csrf, "name": "bench", "password": "benchmark password"}
        )
        for name, path in PAGES:
            url = path.format(**values).replace("channel=webchat", "channel=web")
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                response = await client.get(url)
                await response.read()
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status == 200, (url, response.status)
            results.append((name, statistics.median(timings), max(timings)))
    return results


def run(url: str, count: int, repeat: int) -> str:
    engine = open_database(url=url)
    start = time.perf_counter()
    senders = generate(engine, count)
    generated = time.perf_counter() - start
    with engine.connect() as conn:
        n_events = conn.scalar(sa.select(sa.func.count()).select_from(events))
    start = time.perf_counter()
    refresh(engine)
    built = time.perf_counter() - start
    start = time.perf_counter()
    refresh(engine)
    idle = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    refresh(engine, sweep=True)
    swept = (time.perf_counter() - start) * 1000
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    timings = asyncio.run(time_pages(engine, senders[-1], repeat))
    lines = [
        f"**{engine.dialect.name}**: {count:,} conversations, {n_events:,} events "
        f"(generated in {generated:.0f} s); first index build {built:.0f} s; "
        f"refresh with nothing new {idle:.1f} ms; sweep for purged rows {swept:.0f} ms.",
        "",
        "| page | median ms | max ms |",
        "|---|---:|---:|",
        *(f"| {name} | {median:.0f} | {worst:.0f} |" for name, median, worst in timings),
    ]
    engine.dispose()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sqlite", default="var/bench/review.db")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/review_bench")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.only != "postgres":
        path = Path(args.sqlite)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        print(run(f"sqlite:///{path}", args.conversations, args.repeat), "\n", flush=True)
    if args.only != "sqlite":
        target = sa.engine.make_url(args.postgres)
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
        admin.dispose()
        print(run(str(target), args.conversations, args.repeat), flush=True)


if __name__ == "__main__":
    main()
