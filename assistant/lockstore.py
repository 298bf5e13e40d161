"""Rasa's Redis lock store, safe for several Rasa processes: atomic ticket updates, retried errors.

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock by reading it, changing it
in Python and writing it back. One process does that without interruption (the Redis client
is synchronous), but two processes can interleave: both issue the same ticket number and
answer one conversation at once, or one deletes the lock while the other waits on it, which
ends that message with a `LockError`. (Rasa Pro's concurrent lock store addresses this,
RasaHQ/rasa#11256; Rasa Open Source does not.) Here every read-change-write runs as a Redis
transaction (``WATCH``/``MULTI``/``EXEC``, retried when another process changed the lock in
between), with the lock's format, key and semantics left as Rasa has them.

Two more changes for production:

- A lock key expires with its last ticket, so a process killed while it held a lock leaves
  nothing behind in Redis (Rasa's tickets expire, its keys do not).
- Connection errors and timeouts are retried with exponential backoff for a bounded time
  (`DeadlineRetry`, the settings' `redis_retry_seconds`, 5 s), each call waiting at most
  `redis_timeout` (0.5 s): a Redis that restarts or is briefly unreachable delays messages
  instead of failing them, and one that hangs (``CLIENT PAUSE``, a failover) fails them while
  the widget still waits, so that the visitor gets the apology (`LockError`,
  `assistant.channels.apology.STORAGE_ERRORS`). Rasa's store, and this one before, waited up
  to 23.5 s for a hanging Redis before a message failed (measured; the widget gives up at 20 s).
- A ticket that cannot be returned after the answer (Redis gone meanwhile) costs no answer: it
  is logged and returned in the background as soon as Redis answers again (`_returning`), so
  the conversation's next message, on any Rasa process, waits for Redis to come back, not for
  the ticket to expire (Rasa's ticket lifetime, ``TICKET_LOCK_LIFETIME``, 60 s, the widget
  gives up after 20 s). Only that ticket is removed: a ticket of the same number issued after
  it (the lock emptied and numbering began again) expires later and is left alone. The
  lifetime itself stays Rasa's: it is also how long a slow message may hold the conversation
  (an action call may take minutes), and a shorter one would let the next message run beside
  it. A process that dies holding a ticket still leaves it to expire.
- Issuing and returning a ticket (the transactions) and looking at the lock while waiting for
  the ticket's turn run in a worker thread, not on the Rasa server's event loop: Rasa's Redis
  client is synchronous, so the server did nothing else while Redis answered, or for the
  seconds of retries while Redis was away.

Configured in `endpoints.production.yml` as ``lock_store: type:
assistant.lockstore.AtomicRedisLockStore`` with Rasa's keys (``url``, ``port``, ``db``,
``password``, ``key_prefix``, ...); the two time limits come from the settings
(``ASSISTANT_REDIS_TIMEOUT``, ``ASSISTANT_REDIS_RETRY_SECONDS``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")
# The wait between attempts after a failed Redis call: 0.05, 0.1, 0.2, 0.4, 0.8, then 1 s each.
BACKOFF = ExponentialBackoff(cap=1.0, base=0.05)
# A lock key outlives its last ticket by this much (seconds), then Redis drops it.
KEY_GRACE_SECONDS = 5.0
# The pause between two attempts to return a ticket late, each of them retried for the
# retry time: Redis back, the ticket is returned within about this.
RETURN_PAUSE_SECONDS = 0.5
_ERRORS = (RedisConnectionError, RedisTimeoutError)


class DeadlineRetry(Retry):
    """redis-py's `Retry`, bounded by time instead of a number of attempts.

    A call is tried again after a connection error or timeout, with `BACKOFF` in between, until
    `seconds` have passed since its first attempt; an attempt is not started when its backoff
    would end after that. A count of attempts bounds nothing when every attempt hangs for the
    socket timeout.

    Args:
        seconds (float): how long a call is retried; 0 tries it once.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(BACKOFF, retries=0, supported_errors=_ERRORS)
        self.seconds = seconds

    def call_with_retry(self, do: Callable[[], T], fail: Callable[[Exception], Any]) -> T:
        deadline = time.monotonic() + self.seconds
        self._backoff.reset()
        failures = 0
        while True:
            try:
                return do()
            except self._supported_errors as error:
                failures += 1
                fail(error)
                pause = self._backoff.compute(failures)
                if time.monotonic() + pause >= deadline:
                    raise
                time.sleep(pause)


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket changes are atomic across processes.

    Args:
        endpoint_config (EndpointConfig | None): the ``lock_store`` section, as Rasa passes it
            to a lock store named by its module path; ``url`` is the Redis host.
        retry_seconds (float | None): how long a failed Redis call is retried; default the
            settings' `redis_retry_seconds`.
        socket_timeout (float | None): seconds one Redis call may take; default the settings'
            `redis_timeout`.
        **kwargs: `RedisLockStore`'s arguments, when built directly (tests).
    """

    def __init__(
        self,
        endpoint_config: Any = None,
        retry_seconds: float | None = None,
        socket_timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        socket_timeout = kwargs.pop("socket_timeout", socket_timeout)
        if retry_seconds is None or socket_timeout is None:
            from assistant.settings import Settings

            settings = Settings.from_env()
            retry_seconds = settings.redis_retry_seconds if retry_seconds is None else retry_seconds
            socket_timeout = settings.redis_timeout if socket_timeout is None else socket_timeout
        super().__init__(**kwargs, socket_timeout=float(socket_timeout))
        self.retry = DeadlineRetry(retry_seconds)
        self._late_returns: set[asyncio.Task[None]] = set()
        # Every call goes through `self.retry` once (`_change`, `get_lock`): the client itself
        # does not retry, or its retries would multiply the time inside each of ours.
        self.red.connection_pool.connection_kwargs.update(
            retry=Retry(BACKOFF, 0), socket_connect_timeout=float(socket_timeout)
        )

    def _change(
        self,
        conversation_id: str,
        change: Callable[[TicketLock], T],
        create: bool = False,
    ) -> T | None:
        """Run `change` on the stored lock and store the result, as one transaction.

        `change` may modify the lock; afterwards a lock without tickets is deleted, any other
        is stored until its last ticket expires. Without a stored lock, `change` gets a new one
        when `create` is set, else nothing happens (None). `change` runs again when another
        process changed the lock meanwhile.
        """
        key = self.key_prefix + conversation_id
        outcome: list[T] = []

        def transaction(pipe: Any) -> None:
            outcome.clear()
            raw = pipe.get(key)
            if raw:
                lock = TicketLock.from_dict(json.loads(raw))
            elif create:
                lock = TicketLock(conversation_id)
            else:
                pipe.multi()
                return
            outcome.append(change(lock))
            pipe.multi()
            if not lock.tickets:
                pipe.delete(key)
                return
            expires = max(ticket.expires for ticket in lock.tickets)
            lifetime = max(1.0, expires - time.time() + KEY_GRACE_SECONDS)
            pipe.set(key, lock.dumps(), px=int(lifetime * 1000))

        self.retry.call_with_retry(lambda: self.red.transaction(transaction, key), _log_retry)
        return outcome[0] if outcome else None

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's `LockStore.lock` with the ticket's transactions in a worker thread.

        Raises:
            LockError: no ticket could be issued, or the lock not read, within the retries.
        """
        issued_by = time.time()
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lock_lifetime)
        expires_by = time.time() + lock_lifetime  # this ticket expires before then
        issued_by += lock_lifetime  # and after this
        try:
            try:
                acquired = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
            except _ERRORS as exc:
                raise LockError(f"Error while acquiring lock: {type(exc).__name__}") from exc
            yield acquired
        finally:
            try:
                await asyncio.to_thread(self.cleanup, conversation_id, ticket)
            except _ERRORS as exc:  # the answer is made; the ticket goes back later
                logger.warning(
                    "Redis lock store: a ticket was not returned (%s); returning it when "
                    "Redis answers again, at the latest it expires in %.0f s",
                    type(exc).__name__,
                    lock_lifetime,
                )
                task = asyncio.create_task(
                    self._returning(conversation_id, ticket, issued_by, expires_by)
                )
                self._late_returns.add(task)  # the loop keeps only a weak reference
                task.add_done_callback(self._late_returns.discard)

    async def _returning(
        self, conversation_id: str, ticket_number: int, issued_by: float, expires_by: float
    ) -> None:
        """Return a ticket that the message could not return, once Redis answers again.

        Tried until the ticket has expired by itself (`expires_by`, wall-clock time); the
        ticket removed is the one whose expiry lies between `issued_by` and `expires_by`.
        """

        def ours(ticket: Any) -> bool:
            return ticket.number == ticket_number and issued_by <= ticket.expires <= expires_by

        def remove(lock: TicketLock) -> None:
            lock.tickets = deque(t for t in lock.tickets if not ours(t))

        while time.time() < expires_by:
            try:
                await asyncio.to_thread(self._change, conversation_id, remove)
            except _ERRORS:
                await asyncio.sleep(RETURN_PAUSE_SECONDS)
                continue
            logger.info("Redis lock store: a ticket not returned before was returned")
            return

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's wait for the ticket's turn, with each look at the lock in a worker thread.

        Rasa reads the lock on the event loop, so while Redis hung (and the read was retried)
        no other visitor of the process got an answer.
        """
        while True:
            lock = await asyncio.to_thread(self.get_lock, conversation_id)
            if not lock:  # expired meanwhile
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await asyncio.to_thread(self.update_lock, conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """Rasa's reading of the lock, retried as the transactions are."""
        return self.retry.call_with_retry(
            lambda: super(AtomicRedisLockStore, self).get_lock(conversation_id), _log_retry
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue a ticket for `conversation_id` (creating its lock), atomically."""
        try:
            ticket = self._change(
                conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True
            )
        except Exception as exc:  # as Rasa's: the agent turns it into a failed message
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
        assert ticket is not None  # created above
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        """Drop the expired tickets of `conversation_id`'s lock, atomically."""
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove `ticket_number` from `conversation_id`'s lock, atomically."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove `ticket_number`; the lock goes when no one else waits (one transaction)."""
        self.finish_serving(conversation_id, ticket_number)


def _log_retry(error: Exception) -> None:
    logger.warning("Redis lock store: %s; trying again", type(error).__name__)
