from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import DEFAULT_LANGUAGE, PROJECT_ROOT, Settings, SettingsError


def test_settings_have_embedded_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert settings.default_language == DEFAULT_LANGUAGE == Settings().default_language
    assert settings.rasa_port == 5005
    assert settings.telegram_token is None


def test_settings_read_environment_over_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ASSISTANT_DEFAULT_LANGUAGE=en\nASSISTANT_RASA_PORT=6000\n# comment\n")
    settings = Settings.from_env({"ASSISTANT_DEFAULT_LANGUAGE": "de-DE"}, env_file=env_file)
    assert settings.default_language == "de"
    assert settings.rasa_port == 6000


def test_settings_split_cors_origins(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"ASSISTANT_CORS_ORIGINS": "https://www.berlin.de, http://localhost:8000"},
        env_file=tmp_path / "none",
    )
    assert settings.cors_origins == ("https://www.berlin.de", "http://localhost:8000")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ASSISTANT_RASA_PORT", "abc"),
        ("ASSISTANT_DEFAULT_LANGUAGE", "fr"),
        ("ASSISTANT_REVIEW_PORT", "x"),
        ("ASSISTANT_REVIEW_SESSION_HOURS", "0"),
        ("ASSISTANT_REVIEW_SESSION_HOURS", "48"),
        ("ASSISTANT_REVIEW_LOW_CONFIDENCE", "1.5"),
        ("ASSISTANT_REVIEW_LOW_CONFIDENCE", "high"),
        ("ASSISTANT_REDIS_TIMEOUT", "0"),
        ("ASSISTANT_REDIS_TIMEOUT", "1s"),
        ("ASSISTANT_REDIS_RETRY_SECONDS", "-1"),
        ("ASSISTANT_REDIS_RETRY_SECONDS", "600"),
        ("ASSISTANT_DB_TIMEOUT", "0.5"),
        ("ASSISTANT_DB_TIMEOUT", "61"),
        ("ASSISTANT_DB_TIMEOUT", "5s"),
    ],
)
def test_settings_reject_bad_values_naming_the_variable(
    tmp_path: Path, key: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.from_env({key: value}, env_file=tmp_path / "none")


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "at least 1"), ("-30", "at least 1"), ("90 days", "whole number"), ("", None)],
)
def test_retention_days_are_a_whole_number_of_at_least_one(
    tmp_path: Path, value: str, message: str | None
) -> None:
    environ = {"ASSISTANT_RETENTION_DAYS": value}
    if message is None:  # empty: the default
        assert Settings.from_env(environ, env_file=tmp_path / "none").retention_days == 90
        return
    with pytest.raises(SettingsError, match=f"ASSISTANT_RETENTION_DAYS must be .*{message}"):
        Settings.from_env(environ, env_file=tmp_path / "none")


def test_the_redis_time_limits_are_settings(tmp_path: Path) -> None:
    defaults = Settings.from_env({}, env_file=tmp_path / "none")
    assert (defaults.redis_timeout, defaults.redis_retry_seconds) == (0.5, 5.0)
    settings = Settings.from_env(
        {"ASSISTANT_REDIS_TIMEOUT": "0.25", "ASSISTANT_REDIS_RETRY_SECONDS": "2"},
        env_file=tmp_path / "none",
    )
    assert (settings.redis_timeout, settings.redis_retry_seconds) == (0.25, 2.0)


def test_the_database_time_limit_is_a_setting(tmp_path: Path) -> None:
    assert Settings.from_env({}, env_file=tmp_path / "none").db_timeout == 5.0
    settings = Settings.from_env({"ASSISTANT_DB_TIMEOUT": "2.5"}, env_file=tmp_path / "none")
    assert settings.db_timeout == 2.5


def test_settings_read_the_review_console_variables(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "ASSISTANT_REVIEW_PORT": "9001",
            "ASSISTANT_REVIEW_SESSION_HOURS": "4",
            "ASSISTANT_REVIEW_LOW_CONFIDENCE": "0.3",
        },
        env_file=tmp_path / "none",
    )
    assert (settings.review_port, settings.review_session_hours) == (9001, 4)
    assert settings.review_low_confidence == 0.3


@pytest.mark.parametrize("command", [["assistant.cli", "check-data"], ["assistant.web"]])
def test_commands_report_a_bad_setting_in_one_line(tmp_path: Path, command: list[str]) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "ASSISTANT_ENV_FILE": "",
        "ASSISTANT_WEB_PORT": "eighty",
        "ASSISTANT_RASA_PORT": "eighty",
    }
    done = subprocess.run(
        [sys.executable, "-m", *command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Configuration error: ASSISTANT_") and "must be a whole number" in line


def test_settings_read_the_env_file_that_assistant_env_file_names(tmp_path: Path) -> None:
    env_file = tmp_path / "other.env"
    env_file.write_text("ASSISTANT_RASA_PORT=6001\n")
    settings = Settings.from_env({"ASSISTANT_ENV_FILE": str(env_file)})
    assert settings.rasa_port == 6001


def test_an_empty_assistant_env_file_reads_no_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # The project's own .env (a developer's, with a real token) must not be read.
    read: list[Path] = []
    monkeypatch.setattr("assistant.settings._read_env_file", lambda path: read.append(path) or {})
    Settings.from_env({"ASSISTANT_ENV_FILE": ""})
    assert read == []
    Settings.from_env({})
    assert read == [PROJECT_ROOT / ".env"]


def test_production_settings_fill_every_variable_of_the_production_endpoints(
    tmp_path: Path,
) -> None:
    import re

    settings = Settings.from_env(
        {"ASSISTANT_PROFILE": "production", "ASSISTANT_DB_HOST": "db", "ASSISTANT_REDIS_DB": "3"},
        env_file=tmp_path / "missing.env",
    )
    assert settings.profile == "production"
    variables = settings.production_environment()
    assert (variables["ASSISTANT_DB_HOST"], variables["ASSISTANT_REDIS_DB"]) == ("db", "3")
    assert variables["ASSISTANT_ACTION_URL"] == "http://127.0.0.1:5055/webhook"
    text = (PROJECT_ROOT / "endpoints.production.yml").read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(variables)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ASSISTANT_PROFILE", "cluster"),
        ("ASSISTANT_REDIS_KEY_PREFIX", "my-app"),
        ("ASSISTANT_RASA_INSTANCES", "0"),
        ("ASSISTANT_DB_PORT", "five"),
    ],
)
def test_production_settings_reject_bad_values_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value}, env_file=tmp_path / "missing.env")
