"""The update ledger: an update is claimed once, then known as answered by every process that
shares the store and after a restart; in memory, in SQLite and PostgreSQL, and in Redis."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.channels.telegram.ledger import (
    ANSWERED_SECONDS,
    CLAIM_SECONDS,
    SQLITE_BUSY_SECONDS,
    MemoryLedger,
    RedisLedger,
    SqlLedger,
    UpdateLedger,
    bot_id,
    ledger_for,
    tracker_database,
)
from assistant.settings import Settings
from tests.services import PG_HOST, PG_PORT, PG_USER, PrivateRedis, shared_redis
from tests.stack import sqlite_write_locked

BOT = 7_000_000_001
PG_SERVER = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


# A ledger as one more process gets it: its own connection to the shared store.
Process = Callable[[], UpdateLedger]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A scratch database on the machine's PostgreSQL, dropped afterwards."""
    name = f"assistant_ledger_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def process(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, redis_prefix: str
) -> Iterator[Process]:
    """Makes the ledgers of several processes over one store."""
    engines: list[sa.engine.Engine] = []

    def sql(url: str) -> Process:
        def make() -> UpdateLedger:
            engines.append(sa.create_engine(url))
            return SqlLedger(engines[-1], BOT, clock)

        return make

    if request.param == "sqlite":
        yield sql(f"sqlite:///{tmp_path / 'tracker.db'}")
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        yield sql(url)
        with sa.create_engine(url).begin() as connection:  # the next test starts empty
            connection.exec_driver_sql("DROP TABLE IF EXISTS telegram_updates")
    else:
        yield lambda: RedisLedger(shared_redis(), BOT, redis_prefix)
    for engine in engines:
        engine.dispose()


async def test_an_update_is_claimed_once_then_answered_for_every_process(process: Process) -> None:
    first, second = process(), process()
    assert await first.claim(1) == "new"
    assert await first.claim(1) == "in_hand"  # a copy while it is answered here
    assert await second.claim(1) == "elsewhere"  # a copy that reached another server
    await first.answered(1)
    assert await first.claim(1) == "answered"
    assert await second.claim(1) == "answered"
    assert await second.claim(2) == "new"


async def test_answered_updates_are_known_after_a_restart(process: Process) -> None:
    before = process()
    assert await before.claim(10) == "new"
    await before.answered(10)
    assert await process().claim(10) == "answered"


async def test_a_released_update_gets_another_chance_and_only_its_owner_releases(
    process: Process,
) -> None:
    first, second = process(), process()
    assert await first.claim(3) == "new"
    await first.release(3)  # handling failed
    assert await second.claim(3) == "new"
    await first.release(3)  # not first's claim any more: nothing happens
    assert await first.claim(3) == "elsewhere"


async def test_a_claim_left_by_a_crashed_run_can_be_taken_over(process: Process) -> None:
    crashed, restarted = process(), process()
    assert await crashed.claim(5) == "new"
    assert await restarted.claim(5, take_over=True) == "new"
    assert await crashed.claim(5) == "elsewhere"
    await restarted.answered(5)
    assert await process().claim(5, take_over=True) == "answered"  # never an answered one


@pytest.mark.parametrize("process", ["sqlite", "postgresql"], indirect=True)
async def test_claims_lapse_and_answers_are_forgotten_a_day_later(
    process: Process, clock: Clock
) -> None:
    crashed, other = process(), process()
    assert await crashed.claim(7) == "new"
    clock.now += CLAIM_SECONDS - 1
    assert await other.claim(7) == "elsewhere"
    clock.now += 2  # the process that claimed it died: its update is answered after all
    assert await other.claim(7) == "new"
    await other.answered(7)
    clock.now += ANSWERED_SECONDS - 1
    assert await crashed.claim(7) == "answered"
    clock.now += 2  # Telegram keeps no update this long: the row is gone
    assert await crashed.claim(7) == "new"


async def test_redis_keys_expire_with_the_claim_and_the_answer(redis_prefix: str) -> None:
    ledger = RedisLedger(shared_redis(), BOT, redis_prefix)
    await ledger.claim(8)
    key = ledger.key(8)
    assert key == f"{redis_prefix}:telegram:update:{BOT}:8"
    assert CLAIM_SECONDS - 5 < shared_redis().ttl(key) <= CLAIM_SECONDS
    await ledger.answered(8)
    assert ANSWERED_SECONDS - 5 < shared_redis().ttl(key) <= ANSWERED_SECONDS


async def test_memory_ledger_lapses_and_stays_bounded(clock: Clock) -> None:
    ledger = MemoryLedger(clock, max_remembered=10)
    assert await ledger.claim(1) == "new"
    assert await ledger.claim(1) == "in_hand"
    clock.now += CLAIM_SECONDS + 1
    assert await ledger.claim(1) == "new"
    await ledger.answered(1)
    assert await ledger.claim(1) == "answered"
    for update_id in range(100, 120):
        await ledger.claim(update_id)
    assert await ledger.claim(1) == "new"  # forgotten: the oldest go first


