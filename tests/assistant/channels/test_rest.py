"""The REST channel over HTTP on an in-process server: good requests reach the assistant, bad
ones get a 400 that names the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels import rest as rasa_rest
from rasa.core.channels.channel import UserMessage
from rasa.core.run import create_http_input_channels

from assistant.channels.rest import RestInput
from tests.assistant.channels.conftest import ChannelServer


@pytest.fixture
async def rest_url(channel_server: ChannelServer, received: list[UserMessage]) -> str:
    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Antwort")

    return await channel_server(RestInput().blueprint(on_new_message), "/webhooks/rest", None)


@pytest.fixture
def received() -> list[UserMessage]:
    return []


async def post(url: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{url}/webhook", **kwargs)


async def test_rest_message_reaches_the_assistant_with_its_metadata(
    rest_url: str, received: list[UserMessage]
) -> None:
    body = {"sender": "visitor-1", "message": "Tokio?", "metadata": {"language": "de"}}
    response = await post(rest_url, json=body)
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "visitor-1", "text": "Antwort"}]
    [message] = received
    assert (message.sender_id, message.text, message.metadata) == (
        "visitor-1",
        "Tokio?",
        {"language": "de"},
    )
    assert message.input_channel == "rest"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", None),
        (b"[1, 2]", "body"),
        (b'{"sender": "x"}', "message"),
        (b'{"message": "Hallo"}', "sender"),
        (b'{"sender": "", "message": "Hallo"}', "sender"),
        (b'{"sender": 5, "message": "Hallo"}', "sender"),
        (b'{"sender": "x", "message": 5}', "message"),
        (b'{"sender": "x", "message": "  "}', "message"),
        (b'{"sender": "x", "message": "Hallo", "metadata": "de"}', "metadata"),
        (b'{"sender": "max.muster@example.org", "message": "Hallo"}', "e-mail"),
    ],
)
async def test_rest_refuses_bad_requests_with_400(
    rest_url: str, received: list[UserMessage], body: bytes, field: str | None
) -> None:
    response = await post(rest_url, content=body)
    assert response.status_code == 400
    if field:
        assert field in response.text
    assert received == []


def test_only_our_rest_channel_is_served(root: Path) -> None:
    # Rasa's own REST channel reads any body and any length; credentials.yml must not bring it.
    channels = create_http_input_channels(None, str(root / "credentials.yml"))
    rest_channels = [c for c in channels if c.name() == "rest"]
    assert [type(c) for c in rest_channels] == [RestInput]
    assert not any(type(c) is rasa_rest.RestInput for c in channels)
