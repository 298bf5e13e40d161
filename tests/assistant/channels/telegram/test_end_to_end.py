"""Telegram end to end: the real Rasa server and action server, the Bot API stand-in on loopback.

Webhook mode runs inside the Rasa server (credentials.yml); polling mode runs in this process and
forwards to the same server's REST channel. One stack serves the whole module.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.channels.telegram.chunks import TEXT_LIMIT, telegram_length
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.polling import TelegramPolling
from assistant.channels.telegram.texts import NOTICES
from assistant.channels.telegram.webhook import SECRET_HEADER
from assistant.settings import Settings
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi
from tests.stack import ROOT, Stack

pytestmark = pytest.mark.slow

pseudonymise = Pseudonymiser(PSEUDONYM_KEY)
# Every Telegram user id used here; none may show up in the tracker store.
USERS: list[int] = []


def new_user() -> int:
    USERS.append(7_310_000_001 + len(USERS) * 7919)
    return USERS[-1]


def long_note(lang: str) -> str:
    sentence = {
        "de": "Zeichen wie <b>fett</b>, 1 < 2, snake_case_name und *Sternchen* bleiben. ",
        "en": "Characters such as <b>bold</b>, 1 < 2, snake_case_name and *stars* stay. ",
    }[lang]
    return "\n\n".join(f"({i}) " + (sentence * 9).strip() for i in range(1, 10))


def knowledge_with_long_note(target: Path) -> Path:
    """A copy of the knowledge files where Windhoek's note is longer than one Telegram message."""
    shutil.copytree(ROOT / "data" / "knowledge", target)
    cities = target / "partner_cities.yml"
    text = cities.read_text(encoding="utf-8")
    for lang, old in (
        ("de", "Windhuk ist Berlins einzige Partnerstadt in Afrika."),
        ("en", "Windhoek is Berlin's only partner city in Africa."),
    ):
        assert text.count(f"{lang}: {old}") == 1, "the Windhoek note in partner_cities.yml changed"
        text = text.replace(
            f"{lang}: {old}", f"{lang}: {json.dumps(long_note(lang), ensure_ascii=False)}"
        )
    cities.write_text(text, encoding="utf-8")
    return target


