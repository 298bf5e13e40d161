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
- Connection errors and timeouts are retried with exponential backoff for about four seconds
  (redis-py's `Retry`), so a Redis that restarts or is briefly unreachable delays messages
  instead of failing them.
- Issuing and returning a ticket (the transactions) run in a worker thread, not on the Rasa
  server's event loop: Rasa's Redis client is synchronous, so the server did nothing else while
  Redis answered, or for the seconds of retries while Redis was away.

Configured in `endpoints.production.yml` as ``lock_store: type:
assistant.lockstore.AtomicRedisLockStore`` with Rasa's keys (``url``, ``port``, ``db``,
``password``, ``key_prefix``, ...).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
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
# Attempts after a failed Redis call, and the backoff between them: 0.05, 0.1, 0.2, 0.4, 0.8,
# then 1 s each; about 4.5 s in all before a message fails.
RETRIES = 8
BACKOFF = ExponentialBackoff(cap=1.0, base=0.05)
# A lock key outlives its last ticket by this much (seconds), then Redis drops it.
KEY_GRACE_SECONDS = 5.0
# Seconds a single Redis call may take before it counts as failed (and is retried).
SOCKET_TIMEOUT_SECONDS = 2.0


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket changes are atomic across processes.

    Args:
        endpoint_config (EndpointConfig | None): the ``lock_store`` section, as Rasa passes it
            to a lock store named by its module path; ``url`` is the Redis host.
        retries (int): attempts after a failed Redis call, default `RETRIES`.
        **kwargs: `RedisLockStore`'s arguments, when built directly (tests).
    """

    def __init__(self, endpoint_config: Any = None, retries: int = RETRIES, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        super().__init__(**kwargs)
        errors = (RedisConnectionError, RedisTimeoutError)
        self.retry = Retry(BACKOFF, retries, supported_errors=errors)
        # Single commands (reading the lock while waiting) retry inside the client; a
        # transaction is retried as a whole (`_change`), as a broken connection ends its WATCH.
        self.red.connection_pool.connection_kwargs.update(
            retry=self.retry, retry_on_error=list(errors)
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
        """Rasa's `LockStore.lock` with the ticket's transactions in a worker thread."""
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await asyncio.to_thread(self.cleanup, conversation_id, ticket)

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
