"""The SQL tracker store with fewer queries keeps Rasa's behaviour on SQLite and PostgreSQL:
every event stored once and in order, the latest session loaded, no count when it is known."""

from __future__ import annotations

import json
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
    SessionStarted,
    SlotSet,
    UserUttered,
)

from assistant import patches

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DOMAIN = Domain.from_dict({"slots": {"city": {"type": "text", "mappings": [{"type": "custom"}]}}})


@pytest.fixture(scope="module")
def postgres_db() -> Iterator[str]:
    """A scratch database on the local PostgreSQL (trust auth), dropped afterwards."""
    name = f"assistant_store_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SQLTrackerStore]:
    patches.apply()
    if request.param == "sqlite":
        made = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    else:
        made = SQLTrackerStore(
            DOMAIN,
            dialect="postgresql",
            host="127.0.0.1",
            port=5432,
            db=request.getfixturevalue("postgres_db"),
            username="postgres",
        )
    yield made
    with made.engine.begin() as connection:  # the next test starts from an empty table
        connection.execute(made.SQLEvent.__table__.delete())
    made.engine.dispose()


def stored(store: SQLTrackerStore, sender: str) -> list[dict]:  # type: ignore[type-arg]
    events = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        )
        return [json.loads(data) for (data,) in rows]


class Statements:
    """The SQL statements an engine runs while this is entered."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.seen: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


async def message(store: SQLTrackerStore, sender: str, text: str) -> None:
    """What the processor does with one message: load (or create), add events, save."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update(UserUttered(text, {"name": "ask", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(SlotSet("city", text))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)


async def test_every_event_is_stored_once_in_order(store: SQLTrackerStore) -> None:
    for i in range(4):
        await message(store, "visitor", f"question {i}")
    rows = stored(store, "visitor")
    texts = [r.get("text") for r in rows if r["event"] in ("user", "bot")]
    assert texts == [x for i in range(4) for x in (f"question {i}", f"answer to question {i}")]
    assert len(rows) == 4 * 5
    # Rasa's own columns are filled as Rasa fills them.
    events = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        user = connection.execute(
            sa.select(events).where(events.c.type_name == "user").limit(1)
        ).one()
    assert (user.intent_name, user.action_name, user.sender_id) == ("ask", None, "visitor")
    reloaded = await store.retrieve("visitor")
    assert reloaded is not None
    assert reloaded.get_slot("city") == "question 3"
    assert len(reloaded.events) == len(rows)


async def test_a_loaded_tracker_is_saved_without_counting(store: SQLTrackerStore) -> None:
    await message(store, "visitor", "first")
    tracker = await store.retrieve("visitor")
    assert tracker is not None
    tracker.update(UserUttered("second"))
    with Statements(store.engine) as statements:
        await store.save(tracker)
    assert not [s for s in statements.seen if "count(" in s.lower()]
    assert [s.split()[0].upper() for s in statements.seen] == ["INSERT"]
    assert [r.get("text") for r in stored(store, "visitor") if r["event"] == "user"] == [
        "first",
        "second",
    ]


async def test_saving_again_without_new_events_writes_nothing(store: SQLTrackerStore) -> None:
    await message(store, "visitor", "first")
    tracker = await store.retrieve("visitor")
    assert tracker is not None
    await store.save(tracker)
    await store.save(tracker)
    assert len(stored(store, "visitor")) == 5


async def test_trackers_not_loaded_by_the_store_are_counted_as_rasa_does(
    store: SQLTrackerStore,
) -> None:
    await message(store, "visitor", "first")
    # A tracker built elsewhere from the stored events (as Rasa's API routes may do).
    from rasa.shared.core.trackers import DialogueStateTracker

    copy = DialogueStateTracker.from_dict("visitor", stored(store, "visitor"), DOMAIN.slots)
    copy.update(UserUttered("second"))
    await store.save(copy)
    # A tracker of all sessions saved back: only the new event is added.
    full = await store.retrieve_full_tracker("visitor")
    assert full is not None
    full.update(UserUttered("third"))
    await store.save(full)
    users = [r.get("text") for r in stored(store, "visitor") if r["event"] == "user"]
    assert users == ["first", "second", "third"]


