"""Our REST channel, in place of Rasa's: capped, checked requests; bad input gets a clear 4xx."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response

from assistant.channels.apology import STORAGE_ERRORS, Apology
from assistant.channels.payload import (
    MAX_MESSAGE_CHARS,
    RequestError,
    message_text,
    read_json_object,
)
from assistant.channels.ratelimit import RateLimits
from assistant.lang import Lang, LanguageDetector, normalise
from assistant.privacy import EMAIL
from assistant.settings import Settings

if TYPE_CHECKING:
    from sanic.request import Request
    from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# Conversation ids of REST clients (scripts, the Telegram polling bridge, the test stories):
# letters, digits and a few separators, so that no path, control character or megabyte of
# text becomes a key of the tracker store.
_SENDER_ID = re.compile(r"[\w.:@-]{1,128}")


class RestInput(InputChannel):
    """`POST /webhooks/rest/webhook` with `{"sender", "message", "metadata"}`, as Rasa's own.

    Rasa's channel reads bodies of up to 100 MB, passes messages of any length to NLU and
    answers a body without sender or message with an empty list and status 200, so a broken
    client never learns what is wrong. This one reads at most `payload.MAX_BODY_BYTES`, takes
    messages up to `max_message_length` characters, and answers 400 or 413 with a JSON error
    that names the field (never echoing the visitor's text). Rasa's streaming replies
    (``?stream=true``) are not offered. Registered in `credentials.yml` in place of `rest:`
    (so Rasa's channel is not served); the URL is the same.

    Args:
        max_message_length (int): longest message accepted (characters), default 1000.
        limits (RateLimits | None): per-sender and per-address limits (429); None: no limits.
            Registered from credentials.yml, the channel takes them from the settings.
        apology (Apology | None): sent when the assistant answers nothing (actions down) or the
            conversation cannot be stored (`apology.STORAGE_ERRORS`); registered from
            credentials.yml, with the contact data of the knowledge files.
    """

    def __init__(
        self,
        max_message_length: int = MAX_MESSAGE_CHARS,
        limits: RateLimits | None = None,
        apology: Apology | None = None,
    ) -> None:
        self.max_message_length = max_message_length
        self.limits = limits
        self.apology = apology or Apology(None)
        self._detector: LanguageDetector | None = None

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        credentials = credentials or {}
        settings = Settings.from_env()
        return cls(
            int(credentials.get("max_message_length", MAX_MESSAGE_CHARS)),
            RateLimits.from_settings(settings),
            Apology.from_knowledge(settings.knowledge_dir),
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """`GET /` (health) and `POST /webhook`; `on_new_message` hands a message to the agent."""
        rest = Blueprint("berlin_rest_webhook", __name__)

        @rest.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = self.parse(await read_json_object(request))
            except RequestError as error:
                return error.response()
            refused = await self.limits.check(request, sender) if self.limits else None
            if refused:
                return refused
            collector = CollectingOutputChannel()
            try:
                message = UserMessage(
                    text, collector, sender, input_channel=self.name(), metadata=metadata
                )
                await on_new_message(message)
            except STORAGE_ERRORS:
                # Nothing of this turn is stored, so nothing of it is shown: only the apology.
                logger.warning("rest: the conversation could not be stored; the apology was sent")
                collector = CollectingOutputChannel()
            except Exception:
                logger.exception("rest: handling a message failed")  # without the visitor's text
                return response.json({"error": "the assistant could not answer"}, status=500)
            else:
                if not collector.messages:
                    # Every answer comes from a custom action: nothing at all means they are down.
                    logger.warning("rest: the assistant gave no answer; the apology was sent")
            if not collector.messages:
                lang = self._language(text) or normalise((metadata or {}).get("language"))
                await collector.send_text_message(sender, self.apology.text(lang))
            return response.json(collector.messages)

        return rest

    def _language(self, text: str) -> Lang | None:
        if text.startswith("/"):
            return None
        if self._detector is None:
            self._detector = LanguageDetector()
        return self._detector.detect(text).lang

    def parse(self, data: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
        """The sender, the text and the metadata of a request body.

        Raises:
            RequestError: a field is missing or has the wrong type or size.
        """
        sender = data.get("sender")
        if not isinstance(sender, str) or not _SENDER_ID.fullmatch(sender):
            raise RequestError("'sender' must be 1 to 128 letters, digits, '.', ':', '@', '-', '_'")
        if EMAIL.search(sender):  # the id is stored and logged as it is: no contact data
            raise RequestError("'sender' must not be an e-mail address; use a pseudonymous id")
        text = message_text(data, self.max_message_length)
        metadata = data.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise RequestError("'metadata' must be a JSON object")
        return sender, text, metadata
