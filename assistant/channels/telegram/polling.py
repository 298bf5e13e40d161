"""Polling mode: PTB's Application fetches updates and forwards them to the Rasa REST channel.

For a laptop or a server without a public HTTPS URL; runs beside ``make run`` as
``make telegram`` (``berlin-assistant telegram``). PTB's `Updater` polls, confirms offsets
and retries failed polls; the handlers and the per-chat order are those of `bridge`. What
stays here: `RestAssistant`, the client of Rasa's REST channel (PTB knows nothing of Rasa),
and the start and stop around PTB's `Updater` instead of `Application.run_polling`, which owns
the event loop and the signal handlers (tests could not stop it) and ends a refused token with
a traceback instead of one log line and an exit code.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import signal
from typing import TYPE_CHECKING, Any, TypedDict

import httpx
from telegram.error import InvalidToken, NetworkError, TelegramError

from assistant.channels.apology import Apology
from assistant.channels.ratelimit import TokenBucket
from assistant.channels.telegram.bot import (
    build_bot,
    config_problem,
    describe_bad_token,
    register_commands,
)
from assistant.channels.telegram.bridge import TelegramBridge, build_application
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.retry import RetryPolicy, Sleep
from assistant.channels.telegram.updates import ALLOWED_UPDATES

if TYPE_CHECKING:
    from assistant.channels.telegram.output import TelegramOutput
    from assistant.channels.telegram.updates import Incoming
    from assistant.settings import Settings

logger = logging.getLogger(__name__)

REST_PATH = "/webhooks/rest/webhook"
# Updates handled at the same time across all chats; each chat stays in order (`ChatOrder`).
MAX_CONCURRENT_UPDATES = 16


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

    Offsets: PTB confirms fetched updates with the next ``getUpdates`` call and once more on
    shutdown, so after a restart no update is answered twice.

    Args:
        settings (Settings): token, Bot API server, pseudonym key and ``rasa_url``.
        rest_client (httpx.AsyncClient | None): client for the REST channel; one is created
            (and closed after `run`) when None.
        retry (RetryPolicy | None): retry limits for Bot API calls.
        sleep (Sleep | None): waits between retries (injected in tests).
        poll_timeout (float): seconds one long-polling ``getUpdates`` may wait.

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
    ) -> None:
        if not settings.telegram_token or not settings.pseudonym_key:
            raise ValueError("TELEGRAM_BOT_TOKEN and ASSISTANT_PSEUDONYM_KEY are required")
        self.application = build_application(
            build_bot(settings), max_concurrent_updates=MAX_CONCURRENT_UPDATES, polling=True
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
            chat_limit=TokenBucket(settings.rate_limit_per_sender),
            apology=Apology.from_knowledge(settings.knowledge_dir),
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
        updater = self.application.updater
        if updater is None:  # built without one: cannot happen with ApplicationBuilder defaults
            raise RuntimeError("the Telegram application has no updater")
        try:
            await register_commands(self.application.bot, self.retry)
            await updater.start_polling(
                timeout=dtm.timedelta(seconds=self.poll_timeout),
                bootstrap_retries=3,
                allowed_updates=list(ALLOWED_UPDATES),
                error_callback=_log_polling_error,
            )
            await self.application.start()
            logger.info(
                "Telegram polling as @%s, forwarding to %s",
                self.application.bot.username,
                self.rest.url,
            )
            await stop.wait()
        finally:
            if updater.running:
                await updater.stop()  # confirms the offset of every fetched update
            if self.application.running:
                await self.application.stop()  # answers the updates already fetched
            await self.application.shutdown()


def _log_polling_error(error: TelegramError) -> None:
    # PTB retries polling by itself; one line per failure instead of a traceback.
    logger.warning("Telegram polling failed (%s); retrying", error)


def run_polling(settings: Settings) -> int:
    """Entry point of ``make telegram``: poll until Ctrl-C or SIGTERM.

    Returns:
        The process exit code: 0 after a clean stop, 2 for a configuration problem or a
        refused token, 1 when Telegram cannot be reached.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    problem = config_problem(settings, "polling")
    if problem:
        logger.error("Telegram polling not started: %s", problem)
        return 2

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        return await TelegramPolling(settings).run(stop)

    return asyncio.run(main())
