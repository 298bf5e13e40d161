from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from assistant.channels.telegram.buttons import CallbackPayloads
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.updates import Incoming, Notice, Reading, read_update
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY

USER = 4242424201
pseudonymise = Pseudonymiser(PSEUDONYM_KEY)


def read(data: dict[str, Any], payloads: CallbackPayloads | None = None) -> Reading | None:
    return read_update(
        Update.de_json(data, None),
        pseudonymise=pseudonymise,
        payloads=payloads or CallbackPayloads(),
        bot_username="berlin_test_bot",
    )


@pytest.mark.parametrize(
    ("code", "lang"), [("de", "de"), ("de-AT", "de"), ("en", "en"), ("en-GB", "en")]
)
def test_telegram_input_passes_language_code(code: str, lang: str) -> None:
    reading = read(build.text_update(USER, "Welche Partnerstädte gibt es?", language_code=code))
    assert reading == Incoming(
        USER,
        pseudonymise(USER),
        "Welche Partnerstädte gibt es?",
        {"language": lang},
        lang,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("code", ["fr", None])
def test_unsupported_language_code_gives_no_hint(code: str | None) -> None:
    reading = read(build.text_update(USER, "Bonjour", language_code=code))
    assert isinstance(reading, Incoming) and reading.metadata == {} and reading.lang is None


def test_sender_is_the_pseudonym_and_metadata_holds_no_ids() -> None:
    reading = read(build.text_update(USER, "Hallo"))
    assert isinstance(reading, Incoming)
    assert reading.sender_id == pseudonymise(USER)
    assert str(USER) not in repr(reading.metadata) and str(USER) not in reading.sender_id


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/start", "/greet"),
        ("/start campaign-7", "/greet"),
        ("/help", "/ask_capabilities"),
        ("/help@berlin_test_bot", "/ask_capabilities"),
    ],
)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_start_and_help_become_intent_payloads_with_the_hint(
    text: str, payload: str, lang: str
) -> None:
    reading = read(build.text_update(USER, text, language_code=lang))
    assert isinstance(reading, Incoming)
    assert (reading.text, reading.metadata) == (payload, {"language": lang})


@pytest.mark.parametrize(
    ("arg", "lang"), [("en", "en"), ("de", "de"), ("English", "en"), ("Deutsch", "de")]
)
def test_language_command_switches_explicitly(arg: str, lang: str) -> None:
    reading = read(build.text_update(USER, f"/language {arg}", language_code="de"))
    assert isinstance(reading, Incoming)
    assert reading.text == "/switch_language"
    assert reading.metadata == {"language": lang, "explicit": True}
    assert reading.lang == lang


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("/language", "language_usage"),
        ("/language fr", "language_usage"),
        ("/list_partner_cities", "unknown_command"),
        ('/ask_unit_info{"unit": "II A"}', "unknown_command"),
    ],
)
def test_other_commands_get_a_notice_and_never_reach_the_assistant(text: str, kind: str) -> None:
    assert read(build.text_update(USER, text, language_code="en")) == Notice(USER, kind, "en")  # type: ignore[arg-type]


def test_commands_for_other_bots_are_ignored() -> None:
    assert read(build.text_update(USER, "/help@other_bot")) is None


@pytest.mark.parametrize(
    "content", [build.PHOTO, build.STICKER, build.VOICE, build.LOCATION]
)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_non_text_messages_get_a_polite_notice(content: dict[str, Any], lang: str) -> None:
    reading = read(build.content_update(USER, language_code=lang, **content))
    assert reading == Notice(USER, "unsupported_content", lang)  # type: ignore[arg-type]


def test_service_messages_are_ignored() -> None:
    assert read(build.content_update(USER, new_chat_title="Neu")) is None


def test_edited_messages_get_a_notice() -> None:
    assert read(build.edited_update(USER, "Korrigiert")) == Notice(USER, "edited_message", "de")


def test_group_messages_are_ignored_unless_meant_for_the_bot() -> None:
    group = -100123
    chatter = build.text_update(USER, "Wer kommt heute?", chat_id=group, chat_type="supergroup")
    assert read(chatter) is None
    command = build.text_update(USER, "/help@berlin_test_bot", chat_id=group, chat_type="group")
    assert read(command) == Notice(group, "private_only", "de")
    mention = build.text_update(USER, "@berlin_test_bot hallo", chat_id=group, chat_type="group")
    mention["message"]["entities"] = [{"type": "mention", "offset": 0, "length": 16}]
    assert read(mention) == Notice(group, "private_only", "de")


def test_channel_posts_and_bots_are_ignored() -> None:
    assert (
        read({"update_id": 1, "channel_post": build.message(USER, "News", chat_type="channel")})
        is None
    )
    from_bot = build.text_update(USER, "Hallo")
    from_bot["message"]["from"]["is_bot"] = True
    assert read(from_bot) is None


def test_button_press_becomes_its_payload() -> None:
    payloads = CallbackPayloads()
    long_payload = '/ask_partner_city{"city": "' + "x" * 80 + '"}'
    for payload in ('/ask_unit_info{"unit": "II A"}', long_payload):
        reading = read(
            build.button_update(USER, payloads.encode(payload), language_code="en"), payloads
        )
        assert reading == Incoming(USER, pseudonymise(USER), payload, {"language": "en"}, "en")


def test_expired_button_gets_a_notice() -> None:
    reading = read(build.button_update(USER, "#0123456789abcdef01234567"))
    assert reading == Notice(USER, "button_expired", "de")
