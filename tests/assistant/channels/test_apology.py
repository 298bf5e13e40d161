"""The apology the channels send when the assistant answers nothing or fails: both languages,
with the public contact data from the knowledge files; and the REST and web chat channels
sending it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from assistant.channels.apology import APOLOGY, Apology
from assistant.channels.rest import RestInput
from assistant.channels.webchat import WebchatInput
from assistant.knowledge import load_knowledge
from assistant.lang import Lang
from tests.assistant.channels.conftest import ChannelServer

SENDER = "0123456789abcdef0123456789abcdef"
QUESTIONS: dict[Lang, str] = {
    "de": "Welche Partnerstädte hat Berlin eigentlich?",
    "en": "Which partner cities does Berlin have?",
}


@pytest.fixture(scope="module")
def apology(knowledge_dir: Path) -> Apology:
    return Apology.from_knowledge(knowledge_dir)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_apology_gives_the_switchboard_and_the_web_page(
    apology: Apology, knowledge_dir: Path, lang: Lang
) -> None:
    contact = load_knowledge(knowledge_dir).contact
    text = apology.text(lang)
    assert text.startswith(APOLOGY[lang])
    assert contact.phone in text and contact.web(lang) in text


def test_apology_in_an_unknown_language_gives_both(apology: Apology) -> None:
    text = apology.text(None)
    assert text.index(APOLOGY["de"]) < text.index(APOLOGY["en"])


def test_apology_without_knowledge_still_apologises(tmp_path: Path) -> None:
    assert Apology.from_knowledge(tmp_path).text("en") == APOLOGY["en"]


async def _silent(message: UserMessage) -> None:
    """Rasa while the action server is down: no exception, no messages."""


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_rest_apologises_for_an_empty_answer_in_the_visitors_language(
    channel_server: ChannelServer, apology: Apology, lang: Lang
) -> None:
    url = await channel_server(RestInput(apology=apology).blueprint(_silent), "/webhooks/rest")
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{url}/webhook", json={"sender": "visitor-1", "message": QUESTIONS[lang]}
        )
    assert response.status_code == 200
    texts = "\n\n".join(m["text"] for m in response.json())
    assert texts == apology.text(lang)


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_webchat_apologises_for_an_empty_answer_in_the_visitors_language(
    channel_server: ChannelServer, apology: Apology, lang: Lang
) -> None:
    channel = WebchatInput(apology=apology)
    url = await channel_server(channel.blueprint(_silent), "/webhooks/webchat")
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{url}/webhook", json={"sender": SENDER, "message": QUESTIONS[lang]}
        )
    assert response.status_code == 200
    [message] = response.json()["messages"]
    assert message["text"] == apology.text(lang)


# What Rasa's `handle_message` raises with a store away: the lock store after its retries, Redis
# while waiting for the lock, the tracker store's database; and a bug. (Made anew per test: a
# raised exception keeps its traceback.)
FAILURES: dict[str, Callable[[], Exception]] = {
    "lock store": lambda: LockError("Error while acquiring lock. Error:\nConnection refused"),
    "redis": lambda: RedisConnectionError("Error 111 connecting to 127.0.0.1:6379."),
    "database": lambda: OperationalError("SELECT", {}, Exception("could not connect")),
    "bug": lambda: RuntimeError("model exploded"),
}


def failing(failure: str) -> Callable[[UserMessage], Awaitable[None]]:
    async def handle(message: UserMessage) -> None:
        raise FAILURES[failure]()

    return handle


def answering_then_failing(failure: str) -> Callable[[UserMessage], Awaitable[None]]:
    """The answer went out, then saving the conversation or returning the lock failed."""

    async def handle(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Antwort")
        raise FAILURES[failure]()

    return handle


async def post_rest(url: str, text: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{url}/webhook", json={"sender": "visitor-1", "message": text})


async def post_webchat(url: str, text: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{url}/webhook", json={"sender": SENDER, "message": text})


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("lang", ["de", "en"])
async def test_rest_apologises_when_the_assistant_fails(
    channel_server: ChannelServer, apology: Apology, lang: Lang, failure: str
) -> None:
    channel = RestInput(apology=apology)
    url = await channel_server(channel.blueprint(failing(failure)), "/webhooks/rest")
    response = await post_rest(url, QUESTIONS[lang])
    assert response.status_code == 200
    assert "\n\n".join(m["text"] for m in response.json()) == apology.text(lang)


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("lang", ["de", "en"])
async def test_webchat_apologises_when_the_assistant_fails(
    channel_server: ChannelServer, apology: Apology, lang: Lang, failure: str
) -> None:
    channel = WebchatInput(apology=apology)
    url = await channel_server(channel.blueprint(failing(failure)), "/webhooks/webchat")
    response = await post_webchat(url, QUESTIONS[lang])
    assert response.status_code == 200
    [message] = response.json()["messages"]
    assert message["text"] == apology.text(lang)


async def test_an_answer_given_before_a_failure_is_not_replaced_by_the_apology(
    channel_server: ChannelServer, apology: Apology
) -> None:
    handle = answering_then_failing("database")
    rest = await channel_server(RestInput(apology=apology).blueprint(handle), "/webhooks/rest")
    webchat = await channel_server(
        WebchatInput(apology=apology).blueprint(handle), "/webhooks/webchat"
    )
    assert [m["text"] for m in (await post_rest(rest, QUESTIONS["de"])).json()] == ["Antwort"]
    reply = (await post_webchat(webchat, QUESTIONS["de"])).json()
    assert [m["text"] for m in reply["messages"]] == ["Antwort"]


async def test_a_store_outage_is_one_warning_line_without_the_visitors_text(
    channel_server: ChannelServer, apology: Apology, caplog: pytest.LogCaptureFixture
) -> None:
    channel = RestInput(apology=apology)
    url = await channel_server(channel.blueprint(failing("lock store")), "/webhooks/rest")
    with caplog.at_level(logging.INFO, logger="assistant.channels"):
        await post_rest(url, QUESTIONS["de"])
    [record] = [r for r in caplog.records if r.name == "assistant.channels.apology"]
    assert record.levelno == logging.WARNING and not (record.exc_info or record.exc_text)
    assert "LockError" in record.getMessage()
    assert QUESTIONS["de"] not in caplog.text


async def test_a_bug_is_logged_with_its_traceback(
    channel_server: ChannelServer, apology: Apology, caplog: pytest.LogCaptureFixture
) -> None:
    channel = WebchatInput(apology=apology)
    url = await channel_server(channel.blueprint(failing("bug")), "/webhooks/webchat")
    await post_webchat(url, QUESTIONS["en"])
    [record] = [r for r in caplog.records if r.name == "assistant.channels.apology"]
    # With assistant.logs installed (the Rasa server), the traceback is kept as text.
    assert record.levelno == logging.ERROR and (record.exc_info or record.exc_text)
    assert QUESTIONS["en"] not in caplog.text
