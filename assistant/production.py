"""The production profile's parts: its services (PostgreSQL, Redis) and its processes.

`serve --profile production` runs, supervised: one action server, `rasa_instances` Rasa
servers (ports `rasa_backend_port`, +1, ...) sharing the tracker store (PostgreSQL) and the
lock store (Redis) of `endpoints.production.yml`, nginx in front of them on `rasa_port`
(`assistant.loadbalancer`), and the web app. Nothing of ours keeps conversation state in a
process: conversations are in PostgreSQL, locks and rate limits in Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL

from assistant.loadbalancer import nginx_binary, nginx_command, write_config
from assistant.settings import PROJECT_ROOT, Settings
from assistant.storage import StorageError, tracker_store_url
from assistant.supervisor import Child

logger = logging.getLogger(__name__)

ENDPOINTS = PROJECT_ROOT / "endpoints.production.yml"
WORKDIR = PROJECT_ROOT / "var" / "production"
# Seconds to wait for PostgreSQL or Redis at start-up before giving up with a message.
CONNECT_TIMEOUT_SECONDS = 5


def backend_ports(settings: Settings) -> list[int]:
    """The ports of the Rasa servers behind nginx."""
    return [settings.rasa_backend_port + i for i in range(settings.rasa_instances)]


def ensure_database(url: URL) -> None:
    """Create the tracker store's PostgreSQL database if it does not exist yet.

    Rasa's SQL tracker store creates its tables, but not the database (only with its
    ``login_db`` option, which needs a second database to log in to).

    Raises:
        StorageError: PostgreSQL cannot be reached, or the database cannot be created.
    """
    import sqlalchemy as sa

    if url.get_backend_name() != "postgresql":
        return
    name = url.database
    admin = sa.create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                quoted = admin.dialect.identifier_preparer.quote(str(name))
                connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
                logger.info("Created the PostgreSQL database %s", name)
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(
            f"PostgreSQL at {url.host}:{url.port or 5432} (database {name!r}, user "
            f"{url.username!r}) cannot be used: {type(exc.orig or exc).__name__}. Check "
            "ASSISTANT_DB_HOST, ASSISTANT_DB_PORT, ASSISTANT_DB_USER, ASSISTANT_DB_PASSWORD."
        ) from None
    finally:
        admin.dispose()


def redis_problem(settings: Settings) -> str | None:
    """A message when the profile's Redis does not answer, else None."""
    import redis

    client = redis.Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        db=settings.redis_db,
        password=settings.redis_password or None,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return (
            f"Redis at {settings.redis_host}:{settings.redis_port} (db {settings.redis_db}) "
            f"does not answer: {type(exc).__name__}. Check ASSISTANT_REDIS_HOST, "
            "ASSISTANT_REDIS_PORT, ASSISTANT_REDIS_DB, ASSISTANT_REDIS_PASSWORD."
        )
    finally:
        client.close()
    return None


def prepare_services(settings: Settings, endpoints: Path) -> str | None:
    """Check Redis and create the PostgreSQL database if needed; a message on failure."""
    try:
        ensure_database(tracker_store_url(endpoints))
    except StorageError as exc:
        return str(exc)
    return redis_problem(settings)


def rasa_children(
    settings: Settings,
    rasa_command: list[str],
    env: Mapping[str, str],
) -> list[Child]:
    """One supervised Rasa server per backend port; `rasa_command` lacks only ``--port``.

    Each trusts one proxy (nginx) for the client's address, unless ``SANIC_PROXIES_COUNT``
    is set already (another proxy in front of nginx).
    """
    env = {**env}
    env.setdefault("SANIC_PROXIES_COUNT", "1")
    return [
        Child(f"Rasa server {i + 1}", [*rasa_command, "--port", str(port)], PROJECT_ROOT, env)
        for i, port in enumerate(backend_ports(settings))
    ]


def nginx_child(settings: Settings, env: Mapping[str, str]) -> Child | str:
    """nginx in front of the Rasa servers, or a message when nginx is not installed."""
    binary = nginx_binary()
    if binary is None:
        return (
            "The production profile needs nginx (Debian: apt-get install nginx) as the load "
            "balancer in front of the Rasa servers."
        )
    workdir = WORKDIR / f"nginx-{settings.rasa_port}"  # one per listening port
    config = write_config(settings.rasa_port, backend_ports(settings), workdir)
    return Child("nginx", nginx_command(binary, config, workdir), PROJECT_ROOT, env)
