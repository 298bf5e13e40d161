"""Changes to Rasa 3.6 that we apply in the Rasa server process (see `assistant.rasa_server`):
the action-response validator built once, personal data removed from every incoming message
before it is parsed or stored (`assistant.privacy`), visitor text kept out of the logs
(`assistant.logs`), the embedded SQLite store in write-ahead-log mode, and PostgreSQL
connections of the SQL tracker store checked before use.

Each patch keeps Rasa's behaviour and only removes a cost; each has a test that the behaviour
is unchanged (tests/assistant/test_patches.py).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

_DOCS_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    "https://rasa.com/docs/rasa/custom-actions"
)


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every action call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server response, with the validator built once.

    `jsonschema.validate`, which Rasa 3.6 calls for every custom action response, checks the
    large events schema itself and builds a new validator each time; under load that was most
    of the Rasa server's time (issue 10's profile). Same schema, same errors as before.
    """
    from jsonschema.exceptions import best_match

    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += _DOCS_HINT
        raise error
    return True


def _redacting(log_message: Any) -> Any:
    """Wraps `MessageProcessor.log_message`, the one way a message gets into a tracker."""
    if getattr(log_message, "redacts", False):
        return log_message

    async def log_redacted(self: Any, message: Any, should_save_tracker: bool = True) -> Any:
        from assistant.privacy import redact, redact_value

        if isinstance(message.text, str):
            message.text = redact(message.text)
        if message.metadata:
            message.metadata = redact_value(message.metadata)
        return await log_message(self, message, should_save_tracker)

    log_redacted.redacts = True  # type: ignore[attr-defined]
    return log_redacted


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode with `synchronous=NORMAL` for the embedded tracker store.

    Rasa's SQL store commits every message; in SQLite's default mode each commit rewrites a
    rollback journal and waits for two disk flushes, which made the store the Rasa server's
    largest cost under load (docs/benchmarks.md). In WAL mode a commit appends to the log and
    readers do not block the writer (the purge and the review console read the same file). A
    crash of the process loses nothing; only a power cut can lose the last commits.
    PostgreSQL connections are left alone.
    """
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _quoting_nothing(handle_message: Any) -> Any:
    """Wraps `MessageProcessor.handle_message`: no log line quotes the message meanwhile."""
    if getattr(handle_message, "withholds", False):
        return handle_message

    async def handle_quietly(self: Any, message: Any) -> Any:
        from assistant.logs import handling
        from assistant.privacy import redact

        text = message.text if isinstance(message.text, str) else ""
        with handling(text, redact(text)):
            return await handle_message(self, message)

    handle_quietly.withholds = True  # type: ignore[attr-defined]
    return handle_quietly


def _pinging(engine_kwargs: Any) -> Any:
    """Wraps Rasa's `create_engine_kwargs`: PostgreSQL connections are tested before use.

    Rasa's SQL tracker store keeps a pool of connections without checking them, so after a
    PostgreSQL restart the first message of each Rasa process failed on a dead connection
    (SQLAlchemy then drops the pool). With ``pool_pre_ping`` (one ``SELECT 1`` per checkout,
    SQLAlchemy's documented answer to this) a dead connection is replaced before use.
    """
    if getattr(engine_kwargs, "pings", False):
        return engine_kwargs

    def with_ping(url: Any) -> dict[str, Any]:
        from rasa.core.tracker_store import is_postgresql_url

        kwargs = dict(engine_kwargs(url))
        if is_postgresql_url(url):  # as Rasa's pool options: SQLite keeps no pool to check
            kwargs["pool_pre_ping"] = True
        return kwargs

    with_ping.pings = True  # type: ignore[attr-defined]
    return with_ping


def apply() -> None:
    """Apply every patch; safe to call more than once."""
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.utils import log_utils
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from assistant import logs

    tracker_store.create_engine_kwargs = _pinging(tracker_store.create_engine_kwargs)

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    MessageProcessor.log_message = _redacting(MessageProcessor.log_message)  # type: ignore[method-assign]
    MessageProcessor.handle_message = _quoting_nothing(MessageProcessor.handle_message)  # type: ignore[method-assign]
    # Rasa's structlog configuration (rasa.utils.log_utils.configure_structlog, called after
    # this) runs `_anonymizer` first on every entry; ours withholds instead of anonymising.
    log_utils._anonymizer = logs.withhold_structlog_values  # type: ignore[assignment]
    logs.install()
    if not event.contains(Engine, "connect", _sqlite_write_ahead_log):
        event.listen(Engine, "connect", _sqlite_write_ahead_log)
