"""Tests for assistant/retention.py: the purge deletes old conversations for good, on SQLite
(down to the file's bytes) and on PostgreSQL, with the rows of our own `review_*` tables."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from assistant import cli
from assistant.retention import SECONDS_PER_DAY, purge

NOW = 1_800_000_000.0
OLD_MARKER = "Quokkafenster4711"  # ASCII: Rasa stores events as JSON with escaped non-ASCII
NEW_MARKER = "Wombatleiter0815"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def days_ago(days: float) -> float:
    return NOW - days * SECONDS_PER_DAY


def conversation(marker: str, age_days: float) -> list[Event]:
    """A short conversation of `age_days` ago with `marker` in the text, a rating and a slot."""
    t = days_ago(age_days)
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
        UserUttered(f"Ist {marker} eine Partnerstadt?", {"name": "ask_is_partner"}, timestamp=t),
        SlotSet("city", marker, timestamp=t + 1),
        BotUttered("Nein.", timestamp=t + 2),
        SlotSet("feedback", {"rating": "down", "message": f"Nein, {marker}."}, timestamp=t + 3),
    ]


def store(url: str, trackers: dict[str, list[Event]]) -> None:
    """Save conversations with Rasa's own SQL tracker store (its schema, its JSON)."""
    parsed = sa.engine.make_url(url)
    tracker_store = SQLTrackerStore(
        Domain.empty(),
        dialect=parsed.get_backend_name(),
        host=parsed.host,
        port=parsed.port,
        db=parsed.database or "",
        username=parsed.username,
    )
    for sender, events in trackers.items():
        asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))
    tracker_store.engine.dispose()


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    """A scratch database on the local PostgreSQL (trust auth), dropped afterwards."""
    name = f"assistant_retention_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgresql_url(postgres_server: str) -> Iterator[str]:
    yield postgres_server
    engine = sa.create_engine(postgres_server)
    with engine.begin() as connection:  # the next test starts from an empty database
        metadata = sa.MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def test_old_conversations_go_and_recent_ones_stay(db_url: str) -> None:
    store(
        db_url,
        {"old": conversation(OLD_MARKER, 120), "recent": conversation(NEW_MARKER, 10)},
    )
    report = purge(db_url, 90, now=NOW)
    assert (report.events, report.own_rows) == (7, 0)
    assert rows(db_url, "SELECT DISTINCT sender_id FROM events") == [("recent",)]
    assert OLD_MARKER not in str(rows(db_url, "SELECT data FROM events"))
    assert purge(db_url, 90, now=NOW).events == 0


def test_an_event_on_the_cutoff_side_of_a_conversation_stays(db_url: str) -> None:
    store(db_url, {"visitor": conversation(OLD_MARKER, 90.1)[:4] + conversation(NEW_MARKER, 89.9)})
    assert purge(db_url, 90, now=NOW).events == 4
    assert NEW_MARKER in str(rows(db_url, "SELECT data FROM events"))


def test_sqlite_file_keeps_no_deleted_text(sqlite_url: str, tmp_path: Path) -> None:
    # Enough conversations that deleted text would fill whole free pages and parts of others.
    store(
        sqlite_url,
        {
            **{f"old-{i}": conversation(f"{OLD_MARKER}{i:03}", 100) for i in range(40)},
            **{f"new-{i}": conversation(NEW_MARKER, 1) for i in range(5)},
        },
    )
    db = tmp_path / "tracker.db"
    assert OLD_MARKER.encode() in db.read_bytes()  # the search below can fail
    assert purge(sqlite_url, 30, now=NOW).events == 40 * 7
    files = [p for p in tmp_path.iterdir() if p.name.startswith("tracker.db")]
    assert files == [db]  # no journal or WAL file holds old pages
    assert OLD_MARKER.encode() not in db.read_bytes()
    assert NEW_MARKER.encode() in db.read_bytes()


def _data_file(url: str) -> Path:
    [(directory,)] = rows(url, "SHOW data_directory")
    [(relative,)] = rows(url, "SELECT pg_relation_filepath('events')")
    return Path(str(directory)) / str(relative)


def test_postgresql_full_purge_rewrites_the_files_without_the_deleted_text(
    postgresql_url: str,
) -> None:
    store(
        postgresql_url,
        {
            **{f"old-{i}": conversation(f"{OLD_MARKER}{i:03}", 100) for i in range(40)},
            "new": conversation(NEW_MARKER, 1),
        },
    )
    execute(postgresql_url, "CHECKPOINT")  # the rows on disk, not only in shared buffers
    before = _data_file(postgresql_url)
    readable = os.access(before, os.R_OK)  # the data directory is the postgres user's
    if readable:
        assert OLD_MARKER.encode() in before.read_bytes()  # the search below can fail
    assert purge(postgresql_url, 30, now=NOW).events == 40 * 7
    assert _data_file(postgresql_url) == before  # plain VACUUM: the same file
    assert purge(postgresql_url, 30, now=NOW, full=True).events == 0
    after = _data_file(postgresql_url)
    assert after != before  # VACUUM FULL wrote a new file
    assert rows(postgresql_url, "SELECT DISTINCT sender_id FROM events") == [("new",)]
    if readable:
        execute(postgresql_url, "CHECKPOINT")
        assert OLD_MARKER.encode() not in after.read_bytes()
        assert NEW_MARKER.encode() in after.read_bytes()


