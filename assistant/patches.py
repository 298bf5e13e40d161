"""Changes to Rasa 3.6 that we apply in the Rasa server process (see `assistant.rasa_server`):
the action-response validator built once, personal data removed from every incoming message
before it is parsed or stored (`assistant.privacy`), visitor text kept out of the logs
(`assistant.logs`), the embedded SQLite store in write-ahead-log mode with its connections
kept open, the SQL tracker store's loading and saving with fewer queries and a new connection when
PostgreSQL restarted (`assistant.trackerstore`), event types looked up in a table, and two
answers about the model's graph and domain remembered instead of worked out per message.

Each of these patches keeps Rasa's behaviour and only removes a cost; each has a test that the
behaviour is unchanged (tests/assistant/test_patches.py). One changes behaviour on purpose: a
tracker store that fails raises `assistant.trackerstore.TrackerStoreUnavailable` instead of
Rasa's silent fallback to a store in memory, and the channels answer with the apology
(tests/test_production.py, tests/test_hardening.py).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

_DOCS_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    "https://rasa.com/docs/rasa/custom-actions"
)


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from rasa.core.actions.action import RemoteAction

    return _EventDispatchingValidator(RemoteAction.action_response_format_spec())


class _EventDispatchingValidator:
    """Rasa's action response schema, with each event checked against its own type only.

    The schema says an event must match exactly one (`oneOf`) of 23 event schemas, so jsonschema
    checks every event against all 23 and builds an error for each of the 22 misses: 3-4 ms
    for a response of four events, a tenth of a message's CPU. Each of those schemas requires
    its own constant `event` name, and every event must have a name, so "exactly one matches" is
    the same as "the name is one of the 23 and the schema of that name matches". This validator
    checks the response without the `oneOf`, then each event against the schema of its name, and
    accepts and rejects the same responses as the whole schema (tests/assistant/test_patches.py).
    A schema not of that shape (another Rasa version) is used whole.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        import copy

        from jsonschema.validators import validator_for

        cls = validator_for(schema)
        cls.check_schema(schema)  # once, instead of on every action call
        self._branches: dict[str, Any] | None = None
        branches = _branches_by_event(schema)
        if branches is None:
            self._whole = cls(schema)
            return
        outer = copy.deepcopy(schema)
        del outer["properties"]["events"]["items"]["oneOf"]
        self._whole = cls(outer)
        self._branches = {name: cls(branch) for name, branch in branches.items()}

    def iter_errors(self, result: Any) -> Iterator[Any]:
        from jsonschema.exceptions import ValidationError

        yield from self._whole.iter_errors(result)
        if self._branches is None or not isinstance(result, dict):
            return
        events = result.get("events")
        for index, event in enumerate(events if isinstance(events, list) else ()):
            name = event.get("event") if isinstance(event, dict) else None
            if not isinstance(name, str):
                continue  # not an object, or no string name: the outer check reported it
            branch = self._branches.get(name)
            if branch is None:
                yield ValidationError(
                    f"{name!r} is not an event type", path=["events", index, "event"]
                )
                continue
            for error in branch.iter_errors(event):
                error.path.extendleft(reversed(["events", index]))
                yield error


