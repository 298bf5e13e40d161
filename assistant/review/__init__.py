"""Staff review console: an index of our own over the tracker store, and its web app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from assistant.settings import PROJECT_ROOT
from assistant.storage import tracker_store_url


def open_database(endpoints: Path | None = None, url: URL | str | None = None) -> Engine:
    """An engine on the tracker store's database (the one the Rasa server uses).

    Args:
        endpoints: the Rasa server's endpoints file (default `endpoints.yml`).
        url: a database URL instead (tests and the benchmark).
    """
    target = (
        url if url is not None else tracker_store_url(endpoints or PROJECT_ROOT / "endpoints.yml")
    )
    target = sa.engine.make_url(target) if isinstance(target, str) else target
    # Bound values are visitors' words: never in an error message or a log line.
    options: dict[str, Any] = {"future": True, "hide_parameters": True}
    if target.get_backend_name() == "sqlite":
        if target.database:
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        # Rasa writes to the same file: wait for its lock instead of failing at once.
        return sa.create_engine(target, connect_args={"timeout": 30}, **options)
    return sa.create_engine(target, pool_pre_ping=True, **options)


__all__ = ["open_database"]
