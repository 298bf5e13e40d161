"""The Redis lock store of the production profile: tickets from several processes never
collide, locks leave nothing behind, a Redis restart delays a message instead of failing it,
and a hanging Redis fails it while the widget still waits for the answer.

Against the machine's Redis (tests' database and key prefix, tests/services.py) and, for the
restart, a redis-server of the test's own.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from rasa.core.lock_store import LockError, RedisLockStore

from assistant.lockstore import AtomicRedisLockStore
from assistant.settings import Settings
from tests.services import REDIS_HOST, REDIS_PORT, TEST_REDIS_DB, PrivateRedis
from tests.stack import widget_timeout_seconds

CONVERSATION = "c0nversation"


def store(prefix: str, cls: type[RedisLockStore] = AtomicRedisLockStore) -> RedisLockStore:
    """A lock store with its own connection pool, as each Rasa process has."""
    return cls(host=REDIS_HOST, port=REDIS_PORT, db=TEST_REDIS_DB, key_prefix=prefix)


def issue_concurrently(stores: list[RedisLockStore], per_thread: int) -> list[int]:
    """Two threads per store issue tickets for one conversation at the same time."""
    tickets: list[int] = []
    start = threading.Barrier(2 * len(stores))

    def issue(lock_store: RedisLockStore) -> None:
        start.wait()
        mine = [lock_store.issue_ticket(CONVERSATION) for _ in range(per_thread)]
        tickets.extend(mine)

    threads = [threading.Thread(target=issue, args=(s,)) for s in stores for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return tickets


def test_tickets_issued_by_several_processes_are_distinct_and_gapless(redis_prefix: str) -> None:
    tickets = issue_concurrently([store(redis_prefix), store(redis_prefix)], per_thread=100)
    assert sorted(tickets) == list(range(400))  # the first ticket is number 0


def test_rasa_own_store_can_issue_one_ticket_twice(redis_prefix: str) -> None:
    """Why the lock store is ours: Rasa's read-change-write loses tickets under the same load.

    If this ever fails, Rasa's store became safe and ours may go.
    """
    tickets = issue_concurrently(
        [store(redis_prefix, RedisLockStore), store(redis_prefix, RedisLockStore)],
        per_thread=100,
    )
    assert len(set(tickets)) < len(tickets)


def test_a_lock_goes_with_its_last_ticket_and_expires_with_it(redis_prefix: str) -> None:
    lock_store = store(redis_prefix)
    key = lock_store.key_prefix + CONVERSATION
    first = lock_store.issue_ticket(CONVERSATION, lock_lifetime=30)
    second = lock_store.issue_ticket(CONVERSATION, lock_lifetime=30)
    assert 30_000 < lock_store.red.pttl(key) <= 35_000  # last ticket's lifetime plus grace
    lock_store.cleanup(CONVERSATION, first)
    lock = lock_store.get_lock(CONVERSATION)
    assert lock is not None and lock.now_serving == second
    lock_store.cleanup(CONVERSATION, second)
    assert lock_store.red.exists(key) == 0


async def test_two_stores_let_one_holder_in_at_a_time(redis_prefix: str) -> None:
    stores = [store(redis_prefix), store(redis_prefix)]
    inside: list[int] = []
    overlaps: list[int] = []

    async def hold(i: int) -> None:
        async with stores[i % 2].lock(CONVERSATION, wait_time_in_seconds=0.01):
            if inside:
                overlaps.append(i)
            inside.append(i)
            await asyncio.sleep(0.02)  # hold the lock across a switch of tasks
            inside.remove(i)

    await asyncio.gather(*(hold(i) for i in range(6)))
    assert overlaps == []
    assert stores[0].get_lock(CONVERSATION) is None


def test_a_redis_restart_delays_a_ticket_instead_of_failing_it(
    private_redis: PrivateRedis,
) -> None:
    lock_store = AtomicRedisLockStore(host="127.0.0.1", port=private_redis.port, db=0)
    assert lock_store.issue_ticket(CONVERSATION) == 0
    private_redis.stop()
    outage = 1.0
    restart = threading.Timer(outage, private_redis.start)  # the outage lasts a second
    restart.start()
    started = time.monotonic()
    try:
        ticket = lock_store.issue_ticket("another")
    finally:
        restart.join()
    assert ticket == 0
    assert time.monotonic() - started >= outage * 0.9


def test_redis_down_for_longer_fails_the_ticket_with_rasas_error(
    private_redis: PrivateRedis,
) -> None:
    lock_store = AtomicRedisLockStore(
        host="127.0.0.1", port=private_redis.port, db=0, retry_seconds=0.2
    )
    private_redis.stop()
    with pytest.raises(LockError):
        lock_store.issue_ticket(CONVERSATION)


async def test_tickets_are_issued_and_returned_off_the_event_loop(redis_prefix: str) -> None:
    lock_store = store(redis_prefix)
    threads: list[int] = []
    issue, cleanup = lock_store.issue_ticket, lock_store.cleanup

    def issue_ticket(*args: object) -> int:
        threads.append(threading.get_ident())
        return issue(*args)  # type: ignore[arg-type]

    def clean(*args: object) -> None:
        threads.append(threading.get_ident())
        cleanup(*args)  # type: ignore[arg-type]

    lock_store.issue_ticket = issue_ticket  # type: ignore[method-assign]
    lock_store.cleanup = clean  # type: ignore[method-assign]
    async with lock_store.lock(CONVERSATION, wait_time_in_seconds=0.01) as lock:
        assert lock.conversation_id == CONVERSATION
    assert len(threads) == 2 and threading.get_ident() not in threads
    assert lock_store.get_lock(CONVERSATION) is None


def hung(server: PrivateRedis) -> None:
    """Redis takes connections but answers no command (as in a failover), for a minute."""
    server.client().execute_command("CLIENT", "PAUSE", 60_000, "ALL")


def paused_store(server: PrivateRedis) -> AtomicRedisLockStore:
    """A lock store with the settings' default time limits, as the Rasa server builds it."""
    return AtomicRedisLockStore(host="127.0.0.1", port=server.port, db=0, key_prefix="hang")


