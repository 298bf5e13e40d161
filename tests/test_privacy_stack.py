"""Privacy through the real servers (issue 8): contact and bank data never reach the tracker
database or the logs on any channel, visitor text never reaches the logs even at DEBUG, and the
retention purge leaves nothing of an old conversation behind.

One stack of its own for the module, with the Telegram channel on against a loopback Bot API
stand-in of its own. It cannot be the session's shared stack (tests/conftest.py):

- it must start on a tracker database that already holds a conversation older than the
  retention period, to see `serve` purge it when it starts; the shared stack starts once, on an
  empty database, before any test could seed it;
- every one of its processes logs at DEBUG, where Rasa writes parse data, slots and events. The
  shared stack logs at INFO as `make run` does; at DEBUG all of the session's messages would be
  answered more slowly and logged at about twenty times the volume (measured: 6 KB instead of
  0.35 KB a message) for the sake of these few tests.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import cli
from assistant.channels.telegram.webhook import SECRET_HEADER
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi
from tests.stack import Stack, assert_language

pytestmark = pytest.mark.slow

DAY = 86_400.0
# In the database before the stack starts, 400 days old: `serve` purges it when it starts.
SEEDED_MARKER = "Seededquokka4711"


@dataclass
class PrivacyStack:
    stack: Stack
    api: FakeBotApi
    telegram_users: list[int]

    def log(self) -> str:
        return self.stack.log.read_text(encoding="utf-8", errors="replace")

    def database_bytes(self) -> bytes:
        return b"".join(
            p.read_bytes()
            for p in self.stack.db.parent.iterdir()
            if p.name.startswith(self.stack.db.name)
        )

    def ask(
        self, channel: str, lang: str, text: str, metadata: dict[str, Any] | None = None
    ) -> str:
        """Send `text` on `channel` and return the assistant's answer. `metadata` goes along as
        the channel allows: REST's and the web chat's `metadata`, Telegram's profile fields of
        the sender (first and last name, user name), which are all it sends about a visitor."""
        if channel == "rest":
            return "\n".join(self.stack.ask(f"privacy-{uuid.uuid4().hex[:8]}", text, metadata))
        if channel == "webchat":
            replies = webchat(self.stack, uuid.uuid4().hex, text, lang, metadata)
            return "\n".join(m["text"] for m in replies)
        user = 7_420_000_001 + len(self.telegram_users) * 7919
        self.telegram_users.append(user)
        update = build.text_update(user, text, language_code=lang)
        if metadata:
            sender = update["message"]["from"]
            values = [str(v) for v in metadata.values()]
            sender["first_name"], sender["last_name"] = values[0], " ".join(values[1:]) or "X"
            sender["username"] = "visitor_" + "".join(c for c in values[0] if c.isdigit())
        response = httpx.post(
            f"{self.stack.url}/webhooks/telegram/webhook",
            json=update,
            headers={SECRET_HEADER: WEBHOOK_SECRET},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        self.api.wait_for(lambda: bool(self.api.sent_texts(user)), timeout=90)
        return "\n".join(self.api.sent_texts(user))

    def log_is_flushed(self) -> None:
        """Wait until everything logged so far is in the log file: a last conversation's
        session start is logged after every line of the conversations before it."""
        sender = f"flush-{uuid.uuid4().hex[:8]}"
        self.stack.ask(sender, "Hallo")
        deadline = time.monotonic() + 30
        while f"conversation ID '{sender}'" not in self.log():
            assert time.monotonic() < deadline, "the log did not catch up"
            time.sleep(0.1)


def webchat(
    stack: Stack, sender: str, text: str, lang: str, metadata: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{stack.url}/webhooks/webchat/webhook",
        json={
            "sender": sender,
            "message": text,
            "metadata": {**(metadata or {}), "language": lang},
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def seed_old_conversation(db: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    old = time.time() - 400 * DAY
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    events = [
        UserUttered(f"Ist {SEEDED_MARKER} eine Partnerstadt?", timestamp=old),
        SlotSet("feedback", {"rating": "down", "message": SEEDED_MARKER}, timestamp=old),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events("seeded-visitor", events)))
    store.engine.dispose()


@pytest.fixture(scope="module")
def privacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivacyStack]:
    workdir = tmp_path_factory.mktemp("privacy-stack")
    api = FakeBotApi().start()
    stack = Stack(workdir)
    seed_old_conversation(stack.db)
    assert SEEDED_MARKER.encode() in stack.db.read_bytes()
    stack.extra_env.update(
        {
            "LOG_LEVEL": "DEBUG",
            **telegram_env(
                api,
                TELEGRAM_WEBHOOK_URL=f"{stack.url}/webhooks/telegram/webhook",
                TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            ),
        }
    )
    try:
        stack.start()
        api.wait_for(lambda: bool(api.calls("setWebhook", ok_only=True)), timeout=60)
        yield PrivacyStack(stack, api, [])
    finally:
        if stack.running:
            stack.stop()
        api.stop()


# Each case: what the visitor writes (contact or bank data around a question) and the originals.
CASES = {
    "de": (
        "Ich bin max.muster@example.org, Tel. +49 30 1234567 oder 030/9026-4711, "
        "IBAN DE89 3704 0044 0532 0130 00. Welche Partnerstädte hat Berlin?",
        [
            "max.muster@example.org",
            "+49 30 1234567",
            "9026-4711",
            "DE89 3704 0044 0532 0130 00",
        ],
    ),
    "en": (
        "My mobile is 0176 12345678, office (030) 9026 1234, mail Jane.Doe@Example.co.uk. "
        "Is Vienna a partner city?",
        ["0176 12345678", "9026 1234", "Jane.Doe@Example.co.uk"],
    ),
}


@pytest.mark.parametrize("channel", ["rest", "webchat", "telegram"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_personal_data_is_replaced_before_it_is_stored_or_logged(
    privacy: PrivacyStack, channel: str, lang: str
) -> None:
    text, originals = CASES[lang]
    # Our REST channel passes any metadata on: it is redacted like the text. The web chat keeps
    # only the language of its metadata; Telegram's profile fields are not passed on at all.
    metadata = {"note": "call +49 176 98765432", "contact": "meta.person@example.com"}
    answer = privacy.ask(channel, lang, text, metadata)
    # The rest of the message is answered, in the visitor's language, without placeholders.
    assert answer and "[" not in answer
    assert_language(answer, lang)  # type: ignore[arg-type]
    privacy.log_is_flushed()
    stored, log = privacy.database_bytes(), privacy.log()
    assert b"[email]" in stored and b"[phone]" in stored
    for original in [*originals, "98765432", "meta.person@example.com"]:
        for form in {original, original.replace(" ", "")}:
            assert form.encode() not in stored, form
            assert form not in log, form


@pytest.mark.parametrize("channel", ["rest", "webchat", "telegram"])
def test_visitor_text_never_reaches_the_log_even_at_debug(
    privacy: PrivacyStack, channel: str
) -> None:
    marker = f"Wombatgasse{uuid.uuid4().hex[:6]}"
    answers = [
        privacy.ask(channel, "de", f"Ist {marker} eine Partnerstadt von Berlin?"),
        privacy.ask(channel, "en", f"Tell me about {marker} and its partner cities"),
    ]
    assert all(answers)
    privacy.log_is_flushed()
    log = privacy.log()
    assert "processor.message.parse" in log  # Rasa did log the parse at DEBUG
    assert marker.lower() not in log.lower()
    assert marker.encode() in privacy.database_bytes()  # stored, as it may be: no contact data


def test_serve_purges_the_database_of_its_endpoints_file_when_it_starts(
    privacy: PrivacyStack,
) -> None:
    deadline = time.monotonic() + 60
    while "Retention purge: deleted 2 events" not in privacy.log():
        assert time.monotonic() < deadline, privacy.stack.tail()
        time.sleep(0.2)
    assert SEEDED_MARKER.encode() not in privacy.database_bytes()


def events_of(db: Path, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def age_conversation(db: Path, sender: str, days: float) -> None:
    """Move a whole conversation `days` into the past (the column and the event's JSON)."""
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE events SET timestamp = timestamp - ?, "
            "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - ?) "
            "WHERE sender_id = ?",
            (days * DAY, days * DAY, sender),
        )