async def test_the_updates_of_two_bots_are_kept_apart(tmp_path: Path, redis_prefix: str) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    for one, other in (
        (SqlLedger(engine, 1), SqlLedger(engine, 2)),
        (
            RedisLedger(shared_redis(), 1, redis_prefix),
            RedisLedger(shared_redis(), 2, redis_prefix),
        ),
    ):
        assert await one.claim(1) == "new"
        await one.answered(1)
        assert await other.claim(1) == "new"
    engine.dispose()


async def test_a_store_away_lets_updates_through_and_says_so(
    private_redis: PrivateRedis, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redis_ledger = RedisLedger(private_redis.client(socket_timeout=0.5), BOT, "x")
    private_redis.stop()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'tracker.db'}")
    for ledger in (redis_ledger, SqlLedger(engine, BOT)):
        caplog.clear()
        assert await ledger.claim(1) == "new"  # answered twice rather than not at all
        assert await ledger.claim(1) == "new"
        await ledger.answered(1)
        await ledger.release(1)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 4 and "ledger cannot be reached" in warnings[0].getMessage()
    engine.dispose()


def test_the_profile_chooses_where_the_ledger_lives(tmp_path: Path) -> None:
    def settings(**env: str) -> Settings:
        return Settings.from_env({"TELEGRAM_BOT_TOKEN": f"{BOT}:secret", **env}, tmp_path / "no")

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    production = ledger_for(settings(ASSISTANT_PROFILE="production"), engine)
    assert isinstance(production, RedisLedger)
    assert production.key(1).startswith(f"assistant:telegram:update:{BOT}:")
    embedded = ledger_for(settings(), engine)
    assert isinstance(embedded, SqlLedger) and embedded.bot_id == BOT
    assert isinstance(ledger_for(settings()), MemoryLedger)


async def test_a_locked_sqlite_store_holds_the_embedded_ledger_only_briefly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The tracker store waits 10 s for a write lock; the ledger lets the update through after
    # SQLITE_BUSY_SECONDS, so that claim, answer and record stay within Telegram's patience.
    path = tmp_path / "tracker.db"
    store = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": f"{BOT}:secret"}, tmp_path / "no")
    ledger = ledger_for(settings, store)
    assert await ledger.claim(1) == "new"  # the table exists before the lock
    with sqlite_write_locked(path):
        started = time.monotonic()
        assert await ledger.claim(2) == "new"
        waited = time.monotonic() - started
    assert SQLITE_BUSY_SECONDS * 0.9 <= waited < SQLITE_BUSY_SECONDS + 2
    assert "ledger cannot be reached" in caplog.text
    assert await ledger.claim(1) == "in_hand"  # the same file as the store, after the lock
    store.dispose()


@pytest.mark.parametrize(
    ("token", "expected"), [(f"{BOT}:AAE-secret", BOT), ("no-colon", 0), (None, 0)]
)
def test_the_bot_id_is_the_public_part_of_the_token(token: str | None, expected: int) -> None:
    assert bot_id(token) == expected


def test_the_database_of_rasas_tracker_store_is_found_through_its_wrappers(
    tmp_path: Path,
) -> None:
    from rasa.core.tracker_store import (
        AwaitableTrackerStore,
        FailSafeTrackerStore,
        InMemoryTrackerStore,
        SQLTrackerStore,
    )
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.db"))
    for wrapped in (store, FailSafeTrackerStore(store), AwaitableTrackerStore(store)):
        assert tracker_database(FailSafeTrackerStore(wrapped)) is store.engine
    assert tracker_database(FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))) is None
    assert tracker_database(None) is None
    store.engine.dispose()


async def test_processes_that_start_together_claim_an_update_once(
    process: Process, caplog: pytest.LogCaptureFixture
) -> None:
    # The first claims of a new store also create its table (SQL), from several processes.
    ledgers = [process() for _ in range(4)]
    claims = await asyncio.gather(*(ledger.claim(11) for ledger in ledgers))
    assert sorted(claims) == ["elsewhere"] * 3 + ["new"]
    assert "cannot be reached" not in caplog.text


async def test_rows_are_pruned_by_age_at_the_next_claim(tmp_path: Path, clock: Clock) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    ledger = SqlLedger(engine, BOT, clock)
    for update_id in range(1, 6):
        assert await ledger.claim(update_id) == "new"
        await ledger.answered(update_id)
    assert await ledger.claim(6) == "new"  # claimed, never answered (a crash)
    clock.now += ANSWERED_SECONDS + 1
    assert await ledger.claim(7) == "new"
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT update_id FROM telegram_updates").all()
    assert rows == [(7,)]
    engine.dispose()
