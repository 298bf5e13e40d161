"""The production profile's preparation: the tracker database is created when missing, and an
unreachable PostgreSQL or Redis stops start-up with one line naming the variables to check."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from assistant.production import backend_ports, ensure_database, prepare_services, redis_problem
from assistant.settings import Settings
from assistant.storage import StorageError
from tests.services import PG_HOST, PG_PORT, PG_USER, drop_database, query, unique_name


def production(tmp_path: Path, **variables: str) -> Settings:
    return Settings.from_env(
        {"ASSISTANT_PROFILE": "production", **variables}, env_file=tmp_path / "none"
    )


def test_a_missing_database_is_created_once() -> None:
    name = unique_name("assistant_test_")
    url = make_url(f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
    try:
        ensure_database(url)
        ensure_database(url)  # exists now: nothing to do
        assert query(name, "SELECT current_database()") == [(name,)]
    finally:
        drop_database(name)


def test_an_unreachable_postgresql_is_named_with_its_variables(
    tmp_path: Path, unused_port: int
) -> None:
    with pytest.raises(StorageError, match="ASSISTANT_DB_PORT") as raised:
        ensure_database(make_url(f"postgresql://postgres@127.0.0.1:{unused_port}/assistant"))
    assert f"127.0.0.1:{unused_port}" in str(raised.value)


def test_an_unreachable_redis_is_named_with_its_variables(tmp_path: Path, unused_port: int) -> None:
    problem = redis_problem(production(tmp_path, ASSISTANT_REDIS_PORT=str(unused_port)))
    assert problem is not None and "ASSISTANT_REDIS_PORT" in problem
    assert redis_problem(production(tmp_path)) is None  # the machine's Redis answers


def test_prepare_services_reads_the_database_from_the_endpoints_file(
    tmp_path: Path, unused_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = production(tmp_path, ASSISTANT_DB_PORT=str(unused_port))
    for key, value in settings.production_environment().items():
        monkeypatch.setenv(key, value)
    from assistant.production import ENDPOINTS

    problem = prepare_services(settings, ENDPOINTS)
    assert problem is not None and f"127.0.0.1:{unused_port}" in problem


def test_rasa_servers_listen_on_consecutive_ports(tmp_path: Path) -> None:
    settings = production(
        tmp_path, ASSISTANT_RASA_INSTANCES="3", ASSISTANT_RASA_BACKEND_PORT="6010"
    )
    assert backend_ports(settings) == [6010, 6011, 6012]


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
