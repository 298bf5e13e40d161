"""How long the retention purge takes on a large tracker store (issue 8): SQLite and PostgreSQL.

    python -m bench.retention [--conversations 20000] [--postgres postgresql://postgres@127.0.0.1]

Fills a scratch database (a temporary SQLite file; a scratch PostgreSQL database that is dropped
afterwards) through Rasa's own SQL tracker store schema with `--conversations` conversations of
eight events each, half of them older than the retention period, plus a `review_notes` table
with one row per conversation; then times one purge and prints the counts, the wall time and
(SQLite) the file size before and after.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from assistant.retention import SECONDS_PER_DAY, purge

EVENTS_PER_CONVERSATION = 8
RETENTION_DAYS = 90


def _fill(url: str, conversations: int, now: float) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    parsed = sa.engine.make_url(url)
    store = SQLTrackerStore(
        Domain.empty(),
        dialect=parsed.get_backend_name(),
        host=parsed.host,
        port=parsed.port,
        db=parsed.database or "",
        username=parsed.username,
    )
    store.engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE review_notes (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), note TEXT)"
        )
        events, notes = [], []
        for i in range(conversations):
            sender = f"bench-{i:07}"
            age = (RETENTION_DAYS + 30 if i % 2 else RETENTION_DAYS - 30) * SECONDS_PER_DAY
            for j in range(EVENTS_PER_CONVERSATION):
                timestamp = now - age + j
                data = {"event": "user", "timestamp": timestamp, "text": f"Frage {i} {j} " * 8}
                events.append(
                    {
                        "sender_id": sender,
                        "type_name": "user",
                        "timestamp": timestamp,
                        "data": json.dumps(data),
                    }
                )
            notes.append({"id": i, "sender_id": sender, "note": "note " * 10})
        connection.execute(
            sa.text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) "
                "VALUES (:sender_id, :type_name, :timestamp, :data)"
            ),
            events,
        )
        connection.execute(
            sa.text(
                "INSERT INTO review_notes (id, sender_id, note) VALUES (:id, :sender_id, :note)"
            ),
            notes,
        )
    engine.dispose()


def _run(label: str, url: str, conversations: int, db_file: Path | None = None) -> None:
    now = time.time()
    _fill(url, conversations, now)
    size_before = db_file.stat().st_size if db_file else None
    start = time.perf_counter()
    report = purge(url, RETENTION_DAYS, now=now)
    elapsed = time.perf_counter() - start
    size = ""
    if db_file is not None and size_before is not None:
        size = f", file {size_before / 2**20:.1f} MiB -> {db_file.stat().st_size / 2**20:.1f} MiB"
    events = conversations * EVENTS_PER_CONVERSATION
    print(
        f"{label}: {conversations} conversations ({events} events):"
        f" deleted {report.events} events and {report.own_rows} review rows"
        f" in {elapsed:.2f} s{size}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_file = Path(folder) / "tracker.db"
        _run("SQLite", f"sqlite:///{db_file}", args.conversations, db_file)
    name = f"bench_retention_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{args.postgres}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        _run("PostgreSQL", f"{args.postgres}/{name}", args.conversations)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
