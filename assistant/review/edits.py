"""What staff change: tags, review status, notes, intent corrections and erasure."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant.retention import reclaim
from assistant.review.filters import STATUSES
from assistant.review.queries import Turn
from assistant.review.schema import (
    compact_search_index,
    conversations,
    corrections,
    events,
    is_sqlite,
    messages,
    notes,
    statuses,
    tags,
)

MAX_TAG_CHARS = 64
MAX_NOTE_CHARS = 4000
_TAG = re.compile(r"^[\w .:+-]+$", re.UNICODE)
# Our tables with rows per conversation, deleted with it (GDPR Art. 17).
CONVERSATION_TABLES = (corrections, notes, statuses, tags, messages, conversations)


class EditError(ValueError):
    """A change that cannot be made; the message is a key of the console's texts."""


def add_tag(conn: Connection, sender_id: str, tag: str, user: str) -> None:
    tag = " ".join(tag.split())
    if not tag or len(tag) > MAX_TAG_CHARS or not _TAG.match(tag):
        raise EditError("error_tag")
    exists = conn.scalar(
        sa.select(sa.func.count()).where(tags.c.sender_id == sender_id, tags.c.tag == tag)
    )
    if not exists:
        conn.execute(
            tags.insert().values(
                sender_id=sender_id, tag=tag, created_by=user, created_at=time.time()
            )
        )


def remove_tag(conn: Connection, sender_id: str, tag: str) -> None:
    conn.execute(tags.delete().where(tags.c.sender_id == sender_id, tags.c.tag == tag))


def set_status(conn: Connection, sender_id: str, status: str, user: str) -> None:
    if status not in STATUSES:
        raise EditError("error_status")
    conn.execute(statuses.delete().where(statuses.c.sender_id == sender_id))
    if status != "new":
        conn.execute(
            statuses.insert().values(
                sender_id=sender_id, status=status, updated_by=user, updated_at=time.time()
            )
        )


def add_note(conn: Connection, sender_id: str, body: str, user: str) -> None:
    body = body.strip()
    if not body or len(body) > MAX_NOTE_CHARS:
        raise EditError("error_note")
    conn.execute(
        notes.insert().values(sender_id=sender_id, author=user, body=body, created_at=time.time())
    )


def correct(
    conn: Connection,
    turn: Turn,
    sender_id: str,
    intent: str,
    city: str | None,
    known_intents: frozenset[str],
    user: str,
) -> None:
    """Record the intent (and city, as written in the message) a visitor message should have.

    Raises:
        EditError: the intent is not one of the domain's, or the city is not part of the text.
    """
    if intent not in known_intents:
        raise EditError("error_intent")
    city = (city or "").strip() or None
    if city is not None and (len(city) > 100 or city not in turn.text):
        raise EditError("error_city")
    conn.execute(corrections.delete().where(corrections.c.event_id == turn.event_id))
    conn.execute(
        corrections.insert().values(
            event_id=turn.event_id,
            sender_id=sender_id,
            message_timestamp=turn.timestamp,
            text=turn.text,
            language=turn.language.get("reply"),
            predicted_intent=turn.intent,
            intent=intent,
            city=city,
            corrected_by=user,
            corrected_at=time.time(),
        )
    )


def remove_correction(conn: Connection, sender_id: str, event_id: int) -> None:
    conn.execute(
        corrections.delete().where(
            corrections.c.event_id == event_id, corrections.c.sender_id == sender_id
        )
    )


def erase_conversation(conn: Connection, sender_id: str) -> int:
    """Delete a conversation's events and every row of ours about it; returns the events
    deleted. For a visitor's erasure request (GDPR Art. 17); `erase` also wipes the files."""
    if is_sqlite(conn):
        # Deleted cells and pages are overwritten with zeros (the setting is the connection's).
        conn.exec_driver_sql("PRAGMA secure_delete = ON")
    for table in CONVERSATION_TABLES:
        conn.execute(table.delete().where(table.c.sender_id == sender_id))
    deleted = conn.execute(events.delete().where(events.c.sender_id == sender_id)).rowcount
    compact_search_index(conn)
    return int(deleted or 0)


def erase(engine: Engine, sender_id: str) -> int:
    """`erase_conversation` in a transaction of its own, then the database files wiped of it
    as the retention purge wipes them (`assistant.retention.reclaim`: SQLite's `VACUUM` and an
    emptied write-ahead log, PostgreSQL's `VACUUM`), so that the text is gone at once, not at
    the next purge. Returns the events deleted."""
    with engine.begin() as conn:
        deleted = erase_conversation(conn, sender_id)
    reclaim(engine)
    return deleted
