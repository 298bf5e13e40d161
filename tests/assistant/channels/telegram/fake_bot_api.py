"""A stand-in of the Telegram Bot API on loopback that records calls and can be told to fail."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "123456:TEST-token_for-the-stand-in"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Berlin International",
    "username": "berlin_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters PTB sends as plain strings; every other form value is JSON.
_STRING_PARAMS = {"text", "url", "secret_token", "callback_query_id", "action", "language_code"}
# Longest a getUpdates long poll is held here, whatever the client asks for.
_MAX_LONG_POLL = 1.0


@dataclass(frozen=True)
class ApiCall:
    """One request to the stand-in.

    Attributes:
        method: the Bot API method, e.g. "sendMessage".
        params: the decoded parameters.
        status: the HTTP status the stand-in answered with.
    """

    method: str
    params: dict[str, Any]
    status: int


class FakeBotApi:
    """The Bot API as far as the channel uses it, on ``127.0.0.1`` with a free port.

    Point PTB at it with ``base_url=f"{api.root}/bot"`` (or ``TELEGRAM_API_BASE_URL=api.root``).
    `getUpdates` honours offsets like Telegram: an offset confirms every earlier update.

    Args:
        token: the only token accepted; any other gets 401 like Telegram.
    """

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self._lock = threading.Condition()
        self._calls: list[ApiCall] = []
        self._updates: list[dict[str, Any]] = []
        self._faults: dict[str, list[tuple[int, int | None]]] = {}
        self._message_ids = itertools.count(1)
        self.confirmed_offset = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def root(self) -> str:
        """The server root, the value for ``TELEGRAM_API_BASE_URL``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ test controls
    def queue_update(self, update: dict[str, Any]) -> None:
        """Queue an update for `getUpdates`."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    def fail_next(
        self, method: str, status: int, *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `method` with an error status (429, 403, 5xx, …)."""
        with self._lock:
            self._faults.setdefault(method, []).extend([(status, retry_after)] * times)

    def calls(self, method: str | None = None, *, ok_only: bool = False) -> list[ApiCall]:
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (not ok_only or c.status == 200)
            ]

    def sent_texts(self, chat_id: int) -> list[str]:
        """Texts of the messages delivered to one chat, in order."""
        return [
            str(c.params["text"])
            for c in self.calls("sendMessage", ok_only=True)
            if c.params.get("chat_id") == chat_id
        ]

    def sent_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Parameters of the messages delivered to one chat, in order."""
        return [
            c.params
            for c in self.calls("sendMessage", ok_only=True)
            if c.params.get("chat_id") == chat_id
        ]

    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._updates)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60.0) -> None:
        """Wait until `condition()` holds.

        Raises:
            AssertionError: it did not hold within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; calls so far: {self._calls}")
                self._lock.wait(min(left, 0.2))

    async def until(self, condition: Callable[[], bool], timeout: float = 60.0) -> None:
        """`wait_for` for async tests: waits without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {self.calls()}")
            await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ the API
    def _answer(
        self, token: str, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if token != self.token:
                status, body = 401, _error(401, "Unauthorized")
            elif self._faults.get(method):
                fault_status, retry_after = self._faults[method].pop(0)
                description = _DESCRIPTIONS.get(fault_status, "Error")
                status, body = fault_status, _error(fault_status, description)
                if retry_after is not None:
                    body["parameters"] = {"retry_after": retry_after}
            else:
                status, body = 200, {"ok": True, "result": self._result(method, params)}
            self._calls.append(ApiCall(method, params, status))
            self._lock.notify_all()
            return status, body

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._take_updates(params)
        if method == "sendMessage":
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": params.get("chat_id"), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def _take_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), _MAX_LONG_POLL)
        while not self._updates and time.monotonic() < deadline:
            self._lock.wait(deadline - time.monotonic())
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self._serve()

            def do_GET(self) -> None:  # noqa: N802
                self._serve()

            def _serve(self) -> None:
                parts = self.path.split("?", 1)[0].strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    self._reply(404, _error(404, "Not Found"))
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = _decode(body, self.headers.get("Content-Type") or "")
                self._reply(*api._answer(parts[0][3:], parts[1], params))

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, e.g. a long poll cancelled on shutdown

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output quiet

        return Handler


_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry later",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = {}
    for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
        value = values[-1]
        if key in _STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
