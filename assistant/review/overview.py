"""The overview page's figures: conversations per day, shares, top intents, rates, and the
unanswered questions of the week grouped by similar text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.engine import Connection

from assistant.review.filters import day_start
from assistant.review.indexer import FALLBACK_INTENT
from assistant.review.schema import conversations, messages

TOP_INTENTS = 10
# Unanswered questions: how many recent ones are grouped, how alike two must be (0-100).
UNANSWERED_LIMIT = 500
SIMILARITY = 75
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


@dataclass
class Group:
    """Visitor questions that read alike; `text` is the first (newest) of them."""

    text: str
    count: int = 1
    senders: list[str] = field(default_factory=list)
    key: str = ""


@dataclass
class Overview:
    first_day: dt.date
    last_day: dt.date
    per_day: list[tuple[dt.date, int]]
    languages: list[tuple[str, int]]
    channels: list[tuple[str, int]]
    top_intents: list[tuple[str, int]]
    messages: int
    uncertain: int
    thumbs_up: int
    thumbs_down: int
    unanswered: list[Group]

    @property
    def conversations(self) -> int:
        return sum(count for _, count in self.per_day)

    @property
    def fallback_rate(self) -> float:
        return self.uncertain / self.messages if self.messages else 0.0


def overview(
    conn: Connection, first_day: dt.date, last_day: dt.date, low_confidence: float
) -> Overview:
    """The figures for the days `first_day` to `last_day` (Berlin time, inclusive)."""
    start, end = day_start(first_day), day_start(last_day + dt.timedelta(days=1))
    c, m = conversations.c, messages.c
    in_period = sa.and_(c.started_at >= start, c.started_at < end, c.turns > 0)
    # One grouped pass over the period's conversations (a covering index), one over its messages.
    per_day_counts: dict[str, int] = {}
    languages: dict[str, int] = {}
    channels: dict[str, int] = {}
    up = down = 0
    for day, language, channel, count, ups, downs in conn.execute(
        sa.select(
            c.day,
            c.language,
            c.channel,
            sa.func.count(),
            sa.func.sum(c.thumbs_up),
            sa.func.sum(c.thumbs_down),
        )
        .where(in_period)
        .group_by(c.day, c.language, c.channel)
    ):
        per_day_counts[day] = per_day_counts.get(day, 0) + count
        languages[language or "?"] = languages.get(language or "?", 0) + count
        channels[channel] = channels.get(channel, 0) + count
        up, down = up + int(ups or 0), down + int(downs or 0)
    days = (last_day - first_day).days + 1
    per_day = [
        (day, per_day_counts.get(day.isoformat(), 0))
        for day in (first_day + dt.timedelta(days=i) for i in range(days))
    ]
    messages_in = sa.and_(m.message_timestamp >= start, m.message_timestamp < end)
    uncertain = sa.or_(m.fallback, m.confidence < low_confidence)
    intents: list[tuple[str, int]] = []
    total = uncertain_total = 0
    for intent, count, unsure in conn.execute(
        sa.select(m.intent, sa.func.count(), sa.func.sum(sa.case((uncertain, 1), else_=0)))
        .where(messages_in)
        .group_by(m.intent)
    ):
        total += count
        uncertain_total += int(unsure or 0)
        if intent is not None:
            intents.append((str(intent), int(count)))
    intents.sort(key=lambda item: (-item[1], item[0]))
    week_start = max(start, day_start(last_day - dt.timedelta(days=6)))
    return Overview(
        first_day=first_day,
        last_day=last_day,
        per_day=per_day,
        languages=sorted(languages.items(), key=lambda item: -item[1]),
        channels=sorted(channels.items(), key=lambda item: -item[1]),
        top_intents=intents[:TOP_INTENTS],
        messages=total,
        uncertain=uncertain_total,
        thumbs_up=up,
        thumbs_down=down,
        unanswered=unanswered(conn, week_start, end, low_confidence),
    )


def unanswered(conn: Connection, start: float, end: float, low_confidence: float) -> list[Group]:
    """Questions that fell back, were uncertain or whose answer was rated down, grouped."""
    m = messages.c
    rows = conn.execute(
        sa.select(m.text, m.sender_id)
        .where(
            m.message_timestamp >= start,
            m.message_timestamp < end,
            sa.or_(m.intent == FALLBACK_INTENT, m.confidence < low_confidence, m.rating == "down"),
        )
        .order_by(m.message_timestamp.desc())
        .limit(UNANSWERED_LIMIT)
    ).all()
    return group_similar([(text, sender) for text, sender in rows if text])


def normalised(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def group_similar(items: list[tuple[str, str]], similarity: int = SIMILARITY) -> list[Group]:
    """Group texts that read alike (token-set similarity), largest groups first."""
    groups: list[Group] = []
    for text, sender in items:
        key = normalised(text)
        match = next((g for g in groups if fuzz.token_set_ratio(key, g.key) >= similarity), None)
        if match is None:
            groups.append(Group(text=text, senders=[sender], key=key))
        else:
            match.count += 1
            if sender not in match.senders:
                match.senders.append(sender)
    return sorted(groups, key=lambda g: -g.count)
