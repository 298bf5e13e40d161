"""The apology the channels send when the assistant answers nothing: both languages, with the
public contact data from the knowledge files; and the REST and web chat channels sending it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from rasa.core.channels.channel import UserMessage

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
