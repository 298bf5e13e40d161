"""Fixtures for action tests: a tracker factory and a collecting dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker() -> TrackerFactory:
    def make(
        text: str = "",
        intent: str = "greet",
        entities: list[dict[str, Any]] | None = None,
        slots: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        }
        history = list(events or []) + [
            {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
        ]
        return Tracker(
            sender_id="test",
            slots={"language": "en", "city": None, **(slots or {})},
            latest_message=latest,
            events=history,
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return make


def city(value: str, text: str | None = None, start: int = 0) -> dict[str, Any]:
    text = text or value
    return {"entity": "city", "value": value, "start": start, "end": start + len(text)}
