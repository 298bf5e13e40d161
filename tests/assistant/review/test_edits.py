"""Erasure on request (GDPR Art. 17) through the console: the conversation is gone from the
database files at once, on SQLite (the file and its write-ahead log) and on PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.review import open_database
from tests.assistant.review.conftest import ConsoleFactory
from tests.assistant.review.rasa_events import say

# ASCII, so that the JSON of the events holds it as it is; the full-text index keeps it lower-case.
ERASED = "Erasurequokka4711"
KEPT = "Keptwombat0815"


def stored_bytes(db: Path) -> bytes:
    """The database file and its write-ahead log and journal, lower-cased."""
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    return b"".join(p.read_bytes() for p in files).lower()


@pytest.fixture
def wal_store(tmp_path: Path, empty_store: Path) -> Iterator[Path]:
    """A store in write-ahead-log mode, as the Rasa server keeps it, with two conversations;
    a connection stays open meanwhile, as the Rasa server's does, so the log is not folded
    into the file when the console's connections close."""
    db = tmp_path / "tracker.db"
    shutil.copy(empty_store, db)
    rasa = sqlite3.connect(db)
    assert rasa.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    rasa.execute("SELECT count(*) FROM events").fetchone()  # holds the log open from now on
    engine = open_database(url=f"sqlite:///{db}")
    now = time.time()
    say(engine, "erase-me", f"Ist {ERASED} eine Partnerstadt?", now - 60, lang="de")
    say(engine, "erase-me", f"Und {ERASED} seit wann?", now - 30, lang="de")
    say(engine, "keep-me", f"Is {KEPT} a partner city?", now - 10)
    engine.dispose()
    yield db
    rasa.close()


async def erase_through_the_console(console_for: ConsoleFactory, **store: object) -> None:
    admin = await console_for(sign_in="admin", **store)
    await admin.text("/conversations")  # the index holds the conversation's text
    html = await admin.text("/conversation?id=erase-me")
    event_id = html.split('name="event_id" value="')[1].split('"')[0]
    # Review work about it: a note and a correction quoting the visitor.
    await admin.post("/conversation/note", id="erase-me", body=f"asked about {ERASED}")
    corrected = await admin.post(
        "/conversation/correct", id="erase-me", event_id=event_id, intent="ask_is_partner"
    )
    assert "saved=1" in corrected.headers["Location"]
    response = await admin.post("/conversation/delete", id="erase-me", confirm="yes")
    assert response.status == 200
    await admin.text("/conversation?id=erase-me", status=404)
    assert KEPT in await admin.text("/conversations")


async def test_erasure_leaves_no_text_in_the_sqlite_file_or_its_log(
    console_for: ConsoleFactory, wal_store: Path
) -> None:
    assert ERASED.lower().encode() in stored_bytes(wal_store)  # the search below can fail
    await erase_through_the_console(console_for, db=wal_store)
    stored = stored_bytes(wal_store)
    assert ERASED.lower().encode() not in stored
    assert KEPT.lower().encode() in stored
    wal = wal_store.with_name(wal_store.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the log was emptied into the file


def own_tables(conn: sa.engine.Connection) -> list[str]:
    names = sa.inspect(conn).get_table_names()
    return [n for n in names if n == "events" or n.startswith("review_")]


def vacuumed(conn: sa.engine.Connection, tables: list[str]) -> dict[str, bool]:
    rows = conn.execute(
        sa.text(
            "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname IN :names"
        ).bindparams(sa.bindparam("names", expanding=True)),
        {"names": tables},
    )
    return {str(name): bool(done) for name, done in rows}


async def test_erasure_on_postgresql_deletes_the_rows_and_vacuums_the_tables(
    console_for: ConsoleFactory, postgres_url: str
) -> None:
    engine = open_database(url=postgres_url)
    now = time.time()
    say(engine, "erase-me", f"Ist {ERASED} eine Partnerstadt?", now - 60, lang="de")
    say(engine, "erase-me", f"Und {ERASED} seit wann?", now - 30, lang="de")
    say(engine, "keep-me", f"Is {KEPT} a partner city?", now - 10)
    with engine.connect() as conn:
        tables = own_tables(conn)
        assert not any(vacuumed(conn, tables).values())  # a fresh database: never vacuumed
    await erase_through_the_console(console_for, url=postgres_url)
    with engine.connect() as conn:
        for table in tables:
            left = conn.execute(
                sa.text(f'SELECT count(*) FROM "{table}" WHERE sender_id = :s'), {"s": "erase-me"}
            )
            assert left.scalar() == 0, table
        assert ERASED not in str(conn.exec_driver_sql("SELECT data FROM events").all())
        assert vacuumed(conn, tables) == dict.fromkeys(tables, True)
    engine.dispose()


def test_erasure_deletes_with_secure_delete_on_sqlite(tmp_path: Path, empty_store: Path) -> None:
    """Some SQLite builds overwrite deleted content by default (Debian's), others do not."""
    from assistant.review.edits import erase_conversation

    db = tmp_path / "tracker.db"
    shutil.copy(empty_store, db)
    engine = open_database(url=f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA secure_delete = OFF")
        erase_conversation(conn, "anyone")
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()


def test_the_retention_purge_reads_the_console_tables_on_postgresql_quietly(
    postgres_url: str,
) -> None:
    """SQLAlchemy cannot reflect the console's full-text index (an expression) and would warn
    on stderr, which a cron job mails (warnings are errors in the tests)."""
    from assistant.retention import purge

    engine = open_database(url=postgres_url)
    say(engine, "old", f"Ist {ERASED} eine Partnerstadt?", time.time() - 100 * 86_400)
    engine.dispose()
    report = purge(postgres_url, 90)
    assert (report.events, report.own_rows) == (3, 0)
