"""Deletes what visitors typed and rated once the retention period is over, for good.

The privacy note promises that conversations are kept for `ASSISTANT_RETENTION_DAYS` only. The
purge works on the database of the endpoints file the Rasa server runs with
(`assistant.storage.tracker_store_url`), SQLite or PostgreSQL, and deletes:

- Rasa's events older than the cutoff (table `events`, float Unix `timestamp` on both databases);
- rows of our own tables (every table named `review_*` that has a `sender_id` column) whose
  conversation has no events left, and, where such a table has a `message_timestamp` column,
  rows about a message older than the cutoff. The review console keeps to this contract.

SQLite keeps deleted rows in free pages and in the free space of pages, so the purge deletes
with `PRAGMA secure_delete` (overwrites with zeros) and then rebuilds the file (`VACUUM`, every
time: rows that others deleted without `secure_delete` are wiped too).
PostgreSQL gets a plain `VACUUM` of the tables (the rows are gone for every reader at once,
and their space is reused, but the bytes stay in the data files until overwritten); with
`full=True` (`purge --full`, for a nightly maintenance window) `VACUUM FULL` rewrites the tables'
files without the deleted rows, holding an exclusive lock on each table meanwhile.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
EVENTS_TABLE = "events"
# Our own tables that hold conversation data (the review console's); see the module docstring.
OWN_TABLE_PREFIX = "review_"


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted.

    Attributes:
        events (int): Rasa events deleted.
        own_rows (int): rows of our own `review_*` tables deleted.
        retention_days (int): the retention period the purge applied.
    """

    events: int
    own_rows: int
    retention_days: int

    def summary(self) -> str:
        """One line for the log or a cron mail; counts only, never a conversation's content."""
        return (
            f"Retention purge: deleted {self.events} events and {self.own_rows} review rows "
            f"older than {self.retention_days} days."
        )


def purge(
    url: URL | str, retention_days: int, now: float | None = None, full: bool = False
) -> PurgeReport:
    """Delete everything of conversations older than `retention_days` from the tracker store.

    Args:
        url: the tracker store's database (`assistant.storage.tracker_store_url`).
        retention_days: how long conversations are kept, at least 1.
        now: the current time as a Unix timestamp (tests pass a fixed value).
        full: PostgreSQL: `VACUUM FULL` (rewrite the tables' files, always) instead of `VACUUM`
            (after deleting); the Rasa servers wait for each table meanwhile. SQLite: no
            difference (its file is rebuilt on every purge).

    Returns:
        What was deleted (nothing when the database has no events table yet).

    Raises:
        ValueError: `retention_days` is below 1.
        sqlalchemy.exc.SQLAlchemyError: the database cannot be reached or changed.
    """
    if retention_days < 1:
        raise ValueError(f"the retention period must be at least 1 day, got {retention_days}")
    cutoff = (time.time() if now is None else now) - retention_days * SECONDS_PER_DAY
    engine = _engine(url)
    try:
        sqlite = engine.dialect.name == "sqlite"
        with engine.begin() as connection:
            if sqlite:
                connection.exec_driver_sql("PRAGMA secure_delete = ON")
            if not sa.inspect(connection).has_table(EVENTS_TABLE):
                return PurgeReport(0, 0, retention_days)
            events = sa.Table(EVENTS_TABLE, sa.MetaData(), autoload_with=connection)
            deleted = connection.execute(
                sa.delete(events).where(events.c.timestamp < cutoff)
            ).rowcount
            own_tables = _own_tables(connection)
            own_rows = sum(
                _purge_own_table(connection, table, events, cutoff) for table in own_tables
            )
            if sqlite and own_rows:
                _merge_search_indexes(connection)
        # SQLite: always, since rows deleted by others without `secure_delete` may have left
        # their text in free space; PostgreSQL: after deleting.
        if sqlite or full or deleted or own_rows:
            _vacuum(engine, [EVENTS_TABLE, *(t.name for t in own_tables)], full)
    finally:
        engine.dispose()
    return PurgeReport(deleted, own_rows, retention_days)


