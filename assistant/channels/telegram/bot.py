"""The Bot API client: configuration checks, construction, start-up (token check, command menu)."""

from __future__ import annotations

import functools
import logging
import re
from typing import TYPE_CHECKING, Literal

from telegram import Bot, BotCommand
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from assistant.channels.telegram.retry import RetryPolicy, call_bot_api
from assistant.channels.telegram.texts import COMMANDS
from assistant.lang import LANGUAGES

if TYPE_CHECKING:
    from assistant.lang import Lang
    from assistant.settings import Settings

logger = logging.getLogger(__name__)

API_ROOT = "https://api.telegram.org"
# What Telegram accepts as a webhook secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

Mode = Literal["webhook", "polling"]
BotState = Literal["ready", "bad_token", "unreachable"]


def config_problem(settings: Settings, mode: Mode) -> str | None:
    """What keeps the Telegram channel from running in `mode`, or None when it can run.

    Returns:
        One sentence naming the variable to set; it starts with "TELEGRAM_BOT_TOKEN is not
        set" when the channel is simply switched off.
    """
    if not settings.telegram_token:
        return "TELEGRAM_BOT_TOKEN is not set"
    if not settings.pseudonym_key:
        return "ASSISTANT_PSEUDONYM_KEY is not set; it keys the pseudonyms of Telegram user ids"
    if mode == "webhook":
        if not settings.telegram_webhook_url:
            return "TELEGRAM_WEBHOOK_URL is not set (without a public URL, run `make telegram`)"
        if not _SECRET.match(settings.telegram_webhook_secret or ""):
            return (
                "TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters from A-Z, a-z, 0-9, "
                "'_' and '-'"
            )
    elif settings.telegram_webhook_url:
        return (
            "TELEGRAM_WEBHOOK_URL is set, so the Rasa server receives updates by webhook and "
            "polling would remove that webhook; unset TELEGRAM_WEBHOOK_URL to poll"
        )
    return None


def api_urls(api_base: str | None) -> tuple[str, str]:
    """PTB's `base_url` and `base_file_url` for a Bot API server root (default: Telegram's)."""
    root = (api_base or API_ROOT).rstrip("/")
    return f"{root}/bot", f"{root}/file/bot"


def bot_request(read_timeout: float = 10.0) -> HTTPXRequest:
    """The HTTP transport for Bot API calls.

    Also raises the `httpx` logger to WARNING: at INFO it logs every request URL, and Bot API
    URLs contain the bot token.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return HTTPXRequest(
        connection_pool_size=32,
        read_timeout=read_timeout,
        write_timeout=10.0,
        connect_timeout=10.0,
        pool_timeout=5.0,
    )


def build_bot(settings: Settings) -> Bot:
    """A Bot API client for the configured token and server (not yet initialised).

    Raises:
        ValueError: no token is configured.
    """
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base_url, base_file_url = api_urls(settings.telegram_api_base)
    return Bot(
        settings.telegram_token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=bot_request(),
        get_updates_request=bot_request(),
    )


def describe_bad_token(error: InvalidToken) -> str:
    """The one log line for a token Telegram refuses (without the token itself).

    PTB's own message for a token refused by getMe quotes the token, so only the Bot API's
    answer ("Unauthorized", "Not Found") is used.
    """
    cause = error.__cause__ if isinstance(error.__cause__, TelegramError) else error
    detail = cause.message if "`" not in cause.message else "rejected by the server"
    return (
        f"Telegram refused the bot token ({detail}); the Telegram channel stays off. "
        "Check TELEGRAM_BOT_TOKEN (from @BotFather) and restart."
    )


async def start_bot(bot: Bot, retry: RetryPolicy | None = None) -> BotState:
    """Initialise the client (getMe checks the token) and publish the bilingual command menu.

    Logs one line when the token is refused or Telegram cannot be reached.

    Returns:
        "ready", "bad_token" (give up until restarted) or "unreachable" (try again later).
    """
    try:
        await bot.initialize()
    except InvalidToken as error:
        logger.error(describe_bad_token(error))
        return "bad_token"
    except NetworkError as error:
        logger.warning("Telegram Bot API not reachable (%s); will retry on the next update", error)
        return "unreachable"
    logger.info("Telegram bot @%s is ready", bot.username)
    await register_commands(bot, retry)
    return "ready"


async def register_commands(bot: Bot, retry: RetryPolicy | None = None) -> None:
    """Set the command menu (/start, /help, /language) in German, English and as default."""
    languages: tuple[Lang | None, ...] = (*LANGUAGES, None)
    for lang in languages:
        commands = [BotCommand(name, texts[lang or "en"]) for name, texts in COMMANDS.items()]
        call = functools.partial(bot.set_my_commands, commands, language_code=lang)
        await call_bot_api(call, method="setMyCommands", policy=retry)
