"""What the console reads: the conversation list, one transcript, and review data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.review.filters import Filters
from assistant.review.indexer import channel_of
from assistant.review.schema import conversations, corrections, events, notes, statuses, tags

PAGE_SIZE = 50
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Row:
    """One line of the conversation list."""

    sender_id: str
    started_at: float
    channel: str
    language: str | None
    turns: int
    first_question: str | None
    uncertain: bool
    fallbacks: int
    thumbs_up: int
    thumbs_down: int
    status: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int

    @property
    def more(self) -> bool:
        """Whether there are more matches than were counted (COUNT_LIMIT)."""
        return self.total > COUNT_LIMIT

    @property
    def limit(self) -> int:
        return COUNT_LIMIT

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and len(self.rows) > 0)


def list_conversations(
    conn: Connection,
    filters: Filters,
    low_confidence: float,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    count: bool = True,
) -> Page:
    """One page of conversations matching `filters`, newest first."""
    c = conversations.c
    where = filters.conditions(conn.dialect.name, low_confidence)
    # Counting stops at COUNT_LIMIT: an exact count of 100,000 rows would cost more than the page.
    total = 0
    if count:
        capped = (
            sa.select(sa.literal(1)).select_from(conversations).where(*where).limit(COUNT_LIMIT + 1)
        )
        total = int(conn.scalar(sa.select(sa.func.count()).select_from(capped.subquery())) or 0)
    pages = max(1, -(-total // page_size))
    page = max(1, page)
    selected = (
        sa.select(conversations, statuses.c.status)
        .outerjoin(statuses, statuses.c.sender_id == c.sender_id)
        .where(*where)
        .order_by(c.started_at.desc(), c.sender_id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    found = conn.execute(selected).mappings().all()
    tag_map = tags_of(conn, [r["sender_id"] for r in found])
    rows = [
        Row(
            sender_id=r["sender_id"],
            started_at=r["started_at"],
            channel=r["channel"],
            language=r["language"],
            turns=r["turns"],
            first_question=r["first_question"],
            uncertain=bool(r["fallbacks"])
            or (r["min_confidence"] is not None and r["min_confidence"] < low_confidence),
            fallbacks=r["fallbacks"],
            thumbs_up=r["thumbs_up"],
            thumbs_down=r["thumbs_down"],
            status=r["status"] or "new",
            tags=tuple(tag_map.get(r["sender_id"], ())),
        )
        for r in found
    ]
    return Page(rows, total, page, pages)


def tags_of(conn: Connection, senders: list[str]) -> dict[str, list[str]]:
    if not senders:
        return {}
    found: dict[str, list[str]] = {}
    for sender, tag in conn.execute(
        sa.select(tags.c.sender_id, tags.c.tag)
        .where(tags.c.sender_id.in_(senders))
        .order_by(tags.c.tag)
    ):
        found.setdefault(sender, []).append(tag)
    return found


def all_tags(conn: Connection) -> list[str]:
    return list(conn.execute(sa.select(tags.c.tag).distinct().order_by(tags.c.tag)).scalars())


@dataclass
class Reply:
    """A bot message, the action that sent it and the visitor's rating of it."""

    text: str
    action: str | None
    timestamp: float
    rating: str | None = None
    buttons: list[str] = field(default_factory=list)


@dataclass
class Turn:
    """A visitor message with what the NLU read in it, and the answers to it."""

    event_id: int
    timestamp: float
    text: str
    intent: str | None
    confidence: float | None
    entities: list[tuple[str, str]]
    language: dict[str, Any]
    channel: str
    replies: list[Reply] = field(default_factory=list)
    correction: dict[str, Any] | None = None


@dataclass
class Transcript:
    sender_id: str
    turns: list[Turn]
    # Replies before the first visitor message (e.g. a Telegram welcome).
    opening: list[Reply]
    tags: list[str]
    status: str
    notes: list[dict[str, Any]]


