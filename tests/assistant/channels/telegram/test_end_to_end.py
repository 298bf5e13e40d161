"""Telegram end to end: the real Rasa server and action server, the Bot API stand-in on loopback.

Webhook mode runs inside the Rasa server (credentials.yml); polling mode runs in this process and
forwards to the same server's REST channel. The session's shared stack (tests/conftest.py) runs
the Telegram channel from its first start, so this module needs no restart. Facts are taken
from the knowledge the stack answers from, not copied from data/knowledge.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.polling import TelegramPolling
from assistant.channels.telegram.texts import NOTICES
from assistant.channels.telegram.webhook import SECRET_HEADER
from assistant.knowledge import Knowledge
from assistant.lang import Lang
from assistant.settings import Settings
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi
from tests.stack import ROOT, Stack, assert_language, sqlite_write_locked
from tests.test_stack import QUESTIONS

pytestmark = pytest.mark.slow

pseudonymise = Pseudonymiser(PSEUDONYM_KEY)
# Every Telegram user id used here; none may show up in the tracker store.
USERS: list[int] = []


def new_user() -> int:
    USERS.append(7_310_000_001 + len(USERS) * 7919)
    return USERS[-1]


def partner_cities(k: Knowledge, lang: Lang) -> str:
    """How a list of the partner cities begins: their number ("19 Partnerstädte")."""
    return f"{len(k.partner_cities)} " + {"de": "Partnerstädte", "en": "partner cities"}[lang]


def assert_count_answer(reply: str, k: Knowledge, lang: Lang) -> None:
    """`reply` answers "how many partner cities?" as the REST tests expect, in `lang`."""
    assert_language(reply, lang)
    _, expect = QUESTIONS["count"]
    for part in expect(k, lang):
        assert part in reply, reply


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


@pytest.fixture
def telegram(stack: Stack, shared_bot_api: FakeBotApi) -> TelegramStack:
    """The session's shared stack, running, with its Telegram channel registered at the stand-in."""
    shared_bot_api.wait_for(lambda: bool(shared_bot_api.calls("setWebhook", ok_only=True)))
    return TelegramStack(stack, shared_bot_api)


def test_webhook_is_registered_with_the_secret(telegram: TelegramStack) -> None:
    calls = telegram.api.calls("setWebhook")  # one per start of the stack
    assert calls and all(c.params["url"] == telegram.webhook for c in calls)
    assert all(c.params["secret_token"] == WEBHOOK_SECRET for c in calls)
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
    k = telegram.stack.knowledge()
    for user, lang, source in (
        (german, "de", "Quelle: https://"),
        (english, "en", "Source: https://"),
    ):
        reply = "\n".join(telegram.replies(user))
        assert_language(reply, lang)  # type: ignore[arg-type]
        assert partner_cities(k, lang) in reply and source in reply  # type: ignore[arg-type]
        assert all(city.name(lang) in reply for city in k.partner_cities)  # type: ignore[arg-type]


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
    assert_language(replies[1], "de")
    assert partner_cities(telegram.stack.knowledge(), "de") in replies[1]
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
    k = telegram.stack.knowledge()
    telegram.post(
        build.text_update(user, "Hallo, wie viele Partnerstädte hat Berlin?", language_code="de")
    )
    assert_count_answer(telegram.replies(user)[-1], k, "de")
    telegram.post(build.text_update(user, "/language en", language_code="de"))
    assert telegram.replies(user, at_least=2)[-1] == "Sure, I will answer in English from now on."
    telegram.post(build.text_update(user, "Paris?", language_code="de"))  # the same in both
    reply = telegram.replies(user, at_least=3)[-1]
    paris = k.partner("paris")
    assert paris is not None
    assert_language(reply, "en")
    assert k.countries[paris.country].name("en") in reply


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
    assert_count_answer(reply, telegram.stack.knowledge(), "en")
    failures = [c for c in telegram.api.calls("sendMessage") if c.status == status]
    assert len(failures) == failures_before + 1 and failures[-1].params["chat_id"] == user


