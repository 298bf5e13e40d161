"""The webchat channel's routes over HTTP on an in-process server, with a stand-in agent over
Rasa's in-memory stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from assistant.channels.webchat import WebchatInput
from tests.assistant.channels.conftest import ChannelServer

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  language:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
  feedback:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
"""
)
REPLIES = {
    "de": "Berlin hat 19 Partnerstädte.\n\nQuelle: https://www.berlin.de/",
    "en": "Berlin has 19 partner cities.\n\nSource: https://www.berlin.de/",
}
SENDER = "0123456789abcdef0123456789abcdef"


class FakeAgent:
    """Answers as the assistant does: sets the `language` slot from the hint, then utters."""

    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(DOMAIN)
        self.lock_store = InMemoryLockStore()
        self.fail = False

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        if self.fail:
            raise RuntimeError("model exploded")
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        lang = (message.metadata or {}).get("language", "en")
        # As the LanguageDecider records it: what the words showed (nothing for a payload).
        detected = None if message.text.startswith("/") else lang
        parse_data = {"language": {"reply": lang, "reason": "words", "detected": detected}}
        tracker.update(UserUttered(message.text, parse_data=parse_data, metadata=message.metadata))
        tracker.update(SlotSet("language", lang))
        tracker.update(BotUttered(REPLIES[lang]))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_text_message(message.sender_id, REPLIES[lang])


@pytest.fixture
def agent() -> FakeAgent:
    return FakeAgent()


@dataclass
class Reply:
    status: int
    body: Any


class Client:
    """Posts to the channel's routes on an in-process Sanic server on loopback."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        async with httpx.AsyncClient() as http:
            response = await http.request(method, f"{self.url}{path}", **kwargs)
        return Reply(response.status_code, response.json())

    async def post(self, path: str, json: Any = None, content: bytes | None = None) -> Reply:
        if content is not None:
            return await self.request("POST", path, content=content)
        return await self.request("POST", path, json=json)


@pytest.fixture
async def client(agent: FakeAgent, channel_server: ChannelServer) -> Client:
    """WebchatInput's routes over HTTP, with the stand-in agent."""
    blueprint = WebchatInput.from_credentials(None).blueprint(agent.handle_message)
    return Client(await channel_server(blueprint, "/webhooks/webchat", agent))


async def ask(client: Client, message: str, **metadata: Any) -> Reply:
    return await client.post(
        "/webhook", json={"sender": SENDER, "message": message, "metadata": metadata}
    )


@pytest.mark.parametrize(
    ("lang", "text"), [("de", "Welche Partnerstädte hat Berlin?"), ("en", "Which partner cities?")]
)
async def test_webchat_reply_carries_the_conversation_and_message_language(
    client: Client, lang: str, text: str
) -> None:
    response = await ask(client, text, language=lang)
    assert response.status == 200
    reply = response.body
    assert reply["language"] == lang
    assert reply["message_language"] == lang
    # One utterance stays one message: the widget keeps the blank line itself.
    assert [m["text"] for m in reply["messages"]] == [REPLIES[lang]]
    assert all(m["lang"] == lang for m in reply["messages"])


async def test_webchat_names_no_message_language_for_a_button_payload(client: Client) -> None:
    reply = (await ask(client, "/list_partner_cities", language="de")).body
    assert reply["message_language"] == "de"  # falls back to the conversation language


async def test_webchat_passes_only_the_metadata_the_widget_may_set(
    client: Client, agent: FakeAgent
) -> None:
    await ask(client, "Hallo", language="de-AT", explicit=True, admin=True)
    tracker = await agent.tracker_store.retrieve(SENDER)
    assert tracker is not None
    user = next(e for e in tracker.events if isinstance(e, UserUttered))
    assert user.metadata == {"language": "de", "explicit": True}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"message": "Hallo"}',
        b'{"sender": "short", "message": "Hallo"}',
        b'{"sender": "../../etc/passwd-0000000", "message": "Hallo"}',
        b'{"sender": "0123456789abcdef\\n", "message": "Hallo"}',
        b'{"sender": "0123456789abcdef", "message": 5}',
        b'{"sender": "0123456789abcdef", "message": "   "}',
    ],
)
async def test_webchat_refuses_bad_message_requests(client: Client, body: bytes) -> None:
    response = await client.post("/webhook", content=body)
    assert response.status == 400
    assert "error" in response.body


async def test_webchat_reports_a_failed_turn_as_server_error(
    client: Client, agent: FakeAgent
) -> None:
    agent.fail = True
    response = await ask(client, "Hallo")
    assert response.status == 500
    assert response.body == {"error": "the assistant could not answer"}


@pytest.mark.parametrize("rating", ["up", "down"])
async def test_feedback_is_stored_with_the_conversation(
    client: Client, agent: FakeAgent, rating: str
) -> None:
    await ask(client, "Welche Partnerstädte hat Berlin?", language="de")
    response = await client.post(
        "/feedback", json={"sender": SENDER, "rating": rating, "message": REPLIES["de"]}
    )
    assert response.status == 201
    tracker = await agent.tracker_store.retrieve(SENDER)
    assert tracker is not None
    bot = next(e for e in tracker.events if isinstance(e, BotUttered))
    feedback = tracker.get_slot("feedback")
    assert feedback["rating"] == rating
    assert feedback["message"] == REPLIES["de"]
    assert feedback["message_timestamp"] == bot.timestamp
    assert feedback["timestamp"] >= bot.timestamp


async def test_feedback_on_part_of_an_answer_names_the_whole_answer(
    client: Client, agent: FakeAgent
) -> None:
    await ask(client, "Which partner cities?", language="en")
    response = await client.post(
        "/feedback",
        json={"sender": SENDER, "rating": "down", "message": "Source: https://www.berlin.de/"},
    )
    assert response.status == 201
    tracker = await agent.tracker_store.retrieve(SENDER)
    assert tracker is not None and tracker.get_slot("feedback")["message"] == REPLIES["en"]


@pytest.mark.parametrize(
    ("sender", "message"),
    [("ffffffffffffffffffffffffffffffff", REPLIES["de"]), (SENDER, "Something never said")],
)
async def test_feedback_for_an_unknown_conversation_or_message_is_not_found(
    client: Client, sender: str, message: str
) -> None:
    await ask(client, "Hallo", language="de")
    body = {"sender": sender, "rating": "up", "message": message}
    response = await client.post("/feedback", json=body)
    assert response.status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"sender": SENDER, "rating": "meh", "message": "x"},
        {"sender": SENDER, "rating": "up", "message": ""},
        {"sender": "x", "rating": "up", "message": "x"},
    ],
)
async def test_feedback_refuses_bad_requests(client: Client, body: dict[str, str]) -> None:
    response = await client.post("/feedback", json=body)
    assert response.status == 400


async def test_webchat_health_route_answers(client: Client) -> None:
    response = await client.request("GET", "/")
    assert (response.status, response.body) == (200, {"status": "ok"})
