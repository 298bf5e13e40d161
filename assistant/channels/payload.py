"""Reading a channel request: a capped body, UTF-8 JSON objects and visitor text, or a clear 4xx.

Every route of our channels that takes a body is a streaming route (``stream=True``), so Sanic
hands it the request before reading the body, and `read_json_object` reads at most `limit`
bytes: a request announcing more (Content-Length) or sending more (chunked) gets 413 before
anything is parsed, and Sanic then closes the connection instead of reading the rest.
Sanic's own limit (``REQUEST_MAX_SIZE``, 100 MB) would otherwise let every request of the
size of a film be read and parsed on the Rasa server's only event loop.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sanic import response
from sanic.exceptions import PayloadTooLarge

if TYPE_CHECKING:
    from sanic.request import Request
    from sanic.response import HTTPResponse

# Largest request body of the web chat, feedback and REST routes: a 1,000-character message
# of 4-byte characters written as JSON escapes ("\ud83d\ude00", 6 bytes per half) and metadata.
MAX_BODY_BYTES = 16 * 1024
# Longest visitor message (characters) the channels hand to the assistant; NLU time grows
# with the length and no question to the assistant needs more.
MAX_MESSAGE_CHARS = 1000


class RequestError(ValueError):
    """A request that cannot be used: its status and a message naming the problem.

    The message never contains the visitor's text.

    Attributes:
        status (int): the HTTP status to answer with (400, 413 or 429).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status

    def response(self) -> HTTPResponse:
        """The JSON error answer: ``{"error": message}`` with the status."""
        return response.json({"error": str(self)}, status=self.status)


def cap_body(request: Request, limit: int = MAX_BODY_BYTES) -> None:
    """Read at most `limit` bytes of the body, also when it is never read (a refused request).

    Sanic lifts the cap for streaming routes and drains an unread body after the answer.
    """
    if request.stream is not None:
        request.stream.request_max_size = limit


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, read only when it is at most `limit` bytes.

    Raises:
        RequestError: 413 when the body is larger, 400 for a malformed Content-Length.
    """
    too_large = RequestError(f"the request body is larger than {limit} bytes", status=413)
    announced = request.headers.get("content-length")
    if announced is not None:
        try:
            length = int(announced)
        except ValueError:
            raise RequestError("the Content-Length header is not a number") from None
        if length > limit:
            raise too_large
    cap_body(request, limit)  # Sanic stops reading chunked bodies there
    if request.stream is not None:  # a streaming route: the body has not been read yet
        try:
            await request.receive_body()
        except PayloadTooLarge:
            raise too_large from None
    body = request.body or b""
    if len(body) > limit:
        raise too_large
    return body


def json_object(body: bytes) -> dict[str, Any]:
    """Decode a body that must be a UTF-8 JSON object.

    Raises:
        RequestError: 400, naming whether the encoding, the JSON or its type is wrong.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("the body is not valid UTF-8") from None
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        raise RequestError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise RequestError("the body must be a JSON object")
    return data


async def read_json_object(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """`read_body` and `json_object` in one: the checked JSON object of the request."""
    return json_object(await read_body(request, limit))


def message_text(data: dict[str, Any], max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The visitor's text from ``data["message"]``, stripped.

    Raises:
        RequestError: 400 when it is missing, not a string, empty or whitespace only; 413 when
            it is longer than `max_chars` characters.
    """
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        raise RequestError("'message' must be a non-empty string")
    text = text.strip()
    if len(text) > max_chars:
        raise RequestError(f"'message' is longer than {max_chars} characters", status=413)
    return text
