"""Keyed pseudonyms of Telegram user ids: the sender id of a Telegram conversation."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "tg-"


class Pseudonymiser:
    """Turns a Telegram user id into a stable pseudonym that only the key holder can recompute.

    Telegram user ids are small integers, so a plain hash could be reversed by trying them all;
    an HMAC-SHA256 with a secret key cannot. The same user always gets the same pseudonym, so a
    conversation continues across restarts as long as the key stays the same.

    Args:
        key (str): the secret key (`ASSISTANT_PSEUDONYM_KEY`); must not be empty.

    Raises:
        ValueError: the key is empty.
    """

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("a pseudonym key is required")
        self._key = key.encode("utf-8")

    def __call__(self, user_id: int) -> str:
        """The pseudonym of one Telegram user id, e.g. ``tg-3f2a…`` (35 characters)."""
        digest = hmac.new(self._key, f"telegram:{user_id}".encode(), hashlib.sha256)
        return PREFIX + digest.hexdigest()[:32]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key=<hidden>)"
