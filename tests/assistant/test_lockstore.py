"""The Redis lock store of the production profile: tickets from several processes never
collide, locks leave nothing behind, and a Redis restart delays a message instead of failing it.

Against the machine's Redis (tests' database and key prefix, tests/services.py) and, for the
restart, a redis-server of the test's own.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from rasa.core.lock_store import RedisLockStore

from assistant.lockstore import AtomicRedisLockStore
from tests.services import REDIS_HOST, REDIS_PORT, TEST_REDIS_DB, PrivateRedis

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
    from rasa.core.lock_store import LockError

    lock_store = AtomicRedisLockStore(host="127.0.0.1", port=private_redis.port, db=0, retries=2)
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
