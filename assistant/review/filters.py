"""The conversation list's filters: read from a query string, checked, turned into SQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from assistant.review.indexer import CHANNELS, TIMEZONE
from assistant.review.schema import FTS_TABLE, conversations, messages, statuses, tags

STATUSES = ("new", "reviewed", "needs_work")
MAX_SEARCH_CHARS = 200
MAX_FIELD_CHARS = 100
_WORD = re.compile(r"\w+", re.UNICODE)


class FilterError(ValueError):
    """A filter value that cannot be used.

    Attributes:
        field (str): the filter's name (its query parameter).
        key (str): the console text that says what is wrong (`texts.py`, `filter_*`).
        values (dict): the text's placeholders.
    """

    def __init__(self, field: str, key: str, **values: object) -> None:
        super().__init__(f"{field}: {key} {values}" if values else f"{field}: {key}")
        self.field = field
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Filters:
    """The list's filters; every one may be combined with every other. Empty means "any".

    Attributes:
        date_from (datetime.date | None): first day (Berlin time) a conversation began on.
        date_to (datetime.date | None): last day, inclusive.
        channel (str | None): "web", "telegram", "rest" or "other".
        language (str | None): the conversation's main reply language, "de" or "en".
        intent (str | None): some visitor message was classified as this intent.
        uncertain (bool): some message fell back or had a confidence below the threshold.
        thumbs_down (bool): some answer was rated down.
        tag (str | None): the conversation carries this tag.
        status (str | None): "new", "reviewed" or "needs_work".
        q (str | None): words that occur in a visitor message (all of them, as word starts).
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    channel: str | None = None
    language: str | None = None
    intent: str | None = None
    uncertain: bool = False
    thumbs_down: bool = False
    tag: str | None = None
    status: str | None = None
    q: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Read the filters from query parameters of the same names.

        Raises:
            FilterError: a value has the wrong form (the message says which and why).
        """

        def text(name: str, limit: int = MAX_FIELD_CHARS) -> str | None:
            value = (query.get(name) or "").strip()
            if len(value) > limit:
                raise FilterError(name, "filter_too_long", limit=limit)
            return value or None

        def choice(name: str, allowed: tuple[str, ...]) -> str | None:
            value = text(name)
            if value is not None and value not in allowed:
                raise FilterError(name, "filter_one_of", allowed=", ".join(allowed))
            return value

        def day(name: str) -> dt.date | None:
            value = text(name)
            if value is None:
                return None
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise FilterError(name, "filter_date") from None

        def flag(name: str) -> bool:
            return (query.get(name) or "") in ("1", "on", "true")

        filters = cls(
            date_from=day("date_from"),
            date_to=day("date_to"),
            channel=choice("channel", CHANNELS),
            language=choice("language", ("de", "en")),
            intent=text("intent"),
            uncertain=flag("uncertain"),
            thumbs_down=flag("thumbs_down"),
            tag=text("tag", 64),
            status=choice("status", STATUSES),
            q=text("q", MAX_SEARCH_CHARS),
        )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise FilterError("date_to", "filter_date_order")
        return filters

    def query_string(self, **changes: object) -> str:
        """These filters (with `changes`) as a query string, for links and exports."""
        values: dict[str, str] = {}
        for f in fields(self):
            value = changes.get(f.name, getattr(self, f.name))
            if value is True:
                values[f.name] = "1"
            elif value:
                values[f.name] = str(value)
        for key, value in changes.items():
            if key not in values and value and not hasattr(self, key):
                values[key] = str(value)
        return urlencode(values)

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def conditions(self, dialect: str, low_confidence: float) -> list[ColumnElement[bool]]:
        """SQL conditions on `review_conversations` for these filters.

        Args:
            dialect: the database's dialect name ("sqlite" or "postgresql"): full-text search
                differs.
            low_confidence: the confidence below which a message counts as uncertain.
        """
        c = conversations.c
        where: list[ColumnElement[bool]] = [c.turns > 0]
        if self.date_from:
            where.append(c.started_at >= day_start(self.date_from))
        if self.date_to:
            where.append(c.started_at < day_start(self.date_to + dt.timedelta(days=1)))
        if self.channel:
            where.append(c.channel == self.channel)
        if self.language:
            where.append(c.language == self.language)
        if self.intent:
            where.append(
                sa.exists().where(
                    messages.c.intent == self.intent, messages.c.sender_id == c.sender_id
                )
            )
        if self.uncertain:
            where.append(sa.or_(c.fallbacks > 0, c.min_confidence < low_confidence))
        if self.thumbs_down:
            where.append(c.thumbs_down > 0)
        if self.tag:
            where.append(sa.exists().where(tags.c.tag == self.tag, tags.c.sender_id == c.sender_id))
        # An alias: the list joins `review_status` itself, which would swallow the subquery.
        status = statuses.alias("status_filter")
        if self.status == "new":
            where.append(~sa.exists().where(status.c.sender_id == c.sender_id))
        elif self.status:
            where.append(
                sa.exists().where(status.c.status == self.status, status.c.sender_id == c.sender_id)
            )
        if self.q:
            where.append(c.sender_id.in_(search(self.q, dialect)))
        return where


def search(q: str, dialect: str) -> sa.sql.Select:
    """The senders of visitor messages that contain every word of `q` (as a word start).

    The words are taken as plain words, never as the full-text engine's query syntax, so
    quotes, operators and SQL in `q` are just text.
    """
    words = [w.lower() for w in _WORD.findall(q)][:10]
    if not words:
        # Nothing searchable (only punctuation): nothing matches.
        return sa.select(messages.c.sender_id).where(sa.false())
    if dialect == "sqlite":
        fts = sa.table(FTS_TABLE, sa.column("rowid"))
        match = " ".join(f'"{w}"*' for w in words)
        return (
            sa.select(messages.c.sender_id)
            .join(fts, fts.c.rowid == messages.c.event_id)
            .where(sa.text(f"{FTS_TABLE} MATCH :match").bindparams(match=match))
        )
    if dialect == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        return sa.select(messages.c.sender_id).where(
            sa.text(
                "to_tsvector('simple', review_messages.text) @@ to_tsquery('simple', :tsq)"
            ).bindparams(tsq=query)
        )
    condition = sa.and_(*(messages.c.text.ilike(f"%{w}%") for w in words))
    return sa.select(messages.c.sender_id).where(condition)


def day_start(day: dt.date) -> float:
    """Unix time of midnight at the start of `day` in Berlin."""
    return dt.datetime.combine(day, dt.time(), tzinfo=TIMEZONE).timestamp()