# What one web-chat message may wait for Redis at most: no ticket, or the lock not read while
# waiting for the turn and the ticket not returned (each retried for the retry time, each call
# up to the timeout), and the two rate limits (one call each, not retried).
DEFAULTS = Settings()
ONE_CALL = DEFAULTS.redis_retry_seconds + DEFAULTS.redis_timeout
SLACK = 1.0  # thread start-up, a loaded machine


async def test_a_hanging_redis_fails_a_ticket_after_the_retry_time(
    private_redis: PrivateRedis,
) -> None:
    lock_store = paused_store(private_redis)
    hung(private_redis)
    started = time.monotonic()
    with pytest.raises(LockError):
        async with lock_store.lock(CONVERSATION):
            pytest.fail("the lock was taken while Redis answered nothing")
    assert time.monotonic() - started < ONE_CALL + SLACK


async def test_a_hanging_redis_while_waiting_for_the_turn_fails_the_message_in_time(
    private_redis: PrivateRedis,
) -> None:
    lock_store = paused_store(private_redis)
    lock_store.issue_ticket(CONVERSATION)  # another message of the conversation goes first

    async def second_message() -> None:
        async with lock_store.lock(CONVERSATION, wait_time_in_seconds=0.05):
            pytest.fail("the turn came while the first message held it")

    ticks = 0

    async def other_visitors() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    waiting = asyncio.create_task(second_message())
    await asyncio.sleep(0.3)  # it is waiting for its turn, polling the lock
    hung(private_redis)
    ticker = asyncio.create_task(other_visitors())
    started = time.monotonic()
    with pytest.raises(LockError):
        await waiting
    waited = time.monotonic() - started
    ticker.cancel()
    assert waited < 2 * ONE_CALL + SLACK  # reading the lock, then returning the ticket
    assert ticks >= waited / 0.05 / 2  # the event loop went on meanwhile


async def test_a_ticket_not_returned_costs_the_answer_nothing(
    private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    lock_store = paused_store(private_redis)
    answered = False
    async with lock_store.lock(CONVERSATION):
        hung(private_redis)  # Redis hangs while the message is answered
        answered = True
        started = time.monotonic()
    assert answered
    assert time.monotonic() - started < ONE_CALL + SLACK
    assert "ticket was not returned" in caplog.text


def test_the_longest_wait_for_redis_ends_before_the_widget_gives_up() -> None:
    rate_limits = 2 * DEFAULTS.redis_timeout
    worst = 2 * ONE_CALL + rate_limits
    answer = 4.0  # NLU, the action and the tracker store of a loaded 2-core machine, generously
    assert worst + answer < widget_timeout_seconds()


async def test_a_ticket_not_returned_is_returned_once_redis_answers_again(
    private_redis: PrivateRedis,
) -> None:
    first = AtomicRedisLockStore(
        host="127.0.0.1", port=private_redis.port, db=0, retry_seconds=0.5, socket_timeout=0.2
    )
    second = paused_store(private_redis)  # another Rasa process, the settings' limits
    second.key_prefix = first.key_prefix
    pause = 2.0
    async with first.lock(CONVERSATION):
        # Redis answers nothing for two seconds, longer than the ticket's return is retried.
        private_redis.client().execute_command("CLIENT", "PAUSE", int(pause * 1000), "ALL")
        paused = time.monotonic()
    async with second.lock(CONVERSATION, wait_time_in_seconds=0.05):
        waited = time.monotonic() - paused
    # Before, the next message waited for the ticket to expire (Rasa's lifetime, 60 s).
    assert pause * 0.9 <= waited < pause + 2.0, f"the next message waited {waited:.1f} s"
    assert first.get_lock(CONVERSATION) is None  # nothing left behind


async def test_a_late_return_leaves_a_later_ticket_of_the_same_number_alone(
    redis_prefix: str,
) -> None:
    lock_store = store(redis_prefix)
    assert isinstance(lock_store, AtomicRedisLockStore)
    lifetime = 60.0
    assert lock_store.issue_ticket(CONVERSATION, lifetime) == 0  # the lock began anew
    now = time.time()
    # Ticket 0 of an earlier message, issued 20 to 30 seconds ago, and since expired from Redis.
    await lock_store._returning(CONVERSATION, 0, now - 30 + lifetime, now - 20 + lifetime)
    lock = lock_store.get_lock(CONVERSATION)
    assert lock is not None and [t.number for t in lock.tickets] == [0]
