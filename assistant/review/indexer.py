"""The console's own index of the conversations, built incrementally from Rasa's `events`.

Rasa stores each event as a JSON row; filtering 100,000 conversations by reading that JSON on
every page view would be far too slow. `refresh` reads only the events newer than what the
index has seen (the highest `last_event_id` of `review_conversations`) and rebuilds the rows of
the conversations they belong to from all of their events, so a rebuild is idempotent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant.review.schema import conversations, events, messages

logger = logging.getLogger(__name__)

CHANNELS = ("web", "telegram", "rest", "other")
# Dates are the department's days.
TIMEZONE = ZoneInfo("Europe/Berlin")
FALLBACK_INTENT = "nlu_fallback"
# Senders rebuilt per transaction.
_CHUNK = 400
# PostgreSQL hands out ids before commit, so an event with a lower id can become visible after
# one with a higher id; whenever there are new events, those this far below the watermark are
# read again too (idempotent).
_POSTGRES_LAG = 500


def channel_of(input_channel: str | None, sender_id: str) -> str:
    """The console's channel name for Rasa's `input_channel` of a user event.

    Telegram in polling mode reaches Rasa through the REST channel; its sender ids are
    pseudonyms starting with `tg-` (assistant/channels/telegram/identity.py).
    """
    if input_channel == "webchat":
        return "web"
    if input_channel == "telegram" or sender_id.startswith("tg-"):
        return "telegram"
    if input_channel == "rest":
        return "rest"
    return "other"


@dataclass
class UserTurn:
    """What the index keeps of one visitor message."""

    event_id: int
    timestamp: float
    text: str
    intent: str | None
    confidence: float | None
    language: str | None
    city: str | None
    channel: str
    rating: str | None = None

    def is_fallback(self) -> bool:
        return self.intent == FALLBACK_INTENT


@dataclass
class Summary:
    """One conversation as the list shows it, read from its events in order."""

    sender_id: str
    turns: list[UserTurn] = field(default_factory=list)
    first_at: float | None = None
    last_at: float = 0.0
    last_event_id: int = 0
    # Rated bot message (its timestamp) -> its last rating; a rating may be repeated.
    ratings: dict[float, str] = field(default_factory=dict)
    _answer_of: dict[float, int] = field(default_factory=dict)

    def add(self, event_id: int, type_name: str, timestamp: float | None, data: str) -> None:
        self.last_event_id = max(self.last_event_id, event_id)
        when = timestamp or 0.0
        self.first_at = when if self.first_at is None else min(self.first_at, when)
        self.last_at = max(self.last_at, when)
        if type_name not in ("user", "bot", "slot"):
            return
        event = _load(data)
        if type_name == "user":
            self.turns.append(user_turn(event_id, when, event, self.sender_id))
        elif type_name == "bot" and self.turns:
            self._answer_of[when] = len(self.turns) - 1
        elif type_name == "slot" and event.get("name") == "feedback":
            self._rate(event.get("value"))

    def _rate(self, value: Any) -> None:
        if not isinstance(value, dict) or value.get("rating") not in ("up", "down"):
            return
        rated = value.get("message_timestamp")
        if isinstance(rated, (int, float)) and not isinstance(rated, bool):
            self.ratings[float(rated)] = value["rating"]
            index = self._answer_of.get(float(rated))
            if index is not None:
                self.turns[index].rating = value["rating"]

    def conversation_row(self) -> dict[str, Any]:
        languages = [t.language for t in self.turns if t.language]
        language = max(
            ("de", "en"), key=lambda lang: (languages.count(lang), _last(languages, lang))
        )
        confidences = [t.confidence for t in self.turns if t.confidence is not None]
        asked = [t.text for t in self.turns if t.text and not t.text.startswith("/")]
        started = self.turns[0].timestamp if self.turns else (self.first_at or 0.0)
        return {
            "sender_id": self.sender_id,
            "started_at": started,
            "message_timestamp": started,
            "day": dt.datetime.fromtimestamp(started, TIMEZONE).date().isoformat(),
            "last_at": self.last_at,
            "last_event_id": self.last_event_id,
            "channel": self.turns[0].channel if self.turns else channel_of(None, self.sender_id),
            "language": language if languages else None,
            "turns": len(self.turns),
            "first_question": asked[0] if asked else (self.turns[0].text if self.turns else None),
            "min_confidence": min(confidences) if confidences else None,
            "fallbacks": sum(t.is_fallback() for t in self.turns),
            "thumbs_up": sum(r == "up" for r in self.ratings.values()),
            "thumbs_down": sum(r == "down" for r in self.ratings.values()),
        }

    def message_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "event_id": t.event_id,
                "sender_id": self.sender_id,
                "message_timestamp": t.timestamp,
                "text": t.text,
                "intent": t.intent,
                "confidence": t.confidence,
                "language": t.language,
                "city": t.city,
                "fallback": t.is_fallback(),
                "rating": t.rating,
            }
            for t in self.turns
        ]


def _last(values: list[str], value: str) -> int:
    return max((i for i, v in enumerate(values) if v == value), default=-1)


def _load(data: str | None) -> dict[str, Any]:
    try:
        loaded = json.loads(data or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def user_turn(event_id: int, timestamp: float, event: dict[str, Any], sender_id: str) -> UserTurn:
    """Read one user event's JSON (Rasa's `UserUttered.as_dict()`)."""
    parse = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
    assert isinstance(parse, dict)
    intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    assert isinstance(intent, dict)
    language = parse.get("language") if isinstance(parse.get("language"), dict) else {}
    assert isinstance(language, dict)
    confidence = intent.get("confidence")
    return UserTurn(
        event_id=event_id,
        timestamp=timestamp,
        text=str(event.get("text") or ""),
        intent=str(intent["name"]) if intent.get("name") else None,
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        language=language.get("reply") if language.get("reply") in ("de", "en") else None,
        city=city_of(parse.get("entities")),
        channel=channel_of(event.get("input_channel"), sender_id),
    )


def city_of(entities: Any) -> str | None:
    """The first `city` entity's value (the CityMatcher's normalised name), if any."""
    if not isinstance(entities, list):
        return None
    for entity in entities:
        if isinstance(entity, dict) and entity.get("entity") == "city" and entity.get("value"):
            return str(entity["value"])
    return None


def watermark(conn: Connection) -> int:
    """The highest event id the index has read."""
    return int(conn.scalar(sa.select(sa.func.max(conversations.c.last_event_id))) or 0)


def refresh(engine: Engine, sweep: bool = False) -> int:
    """Bring the index up to date with `events`; returns how many conversations were rebuilt.

    Args:
        engine: the tracker store's database.
        sweep: also rebuild conversations that have events but no index row (their row was
            deleted by the retention purge with their first message, or by hand). This reads
            every sender id once, so the app does it only now and then.
    """
    with engine.connect() as conn:
        seen = watermark(conn)
        newest = conn.scalar(sa.select(sa.func.max(events.c.id)))
        senders: list[str] = []
        if newest is not None and newest > seen:
            if conn.dialect.name == "postgresql":
                seen = max(0, seen - _POSTGRES_LAG)
            senders = list(
                conn.execute(sa.select(events.c.sender_id).where(events.c.id > seen).distinct())
                .scalars()
                .all()
            )
        if sweep:
            indexed = sa.select(conversations.c.sender_id).where(
                conversations.c.sender_id == events.c.sender_id
            )
            missing = conn.execute(
                sa.select(events.c.sender_id).where(~sa.exists(indexed)).distinct()
            ).scalars()
            senders = list(dict.fromkeys([*senders, *missing]))
    for start in range(0, len(senders), _CHUNK):
        with engine.begin() as conn:
            rebuild(conn, senders[start : start + _CHUNK])
    if senders:
        logger.info("Review index: %d conversations updated", len(senders))
    return len(senders)


def rebuild(conn: Connection, senders: Sequence[str]) -> None:
    """Replace the index rows of `senders` with rows read from all of their events."""
    summaries = {sender: Summary(sender) for sender in senders}
    rows = conn.execute(
        sa.select(
            events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.data
        )
        .where(events.c.sender_id.in_(list(senders)))
        .order_by(events.c.id)
    )
    for event_id, sender, type_name, timestamp, data in rows:
        summaries[sender].add(event_id, type_name, timestamp, data)
    conn.execute(messages.delete().where(messages.c.sender_id.in_(list(senders))))
    conn.execute(conversations.delete().where(conversations.c.sender_id.in_(list(senders))))
    present = [s for s in summaries.values() if s.last_event_id]
    _insert(conn, conversations, (s.conversation_row() for s in present))
    _insert(conn, messages, (row for s in present for row in s.message_rows()))


def _insert(conn: Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    batch = list(rows)
    if batch:
        conn.execute(table.insert(), batch)