@dataclass
class TelegramStack:
    stack: Stack
    api: FakeBotApi

    @property
    def webhook(self) -> str:
        return f"{self.stack.url}/webhooks/telegram/webhook"

    def post(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return httpx.post(self.webhook, json=update, headers=headers, timeout=60)

    def replies(self, chat_id: int, at_least: int = 1) -> list[str]:
        """The texts sent to a chat so far.

        The webhook acknowledges an update only after its answer was sent (see the channel's
        `webhook` module), so once `post` has returned, every reply to it is already here.
        """
        texts = self.api.sent_texts(chat_id)
        assert len(texts) >= at_least, texts
        return texts

    def events(self) -> list[tuple[str, str]]:
        with sqlite3.connect(f"file:{self.stack.db}?mode=ro", uri=True) as db:
            return [(str(s), str(d)) for s, d in db.execute("SELECT sender_id, data FROM events")]


@pytest.fixture(scope="module")
def telegram(
    shared_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TelegramStack]:
    """The session's shared stack with the Telegram channel on, against a loopback Bot API."""
    workdir = tmp_path_factory.mktemp("telegram-stack")
    api = FakeBotApi().start()
    stack = shared_stack
    saved = dict(stack.extra_env)
    stack.extra_env.update(
        telegram_env(
            api,
            TELEGRAM_WEBHOOK_URL=f"{stack.url}/webhooks/telegram/webhook",
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            ASSISTANT_KNOWLEDGE_DIR=str(knowledge_with_long_note(workdir / "knowledge")),
        )
    )
    try:
        stack.start()
        api.wait_for(lambda: bool(api.calls("setWebhook", ok_only=True)), timeout=60)
        yield TelegramStack(stack, api)
    finally:
        # The next user of the shared stack gets it back without Telegram (start() restarts it).
        stack.extra_env.clear()
        stack.extra_env.update(saved)
        api.stop()


def test_webhook_is_registered_with_the_secret(telegram: TelegramStack) -> None:
    [call] = telegram.api.calls("setWebhook")
    assert call.params["url"] == telegram.webhook
    assert call.params["secret_token"] == WEBHOOK_SECRET
    status = httpx.get(f"{telegram.stack.url}/webhooks/telegram/", timeout=10).json()
    assert status == {"status": "ready"}


def test_text_updates_are_answered_in_their_language_in_the_right_chat(
    telegram: TelegramStack,
) -> None:
    german, english = new_user(), new_user()
    assert (
        telegram.post(
            build.text_update(german, "Welche Partnerstädte hat Berlin?", language_code="de")
        ).status_code
        == 200
    )
    assert (
        telegram.post(
            build.text_update(english, "Which partner cities does Berlin have?", language_code="en")
        ).status_code
        == 200
    )
    german_reply, english_reply = (
        "\n".join(telegram.replies(german)),
        "\n".join(telegram.replies(english)),
    )
    assert "19 Partnerstädte" in german_reply and "Quelle" in german_reply
    assert "19 partner cities" in english_reply and "Source" in english_reply


@pytest.mark.parametrize(
    ("lang", "greeting", "topic"),
    [("de", "Guten Tag", "Partnerstädte"), ("en", "Hello", "Partner cities")],
)
def test_start_greets_in_the_visitors_language_with_buttons(
    telegram: TelegramStack, lang: str, greeting: str, topic: str
) -> None:
    user = new_user()
    telegram.post(build.text_update(user, "/start", language_code=lang))
    [reply] = telegram.replies(user)
    assert reply.startswith(greeting)
    [message] = telegram.api.sent_messages(user)
    first_button = message["reply_markup"]["inline_keyboard"][0][0]
    assert first_button == {"text": topic, "callback_data": "/list_partner_cities"}


def test_button_press_round_trip(telegram: TelegramStack) -> None:
    user = new_user()
    telegram.post(build.text_update(user, "/start", language_code="de"))
    telegram.replies(user)
    unit_buttons = telegram.api.sent_messages(user)[0]["reply_markup"]["inline_keyboard"]
    press = build.button_update(user, unit_buttons[0][0]["callback_data"], language_code="de")
    assert telegram.post(press).status_code == 200
    replies = telegram.replies(user, at_least=2)
    assert "19 Partnerstädte" in replies[1]
    answered = [c.params["callback_query_id"] for c in telegram.api.calls("answerCallbackQuery")]
    assert press["callback_query"]["id"] in answered


@pytest.mark.parametrize(
    ("lang", "expected"), [("de", "Ich kann Ihnen sagen"), ("en", "I can tell you")]
)
def test_help_lists_the_topics(telegram: TelegramStack, lang: str, expected: str) -> None:
    user = new_user()
    telegram.post(build.text_update(user, "/help", language_code=lang))
    [reply] = telegram.replies(user)
    assert reply.startswith(expected)
    assert len(telegram.api.sent_messages(user)[0]["reply_markup"]["inline_keyboard"]) == 4


def test_language_command_switches_the_conversation(telegram: TelegramStack) -> None:
    user = new_user()
    telegram.post(
        build.text_update(user, "Hallo, wie viele Partnerstädte hat Berlin?", language_code="de")
    )
    assert "Partnerstädte" in telegram.replies(user)[-1]
    telegram.post(build.text_update(user, "/language en", language_code="de"))
    assert telegram.replies(user, at_least=2)[-1] == "Sure, I will answer in English from now on."
    telegram.post(build.text_update(user, "Paris?", language_code="de"))
    assert "France" in telegram.replies(user, at_least=3)[-1]


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_wrong_or_missing_secret_gets_403_and_reaches_nothing(
    telegram: TelegramStack, secret: str | None
) -> None:
    user = new_user()
    response = telegram.post(
        build.text_update(user, "Welche Partnerstädte hat Berlin?"), secret=secret
    )
    assert response.status_code == 403
    # A valid update from the same chat afterwards is the barrier: once its one answer has
    # arrived, a processed rejected update would have shown up too (one chat, one order).
    telegram.post(build.text_update(user, "Hallo", language_code="de"))
    telegram.api.wait_for(lambda: len(telegram.api.sent_texts(user)) >= 1, timeout=60)
    assert len(telegram.api.sent_texts(user)) == 1
    texts = [data for sender, data in telegram.events() if sender == pseudonymise(user)]
    assert not any("Welche Partnerstädte" in data for data in texts)


@pytest.mark.parametrize(("status", "retry_after"), [(429, 1), (500, None), (502, None)])
def test_reply_arrives_once_despite_flood_control_and_server_errors(
    telegram: TelegramStack, status: int, retry_after: int | None
) -> None:
    user = new_user()
    failures_before = len([c for c in telegram.api.calls("sendMessage") if c.status == status])
    telegram.api.fail_next("sendMessage", status, retry_after=retry_after)
    telegram.post(
        build.text_update(user, "How many partner cities does Berlin have?", language_code="en")
    )
    [reply] = telegram.replies(user)
    assert "19" in reply
    failures = [c for c in telegram.api.calls("sendMessage") if c.status == status]
    assert len(failures) == failures_before + 1 and failures[-1].params["chat_id"] == user


@pytest.mark.parametrize(
    ("lang", "question"), [("de", "Erzähl mir was über Windhuk"), ("en", "Tell me about Windhoek")]
)
def test_long_reply_arrives_split_with_formatting_characters_intact(
    telegram: TelegramStack, lang: str, question: str
) -> None:
    user = new_user()
    telegram.post(build.text_update(user, question, language_code=lang))
    pieces = telegram.replies(user, at_least=2)
    assert all(telegram_length(p) <= TEXT_LIMIT for p in pieces)
    # The knowledge store joins the note into one paragraph, so the cut falls after a sentence;
    # nothing is escaped, changed or lost.
    assert pieces[0].endswith(".")
    assert " ".join(long_note(lang).split()) in " ".join(" ".join(pieces).split())
    assert all("parse_mode" not in m for m in telegram.api.sent_messages(user))


def test_non_text_updates_get_a_notice_and_the_chat_goes_on(telegram: TelegramStack) -> None:
    user = new_user()
    for update in (
        build.content_update(user, language_code="de", **build.PHOTO),
        build.content_update(user, language_code="de", **build.VOICE),
        build.edited_update(user, "Korrektur", language_code="de"),
        build.text_update(user, "Hallo zusammen", chat_id=-100_777, chat_type="group"),
    ):
        assert telegram.post(update).status_code == 200
    notices = telegram.replies(user, at_least=3)
    assert notices == [NOTICES["unsupported_content"]["de"]] * 2 + [NOTICES["edited_message"]["de"]]
    assert telegram.api.sent_texts(-100_777) == []
    telegram.post(build.text_update(user, "Seit wann ist Tokio Partnerstadt?", language_code="de"))
    assert "Tokio" in telegram.replies(user, at_least=4)[-1]


async def test_polling_answers_queued_updates_and_confirms_the_offset(
    telegram: TelegramStack, tmp_path: Path
) -> None:
    api = FakeBotApi().start()
    try:
        settings = Settings.from_env(
            telegram_env(api, ASSISTANT_RASA_URL=telegram.stack.url), env_file=tmp_path / "no.env"
        )
        german, english = new_user(), new_user()
        queued = [
            build.text_update(german, "Welche Partnerstädte hat Berlin?", language_code="de"),
            build.text_update(english, "/start", language_code="en"),
        ]
        for update in queued:
            api.queue_update(update)
        stop = asyncio.Event()
        run = asyncio.create_task(TelegramPolling(settings, poll_timeout=1).run(stop))
        await api.until(
            lambda: bool(api.sent_texts(german)) and bool(api.sent_texts(english)), timeout=90
        )
        stop.set()
        assert await asyncio.wait_for(run, timeout=30) == 0
        assert "19 Partnerstädte" in api.sent_texts(german)[0]
        assert api.sent_texts(english)[0].startswith("Hello")
        assert api.confirmed_offset == queued[-1]["update_id"] + 1
        answered = api.calls("sendMessage", ok_only=True)

        # A restart fetches nothing old: every update was answered exactly once.
        stop = asyncio.Event()
        run = asyncio.create_task(TelegramPolling(settings, poll_timeout=1).run(stop))
        polls = len(api.calls("getUpdates"))
        await api.until(lambda: len(api.calls("getUpdates")) >= polls + 3, timeout=30)
        stop.set()
        assert await asyncio.wait_for(run, timeout=30) == 0
        assert api.calls("sendMessage", ok_only=True) == answered
    finally:
        api.stop()


def test_tracker_store_holds_pseudonyms_never_telegram_ids(telegram: TelegramStack) -> None:
    events = telegram.events()
    senders = {sender for sender, _ in events}
    talked = [u for u in USERS if _talked_to_rasa(telegram, u)]
    assert talked and all(pseudonymise(u) in senders for u in talked)
    for user in USERS:
        for sender, data in events:
            assert str(user) not in sender and str(user) not in data


def _talked_to_rasa(telegram: TelegramStack, user: int) -> bool:
    """Whether a user got a reply from the assistant (not only the channel's notices)."""
    notices = {text for texts in NOTICES.values() for text in texts.values()}
    return any(text not in notices for text in telegram.api.sent_texts(user))


def test_polling_command_with_a_bad_token_exits_with_one_clear_line(tmp_path: Path) -> None:
    api = FakeBotApi().start()
    try:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "RASA_TELEMETRY_ENABLED": "false",
            **telegram_env(api, TELEGRAM_BOT_TOKEN="999:wrong-token-value"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "telegram"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        api.stop()
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "TELEGRAM_BOT_TOKEN" in errors[0], done.stderr
    assert "wrong-token-value" not in done.stderr + done.stdout