def transcript(conn: Connection, sender_id: str) -> Transcript | None:
    """The conversation in order, or None when there is none with this id."""
    turns: list[Turn] = []
    opening: list[Reply] = []
    by_timestamp: dict[float, Reply] = {}
    action: str | None = None
    ratings: dict[float, str] = {}
    rows = conn.execute(
        sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.sender_id == sender_id)
        .order_by(events.c.id)
    ).all()
    if not rows:
        return None
    for event_id, type_name, timestamp, data in rows:
        try:
            event = json.loads(data or "{}")
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        if type_name == "user":
            turns.append(_turn(event_id, timestamp or 0.0, event, sender_id))
            action = None
        elif type_name == "action":
            action = str(event.get("name") or "") or None
        elif type_name == "bot":
            reply = Reply(
                text=str(event.get("text") or ""),
                action=action,
                timestamp=timestamp or 0.0,
                buttons=_buttons(event.get("data")),
            )
            by_timestamp[reply.timestamp] = reply
            (turns[-1].replies if turns else opening).append(reply)
        elif type_name == "slot" and event.get("name") == "feedback":
            value = event.get("value")
            if isinstance(value, dict) and value.get("rating") in ("up", "down"):
                rated = value.get("message_timestamp")
                if isinstance(rated, (int, float)):
                    ratings[float(rated)] = value["rating"]
    for rated, rating in ratings.items():
        if rated in by_timestamp:
            by_timestamp[rated].rating = rating
    fixes = {
        r["event_id"]: dict(r)
        for r in conn.execute(
            sa.select(corrections).where(corrections.c.sender_id == sender_id)
        ).mappings()
    }
    for turn in turns:
        turn.correction = fixes.get(turn.event_id)
    status = conn.scalar(sa.select(statuses.c.status).where(statuses.c.sender_id == sender_id))
    return Transcript(
        sender_id=sender_id,
        turns=turns,
        opening=opening,
        tags=tags_of(conn, [sender_id]).get(sender_id, []),
        status=status or "new",
        notes=[
            dict(r)
            for r in conn.execute(
                sa.select(notes).where(notes.c.sender_id == sender_id).order_by(notes.c.id)
            ).mappings()
        ],
    )


def _turn(event_id: int, timestamp: float, event: dict[str, Any], sender_id: str) -> Turn:
    parse = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
    assert isinstance(parse, dict)
    intent = parse.get("intent") if isinstance(parse.get("intent"), dict) else {}
    assert isinstance(intent, dict)
    entities = [
        (str(e.get("entity")), str(e.get("value")))
        for e in parse.get("entities") or []
        if isinstance(e, dict) and e.get("entity") not in (None, "language")
    ]
    language = parse.get("language") if isinstance(parse.get("language"), dict) else {}
    assert isinstance(language, dict)
    confidence = intent.get("confidence")
    return Turn(
        event_id=event_id,
        timestamp=timestamp,
        text=str(event.get("text") or ""),
        intent=str(intent["name"]) if intent.get("name") else None,
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        entities=entities,
        language=language,
        channel=channel_of(event.get("input_channel"), sender_id),
    )


def _buttons(data: Any) -> list[str]:
    if not isinstance(data, dict) or not isinstance(data.get("buttons"), list):
        return []
    return [str(b.get("title")) for b in data["buttons"] if isinstance(b, dict) and b.get("title")]


def user_message(conn: Connection, sender_id: str, event_id: int) -> Turn | None:
    """One visitor message of a conversation, for a correction."""
    row = conn.execute(
        sa.select(events.c.timestamp, events.c.data).where(
            events.c.id == event_id,
            events.c.sender_id == sender_id,
            events.c.type_name == "user",
        )
    ).first()
    if row is None:
        return None
    try:
        event = json.loads(row.data or "{}")
    except ValueError:
        return None
    return (
        _turn(event_id, row.timestamp or 0.0, event, sender_id) if isinstance(event, dict) else None
    )


def has_conversation(conn: Connection, sender_id: str) -> bool:
    """Whether any event of this conversation is stored."""
    return (
        conn.execute(sa.select(events.c.id).where(events.c.sender_id == sender_id).limit(1)).first()
        is not None
    )
