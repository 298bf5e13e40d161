"""One Telegram update, handled the same way in webhook and polling mode."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from telegram.constants import ChatAction

from assistant.channels.telegram.buttons import CallbackPayloads
from assistant.channels.telegram.output import TelegramOutput
from assistant.channels.telegram.retry import RetryPolicy, Sleep, call_bot_api
from assistant.channels.telegram.updates import Incoming, Notice, read_update

if TYPE_CHECKING:
    from telegram import Bot, Update

logger = logging.getLogger(__name__)

Deliver = Callable[[Incoming, TelegramOutput], Awaitable[None]]
"""Hands a message to the assistant; the replies go out through the output channel."""

# Best-effort calls (the typing indicator) are tried once: a retry would come too late.
_ONCE = RetryPolicy(attempts=1)


class TelegramBridge:
    """Reads an update, answers it or hands it to the assistant, and sends the replies.

    The webhook route and the polling application both call `handle`; only `deliver` differs
    (Rasa's `on_new_message` in the server, the REST channel from the polling process).
    Updates of one chat are handled one after the other, in the order they arrived, so that
    replies keep the order of the questions; different chats are handled concurrently.

    Args:
        bot (Bot): the Bot API client.
        pseudonymise (Callable[[int], str]): maps a Telegram user id to the sender id.
        deliver (Deliver): hands a message to the assistant.
        payloads (CallbackPayloads): maps button payloads to callback data and back.
        retry (RetryPolicy | None): retry limits for Bot API calls.
        sleep (Sleep | None): waits between retries (injected in tests).
    """

    def __init__(
        self,
        bot: Bot,
        pseudonymise: Callable[[int], str],
        deliver: Deliver,
        payloads: CallbackPayloads | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.bot = bot
        self.pseudonymise = pseudonymise
        self.deliver = deliver
        self.payloads = payloads or CallbackPayloads()
        self.retry = retry or RetryPolicy()
        self.sleep: Sleep = sleep or asyncio.sleep
        self._chats: dict[int, _ChatTurn] = {}

    async def handle(self, update: Update) -> None:
        """Handle one update; never raises (errors are logged and, if possible, apologised for)."""
        try:
            await self._handle(update)
        except Exception:
            logger.exception("Telegram update %s could not be handled", update.update_id)

    async def _handle(self, update: Update) -> None:
        reading = read_update(
            update,
            pseudonymise=self.pseudonymise,
            payloads=self.payloads,
            bot_username=self._bot_username(),
        )
        if reading is None:
            logger.debug("Telegram update %s ignored", update.update_id)
            if update.callback_query is not None:
                await self._answer_button(update.callback_query.id)
            return
        async with self._turn(reading.chat_id):
            if update.callback_query is not None:
                await self._answer_button(update.callback_query.id)
            output = TelegramOutput(
                self.bot, reading.chat_id, self.payloads, reading.lang, self.retry, self.sleep
            )
            if isinstance(reading, Notice):
                logger.debug("Telegram update %s: notice %s", update.update_id, reading.kind)
                await output.send_notice(reading.kind)
                return
            logger.debug("Telegram update %s: message from %s", update.update_id, reading.sender_id)
            await self._show_typing(reading.chat_id)
            try:
                await self.deliver(reading, output)
            except Exception:
                logger.exception(
                    "The assistant failed on a Telegram message from %s", reading.sender_id
                )
                if not output.undeliverable:
                    await output.send_notice("unavailable")

    def _bot_username(self) -> str | None:
        try:
            return self.bot.username
        except RuntimeError:  # not initialised yet (getMe has not succeeded)
            return None

    async def _answer_button(self, query_id: str) -> None:
        # Stops the spinner on the pressed button; the answer itself follows as a message.
        call = functools.partial(self.bot.answer_callback_query, query_id)
        await call_bot_api(call, method="answerCallbackQuery", policy=self.retry, sleep=self.sleep)

    async def _show_typing(self, chat_id: int) -> None:
        call = functools.partial(self.bot.send_chat_action, chat_id, ChatAction.TYPING)
        await call_bot_api(call, method="sendChatAction", policy=_ONCE, sleep=self.sleep)

    @contextlib.asynccontextmanager
    async def _turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for earlier updates of the same chat; the lock is dropped when nobody waits."""
        turn = self._chats.setdefault(chat_id, _ChatTurn())
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._chats[chat_id]


class _ChatTurn:
    """An ordering lock for one chat and the number of updates holding or waiting for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0
