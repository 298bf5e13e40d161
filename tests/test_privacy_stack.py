"""Through the real servers: contact and bank data never reach the tracker database."""

from __future__ import annotations

import sqlite3
import uuid

import httpx
import pytest

from tests.stack import Stack, assert_language

pytestmark = pytest.mark.slow

ORIGINALS = [
    "max.muster@example.org",
    "+49 30 1234567",
    "0176 12345678",
    "DE89 3704 0044 0532 0130 00",
]


def _stored(stack: Stack, sender: str) -> str:
    with sqlite3.connect(f"file:{stack.db}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(
    ("channel", "lang", "text"),
    [
        (
            "rest",
            "de",
            "Ich bin max.muster@example.org, Tel. +49 30 1234567. Welche Partnerstädte hat Berlin?",
        ),
        (
            "webchat",
            "en",
            "My mobile is 0176 12345678, IBAN DE89 3704 0044 0532 0130 00. Is Vienna a partner?",
        ),
    ],
)
def test_personal_data_is_replaced_before_it_is_stored(
    stack: Stack, channel: str, lang: str, text: str
) -> None:
    if channel == "rest":
        sender = f"privacy-{uuid.uuid4().hex[:8]}"
        replies = stack.ask(sender, text)
    else:
        sender = uuid.uuid4().hex  # the widget's own session ids
        response = httpx.post(
            f"{stack.url}/webhooks/webchat/webhook",
            json={"sender": sender, "message": text, "metadata": {"language": lang}},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        replies = [m["text"] for m in response.json()["messages"]]
    # The rest of the message is answered, in the visitor's language.
    answer = "\n".join(replies)
    assert answer and "[" not in answer
    assert_language(answer, lang)  # type: ignore[arg-type]
    stored = _stored(stack, sender)
    assert "[email]" in stored or "[phone]" in stored
    for original in ORIGINALS:
        assert original not in stored
        assert original.replace(" ", "") not in stored.replace(" ", "")