def test_sqlite_rows_deleted_by_others_are_wiped_by_the_next_purge(
    sqlite_url: str, tmp_path: Path
) -> None:
    """E.g. an erasure request handled in the review console without secure_delete."""
    store(
        sqlite_url,
        {
            f"{kind}-{i}": conversation(OLD_MARKER, 1)
            for i in range(40)
            for kind in ("gone", "kept")
        },
    )
    # Deleted and rewritten rows leave their text in free pages and in free space of used pages.
    execute(
        sqlite_url, "PRAGMA secure_delete = OFF", "DELETE FROM events WHERE sender_id LIKE 'gone-%'"
    )
    execute(sqlite_url, "UPDATE events SET data = replace(data, 'Quokka', 'Kept')")
    assert OLD_MARKER.encode() in (tmp_path / "tracker.db").read_bytes()
    assert purge(sqlite_url, 30, now=NOW).events == 0
    assert OLD_MARKER.encode() not in (tmp_path / "tracker.db").read_bytes()


REVIEW_TABLES = (
    "CREATE TABLE review_notes (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), note TEXT)",
    "CREATE TABLE review_corrections (id INTEGER PRIMARY KEY, sender_id VARCHAR(255),"
    " message_timestamp FLOAT, text TEXT)",
    "CREATE TABLE review_note_links (id INTEGER PRIMARY KEY, sender_id VARCHAR(255),"
    " note_id INTEGER REFERENCES review_notes (id))",
    "CREATE TABLE review_tags (id INTEGER PRIMARY KEY, name VARCHAR(50))",
    "CREATE TABLE other_notes (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), note TEXT)",
)


def test_own_tables_lose_the_rows_of_purged_conversations_and_old_messages(
    db_url: str,
) -> None:
    store(db_url, {"old": conversation(OLD_MARKER, 120), "recent": conversation(NEW_MARKER, 10)})
    old_message, recent_message = days_ago(120), days_ago(10)
    execute(
        db_url,
        *REVIEW_TABLES,
        f"INSERT INTO review_notes VALUES (1, 'old', 'asked about {OLD_MARKER}')",
        f"INSERT INTO review_notes VALUES (2, 'recent', 'asked about {NEW_MARKER}')",
        "INSERT INTO review_note_links VALUES (1, 'old', 1)",
        "INSERT INTO review_note_links VALUES (2, 'recent', 2)",
        # A correction of an old message in a conversation that goes on (continued today).
        f"INSERT INTO review_corrections VALUES (1, 'recent', {old_message}, '{OLD_MARKER}')",
        f"INSERT INTO review_corrections VALUES (2, 'recent', {recent_message}, '{NEW_MARKER}')",
        f"INSERT INTO review_corrections VALUES (3, 'old', {old_message}, '{OLD_MARKER}')",
        "INSERT INTO review_tags VALUES (1, 'visa')",
        "INSERT INTO other_notes VALUES (1, 'old', 'not ours to delete')",
    )
    report = purge(db_url, 90, now=NOW)
    assert report.own_rows == 4
    assert rows(db_url, "SELECT id FROM review_notes") == [(2,)]
    assert rows(db_url, "SELECT id FROM review_note_links") == [(2,)]
    assert rows(db_url, "SELECT id FROM review_corrections") == [(2,)]
    assert rows(db_url, "SELECT id FROM review_tags") == [(1,)]
    assert rows(db_url, "SELECT id FROM other_notes") == [(1,)]


def test_own_tables_with_a_datetime_message_timestamp(db_url: str) -> None:
    store(db_url, {"recent": conversation(NEW_MARKER, 10)})
    execute(
        db_url,
        "CREATE TABLE review_flags (id INTEGER PRIMARY KEY, sender_id VARCHAR(255),"
        " message_timestamp TIMESTAMP)",
        "INSERT INTO review_flags VALUES (1, 'recent', '2026-12-01 10:00:00')",  # kept
        "INSERT INTO review_flags VALUES (2, 'recent', '2025-01-01 10:00:00')",
    )
    assert purge(db_url, 90, now=NOW).own_rows == 1  # NOW is 2027-01-15
    assert rows(db_url, "SELECT id FROM review_flags") == [(1,)]


def test_a_database_without_conversations_is_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert purge(url, 90, now=NOW).events == 0


@pytest.mark.parametrize("days", [0, -5])
def test_a_retention_period_below_one_day_is_refused(sqlite_url: str, days: int) -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        purge(sqlite_url, days, now=NOW)


