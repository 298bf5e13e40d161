"""Tests for assistant/logs.py: log lines and logged exceptions never quote the visitor."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError

from assistant import logs

SECRET = "Meine Nummer ist 0176 5550199, ich heiße Quokka Mustermann"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A DEBUG logger writing to a buffer, in a process with `logs.install()` applied."""
    factory = logging.getLogRecordFactory()
    telegram_level = logging.getLogger("telegram").level
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logs.install()
    yield stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)
    logging.getLogger("telegram").setLevel(telegram_level)


def test_a_logged_exception_keeps_type_and_place_but_not_its_message(
    captured: io.StringIO,
) -> None:
    try:
        try:
            raise ClientResponseError(
                500, "Internal Server Error", f'{{"request_body": "{SECRET}"}}'
            )
        except ClientResponseError as error:
            raise RasaException("Failed to execute custom action 'action_answer'") from error
    except RasaException:
        logging.getLogger("tests.logs").exception("Encountered an exception")
    text = captured.getvalue()
    assert "Quokka" not in text and "5550199" not in text
    assert "ClientResponseError: (message withheld" in text
    assert "RasaException: (message withheld" in text
    assert __file__ in text  # where it happened stays


def test_network_errors_keep_their_message(captured: io.StringIO) -> None:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except OSError:
        logging.getLogger("tests.logs").exception("action server unreachable")
    assert "Connection refused" in captured.getvalue()


def test_texts_in_flight_are_withheld_from_every_line(captured: io.StringIO) -> None:
    logger = logging.getLogger("tests.logs")
    with logs.handling(SECRET, "[redacted form]"):
        logger.debug("Received user message '%s'", SECRET)
        logger.info(f"parsed: {SECRET!r} and [redacted form]")
    logger.debug("after the message: %s", SECRET)
    lines = captured.getvalue().splitlines()
    assert lines[:2] == [
        "Received user message '[withheld]'",
        "parsed: '[withheld]' and [withheld]",
    ]
    assert SECRET in lines[2]  # only while its message is handled


def test_texts_in_flight_belong_to_the_task_that_handles_them(captured: io.StringIO) -> None:
    logger = logging.getLogger("tests.logs")

    async def handle(text: str, other: str) -> None:
        with logs.handling(text):
            await asyncio.sleep(0)  # the other task registers its text meanwhile
            logger.info("got %s, not %s", text, other)

    async def both() -> None:
        await asyncio.gather(handle("first secret", "second secret"), handle("second secret", "x"))

    asyncio.run(both())
    assert captured.getvalue().splitlines() == [
        "got [withheld], not second secret",
        "got [withheld], not x",
    ]


def test_telegram_logs_no_updates_even_when_the_process_logs_debug(
    captured: io.StringIO,
) -> None:
    assert not logging.getLogger("telegram.Bot").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("telegram.Bot").isEnabledFor(logging.INFO)


def test_structlog_values_are_withheld_except_harmless_ones() -> None:
    entry = {
        "event": "processor.message.parse",
        "parse_data_text": SECRET,
        "parse_data_entities": [{"entity": "city", "value": "Quokka"}],
        "action_name": "action_answer",
        "slot_values": "\tfeedback: {'message': 'Quokka'}",
    }
    assert logs.withhold_structlog_values(None, "debug", entry) == {
        "event": "processor.message.parse",
        "parse_data_text": "[withheld]",
        "parse_data_entities": "[withheld]",
        "action_name": "action_answer",
        "slot_values": "[withheld]",
    }


def test_structlog_exceptions_are_described_without_message() -> None:
    try:
        raise KeyError(SECRET)
    except KeyError as error:
        entry = logs.withhold_structlog_values(None, "error", {"event": "x", "exc_info": error})
    assert "KeyError: (message withheld" in entry["exception"]
    assert "Quokka" not in str(entry)
