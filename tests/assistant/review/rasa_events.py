"""Conversations written straight into a store's `events` table, as Rasa stores them: for tests
that need many conversations or exact texts without the real stack."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Engine

from assistant.review.schema import events


def say(
    engine: Engine,
    sender: str,
    text: str,
    when: float,
    channel: str = "rest",
    intent: str = "ask_is_partner",
    confidence: float = 0.9,
    lang: str = "en",
    reason: str = "words",
    rating: str | None = "down",
) -> None:
    """One visitor message, its answer and (unless `rating` is None) a rating of the answer."""
    user = {
        "event": "user",
        "timestamp": when,
        "text": text,
        "input_channel": channel,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "language": {"reply": lang, "reason": reason, "detected": lang},
        },
    }
    written: list[tuple[str, dict[str, Any]]] = [
        ("user", user),
        ("bot", {"event": "bot", "timestamp": when + 1, "text": "An answer."}),
    ]
    if rating:
        value = {"rating": rating, "message": "An answer.", "message_timestamp": when + 1}
        written.append(
            ("slot", {"event": "slot", "timestamp": when + 2, "name": "feedback", "value": value})
        )
    with engine.begin() as conn:
        for type_name, data in written:
            conn.execute(
                events.insert().values(
                    sender_id=sender,
                    type_name=type_name,
                    timestamp=data["timestamp"],
                    intent_name=intent if type_name == "user" else None,
                    data=json.dumps(data),
                )
            )
