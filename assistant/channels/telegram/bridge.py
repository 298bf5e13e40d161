"""The bridge to the assistant: one PTB `Application` per mode, its handlers, and per-chat order.

python-telegram-bot does the routing (the handlers of `updates.reading_handlers`), the error
handling and the concurrency limit in both modes. Two things it cannot do are written here:

- `ChatOrder`: PTB runs updates either all in sequence or concurrently in any order; replies
  must keep the order of one chat's questions while other chats go on, so this update
  processor (PTB's extension point for exactly this) holds one lock per chat.
- Handing a message to the assistant and answering it: `Deliver` differs per mode (Rasa's
  `on_new_message` in the server, the REST channel from the polling process).

Duplicates (the same ``update_id`` again) are stopped with PTB's own means: a `TypeHandler` in a
group before the reading handlers claims the update in the update `ledger` and raises
`ApplicationHandlerStop` when it was answered before or is being answered. The ledger outlives
the process and, in the production profile, is shared by every process of the bot; `handle`
records the update as answered once PTB handled it, or releases it when handling failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    TypeHandler,
)

from assistant.channels.apology import STORAGE_ERRORS, Apology
from assistant.channels.payload import MAX_MESSAGE_CHARS
from assistant.channels.ratelimit import Bucket, take
from assistant.channels.telegram.buttons import CallbackPayloads
from assistant.channels.telegram.ledger import Claim, MemoryLedger, UpdateLedger
from assistant.channels.telegram.output import TelegramOutput
from assistant.channels.telegram.retry import RetryPolicy, Sleep, call_bot_api
from assistant.channels.telegram.texts import unavailable
from assistant.channels.telegram.updates import Incoming, Notice, Reading, reading_handlers

if TYPE_CHECKING:
    from telegram import Bot

    from assistant.channels.telegram.updates import Context

logger = logging.getLogger(__name__)

Deliver = Callable[[Incoming, TelegramOutput], Awaitable[None]]
"""Hands a message to the assistant; the replies go out through the output channel."""
TelegramApplication = Application[Any, Any, Any, Any, Any, Any]
Handled = Literal["handled", "duplicate", "elsewhere"]
"""What `TelegramBridge.handle` did with an update: handled it now; ignored it (answered before,
or being answered here); left it to the process that is answering it."""

# Best-effort calls (the typing indicator) are tried once: a retry would come too late.
_ONCE = RetryPolicy(attempts=1)
# Handler groups that run before the reading handlers (group 0), in this order; PTB runs at
# most one handler per group.
_DUPLICATES = -2
_BEFORE_READING = -1
# Chats remembered at most as told to wait (rate limit).
_REMEMBERED_CHATS = 10_000


class ChatOrder(BaseUpdateProcessor):
    """Handles the updates of one chat one after the other, different chats concurrently.

    A chat's lock exists only while one of its updates is handled or waiting.

    Args:
        max_concurrent_updates (int): updates handled at the same time, across all chats.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, _ChatTurn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._turn(chat.id):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

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


def build_application(
    bot: Bot, *, max_concurrent_updates: int, polling: bool = False
) -> TelegramApplication:
    """A PTB `Application` around `bot` that keeps each chat in order (not yet initialised).

    Args:
        bot: the Bot API client (`bot.build_bot`).
        max_concurrent_updates: updates handled at the same time, across all chats.
        polling: with PTB's `Updater` (polling mode); the webhook route feeds updates itself.
    """
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .job_queue(None)  # no scheduled jobs; PTB's JobQueue would need APScheduler
        .concurrent_updates(ChatOrder(max_concurrent_updates))
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


