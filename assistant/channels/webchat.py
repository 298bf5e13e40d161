"""Website chat widget channel: REST messages that carry their language, plus answer feedback."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, SlotSet
from sanic import Blueprint, response

from assistant.channels.apology import STORAGE_ERRORS, Apology
from assistant.channels.payload import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    RequestError,
    json_object,
    message_text,
    read_body,
)
from assistant.channels.ratelimit import RateLimits
from assistant.lang import Lang, LanguageDetector, normalise
from assistant.settings import Settings

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.core.trackers import DialogueStateTracker
    from sanic.request import Request
    from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# The widget makes a random id (32 hex digits, kept in sessionStorage); the pattern keeps
# empty, huge or path-like ids out of the tracker store.
_SENDER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
Rating = Literal["up", "down"]
_RATINGS: tuple[Rating, ...] = ("up", "down")
# Longest rated answer (characters): the rated text is a whole bot message. The longest the
# live knowledge gives is 6,444 characters (6,654 bytes as JSON): "Wer hat die Partnerschaften
# mit <all 19 partner cities> unterzeichnet?" (English: 6,045); the full list of partner cities
# is 1,001, the city networks 1,049, "tell me everything about <all 19>" 3,299 (de) and 3,418
# (en). Measured on the running stack, 2026-12-08, by asking about 110 list, contact, unit,
# network and many-city questions in both languages (single messages and follow-ups) through
# the web chat and taking the longest message of each reply.
_MAX_RATED_CHARS = 10_000
# The feedback body is capped like a message's: 16 KB hold 10,000 characters with room for
# JSON escapes and letters of two or three bytes (the longest answer: 6,654 bytes as JSON).
_MAX_FEEDBACK_BYTES = MAX_BODY_BYTES


class WebchatMessage(TypedDict, total=False):
    """One bot message as the widget receives it (Rasa's REST shape plus `lang`)."""

    recipient_id: str
    text: str
    buttons: list[dict[str, Any]]
    image: str
    attachment: str
    custom: dict[str, Any]
    lang: Lang


class WebchatReply(TypedDict):
    """The answer to one visitor message.

    Attributes:
        messages: the bot's messages, each with the `lang` of its text.
        language: the conversation language after this turn (the widget's texts follow it).
        message_language: the language of the visitor's own text, None when it is unclear.
    """

    messages: list[WebchatMessage]
    language: Lang | None
    message_language: Lang | None


class Feedback(TypedDict):
    """What the `feedback` slot holds after a thumbs up or down (one SlotSet per rating)."""

    rating: Rating
    message: str
    message_timestamp: float
    timestamp: float


class WebchatOutput(CollectingOutputChannel):
    """Collects replies without splitting them at blank lines: one utterance, one message.

    The widget keeps line breaks itself, and a screen reader then announces one answer as a
    whole; it also lets feedback point at exactly one bot utterance of the tracker.
    """

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class WebchatInput(InputChannel):
    """REST input channel for the website chat widget (`assistant/web/static/widget.js`).

    Routes under `/webhooks/webchat/`: `GET /` (health), `POST /webhook` with
    `{"sender", "message", "metadata": {"language", "explicit"}}` returning a `WebchatReply`,
    and `POST /feedback` with `{"sender", "rating": "up"|"down", "message"}`, which appends a
    `SlotSet("feedback", ...)` event to the conversation so that staff see it with the
    conversation. Cross-origin access is limited by the Rasa server's `--cors` origins.

    Args:
        max_message_length (int): longest visitor message accepted (characters), default 1000.
        limits (RateLimits | None): per-sender and per-address limits on messages and feedback
            (429); None: no limits. Registered from credentials.yml, the channel takes them
            from the settings.
        apology (Apology | None): sent when the assistant answers nothing (actions down) or the
            conversation cannot be stored (`apology.STORAGE_ERRORS`; a rating then gets 503);
            registered from credentials.yml, with the contact data of the knowledge files.
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
        self._detector: LanguageDetector | None = None  # only for an apology without NLU

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebchatInput:
        credentials = credentials or {}
        settings = Settings.from_env()
        return cls(
            max_message_length=int(credentials.get("max_message_length", MAX_MESSAGE_CHARS)),
            limits=RateLimits.from_settings(settings),
            apology=Apology.from_knowledge(settings.knowledge_dir),
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The widget's routes; `on_new_message` hands a message to the agent."""
        webchat = Blueprint("webchat_webhook", __name__)

        @webchat.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive_message(request, on_new_message)

        @webchat.route("/feedback", methods=["POST"], stream=True)
        async def feedback(request: Request) -> HTTPResponse:
            return await self.receive_feedback(request)

        return webchat

    async def receive_message(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Hand one visitor message to the agent and answer with a `WebchatReply`."""
        try:
            sender, text, metadata = self.parse_message(await read_body(request, MAX_BODY_BYTES))
        except RequestError as error:
            return error.response()
        refused = await self.limits.check(request, sender) if self.limits else None
        if refused:
            return refused
        collector = WebchatOutput()
        try:
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            )
        except STORAGE_ERRORS:
            # Nothing of this turn is stored, so nothing of it is shown: only the apology.
            logger.warning("webchat: the conversation could not be stored; the apology was sent")
            collector = WebchatOutput()
            language = detected = None
        except Exception:
            # Logged without the visitor's text; the widget offers a retry.
            logger.exception("webchat: handling a message failed")
            return response.json({"error": "the assistant could not answer"}, status=500)
        else:
            # The NLU pipeline's LanguageDecider owns the language: the channel reads its
            # decision.
            language, detected = await _languages(_agent(request), sender)
            if not collector.messages:
                # Every answer comes from a custom action: nothing at all means they are down.
                logger.warning("webchat: the assistant gave no answer; the apology was sent")
        if not collector.messages:
            # Rasa may have failed before its NLU decided: then the channel guesses from the
            # words, for this apology only (as the REST channel does).
            apology_lang = detected or language or self._guess(text) or metadata.get("language")
            await collector.send_text_message(sender, self.apology.text(apology_lang))
            language = language or apology_lang
        reply: WebchatReply = {
            "messages": [
                cast(WebchatMessage, {**m, "lang": language} if language else dict(m))
                for m in collector.messages
            ],
            "language": language,
            "message_language": detected or language,
        }
        return response.json(reply)

    async def receive_feedback(self, request: Request) -> HTTPResponse:
        """Store a thumbs up or down with the conversation (201), or say why not."""
        try:
            body = await read_body(request, _MAX_FEEDBACK_BYTES)
            sender, rating, message = parse_feedback(body)
        except RequestError as error:
            return error.response()
        refused = await self.limits.check(request, sender) if self.limits else None
        if refused:
            return refused
        agent = _agent(request)
        if agent is None or not agent.is_ready():
            return response.json({"error": "the assistant is not ready"}, status=503)
        try:
            stored = await store_feedback(agent, sender, rating, message)
        except STORAGE_ERRORS:
            logger.warning("webchat: a rating could not be stored")
            return response.json(
                {"error": "the rating cannot be stored right now; try again later"}, status=503
            )
        if not stored:
            return response.json({"error": "unknown conversation or message"}, status=404)
        logger.info("webchat: stored a '%s' rating", rating)
        return response.json({"status": "stored"}, status=201)

    def _guess(self, text: str) -> Lang | None:
        if text.startswith("/"):
            return None
        if self._detector is None:
            self._detector = LanguageDetector()
        return self._detector.detect(text).lang

    def parse_message(self, body: bytes) -> tuple[str, str, dict[str, Any]]:
        """Check a message request and keep only the metadata the widget may set.

        Returns:
            The sender id, the visitor's text and the metadata for Rasa.

        Raises:
            RequestError: the body is not a valid message request.
        """
        data = json_object(body)
        sender = _sender(data)
        text = message_text(data, self.max_message_length)
        raw = data.get("metadata")
        if not isinstance(raw, dict):
            raw = {}
        metadata: dict[str, Any] = {}
        language = normalise(raw.get("language"))
        if language:
            metadata["language"] = language
            if raw.get("explicit") is True:
                metadata["explicit"] = True
        return sender, text, metadata


def parse_feedback(body: bytes) -> tuple[str, Rating, str]:
    """Check a feedback request.

    Returns:
        The sender id, the rating and the text of the rated bot message.

    Raises:
        RequestError: the body is not a valid feedback request.
    """
    data = json_object(body)
    sender = _sender(data)
    rating = data.get("rating")
    if rating not in _RATINGS:
        raise RequestError("'rating' must be 'up' or 'down'")
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise RequestError("'message' must be the text of the rated answer")
    if len(message) > _MAX_RATED_CHARS:
        raise RequestError(f"'message' is longer than {_MAX_RATED_CHARS} characters", status=413)
    return sender, rating, message.strip()


async def store_feedback(agent: Agent, sender: str, rating: Rating, message: str) -> bool:
    """Append a `feedback` slot event for the latest bot utterance with the rated text.

    Args:
        agent: the Rasa agent, whose tracker and lock stores hold the conversation.
        sender: the conversation id.
        rating: thumbs up or down.
        message: the text of the rated bot message, as the widget showed it.

    Returns:
        False when the conversation or the rated message does not exist.
    """
    async with agent.lock_store.lock(sender):
        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None:
            return False
        rated = _latest_bot_utterance(tracker, message)
        if rated is None:
            return False
        record: Feedback = {
            "rating": rating,
            "message": rated.text or "",
            "message_timestamp": rated.timestamp,
            "timestamp": time.time(),
        }
        tracker.update(SlotSet("feedback", record))
        await agent.tracker_store.save(tracker)
    return True


def _latest_bot_utterance(tracker: DialogueStateTracker, text: str) -> BotUttered | None:
    utterances = [e for e in reversed(tracker.events) if isinstance(e, BotUttered) and e.text]
    exact = next((e for e in utterances if (e.text or "").strip() == text), None)
    return exact or next((e for e in utterances if text in (e.text or "")), None)


async def _languages(agent: Agent | None, sender: str) -> tuple[Lang | None, Lang | None]:
    """The conversation's language after this turn, and the language the NLU pipeline found in
    the visitor's last message (None for a button payload or unclear words)."""
    if agent is None or agent.tracker_store is None:
        return None, None
    try:
        tracker = await agent.tracker_store.retrieve(sender)
    except STORAGE_ERRORS:  # the answer was stored; its language is the widget's guess then
        return None, None
    if tracker is None:
        return None, None
    user = tracker.latest_message
    decision = (user.parse_data or {}).get("language") if user is not None else None
    detected = normalise(decision.get("detected")) if isinstance(decision, dict) else None
    return normalise(tracker.get_slot("language")), detected


def _agent(request: Request) -> Agent | None:
    return getattr(request.app.ctx, "agent", None)


def _sender(data: dict[str, Any]) -> str:
    sender = data.get("sender")
    if not isinstance(sender, str) or not _SENDER_ID.fullmatch(sender):
        raise RequestError("'sender' must be 16 to 64 letters, digits, '-' or '_'")
    return sender