def test_an_update_sent_again_is_answered_once_and_kept_in_the_tracker_database(
    telegram: TelegramStack,
) -> None:
    user = new_user()
    update = build.text_update(
        user, "How many partner cities does Berlin have?", language_code="en"
    )
    assert telegram.post(update).status_code == 200
    [reply] = telegram.replies(user)
    assert telegram.post(update).status_code == 200  # Telegram did not get the first 200
    assert telegram.api.sent_texts(user) == [reply]
    # Remembered where a restarted server finds it: the tracker store's database.
    with sqlite3.connect(f"file:{telegram.stack.db}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT owner FROM telegram_updates WHERE update_id = ?", (update["update_id"],)
        ).fetchall()
    assert rows == [(None,)]  # answered
    events = [
        json.loads(data) for sender, data in telegram.events() if sender == pseudonymise(user)
    ]
    assert [e["text"] for e in events if e["event"] == "user"] == [update["message"]["text"]]


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
    reply = telegram.replies(user, at_least=4)[-1]
    tokyo = telegram.stack.knowledge().partner("tokyo")
    assert tokyo is not None
    assert_language(reply, "de")
    assert tokyo.name("de") in reply and str(tokyo.since.year) in reply


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
        assert_language(api.sent_texts(german)[0], "de")
        assert partner_cities(telegram.stack.knowledge(), "de") in api.sent_texts(german)[0]
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
    # A conversation of its own, so that the test does not depend on the tests before it;
    # the users of those are checked as well.
    user = new_user()
    telegram.post(build.text_update(user, "Welche Partnerstädte hat Berlin?", language_code="de"))
    events = telegram.events()
    senders = {sender for sender, _ in events}
    talked = [u for u in USERS if _talked_to_rasa(telegram, u)]
    assert user in talked and all(pseudonymise(u) in senders for u in talked)
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


def test_a_restarted_polling_process_does_not_answer_an_update_again(
    telegram: TelegramStack, tmp_path: Path
) -> None:
    """Two runs of `berlin-assistant telegram` beside the stack, the second after the first
    answered, confirmed and stopped; Telegram then sends the update again (the confirmation
    was lost). The second run finds it in the tracker database of the stack's endpoints."""
    api = FakeBotApi().start()
    user = new_user()
    update = build.text_update(user, "Seit wann ist Tokio Partnerstadt?", language_code="de")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RASA_TELEMETRY_ENABLED": "false",
        "ASSISTANT_ENV_FILE": "",
        **telegram_env(api, ASSISTANT_RASA_URL=telegram.stack.url),
    }
    command = [
        sys.executable,
        *("-m", "assistant.cli", "telegram", "--endpoints", str(telegram.stack.endpoints)),
    ]

    def confirmations() -> int:
        return sum(
            c.params.get("offset") == update["update_id"] + 1 for c in api.calls("getUpdates")
        )

    def run_until(condition: Callable[[], bool]) -> None:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE)
        try:
            api.wait_for(condition, timeout=120)
        finally:
            process.send_signal(signal.SIGTERM)  # a clean stop: answers and confirms
            _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr.decode()

    try:
        api.queue_update(update)
        run_until(lambda: bool(api.sent_texts(user)) and confirmations() > 0)
        [reply] = api.sent_texts(user)
        assert "Tokio" in reply
        api.queue_update(update)  # sent again
        before = confirmations()
        run_until(lambda: confirmations() > before)  # fetched it, and confirmed it
    finally:
        api.stop()
    assert api.sent_texts(user) == [reply]
    events = [
        json.loads(data) for sender, data in telegram.events() if sender == pseudonymise(user)
    ]
    assert [e["text"] for e in events if e["event"] == "user"] == [update["message"]["text"]]


def test_an_answer_whose_turn_cannot_be_stored_gets_no_notice_and_nothing_is_stored(
    telegram: TelegramStack,
) -> None:
    user = new_user()
    k = telegram.stack.knowledge()
    sender = pseudonymise(user)
    with sqlite_write_locked(telegram.stack.db):  # reads go on, the save after the answer fails
        assert telegram.post(
            build.text_update(user, "Wie viele Partnerstädte hat Berlin?")
        ).is_success
    [answer] = telegram.replies(user)
    assert_count_answer(answer, k, "de")
    assert not any(sender == s for s, _ in telegram.events())  # not kept in memory either
    assert telegram.post(build.text_update(user, "Wie viele Partnerstädte hat Berlin?")).is_success
    again = telegram.replies(user, at_least=2)
    assert len(again) == 2
    assert_count_answer(again[1], k, "de")
    assert any(sender == s for s, _ in telegram.events())
