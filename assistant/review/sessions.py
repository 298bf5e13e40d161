"""Sign-in sessions of the console, kept in the database so that ending one takes effect at once.

The encrypted session cookie carries a random token; the database keeps its SHA-256 with the
account and an expiry (`console_sessions`). Every request looks the token up, so a session ends
for every copy of its cookie when its row goes: on sign-out, "sign out everywhere", a new
password or role, removal of the account (`accounts.end_sessions`), or at its expiry, which the
server checks itself rather than trusting the cookie's.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.review.accounts import User
from assistant.review.schema import sessions, users

TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(conn: Connection, name: str, lifetime: float, now: float | None = None) -> str:
    """A new session of account `name` for `lifetime` seconds; returns its token for the cookie.
    Sessions that have expired, of anyone, are deleted."""
    now = time.time() if now is None else now
    conn.execute(sessions.delete().where(sessions.c.expires_at <= now))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    conn.execute(
        sessions.insert().values(
            token_hash=_digest(token), user_name=name, created_at=now, expires_at=now + lifetime
        )
    )
    return token


def user_of(conn: Connection, token: str, now: float | None = None) -> User | None:
    """The account of a session that has neither ended nor expired, else None."""
    now = time.time() if now is None else now
    row = conn.execute(
        sa.select(users.c.name, users.c.role)
        .join(sessions, sessions.c.user_name == users.c.name)
        .where(sessions.c.token_hash == _digest(token), sessions.c.expires_at > now)
    ).first()
    return User(row.name, row.role) if row else None


def end(conn: Connection, token: str) -> None:
    """End one session (sign-out): its cookie, and every copy of it, signs in no more."""
    conn.execute(sessions.delete().where(sessions.c.token_hash == _digest(token)))
