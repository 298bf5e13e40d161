"""Deletes conversation events older than the retention period from the embedded tracker store."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400


def purge_old_events(db: Path, retention_days: int, now: float | None = None) -> int:
    """Delete events older than `retention_days` from Rasa's SQLite tracker store.

    The privacy note promises that conversations are kept for that many days only.

    Args:
        db: the SQLite file of Rasa's SQL tracker store (table `events`, float `timestamp`).
        retention_days: how long events are kept.
        now: the current time as a Unix timestamp (tests pass a fixed value).

    Returns:
        The number of deleted events (0 when the database or its table does not exist yet).
    """
    if not db.is_file():
        return 0
    cutoff = (time.time() if now is None else now) - retention_days * SECONDS_PER_DAY
    try:
        with sqlite3.connect(db, timeout=30) as connection:
            query = "DELETE FROM events WHERE timestamp < ?"
            deleted = connection.execute(query, (cutoff,)).rowcount
    except sqlite3.OperationalError as exc:  # no events table yet, or the file is locked
        logger.warning("Retention purge skipped: %s", exc)
        return 0
    if deleted:
        logger.info(
            "Retention purge deleted %d events older than %d days.", deleted, retention_days
        )
    return deleted
