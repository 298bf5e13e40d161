import datetime as dt

from assistant.review.csrf import Tokens

KEY = bytes(range(32))
HOUR = dt.timedelta(hours=1)


def test_a_token_is_valid_for_its_own_session_only() -> None:
    tokens = Tokens(KEY, HOUR)
    mine: dict[str, str] = {}
    other: dict[str, str] = {}
    token = tokens.issue(mine)
    tokens.issue(other)
    assert tokens.valid(mine, token)
    assert not tokens.valid(other, token)


def test_a_token_signed_with_another_key_is_refused() -> None:
    session: dict[str, str] = {}
    token = Tokens(bytes(32), HOUR).issue(session)
    assert not Tokens(KEY, HOUR).valid(session, token)


def test_an_expired_token_is_refused() -> None:
    tokens = Tokens(KEY, dt.timedelta(seconds=-2))
    session: dict[str, str] = {}
    assert not tokens.valid(session, tokens.issue(session))


def test_missing_malformed_or_sessionless_tokens_are_refused() -> None:
    tokens = Tokens(KEY, HOUR)
    session: dict[str, str] = {}
    token = tokens.issue(session)
    for bad in (None, "", "##", "abc", token + "0", 42, ["x"]):
        assert not tokens.valid(session, bad)
    assert not tokens.valid({}, token)
