"""PostgreSQL and Redis for tests: the servers running on this machine, used without disturbing
other users (a scratch database, a Redis database number and key prefix of the tests' own), and
a private redis-server that a test may stop and start."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The tests' Redis database on the shared server (the assistant uses 1, Redis' default is 0);
# every key also carries a prefix of its test session.
TEST_REDIS_DB = 14
START_TIMEOUT = 10.0


def unique_name(stem: str) -> str:
    """`stem` and 10 random hex digits: letters and digits only (Rasa's key prefix rule)."""
    return f"{stem}{uuid.uuid4().hex[:10]}"


def _admin() -> Any:
    import psycopg2

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=5
    )
    connection.autocommit = True
    return connection


def create_database(name: str) -> None:
    connection = _admin()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def drop_database(name: str) -> None:
    connection = _admin()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def query(database: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of `sql` in `database` (a new connection each time: it survives a restart)."""
    import psycopg2

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, connect_timeout=5
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    finally:
        connection.close()


@contextlib.contextmanager
def unreachable_database(name: str) -> Iterator[None]:
    """`name` refuses every connection, and its open ones are closed, until the block ends.

    A tracker store outage of one database only: the machine's PostgreSQL keeps serving the
    others (``ALLOW_CONNECTIONS false`` holds for superusers too, unlike ``REVOKE CONNECT``).
    """
    connection = _admin()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        connection.close()


@contextlib.contextmanager
def locked_table(database: str, table: str) -> Iterator[None]:
    """Another session holds `table` of `database` in ``ACCESS EXCLUSIVE`` mode (as a long
    migration or a stuck backup would) until the block ends: every query of it waits.

    Only the test's own database is touched; the machine's PostgreSQL keeps serving others.
    """
    import psycopg2

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database, connect_timeout=5
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        yield
        connection.rollback()
    finally:
        connection.close()


def restart_postgresql() -> None:
    """Restart the machine's PostgreSQL cluster; returns once it accepts connections again."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        timeout=60,
        capture_output=True,
    )


def shared_redis() -> redis.Redis:
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=TEST_REDIS_DB)


def delete_keys(client: redis.Redis, prefix: str) -> None:
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, without persistence."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def client(self, **options: Any) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, **options)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        probe = self.client(socket_timeout=1)
        while True:
            try:
                probe.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.02)  # a new server's socket: nothing to wait on but the port

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
