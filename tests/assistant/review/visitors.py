"""Real conversations for the console's tests, sent through the running stack: both languages,
over the web chat (with thumbs), Telegram's path into Rasa and REST."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import httpx

from assistant.review.schema import FTS_TABLE
from tests.stack import Stack

SCRIPT = "<script>window.__xss=1</script><img src=x onerror=window.__xss=2>"
SQL = "'; DROP TABLE events; -- \" OR 1=1"
# name: (channel, language hint, messages, rating of the last answer or None)
CONVERSATIONS: dict[str, tuple[str, str, list[str], str | None]] = {
    "web_de": (
        "web",
        "de",
        ["Welche Partnerstädte hat Berlin?", "Ist Paris eine Partnerstadt?"],
        "down",
    ),
    "web_en": ("web", "en", ["Is Vienna a partner city?"], "up"),
    "telegram_de": ("telegram", "de", ["Seit wann ist Tokio Partnerstadt?"], None),
    "telegram_en": ("telegram", "en", ["Who do I contact about a state visit?"], None),
    "rest_de": ("rest", "de", ["Wie viele Partnerstädte hat Berlin?"], None),
    "rest_en": ("rest", "en", [f"{SCRIPT} Is London a partner city?", SQL, "blorf zzz qqq"], None),
}


def fill(stack: Stack) -> dict[str, str]:
    """Hold the conversations through the stack; returns name -> sender id."""
    senders: dict[str, str] = {}
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        for name, (channel, lang, texts, rating) in CONVERSATIONS.items():
            # Telegram's polling bridge reaches Rasa over REST with a `tg-` pseudonym
            # (assistant/channels/telegram/polling.py, identity.py).
            sender = {
                "web": uuid.uuid4().hex,
                "telegram": f"tg-{uuid.uuid4().hex}",
                "rest": f"rest-{uuid.uuid4().hex}",
            }[channel]
            senders[name] = sender
            path = "/webhooks/webchat/webhook" if channel == "web" else "/webhooks/rest/webhook"
            last = ""
            for text in texts:
                response = client.post(
                    path, json={"sender": sender, "message": text, "metadata": {"language": lang}}
                )
                assert response.status_code == 200, response.text
                body = response.json()
                replies = body["messages"] if isinstance(body, dict) else body
                last = replies[-1]["text"]
            if rating:
                response = client.post(
                    "/webhooks/webchat/feedback",
                    json={"sender": sender, "rating": rating, "message": last},
                )
                assert response.status_code < 300, response.text
    return senders


# Tables of the review console (assistant/review/schema.py) in the tracker database.
_CONSOLE_TABLES = ("review_", "console_", "fts_review_")


def copy_store(source: Path, target: Path, keep: set[str]) -> None:
    """A consistent copy of the stack's SQLite store holding only the conversations `keep`
    (other tests of the session write to the same store), as Rasa wrote it.

    The console's own tables are left out: when the stack's console has already indexed the
    store (a web test ran first), its index holds every conversation of the session, and a
    copy of it would show conversations that the copy's events no longer have.
    """
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
        marks = ",".join("?" * len(keep))
        copy.execute(f"DELETE FROM events WHERE sender_id NOT IN ({marks})", tuple(keep))
        ours = sorted(
            (
                name
                for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if name.startswith(_CONSOLE_TABLES)
            ),
            key=lambda name: name != FTS_TABLE,
        )
        # The full-text table first: it drops its shadow tables, and it needs them to be dropped.
        for name in ours:
            if copy.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone():
                copy.execute(f'DROP TABLE "{name}"')
        copy.commit()