class TelegramBridge:
    """Registers the channel's handlers on an `Application` and answers what they read.

    A notice is sent at once; a message for the assistant shows the typing indicator, goes to
    `deliver`, and gets an apology if the assistant fails. Every button press is answered
    (which stops the spinner on the button) before its update is read. An update that the
    ledger knows as answered or being answered (Telegram sends an update again when it saw no
    acknowledgement) is ignored; one whose handling failed gets another chance when sent again.

    Args:
        application (TelegramApplication): from `build_application`; its bot sends the replies.
        pseudonymise (Callable[[int], str]): maps a Telegram user id to the sender id.
        deliver (Deliver): hands a message to the assistant.
        payloads (CallbackPayloads): maps button payloads to callback data and back.
        retry (RetryPolicy | None): retry limits for Bot API calls.
        sleep (Sleep | None): waits between retries (injected in tests).
        chat_limit (Bucket | None): messages per chat; one over the limit gets a notice
            (once until the chat may write again) instead of an answer. None: no limit.
        apology (Apology | None): sent when the assistant answers nothing (actions down); its
            contact data also goes with the notice that the assistant is unavailable.
        ledger (UpdateLedger | None): which updates were answered (`ledger.ledger_for`);
            default one in this process's memory.
        take_over_claims (bool): handle an update that another process claimed but did not
            answer (polling mode: only one process fetches a bot's updates, so the claim is one
            a crashed run left); otherwise `handle` leaves it to that process.
    """

    def __init__(
        self,
        application: TelegramApplication,
        pseudonymise: Callable[[int], str],
        deliver: Deliver,
        payloads: CallbackPayloads | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        chat_limit: Bucket | None = None,
        apology: Apology | None = None,
        ledger: UpdateLedger | None = None,
        take_over_claims: bool = False,
    ) -> None:
        self.application = application
        self.chat_limit = chat_limit
        self.apology = apology or Apology(None)
        self.ledger: UpdateLedger = ledger or MemoryLedger()
        self.take_over_claims = take_over_claims
        self._told_to_wait: set[int] = set()
        # The updates being handled by `handle`, by the identity of the Update object (a copy
        # of an update is another object): what the ledger said, and whether a handler failed.
        self._turns: dict[int, _Turn] = {}
        self.deliver = deliver
        self.payloads = payloads or CallbackPayloads()
        self.retry = retry or RetryPolicy()
        self.sleep: Sleep = sleep or asyncio.sleep
        application.add_handler(TypeHandler(Update, self._skip_duplicate), _DUPLICATES)
        application.add_handler(CallbackQueryHandler(self._answer_button), _BEFORE_READING)
        application.add_handlers(
            reading_handlers(self._answer, pseudonymise=pseudonymise, payloads=self.payloads)
        )
        application.add_error_handler(self._log_error)

    async def handle(self, update: Update) -> Handled:
        """Handle one update the way the polling `Application` does, once; never raises.

        Both modes feed their updates here (PTB's `Updater` is not used). The application must
        be initialised.

        Returns:
            "handled" when it was handled now (the ledger records it as answered, or releases
            it when a handler failed), "duplicate" when it was answered before or is being
            answered here, "elsewhere" when another process claimed it and is answering it.
        """
        turn = _Turn()
        try:
            await self.application.update_processor.process_update(
                update, self._process(update, turn)
            )
        except Exception:
            logger.exception("Telegram update %s could not be handled", update.update_id)
        if turn.claim in ("answered", "in_hand"):
            return "duplicate"
        return "elsewhere" if turn.claim == "elsewhere" else "handled"

    async def _process(self, update: Update, turn: _Turn) -> None:
        """PTB's handling of `update` within its chat's turn (`ChatOrder`), then the ledger's
        record of it: so a chat's updates keep their order through the ledger's round trips."""
        self._turns[id(update)] = turn
        try:
            await self.application.process_update(update)
        except BaseException:  # cut off (a stop) or a bug: a copy gets another chance
            turn.failed = True
            raise
        finally:
            self._turns.pop(id(update), None)
            if turn.claim == "new":
                if turn.failed:
                    await self.ledger.release(update.update_id)
                else:
                    await self.ledger.answered(update.update_id)

    async def _answer(self, reading: Reading, context: Context) -> None:
        output = TelegramOutput(
            context.bot, reading.chat_id, self.payloads, reading.lang, self.retry, self.sleep
        )
        if isinstance(reading, Notice):
            logger.debug("Telegram notice %s", reading.kind)
            await output.send_notice(reading.kind)
            return
        if self.chat_limit and await take(self.chat_limit, str(reading.chat_id)):
            if reading.chat_id not in self._told_to_wait:  # one notice, not one per message
                if len(self._told_to_wait) > _REMEMBERED_CHATS:
                    self._told_to_wait.clear()
                self._told_to_wait.add(reading.chat_id)
                await output.send_notice("rate_limited")
            return
        self._told_to_wait.discard(reading.chat_id)
        if len(reading.text) > MAX_MESSAGE_CHARS:
            await output.send_notice("too_long")
            return
        logger.debug("Telegram message from %s", reading.sender_id)
        await self._show_typing(context.bot, reading.chat_id)
        try:
            await self.deliver(reading, output)
        except Exception as error:
            logger.exception(
                "The assistant failed on a Telegram message from %s", reading.sender_id
            )
            if isinstance(error, STORAGE_ERRORS) and output.attempted:
                return  # its answer went out, only storing the turn failed: no "unavailable"
            if not output.undeliverable:
                await output.send_text(unavailable(reading.lang, self.apology.contact))
            return
        if output.attempted == 0:  # every answer comes from an action: they are down
            logger.warning(
                "The assistant gave no answer to %s; the apology was sent", reading.sender_id
            )
            await output.send_text(self.apology.text(reading.lang))

    async def _skip_duplicate(self, update: Update, context: Context) -> None:
        turn = self._turns.get(id(update))
        if turn is None:  # not fed through `handle`: nothing would record it as answered
            return
        turn.claim = await self.ledger.claim(update.update_id, take_over=self.take_over_claims)
        if turn.claim in ("answered", "in_hand"):
            logger.info("Telegram update %s ignored: it arrived before", update.update_id)
            raise ApplicationHandlerStop
        if turn.claim == "elsewhere":
            logger.info("Telegram update %s is being answered by another process", update.update_id)
            raise ApplicationHandlerStop

    async def _answer_button(self, update: Update, context: Context) -> None:
        # Stops the spinner on the pressed button; the answer itself follows as a message.
        if update.callback_query is None:
            return
        call = functools.partial(context.bot.answer_callback_query, update.callback_query.id)
        await call_bot_api(call, method="answerCallbackQuery", policy=self.retry, sleep=self.sleep)

    async def _show_typing(self, bot: Bot, chat_id: int) -> None:
        call = functools.partial(bot.send_chat_action, chat_id, ChatAction.TYPING)
        await call_bot_api(call, method="sendChatAction", policy=_ONCE, sleep=self.sleep)

    async def _log_error(self, update: object, context: Context) -> None:
        # PTB's error handler; without one PTB logs the error itself, but not which update.
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("Telegram update %s could not be handled", update_id, exc_info=context.error)
        turn = self._turns.get(id(update))
        if turn is not None:
            turn.failed = True  # released by `handle`: if it is sent again, it gets another chance


class _Turn:
    """One update in `TelegramBridge.handle`: the ledger's answer and whether handling failed."""

    __slots__ = ("claim", "failed")

    def __init__(self) -> None:
        self.claim: Claim | None = None
        self.failed = False