def _branches_by_event(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The event schemas of Rasa's `oneOf` by their `event` constant, or None when the schema
    is not of the shape `_EventDispatchingValidator` relies on."""
    items = schema.get("properties", {}).get("events", {}).get("items")
    if not isinstance(items, dict) or "event" not in items.get("required", ()):
        return None
    branches = items.get("oneOf")
    if not isinstance(branches, list) or not branches:
        return None
    by_name: dict[str, Any] = {}
    for branch in branches:
        name = branch.get("properties", {}).get("event", {}).get("const")
        if not isinstance(name, str) or name in by_name:
            return None
        by_name[name] = branch
    return by_name


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server response, with the validator built once.

    `jsonschema.validate`, which Rasa 3.6 calls for every custom action response, checks the
    large events schema itself and builds a new validator each time; under load that was most
    of the Rasa server's time (issue 10's profile). Same schema, same errors as before.
    """
    from jsonschema.exceptions import best_match

    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += _DOCS_HINT
        raise error
    return True


def _redacting(log_message: Any) -> Any:
    """Wraps `MessageProcessor.log_message`, the one way a message gets into a tracker."""
    if getattr(log_message, "redacts", False):
        return log_message

    async def log_redacted(self: Any, message: Any, should_save_tracker: bool = True) -> Any:
        from assistant.privacy import redact, redact_value

        if isinstance(message.text, str):
            message.text = redact(message.text)
        if message.metadata:
            message.metadata = redact_value(message.metadata)
        return await log_message(self, message, should_save_tracker)

    log_redacted.redacts = True  # type: ignore[attr-defined]
    return log_redacted


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode with `synchronous=NORMAL` for the embedded tracker store.

    Rasa's SQL store commits every message; in SQLite's default mode each commit rewrites a
    rollback journal and waits for two disk flushes, which made the store the Rasa server's
    largest cost under load (docs/benchmarks.md). In WAL mode a commit appends to the log and
    readers do not block the writer (the purge and the review console read the same file). A
    crash of the process loses nothing; only a power cut can lose the last commits.
    PostgreSQL connections are left alone.
    """
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _quoting_nothing(handle_message: Any) -> Any:
    """Wraps `MessageProcessor.handle_message`: no log line quotes the message meanwhile."""
    if getattr(handle_message, "withholds", False):
        return handle_message

    async def handle_quietly(self: Any, message: Any) -> Any:
        from assistant.logs import handling
        from assistant.privacy import redact

        text = message.text if isinstance(message.text, str) else ""
        with handling(text, redact(text)):
            return await handle_message(self, message)

    handle_quietly.withholds = True  # type: ignore[attr-defined]
    return handle_quietly


# How long a write to the embedded SQLite store waits for another writer (the purge's VACUUM:
# 4.05 s on 100,000 conversations, docs/benchmarks.md), and no longer: a write that waited this
# long fails (`TrackerStoreUnavailable`, the apology) while the widget still waits for an answer
# (its own timeout is 20 s, assistant/web/static/widget.js).
SQLITE_BUSY_SECONDS = 10.0
# How long opening a PostgreSQL connection may take (libpq waits without limit by default: a
# database host that drops packets held a message for minutes); a failed load or save opens at
# most two, so the visitor gets the apology while the widget still waits.
POSTGRESQL_CONNECT_SECONDS = 5


def postgresql_connect_args(seconds: float) -> dict[str, Any]:
    """libpq's options for a tracker store connection that gives up after `seconds`.

    PostgreSQL waits without limit by default: for a lock (``LOCK TABLE`` of a long migration,
    a stuck backup) and for a statement, and libpq for an answer on a connection whose server
    or network went silent. Here a statement that runs or waits for a lock longer than
    `seconds` is cancelled by the server (``statement_timeout``, ``lock_timeout``), and a
    connection whose sent data or keepalive probes stay unacknowledged that long is closed by
    the kernel (``tcp_user_timeout``; keepalives probe a silent connection after half of it).
    A load or a save then fails with one statement's wait, or that and a new connection
    (`POSTGRESQL_CONNECT_SECONDS`) after a lost one (`assistant.trackerstore`), and the
    visitor gets the apology while the widget still waits. Not covered: a server whose
    kernel still acknowledges but whose processes answer nothing (stopped with SIGSTOP).

    Args:
        seconds (float): the settings' `db_timeout`.
    """
    milliseconds = int(seconds * 1000)
    # A lock wait counts towards the statement's time: a shorter lock limit fires first, so that
    # the log names a lock (LockNotAvailable) rather than a slow statement (QueryCanceled).
    lock_milliseconds = int(milliseconds * 0.9)
    half = max(1, math.ceil(seconds / 2))
    return {
        "connect_timeout": POSTGRESQL_CONNECT_SECONDS,
        "options": f"-c statement_timeout={milliseconds} -c lock_timeout={lock_milliseconds}",
        "keepalives": 1,
        "keepalives_idle": half,
        "keepalives_interval": 1,
        "keepalives_count": half,
        "tcp_user_timeout": milliseconds,
    }


def _engine_options(engine_kwargs: Any) -> Any:
    """Wraps Rasa's `create_engine_kwargs`: the embedded SQLite store keeps its connections open.

    For a SQLite file SQLAlchemy 1.4 keeps no pool: every load and every save opened the file,
    set it up and closed it again, and closing the last connection to a database in
    write-ahead-log mode checkpoints the log to disk: 18 % of a Rasa server's time under load.
    A queue pool (SQLAlchemy 2.0's default for SQLite files) keeps the connections open; the
    log is then checkpointed as it grows. The connections may be used from other threads, as in
    SQLAlchemy 2.0; each is used by one session at a time. A write waits up to
    SQLITE_BUSY_SECONDS for another writer's lock (pysqlite's default is 5 s) instead of failing:
    the retention purge rebuilds the file with `VACUUM`, which took 4 s for 100,000
    conversations (docs/benchmarks.md); the wait happens in a worker thread
    (`assistant.trackerstore`), not on the event loop. PostgreSQL keeps Rasa's pool options and
    gets time limits for connecting, statements, locks and silent connections
    (`postgresql_connect_args`); dead connections after a restart are replaced by
    `assistant.trackerstore`.
    """
    if getattr(engine_kwargs, "tuned", False):
        return engine_kwargs

    def tuned(url: Any) -> dict[str, Any]:
        from rasa.core.tracker_store import is_postgresql_url
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import QueuePool

        kwargs = dict(engine_kwargs(url))
        if is_postgresql_url(url):
            from assistant.settings import Settings

            kwargs["connect_args"] = {
                **postgresql_connect_args(Settings.from_env().db_timeout),
                **kwargs.get("connect_args", {}),
            }
        else:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (
                None,
                "",
                ":memory:",
            ):
                kwargs["poolclass"] = QueuePool
                kwargs["connect_args"] = {
                    "check_same_thread": False,
                    "timeout": SQLITE_BUSY_SECONDS,
                }
        return kwargs

    tuned.tuned = True  # type: ignore[attr-defined]
    return tuned


@lru_cache(maxsize=1)
def _event_types() -> dict[str, Any]:
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    table: dict[str, Any] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match, as Rasa's loop finds it
    return table


def _resolving_from_a_table(resolve_by_type: Any) -> Any:
    """Wraps `Event.resolve_by_type`: the event classes by type name from a table.

    Rasa walks the whole tree of `Event` subclasses for every event it reads, so loading a
    conversation of 60 events walked it 60 times (12 % of a Rasa server's time under load in
    the profile of docs/benchmarks.md). Same class for every known type; an unknown name (a
    class defined later, "topic", a default, an error) goes to Rasa's own lookup.
    """
    if getattr(resolve_by_type, "tabled", False):
        return resolve_by_type

    def resolve(type_name: str, default: Any = None) -> Any:
        cls = _event_types().get(type_name)
        if cls is not None:
            return cls
        _event_types.cache_clear()  # a subclass defined since the table was made
        return resolve_by_type(type_name, default)

    resolve.tabled = True  # type: ignore[attr-defined]
    return resolve


def _remembering_subgraphs(minimal_graph_schema: Any) -> Any:
    """Wraps `GraphSchema.minimal_graph_schema`: each schema remembers its sub-graphs.

    Rasa's graph runner works out, for every message and every prediction, which nodes of the
    model's graph the targets need, by a walk over the graph without memory (2 % of a Rasa
    server's time under load). A loaded model's graph does not change, so the answer for the
    same targets is the same; a changed graph is a new schema with nothing remembered.
    """
    if getattr(minimal_graph_schema, "remembers", False):
        return minimal_graph_schema

    def remembered(self: Any, targets: Any = None) -> Any:
        key = tuple(targets) if targets else None
        memory = self.__dict__.setdefault("_assistant_subgraphs", {})
        if key not in memory or memory[key][0] != len(self.nodes):
            memory[key] = (len(self.nodes), minimal_graph_schema(self, targets))
        return memory[key][1]

    remembered.remembers = True  # type: ignore[attr-defined]
    return remembered


def _running_in_order(dask_run: Any) -> Any:
    """Replaces `DaskGraphRunner.run` with `_run_in_order` (Rasa's kept as `dask_run`)."""
    if getattr(dask_run, "in_order", False):
        return dask_run

    def run(self: Any, inputs: Any = None, targets: Any = None) -> dict[str, Any]:
        return _run_in_order(self, inputs, targets)

    run.in_order = True  # type: ignore[attr-defined]
    run.dask_run = dask_run  # type: ignore[attr-defined]
    return run


def _run_in_order(self: Any, inputs: Any = None, targets: Any = None) -> dict[str, Any]:
    """`DaskGraphRunner.run` without dask: the nodes the targets need, called one after the
    other in an order in which each node's inputs come first.

    Rasa hands the graph to `dask.get`, which runs it on one thread anyway but plans the order,
    keeps a task state machine and a queue for every run: 5 % of a Rasa server's busy time
    under load, for graphs of a dozen nodes run twice per message. The results are the same
    mapping Rasa returns (each target's node name to its output); an input name that clashes
    with a node is refused as before, and a RuntimeError of a node becomes a GraphRunError.
    """
    from rasa.engine.exceptions import GraphRunError

    run_targets = list(targets) if targets else self._graph_schema.target_names
    schema = self._graph_schema.minimal_graph_schema(run_targets)
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in schema.nodes:
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the "
                "input names passed to the `run` method are the same as node names in the "
                "graph schema."
            )
        values[name] = (name, value)
    try:
        for node_name in _topological_order(schema):
            needs = schema.nodes[node_name].needs.values()
            # A need that is neither a node nor an input is passed as it is, as dask does.
            values[node_name] = self._instantiated_nodes[node_name](
                *(values.get(need, need) for need in needs)
            )
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(values[target] for target in run_targets)


def _topological_order(schema: Any) -> list[str]:
    """The schema's nodes, each after the nodes it needs (remembered per schema object)."""
    order: list[str] | None = schema.__dict__.get("_assistant_order")
    if order is not None and len(order) == len(schema.nodes):
        return order
    order, visiting, done = [], set(), set()

    def visit(name: str) -> None:
        if name in done or name not in schema.nodes:
            return
        if name in visiting:
            raise ValueError(f"the graph has a cycle through {name}")
        visiting.add(name)
        for need in schema.nodes[name].needs.values():
            visit(need)
        visiting.discard(name)
        done.add(name)
        order.append(name)

    for name in schema.nodes:
        visit(name)
    schema.__dict__["_assistant_order"] = order
    return order


def _answering_emptiness_once(is_empty: Any) -> Any:
    """Wraps `Domain.is_empty`: Rasa compares the whole domain, as a dictionary, with an empty
    one for every message (1.4 % of a Rasa server's time); a domain object remembers the
    answer. Rasa's domains are not changed after they are made."""
    if getattr(is_empty, "remembers", False):
        return is_empty

    def remembered(self: Any) -> bool:
        answer = self.__dict__.get("_assistant_is_empty")
        if answer is None:
            answer = self.__dict__["_assistant_is_empty"] = bool(is_empty(self))
        return answer

    remembered.remembers = True  # type: ignore[attr-defined]
    return remembered


# Idle connections to the action server are dropped after this many seconds, well before Sanic
# closes them on its side (KEEP_ALIVE_TIMEOUT, 5 s), so that no request goes out on a connection
# the server is closing.
ACTION_KEEPALIVE_SECONDS = 2.0


class _Borrowed:
    """`async with` for a shared client session: leaving the block does not close it."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _keeping_connections(make_session: Any) -> Any:
    """Wraps `EndpointConfig.session`: one client session per endpoint and event loop, whose
    connections stay open between calls, instead of a new session and TCP connection for every
    action call (Rasa 3.6 opens and closes one per call: 4.4 -> 1.8 ms per request here, and 0.9 ms
    less CPU on each side). Headers, authentication and the timeout stay Rasa's own.
    """
    if getattr(make_session, "keeps_connections", False):
        return make_session

    import asyncio
    import weakref

    import aiohttp

    def session(self: Any) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return make_session(self)
        shared = self.__dict__.setdefault("_assistant_sessions", weakref.WeakKeyDictionary())
        current = shared.get(loop)
        if current is None or current.closed:
            template = make_session(self)  # Rasa's configured session: headers, auth, timeout
            current = aiohttp.ClientSession(
                headers=template.headers,
                auth=template.auth,
                timeout=template.timeout,
                connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_KEEPALIVE_SECONDS),
            )
            template.detach()  # it opened no connection; nothing to close
            shared[loop] = current
        return _Borrowed(current)

    session.keeps_connections = True  # type: ignore[attr-defined]
    return session


def apply() -> None:
    """Apply every patch; safe to call more than once."""
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.engine.graph import GraphSchema
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.utils import log_utils
    from rasa.utils.endpoints import EndpointConfig
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from assistant import logs, trackerstore

    GraphSchema.minimal_graph_schema = _remembering_subgraphs(GraphSchema.minimal_graph_schema)  # type: ignore[method-assign]
    DaskGraphRunner.run = _running_in_order(DaskGraphRunner.run)  # type: ignore[method-assign]
    Domain.is_empty = _answering_emptiness_once(Domain.is_empty)  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolving_from_a_table(Event.resolve_by_type))  # type: ignore[method-assign]
    tracker_store.SQLTrackerStore.retrieve = trackerstore.retrieve  # type: ignore[method-assign]
    tracker_store.SQLTrackerStore.save = trackerstore.save  # type: ignore[method-assign]
    tracker_store.create_engine_kwargs = _engine_options(tracker_store.create_engine_kwargs)
    failsafe = tracker_store.FailSafeTrackerStore
    failsafe.retrieve = trackerstore.failsafe_retrieve  # type: ignore[method-assign]
    failsafe.retrieve_full_tracker = trackerstore.failsafe_retrieve_full_tracker  # type: ignore[method-assign]
    failsafe.save = trackerstore.failsafe_save  # type: ignore[method-assign]
    failsafe.keys = trackerstore.failsafe_keys  # type: ignore[method-assign]

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    EndpointConfig.session = _keeping_connections(EndpointConfig.session)  # type: ignore[method-assign]
    MessageProcessor.log_message = _redacting(MessageProcessor.log_message)  # type: ignore[method-assign]
    MessageProcessor.handle_message = _quoting_nothing(MessageProcessor.handle_message)  # type: ignore[method-assign]
    # Rasa's structlog configuration (rasa.utils.log_utils.configure_structlog, called after
    # this) runs `_anonymizer` first on every entry; ours withholds instead of anonymising.
    log_utils._anonymizer = logs.withhold_structlog_values  # type: ignore[assignment]
    logs.install()
    if not event.contains(Engine, "connect", _sqlite_write_ahead_log):
        event.listen(Engine, "connect", _sqlite_write_ahead_log)
