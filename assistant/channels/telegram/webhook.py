"""Telegram as a Rasa input channel: the webhook route on the Rasa server.

Registered in credentials.yml as ``assistant.channels.telegram.TelegramInput`` (re-exported by
the package); polling mode (no public URL) lives in `polling` and is started with
``make telegram``.

No update is lost at shutdown or on a crash: the route answers an update *before* it
acknowledges it. Telegram keeps an update and sends it again until it gets a 2xx, so an update
whose answer was interrupted (the server stopped, was killed, or took longer than
`ANSWER_TIMEOUT`) arrives again and is answered then. This needs no storage of our own; a
persistent queue (SQLite under var/) was the alternative, but it would duplicate what Telegram
already keeps for us and would need its own draining, locking and clean-up. The costs:

- Telegram waits for the answer. `ANSWER_TIMEOUT` stays well below the time Telegram waits for
  a webhook (not documented; about a minute in practice); after it the route answers 503, the
  update keeps being answered here, and Telegram's next try joins that work instead of
  starting it again (`_Webhook.inflight`).
- An update sent again after it was answered is ignored: the bridge's update ledger
  (`ledger`, by ``update_id``) remembers it in the tracker store's database (embedded profile)
  or in Redis (production, shared by the Rasa servers), so also after a restart and on another
  server. A copy that reaches a server while another one is still answering it gets 503, and
  Telegram's next try finds it answered. An update whose replies were partly sent when the
  process died is answered again once its claim lapses (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Literal

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from telegram import Update

from assistant.channels.apology import Apology
from assistant.channels.payload import RequestError, cap_body, read_json_object
from assistant.channels.ratelimit import bucket
from assistant.channels.telegram.bot import BotState, build_bot, config_problem, start_bot
from assistant.channels.telegram.bridge import TelegramBridge, build_application
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import UpdateLedger, ledger_for, tracker_database
from assistant.channels.telegram.retry import RetryPolicy, Sleep, call_bot_api
from assistant.channels.telegram.updates import ALLOWED_UPDATES
from assistant.settings import Settings

if TYPE_CHECKING:
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse
    from telegram import Bot

    from assistant.channels.telegram.output import TelegramOutput
    from assistant.channels.telegram.updates import Incoming

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# How long a stopping server waits for updates still being answered; an update cut off after
# it is not acknowledged, so Telegram sends it again once the server is back.
STOP_GRACE_SECONDS = 15.0
# How long the route waits for an update's answer before it gives Telegram a 503 (Telegram
# then tries again later; the answer goes on here). Below Telegram's own webhook timeout.
ANSWER_TIMEOUT = 25.0
# Updates handled at the same time across all chats (more wait for a free slot); Telegram
# itself opens at most 40 connections per webhook (`max_connections`), and retries add a few.
MAX_CONCURRENT_UPDATES = 256
# Largest update body read: a 4,096-character message written as JSON escapes, with entities.
MAX_UPDATE_BYTES = 64 * 1024


class TelegramInput(InputChannel):
    """Receives Telegram updates on ``POST /webhooks/telegram/webhook``.

    Configuration comes from the environment (`assistant.settings.Settings`), not from
    credentials.yml:

    - ``TELEGRAM_BOT_TOKEN``: the token from @BotFather; without it the channel is off.
    - ``TELEGRAM_WEBHOOK_URL``: the public HTTPS URL of the route above, registered with
      Telegram at start-up; without it the channel is off (use polling mode instead).
    - ``TELEGRAM_WEBHOOK_SECRET``: required with the URL; Telegram sends it in the
      ``X-Telegram-Bot-Api-Secret-Token`` header, and any request without it gets 403.
    - ``TELEGRAM_API_BASE_URL``: Bot API server root (default ``https://api.telegram.org``).
    - ``ASSISTANT_PSEUDONYM_KEY``: key for the pseudonymous sender ids; required.

    The route acknowledges an update (200) only after it was answered, so Telegram sends an
    interrupted one again (see the module docstring); an update that cannot be answered at
    all (unreadable, bad token) is acknowledged at once, since no retry can help.
    ``GET /webhooks/telegram/`` reports the channel's state.

    The update is handled by a python-telegram-bot `Application` without an `Updater` (the
    route receives the updates), with the same handlers as polling mode (`bridge`). What
    stays here: the route and its secret check, since the webhook shares the Rasa server's
    Sanic app and port (PTB's own webhook server is a separate tornado server, an extra
    dependency, on a port of its own),
    and a lazy start: the bot is started on the first update or after the server started,
    and again while Telegram is unreachable, so the Rasa server never waits for Telegram.

    Args:
        settings (Settings): the configuration.
        bot_factory (Callable[[Settings], Bot]): builds the Bot API client (tests inject one).
        retry (RetryPolicy | None): retry limits for Bot API calls.
        sleep (Sleep | None): waits between retries (injected in tests).
        ledger (UpdateLedger | None): which updates were answered; None: the profile's
            (`ledger.ledger_for`: Redis in production, else the database of the Rasa agent's
            tracker store), chosen with the first update.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        bot_factory: Callable[[Settings], Bot] = build_bot,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        ledger: UpdateLedger | None = None,
    ) -> None:
        self.settings = settings
        self.bot_factory = bot_factory
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.ledger = ledger

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """Build the channel from the environment; the credentials entry carries no keys."""
        return cls(Settings.from_env())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The webhook route, or only the status route while the channel is off."""
        blueprint = Blueprint("berlin_telegram")
        problem = config_problem(self.settings, "webhook")
        webhook = None if problem else _Webhook(self, on_new_message)

        @blueprint.route("/", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            return response.json({"status": webhook.state if webhook else "off"})

        if webhook is None:
            if problem and problem.startswith("TELEGRAM_BOT_TOKEN"):
                logger.info("Telegram channel off: %s", problem)
            else:
                logger.error("Telegram channel off: %s", problem)
            return blueprint

        @blueprint.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await webhook.receive(request)
            except Exception:  # a 5xx would only make Telegram send the same update again
                logger.exception("Telegram webhook: update could not be accepted and is dropped")
                return response.json({"status": "dropped"})

        @blueprint.listener("after_server_start")
        async def start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            webhook.spawn(webhook.ensure_ready())

        @blueprint.listener("before_server_stop")
        async def stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            await webhook.stop()

        return blueprint


class _Webhook:
    """The running webhook of one server: the bot, the shared bridge and the pending work."""

    def __init__(self, channel: TelegramInput, on_new_message: OnNewMessage) -> None:
        settings = channel.settings
        if not settings.pseudonym_key or not settings.telegram_webhook_secret:
            raise ValueError("the webhook needs a pseudonym key and a webhook secret")
        self.settings = settings
        self.retry = channel.retry
        self.on_new_message = on_new_message
        self.bot = channel.bot_factory(settings)
        self.secret = settings.telegram_webhook_secret.encode("utf-8")
        self.application = build_application(
            self.bot, max_concurrent_updates=MAX_CONCURRENT_UPDATES
        )
        self.bridge = TelegramBridge(
            self.application,
            Pseudonymiser(settings.pseudonym_key),
            self.deliver,
            retry=channel.retry,
            sleep=channel.sleep,
            chat_limit=bucket(settings, "telegram", settings.rate_limit_per_sender),
            apology=Apology.from_knowledge(settings.knowledge_dir),
            ledger=channel.ledger,
        )
        self.ledger_chosen = channel.ledger is not None
        self.state: BotState | Literal["starting"] = "starting"
        self._start_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        # Updates being answered, by update_id: Telegram's retry of one joins its work.
        self.inflight: dict[int, asyncio.Task[Any]] = {}
        self.stopping = False

    async def receive(self, request: Request) -> HTTPResponse:
        """Check the secret, answer the update, then acknowledge it.

        The body is read only after the secret matched, and only up to `MAX_UPDATE_BYTES`.
        Returns 200 once the update was answered (or cannot be), 503 when its answer did not
        finish in `ANSWER_TIMEOUT`, was cut off by a shutdown, or is being given by another
        server: Telegram sends it again.
        """
        cap_body(request, MAX_UPDATE_BYTES)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode("utf-8"), self.secret):
            logger.warning("Telegram webhook: request without the right secret refused (403)")
            return response.json({"status": "forbidden"}, status=403)
        try:
            data = await read_json_object(request, MAX_UPDATE_BYTES)
        except RequestError as error:
            logger.warning("Telegram webhook: update refused (%s)", error)
            return error.response()
        try:
            update = Update.de_json(data, self.bot)
        except Exception as error:  # malformed JSON or not an update: no retry can fix it
            logger.warning("Telegram webhook: unreadable update refused (%s)", type(error).__name__)
            update = None
        if update is None:
            return response.json({"error": "the body is not a Telegram update"}, status=400)
        if self.stopping:
            return _retry_later()
        self._choose_ledger(request.app)
        task = self.inflight.get(update.update_id)
        if task is None:
            task = self.spawn(self.process(update))
            self.inflight[update.update_id] = task
            task.add_done_callback(functools.partial(self._finished, update.update_id))
        await asyncio.wait({task}, timeout=ANSWER_TIMEOUT)
        if task.done() and not task.cancelled() and task.exception() is None:
            return response.json({"status": "ok"})
        logger.info(
            "Telegram update %s not answered yet; Telegram will send it again", update.update_id
        )
        return _retry_later()

    def _choose_ledger(self, app: Sanic) -> None:
        """The profile's ledger, once: Redis, or the database of the agent's tracker store.

        Rasa loads its agent before the server starts, so it is there with the first update.
        """
        if self.ledger_chosen:
            return
        self.ledger_chosen = True
        agent = getattr(app.ctx, "agent", None)
        database = tracker_database(getattr(agent, "tracker_store", None))
        self.bridge.ledger = ledger_for(self.settings, database)
        if database is None and self.settings.profile != "production":
            logger.warning(
                "Telegram: the tracker store is not an SQL database; answered updates are "
                "remembered in this process's memory only"
            )

    def _finished(self, update_id: int, task: asyncio.Task[Any]) -> None:
        self.inflight.pop(update_id, None)
        if task.cancelled():
            return
        error = task.exception()  # retrieved: no asyncio warning
        if isinstance(error, _Elsewhere):
            logger.info("Telegram update %s left to the server that is answering it", update_id)
        elif error is not None:
            logger.info("Telegram update %s not answered: the Bot API is unreachable", update_id)

    async def process(self, update: Update) -> None:
        """Answer one update; raises `_Unreachable` or `_Elsewhere` so that Telegram sends it
        again."""
        if await self.ensure_ready():
            if await self.bridge.handle(update) == "elsewhere":
                raise _Elsewhere
        elif self.state == "unreachable":
            raise _Unreachable
        else:  # a refused token: no retry helps
            logger.debug("Telegram update %s dropped: the bot is %s", update.update_id, self.state)

    async def deliver(self, incoming: Incoming, output: TelegramOutput) -> None:
        await self.on_new_message(
            UserMessage(
                incoming.text,
                output,
                incoming.sender_id,
                input_channel=TelegramInput.name(),
                metadata=incoming.metadata,
            )
        )

    async def ensure_ready(self) -> bool:
        """Start the bot once (check the token, register the webhook); retried while unreachable."""
        async with self._start_lock:
            if self.state in ("starting", "unreachable"):
                self.state = await start_bot(self.bot, self.retry)
                if self.state == "ready":
                    await self.application.initialize()  # the bot is initialised already
                    await self._set_webhook()
            return self.state == "ready"

    async def _set_webhook(self) -> None:
        url = self.settings.telegram_webhook_url

        async def call() -> bool:
            return await self.bot.set_webhook(
                url or "",
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )

        if await call_bot_api(call, method="setWebhook", policy=self.retry) is None:
            logger.error("Telegram did not accept the webhook URL %s; no updates will arrive", url)
        else:
            logger.info("Telegram webhook registered at %s", url)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `work` in the background and keep it referenced until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def stop(self) -> None:
        """Let updates in progress finish (bounded), then close the client.

        An update cut off here is not acknowledged (its route answers 503, or the connection
        closes), so Telegram sends it again to the next server.
        """
        self.stopping = True
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                logger.warning(
                    "Telegram: %d update(s) cut off by the shutdown; Telegram sends them again",
                    len(pending),
                )
                await asyncio.wait(pending)
        await self.application.shutdown()
        await self.bot.shutdown()  # also when the application never got initialised


class _Unreachable(Exception):
    """The Bot API cannot be reached: the update stays unacknowledged."""


class _Elsewhere(Exception):
    """Another server is answering the update: it stays unacknowledged here."""


def _retry_later() -> HTTPResponse:
    # Not acknowledged: Telegram keeps the update and sends it again.
    return response.json({"status": "not answered yet"}, status=503, headers={"Retry-After": "5"})
