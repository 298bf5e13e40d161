"""Rate limits of the channels: a token bucket per sender, per address and per Telegram chat.

The buckets live in the memory of one Rasa server process, which is right for the embedded
profile (one process). The production profile (several Rasa processes behind a load balancer)
needs a shared store for them, e.g. Redis (INCR with EXPIRE per key and window), or the limit
at the reverse proxy (nginx ``limit_req`` per address); per-sender limits then belong there.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sanic import response

if TYPE_CHECKING:
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from assistant.settings import Settings

Clock = Callable[[], float]
# Clients not limited per address: the Telegram polling bridge talks to the REST channel from
# here, and so does a reverse proxy that does not pass on the client's address (README).
LOOPBACK = frozenset({"127.0.0.1", "::1"})
# Keys remembered per limiter; the least recently seen go first (a forgotten key starts with a
# full bucket, so forgetting only ever lets a request through, and memory stays bounded).
MAX_KEYS = 100_000


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


@dataclass
class RateLimits:
    """The limits of one channel: per sender (conversation) and per client address.

    Attributes:
        per_sender (TokenBucket): requests per conversation id.
        per_address (TokenBucket): requests per client address (``request.remote_addr``
            behind a proxy that Sanic trusts, see README, else the peer's address).
        unlimited_addresses (frozenset[str]): addresses without a per-address limit.
    """

    per_sender: TokenBucket
    per_address: TokenBucket
    unlimited_addresses: frozenset[str] = LOOPBACK

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = time.monotonic) -> RateLimits:
        return cls(
            TokenBucket(settings.rate_limit_per_sender, clock),
            TokenBucket(settings.rate_limit_per_address, clock),
        )

    def check(self, request: Request, sender: str) -> HTTPResponse | None:
        """A 429 answer when the address or the sender is over its limit, else None.

        The address is counted first, so that fresh random sender ids do not help a script.
        """
        address = request.remote_addr or request.ip or "unknown"
        wait = 0.0
        if address not in self.unlimited_addresses:
            wait = self.per_address.take(address)
        wait = wait or self.per_sender.take(sender)
        return too_many_requests(wait) if wait else None


def too_many_requests(wait: float) -> HTTPResponse:
    """429 with ``Retry-After`` (whole seconds) and a JSON body that says the same."""
    seconds = max(1, math.ceil(wait))
    return response.json(
        {"error": "too many requests; try again later", "retry_after": seconds},
        status=429,
        headers={"Retry-After": str(seconds)},
    )
