"""The assistant's replies as Telegram messages to one chat: plain text, split, with keyboards."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import OutputChannel
from telegram import LinkPreviewOptions

from assistant.channels.telegram.buttons import CallbackPayloads, inline_keyboard
from assistant.channels.telegram.chunks import split_text
from assistant.channels.telegram.retry import RetryPolicy, Sleep, call_bot_api
from assistant.channels.telegram.texts import NoticeKind, notice

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup

    from assistant.lang import Lang

logger = logging.getLogger(__name__)

# Replies cite their sources as links; a preview card under every answer would bury the text.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramOutput(OutputChannel):
    """Sends replies to one Telegram chat.

    Texts go out as plain text (no `parse_mode`), so ``<``, ``_`` or ``*`` from the knowledge
    files or the visitor arrive as they are. Texts over 4096 characters are split; buttons
    become an inline keyboard under the last piece. Every call is retried as
    `retry.call_bot_api` describes and never raises: once the chat refuses a message
    (the visitor blocked the bot), the rest of the reply is dropped.

    The chat id lives only in this object, which exists for one incoming message; the
    recipient id Rasa passes (the pseudonym) is not used.

    Args:
        bot (Bot): the Bot API client.
        chat_id (int): the chat to answer.
        payloads (CallbackPayloads): maps button payloads to callback data.
        lang (Lang | None): the visitor's language, for the channel's own texts.
        retry (RetryPolicy | None): retry limits for Bot API calls.
        sleep (Sleep | None): waits between retries (injected in tests).
    """

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        payloads: CallbackPayloads,
        lang: Lang | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.payloads = payloads
        self.lang = lang
        self.retry = retry or RetryPolicy()
        self.sleep: Sleep = sleep or asyncio.sleep
        self.undeliverable = False
        self.attempted = 0  # messages tried (the bridge apologises when the assistant sent none)

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_text(text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text(text, buttons)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text(text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_text(image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_text(attachment)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # Custom payloads are meant for other clients (the web widget); JSON is no answer here.
        logger.debug("Telegram: custom payload dropped (keys %s)", sorted(json_message))

    async def send_notice(self, kind: NoticeKind) -> None:
        """Send one of the channel's own texts in the visitor's language."""
        await self.send_text(notice(kind, self.lang))

    async def send_text(self, text: str, buttons: Iterable[Mapping[str, Any]] = ()) -> None:
        """Send a text, split to Telegram's limit, with buttons under the last piece."""
        keyboard = inline_keyboard(buttons, self.payloads)
        pieces = split_text(text)
        if not pieces and keyboard is not None:
            pieces = [notice("choose_topic", self.lang)]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await self._send_piece(piece, keyboard if last else None)

    async def _send_piece(self, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
        self.attempted += 1
        if self.undeliverable:
            return
        call = functools.partial(
            self.bot.send_message,
            chat_id=self.chat_id,
            text=text,
            reply_markup=keyboard,
            link_preview_options=_NO_PREVIEW,
        )
        sent = await call_bot_api(call, method="sendMessage", policy=self.retry, sleep=self.sleep)
        if sent is None:
            self.undeliverable = True
