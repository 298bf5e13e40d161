"""The console's own index: incremental, idempotent, and in step with the retention purge."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.review import open_database
from assistant.review.indexer import channel_of, refresh
from assistant.review.schema import conversations, create_schema, events, messages, metadata
from tests.assistant.review.rasa_events import say


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = open_database(url=f"sqlite:///{tmp_path / 'index.db'}")
    create_schema(engine)
    return engine


def test_refresh_reads_only_conversations_with_new_events(engine: Engine) -> None:
    say(engine, "a", "Is Paris a partner?", 1000.0)
    say(engine, "b", "Is Vienna a partner?", 1000.0)
    assert refresh(engine) == 2
    assert refresh(engine) == 0
    say(engine, "b", "And Bern?", 2000.0)
    assert refresh(engine) == 1
    with engine.connect() as conn:
        row = conn.execute(sa.select(conversations).where(conversations.c.sender_id == "b")).one()
    assert (row.turns, row.first_question, row.thumbs_down) == (2, "Is Vienna a partner?", 2)
    assert row.message_timestamp == row.started_at == 1000.0


def test_ratings_land_on_the_rated_message(engine: Engine) -> None:
    say(engine, "a", "Is Paris a partner?", 1000.0, channel="webchat")
    refresh(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(messages.c.rating)).scalar() == "down"
        assert conn.execute(sa.select(conversations.c.channel)).scalar() == "web"


@pytest.mark.parametrize(
    ("input_channel", "sender", "channel"),
    [
        ("webchat", "x", "web"),
        ("telegram", "x", "telegram"),
        ("rest", "tg-abc", "telegram"),
        ("rest", "x", "rest"),
        ("cmdline", "x", "other"),
        (None, "x", "other"),
    ],
)
def test_channel_names(input_channel: str | None, sender: str, channel: str) -> None:
    assert channel_of(input_channel, sender) == channel


def test_after_a_retention_purge_no_old_text_stays_in_the_index(engine: Engine) -> None:
    """What the purge does (assistant/retention.py, issue 8): delete old events, our rows whose
    `message_timestamp` is older, and our rows of senders without events."""
    say(engine, "a", "Old question with a secret", 1000.0)
    say(engine, "a", "New question", 9000.0)
    say(engine, "b", "Another visitor", 9500.0)  # holds the index's watermark
    refresh(engine)
    cutoff = 5000.0
    with engine.begin() as conn:
        conn.execute(events.delete().where(events.c.timestamp < cutoff))
        for table in metadata.sorted_tables:
            if table.name.startswith("review_") and "message_timestamp" in table.c:
                conn.execute(table.delete().where(table.c.message_timestamp < cutoff))
    assert refresh(engine) == 0  # nothing new: the next page view does not notice ...
    assert refresh(engine, sweep=True) == 1  # ... the sweep does
    with engine.connect() as conn:
        row = conn.execute(sa.select(conversations).where(conversations.c.sender_id == "a")).one()
        assert (row.first_question, row.turns) == ("New question", 1)
        texts = conn.execute(sa.select(messages.c.text).where(messages.c.sender_id == "a"))
        assert texts.scalars().all() == ["New question"]
        search = conn.exec_driver_sql(
            "SELECT count(*) FROM fts_review_messages WHERE fts_review_messages MATCH 'secret'"
        )
        assert search.scalar() == 0


def test_database_errors_do_not_carry_the_visitors_words(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError) as raised, engine.begin() as conn:
        row = {"event_id": 1, "sender_id": "a", "message_timestamp": 1.0, "fallback": False}
        conn.execute(messages.insert(), [{**row, "text": "my secret question"}] * 2)
    assert "my secret question" not in str(raised.value)