async def test_only_the_latest_session_is_loaded_and_saving_keeps_the_old_one(
    store: SQLTrackerStore,
) -> None:
    await message(store, "visitor", "old session")
    tracker = await store.retrieve("visitor")
    assert tracker is not None
    # A new session starts within a message, as the processor does it.
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("new session"))
    await store.save(tracker)
    latest = await store.retrieve("visitor")
    assert latest is not None
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["new session"]
    latest.update(UserUttered("still new"))
    await store.save(latest)
    users = [r.get("text") for r in stored(store, "visitor") if r["event"] == "user"]
    assert users == ["old session", "new session", "still new"]
    full = await store.retrieve_full_tracker("visitor")
    assert full is not None
    assert len(full.events) == len(stored(store, "visitor"))


async def test_an_unknown_conversation_is_none_and_others_are_kept_apart(
    store: SQLTrackerStore,
) -> None:
    assert await store.retrieve("nobody") is None
    await message(store, "a", "for a")
    await message(store, "b", "for b")
    a = await store.retrieve("a")
    assert a is not None
    assert [e.text for e in a.events if isinstance(e, UserUttered)] == ["for a"]


async def test_connections_are_kept_open_between_messages(store: SQLTrackerStore) -> None:
    await message(store, "visitor", "first")
    opened: list[object] = []
    sa.event.listen(store.engine, "connect", lambda *_: opened.append(1))
    for i in range(3):
        await message(store, "visitor", f"again {i}")
    assert opened == []  # SQLite files too (SQLAlchemy 1.4 would reopen the file each time)


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)  # a server's connections
async def test_a_restarted_database_loses_nothing_and_stores_nothing_twice(
    store: SQLTrackerStore,
) -> None:
    await message(store, "visitor", "before")
    database = store.engine.url.database
    # What a PostgreSQL restart does to the pooled connections of a Rasa server.
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        ).scalar()
    admin.dispose()
    assert killed >= 1
    await message(store, "visitor", "after")  # loads and saves on new connections
    users = [r.get("text") for r in stored(store, "visitor") if r["event"] == "user"]
    assert users == ["before", "after"]
    assert len(stored(store, "visitor")) == 10


async def test_a_failed_commit_is_not_repeated(
    store: SQLTrackerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.orm import Session

    tracker = await store.get_or_create_tracker("visitor", append_action_listen=False)
    tracker.update(UserUttered("lost?"))
    commits: list[int] = []

    def failing_commit(self: Session) -> None:
        commits.append(1)
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", failing_commit)
    # SQLAlchemy marks this error as a lost connection; still, the commit may have happened.
    monkeypatch.setattr(sa.exc.OperationalError, "connection_invalidated", True, raising=False)
    with pytest.raises(sa.exc.OperationalError):
        await store.save(tracker)
    assert commits == [1]


async def test_the_database_work_leaves_the_event_loop_free(store: SQLTrackerStore) -> None:
    import threading

    threads: set[int] = set()
    sa.event.listen(
        store.engine, "before_cursor_execute", lambda *_: threads.add(threading.get_ident())
    )
    await message(store, "visitor", "first")
    await store.retrieve("visitor")
    assert threads and threading.get_ident() not in threads


async def test_a_failing_store_raises_instead_of_keeping_the_conversation_in_memory(
    store: SQLTrackerStore, caplog: pytest.LogCaptureFixture
) -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore

    from assistant.trackerstore import TrackerStoreUnavailable

    failsafe = FailSafeTrackerStore(store)  # as Rasa's agent wraps every tracker store
    await message(failsafe, "visitor", "Tokio")  # type: ignore[arg-type]
    before = stored(store, "visitor")
    tracker = await failsafe.retrieve("visitor")
    assert tracker is not None
    tracker.update(UserUttered("meine Nummer ist geheim", {"name": "ask", "confidence": 0.9}))
    with store.engine.begin() as connection:  # the table is gone: every statement fails
        connection.exec_driver_sql("ALTER TABLE events RENAME TO events_away")
    try:
        with pytest.raises(TrackerStoreUnavailable):
            await failsafe.save(tracker)
        with pytest.raises(TrackerStoreUnavailable):
            await failsafe.retrieve("visitor")
        with pytest.raises(TrackerStoreUnavailable):
            await failsafe.get_or_create_tracker("someone else")  # no new tracker stands in
    finally:
        with store.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE events_away RENAME TO events")
    assert failsafe._fallback_tracker_store is None  # nothing was kept in memory
    assert stored(store, "visitor") == before
    assert "geheim" not in caplog.text
    await message(failsafe, "visitor", "Wien")  # type: ignore[arg-type]
    assert stored(store, "visitor")[: len(before)] == before
