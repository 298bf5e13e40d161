"""Tests for assistant/storage.py: one source for the tracker store's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.storage import StorageError, sqlite_path, tracker_store_url


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_sqlite_path_is_resolved_against_the_server_directory(tmp_path: Path) -> None:
    endpoints = write(tmp_path, "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/t.db\n")
    url = tracker_store_url(endpoints, root=tmp_path)
    assert sqlite_path(url) == tmp_path / "var" / "t.db"


def test_project_endpoints_name_the_embedded_database() -> None:
    from assistant.settings import PROJECT_ROOT

    url = tracker_store_url(PROJECT_ROOT / "endpoints.yml")
    assert sqlite_path(url) == PROJECT_ROOT / "var" / "tracker.db"


def test_postgresql_from_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DB_HOST", "db.internal")
    monkeypatch.setenv("TEST_DB_PASSWORD", "s3cret")
    endpoints = write(
        tmp_path,
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: ${TEST_DB_HOST}\n"
        "  port: 5433\n  db: rasa\n  username: rasa\n  password: ${TEST_DB_PASSWORD}\n",
    )
    url = tracker_store_url(endpoints)
    assert (url.get_backend_name(), url.host, url.port, url.database) == (
        "postgresql",
        "db.internal",
        5433,
        "rasa",
    )
    assert url.password == "s3cret"
    assert sqlite_path(url) is None


@pytest.mark.parametrize(
    "text",
    ["tracker_store:\n  type: redis\n", "action_endpoint:\n  url: http://x\n"],
)
def test_a_store_that_is_not_sql_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(StorageError, match="type: SQL"):
        tracker_store_url(write(tmp_path, text))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        tracker_store_url(tmp_path / "nope.yml")
