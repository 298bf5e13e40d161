"""The console's tables in the tracker store's database, beside Rasa's `events` table.

Every table of ours that holds conversation data is named `review_*` and has a `sender_id`
column, so the retention purge can delete our rows together with the events they come from;
per-message rows also carry `message_timestamp`, the time of the visitor's message. Staff
accounts are not conversation data and live in `console_users`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

# Rasa's own table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), only read here. It has
# its own metadata so that `create_schema` never creates or alters it.
rasa_metadata = sa.MetaData()
events = sa.Table(
    "events",
    rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

metadata = sa.MetaData()

# One row per conversation (sender), rebuilt from its events whenever it gets new ones.
conversations = sa.Table(
    "review_conversations",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False),
    # The time of the first visitor message (= started_at), whose text `first_question` holds:
    # the retention purge deletes the row with that message; `refresh(sweep=True)` then rebuilds
    # it from the events that are left.
    sa.Column("message_timestamp", sa.Float, nullable=False, index=True),
    # The Berlin day it began on (YYYY-MM-DD), for the overview's per-day counts.
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("last_at", sa.Float, nullable=False),
    # The newest event read into this row; the highest over all rows is the index's watermark.
    sa.Column("last_event_id", sa.Integer, nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(2)),
    sa.Column("turns", sa.Integer, nullable=False),
    sa.Column("first_question", sa.Text),
    sa.Column("min_confidence", sa.Float),
    sa.Column("fallbacks", sa.Integer, nullable=False),
    sa.Column("thumbs_up", sa.Integer, nullable=False),
    sa.Column("thumbs_down", sa.Integer, nullable=False),
    sa.Index("ix_review_conversations_started", "started_at"),
    sa.Index("ix_review_conversations_channel", "channel", "started_at"),
    sa.Index("ix_review_conversations_language", "language", "started_at"),
    sa.Index("ix_review_conversations_confidence", "min_confidence"),
    sa.Index("ix_review_conversations_down", "thumbs_down", "started_at"),
    # Covers the overview's one grouped pass over a period.
    sa.Index(
        "ix_review_conversations_overview",
        "started_at",
        "day",
        "language",
        "channel",
        "turns",
        "thumbs_up",
        "thumbs_down",
    ),
)

# One row per visitor message: what the NLU made of it and how its answer was rated.
messages = sa.Table(
    "review_messages",
    metadata,
    # The id of the user event in `events` (stable across rebuilds; the full-text rowid).
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("message_timestamp", sa.Float, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(255)),
    sa.Column("confidence", sa.Float),
    sa.Column("language", sa.String(2)),
    sa.Column("city", sa.Text),
    sa.Column("fallback", sa.Boolean, nullable=False),
    # The last rating of an answer to this message: "up", "down" or None.
    sa.Column("rating", sa.String(4)),
    sa.Index("ix_review_messages_intent", "intent", "sender_id"),
    # Covers the overview's intents and fallback rate over a period.
    sa.Index(
        "ix_review_messages_overview", "message_timestamp", "intent", "fallback", "confidence"
    ),
)

tags = sa.Table(
    "review_tags",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("tag", sa.String(64), primary_key=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_review_tags_tag", "tag", "sender_id"),
)

notes = sa.Table(
    "review_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# "reviewed" or "needs_work"; a conversation without a row is "new".
statuses = sa.Table(
    "review_status",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("ix_review_status_status", "status", "sender_id"),
)

# A reviewer's correction of one visitor message: the intent (and city) it should have had.
corrections = sa.Table(
    "review_corrections",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("message_timestamp", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(2)),
    sa.Column("predicted_intent", sa.String(255)),
    sa.Column("intent", sa.String(255), nullable=False),
    sa.Column("city", sa.Text),
    sa.Column("corrected_by", sa.String(64), nullable=False),
    sa.Column("corrected_at", sa.Float, nullable=False),
)

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Signed-in sessions (assistant/review/sessions.py): the cookie carries a random token, the
# database its SHA-256 only (a copy of the database signs no one in). A session ends when its row
# goes: on sign-out, on a new password or role, when the account is removed, or at `expires_at`.
sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

# Failed console sign-ins of the last window (accounts.SignInLimiter): kept in the database so that
# a restart or a second console process does not reset the limit; rows older than the window go.
sign_in_failures = sa.Table(
    "console_sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Index("ix_console_sign_in_failures_key", "kind", "key", "at"),
)

# Full-text search over the visitors' messages. Its name has no `review_` prefix because SQLite
# adds shadow tables (`<name>_data`, ...) without a sender_id; triggers keep it in step with
# review_messages, so rows deleted there (purge, erasure) leave the index too.
FTS_TABLE = "fts_review_messages"
_SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, content='review_messages', content_rowid='event_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON review_messages BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.event_id, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON review_messages BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.event_id, old.text);"
    " END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON review_messages BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.event_id, old.text);"
    f" INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.event_id, new.text); END",
)
# PostgreSQL: an expression index that `to_tsvector('simple', text) @@ ...` uses ('simple':
# no stemming, the same for German and English).
_POSTGRES_FTS = (
    "CREATE INDEX IF NOT EXISTS ix_review_messages_fts ON review_messages "
    "USING gin (to_tsvector('simple', text))",
)


def create_schema(engine: Engine) -> None:
    """Create the console's tables and full-text index where they are missing.

    Rasa's `events` table is created too when the Rasa server has not run yet (an empty store
    is still a store to review), with Rasa's own columns.
    """
    rasa_metadata.create_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for statement in _fts_statements(conn):
            conn.exec_driver_sql(statement)


def _fts_statements(conn: Connection) -> tuple[str, ...]:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)
        ).first()
        return () if exists else _SQLITE_FTS
    if dialect == "postgresql":
        return _POSTGRES_FTS
    return ()


def compact_search_index(conn: Connection) -> None:
    """Merge SQLite's full-text index so that deleted messages leave its pages (FTS5 keeps
    them in old segments until a merge; SQLite 3.40 has no 'secure-delete' option)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('optimize')")


def is_sqlite(engine: Engine | Connection) -> bool:
    """Whether the database is SQLite (full-text search and date functions differ)."""
    return engine.dialect.name == "sqlite"
