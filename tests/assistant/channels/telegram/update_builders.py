"""Telegram updates as JSON, built by hand for tests (what Telegram would post or return)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(10_000)


def user(user_id: int, language_code: str | None = "de") -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Visitor"}
    if language_code is not None:
        data["language_code"] = language_code
    return data


def message(
    user_id: int,
    text: str | None = None,
    *,
    language_code: str | None = "de",
    chat_id: int | None = None,
    chat_type: str = "private",
    **content: Any,
) -> dict[str, Any]:
    """A message as Telegram sends it; `content` adds fields such as `photo` or `sticker`."""
    chat: dict[str, Any] = {"id": chat_id if chat_id is not None else user_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "A group"
    data: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": chat,
        "from": user(user_id, language_code),
        **content,
    }
    if text is not None:
        data["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return data


def text_update(user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    return {"update_id": next(_ids), "message": message(user_id, text, **kwargs)}


def content_update(
    user_id: int, *, language_code: str | None = "de", **content: Any
) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "message": message(user_id, language_code=language_code, **content),
    }


def edited_update(user_id: int, text: str, *, language_code: str | None = "de") -> dict[str, Any]:
    edited = message(user_id, text, language_code=language_code, edit_date=int(time.time()))
    return {"update_id": next(_ids), "edited_message": edited}


def button_update(user_id: int, data: str, *, language_code: str | None = "de") -> dict[str, Any]:
    """A press on an inline keyboard button under one of the bot's messages."""
    bot_message = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": 123456, "is_bot": True, "first_name": "Berlin International"},
        "text": "…",
    }
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cbq-{next(_ids)}",
            "from": user(user_id, language_code),
            "chat_instance": "ci-1",
            "message": bot_message,
            "data": data,
        },
    }


PHOTO = {"photo": [{"file_id": "ph1", "file_unique_id": "u1", "width": 90, "height": 90}]}
STICKER = {
    "sticker": {
        "file_id": "st1",
        "file_unique_id": "u2",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
}
VOICE = {"voice": {"file_id": "vo1", "file_unique_id": "u3", "duration": 3}}
LOCATION = {"location": {"latitude": 52.5186, "longitude": 13.4081}}
