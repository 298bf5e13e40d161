"""Which Telegram updates were answered: kept across restarts and shared by processes.

Telegram sends a webhook update again until it gets a 2xx, and a polling run confirms a batch
of updates only after every update of it was answered (see `webhook` and `polling`): no update
is lost, but one can arrive more than once. The bridge asks this ledger before it handles an
update (`claim`) and tells it afterwards (`answered`, or `release` when handling failed, so that
a later copy gets another chance). An update is first *claimed*, for `CLAIM_SECONDS`, by the
ledger that will answer it, and then *answered*, for `ANSWERED_SECONDS` (Telegram keeps an
update for at most 24 hours). A claim that a crashed process left lapses by itself, so its
update, sent again, is answered then: at least once, never lost.

Where the ledger lives follows the profile (`ledger_for`):

- production: in Redis (``SET NX`` with an expiry, one key per update, under the settings' key
  prefix), shared by the Rasa servers and the polling process, so a copy that reaches another
  server than the first is not answered again, and one that arrives there while the first
  server is still answering gets 503 (Telegram tries again later, when it is answered or its
  claim has lapsed);
- embedded: in a small table (``telegram_updates``) of the tracker store's database (SQLite),
  pruned by age at every claim, so the Rasa server's webhook after a restart, or the next
  polling run after a crash that cut off a batch, knows what was answered already;
- without either (tests, a tracker store that is not SQL): in process memory, as before.

The ledger holds update ids (a counter per bot) and times only, nothing about a visitor. When
its store cannot be reached, an update counts as new (logged): answered twice rather than not
at all.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

if TYPE_CHECKING:
    from assistant.settings import Settings

logger = logging.getLogger(__name__)

Claim = Literal["new", "answered", "in_hand", "elsewhere"]
"""What `claim` found: "new" (now held by the caller: answer it, then `answered` or `release`),
"answered" (before, anywhere), "in_hand" (being answered by this ledger's process),
"elsewhere" (claimed by another process, or by a run of this one that crashed)."""
Clock = Callable[[], float]

# How long a claim holds (seconds): longer than an answer takes (the webhook tells Telegram to
# come back after 25 s, the answer goes on), short enough for a crashed process's updates.
CLAIM_SECONDS = 120.0
# How long an answered update is remembered: Telegram keeps an update for at most 24 hours.
ANSWERED_SECONDS = 25 * 3600.0
# Updates remembered at most by a ledger in memory.
MAX_REMEMBERED = 10_000


class UpdateLedger(Protocol):
    """Claims an update before it is handled and records how that ended."""

    async def claim(self, update_id: int, take_over: bool = False) -> Claim:
        """Claim `update_id` unless it was answered or is being answered.

        Args:
            update_id: the update's id.
            take_over: also take a claim of another process (polling: only one process
                fetches a bot's updates, so such a claim is one a crashed run left behind).
        """
        ...

    async def answered(self, update_id: int) -> None:
        """Record that the claimed update was answered."""
        ...

    async def release(self, update_id: int) -> None:
        """Give up the claim: handling failed, a copy of the update gets another chance."""
        ...


class MemoryLedger:
    """The ledger in this process's memory: forgotten on a restart, not shared.

    Args:
        clock (Clock): seconds, monotonic (tests inject one).
        max_remembered (int): updates kept at most; the oldest go first.
    """

    def __init__(self, clock: Clock = time.monotonic, max_remembered: int = MAX_REMEMBERED) -> None:
        self.clock = clock
        self.max_remembered = max_remembered
        self._updates: OrderedDict[int, tuple[bool, float]] = OrderedDict()  # answered, until

    async def claim(self, update_id: int, take_over: bool = False) -> Claim:
        now = self.clock()
        known = self._updates.get(update_id)
        if known is not None and known[1] > now:
            return "answered" if known[0] else "in_hand"
        self._remember(update_id, False, now + CLAIM_SECONDS)
        return "new"

    async def answered(self, update_id: int) -> None:
        self._remember(update_id, True, self.clock() + ANSWERED_SECONDS)

    async def release(self, update_id: int) -> None:
        self._updates.pop(update_id, None)

    def _remember(self, update_id: int, answered: bool, until: float) -> None:
        self._updates.pop(update_id, None)
        self._updates[update_id] = (answered, until)
        if len(self._updates) > self.max_remembered:
            self._updates.popitem(last=False)


_METADATA = sa.MetaData()
# One row per update: claimed by `owner` until `expires`, or answered (owner NULL) until then.
UPDATES = sa.Table(
    "telegram_updates",
    _METADATA,
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", sa.String(32), nullable=True),
    sa.Column("expires", sa.Float, nullable=False, index=True),
)

# INSERT ... ON CONFLICT DO NOTHING where the dialect has it (SQLite 3.24+, PostgreSQL 9.5+).
_INSERT_OR_NOTHING: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class SqlLedger:
    """The ledger in a table of an SQL database (the tracker store's), shared by its users.

    Each call is one short transaction in a worker thread; a claim is an insert that only one
    process can make (the primary key), after expired rows are deleted.

    Args:
        engine (sa.engine.Engine): the database; the table is created on first use.
        bot_id (int): the bot whose updates these are (update ids are counted per bot).
        clock (Clock): seconds, wall time, so that several processes agree.
    """

    def __init__(self, engine: sa.engine.Engine, bot_id: int, clock: Clock = time.time) -> None:
        self.engine = engine
        self.bot_id = bot_id
        self.clock = clock
        self.owner = uuid.uuid4().hex
        self._created = False
        self._creating = threading.Lock()

    async def claim(self, update_id: int, take_over: bool = False) -> Claim:
        try:
            return await asyncio.to_thread(self._claim, update_id, take_over)
        except sa.exc.SQLAlchemyError as exc:
            _unavailable("claimed", exc)
            return "new"

    async def answered(self, update_id: int) -> None:
        await self._run(self._answered, update_id)

    async def release(self, update_id: int) -> None:
        await self._run(self._release, update_id)

    def _claim(self, update_id: int, take_over: bool) -> Claim:
        self._create()
        now = self.clock()
        key = (UPDATES.c.bot_id == self.bot_id) & (UPDATES.c.update_id == update_id)
        with self.engine.begin() as connection:
            connection.execute(UPDATES.delete().where(UPDATES.c.expires <= now))
            row = {"bot_id": self.bot_id, "update_id": update_id}
            if self._insert(
                connection, {**row, "owner": self.owner, "expires": now + CLAIM_SECONDS}
            ):
                return "new"
            owner = connection.execute(sa.select(UPDATES.c.owner).where(key)).scalar_one()
            if owner is None:
                return "answered"
            if owner == self.owner:
                return "in_hand"
            if not take_over:
                return "elsewhere"
            connection.execute(
                UPDATES.update().where(key).values(owner=self.owner, expires=now + CLAIM_SECONDS)
            )
            return "new"

    def _answered(self, update_id: int) -> None:
        self._create()
        key = (UPDATES.c.bot_id == self.bot_id) & (UPDATES.c.update_id == update_id)
        expires = self.clock() + ANSWERED_SECONDS
        with self.engine.begin() as connection:
            done = connection.execute(
                UPDATES.update().where(key).values(owner=None, expires=expires)
            )
            if done.rowcount == 0:  # the claim lapsed and was cleaned away meanwhile
                row = {"bot_id": self.bot_id, "update_id": update_id}
                self._insert(connection, {**row, "owner": None, "expires": expires})

    def _insert(self, connection: sa.engine.Connection, values: dict[str, Any]) -> bool:
        """Insert a row unless one with its key exists (another process's); whether it did."""
        upsert = _INSERT_OR_NOTHING.get(self.engine.dialect.name)
        if upsert is not None:
            insert = upsert(UPDATES).on_conflict_do_nothing().values(**values)
            return bool(connection.execute(insert).rowcount)
        try:
            with connection.begin_nested():
                connection.execute(UPDATES.insert().values(**values))
        except sa.exc.IntegrityError:
            return False
        return True

    def _release(self, update_id: int) -> None:
        self._create()
        with self.engine.begin() as connection:
            connection.execute(
                UPDATES.delete().where(
                    (UPDATES.c.bot_id == self.bot_id)
                    & (UPDATES.c.update_id == update_id)
                    & (UPDATES.c.owner == self.owner)
                )
            )

    def _create(self) -> None:
        with self._creating:  # the worker threads of this ledger
            if self._created:
                return
            try:
                _METADATA.create_all(self.engine, checkfirst=True)
            except sa.exc.DBAPIError:
                # Another process created it between the check and the CREATE TABLE.
                if not sa.inspect(self.engine).has_table(UPDATES.name):
                    raise
            self._created = True

    async def _run(self, work: Callable[..., None], *args: Any) -> None:
        try:
            await asyncio.to_thread(work, *args)
        except sa.exc.SQLAlchemyError as exc:
            _unavailable("recorded", exc)


# Claim an update in Redis, atomically: a new key holds the claim; an existing one says who has
# it, and with ARGV[3] = "1" a claim of another owner is taken over. Returns "" for "new".
# KEYS[1] the update; ARGV: the claim ("claimed:<owner>"), its seconds, take over (0 or 1).
_CLAIM_SCRIPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return '' end
local held = redis.call('GET', KEYS[1]) or ''
if ARGV[3] == '1' and held ~= 'answered' and held ~= ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return ''
end
return held
"""
# Delete the key only while it holds this owner's claim. KEYS[1] the update; ARGV[1] the claim.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLedger:
    """The ledger in Redis: one key per update, ``<prefix>:telegram:update:<bot>:<update>``.

    Calls run in a worker thread (the Redis client is synchronous) with the rate limits'
    short timeouts (`ratelimit.redis_client`).

    Args:
        client (redis.Redis): the Redis connection.
        bot_id (int): the bot whose updates these are.
        prefix (str): before every key (settings' `redis_key_prefix`).
    """

    def __init__(self, client: Any, bot_id: int, prefix: str = "assistant") -> None:
        self.client = client
        self._prefix = f"{prefix}:telegram:update:{bot_id}:"
        self._claim_value = f"claimed:{uuid.uuid4().hex}"
        self._claim = client.register_script(_CLAIM_SCRIPT)
        self._release = client.register_script(_RELEASE_SCRIPT)

    def key(self, update_id: int) -> str:
        """The Redis key of `update_id`."""
        return f"{self._prefix}{update_id}"

    async def claim(self, update_id: int, take_over: bool = False) -> Claim:
        args = [self._claim_value, int(CLAIM_SECONDS), "1" if take_over else "0"]
        try:
            held = await asyncio.to_thread(self._claim, keys=[self.key(update_id)], args=args)
        except Exception as exc:  # redis.RedisError, OSError: answer rather than lose it
            _unavailable("claimed", exc)
            return "new"
        held = held.decode() if isinstance(held, bytes) else str(held)
        if not held:
            return "new"
        if held == "answered":
            return "answered"
        return "in_hand" if held == self._claim_value else "elsewhere"

    async def answered(self, update_id: int) -> None:
        key = self.key(update_id)
        try:
            await asyncio.to_thread(self.client.set, key, "answered", ex=int(ANSWERED_SECONDS))
        except Exception as exc:
            _unavailable("recorded", exc)

    async def release(self, update_id: int) -> None:
        try:
            await asyncio.to_thread(
                self._release, keys=[self.key(update_id)], args=[self._claim_value]
            )
        except Exception as exc:
            _unavailable("recorded", exc)


def bot_id(token: str | None) -> int:
    """The bot's id: the number before the colon of its token (public; the rest is secret)."""
    head = (token or "").partition(":")[0]
    return int(head) if head.isdigit() else 0


def ledger_for(settings: Settings, database: sa.engine.Engine | None = None) -> UpdateLedger:
    """The ledger of the profile (see the module docstring).

    Args:
        settings: the profile, the bot token and, in production, Redis.
        database: the tracker store's database, for the embedded profile; None: in memory.
    """
    bot = bot_id(settings.telegram_token)
    if settings.profile == "production":
        from assistant.channels.ratelimit import redis_client

        return RedisLedger(redis_client(settings), bot, settings.redis_key_prefix)
    if database is not None:
        return SqlLedger(_waiting_briefly(database), bot)
    return MemoryLedger()


# How long a statement of the ledger waits for an SQLite file that another connection is
# writing. The ledger lets an update through when it cannot record it, so it waits much less
# than the tracker store (assistant.patches): a locked store must not hold the webhook's
# answer past Telegram's patience three times over (claim, answer, record).
SQLITE_BUSY_SECONDS = 1.0


def _waiting_briefly(engine: sa.engine.Engine) -> sa.engine.Engine:
    """An engine of its own on the same SQLite file that waits briefly for a lock; other
    databases (and SQLite in memory, which another engine could not see) as they are."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return engine
    return sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})


def tracker_database(tracker_store: Any) -> sa.engine.Engine | None:
    """The database of a Rasa agent's tracker store when it is Rasa's SQL store, else None.

    The agent wraps the store it was given (`FailSafeTrackerStore`, and `AwaitableTrackerStore`
    around a synchronous one); both keep it in ``_tracker_store``.
    """
    store = tracker_store
    while store is not None:
        engine = getattr(store, "engine", None)
        if isinstance(engine, sa.engine.Engine):
            return engine
        store = getattr(store, "_tracker_store", None)
    return None


def _unavailable(what: str, error: Exception) -> None:
    logger.warning(
        "Telegram: the update ledger cannot be reached (%s); the update is not %s",
        type(error).__name__,
        what,
    )
