"""One typed settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.lang import Lang, normalise

Profile = Literal["embedded", "production"]
PROFILES: tuple[Profile, ...] = ("embedded", "production")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The reply language when nothing else decides it: the one definition, changed with
# ASSISTANT_DEFAULT_LANGUAGE. The web app writes it into the demo pages for the widget.
DEFAULT_LANGUAGE: Lang = "en"


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of the assistant.

    Attributes:
        knowledge_dir (Path): folder of the knowledge YAML files.
        domain_file (Path): the domain whose response templates the action server renders.
        default_language (Lang): reply language when nothing else decides it.
        rasa_url (str): where channels and the web app reach the Rasa server.
        action_port (int): port of the action server.
        rasa_port (int): port of the Rasa server.
        cors_origins (tuple[str, ...]): origins allowed to call the Rasa server from a browser.
        telegram_token (str | None): Telegram bot token; None switches the channel off.
        telegram_webhook_url (str | None): public HTTPS URL Telegram posts updates to.
        telegram_webhook_secret (str | None): secret Telegram sends in its header.
        telegram_api_base (str | None): Bot API base URL (a local stand-in in tests).
        pseudonym_key (str | None): key for pseudonymising channel user ids.
        web_port (int): port of the web app that serves the chat widget and its demo pages.
        widget_server_url (str): the Rasa server's URL as the visitor's browser reaches it.
        retention_days (int): days a conversation is kept (at least 1); the privacy texts
            state it and the purge (`assistant.retention`) applies it.
        rate_limit_per_sender (int): messages per minute per conversation (web chat, feedback,
            REST) and per Telegram chat; 0 switches the limit off.
        rate_limit_per_address (int): requests per minute per client address (web chat,
            feedback, REST); 0 switches the limit off.
        review_port (int): port of the staff review console (assistant/review).
        review_secret (str | None): key of the console's encrypted session cookies (32 bytes,
            url-safe base64); None: a new key per start, which signs everyone out on a restart.
        review_session_hours (int): hours a console sign-in lasts.
        review_secure_cookies (bool): send the console's session cookie over HTTPS only (set
            it when a TLS proxy is in front).
        review_low_confidence (float): intent confidence below which the console marks a
            message as uncertain (beside Rasa's fallback).
        profile (Profile): "embedded" (SQLite, one Rasa process, limits in memory) or
            "production" (PostgreSQL, Redis, several Rasa processes behind nginx).
        rasa_instances (int): Rasa server processes of the production profile.
        rasa_backend_port (int): port of the first of them (the others follow); nginx listens
            on `rasa_port` in front of them.
        action_url (str): the action server's webhook as the Rasa servers reach it.
        db_host, db_port, db_name, db_user, db_password: PostgreSQL of the production profile.
        db_timeout (float): seconds one tracker store statement may run, or wait for a lock,
            and an unanswered connection may stay open, before the message gets the apology
            (PostgreSQL's ``statement_timeout`` and ``lock_timeout``, TCP keepalives and
            ``tcp_user_timeout``, `assistant.patches`). A web-chat message then waits at most
            about db_timeout + 5 s (a connection lost, a new one that cannot be opened) for
            PostgreSQL: 10 s by default, within the widget's own 20 s.
        redis_host, redis_port, redis_db, redis_password: Redis of the production profile
            (conversation locks and rate limits).
        redis_key_prefix (str): letters and digits before every Redis key of ours, so that
            several installations (or a test run) can share one Redis database.
        redis_timeout (float): seconds one Redis call (lock store, rate limits) may take before
            it counts as failed.
        redis_retry_seconds (float): how long the lock store keeps retrying a failed Redis call
            before the message gets the apology. A web-chat message then waits at most about
            2 x (redis_retry_seconds + redis_timeout) + 2 x redis_timeout for Redis (a ticket
            or the turn, the ticket's return, two rate limits): 12 s by default, within the
            widget's own 20 s.
    """

    knowledge_dir: Path = PROJECT_ROOT / "data" / "knowledge"
    domain_file: Path = PROJECT_ROOT / "domain.yml"
    default_language: Lang = DEFAULT_LANGUAGE
    rasa_url: str = "http://127.0.0.1:5005"
    action_port: int = 5055
    rasa_port: int = 5005
    cors_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")
    telegram_token: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base: str | None = None
    pseudonym_key: str | None = field(default=None, repr=False)
    web_port: int = 8000
    widget_server_url: str = "http://127.0.0.1:5005"
    retention_days: int = 90
    rate_limit_per_sender: int = 20
    rate_limit_per_address: int = 60
    review_port: int = 8001
    review_secret: str | None = field(default=None, repr=False)
    review_session_hours: int = 8
    review_secure_cookies: bool = False
    review_low_confidence: float = 0.5
    profile: Profile = "embedded"
    rasa_instances: int = 2
    rasa_backend_port: int = 5010
    action_url: str = "http://127.0.0.1:5055/webhook"
    db_host: str = "127.0.0.1"
    db_port: int = 5432
    db_name: str = "assistant"
    db_user: str = "postgres"
    db_password: str = field(default="", repr=False)
    db_timeout: float = 5.0
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 1
    redis_password: str = field(default="", repr=False)
    redis_key_prefix: str = "assistant"
    redis_timeout: float = 0.5
    redis_retry_seconds: float = 5.0

    def production_environment(self) -> dict[str, str]:
        """The variables `endpoints.production.yml` refers to, with their values."""
        return {
            "ASSISTANT_ACTION_URL": self.action_url,
            "ASSISTANT_DB_HOST": self.db_host,
            "ASSISTANT_DB_PORT": str(self.db_port),
            "ASSISTANT_DB_NAME": self.db_name,
            "ASSISTANT_DB_USER": self.db_user,
            "ASSISTANT_DB_PASSWORD": self.db_password,
            "ASSISTANT_REDIS_HOST": self.redis_host,
            "ASSISTANT_REDIS_PORT": str(self.redis_port),
            "ASSISTANT_REDIS_DB": str(self.redis_db),
            "ASSISTANT_REDIS_PASSWORD": self.redis_password,
            "ASSISTANT_REDIS_KEY_PREFIX": self.redis_key_prefix,
        }

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> Settings:
        """Build settings from `environ` (default: `os.environ`) over an optional `.env` file.

        Args:
            environ: the variables; default `os.environ`.
            env_file: the `.env` file under them; default `ASSISTANT_ENV_FILE` from `environ`
                (empty: none, as the test stack runs), else `.env` in the project root.

        Raises:
            SettingsError: a value has the wrong form; the message names the variable.
        """
        environ = os.environ if environ is None else environ
        if env_file is None:
            configured = environ.get("ASSISTANT_ENV_FILE")
            env_file = PROJECT_ROOT / ".env" if configured is None else Path(configured.strip())
        values = _read_env_file(env_file) if env_file.name else {}  # Path("").name == ""
        values.update(environ)

        def get(key: str) -> str | None:
            value = values.get(key, "").strip()
            return value or None

        def get_int(key: str, default: int) -> int:
            raw = get(key)
            if raw is None:
                return default
            try:
                return int(raw)
            except ValueError as exc:
                raise SettingsError(f"{key} must be a whole number, got {raw!r}") from exc

        def get_seconds(key: str, default: float, low: float, high: float) -> float:
            raw = get(key)
            try:
                seconds = float(raw) if raw else default
            except ValueError:
                seconds = -1.0
            if not low <= seconds <= high:
                raise SettingsError(f"{key} must be {low:g} to {high:g} seconds, got {raw!r}")
            return seconds

        retention_days = get_int("ASSISTANT_RETENTION_DAYS", cls.retention_days)
        if retention_days < 1:
            raise SettingsError(
                f"ASSISTANT_RETENTION_DAYS must be at least 1 (days), got {retention_days}"
            )
        language = get("ASSISTANT_DEFAULT_LANGUAGE")
        default_language = normalise(language) if language else DEFAULT_LANGUAGE
        if default_language is None:
            raise SettingsError(
                f"ASSISTANT_DEFAULT_LANGUAGE must be 'de' or 'en', got {language!r}"
            )
        session_hours = get_int("ASSISTANT_REVIEW_SESSION_HOURS", cls.review_session_hours)
        if not 1 <= session_hours <= 24:
            raise SettingsError(
                f"ASSISTANT_REVIEW_SESSION_HOURS must be between 1 and 24, got {session_hours}"
            )
        raw_confidence = get("ASSISTANT_REVIEW_LOW_CONFIDENCE")
        try:
            low_confidence = float(raw_confidence) if raw_confidence else cls.review_low_confidence
        except ValueError:
            low_confidence = -1.0
        if not 0.0 <= low_confidence <= 1.0:
            raise SettingsError(
                "ASSISTANT_REVIEW_LOW_CONFIDENCE must be a number from 0 to 1, "
                f"got {raw_confidence!r}"
            )
        origins = get("ASSISTANT_CORS_ORIGINS")
        rasa_url = (get("ASSISTANT_RASA_URL") or cls.rasa_url).rstrip("/")
        profile = get("ASSISTANT_PROFILE") or cls.profile
        if profile not in PROFILES:
            raise SettingsError(
                f"ASSISTANT_PROFILE must be 'embedded' or 'production', got {profile!r}"
            )
        key_prefix = values.get("ASSISTANT_REDIS_KEY_PREFIX", cls.redis_key_prefix).strip()
        if not key_prefix.isalnum():  # Rasa's lock store ignores any other prefix
            raise SettingsError(
                f"ASSISTANT_REDIS_KEY_PREFIX must be letters and digits, got {key_prefix!r}"
            )
        instances = get_int("ASSISTANT_RASA_INSTANCES", cls.rasa_instances)
        if instances < 1:
            raise SettingsError(f"ASSISTANT_RASA_INSTANCES must be 1 or more, got {instances}")
        action_port = get_int("ASSISTANT_ACTION_PORT", cls.action_port)
        return cls(
            knowledge_dir=Path(get("ASSISTANT_KNOWLEDGE_DIR") or cls.knowledge_dir),
            default_language=default_language,
            rasa_url=rasa_url,
            action_port=action_port,
            rasa_port=get_int("ASSISTANT_RASA_PORT", cls.rasa_port),
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip())
            if origins
            else cls.cors_origins,
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            telegram_api_base=get("TELEGRAM_API_BASE_URL"),
            pseudonym_key=get("ASSISTANT_PSEUDONYM_KEY"),
            web_port=get_int("ASSISTANT_WEB_PORT", cls.web_port),
            widget_server_url=(get("ASSISTANT_WIDGET_SERVER_URL") or rasa_url).rstrip("/"),
            retention_days=retention_days,
            rate_limit_per_sender=get_int(
                "ASSISTANT_RATE_LIMIT_PER_SENDER", cls.rate_limit_per_sender
            ),
            rate_limit_per_address=get_int(
                "ASSISTANT_RATE_LIMIT_PER_ADDRESS", cls.rate_limit_per_address
            ),
            review_port=get_int("ASSISTANT_REVIEW_PORT", cls.review_port),
            review_secret=get("ASSISTANT_REVIEW_SECRET"),
            review_session_hours=session_hours,
            review_secure_cookies=(get("ASSISTANT_REVIEW_SECURE_COOKIES") or "").lower()
            in ("1", "true", "yes"),
            review_low_confidence=low_confidence,
            profile=profile,  # type: ignore[arg-type]  # checked against PROFILES above
            rasa_instances=instances,
            rasa_backend_port=get_int("ASSISTANT_RASA_BACKEND_PORT", cls.rasa_backend_port),
            action_url=get("ASSISTANT_ACTION_URL") or f"http://127.0.0.1:{action_port}/webhook",
            db_host=get("ASSISTANT_DB_HOST") or cls.db_host,
            db_port=get_int("ASSISTANT_DB_PORT", cls.db_port),
            db_name=get("ASSISTANT_DB_NAME") or cls.db_name,
            db_user=get("ASSISTANT_DB_USER") or cls.db_user,
            db_password=get("ASSISTANT_DB_PASSWORD") or "",
            db_timeout=get_seconds("ASSISTANT_DB_TIMEOUT", cls.db_timeout, 1, 60),
            redis_host=get("ASSISTANT_REDIS_HOST") or cls.redis_host,
            redis_port=get_int("ASSISTANT_REDIS_PORT", cls.redis_port),
            redis_db=get_int("ASSISTANT_REDIS_DB", cls.redis_db),
            redis_password=get("ASSISTANT_REDIS_PASSWORD") or "",
            redis_key_prefix=key_prefix,
            redis_timeout=get_seconds("ASSISTANT_REDIS_TIMEOUT", cls.redis_timeout, 0.05, 10),
            redis_retry_seconds=get_seconds(
                "ASSISTANT_REDIS_RETRY_SECONDS", cls.redis_retry_seconds, 0, 60
            ),
        )


def settings_for_command() -> Settings:
    """The settings for a command-line entry point; a bad value ends it with one clear line.

    Raises:
        SystemExit: with code 2 after printing "Configuration error: ..." (naming the variable)
            to stderr, instead of a traceback.
    """
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
