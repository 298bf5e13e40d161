"""Calling the Telegram Bot API with retries: flood control, network errors and 5xx.

Written by hand because python-telegram-bot has no retry for a single call: its
`AIORateLimiter` (an extra dependency, aiolimiter) retries only flood control (429) and also
throttles every call, and its `Updater` retries only its own ``getUpdates``.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[object]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a Bot API call.

    PTB's `AIORateLimiter` only covers flood control (429), not network errors or 5xx, so the
    channel retries itself.

    Attributes:
        attempts (int): tries in total, the first one included.
        base_delay (float): seconds before the first retry after a network error or 5xx;
            doubled for each further retry.
        max_delay (float): longest wait between two tries after a network error or 5xx.
        max_retry_after (float): longest flood-control wait (429 `retry_after`) honoured;
            a longer one drops the call instead of holding the conversation.
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds, whether PTB gives it as int or timedelta."""
    with warnings.catch_warnings():
        # PTB 22 warns on int time periods unless PTB_TIMEDELTA is set; both forms are handled.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def call_bot_api(
    call: Callable[[], Awaitable[T]],
    *,
    method: str,
    policy: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> T | None:
    """Run one Bot API call, retrying where a retry can help.

    - 429 (`RetryAfter`): wait the given `retry_after`, then retry;
    - network errors and 5xx (`NetworkError`, `TimedOut`): retry after 0.5 s, 1 s, 2 s, …;
    - 403 (`Forbidden`, e.g. the visitor blocked the bot): logged and dropped;
    - 400 and other Telegram errors: logged and dropped, a retry would fail the same way.

    A network error after Telegram received the request can lead to a duplicate message on
    retry; Telegram offers no idempotency key, and a lost answer is the worse outcome.

    Args:
        call: makes the request; called once per try.
        method: the Bot API method, for log lines (never the message text).
        policy: retry limits; the defaults of `RetryPolicy` when None.
        sleep: waits between tries (injected in tests).

    Returns:
        The call's result, or None when the call was dropped.
    """
    policy = policy or RetryPolicy()
    for attempt in range(1, policy.attempts + 1):
        last = attempt == policy.attempts
        try:
            return await call()
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            if wait > policy.max_retry_after or last:
                logger.warning("Telegram %s dropped: flood control asks for %.0f s", method, wait)
                return None
            logger.info("Telegram %s: flood control, retrying in %.0f s", method, wait)
            await sleep(wait)
        except Forbidden as error:
            logger.info("Telegram %s dropped: %s (the visitor blocked the bot?)", method, error)
            return None
        except (BadRequest, ChatMigrated, InvalidToken) as error:
            logger.warning("Telegram %s dropped: %s", method, error)
            return None
        except NetworkError as error:  # includes TimedOut and 5xx answers
            if last:
                logger.warning(
                    "Telegram %s dropped after %d tries: %s", method, policy.attempts, error
                )
                return None
            delay = min(policy.base_delay * 2 ** (attempt - 1), policy.max_delay)
            logger.info("Telegram %s failed (%s), retrying in %.1f s", method, error, delay)
            await sleep(delay)
        except TelegramError as error:
            logger.warning("Telegram %s dropped: %s", method, error)
            return None
    return None
