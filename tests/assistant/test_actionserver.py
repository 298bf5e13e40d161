"""The action server's error answers and logs: a failing action's answer and log name the
failure but never quote the visitor (rasa_sdk echoes the whole request body)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic

from assistant.actionserver import create_app

SECRET_TEXT = "Meine Telefonnummer ist 0176 5550199"


class ActionExplodeForTest(Action):
    """Fails with the visitor's text in its exception, as a careless action might."""

    def name(self) -> str:
        return "action_explode_for_test"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        raise ValueError(f"cannot parse {tracker.latest_message.get('text')}")


@pytest.fixture
async def action_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = create_app(__name__)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.after_start()
    yield f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}"
    await server.before_stop()
    await server.close()
    await server.after_stop()


def _call(action: str) -> dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": "visitor",
        "tracker": {
            "sender_id": "visitor",
            "slots": {},
            "latest_message": {"text": SECRET_TEXT, "intent": {}, "entities": []},
            "events": [{"event": "user", "text": SECRET_TEXT}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
        "version": "3.6.2",
    }


async def test_a_failing_action_answers_500_without_visitor_text(
    action_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{action_url}/webhook", json=_call("action_explode_for_test"))
    assert response.status_code == 500
    assert response.json() == {"error": "the action failed (ValueError)"}
    assert "ValueError" in caplog.text and "ActionExplodeForTest" not in response.text
    assert "0176" not in caplog.text and "Telefonnummer" not in caplog.text
    assert "0176" not in response.text


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"not json", 400), (b"[]", 500)],
)
async def test_bad_action_calls_do_not_echo_the_body(
    action_url: str, caplog: pytest.LogCaptureFixture, content: bytes, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{action_url}/webhook", content=content)
    assert response.status_code == status
    assert "request_body" not in response.text
    assert content.decode() not in response.json()["error"]


async def test_the_action_server_still_runs_actions_and_reports_health(action_url: str) -> None:
    async with httpx.AsyncClient() as client:
        health = await client.get(f"{action_url}/health")
        unknown = await client.post(f"{action_url}/webhook", json=_call("action_nobody_knows"))
    assert health.json() == {"status": "ok"}
    assert unknown.status_code == 404
