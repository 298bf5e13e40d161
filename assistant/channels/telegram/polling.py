"""Polling mode: fetches updates with ``getUpdates`` and forwards them to the Rasa REST channel.

For a laptop or a server without a public HTTPS URL; runs beside ``make run`` as
``make telegram`` (``berlin-assistant telegram``). The handlers and the per-chat order are
those of `bridge` (a PTB `Application`, used without PTB's `Updater`). Also here:
`RestAssistant`, the client of Rasa's REST channel (PTB knows nothing of Rasa).

No update is lost at shutdown or on a crash: the offset, which confirms updates to Telegram,
advances past a batch of fetched updates only after every update of the batch was answered.
PTB's `Updater` cannot do that: it confirms a batch with the next ``getUpdates`` while the
batch is still being answered, so a crash lost those updates. Telegram keeps unconfirmed
updates (for 24 hours), so after a crash or a kill the next start fetches the batch again;
so no queue of our own is needed. The cost: one slow update holds back the next fetch (the
other updates of its batch are answered concurrently, as in webhook mode). After a crash the
interrupted batch comes again; the update ledger (`ledger`: the tracker store's database of
the endpoints file, or Redis in the production profile, as the Rasa server's webhook uses)
knows which of its updates had been answered, and only the others are answered now (an update
cut off in the middle of its replies, again in full: at least once, never lost). A clean stop
(Ctrl-C, SIGTERM) finishes the batch in hand and confirms it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import httpx
from telegram.error import InvalidToken, NetworkError, TelegramError

from assistant import logs
from assistant.channels.apology import Apology
from assistant.channels.ratelimit import bucket
from assistant.channels.telegram.bot import (
    build_bot,
    config_problem,
    describe_bad_token,
    register_commands,
)
from assistant.channels.telegram.bridge import TelegramBridge, build_application
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import MemoryLedger, UpdateLedger, ledger_for
from assistant.channels.telegram.retry import RetryPolicy, Sleep, call_bot_api
from assistant.channels.telegram.updates import ALLOWED_UPDATES

if TYPE_CHECKING:
    from telegram import Update

    from assistant.channels.telegram.output import TelegramOutput
    from assistant.channels.telegram.updates import Incoming
    from assistant.settings import Settings

logger = logging.getLogger(__name__)

REST_PATH = "/webhooks/rest/webhook"
# Updates handled at the same time across all chats; each chat stays in order (`ChatOrder`).
MAX_CONCURRENT_UPDATES = 16
# Waits after a failed getUpdates: 1 s, 2 s, 4 s, … up to 30 s.
_POLL_RETRY_BASE = 1.0
_POLL_RETRY_MAX = 30.0
T = TypeVar("T")


class RestButton(TypedDict, total=False):
    """A button in a REST reply."""

    title: str
    payload: str
    url: str


class RestReply(TypedDict, total=False):
    """One bot message as the Rasa REST channel returns it."""

    recipient_id: str
    text: str
    buttons: list[RestButton]
    image: str
    attachment: str
    custom: dict[str, Any]


class RestAssistant:
    """Sends a message to the Rasa server's REST channel and returns the replies.

    Args:
        rasa_url (str): the Rasa server, e.g. ``http://127.0.0.1:5005``.
        client (httpx.AsyncClient): the HTTP client (tests pass one with a MockTransport).
    """

    def __init__(self, rasa_url: str, client: httpx.AsyncClient) -> None:
        self.url = rasa_url.rstrip("/") + REST_PATH
        self.client = client

    async def send(self, incoming: Incoming) -> list[RestReply]:
        """Forward one message.

        Raises:
            httpx.HTTPError: the server cannot be reached or answers with an error.
            ValueError: the answer is not a list of messages.
        """
        response = await self.client.post(
            self.url,
            json={
                "sender": incoming.sender_id,
                "message": incoming.text,
                "metadata": incoming.metadata,
            },
        )
        response.raise_for_status()
        replies = response.json()
        if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
            raise ValueError("the REST channel did not answer with a list of messages")
        return replies


class TelegramPolling:
    """The polling application: fetches updates, hands them to the shared bridge.

    Offsets: a batch is confirmed (with the next ``getUpdates``, or one more call on stop)
    only after all its updates were answered; see the module docstring.

    Args:
        settings (Settings): token, Bot API server, pseudonym key and ``rasa_url``.
        rest_client (httpx.AsyncClient | None): client for the REST channel; one is created
            (and closed after `run`) when None.
        retry (RetryPolicy | None): retry limits for Bot API calls.
        sleep (Sleep | None): waits between retries (injected in tests).
        poll_timeout (float): seconds one long-polling ``getUpdates`` may wait.
        ledger (UpdateLedger | None): which updates were answered, kept across runs
            (`run_polling` passes the profile's); None: in this run's memory only.

    Raises:
        ValueError: the token or the pseudonym key is missing.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        rest_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        poll_timeout: float = 10.0,
        ledger: UpdateLedger | None = None,
    ) -> None:
        if not settings.telegram_token or not settings.pseudonym_key:
            raise ValueError("TELEGRAM_BOT_TOKEN and ASSISTANT_PSEUDONYM_KEY are required")
        self.application = build_application(
            build_bot(settings), max_concurrent_updates=MAX_CONCURRENT_UPDATES
        )
        self.retry = retry or RetryPolicy()
        self.poll_timeout = poll_timeout
        self._owns_client = rest_client is None
        self.rest = RestAssistant(
            settings.rasa_url, rest_client or httpx.AsyncClient(timeout=httpx.Timeout(60.0))
        )
        self.bridge = TelegramBridge(
            self.application,
            Pseudonymiser(settings.pseudonym_key),
            self.deliver,
            retry=self.retry,
            sleep=sleep,
            chat_limit=bucket(settings, "telegram", settings.rate_limit_per_sender),
            apology=Apology.from_knowledge(settings.knowledge_dir),
            ledger=ledger,
            # Telegram hands a bot's updates to one poller at a time (another one's getUpdates
            # gets 409 Conflict): a claim of another process is one a crashed run left.
            take_over_claims=True,
        )

    async def deliver(self, incoming: Incoming, output: TelegramOutput) -> None:
        """Forward a message to the REST channel and send its replies to the chat."""
        for reply in await self.rest.send(incoming):
            message: dict[str, Any] = {k: v for k, v in reply.items() if k != "recipient_id"}
            if message.get("buttons") or message.get("quick_replies"):
                message.setdefault("text", "")
            await output.send_response(incoming.sender_id, message)

    async def run(self, stop: asyncio.Event) -> int:
        """Poll until `stop` is set; then confirm the offset and close everything.

        Returns:
            0 after a clean stop, 2 when Telegram refuses the token, 1 when it cannot be reached.
        """
        try:
            try:
                await self.application.initialize()  # getMe: checks the token
            except InvalidToken as error:
                logger.error(describe_bad_token(error))
                await self.application.bot.shutdown()
                return 2
            except NetworkError as error:
                logger.error("Telegram Bot API not reachable (%s); polling not started", error)
                await self.application.bot.shutdown()
                return 1
            await self._poll(stop)
            return 0
        finally:
            if self._owns_client:
                await self.rest.client.aclose()

    async def _poll(self, stop: asyncio.Event) -> None:
        bot = self.application.bot
        offset: int | None = None
        try:
            await register_commands(bot, self.retry)
            # Polling and a webhook exclude each other; Telegram keeps the pending updates.
            await call_bot_api(bot.delete_webhook, method="deleteWebhook", policy=self.retry)
            logger.info("Telegram polling as @%s, forwarding to %s", bot.username, self.rest.url)
            failures = 0
            while not stop.is_set():
                updates = await _until_stopped(stop, self._fetch(offset))
                if updates is None:  # stopped while waiting for updates
                    break
                if isinstance(updates, TelegramError):
                    failures += 1
                    delay = min(_POLL_RETRY_BASE * 2 ** (failures - 1), _POLL_RETRY_MAX)
                    logger.warning(
                        "Telegram polling failed (%s); retrying in %.0f s", updates, delay
                    )
                    await _until_stopped(stop, asyncio.sleep(delay))
                    continue
                failures = 0
                if updates:
                    # Answered before they are confirmed; a stop waits for the batch in hand.
                    await asyncio.gather(*(self.bridge.handle(update) for update in updates))
                    offset = updates[-1].update_id + 1
        finally:
            if offset is not None:
                await self._confirm(offset)
            await self.application.shutdown()

    async def _fetch(self, offset: int | None) -> list[Update] | TelegramError:
        try:
            return list(
                await self.application.bot.get_updates(
                    offset=offset,
                    timeout=dtm.timedelta(seconds=self.poll_timeout),
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            )
        except TelegramError as error:
            return error

    async def _confirm(self, offset: int) -> None:
        """Confirm every update before `offset` (Telegram drops them), fetching nothing new."""
        try:
            await self.application.bot.get_updates(offset=offset, timeout=dtm.timedelta(0), limit=1)
        except TelegramError as error:  # they come again after a restart: answered twice
            logger.warning("Telegram: answered updates not confirmed (%s)", error)


async def _until_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, T]) -> T | None:
    """`work`'s result, or None (with `work` cancelled) once `stop` is set."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when the poller itself is cancelled: nothing is left running
        stopped.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return None if task.cancelled() else task.result()


def run_polling(settings: Settings, endpoints: Path | None = None) -> int:
    """Entry point of ``make telegram``: poll until Ctrl-C or SIGTERM.

    Args:
        settings: the configuration; its profile decides where the answered updates are kept.
        endpoints: the Rasa server's endpoints file, whose SQL tracker store keeps them in the
            embedded profile (the production profile keeps them in Redis); default
            ``endpoints.yml``.

    Returns:
        The process exit code: 0 after a clean stop, 2 for a configuration problem or a
        refused token, 1 when Telegram cannot be reached.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logs.install()  # no visitor text in this process's log either
    problem = config_problem(settings, "polling")
    if problem:
        logger.error("Telegram polling not started: %s", problem)
        return 2

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        return await TelegramPolling(settings, ledger=profile_ledger(settings, endpoints)).run(stop)

    return asyncio.run(main())


def profile_ledger(settings: Settings, endpoints: Path | None = None) -> UpdateLedger:
    """The ledger the Rasa server's webhook would use: Redis in the production profile, else
    the database of the tracker store in `endpoints` (default ``endpoints.yml``)."""
    if settings.profile == "production":
        return ledger_for(settings)
    import sqlalchemy as sa
    from rasa.core.tracker_store import create_engine_kwargs  # Rasa's pool options

    from assistant.settings import PROJECT_ROOT
    from assistant.storage import StorageError, sqlite_path, tracker_store_url

    try:
        url = tracker_store_url(endpoints or PROJECT_ROOT / "endpoints.yml")
    except StorageError as error:
        logger.warning("Telegram: answered updates are remembered in memory only (%s)", error)
        return MemoryLedger()
    db_file = sqlite_path(url)
    if db_file is not None:  # polling may start before the Rasa server created it
        db_file.parent.mkdir(parents=True, exist_ok=True)
    return ledger_for(settings, sa.create_engine(url, **create_engine_kwargs(url)))
