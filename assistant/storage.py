"""Where the conversations are stored: the database of Rasa's SQL tracker store.

The Rasa server, the retention purge and the staff tools must read and write the same database.
There is one source for it: the `tracker_store` section of the endpoints file the Rasa server is
started with (`endpoints.yml` by default). Rasa substitutes `${VARIABLE}` in that file from the
environment, and so does `tracker_store_url` (through Rasa's own reader), so the production
profile can point every part at PostgreSQL with environment variables alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from assistant.settings import PROJECT_ROOT


class StorageError(ValueError):
    """The endpoints file names no SQL tracker store that we can reach."""


def tracker_store_config(endpoints: Path) -> dict[str, Any]:
    """The `tracker_store` section of an endpoints file, with `${VARIABLES}` filled in.

    Raises:
        StorageError: the file is missing, or its tracker store is not Rasa's SQL store.
    """
    from rasa.shared.utils.io import read_config_file  # Rasa's reader: same substitution

    if not endpoints.is_file():
        raise StorageError(f"{endpoints}: the endpoints file does not exist")
    section = (read_config_file(str(endpoints)) or {}).get("tracker_store")
    if not isinstance(section, dict) or str(section.get("type", "")).upper() != "SQL":
        raise StorageError(
            f"{endpoints}: tracker_store must be Rasa's SQL store (type: SQL) for the purge "
            "and the review console"
        )
    return section


def tracker_store_url(endpoints: Path, root: Path = PROJECT_ROOT) -> URL:
    """The SQLAlchemy URL of the tracker store that the Rasa server uses with `endpoints`.

    A relative SQLite path is resolved against `root`, the directory the Rasa server runs in.
    """
    from rasa.core.tracker_store import SQLTrackerStore

    section = tracker_store_config(endpoints)
    dialect = str(section.get("dialect") or "sqlite")
    db = str(section.get("db") or "rasa.db")
    # The host is Rasa's `url` key (an endpoint's url; a `host` key makes Rasa fail).
    host = section.get("url")
    if dialect.startswith("sqlite") and not host:
        path = Path(db)
        return make_url(f"{dialect}:///{path if path.is_absolute() else root / path}")
    url = SQLTrackerStore.get_db_url(
        dialect,
        host,
        section.get("port"),
        db,
        section.get("username"),
        section.get("password"),
        section.get("login_db"),
        section.get("query"),
    )
    return make_url(url) if isinstance(url, str) else url


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL, or None for other databases."""
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)
