"""Keeps visitor text out of the logs of our processes, at every level.

Visitor text is personal data and must never be logged (issue 8). Three ways it could get there,
closed here for every logger of the process (Rasa's, Sanic's, ours):

- Rasa 3.6 logs parse data, entities, slot values and whole events through structlog at DEBUG
  (`processor.message.parse`, `processor.slots.log`, ...). `withhold_structlog_values` keeps an
  entry's name and the values of known-harmless keys and withholds every other value.
- An exception's message may quote the visitor (Rasa's `ClientResponseError` carries the action
  server's whole answer; a `KeyError` may hold a word). Logged exceptions keep their type and
  their traceback (file, line, code) but not their message, except for network and OS errors.
- Rasa's own channels (the stock REST channel, if one is configured) log a failed message with
  its text: their error lines are replaced by a fixed one.
- Anything else that quotes a message being handled, word for word: the texts in flight
  (`handling`) are replaced in every log line while their message is handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

WITHHELD = "[withheld]"
_EXCEPTION_NOTE = "(message withheld: it may quote the visitor)"
# structlog keys of Rasa 3.6 whose values never hold visitor text (names, counts, flags, URLs).
_HARMLESS_KEYS = frozenset(
    {
        "event",
        "event_info",
        "event_key",
        "level",
        "log_level",
        "logger",
        "timestamp",
        "docs",
        "action_name",
        "action_extract_slot",
        "len_extraction_events",
        "input_channel",
        "is_end_to_end_prediction",
        "is_no_user_prediction",
        "returning_from_unhappy_path",
        "filename",
        "url",
        "host",
        "port",
    }
)
# Exceptions whose messages name a host, a file or a timeout, never what a visitor wrote.
_HARMLESS_EXCEPTIONS: tuple[type[BaseException], ...] = (OSError, asyncio.TimeoutError)
# Rasa's input channels (the stock REST channel and the others): see `_scrub`.
_QUOTING_CHANNELS = "rasa.core.channels."
# Libraries whose lower levels quote whole updates or request URLs with the bot token, and the
# lowest level they log at.
_QUOTING_LOGGERS = {"telegram": logging.INFO, "httpx": logging.WARNING, "httpcore": logging.WARNING}
_in_flight: ContextVar[tuple[str, ...]] = ContextVar("visitor_texts_in_flight", default=())


@contextlib.contextmanager
def handling(*texts: str) -> Iterator[None]:
    """While the block runs (in this task and those it starts), log lines never quote `texts`."""
    token = _in_flight.set(_in_flight.get() + tuple(t for t in texts if t and t.strip()))
    try:
        yield
    finally:
        _in_flight.reset(token)


def withhold_structlog_values(_: Any, __: str, event_dict: Mapping[str, Any]) -> dict[str, Any]:
    """A structlog processor: every value except those of harmless keys becomes `[withheld]`;
    an exception (`exc_info`) is described as `describe_exception` does."""
    values = {
        key: value if key in _HARMLESS_KEYS else WITHHELD
        for key, value in event_dict.items()
        if key != "exc_info"
    }
    error = _exception_of(event_dict.get("exc_info"))
    if error is not None:
        values["exception"] = describe_exception(error)
    return values


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1] if isinstance(exc_info[1], BaseException) else None
    return sys.exc_info()[1] if exc_info else None


def describe_exception(error: BaseException) -> str:
    """The traceback of `error` and of its causes, with the messages withheld.

    The same shape as Python's own traceback text, so that it reads like one.
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        name = type(current).__qualname__
        message = _harmless_message(current) or _EXCEPTION_NOTE
        parts.append(f"Traceback (most recent call last):\n{frames}{name}: {message}")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n\nwhich was caused by:\n\n".join(parts)


def _harmless_message(error: BaseException) -> str | None:
    """The message of an error that cannot quote a visitor, else None.

    A database's connection errors ("database is locked", "Connection refused") come from the
    driver; SQLAlchemy's own text around them would add the statement and its parameters.
    """
    if isinstance(error, _HARMLESS_EXCEPTIONS):
        return str(error)
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(error, (OperationalError, InterfaceError)):
        lines = str(error.orig).strip().splitlines()
        return f"{type(error.orig).__name__}: {lines[0]}" if lines else None
    return None


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = describe_exception(record.exc_info[1])
        record.exc_info = None
    if record.levelno >= logging.ERROR and record.name.startswith(_QUOTING_CHANNELS):
        # Rasa's own channels quote the message in their error logs ("An exception occured
        # while handling user message '...'", "Exception when trying to handle message.{e}").
        record.msg, record.args = f"a channel failed to handle a message {_EXCEPTION_NOTE}", ()
    texts = _in_flight.get()
    if texts:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error report
            return record
        scrubbed = message
        for text in texts:
            scrubbed = scrubbed.replace(text, WITHHELD)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
    return record


def install() -> None:
    """Scrub every log record this process creates (see the module docstring); idempotent.

    python-telegram-bot logs whole updates (with the visitor's text) at DEBUG, so its loggers
    log from INFO up whatever the process's level; httpx and httpcore (request URLs hold the
    bot token) from WARNING up.
    """
    for name, lowest in _QUOTING_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level < lowest:  # NOTSET (0) would follow a root logger at DEBUG
            logger.setLevel(lowest)
    previous = logging.getLogRecordFactory()
    if getattr(previous, "withholds_visitor_text", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _scrub(previous(*args, **kwargs))

    make_record.withholds_visitor_text = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