def reclaim(engine: Engine, full: bool = False) -> None:
    """Wipe rows deleted by others from the database files, as `purge` does after deleting.

    For code that deletes conversations itself, e.g. the review console on an erasure request
    (GDPR Art. 17), so that the text is gone at once rather than at the next purge. SQLite:
    `VACUUM`, then a checkpoint that empties the write-ahead log; PostgreSQL: `VACUUM` (with
    `full`, `VACUUM FULL`) of Rasa's events table and our `review_*` tables.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database cannot be reached or changed.
    """
    with engine.connect() as connection:
        own_tables = _own_tables(connection)
    _vacuum(engine, [EVENTS_TABLE, *(t.name for t in own_tables)], full)


def _merge_search_indexes(connection: sa.engine.Connection) -> None:
    """SQLite FTS5 indexes of our tables (the review console's `fts_review_*`, kept in step by
    triggers) hold deleted words in old segments until they are merged: merge them."""
    names = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'fts\\_review\\_%' "
        "ESCAPE '\\' AND sql LIKE '%fts5%'"
    ).scalars()
    for name in list(names):
        quoted = connection.dialect.identifier_preparer.quote(name)
        connection.exec_driver_sql(f"INSERT INTO {quoted}({quoted}) VALUES('optimize')")


def purge_and_log(url: URL | str, retention_days: int) -> PurgeReport | None:
    """`purge`, for the periodic run in `serve`: a failure is logged and does not stop serving."""
    try:
        report = purge(url, retention_days)
    except sa.exc.SQLAlchemyError as error:
        # The driver's message names the statement, never row contents.
        logger.error("Retention purge failed: %s", _first_line(error))
        return None
    if report.events or report.own_rows:
        logger.info(report.summary())
    return report


def _engine(url: URL | str) -> Engine:
    from rasa.core.tracker_store import create_engine_kwargs  # Rasa's schema and pool options

    kwargs = create_engine_kwargs(url)
    # A purge of many conversations runs for minutes and holds no visitor: the tracker store's
    # statement and lock time limits (`assistant.patches.postgresql_connect_args`) are lifted.
    connect_args = {k: v for k, v in kwargs.get("connect_args", {}).items() if k != "options"}
    return sa.create_engine(url, **{**kwargs, "connect_args": connect_args})


def _own_tables(connection: Connection) -> list[sa.Table]:
    """Our tables with a `sender_id` column, those that others reference last."""
    metadata = sa.MetaData()
    with warnings.catch_warnings():
        # The review console's PostgreSQL full-text index is on an expression, which SQLAlchemy
        # cannot reflect and warns about (on stderr, which a cron job would mail every night).
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        metadata.reflect(connection, only=lambda name, _: name.startswith(OWN_TABLE_PREFIX))
    return [
        table
        for table in reversed(metadata.sorted_tables)
        if table.name.startswith(OWN_TABLE_PREFIX) and "sender_id" in table.c
    ]


def _purge_own_table(
    connection: Connection, table: sa.Table, events: sa.Table, cutoff: float
) -> int:
    has_events = sa.exists().where(events.c.sender_id == table.c.sender_id)
    condition: Any = sa.not_(has_events)
    if "message_timestamp" in table.c:
        column = table.c.message_timestamp
        condition = sa.or_(condition, column < _cutoff_for(column, cutoff))
    return int(connection.execute(sa.delete(table).where(condition)).rowcount)


def _cutoff_for(column: sa.Column[Any], cutoff: float) -> float | datetime:
    """The cutoff in the column's own type: a Unix timestamp, or a date and time (UTC)."""
    if isinstance(column.type, sa.DateTime):
        moment = datetime.fromtimestamp(cutoff, timezone.utc)
        return moment if column.type.timezone else moment.replace(tzinfo=None)
    return cutoff


def _vacuum(engine: Engine, tables: list[str], full: bool = False) -> None:
    """Remove deleted rows from the files (VACUUM runs outside a transaction)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
            # In WAL mode the log would still hold the old pages until a checkpoint.
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            if busy and busy[0]:
                # A reader kept its snapshot past the busy timeout: the log may keep old pages
                # until a later truncating checkpoint (the next purge or erasure).
                logger.warning("SQLite write-ahead log not emptied: a reader was busy")
        elif engine.dialect.name == "postgresql":
            preparer = engine.dialect.identifier_preparer
            for name in tables:
                command = "VACUUM FULL" if full else "VACUUM"
                connection.exec_driver_sql(f"{command} {preparer.quote(name)}")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
