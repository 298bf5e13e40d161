"""Tests for assistant/logs.py: log lines and logged exceptions never quote the visitor."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError

from assistant import logs

SECRET = "Meine Nummer ist 0176 5550199, ich heiße Quokka Mustermann"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A DEBUG logger writing to a buffer, in a process with `logs.install()` applied."""
    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in ("telegram", "httpx", "httpcore")}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logs.install()
    yield stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


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
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


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


@pytest.fixture
async def stock_action_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """rasa_sdk's own action server app, whose error answer quotes the whole tracker."""
    from rasa_sdk.endpoint import create_app
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)
    app = create_app("tests.assistant.test_actionserver")  # ActionExplodeForTest quotes the text
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = await app.create_server(sock=sock, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.after_start()
    yield f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}/webhook"
    await server.before_stop()
    await server.close()
    await server.after_stop()


async def test_rasa_logs_a_failed_custom_action_without_the_visitors_text(
    stock_action_server: str, captured: io.StringIO
) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    tracker = DialogueStateTracker.from_events("visitor", [UserUttered(SECRET)])
    action = RemoteAction("action_explode_for_test", EndpointConfig(stock_action_server))
    try:
        await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator({}),
            tracker,
            Domain.empty(),
        )
    except RasaException as error:
        assert "5550199" in str(error.__cause__)  # what Rasa's processor would log
        # As rasa.core.processor.MessageProcessor._run_action logs it:
        logging.getLogger("tests.logs").exception("Encountered an exception while running action")
    text = captured.getvalue()
    assert "ClientResponseError: (message withheld" in text
    assert "5550199" not in text and "Quokka" not in text


def test_database_connection_errors_keep_the_drivers_message_without_the_statement(
    captured: io.StringIO,
) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    try:
        raise OperationalError(
            "INSERT INTO events (data) VALUES (?)",
            (SECRET,),
            sqlite3.OperationalError("database is locked"),
        )
    except OperationalError:
        logging.getLogger("tests.logs").exception("saving the tracker failed")
    text = captured.getvalue()
    assert "OperationalError: OperationalError: database is locked" in text
    assert "Quokka" not in text and "INSERT" not in text


def test_rasas_stock_channels_do_not_quote_a_failed_message(captured: io.StringIO) -> None:
    channel = logging.getLogger("rasa.core.channels.rest")
    channel.addHandler(logging.StreamHandler(captured))
    channel.setLevel(logging.INFO)
    try:
        try:
            raise ValueError("no")
        except ValueError:
            channel.exception(f"An exception occured while handling user message '{SECRET}'.")
        channel.error(f"Exception when trying to handle message.{SECRET}")
        channel.info("Rasa channel started")
    finally:
        channel.handlers.clear()
        channel.setLevel(logging.NOTSET)
    text = captured.getvalue()
    assert "Quokka" not in text and "5550199" not in text
    assert text.count("a channel failed to handle a message (message withheld") == 2
    assert "ValueError: (message withheld" in text and "Rasa channel started" in text
