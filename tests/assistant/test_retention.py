from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.retention import SECONDS_PER_DAY, purge_old_events

NOW = 1_800_000_000.0


def _db_with_events(path: Path, ages_in_days: list[float]) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp FLOAT)"
        )
        connection.executemany(
            "INSERT INTO events (sender_id, timestamp) VALUES (?, ?)",
            [("visitor", NOW - age * SECONDS_PER_DAY) for age in ages_in_days],
        )
    return path


def test_purge_deletes_only_events_past_the_retention_period(tmp_path: Path) -> None:
    db = _db_with_events(tmp_path / "tracker.db", [1, 30, 89.9, 90.1, 400])
    assert purge_old_events(db, 90, now=NOW) == 2
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events").fetchone() == (3,)


def test_purge_without_database_or_table_does_nothing(tmp_path: Path) -> None:
    assert purge_old_events(tmp_path / "missing.db", 90, now=NOW) == 0
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert purge_old_events(empty, 90, now=NOW) == 0
