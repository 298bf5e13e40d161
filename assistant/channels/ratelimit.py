"""Rate limits of the channels: a token bucket per sender, per address and per Telegram chat.

In the embedded profile (one Rasa process) the buckets live in that process's memory
(`TokenBucket`). In the production profile several Rasa processes answer one conversation, and
per-process buckets would let a visitor through once per process, so the buckets live in Redis
(`RedisTokenBucket`, one atomic Lua script per request), shared by every process.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sanic import response

if TYPE_CHECKING:
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from assistant.settings import Settings

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
# Clients not limited per address: the Telegram polling bridge talks to the REST channel from
# here, and so does a reverse proxy that does not pass on the client's address (README).
LOOPBACK = frozenset({"127.0.0.1", "::1"})
# Keys remembered per limiter; the least recently seen go first (a forgotten key starts with a
# full bucket, so forgetting only ever lets a request through, and memory stays bounded).
MAX_KEYS = 100_000


class Bucket(Protocol):
    """A rate limit per key: `take` returns 0.0 to let a request through, else the wait."""

    per_minute: int

    def take(self, key: str) -> float: ...


class TokenBucket:
    """Allows `per_minute` requests per key per minute, in bursts of up to `per_minute`.

    Args:
        per_minute (int): the sustained rate and the burst size; 0 or less switches it off.
        clock (Clock): seconds, monotonic (tests inject one).
        max_keys (int): keys remembered at most.
    """

    def __init__(
        self, per_minute: int, clock: Clock = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when

    def take(self, key: str) -> float:
        """Take one token for `key`.

        Returns:
            0.0 when the request may go ahead, else the seconds until the next token.
        """
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        tokens, then = self._buckets.pop(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - then) * rate)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / rate
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


# Token bucket in Redis, atomic per key: refill by the time since the last request, take one
# token or return the wait; the key expires when its bucket would be full again.
# KEYS[1] bucket; ARGV: rate (tokens per second), burst, now (seconds).
_TAKE_SCRIPT = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisTokenBucket:
    """`TokenBucket` with its state in Redis, shared by every process that uses the same keys.

    Keys are ``<prefix>:ratelimit:<name>:<hash of the key>`` (no visitor address or id in
    Redis in clear). If Redis cannot be reached the request goes ahead (logged): a limit
    must not take the assistant down with it.

    Args:
        client (redis.Redis): the Redis connection.
        name (str): which limit ("sender", "address", "telegram").
        per_minute (int): the sustained rate and the burst size; 0 or less switches it off.
        prefix (str): before every key (settings' `redis_key_prefix`).
        clock (Clock): seconds; wall time, so that several processes agree.
    """

    def __init__(
        self,
        client: Any,
        name: str,
        per_minute: int,
        prefix: str = "assistant",
        clock: Clock = time.time,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._prefix = f"{prefix}:ratelimit:{name}:"
        self._take = client.register_script(_TAKE_SCRIPT)

    def take(self, key: str) -> float:
        """Take one token for `key`; 0.0 to go ahead, else the seconds until the next token."""
        if self.per_minute <= 0:
            return 0.0
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
        try:
            wait = self._take(
                keys=[self._prefix + digest],
                args=[self.per_minute / 60.0, self.per_minute, self.clock()],
            )
        except Exception as exc:  # redis.RedisError, OSError: let the request through
            logger.warning("Rate limit not checked, Redis failed: %s", type(exc).__name__)
            return 0.0
        return float(wait)


async def take(bucket: Bucket, key: str) -> float:
    """`bucket.take(key)` for a request handler: a Redis bucket's round trip (up to the
    settings' `redis_timeout` when Redis is slow or down, not retried) runs in a worker
    thread, so that the server's event loop goes on answering other visitors meanwhile; a
    bucket in memory is asked directly (microseconds)."""
    if isinstance(bucket, RedisTokenBucket):
        return await asyncio.to_thread(bucket.take, key)
    return bucket.take(key)


def redis_client(settings: Settings) -> Any:
    """A Redis connection for the rate limits of the production profile (lazy: no I/O here)."""
    import redis

    return redis.Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        db=settings.redis_db,
        password=settings.redis_password or None,
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
    )


def bucket(settings: Settings, name: str, per_minute: int, client: Any = None) -> Bucket:
    """The bucket for one limit: in Redis in the production profile, else in memory.

    Args:
        settings: the profile, the Redis connection and key prefix.
        name: which limit ("sender", "address", "telegram").
        per_minute: the limit.
        client: a Redis connection to share between buckets; default a new one.
    """
    if settings.profile != "production":
        return TokenBucket(per_minute)
    return RedisTokenBucket(
        client or redis_client(settings), name, per_minute, settings.redis_key_prefix
    )


@dataclass
class RateLimits:
    """The limits of one channel: per sender (conversation) and per client address.

    Attributes:
        per_sender (Bucket): requests per conversation id.
        per_address (Bucket): requests per client address (``request.remote_addr``
            behind a proxy that Sanic trusts, see README, else the peer's address).
        unlimited_addresses (frozenset[str]): addresses without a per-address limit.
    """

    per_sender: Bucket
    per_address: Bucket
    unlimited_addresses: frozenset[str] = LOOPBACK

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """In memory (embedded profile) or in Redis (production profile)."""
        client = redis_client(settings) if settings.profile == "production" else None
        return cls(
            bucket(settings, "sender", settings.rate_limit_per_sender, client),
            bucket(settings, "address", settings.rate_limit_per_address, client),
        )

    async def check(self, request: Request, sender: str) -> HTTPResponse | None:
        """A 429 answer when the address or the sender is over its limit, else None.

        The address is counted first, so that fresh random sender ids do not help a script.
        """
        address = request.remote_addr or request.ip or "unknown"
        wait = 0.0
        if address not in self.unlimited_addresses:
            wait = await take(self.per_address, address)
        wait = wait or await take(self.per_sender, sender)
        return too_many_requests(wait) if wait else None


def too_many_requests(wait: float) -> HTTPResponse:
    """429 with ``Retry-After`` (whole seconds) and a JSON body that says the same."""
    seconds = max(1, math.ceil(wait))
    return response.json(
        {"error": "too many requests; try again later", "retry_after": seconds},
        status=429,
        headers={"Retry-After": str(seconds)},
    )
