"""The patches to Rasa keep its behaviour: valid action responses pass, invalid ones fail."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

import pytest
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from assistant import patches


@pytest.fixture
def action(monkeypatch: pytest.MonkeyPatch) -> Iterator[RemoteAction]:
    # The logging patches are global to a process: the test process gets its own back.
    from rasa.utils import log_utils

    monkeypatch.setattr(log_utils, "_anonymizer", log_utils._anonymizer)
    factory = logging.getLogRecordFactory()
    patches.apply()
    yield RemoteAction("action_answer", None)
    logging.setLogRecordFactory(factory)


def test_a_valid_response_passes(action: RemoteAction) -> None:
    response = {
        "events": [{"event": "slot", "name": "context", "value": {"subject": None}}],
        "responses": [{"text": "Hello", "buttons": []}],
    }
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": "not a list", "responses": []},
        {"events": [{"event": "slot"}], "responses": []},
    ],
)
def test_an_invalid_response_is_still_rejected(action: RemoteAction, response: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(response)


def test_the_schema_is_checked_once_not_per_call(action: RemoteAction) -> None:
    cls = validator_for(RemoteAction.action_response_format_spec())
    patches._action_response_validator.cache_clear()
    with mock.patch.object(cls, "check_schema") as check:
        for _ in range(5):
            action._validate_action_result({"events": [], "responses": []})
    assert check.call_count == 1


async def test_the_sqlite_tracker_store_writes_ahead_and_keeps_every_event(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered

    from assistant import patches

    patches.apply()
    patches.apply()  # twice: one listener
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    tracker = await store.get_or_create_tracker("visitor")
    for i in range(3):
        tracker.update(UserUttered(f"message {i}"))
        await store.save(tracker)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        texts = [r[0] for r in connection.execute("SELECT data FROM events ORDER BY id")]
    assert [t for t in texts if "message" in t] == texts[-3:]
    reloaded = await SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db)).retrieve(
        "visitor"
    )
    assert reloaded is not None
    assert [e.text for e in reloaded.events if isinstance(e, UserUttered)] == [
        "message 0",
        "message 1",
        "message 2",
    ]


def test_sqlite_files_keep_their_connections_and_postgresql_keeps_rasas_options() -> None:
    patches.apply()
    from rasa.core import tracker_store

    postgres = tracker_store.create_engine_kwargs("postgresql://postgres@127.0.0.1/assistant")
    assert "pool_pre_ping" not in postgres  # dead connections: assistant.trackerstore
    assert postgres["pool_size"] > 0  # Rasa's own options are kept
    assert postgres["connect_args"] == patches.postgresql_connect_args(5.0)  # the default
    from sqlalchemy.pool import QueuePool

    sqlite = tracker_store.create_engine_kwargs("sqlite:///var/tracker.db")
    assert sqlite == {
        "poolclass": QueuePool,
        "connect_args": {"check_same_thread": False, "timeout": patches.SQLITE_BUSY_SECONDS},
    }
    assert tracker_store.create_engine_kwargs("sqlite://") == {}  # in memory: SQLAlchemy's own
    wrapped = tracker_store.create_engine_kwargs
    patches.apply()  # applying again wraps nothing twice
    assert tracker_store.create_engine_kwargs is wrapped


def test_event_types_come_from_a_table_with_rasas_answers() -> None:
    import rasa.shared.utils.common
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    patches.apply()
    patches.apply()  # wrapped once
    original = Event.resolve_by_type.__closure__  # type: ignore[attr-defined]
    assert original is not None and Event.resolve_by_type.tabled  # type: ignore[attr-defined]
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        found = Event.resolve_by_type(cls.type_name)
        assert found is not None and found.type_name == cls.type_name
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    # Names the table does not know still get Rasa's answers.
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")

    class LateEvent(SlotSet):  # defined after the table was made
        type_name = "assistant_test_late_event"

    assert Event.resolve_by_type("assistant_test_late_event") is LateEvent
    events = [
        {"event": "slot", "name": "city", "value": "wien"},
        {"event": "action", "name": "action_listen"},
    ]
    from rasa.shared.core.events import deserialise_events

    assert [type(e) for e in deserialise_events(events)] == [SlotSet, ActionExecuted]


def test_sub_graphs_and_domain_emptiness_are_remembered_with_rasas_answers() -> None:
    from rasa.engine.graph import GraphSchema, SchemaNode
    from rasa.shared.core.domain import Domain

    patches.apply()
    patches.apply()  # wrapped once
    assert GraphSchema.minimal_graph_schema.remembers  # type: ignore[attr-defined]

    def node(needs: dict[str, str], target: bool = False) -> SchemaNode:
        return SchemaNode(needs, GraphSchema, "__init__", "create", {}, is_target=target)

    schema = GraphSchema(
        {
            "a": node({}),
            "b": node({"x": "a"}),
            "c": node({"x": "b"}, target=True),
            "d": node({"x": "a"}, target=True),
            "unused": node({}),
        }
    )
    first = schema.minimal_graph_schema(["c"])
    assert sorted(first.nodes) == ["a", "b", "c"]
    assert schema.minimal_graph_schema(["c"]) is first  # remembered
    assert sorted(schema.minimal_graph_schema(["d"]).nodes) == ["a", "d"]
    assert sorted(schema.minimal_graph_schema().nodes) == ["a", "b", "c", "d"]
    schema.nodes["e"] = node({"x": "d"}, target=True)  # a changed graph is worked out again
    assert sorted(schema.minimal_graph_schema().nodes) == ["a", "b", "c", "d", "e"]

    assert Domain.empty().is_empty() is True
    domain = Domain.from_dict({"intents": ["greet"]})
    assert domain.is_empty() is False
    assert domain.is_empty() is False


async def test_action_calls_share_one_connection_with_rasas_headers_and_auth() -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer
    from rasa.utils.endpoints import EndpointConfig

    seen: list[tuple[object, str | None, str | None, str | None]] = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append(
            (
                request.transport,
                request.headers.get("Authorization"),
                request.headers.get("X-Test"),
                request.query.get("token"),
            )
        )
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    async with TestServer(app, host="127.0.0.1") as server:
        endpoint = EndpointConfig(
            url=str(server.make_url("/webhook")),
            headers={"X-Test": "yes"},
            basic_auth={"username": "u", "password": "p"},
            token="secret",
        )
        original = EndpointConfig.session
        endpoint_session = patches._keeping_connections(original)
        with mock.patch.object(EndpointConfig, "session", endpoint_session):
            for _ in range(3):
                assert await endpoint.request(json={"next_action": "x"}) == {
                    "events": [],
                    "responses": [],
                }
            assert len({transport for transport, *_ in seen}) == 1  # one TCP connection
            assert {tuple(rest) for _, *rest in seen} == {("Basic dTpw", "yes", "secret")}
            await endpoint.__dict__["_assistant_sessions"][asyncio.get_running_loop()].close()
            # A closed session (or a new event loop) gets a new one.
            assert await endpoint.request(json={}) is not None
            assert len({transport for transport, *_ in seen}) == 2
            await endpoint.__dict__["_assistant_sessions"][asyncio.get_running_loop()].close()
        assert patches._keeping_connections(endpoint_session) is endpoint_session


def _property_paths(schema: dict, depth: int = 3) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    """Paths to the properties a schema names, nested objects included (to `depth`)."""
    paths: list[tuple[str, ...]] = []
    for name, sub in schema.get("properties", {}).items():
        paths.append((name,))
        if depth > 1 and isinstance(sub, dict):
            paths.extend((name, *rest) for rest in _property_paths(sub, depth - 1))
    return paths


def _with(path: tuple[str, ...], value: object) -> dict:  # type: ignore[type-arg]
    return {path[0]: value} if len(path) == 1 else {path[0]: _with(path[1:], value)}


def _event_cases() -> list[object]:
    """Events of every type: bare, with each property (nested ones too) set to values of every
    JSON type, with a wrong name, and things that are not events at all."""
    schema = RemoteAction.action_response_format_spec()
    items = schema["properties"]["events"]["items"]
    values: list[object] = [None, True, 3, 2.5, "text", [], [{"a": 1}], {}, {"entity": "e"}]
    cases: list[object] = [{}, "slot", None, [], {"event": 7}, {"event": "no_such_event"}]
    for branch in items["oneOf"]:
        name = branch["properties"]["event"]["const"]
        cases.append({"event": name})
        paths = _property_paths(items) + _property_paths(branch)
        for path in paths:
            if path != ("event",):
                cases.extend({**_with(path, value), "event": name, "name": "a"} for value in values)
    return cases


def test_the_event_dispatching_validator_accepts_and_rejects_what_the_whole_schema_does() -> None:
    schema = RemoteAction.action_response_format_spec()
    whole = validator_for(schema)(schema)
    dispatching = patches._EventDispatchingValidator(schema)
    assert dispatching._branches is not None  # Rasa 3.6's schema has the expected shape
    cases = _event_cases()
    assert len(cases) > 500
    verdicts = set()
    for event in cases:
        for response in ({"events": [event], "responses": []}, {"events": [event, event]}):
            expected = whole.is_valid(response)
            assert (not list(dispatching.iter_errors(response))) == expected, response
            verdicts.add(expected)
    assert verdicts == {True, False}
    for response in ({"events": "x"}, {"responses": [1]}, [], {"events": [], "responses": []}):
        assert (not list(dispatching.iter_errors(response))) == whole.is_valid(response)


def test_a_schema_of_another_shape_is_used_whole() -> None:
    schema = {"type": "object", "properties": {"events": {"type": "array"}}}
    validator = patches._EventDispatchingValidator(schema)
    assert validator._branches is None
    assert list(validator.iter_errors({"events": 3}))
    assert not list(validator.iter_errors({"events": [{"event": "anything"}]}))


class _Adder(GraphComponent):
    """A graph node that adds its inputs and counts its calls."""

    calls: ClassVar[list[str]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.name = config["name"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Adder:
        return cls(config)

    def add(self, **numbers: Any) -> Any:
        _Adder.calls.append(self.name)
        if "boom" in numbers.values():
            raise RuntimeError("boom")
        return sum(n for n in numbers.values() if isinstance(n, int))


def _rasas_run(runner: DaskGraphRunner, inputs: Any, targets: Any = None) -> Any:
    """Rasa's own `run`, through dask, whether or not the patches were applied."""
    return getattr(DaskGraphRunner.run, "dask_run", DaskGraphRunner.run)(runner, inputs, targets)


