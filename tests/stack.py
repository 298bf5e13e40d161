"""A running assistant for tests: `berlin-assistant serve` on free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
TELEGRAM_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """`berlin-assistant serve` in a subprocess, with its own ports and tracker database."""

    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.extra_env = dict(extra_env or {})  # e.g. TELEGRAM_* for the Telegram channel tests
        self.action_port, self.rasa_port = _free_port(), _free_port()
        self.web_port = _free_port()  # the chat widget's web app (assistant.web)
        self.db = workdir / "tracker.db"
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {self.db}\n",
            encoding="utf-8",
        )
        self.log = workdir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "ASSISTANT_ACTION_PORT": str(self.action_port),
            "ASSISTANT_RASA_PORT": str(self.rasa_port),
            "ASSISTANT_TRACKER_DB": str(self.db),
            "ASSISTANT_WEB_PORT": str(self.web_port),
            "ASSISTANT_WIDGET_SERVER_URL": self.url,
            "ASSISTANT_CORS_ORIGINS": self.web_url,
            # A developer's .env must never make a test stack talk to the real Telegram.
            **{key: "" for key in TELEGRAM_VARIABLES},
            **self.extra_env,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "assistant.cli",
                    "serve",
                    "--endpoints",
                    str(self.endpoints),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if all(
                    httpx.get(url, timeout=2).status_code == 200
                    for url in (
                        f"{self.url}/",
                        f"http://127.0.0.1:{self.action_port}/health",
                        f"{self.web_url}/healthz",
                    )
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise AssertionError(
            "stack did not come up:\n" + self.log.read_text(errors="replace")[-3000:]
        )

    def stop(self) -> int:
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
