"""Rasa buttons as Telegram inline keyboards, with payloads mapped to short callback data.

Not python-telegram-bot's `arbitrary_callback_data`: it replaces every button's data by a key
into an in-memory cache (and needs the extra cachetools), so every button would expire at a
restart; here a payload that fits travels as it is and keeps working.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

# Telegram accepts at most 64 bytes of callback_data per button.
CALLBACK_DATA_LIMIT = 64
# Marks callback data that stands for a longer payload kept in memory.
_MAPPED = "#"


class CallbackPayloads:
    """Maps button payloads to callback data of at most 64 bytes, and back.

    A payload that fits (all of today's, such as ``/ask_unit_info{"unit": "II A"}``) travels
    as it is, so a button keeps working after a restart. A longer payload is sent as ``#`` plus
    a digest and remembered here; if it has been forgotten (restart, or more than `capacity`
    newer long payloads), the press is reported as expired and the visitor asked again.

    Args:
        capacity (int): how many long payloads are remembered, oldest forgotten first.
    """

    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        """The callback data for a button payload."""
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith(_MAPPED):
            return payload
        key = _MAPPED + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self.capacity:
            self._long.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload of a button press, or None when it is unknown (expired)."""
        if not data:
            return None
        if data.startswith(_MAPPED):
            return self._long.get(data)
        return data


def inline_keyboard(
    buttons: Iterable[Mapping[str, Any]], payloads: CallbackPayloads
) -> InlineKeyboardMarkup | None:
    """An inline keyboard with one button per row, or None when no button is usable.

    Args:
        buttons: Rasa buttons: ``{"title", "payload"}``, or ``{"title", "url"}`` for a link.
        payloads: maps payloads to callback data.
    """
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        url = button.get("url")
        payload = button.get("payload")
        if not title:
            continue
        if isinstance(url, str) and url:
            rows.append([InlineKeyboardButton(title, url=url)])
        elif isinstance(payload, str) and payload:
            rows.append([InlineKeyboardButton(title, callback_data=payloads.encode(payload))])
    return InlineKeyboardMarkup(rows) if rows else None