def _adders(tmp_path: Path) -> DaskGraphRunner:
    def node(name: str, needs: dict[str, str], target: bool = False) -> SchemaNode:
        return SchemaNode(needs, _Adder, "create", "add", {"name": name}, is_target=target)

    schema = GraphSchema(
        {
            "first": node("first", {"a": "__input__", "b": "__other__"}),
            "second": node("second", {"a": "first", "b": "__input__"}),
            "unused": node("unused", {"a": "__input__"}),
            "last": node("last", {"a": "second", "b": "first"}, target=True),
        }
    )
    return DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema, "t"))


@pytest.mark.parametrize("targets", [None, ["last"], ["second", "first"], ["unused"]])
def test_the_graph_runs_in_order_with_daskss_results(tmp_path: Path, targets: Any) -> None:
    runner = _adders(tmp_path)
    inputs = {"__input__": 2, "__other__": 5}
    _Adder.calls.clear()
    expected = _rasas_run(runner, inputs, targets)
    dask_calls = sorted(_Adder.calls)
    _Adder.calls.clear()
    assert patches._run_in_order(runner, inputs, targets) == expected
    assert sorted(_Adder.calls) == dask_calls  # the same nodes, each once
    if targets == ["last"]:
        assert expected == {"last": 16}
        assert _Adder.calls == ["first", "second", "last"]


