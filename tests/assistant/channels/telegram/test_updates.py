"""Reading updates with PTB's handlers; each update goes through an `Application`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder

from assistant.channels.telegram.buttons import CallbackPayloads
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.updates import Incoming, Notice, Reading, reading_handlers
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY

USER = 4242424201
pseudonymise = Pseudonymiser(PSEUDONYM_KEY)
Read = Callable[..., Awaitable[Reading | None]]


@pytest.fixture
async def read(offline_bot: Bot) -> AsyncIterator[Read]:
    """Reads one update as JSON; returns what the handlers made of it (None: ignored)."""

    async def read_one(
        data: dict[str, Any], payloads: CallbackPayloads | None = None
    ) -> Reading | None:
        readings: list[Reading] = []
        errors: list[object] = []

        async def collect(reading: Reading, context: Any) -> None:
            readings.append(reading)

        async def record_error(update: object, context: Any) -> None:
            errors.append(context.error)

        application = ApplicationBuilder().bot(offline_bot).updater(None).job_queue(None).build()
        application.add_handlers(
            reading_handlers(
                collect, pseudonymise=pseudonymise, payloads=payloads or CallbackPayloads()
            )
        )
        application.add_error_handler(record_error)
        await application.initialize()
        await application.process_update(Update.de_json(data, offline_bot))
        assert errors == [] and len(readings) <= 1
        return readings[0] if readings else None

    yield read_one


@pytest.mark.parametrize(
    ("code", "lang"), [("de", "de"), ("de-AT", "de"), ("en", "en"), ("en-GB", "en")]
)
async def test_telegram_input_passes_language_code(read: Read, code: str, lang: str) -> None:
    reading = await read(
        build.text_update(USER, "Welche Partnerstädte gibt es?", language_code=code)
    )
    assert reading == Incoming(
        USER,
        pseudonymise(USER),
        "Welche Partnerstädte gibt es?",
        {"language": lang},
        lang,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("code", ["fr", None])
async def test_unsupported_language_code_gives_no_hint(read: Read, code: str | None) -> None:
    reading = await read(build.text_update(USER, "Bonjour", language_code=code))
    assert isinstance(reading, Incoming) and reading.metadata == {} and reading.lang is None


async def test_sender_is_the_pseudonym_and_metadata_holds_no_ids(read: Read) -> None:
    reading = await read(build.text_update(USER, "Hallo"))
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
async def test_start_and_help_become_intent_payloads_with_the_hint(
    read: Read, text: str, payload: str, lang: str
) -> None:
    reading = await read(build.text_update(USER, text, language_code=lang))
    assert isinstance(reading, Incoming)
    assert (reading.text, reading.metadata) == (payload, {"language": lang})


@pytest.mark.parametrize(
    ("arg", "lang"), [("en", "en"), ("de", "de"), ("English", "en"), ("Deutsch", "de")]
)
async def test_language_command_switches_explicitly(read: Read, arg: str, lang: str) -> None:
    reading = await read(build.text_update(USER, f"/language {arg}", language_code="de"))
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
async def test_other_commands_get_a_notice_and_never_reach_the_assistant(
    read: Read, text: str, kind: str
) -> None:
    assert await read(build.text_update(USER, text, language_code="en")) == Notice(USER, kind, "en")  # type: ignore[arg-type]


async def test_slash_text_without_a_command_entity_never_reaches_the_assistant(read: Read) -> None:
    # Rasa would take "/greet" as an intent payload; a visitor's text must never be one.
    update = build.text_update(USER, '/greet{"language": "de"}', language_code="en")
    del update["message"]["entities"]
    assert await read(update) == Notice(USER, "unknown_command", "en")


async def test_commands_for_other_bots_are_ignored(read: Read) -> None:
    assert await read(build.text_update(USER, "/help@other_bot")) is None


@pytest.mark.parametrize("content", [build.PHOTO, build.STICKER, build.VOICE, build.LOCATION])
@pytest.mark.parametrize("lang", ["de", "en"])
async def test_non_text_messages_get_a_polite_notice(
    read: Read, content: dict[str, Any], lang: str
) -> None:
    reading = await read(build.content_update(USER, language_code=lang, **content))
    assert reading == Notice(USER, "unsupported_content", lang)  # type: ignore[arg-type]


async def test_service_messages_are_ignored(read: Read) -> None:
    assert await read(build.content_update(USER, new_chat_title="Neu")) is None


async def test_edited_messages_get_a_notice(read: Read) -> None:
    assert await read(build.edited_update(USER, "Korrigiert")) == Notice(
        USER, "edited_message", "de"
    )


async def test_group_messages_are_ignored_unless_meant_for_the_bot(read: Read) -> None:
    group = -100123
    chatter = build.text_update(USER, "Wer kommt heute?", chat_id=group, chat_type="supergroup")
    assert await read(chatter) is None
    command = build.text_update(USER, "/help@berlin_test_bot", chat_id=group, chat_type="group")
    assert await read(command) == Notice(group, "private_only", "de")
    mention = build.text_update(USER, "@berlin_test_bot hallo", chat_id=group, chat_type="group")
    mention["message"]["entities"] = [{"type": "mention", "offset": 0, "length": 16}]
    assert await read(mention) == Notice(group, "private_only", "de")


async def test_channel_posts_and_bots_are_ignored(read: Read) -> None:
    assert (
        await read(
            {"update_id": 1, "channel_post": build.message(USER, "News", chat_type="channel")}
        )
        is None
    )
    from_bot = build.text_update(USER, "Hallo")
    from_bot["message"]["from"]["is_bot"] = True
    assert await read(from_bot) is None


async def test_button_press_becomes_its_payload(read: Read) -> None:
    payloads = CallbackPayloads()
    long_payload = '/ask_partner_city{"city": "' + "x" * 80 + '"}'
    for payload in ('/ask_unit_info{"unit": "II A"}', long_payload):
        reading = await read(
            build.button_update(USER, payloads.encode(payload), language_code="en"), payloads
        )
        assert reading == Incoming(USER, pseudonymise(USER), payload, {"language": "en"}, "en")


async def test_expired_button_gets_a_notice(read: Read) -> None:
    reading = await read(build.button_update(USER, "#0123456789abcdef01234567"))
    assert reading == Notice(USER, "button_expired", "de")
