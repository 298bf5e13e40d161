"""The Telegram channel: webhook input on the Rasa server, polling mode, and what both share.

One module per concept; import the public names from here (``assistant.channels.telegram``).
``assistant.channels.telegram.TelegramInput`` is the entry in credentials.yml.
"""

from assistant.channels.telegram.bot import build_bot, config_problem, start_bot
from assistant.channels.telegram.bridge import ChatOrder, TelegramBridge, build_application
from assistant.channels.telegram.buttons import CallbackPayloads, inline_keyboard
from assistant.channels.telegram.chunks import TEXT_LIMIT, split_text, telegram_length
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import (
    MemoryLedger,
    RedisLedger,
    SqlLedger,
    UpdateLedger,
    ledger_for,
)
from assistant.channels.telegram.output import TelegramOutput
from assistant.channels.telegram.polling import RestAssistant, TelegramPolling, run_polling
from assistant.channels.telegram.retry import RetryPolicy, call_bot_api
from assistant.channels.telegram.texts import COMMANDS, NOTICES, notice, unavailable
from assistant.channels.telegram.updates import (
    ALLOWED_UPDATES,
    Incoming,
    Notice,
    reading_handlers,
)
from assistant.channels.telegram.webhook import SECRET_HEADER, TelegramInput

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "NOTICES",
    "SECRET_HEADER",
    "TEXT_LIMIT",
    "CallbackPayloads",
    "ChatOrder",
    "Incoming",
    "MemoryLedger",
    "Notice",
    "Pseudonymiser",
    "RedisLedger",
    "RestAssistant",
    "RetryPolicy",
    "SqlLedger",
    "TelegramBridge",
    "TelegramInput",
    "TelegramOutput",
    "TelegramPolling",
    "UpdateLedger",
    "build_application",
    "build_bot",
    "call_bot_api",
    "config_problem",
    "inline_keyboard",
    "ledger_for",
    "notice",
    "reading_handlers",
    "run_polling",
    "split_text",
    "start_bot",
    "telegram_length",
    "unavailable",
]
