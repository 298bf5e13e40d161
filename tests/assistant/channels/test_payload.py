"""Capped, checked request bodies on the REST and web chat routes: oversize, malformed and
wrong-typed requests get a 4xx JSON error naming the problem, and never reach the assistant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage

from assistant.channels.payload import MAX_BODY_BYTES, RequestError, json_object, message_text
from assistant.channels.rest import RestInput
from assistant.channels.webchat import WebchatInput
from tests.assistant.channels.conftest import ChannelServer

SENDER = "0123456789abcdef0123456789abcdef"
CHANNELS = {"rest": RestInput, "webchat": WebchatInput}


@pytest.fixture
def received() -> list[UserMessage]:
    return []


@pytest.fixture(params=sorted(CHANNELS))
async def webhook(
    request: pytest.FixtureRequest, channel_server: ChannelServer, received: list[UserMessage]
) -> str:
    """The message route of each channel, on an in-process server, with an echoing assistant."""

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Antwort")

    name = request.param
    base = await channel_server(
        CHANNELS[name]().blueprint(on_new_message), f"/webhooks/{name}", None
    )
    return f"{base}/webhook"


async def _post(url: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, **kwargs)


def _body(message: Any = "Hallo", sender: Any = SENDER) -> dict[str, Any]:
    return {"sender": sender, "message": message}


async def test_a_good_message_is_answered(webhook: str, received: list[UserMessage]) -> None:
    response = await _post(webhook, json=_body(" Wien?  "))
    assert response.status_code == 200
    [message] = received
    assert message.text == "Wien?"


@pytest.mark.parametrize(
    ("content", "status", "problem"),
    [
        (b"", 400, "JSON object"),
        (b"not json", 400, "not valid JSON"),
        (b'{"sender": "0123456789abcdef", "message": "\xff\xfe"}', 400, "UTF-8"),
        (b"[1, 2]", 400, "JSON object"),
        (b'"Hallo"', 400, "JSON object"),
        (b'{"sender": "0123456789abcdef"}', 400, "'message'"),
        (b'{"sender": "0123456789abcdef", "message": 5}', 400, "'message'"),
        (b'{"sender": "0123456789abcdef", "message": ["Hallo"]}', 400, "'message'"),
        (b'{"sender": "0123456789abcdef", "message": " \\n\\t "}', 400, "'message'"),
        (b'{"message": "Hallo"}', 400, "'sender'"),
        (b'{"sender": 5, "message": "Hallo"}', 400, "'sender'"),
        (b'{"sender": "a/../b\\n0123456789", "message": "Hallo"}', 400, "'sender'"),
        (b'{"sender": "0123456789abcdef", "message": "' + b"x" * 1001 + b'"}', 413, "'message'"),
    ],
)
async def test_bad_requests_get_a_4xx_naming_the_problem(
    webhook: str, received: list[UserMessage], content: bytes, status: int, problem: str
) -> None:
    response = await _post(webhook, content=content)
    assert response.status_code == status
    assert problem in response.json()["error"]
    assert received == []


async def test_an_oversize_body_gets_413_at_once(webhook: str, received: list[UserMessage]) -> None:
    content = httpx.Request("POST", webhook, json=_body("Wien " * 20_000)).content
    assert len(content) > MAX_BODY_BYTES
    response = await _post(webhook, content=content)
    assert response.status_code == 413
    assert f"larger than {MAX_BODY_BYTES} bytes" in response.json()["error"]
    assert received == []


async def test_an_oversize_chunked_body_gets_413_without_being_read_to_the_end(
    webhook: str, received: list[UserMessage]
) -> None:
    # No Content-Length: the body is counted while it is read, and reading stops at the cap
    # (then the server closes the connection rather than read the rest).
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"sender": "0123456789abcdef0123", "message": "'
        for _ in range(10_000):  # 10 MB if the server read it all
            sent += 1
            yield b"x" * 1024

    try:
        response = await _post(webhook, content=chunks())
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        pass  # the server answered 413 and closed while the client was still sending
    else:
        assert response.status_code == 413
    assert received == []
    assert sent < 10_000


def test_json_object_names_each_problem() -> None:
    assert json_object(b'{"a": 1}') == {"a": 1}
    for body, problem in [
        (b"\xc3\x28", "UTF-8"),
        (b"{", "not valid JSON"),
        (b"null", "JSON object"),
        (b"   ", "JSON object"),
    ]:
        with pytest.raises(RequestError, match=problem) as raised:
            json_object(body)
        assert raised.value.status == 400


def test_message_text_is_stripped_and_capped() -> None:
    assert message_text({"message": "  Tokio?\n"}) == "Tokio?"
    assert message_text({"message": "x" * 1000}) == "x" * 1000
    with pytest.raises(RequestError) as raised:
        message_text({"message": "x" * 1001})
    assert raised.value.status == 413
    assert "x" * 20 not in str(raised.value)
