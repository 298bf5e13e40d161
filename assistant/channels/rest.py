"""Rasa's REST channel, with a check of each request: bad input gets a 400, never a 200."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa.core.channels import rest
from sanic.exceptions import InvalidUsage

if TYPE_CHECKING:
    from sanic.request import Request


class RestInput(rest.RestInput):
    """`POST /webhooks/rest/webhook` with `{"sender", "message", "metadata"}`, as Rasa's own.

    Rasa's channel answers a body without sender or message, or with a number for a message,
    with an empty list and status 200, so a broken client never learns what is wrong. This one
    answers 400 and says which field is wrong (never echoing the visitor's text).
    Registered in `credentials.yml` in place of `rest:`; the URL is the same.
    """

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str:
        sender = _body(req).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage("'sender' must be a non-empty string")
        return sender

    def _extract_message(self, req: Request) -> str:
        message = _body(req).get("message")
        if not isinstance(message, str) or not message.strip():
            raise InvalidUsage("'message' must be a non-empty string")
        return message

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be a JSON object")
        return metadata


def _body(req: Request) -> dict[str, Any]:
    data = req.json  # Sanic answers 400 itself when the body is not JSON
    if not isinstance(data, dict):
        raise InvalidUsage("the body must be a JSON object")
    return data