def endpoints_for(tmp_path: Path, url: str) -> Path:
    parsed = sa.engine.make_url(url)
    path = tmp_path / "endpoints.yml"
    lines = ["tracker_store:", "  type: SQL", f"  dialect: {parsed.get_backend_name()}"]
    if parsed.host:
        lines += [f"  host: {parsed.host}", f"  port: {parsed.port}"]
        lines += [f"  username: {parsed.username}"]
    lines.append(f"  db: {parsed.database}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def command_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in ("ASSISTANT_RETENTION_DAYS", "POSTGRESQL_SCHEMA"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASSISTANT_ENV_FILE", "")
    return monkeypatch


def test_purge_command_uses_the_endpoints_database(
    db_url: str, tmp_path: Path, command_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    now = time.time()
    store(db_url, {"old": [UserUttered(OLD_MARKER, timestamp=now - 40 * SECONDS_PER_DAY)]})
    store(db_url, {"recent": [UserUttered(NEW_MARKER, timestamp=now - 20 * SECONDS_PER_DAY)]})
    command_env.setenv("ASSISTANT_RETENTION_DAYS", "30")
    assert cli.main(["purge", "--endpoints", str(endpoints_for(tmp_path, db_url))]) == 0
    out, err = capsys.readouterr()
    assert out == "Retention purge: deleted 1 events and 0 review rows older than 30 days.\n"
    assert not err
    assert rows(db_url, "SELECT sender_id FROM events") == [("recent",)]


@pytest.mark.parametrize("value", ["0", "-1", "ninety", "1.5"])
def test_purge_command_refuses_a_bad_retention_period(
    value: str, sqlite_url: str, tmp_path: Path, command_env: pytest.MonkeyPatch
) -> None:
    command_env.setenv("ASSISTANT_RETENTION_DAYS", value)
    with pytest.raises(SystemExit) as stop:
        cli.main(["purge", "--endpoints", str(endpoints_for(tmp_path, sqlite_url))])
    assert stop.value.code == 2


@pytest.mark.parametrize(
    ("endpoints", "expected"),
    [
        ("missing.yml", "does not exist"),
        ("redis.yml", "type: SQL"),
    ],
)
def test_purge_command_names_what_is_wrong(
    endpoints: str,
    expected: str,
    tmp_path: Path,
    command_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "redis.yml").write_text("tracker_store:\n  type: redis\n", encoding="utf-8")
    assert cli.main(["purge", "--endpoints", str(tmp_path / endpoints)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("Retention purge failed:") and expected in line


def test_purge_command_reports_an_unreachable_database(
    tmp_path: Path, command_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = endpoints_for(tmp_path, "postgresql://nobody@127.0.0.1:1/none")
    assert cli.main(["purge", "--endpoints", str(endpoints)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("Retention purge failed: OperationalError")


def test_the_periodic_purge_logs_a_failure_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    from assistant.retention import purge_and_log

    assert purge_and_log("postgresql://nobody@127.0.0.1:1/none", 90) is None
    [record] = [r for r in caplog.records if r.name == "assistant.retention"]
    assert record.levelname == "ERROR" and record.getMessage().startswith("Retention purge failed")


def test_the_periodic_purge_logs_what_it_deleted(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import time

    from assistant.retention import purge_and_log

    caplog.set_level(logging.INFO, logger="assistant.retention")
    store(
        sqlite_url,
        {"old": [UserUttered(OLD_MARKER, timestamp=time.time() - 100 * SECONDS_PER_DAY)]},
    )
    report = purge_and_log(sqlite_url, 90)
    assert report is not None and report.events == 1
    assert caplog.messages == [report.summary()] and OLD_MARKER not in caplog.text


def test_the_review_search_index_keeps_no_words_of_purged_messages(tmp_path: Path) -> None:
    """The review console's FTS5 index holds deleted words until merged; the purge merges it."""
    import sqlite3

    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
            "timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)"
        )
        connection.execute(
            "CREATE TABLE review_messages (id INTEGER PRIMARY KEY, sender_id TEXT, "
            "message_timestamp FLOAT, text TEXT)"
        )
        connection.execute(
            "CREATE VIRTUAL TABLE fts_review_messages USING fts5(text, content='review_messages', "
            "content_rowid='id')"
        )
        connection.execute(
            "CREATE TRIGGER review_messages_ad AFTER DELETE ON review_messages BEGIN "
            "INSERT INTO fts_review_messages(fts_review_messages, rowid, text) "
            "VALUES('delete', old.id, old.text); END"
        )
        for i, (age, word) in enumerate([(400, "Zebrafinkenpost"), (1, "Gegenwartstext")]):
            stamp = time.time() - age * 86_400
            connection.execute(
                "INSERT INTO events VALUES (?, ?, 'user', ?, NULL, NULL, '{}')", (i, f"s{i}", stamp)
            )
            connection.execute(
                "INSERT INTO review_messages VALUES (?, ?, ?, ?)", (i, f"s{i}", stamp, word)
            )
            connection.execute(
                "INSERT INTO fts_review_messages(rowid, text) VALUES (?, ?)", (i, word)
            )
    assert b"zebrafinkenpost" in db.read_bytes().lower()
    purge(f"sqlite:///{db}", 90)
    assert b"zebrafinkenpost" not in db.read_bytes().lower()
    assert b"gegenwartstext" in db.read_bytes().lower()
