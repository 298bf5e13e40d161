from __future__ import annotations

import pytest
from telegram import Bot

from assistant.channels.telegram.buttons import CallbackPayloads
from assistant.channels.telegram.output import TelegramOutput
from tests.assistant.channels.telegram.conftest import Sleeps
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi

CHAT = 4242424401


def output(bot: Bot, sleeps: Sleeps, lang: str | None = "de") -> TelegramOutput:
    return TelegramOutput(bot, CHAT, CallbackPayloads(), lang, sleep=sleeps)  # type: ignore[arg-type]


async def test_text_goes_out_plain_with_formatting_characters_intact(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps
) -> None:
    text = "1 < 2 > 0 & <b>kein Fett</b>, snake_case_name, *kein Stern*, [kein](Link) `code`"
    await output(bot, sleeps).send_response("tg-x", {"text": text})
    [sent] = bot_api.sent_messages(CHAT)
    assert sent["text"] == text
    assert "parse_mode" not in sent and "entities" not in sent
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_long_text_is_split_and_buttons_come_last(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps
) -> None:
    text = "\n\n".join(f"Absatz {i}. " + "Ein Satz über Berlin. " * 90 for i in range(5))
    buttons = [{"title": "Kontakt", "payload": "/request_contact"}]
    await output(bot, sleeps).send_response("tg-x", {"text": text, "buttons": buttons})
    sent = bot_api.sent_messages(CHAT)
    assert len(sent) == 3
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert [("reply_markup" in m) for m in sent] == [False, False, True]
    keyboard = sent[-1]["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "Kontakt", "callback_data": "/request_contact"}]]


@pytest.mark.parametrize(
    ("lang", "expected"), [("de", "Bitte wählen Sie:"), ("en", "Please choose:")]
)
async def test_buttons_without_text_get_a_bilingual_prompt(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps, lang: str, expected: str
) -> None:
    await output(bot, sleeps, lang).send_text("", [{"title": "A", "payload": "/a"}])
    assert bot_api.sent_texts(CHAT) == [expected]


async def test_after_a_refused_message_the_rest_of_the_reply_is_dropped(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps
) -> None:
    bot_api.fail_next("sendMessage", 403)
    out = output(bot, sleeps)
    await out.send_response("tg-x", {"text": "eins"})
    await out.send_response("tg-x", {"text": "zwei"})
    assert out.undeliverable
    assert len(bot_api.calls("sendMessage")) == 1


async def test_custom_json_is_not_sent(bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps) -> None:
    await output(bot, sleeps).send_response("tg-x", {"custom": {"widget": "map"}})
    assert bot_api.calls("sendMessage") == []
