from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.ext import TypeHandler

from assistant.channels.telegram.bridge import TelegramBridge, build_application
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.output import TelegramOutput
from assistant.channels.telegram.texts import NOTICES
from assistant.channels.telegram.updates import Incoming
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, Sleeps
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi

USER = 4242424501


class EchoAssistant:
    """Stands in for Rasa: answers every message with its text, after an optional delay."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []
        self.delays: dict[str, float] = {}

    async def __call__(self, incoming: Incoming, output: TelegramOutput) -> None:
        self.received.append(incoming)
        await asyncio.sleep(self.delays.get(incoming.text, 0))
        if incoming.text == "kaputt":
            raise RuntimeError("the assistant is down")
        await output.send_response(
            incoming.sender_id,
            {"text": f"echo: {incoming.text}", "buttons": [{"title": "Mehr", "payload": "/more"}]},
        )


@pytest.fixture
def assistant() -> EchoAssistant:
    return EchoAssistant()


@pytest.fixture
async def bridge(
    bot: Bot, assistant: EchoAssistant, sleeps: Sleeps
) -> AsyncIterator[TelegramBridge]:
    application = build_application(bot, max_concurrent_updates=16)
    await application.initialize()
    yield TelegramBridge(application, Pseudonymiser(PSEUDONYM_KEY), assistant, sleep=sleeps)
    await application.shutdown()


def update(data: dict[str, Any], bot: Bot) -> Update:
    return Update.de_json(data, bot)


async def test_message_reaches_the_assistant_and_the_reply_the_chat(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hallo Berlin"), bot))
    assert [m.text for m in assistant.received] == ["Hallo Berlin"]
    assert bot_api.sent_texts(USER) == ["echo: Hallo Berlin"]
    assert bot_api.calls("sendChatAction")[0].params == {"chat_id": USER, "action": "typing"}


async def test_button_press_is_answered_and_handled_as_its_payload(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hallo"), bot))
    data = bot_api.sent_messages(USER)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    press = build.button_update(USER, data)
    await bridge.handle(update(press, bot))
    [answer] = bot_api.calls("answerCallbackQuery")
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    assert bot_api.sent_texts(USER)[-1] == "echo: /more"


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_photo_gets_a_notice_in_the_visitors_language(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant, lang: str
) -> None:
    await bridge.handle(update(build.content_update(USER, language_code=lang, **build.PHOTO), bot))
    assert bot_api.sent_texts(USER) == [NOTICES["unsupported_content"][lang]]  # type: ignore[index]
    assert assistant.received == []


async def test_notice_without_a_known_language_is_bilingual(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(
        update(build.content_update(USER, language_code="fr", **build.STICKER), bot)
    )
    [text] = bot_api.sent_texts(USER)
    assert (
        NOTICES["unsupported_content"]["de"] in text
        and NOTICES["unsupported_content"]["en"] in text
    )


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_failing_assistant_gets_an_apology_not_a_crash(
    bridge: TelegramBridge,
    bot: Bot,
    bot_api: FakeBotApi,
    lang: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await bridge.handle(update(build.text_update(USER, "kaputt", language_code=lang), bot))
    assert bot_api.sent_texts(USER) == [NOTICES["unavailable"][lang]]  # type: ignore[index]
    assert "kaputt" not in caplog.text


async def test_ignored_updates_send_nothing(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hi", chat_id=-100, chat_type="group"), bot))
    await bridge.handle(update({"update_id": 5, "my_chat_member": None}, bot))
    assert bot_api.calls("sendMessage") == []


async def test_replies_keep_the_order_of_questions_per_chat(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    assistant.delays = {"langsam": 0.3}
    other = USER + 1
    await asyncio.gather(
        bridge.handle(update(build.text_update(USER, "langsam"), bot)),
        bridge.handle(update(build.text_update(USER, "schnell"), bot)),
        bridge.handle(update(build.text_update(other, "anderer Chat"), bot)),
    )
    assert bot_api.sent_texts(USER) == ["echo: langsam", "echo: schnell"]
    chats = [c.params["chat_id"] for c in bot_api.calls("sendMessage")]
    assert chats.index(other) < chats.index(USER)  # another chat does not wait


async def test_no_chat_or_user_ids_are_kept_after_the_reply(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hallo"), bot))
    press = build.button_update(USER, "/more")
    await bridge.handle(update(press, bot))
    assert bot_api.sent_texts(USER) == ["echo: Hallo", "echo: /more"]
    application = bridge.application
    assert not application.chat_data and not application.user_data
    assert application.update_processor.current_concurrent_updates == 0


async def test_an_update_sent_again_is_answered_once(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    data = build.text_update(USER, "Hallo")
    await asyncio.gather(bridge.handle(update(data, bot)), bridge.handle(update(data, bot)))
    await bridge.handle(update(data, bot))
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert len(assistant.received) == 1


async def test_an_update_that_failed_is_handled_when_sent_again(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [RuntimeError("a bug after the reply")]

    async def fail_once(update: object, context: object) -> None:
        if failures:
            raise failures.pop()

    bridge.application.add_handler(TypeHandler(Update, fail_once), group=1)
    data = build.text_update(USER, "Hallo")
    await bridge.handle(update(data, bot))
    await bridge.handle(update(data, bot))
    assert bot_api.sent_texts(USER) == ["echo: Hallo", "echo: Hallo"]
    assert "could not be handled" in caplog.text and "Hallo" not in caplog.text


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("answered", [False, True])
async def test_a_store_failure_gets_the_notice_unless_the_answer_went_out(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps, lang: str, answered: bool
) -> None:
    from assistant.trackerstore import TrackerStoreUnavailable

    async def deliver(incoming: Incoming, output: TelegramOutput) -> None:
        if answered:  # the answer was sent, then its turn could not be saved
            await output.send_response(incoming.sender_id, {"text": "the answer"})
        raise TrackerStoreUnavailable("the tracker store failed (save)")

    application = build_application(bot, max_concurrent_updates=4)
    await application.initialize()
    try:
        bridge = TelegramBridge(application, Pseudonymiser(PSEUDONYM_KEY), deliver, sleep=sleeps)
        await bridge.handle(update(build.text_update(USER, "Hallo", language_code=lang), bot))
    finally:
        await application.shutdown()
    sent = bot_api.sent_texts(USER)
    if answered:
        assert sent == ["the answer"]  # no "not available" after an answer
    else:
        assert len(sent) == 1 and sent[0].startswith(NOTICES["unavailable"][lang])  # type: ignore[index]