def test_the_graph_runner_refuses_a_clashing_input_and_raises_what_a_node_raises(
    tmp_path: Path,
) -> None:
    from rasa.engine.exceptions import GraphComponentException, GraphRunError

    runner = _adders(tmp_path)
    for run in (_rasas_run, patches._run_in_order):
        with pytest.raises(GraphRunError, match="clashes"):
            run(runner, {"__input__": "first"})
        with pytest.raises(GraphComponentException, match="node first"):
            run(runner, {"__input__": "boom", "__other__": 1})
    wrapped = patches._running_in_order(_rasas_run)
    assert patches._running_in_order(wrapped) is wrapped  # applied twice, wrapped once
    assert wrapped.dask_run is _rasas_run


def test_a_postgresql_server_that_never_answers_fails_the_connection_in_time() -> None:
    import socket
    import time

    import sqlalchemy as sa
    from rasa.core import tracker_store

    patches.apply()
    with socket.socket() as silent:  # takes the connection, never says a word (a hung host)
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/assistant"
        engine = sa.create_engine(url, **tracker_store.create_engine_kwargs(url))
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            engine.connect()
        waited = time.monotonic() - started
        engine.dispose()
    assert (
        patches.POSTGRESQL_CONNECT_SECONDS * 0.9 <= waited < patches.POSTGRESQL_CONNECT_SECONDS + 2
    )


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A database of the test's own on the machine's PostgreSQL (tests/services.py)."""
    from tests.services import (
        PG_HOST,
        PG_PORT,
        PG_USER,
        create_database,
        drop_database,
        unique_name,
    )

    name = unique_name("assistant_test_")
    create_database(name)
    yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    drop_database(name)


def test_a_statement_waiting_for_a_lock_is_cancelled_after_the_database_timeout(
    scratch_database: str,
) -> None:
    import time

    import sqlalchemy as sa

    seconds = 1.0
    engine = sa.create_engine(
        scratch_database, connect_args=patches.postgresql_connect_args(seconds)
    )
    holder = sa.create_engine(scratch_database)
    try:
        with holder.begin() as setup:
            setup.execute(sa.text("CREATE TABLE events (id integer)"))
        with holder.connect() as migration:
            transaction = migration.begin()
            migration.execute(sa.text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                with engine.connect() as connection:
                    connection.execute(sa.text("SELECT count(*) FROM events"))
            waited = time.monotonic() - started
            transaction.rollback()
        with engine.connect() as connection:  # once the lock is gone, the table answers
            assert connection.execute(sa.text("SELECT count(*) FROM events")).scalar() == 0
            settings = connection.execute(
                sa.text(
                    "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
                )
            ).one()
    finally:
        engine.dispose()
        holder.dispose()
    assert seconds * 0.85 <= waited < seconds + 1
    assert tuple(settings) == ("1s", "900ms")


def test_the_retention_purge_has_no_statement_time_limit() -> None:
    import sqlalchemy as sa

    from assistant import retention

    patches.apply()
    engine = retention._engine("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        with engine.connect() as connection:
            limits = connection.execute(
                sa.text(
                    "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
                )
            ).one()
    finally:
        engine.dispose()
    assert tuple(limits) == ("0", "0")
