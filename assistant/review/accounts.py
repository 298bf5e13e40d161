"""Staff accounts of the review console: argon2 password hashes, roles, sign-in limits."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from assistant.review.schema import sessions, sign_in_failures, users

ROLES = ("reviewer", "admin")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
# Verified when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """An account operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def check_password(password: str) -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise AccountError(
            f"the password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )


def add_user(conn: Connection, name: str, role: str, password: str) -> User:
    if not _NAME.match(name):
        raise AccountError(
            "a name has 2 to 64 characters: lower-case letters, digits, '.', '_', '-'"
        )
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}")
    check_password(password)
    if conn.scalar(sa.select(users.c.name).where(users.c.name == name)):
        raise AccountError(f"there is already a user {name!r}")
    conn.execute(
        users.insert().values(
            name=name, role=role, password_hash=_hasher.hash(password), created_at=time.time()
        )
    )
    return User(name, role)


def list_users(conn: Connection) -> list[User]:
    return [
        User(name, role)
        for name, role in conn.execute(sa.select(users.c.name, users.c.role).order_by(users.c.name))
    ]


def remove_user(conn: Connection, name: str) -> None:
    """Delete an account and end its sessions."""
    if not conn.execute(users.delete().where(users.c.name == name)).rowcount:
        raise AccountError(f"there is no user {name!r}")
    end_sessions(conn, name)


def reset_password(conn: Connection, name: str, password: str) -> None:
    """Set a new password and end the account's sessions (a copied cookie is refused too)."""
    check_password(password)
    done = conn.execute(
        users.update().where(users.c.name == name).values(password_hash=_hasher.hash(password))
    ).rowcount
    if not done:
        raise AccountError(f"there is no user {name!r}")
    end_sessions(conn, name)


def set_role(conn: Connection, name: str, role: str) -> None:
    """Give an account another role and end its sessions: it signs in again in its new role."""
    if role not in ROLES:
        raise AccountError(f"the role is one of {', '.join(ROLES)}")
    if not conn.execute(users.update().where(users.c.name == name).values(role=role)).rowcount:
        raise AccountError(f"there is no user {name!r}")
    end_sessions(conn, name)


def end_sessions(conn: Connection, name: str) -> int:
    """End every session of an account, on every device ("sign out everywhere"); returns how
    many there were."""
    return int(conn.execute(sessions.delete().where(sessions.c.user_name == name)).rowcount)


def get_user(conn: Connection, name: str) -> User | None:
    row = conn.execute(sa.select(users.c.name, users.c.role).where(users.c.name == name)).first()
    return User(row.name, row.role) if row else None


def authenticate(conn: Connection, name: str, password: str) -> User | None:
    """The user when `password` is theirs, else None (the same work either way)."""
    row = conn.execute(sa.select(users).where(users.c.name == name)).mappings().first()
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_CHARS])
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        conn.execute(
            users.update().where(users.c.name == name).values(password_hash=_hasher.hash(password))
        )
    return User(row["name"], row["role"])


class SignInLimiter:
    """Counts failed sign-ins per account and per client address over a sliding window, in the
    database (`console_sign_in_failures`), so that the limit holds across restarts and processes.

    Args:
        per_account (int): failures of one account name allowed per window.
        per_address (int): failures from one address allowed per window.
        window (float): seconds.
    """

    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 900.0) -> None:
        self.per_account = per_account
        self.per_address = per_address
        self.window = window

    def retry_after(
        self, conn: Connection, name: str, address: str, now: float | None = None
    ) -> int:
        """Seconds until a sign-in may be tried again; 0 when it may now."""
        now = time.time() if now is None else now
        conn.execute(sign_in_failures.delete().where(sign_in_failures.c.at <= now - self.window))
        return max(
            self._wait(conn, "account", name.lower(), self.per_account, now),
            self._wait(conn, "address", address, self.per_address, now),
        )

    def failed(self, conn: Connection, name: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        conn.execute(
            sign_in_failures.insert(),
            [
                {"kind": "account", "key": name.lower()[:255], "at": now},
                {"kind": "address", "key": address[:255], "at": now},
            ],
        )

    def succeeded(self, conn: Connection, name: str) -> None:
        conn.execute(
            sign_in_failures.delete().where(
                sign_in_failures.c.kind == "account", sign_in_failures.c.key == name.lower()[:255]
            )
        )

    def _wait(self, conn: Connection, kind: str, key: str, limit: int, now: float) -> int:
        stamps = (
            conn.execute(
                sa.select(sign_in_failures.c.at)
                .where(
                    sign_in_failures.c.kind == kind,
                    sign_in_failures.c.key == key[:255],
                    sign_in_failures.c.at > now - self.window,
                )
                .order_by(sign_in_failures.c.at)
            )
            .scalars()
            .all()
        )
        if len(stamps) < limit:
            return 0
        return max(1, int(stamps[0] + self.window - now) + 1)
