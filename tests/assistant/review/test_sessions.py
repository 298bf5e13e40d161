"""Sessions in the database: a token signs in until it ends or expires; the database holds
only its hash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assistant.review import open_database
from assistant.review.accounts import add_user, end_sessions, remove_user
from assistant.review.schema import create_schema, sessions
from assistant.review.sessions import end, start, user_of

HOUR = 3600.0


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    engine = open_database(url=f"sqlite:///{tmp_path / 's.db'}")
    create_schema(engine)
    with engine.begin() as connection:
        add_user(connection, "anna", "admin", "a long enough password")
        add_user(connection, "bert", "reviewer", "a long enough password")
        yield connection
    engine.dispose()


def test_a_session_lasts_its_lifetime_and_no_longer(conn: Connection) -> None:
    token = start(conn, "anna", 8 * HOUR, now=1000.0)
    user = user_of(conn, token, now=1000.0 + 8 * HOUR - 1)
    assert user is not None and (user.name, user.role) == ("anna", "admin")
    assert user_of(conn, token, now=1000.0 + 8 * HOUR) is None
    start(conn, "bert", HOUR, now=1000.0 + 8 * HOUR)  # a later sign-in deletes the expired
    assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 1


def test_the_database_holds_only_a_hash_of_the_token(conn: Connection) -> None:
    """A copy of the database (a backup) signs no one in."""
    token = start(conn, "anna", HOUR)
    [stored] = conn.execute(sa.select(sessions)).all()
    assert token not in [str(value) for value in stored]
    assert user_of(conn, stored.token_hash) is None
    assert user_of(conn, token) is not None
    assert user_of(conn, "not a token") is None


def test_ending_a_session_or_an_account_ends_only_its_sessions(conn: Connection) -> None:
    laptop, phone = start(conn, "anna", HOUR), start(conn, "anna", HOUR)
    other = start(conn, "bert", HOUR)
    end(conn, laptop)
    assert user_of(conn, laptop) is None and user_of(conn, phone) is not None
    assert end_sessions(conn, "anna") == 1
    assert user_of(conn, phone) is None and user_of(conn, other) is not None
    remove_user(conn, "bert")
    assert user_of(conn, other) is None
    assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 0
