"""Reading a Telegram update: what goes to the assistant, what the channel answers itself.

The reading is done by python-telegram-bot's handlers (`CommandHandler`, `MessageHandler`,
`CallbackQueryHandler`) and filters, registered on the `Application` of either mode; what they
cannot express is written here as three small message filters (`VISITOR`, `SLASH`,
`ADDRESSED_TO_BOT`). Each handler turns its update into an `Incoming` message or a `Notice` and
passes it on; updates no handler takes (service messages, group chatter, channel posts, other
bots) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram import Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from assistant.channels.telegram.texts import NoticeKind
from assistant.lang import Lang, normalise

if TYPE_CHECKING:
    from telegram import Message, User
    from telegram.ext import BaseHandler, CallbackContext

    from assistant.channels.telegram.buttons import CallbackPayloads

# The update types the channel asks Telegram for (setWebhook and getUpdates).
ALLOWED_UPDATES: tuple[str, ...] = ("message", "edited_message", "callback_query")

# Commands answered by the assistant, as the intent payload they stand for.
COMMAND_PAYLOADS: dict[str, str] = {"start": "/greet", "help": "/ask_capabilities"}
LANGUAGE_COMMAND = "language"
SWITCH_LANGUAGE_PAYLOAD = "/switch_language"

# "/name" or "/name@bot" at the start of a text, as Telegram writes a command.
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s|$)")


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
Context: TypeAlias = "CallbackContext[Any, Any, Any, Any]"
OnReading: TypeAlias = Callable[[Reading, Context], Awaitable[None]]
"""Receives what an update means, with PTB's context (``context.bot`` answers it)."""
Callback: TypeAlias = Callable[[Update, Context], Coroutine[Any, Any, None]]


class _Visitor(filters.MessageFilter):
    """Messages written by a person (not by a bot, not posted by a channel)."""

    def filter(self, message: Message) -> bool:
        return message.from_user is not None and not message.from_user.is_bot


class _Slash(filters.MessageFilter):
    """Texts that start with "/": the assistant never gets one as text.

    Rasa reads ``/intent{...}`` as an intent payload, so a visitor must not be able to send one;
    PTB's `filters.COMMAND` looks only at the entities Telegram marked, not at the text.
    """

    def filter(self, message: Message) -> bool:
        return (message.text or "").lstrip().startswith("/")


class _AddressedToBot(filters.MessageFilter):
    """Group messages meant for this bot: a reply to it, a mention or a command for it."""

    def filter(self, message: Message) -> bool:
        bot_username = _bot_username(message)
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


VISITOR = _Visitor(name="VISITOR")
SLASH = _Slash(name="SLASH")
ADDRESSED_TO_BOT = _AddressedToBot(name="ADDRESSED_TO_BOT")

# A new message from a visitor in a private chat (not an edit, not a button press).
_PRIVATE = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & VISITOR


def reading_handlers(
    on_reading: OnReading, *, pseudonymise: Callable[[int], str], payloads: CallbackPayloads
) -> list[BaseHandler[Update, Any, None]]:
    """The handlers that read updates, in the order PTB tries them (the first match wins).

    Private text messages go to the assistant, with Telegram's `language_code` as the language
    hint. ``/start`` and ``/help`` become the payloads ``/greet`` and ``/ask_capabilities``;
    ``/language de|en`` becomes ``/switch_language`` with explicit language metadata. A button
    press becomes its payload. Photos, stickers, voice, locations and other non-text messages,
    edited messages, unknown commands and messages addressed to the bot in a group get a notice.

    Args:
        on_reading: receives each `Incoming` message or `Notice`.
        pseudonymise: maps a Telegram user id to the conversation's sender id.
        payloads: decodes the callback data of a button press.

    Returns:
        Handlers for one group of an `Application`.
    """

    async def button(update: Update, context: Context) -> None:
        query = update.callback_query
        message = query.message if query else None
        if query is None or message is None:
            return
        if message.chat.type != ChatType.PRIVATE or query.from_user.is_bot:
            return
        lang = normalise(query.from_user.language_code)
        payload = payloads.decode(query.data or "")
        if payload is None:
            await on_reading(Notice(message.chat.id, "button_expired", lang), context)
            return
        sender_id = pseudonymise(query.from_user.id)
        await on_reading(Incoming(message.chat.id, sender_id, payload, _hint(lang), lang), context)

    def payload_command(payload: str) -> Callback:
        async def send(update: Update, context: Context) -> None:
            message, user = _sender(update)
            lang = normalise(user.language_code)
            incoming = Incoming(message.chat.id, pseudonymise(user.id), payload, _hint(lang), lang)
            await on_reading(incoming, context)

        return send

    async def language(update: Update, context: Context) -> None:
        message, user = _sender(update)
        requested = normalise(" ".join(context.args or ()))
        if requested is None:
            lang = normalise(user.language_code)
            await on_reading(Notice(message.chat.id, "language_usage", lang), context)
            return
        metadata = {"language": requested, "explicit": True}
        sender_id = pseudonymise(user.id)
        switch = Incoming(message.chat.id, sender_id, SWITCH_LANGUAGE_PAYLOAD, metadata, requested)
        await on_reading(switch, context)

    async def text(update: Update, context: Context) -> None:
        message, user = _sender(update)
        stripped = (message.text or "").strip()
        if stripped:
            lang = normalise(user.language_code)
            incoming = Incoming(message.chat.id, pseudonymise(user.id), stripped, _hint(lang), lang)
            await on_reading(incoming, context)

    async def other_command(update: Update, context: Context) -> None:
        message, user = _sender(update)
        command = _COMMAND.match((message.text or "").lstrip())
        bot_username = _bot_username(message)
        if command and command["bot"] and bot_username:
            if command["bot"].lower() != bot_username.lower():
                return  # a command for another bot
        lang = normalise(user.language_code)
        await on_reading(Notice(message.chat.id, "unknown_command", lang), context)

    def notice(kind: NoticeKind) -> Callback:
        async def send(update: Update, context: Context) -> None:
            message, user = _sender(update)
            await on_reading(Notice(message.chat.id, kind, normalise(user.language_code)), context)

        return send

    return [
        CallbackQueryHandler(button),
        *(
            CommandHandler(name, payload_command(payload), filters=_PRIVATE)
            for name, payload in COMMAND_PAYLOADS.items()
        ),
        CommandHandler(LANGUAGE_COMMAND, language, filters=_PRIVATE),
        MessageHandler(_PRIVATE & filters.TEXT & ~SLASH, text),
        MessageHandler(_PRIVATE & SLASH, other_command),
        MessageHandler(
            _PRIVATE & (filters.ATTACHMENT | filters.CAPTION), notice("unsupported_content")
        ),
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE & filters.USER,
            notice("edited_message"),
        ),
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.ChatType.PRIVATE & VISITOR & ADDRESSED_TO_BOT,
            notice("private_only"),
        ),
    ]


def _sender(update: Update) -> tuple[Message, User]:
    """The message of an update and its author; the handlers' filters guarantee both."""
    message = update.effective_message
    if message is None or message.from_user is None:
        raise ValueError(f"update {update.update_id} carries no message from a user")
    return message, message.from_user


def _hint(lang: Lang | None) -> dict[str, Any]:
    return {"language": lang} if lang else {}


def _bot_username(message: Message) -> str | None:
    try:
        return message.get_bot().username
    except RuntimeError:  # no bot attached, or not initialised yet (getMe has not succeeded)
        return None
