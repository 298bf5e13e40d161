"""The package's public names: one place to import from, and the class path in credentials.yml."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.shared.utils.common import class_from_module_path

import assistant.channels.telegram as telegram


def _isort_key(name: str) -> tuple[bool, bool, str]:
    # CONSTANTS first, then Classes, then functions, as ruff's RUF022 sorts __all__.
    return (not name.isupper(), not name[0].isupper(), name)


def test_all_names_exist_and_are_sorted() -> None:
    assert all(hasattr(telegram, name) for name in telegram.__all__)
    assert telegram.__all__ == sorted(telegram.__all__, key=_isort_key)
    assert len(set(telegram.__all__)) == len(telegram.__all__)


def test_credentials_name_the_webhook_input(root: Path) -> None:
    credentials = yaml.safe_load((root / "credentials.yml").read_text(encoding="utf-8"))
    [path] = [key for key in credentials if "telegram" in key]
    assert path == "assistant.channels.telegram.TelegramInput"
    assert class_from_module_path(path) is telegram.TelegramInput
    assert telegram.TelegramInput.name() == "telegram"
