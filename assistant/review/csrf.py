"""CSRF tokens of the console, from WTForms' `SessionCSRF`.

A random value lives in the encrypted session cookie; a page carries an HMAC of it and an expiry,
signed with a key of the process (derived from the session key), in a hidden `csrf_token` field.
A state-changing request is accepted only when its token matches the session and has not expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import MutableMapping
from typing import Any

from multidict import MultiDict
from wtforms import Form
from wtforms.csrf.session import SessionCSRF

FIELD = "csrf_token"


class _CsrfForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = FIELD


class Tokens:
    """Issues and checks the tokens of one console.

    Args:
        session_key: the key of the session cookies; the token key is derived from it.
        lifetime: how long a token stays valid (the session's lifetime: a page left open as long
            as one may stay signed in can still be submitted).
    """

    def __init__(self, session_key: bytes, lifetime: dt.timedelta) -> None:
        self._meta = {
            "csrf_secret": hmac.new(session_key, b"console csrf", hashlib.sha256).digest(),
            "csrf_time_limit": lifetime,
        }

    def issue(self, session: MutableMapping[str, Any]) -> str:
        """The token for a page of this session (creates the session's value when missing)."""
        form = _CsrfForm(meta={**self._meta, "csrf_context": session})
        token: str = form[FIELD].current_token  # type: ignore[attr-defined]
        return token

    def valid(self, session: MutableMapping[str, Any], token: object) -> bool:
        """Whether `token`, as posted, belongs to this session and has not expired."""
        if not isinstance(token, str) or "csrf" not in session:
            return False
        form = _CsrfForm(
            formdata=MultiDict({FIELD: token}), meta={**self._meta, "csrf_context": session}
        )
        return form.validate()
