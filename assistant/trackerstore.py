"""Rasa's SQL tracker store with fewer and cheaper queries per message.

Rasa 3.6's `SQLTrackerStore` loads a conversation through the ORM (one object per event), and
before it stores the events of a message it counts the events already stored, with the same
sub-query over the conversation again, then adds one ORM object per new event. Under load that
was the largest part of a Rasa server's time (docs/benchmarks.md: 29 % on SQLite, 41 % on
PostgreSQL). Here, for the same table and the same rows:

- loading reads only the `data` column of the latest session's events, in id order (Rasa's
  query, without building ORM objects), and notes on the tracker how many events came from the
  database;
- saving appends the events after that many in one multi-row insert, without the count. A
  tracker that was not loaded this way (a new conversation, one loaded with all sessions, one
  with a bounded history) is counted as Rasa does.

The lock store serialises the messages of one conversation from loading to saving (also across
processes in the production profile), so the number noted at loading is the number stored when
the tracker is saved.

The database work runs in a worker thread, not on the Rasa server's event loop: Rasa's store
waits for each query on the loop, so no other visitor's message moved while PostgreSQL or SQLite
worked (both drivers release the interpreter while they wait); the loop now parses and predicts
other messages meanwhile.

A connection that died (PostgreSQL restarted) fails its first statement; SQLAlchemy then
replaces the whole pool, and loading or saving runs once more on a new connection (SQLAlchemy's
"optimistic" disconnect handling). Nothing is written twice: a save is repeated only when it
failed before its commit, when PostgreSQL has already discarded the transaction. This replaces a
``SELECT 1`` before every use of a connection (``pool_pre_ping``, 9.5 % of a Rasa server's time
in the production profile). `assistant.patches` puts these methods on Rasa's class.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

# Attribute of a tracker: how many of its events are stored in the database.
STORED = "_assistant_stored_events"

T = TypeVar("T")


class _Committing(Exception):
    """A save failed at or after its commit: whether it was stored is unknown, so no repeat."""


def _on_a_live_connection(work: Callable[[], T]) -> T:
    """`work()`, and once more if its connection turned out to be dead."""
    for attempt in (1, 2):
        try:
            return work()
        except _Committing as exc:
            cause = exc.__cause__
            assert cause is not None
            raise cause from None
        except sa.exc.DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
            logger.warning("The tracker store's database connection was lost; trying a new one.")
    raise AssertionError("unreachable")


def _latest_session(store: Any, sender_id: str) -> sa.sql.Select:
    """The `data` of the events of the sender's latest session, in order (as Rasa's query)."""
    events = store.SQLEvent.__table__
    session_start = (
        sa.select(sa.func.max(events.c.timestamp))
        .where(events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    return (
        sa.select(events.c.data)
        .where(
            events.c.sender_id == sender_id,
            sa.or_(session_start.is_(None), events.c.timestamp >= session_start),
        )
        .order_by(events.c.id)
    )


async def retrieve(store: Any, sender_id: str) -> DialogueStateTracker | None:
    """The tracker of the sender's latest session, or None (`SQLTrackerStore.retrieve`)."""

    def load() -> list[str]:
        with store.session_scope() as session:
            return list(session.execute(_latest_session(store, sender_id)).scalars().all())

    rows = await asyncio.to_thread(_on_a_live_connection, load)
    if not (store.domain and rows):
        return None
    tracker = DialogueStateTracker.from_dict(
        sender_id, [json.loads(row) for row in rows], store.domain.slots
    )
    setattr(tracker, STORED, len(rows))
    return tracker


def _row(sender_id: str, event: Any) -> dict[str, Any]:
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _stored(store: Any, session: Any, tracker: DialogueStateTracker) -> int:
    noted = getattr(tracker, STORED, None)
    if (
        isinstance(noted, int)
        and noted <= len(tracker.events)
        and tracker.events.maxlen is None  # a bounded history drops old events
    ):
        return noted
    query = sa.select(sa.func.count()).select_from(
        _latest_session(store, tracker.sender_id).subquery()
    )
    return int(session.execute(query).scalar_one())


async def save(store: Any, tracker: DialogueStateTracker) -> None:
    """Store the tracker's events that are not stored yet (`SQLTrackerStore.save`)."""
    await store.stream_events(tracker)

    def write() -> None:
        with store.session_scope() as session:
            new = list(itertools.islice(tracker.events, _stored(store, session, tracker), None))
            if not new:
                return
            session.execute(
                store.SQLEvent.__table__.insert(), [_row(tracker.sender_id, e) for e in new]
            )
            try:
                session.commit()
            except Exception as exc:
                raise _Committing from exc

    await asyncio.to_thread(_on_a_live_connection, write)
    setattr(tracker, STORED, len(tracker.events))


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not load or save a conversation (database down, locked, full).

    Raised in place of Rasa's fallback to a store in memory (`FailSafeTrackerStore`), which
    answered the message and kept its events in the process's memory only: the next message, on
    this process or another, was answered without them, and the conversation's record in the
    database missed the turn without anyone knowing. The channels catch it and answer with the
    apology (`assistant.channels.apology`); nothing of the message is stored.
    """


def _loud(method: str) -> Callable[..., Any]:
    """`FailSafeTrackerStore.<method>` that raises `TrackerStoreUnavailable` on a store error."""

    async def call(self: Any, *args: Any) -> Any:
        try:
            return await getattr(self._tracker_store, method)(*args)
        except Exception as exc:
            # The type only: a database error's message quotes the statement's parameters.
            logger.error("The tracker store failed (%s): %s", method, type(exc).__name__)
            raise TrackerStoreUnavailable(f"the tracker store failed ({method})") from exc

    call.__name__ = method
    return call


failsafe_retrieve = _loud("retrieve")
failsafe_retrieve_full_tracker = _loud("retrieve_full_tracker")
failsafe_save = _loud("save")
failsafe_keys = _loud("keys")
