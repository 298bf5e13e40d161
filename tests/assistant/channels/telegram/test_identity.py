from __future__ import annotations

import pytest

from assistant.channels.telegram.identity import Pseudonymiser


def test_pseudonym_is_stable_per_user_and_key() -> None:
    assert Pseudonymiser("k1")(4242424201) == Pseudonymiser("k1")(4242424201)
    assert Pseudonymiser("k1")(4242424201) != Pseudonymiser("k1")(4242424202)
    assert Pseudonymiser("k1")(4242424201) != Pseudonymiser("k2")(4242424201)


def test_pseudonym_does_not_contain_the_user_id() -> None:
    pseudonym = Pseudonymiser("k1")(4242424201)
    assert pseudonym.startswith("tg-") and len(pseudonym) == 35
    assert "4242424201" not in pseudonym


def test_pseudonymiser_needs_a_key_and_hides_it() -> None:
    with pytest.raises(ValueError):
        Pseudonymiser("")
    assert "secret" not in repr(Pseudonymiser("secret"))
