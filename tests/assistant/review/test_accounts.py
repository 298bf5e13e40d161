"""Accounts: argon2 hashes, the `users` command, the sign-in limiter."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant import cli
from assistant.review import open_database
from assistant.review.accounts import (
    AccountError,
    SignInLimiter,
    add_user,
    authenticate,
    list_users,
    remove_user,
    reset_password,
)
from assistant.review.schema import create_schema, sign_in_failures, users


@pytest.fixture
def conn(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_database(url=f"sqlite:///{tmp_path / 'a.db'}")
    create_schema(engine)
    with engine.begin() as connection:
        yield connection


def test_password_is_stored_as_an_argon2_hash(conn) -> None:  # type: ignore[no-untyped-def]
    add_user(conn, "anna", "reviewer", "a long enough password")
    stored = conn.scalar(sa.select(users.c.password_hash))
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    assert authenticate(conn, "anna", "a long enough password") is not None
    assert authenticate(conn, "anna", "another password!!") is None


@pytest.mark.parametrize(
    ("name", "role", "password"),
    [("A B", "reviewer", "x" * 12), ("anna", "boss", "x" * 12), ("anna", "admin", "short")],
)
def test_bad_accounts_are_refused(conn, name: str, role: str, password: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccountError):
        add_user(conn, name, role, password)


def test_reset_and_remove(conn) -> None:  # type: ignore[no-untyped-def]
    add_user(conn, "anna", "admin", "first password 1")
    with pytest.raises(AccountError):
        add_user(conn, "anna", "admin", "first password 1")
    reset_password(conn, "anna", "second password 2")
    assert authenticate(conn, "anna", "first password 1") is None
    assert authenticate(conn, "anna", "second password 2") is not None
    remove_user(conn, "anna")
    assert list_users(conn) == []
    with pytest.raises(AccountError):
        remove_user(conn, "anna")


def test_limiter_counts_per_account_and_address_and_forgets_after_the_window(conn) -> None:  # type: ignore[no-untyped-def]
    limiter = SignInLimiter(per_account=2, per_address=3, window=60)
    limiter.failed(conn, "anna", "10.0.0.1", now=0)
    assert limiter.retry_after(conn, "anna", "10.0.0.1", now=1) == 0
    limiter.failed(conn, "Anna", "10.0.0.2", now=1)
    assert limiter.retry_after(conn, "anna", "10.0.0.3", now=2) == 59  # the account, any address
    limiter.failed(conn, "bert", "10.0.0.1", now=2)
    limiter.failed(conn, "carl", "10.0.0.1", now=3)
    assert limiter.retry_after(conn, "dora", "10.0.0.1", now=4) > 0  # the address, any account
    assert limiter.retry_after(conn, "dora", "10.0.0.9", now=4) == 0
    assert limiter.retry_after(conn, "anna", "10.0.0.9", now=64) == 0
    # Failures older than the window are deleted, not only ignored.
    assert conn.scalar(sa.select(sa.func.count()).select_from(sign_in_failures)) == 0


def test_limiter_holds_across_restarts_and_forgets_an_account_after_success(conn) -> None:  # type: ignore[no-untyped-def]
    SignInLimiter(per_account=2).failed(conn, "anna", "10.0.0.1", now=0)
    SignInLimiter(per_account=2).failed(conn, "anna", "10.0.0.1", now=1)
    restarted = SignInLimiter(per_account=2)
    assert restarted.retry_after(conn, "anna", "10.0.0.2", now=2) > 0
    restarted.succeeded(conn, "anna")
    assert restarted.retry_after(conn, "anna", "10.0.0.2", now=3) == 0


def test_users_command_adds_lists_resets_and_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 't.db'}\n",
        encoding="utf-8",
    )
    base = ["users", "--endpoints", str(endpoints)]
    monkeypatch.setattr("sys.stdin", io.StringIO("a password of length\n"))
    assert cli.main([*base, "add", "anna", "--role", "admin"]) == 0
    assert cli.main([*base, "list"]) == 0
    assert "anna\tadmin" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main([*base, "reset-password", "anna"]) == 1
    assert "12" in capsys.readouterr().err
    assert cli.main([*base, "remove", "anna"]) == 0
    assert cli.main([*base, "remove", "anna"]) == 1


def test_users_command_ends_sessions_on_a_new_password_a_new_role_and_sign_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.review.sessions import start, user_of

    db = tmp_path / "t.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db}\n", encoding="utf-8"
    )
    base = ["users", "--endpoints", str(endpoints)]
    monkeypatch.setattr("sys.stdin", io.StringIO("a password of length\n"))
    assert cli.main([*base, "add", "anna", "--role", "reviewer"]) == 0
    engine = open_database(url=f"sqlite:///{db}")
    for command in (
        ["reset-password", "anna"],
        ["set-role", "anna", "--role", "admin"],
        ["sign-out", "anna"],
    ):
        with engine.begin() as conn:
            token = start(conn, "anna", 3600)
        monkeypatch.setattr("sys.stdin", io.StringIO("another good password\n"))
        assert cli.main([*base, *command]) == 0, command
        with engine.connect() as conn:
            assert user_of(conn, token) is None, command
    assert "Ended the sessions of anna (1)." in capsys.readouterr().out
    with engine.connect() as conn:
        assert [(u.name, u.role) for u in list_users(conn)] == [("anna", "admin")]
    engine.dispose()
    assert cli.main([*base, "sign-out", "nobody"]) == 1
    assert cli.main([*base, "set-role", "nobody", "--role", "admin"]) == 1
