"""A running assistant for tests: `berlin-assistant serve` on free loopback ports."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from assistant.knowledge import Knowledge, load_knowledge
from assistant.lang import Lang
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
# `berlin-assistant serve` prints this line once all its servers answer.
READY_LINE = b"The assistant is running."
START_TIMEOUT = 300.0
_URL = re.compile(r"https?://\S+")
# What configures the assistant on a developer's machine; tests never inherit it.
DEVELOPER_PREFIXES = ("ASSISTANT_", "TELEGRAM_")


def without_developer_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without any ASSISTANT_* or TELEGRAM_* variable and reading no `.env` file.

    A developer's shell or `.env` must never reach a test: a real Telegram token, another
    knowledge folder or default language would change what the code under test does.
    """
    clean = {k: v for k, v in environ.items() if not k.startswith(DEVELOPER_PREFIXES)}
    return {**clean, "ASSISTANT_ENV_FILE": ""}


@contextlib.contextmanager
def sqlite_write_locked(path: Path) -> Iterator[None]:
    """Another process's write transaction holds the SQLite file's write lock (as a long purge
    or a stuck tool would): the Rasa server still reads, its writes wait and then fail."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def widget_timeout_seconds() -> float:
    """The widget's own default request timeout (assistant/web/static/widget.js): an answer
    that takes longer is never shown."""
    script = (ROOT / "assistant" / "web" / "static" / "widget.js").read_text(encoding="utf-8")
    found = re.search(r'given\.timeout \|\| dataset\.timeout \|\| "(\d+)"', script)
    assert found, "the widget's timeout default moved"
    return int(found.group(1)) / 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """`berlin-assistant serve` in a subprocess, with its own ports and tracker database.

    `start()` brings it up with `extra_env`, or does nothing when it already runs. A start
    costs most of a minute, so the session shares one instance (tests/conftest.py), configured
    once for every test that uses it; changing `extra_env` of a running stack is refused
    rather than paid for with a restart.

    Args:
        workdir: folder for the endpoints file, the tracker database and the server log.
        extra_env: variables on top of the stack's own (e.g. TELEGRAM_* for the Telegram tests).
    """

    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.extra_env = dict(extra_env or {})
        self.action_port, self.rasa_port = _free_port(), _free_port()
        self.web_port = _free_port()  # the chat widget's web app (assistant.web)
        self.review_port = _free_port()  # the staff review console (assistant.review)
        self.db = workdir / "tracker.db"
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            "  enable_selective_domain: true\n"
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {self.db}\n",
            encoding="utf-8",
        )
        self.log = workdir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0  # how often a process was started (the session shares one)
        self._started_with: dict[str, str] = {}
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def review_url(self) -> str:
        return f"http://127.0.0.1:{self.review_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def env(self) -> dict[str, str]:
        """The complete environment of the stack: this process's variables without any
        ASSISTANT_* or TELEGRAM_* setting, no `.env` file, this stack's ports, `extra_env`."""
        return {
            **without_developer_settings(os.environ),
            "RASA_TELEMETRY_ENABLED": "false",
            "ASSISTANT_ACTION_PORT": str(self.action_port),
            "ASSISTANT_RASA_PORT": str(self.rasa_port),
            "ASSISTANT_RASA_URL": self.url,
            "ASSISTANT_WEB_PORT": str(self.web_port),
            "ASSISTANT_REVIEW_PORT": str(self.review_port),
            "ASSISTANT_WIDGET_SERVER_URL": self.url,
            "ASSISTANT_CORS_ORIGINS": self.web_url,
            # The suite sends many messages quickly; the limits are tested in-process.
            "ASSISTANT_RATE_LIMIT_PER_SENDER": "100000",
            "ASSISTANT_RATE_LIMIT_PER_ADDRESS": "100000",
            **self.extra_env,
        }

    def settings(self) -> Settings:
        """The settings the stack's servers run with."""
        return Settings.from_env(self.env())

    def knowledge(self) -> Knowledge:
        """The facts this stack answers from, for expectations that must follow the data."""
        return load_knowledge(self.settings().knowledge_dir)

    def start(self) -> None:
        """Run the stack with its environment; returns once all its servers answer.

        Raises:
            AssertionError: it runs already, but with other `extra_env` than now (configure
                the shared stack in tests/conftest.py instead of restarting it).
        """
        if self.running:
            # Only the extra variables count: the test process's own change all the time
            # (PYTEST_CURRENT_TEST names the running test).
            assert self.extra_env == self._started_with, (
                "the running stack was started with other extra_env; configure the shared "
                "stack in tests/conftest.py (one start per session) instead"
            )
            return
        self._started_with = dict(self.extra_env)
        env = self.env()
        self._ready.clear()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--endpoints", str(self.endpoints)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.starts += 1
        threading.Thread(target=self._copy_output, args=(self.process,), daemon=True).start()
        self._ready.wait(START_TIMEOUT)
        if not self._ready.is_set() or not self.running:
            if self.running:
                self.stop()
            raise AssertionError("stack did not come up:\n" + self.tail())

    def _copy_output(self, process: subprocess.Popen[bytes]) -> None:
        """Write the servers' output to the log; signal readiness; wake `start()` on exit."""
        assert process.stdout is not None
        with self.log.open("ab") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if READY_LINE in line:
                    self._ready.set()
        self._ready.set()  # the process ended: start() must not wait for the timeout

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> int:
        """Stop the stack as Ctrl-C does; returns the exit code of `serve`."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def ask(self, sender: str, text: str, metadata: dict | None = None) -> list[str]:  # type: ignore[type-arg]
        payload: dict = {"sender": sender, "message": text}  # type: ignore[type-arg]
        if metadata is not None:
            payload["metadata"] = metadata
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json=payload, timeout=30)
        assert response.status_code == 200, response.text
        return [m.get("text", "") for m in response.json()]


@functools.cache
def _language_oracle() -> Any:
    # lingua directly, not assistant.lang (which is under test), restricted to the two languages.
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH).build()


def language_of(text: str) -> Lang | None:
    """The language a reply is written in (web addresses left out), None for no words."""
    from lingua import Language

    found = _language_oracle().detect_language_of(_URL.sub(" ", text))
    return {Language.GERMAN: "de", Language.ENGLISH: "en"}.get(found)


def assert_language(text: str, lang: Lang) -> None:
    """Fail unless `text` is written in `lang`: a name or number alone proves nothing."""
    assert language_of(text) == lang, f"expected a reply in {lang!r}, got: {text!r}"


def _free_port_pair() -> int:
    """The first of two free consecutive loopback ports (the production profile's Rasa
    servers listen on consecutive ports)."""
    for _ in range(50):
        first = _free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", first + 1))
            except OSError:
                continue
        return first
    raise RuntimeError("no two free consecutive ports")


class ProductionStack(Stack):
    """`serve --profile production` with two Rasa servers behind nginx, on PostgreSQL and Redis.

    Args:
        workdir: folder for the server log.
        database: the PostgreSQL database (on 127.0.0.1:5432, user postgres) for the tracker.
        redis_db: the Redis database number for locks and rate limits.
        key_prefix: before every Redis key of this stack.
        redis_port: the port of that Redis on 127.0.0.1 (the machine's, or a private one).
    """

    def __init__(
        self,
        workdir: Path,
        database: str,
        redis_db: int,
        key_prefix: str,
        redis_port: int = 6379,
    ) -> None:
        super().__init__(workdir)
        self.endpoints = ROOT / "endpoints.production.yml"
        self.database = database
        self.backend_port = _free_port_pair()
        self.extra_env = {
            "ASSISTANT_PROFILE": "production",
            "ASSISTANT_RASA_INSTANCES": "2",
            "ASSISTANT_RASA_BACKEND_PORT": str(self.backend_port),
            "ASSISTANT_DB_HOST": "127.0.0.1",
            "ASSISTANT_DB_PORT": "5432",
            "ASSISTANT_DB_NAME": database,
            "ASSISTANT_DB_USER": "postgres",
            "ASSISTANT_REDIS_HOST": "127.0.0.1",
            "ASSISTANT_REDIS_PORT": str(redis_port),
            "ASSISTANT_REDIS_DB": str(redis_db),
            "ASSISTANT_REDIS_KEY_PREFIX": key_prefix,
        }

    @property
    def backends(self) -> list[str]:
        """The URLs of the two Rasa servers themselves (nginx is at `url`)."""
        return [f"http://127.0.0.1:{self.backend_port + i}" for i in range(2)]
