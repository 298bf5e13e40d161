from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from assistant.channels.telegram.bot import api_urls, build_bot, config_problem, start_bot
from assistant.settings import Settings
from tests.assistant.channels.telegram.conftest import WEBHOOK_SECRET, telegram_env
from tests.assistant.channels.telegram.fake_bot_api import FakeBotApi


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(env, env_file=tmp_path / "no.env")


def test_api_urls_default_to_telegram_and_follow_a_local_server() -> None:
    assert api_urls(None) == ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot")
    assert api_urls("http://127.0.0.1:8081/") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )


def test_channel_is_off_without_a_token(tmp_path: Path) -> None:
    assert config_problem(settings(tmp_path), "webhook") == "TELEGRAM_BOT_TOKEN is not set"
    assert config_problem(settings(tmp_path), "polling") == "TELEGRAM_BOT_TOKEN is not set"


@pytest.mark.parametrize(
    ("env", "mode", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": "1:x"}, "polling", "ASSISTANT_PSEUDONYM_KEY"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:x", "ASSISTANT_PSEUDONYM_KEY": "k"},
            "webhook",
            "TELEGRAM_WEBHOOK_URL",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:x",
                "ASSISTANT_PSEUDONYM_KEY": "k",
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
            },
            "webhook",
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:x",
                "ASSISTANT_PSEUDONYM_KEY": "k",
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "no spaces allowed",
            },
            "webhook",
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:x",
                "ASSISTANT_PSEUDONYM_KEY": "k",
                "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
            },
            "polling",
            "TELEGRAM_WEBHOOK_URL",
        ),
    ],
)
def test_config_problem_names_the_variable(
    tmp_path: Path, env: dict[str, str], mode: str, variable: str
) -> None:
    problem = config_problem(settings(tmp_path, **env), mode)  # type: ignore[arg-type]
    assert problem is not None and problem.startswith(variable)


def test_complete_configuration_has_no_problem(tmp_path: Path, bot_api: FakeBotApi) -> None:
    env = telegram_env(
        bot_api,
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/webhooks/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    assert config_problem(settings(tmp_path, **env), "webhook") is None


async def test_start_bot_publishes_the_command_menu_in_both_languages(
    telegram_settings: Settings, bot_api: FakeBotApi
) -> None:
    bot = build_bot(telegram_settings)
    assert await start_bot(bot) == "ready"
    await bot.shutdown()
    menus = {
        c.params.get("language_code"): c.params["commands"] for c in bot_api.calls("setMyCommands")
    }
    assert set(menus) == {"de", "en", None}
    assert [c["command"] for c in menus["de"]] == ["start", "help", "language"]
    assert menus["de"][1]["description"] == "Wobei ich helfen kann"
    assert menus["en"][1]["description"] == "What I can help with"


async def test_bad_token_gives_one_clear_log_line_without_the_token(
    tmp_path: Path, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    env = telegram_env(bot_api, TELEGRAM_BOT_TOKEN="999:wrong-token-value")
    bot = build_bot(settings(tmp_path, **env))
    with caplog.at_level(logging.INFO):
        assert await start_bot(bot) == "bad_token"
    await bot.shutdown()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "TELEGRAM_BOT_TOKEN" in errors[0].getMessage()
    assert "wrong-token-value" not in caplog.text
    assert bot_api.calls("setMyCommands") == []


async def test_unreachable_api_is_reported_for_a_later_retry(
    tmp_path: Path, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = telegram_env(bot_api, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}")
    bot = build_bot(settings(tmp_path, **env))
    assert await start_bot(bot) == "unreachable"
    await bot.shutdown()
    assert "not reachable" in caplog.text
