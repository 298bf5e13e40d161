"""Rate limits: the token bucket on a stand-in clock, and 429 answers on the REST and web chat
routes of an in-process server."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage

from assistant.channels.ratelimit import RateLimits, RedisTokenBucket, TokenBucket, take
from assistant.channels.rest import RestInput
from assistant.channels.webchat import WebchatInput
from assistant.settings import Settings
from tests.assistant.channels.conftest import ChannelServer
from tests.services import PrivateRedis, shared_redis

SENDER = "0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_one_request_per_interval() -> None:
    clock = Clock()
    bucket = TokenBucket(3, clock)
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(20.0)
    assert bucket.take("b") == 0.0  # another key has its own bucket
    clock.now += 20.0
    assert bucket.take("a") == 0.0
    assert bucket.take("a") > 0.0


def test_bucket_refills_no_higher_than_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(2, clock)
    clock.now += 3600.0
    assert [bucket.take("a") > 0 for _ in range(3)] == [False, False, True]


def test_bucket_of_zero_is_off() -> None:
    bucket = TokenBucket(0, Clock())
    assert all(bucket.take("a") == 0.0 for _ in range(1000))


def test_bucket_remembers_a_bounded_number_of_keys() -> None:
    bucket = TokenBucket(1, Clock(), max_keys=10)
    for key in range(100):
        bucket.take(str(key))
    assert len(bucket._buckets) == 10
    assert bucket.take("99") > 0.0  # the most recent keys are kept


def test_limits_come_from_the_settings() -> None:
    settings = Settings.from_env(
        {"ASSISTANT_RATE_LIMIT_PER_SENDER": "5", "ASSISTANT_RATE_LIMIT_PER_ADDRESS": "7"},
        env_file=Path(""),
    )
    limits = RateLimits.from_settings(settings)
    assert (limits.per_sender.per_minute, limits.per_address.per_minute) == (5, 7)
    assert (Settings.rate_limit_per_sender, Settings.rate_limit_per_address) == (20, 60)


def _limits(per_sender: int, per_address: int) -> RateLimits:
    # Tests come from 127.0.0.1, which the default leaves without a per-address limit.
    return RateLimits(TokenBucket(per_sender), TokenBucket(per_address), frozenset())


async def _serve(
    channel_server: ChannelServer, channel: RestInput | WebchatInput, agent: Any = None
) -> str:
    async def on_new_message(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Antwort")

    return await channel_server(
        channel.blueprint(on_new_message), f"/webhooks/{channel.name()}", agent
    )


async def _post(url: str, body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, json=body)


def _assert_429(response: httpx.Response) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert response.json() == {
        "error": "too many requests; try again later",
        "retry_after": retry_after,
    }


@pytest.mark.parametrize("channel_type", [RestInput, WebchatInput])
async def test_a_sender_over_its_limit_gets_429_with_retry_after(
    channel_server: ChannelServer, channel_type: type[RestInput | WebchatInput]
) -> None:
    url = await _serve(channel_server, channel_type(limits=_limits(2, 100))) + "/webhook"
    statuses = [
        (await _post(url, {"sender": SENDER, "message": "Hallo"})).status_code for _ in range(2)
    ]
    assert statuses == [200, 200]
    _assert_429(await _post(url, {"sender": SENDER, "message": "Hallo"}))
    other = await _post(url, {"sender": "f" * 32, "message": "Hallo"})
    assert other.status_code == 200


@pytest.mark.parametrize("channel_type", [RestInput, WebchatInput])
async def test_fresh_sender_ids_do_not_escape_the_address_limit(
    channel_server: ChannelServer, channel_type: type[RestInput | WebchatInput]
) -> None:
    url = await _serve(channel_server, channel_type(limits=_limits(100, 3))) + "/webhook"
    senders = [f"{n:032x}" for n in range(4)]
    responses = [await _post(url, {"sender": s, "message": "Hallo"}) for s in senders]
    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    _assert_429(responses[3])


async def test_loopback_clients_have_no_address_limit_by_default(
    channel_server: ChannelServer,
) -> None:
    # The Telegram polling bridge sends every chat's messages to the REST channel from here.
    limits = RateLimits(TokenBucket(100), TokenBucket(1))
    url = await _serve(channel_server, RestInput(limits=limits)) + "/webhook"
    for n in range(3):
        response = await _post(url, {"sender": f"tg-{n}", "message": "Hallo"})
        assert response.status_code == 200


async def test_feedback_is_limited_too(channel_server: ChannelServer) -> None:
    url = await _serve(channel_server, WebchatInput(limits=_limits(1, 100))) + "/feedback"
    body = {"sender": SENDER, "rating": "up", "message": "Antwort"}
    first = await _post(url, body)
    assert first.status_code != 429  # no agent here: 503, but counted
    _assert_429(await _post(url, body))


def redis_bucket(prefix: str, per_minute: int, clock: Clock) -> RedisTokenBucket:
    """A bucket with a connection of its own, as each Rasa process of the production profile."""
    return RedisTokenBucket(shared_redis(), "sender", per_minute, prefix, clock)


def test_redis_buckets_of_two_processes_share_one_limit(redis_prefix: str) -> None:
    clock = Clock()
    first, second = redis_bucket(redis_prefix, 3, clock), redis_bucket(redis_prefix, 3, clock)
    assert [first.take("a"), second.take("a"), first.take("a")] == [0.0, 0.0, 0.0]
    assert second.take("a") == pytest.approx(20.0)
    assert first.take("b") == 0.0  # another key has its own bucket
    clock.now += 20.0
    assert second.take("a") == 0.0
    assert first.take("a") > 0.0


def test_redis_bucket_keeps_no_visitor_key_in_clear_and_expires(redis_prefix: str) -> None:
    bucket = redis_bucket(redis_prefix, 60, Clock())
    bucket.take("203.0.113.7")
    keys = [k.decode() for k in shared_redis().keys(f"{redis_prefix}:*")]
    assert len(keys) == 1
    assert keys[0].startswith(f"{redis_prefix}:ratelimit:sender:")
    assert "203.0.113.7" not in keys[0]
    assert 0 < shared_redis().pttl(keys[0]) <= 2_000  # one token refills in a second


def test_redis_bucket_lets_requests_through_when_redis_is_down(
    private_redis: PrivateRedis,
) -> None:
    bucket = RedisTokenBucket(private_redis.client(socket_timeout=0.5), "sender", 1, "x", Clock())
    assert bucket.take("a") == 0.0
    assert bucket.take("a") > 0.0
    private_redis.stop()
    assert bucket.take("a") == 0.0  # logged; a limit must not take the assistant down


def test_production_profile_keeps_limits_in_redis_embedded_in_memory(tmp_path: Path) -> None:
    embedded = RateLimits.from_settings(Settings.from_env({}, env_file=tmp_path / "none"))
    production = RateLimits.from_settings(
        Settings.from_env({"ASSISTANT_PROFILE": "production"}, env_file=tmp_path / "none")
    )
    assert isinstance(embedded.per_sender, TokenBucket)
    assert isinstance(production.per_sender, RedisTokenBucket)
    assert isinstance(production.per_address, RedisTokenBucket)


async def test_a_hanging_redis_does_not_stall_the_event_loop(private_redis: PrivateRedis) -> None:
    bucket = RedisTokenBucket(private_redis.client(socket_timeout=0.5), "sender", 60, "x", Clock())
    assert await take(bucket, "a") == 0.0
    assert private_redis.process is not None
    private_redis.process.send_signal(signal.SIGSTOP)  # accepts nothing, answers nothing
    try:
        ticks = 0

        async def other_visitors() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(other_visitors())
        started = time.monotonic()
        assert await take(bucket, "a") == 0.0  # timed out: let through, logged
        waited = time.monotonic() - started
        ticker.cancel()
        assert waited >= 0.4
        assert ticks >= 10  # the loop kept running while Redis did not answer
    finally:
        private_redis.process.send_signal(signal.SIGCONT)


@pytest.mark.parametrize("timeout", [0.5, 0.2])
async def test_a_hanging_redis_costs_a_request_two_timeouts_of_the_settings(
    private_redis: PrivateRedis, tmp_path: Path, timeout: float
) -> None:
    settings = Settings.from_env(
        {
            "ASSISTANT_PROFILE": "production",
            "ASSISTANT_REDIS_PORT": str(private_redis.port),
            "ASSISTANT_REDIS_TIMEOUT": str(timeout),
        },
        env_file=tmp_path / "none",
    )
    limits = RateLimits.from_settings(settings)
    visitor = SimpleNamespace(remote_addr="203.0.113.7", ip="203.0.113.7")
    private_redis.client().execute_command("CLIENT", "PAUSE", 60_000, "ALL")
    started = time.monotonic()
    assert await limits.check(visitor, "sender") is None  # type: ignore[arg-type]  # let through
    waited = time.monotonic() - started
    assert 2 * timeout * 0.9 <= waited < 2 * timeout + 0.5  # the address, then the sender
