"""Reading a Telegram update: what goes to the assistant, what the channel answers itself."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from assistant.channels.telegram.buttons import CallbackPayloads
from assistant.channels.telegram.texts import NoticeKind
from assistant.lang import Lang, normalise

logger = logging.getLogger(__name__)

# The update types the channel asks Telegram for (setWebhook and getUpdates).
ALLOWED_UPDATES: tuple[str, ...] = ("message", "edited_message", "callback_query")

# Commands answered by the assistant, as the intent payload they stand for.
COMMAND_PAYLOADS: dict[str, str] = {"start": "/greet", "help": "/ask_capabilities"}
LANGUAGE_COMMAND = "language"
SWITCH_LANGUAGE_PAYLOAD = "/switch_language"

_COMMAND = re.compile(
    r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s+(?P<arg>.*))?$", re.S
)


@dataclass(frozen=True)
class Incoming:
    """A message for the assistant, read from one update.

    Attributes:
        chat_id (int): where the replies go; kept in memory only, never sent to the assistant.
        sender_id (str): the conversation id, a pseudonym of the Telegram user id.
        text (str): the visitor's text, or a payload (``/greet``, a button's payload).
        metadata (dict): message metadata for the assistant: ``{"language": "de"}`` as a hint,
            plus ``"explicit": True`` for ``/language``; never Telegram ids.
        lang (Lang | None): the visitor's language as far as Telegram knows it.
    """

    chat_id: int
    sender_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    lang: Lang | None = None


@dataclass(frozen=True)
class Notice:
    """An update the channel answers itself, with a short text in the visitor's language.

    Attributes:
        chat_id (int): where the notice goes.
        kind (NoticeKind): which notice (see `texts.NOTICES`).
        lang (Lang | None): the visitor's language; None sends both languages.
    """

    chat_id: int
    kind: NoticeKind
    lang: Lang | None = None


Reading = Incoming | Notice


def read_update(
    update: Update,
    *,
    pseudonymise: Callable[[int], str],
    payloads: CallbackPayloads,
    bot_username: str | None = None,
) -> Reading | None:
    """Decide what one update means.

    Private text messages go to the assistant, with Telegram's `language_code` as the language
    hint. ``/start`` and ``/help`` become the payloads ``/greet`` and ``/ask_capabilities``;
    ``/language de|en`` becomes ``/switch_language`` with explicit language metadata. A button
    press becomes its payload. Photos, stickers, voice, locations and other non-text messages,
    edited messages, unknown commands and messages addressed to the bot in a group get a notice.
    Everything else (service messages, group chatter, channel posts, other bots) is ignored.

    Args:
        update: the update as Telegram sent it.
        pseudonymise: maps a Telegram user id to the conversation's sender id.
        payloads: decodes the callback data of a button press.
        bot_username: the bot's username, to tell commands for this bot from others in groups.

    Returns:
        An `Incoming` message, a `Notice`, or None when the update is ignored.
    """
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE or query.from_user.is_bot:
            return None
        lang = normalise(query.from_user.language_code)
        payload = payloads.decode(query.data or "")
        if payload is None:
            return Notice(message.chat.id, "button_expired", lang)
        sender_id = pseudonymise(query.from_user.id)
        return Incoming(message.chat.id, sender_id, payload, _hint(lang), lang)
    if update.edited_message is not None:
        edited = update.edited_message
        if edited.chat.type != ChatType.PRIVATE or edited.from_user is None:
            return None
        return Notice(edited.chat.id, "edited_message", normalise(edited.from_user.language_code))
    if update.message is not None:
        return _read_message(update.message, pseudonymise, bot_username)
    return None


def _read_message(
    message: Message, pseudonymise: Callable[[int], str], bot_username: str | None
) -> Reading | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    chat_id = message.chat.id
    lang = normalise(user.language_code)
    if message.chat.type != ChatType.PRIVATE:
        addressed = _addressed_to_bot(message, bot_username)
        return Notice(chat_id, "private_only", lang) if addressed else None
    if message.text is None:
        return Notice(chat_id, "unsupported_content", lang) if _has_content(message) else None
    text = message.text.strip()
    if not text:
        return None
    if not text.startswith("/"):
        return Incoming(chat_id, pseudonymise(user.id), text, _hint(lang), lang)
    command = _COMMAND.match(text)
    if command is None:
        return Notice(chat_id, "unknown_command", lang)
    name = command["name"].lower()
    if command["bot"] and bot_username and command["bot"].lower() != bot_username.lower():
        return None
    if name in COMMAND_PAYLOADS:
        return Incoming(chat_id, pseudonymise(user.id), COMMAND_PAYLOADS[name], _hint(lang), lang)
    if name == LANGUAGE_COMMAND:
        requested = normalise((command["arg"] or "").strip())
        if requested is None:
            return Notice(chat_id, "language_usage", lang)
        metadata = {"language": requested, "explicit": True}
        sender_id = pseudonymise(user.id)
        return Incoming(chat_id, sender_id, SWITCH_LANGUAGE_PAYLOAD, metadata, requested)
    return Notice(chat_id, "unknown_command", lang)


def _hint(lang: Lang | None) -> dict[str, Any]:
    return {"language": lang} if lang else {}


def _has_content(message: Message) -> bool:
    """Whether a text-less message carries something the visitor sent (not a service message)."""
    return message.effective_attachment is not None or message.caption is not None


def _addressed_to_bot(message: Message, bot_username: str | None) -> bool:
    """Whether a group message is meant for this bot: a reply to it, a mention or a command."""
    if bot_username is None:  # the bot is not initialised yet: stay quiet rather than guess
        return False
    reply_to = message.reply_to_message
    if reply_to is not None and reply_to.from_user is not None:
        if (reply_to.from_user.username or "").lower() == bot_username.lower():
            return True
    mention = f"@{bot_username}".lower()
    for entity, value in message.parse_entities(
        [MessageEntityType.MENTION, MessageEntityType.BOT_COMMAND]
    ).items():
        if value.lower() == mention or (
            entity.type == MessageEntityType.BOT_COMMAND and value.lower().endswith(mention)
        ):
            return True
    return False