def test_an_old_conversation_continued_today_leaves_nothing_behind(
    privacy: PrivacyStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack, sender = privacy.stack, uuid.uuid4().hex
    # The answer names the unknown town, so the rated text (feedback slot) holds it too.
    [rated] = [m["text"] for m in webchat(stack, sender, "Is Oldquokka0815 a partner city?", "en")]
    assert "Oldquokka0815" in rated
    feedback = httpx.post(
        f"{stack.url}/webhooks/webchat/feedback",
        json={"sender": sender, "rating": "down", "message": rated},
        timeout=30,
    )
    assert feedback.status_code == 201
    before = events_of(stack.db, sender)
    slots = {e["name"]: e["value"] for e in before if e["event"] == "slot"}
    assert slots["feedback"]["message"] == rated and slots["context"]
    age_conversation(stack.db, sender, 100)

    # Continued today: a new session, which starts without the old slots.
    assert webchat(stack, sender, "Welche Partnerstädte hat Berlin?", "de")
    events = events_of(stack.db, sender)
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    assert len(starts) == 2
    new_session = json.dumps(events[starts[-1] :], ensure_ascii=False)
    assert "Oldquokka0815" not in new_session and rated not in new_session
    assert "feedback" not in {e.get("name") for e in events[starts[-1] :] if e["event"] == "slot"}
    today = [e for e in events if e["timestamp"] > time.time() - DAY]
    assert len(today) == len(events) - len(before)  # the old session kept its old timestamps

    # The cron purge with a 30-day period: nothing of the old session remains, the new stays.
    monkeypatch.setenv("ASSISTANT_ENV_FILE", "")
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "30")
    assert cli.main(["purge", "--endpoints", str(stack.endpoints)]) == 0
    summary = capsys.readouterr().out
    assert re.fullmatch(r"Retention purge: deleted \d+ events .* older than 30 days\.\n", summary)
    remaining = events_of(stack.db, sender)
    assert remaining == today
    raw = privacy.database_bytes()
    assert b"Oldquokka0815" not in raw


def test_feedback_stores_the_assistants_words_never_the_posted_text(
    privacy: PrivacyStack,
) -> None:
    sender = uuid.uuid4().hex
    answer = webchat(privacy.stack, sender, "Is Vienna a partner city?", "en")[-1]["text"]
    posted = "reach me at feedback.fan@example.net"
    response = httpx.post(
        f"{privacy.stack.url}/webhooks/webchat/feedback",
        json={"sender": sender, "rating": "up", "message": posted},
        timeout=30,
    )
    assert response.status_code == 404  # no answer of the assistant has this text
    assert answer and b"feedback.fan@example.net" not in privacy.database_bytes()
