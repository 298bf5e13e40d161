"""The running stack under hostile input: oversize bodies are refused at once, and one visitor's
huge message does not hold up the others."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.stack import Stack
from tests.test_stack import new_sender

HUGE = "Wien " * 20_000  # 100 KB: took the stock REST channel 52 s (issue 10)


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["rest", "webchat"])
def test_a_100_kb_message_gets_413_while_others_are_answered(stack: Stack, channel: str) -> None:
    answered: list[int] = []

    def other_visitor() -> None:
        reply = httpx.post(
            f"{stack.url}/webhooks/rest/webhook",
            json={"sender": new_sender(), "message": "Hallo"},
            timeout=30,
        )
        answered.append(reply.status_code)

    other = threading.Thread(target=other_visitor)
    other.start()
    response = httpx.post(
        f"{stack.url}/webhooks/{channel}/webhook",
        json={"sender": new_sender(), "message": HUGE},
        timeout=10,
    )
    other.join(30)
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert answered == [200]


@pytest.mark.slow
def test_a_message_at_the_length_limit_full_of_place_names_is_answered(stack: Stack) -> None:
    text = ("Wien " * 200).strip()  # 999 characters, 200 matches
    response = httpx.post(
        f"{stack.url}/webhooks/rest/webhook",
        json={"sender": new_sender(), "message": text},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()
