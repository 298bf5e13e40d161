"""Property-based (hypothesis): arbitrary text through the real REST channel of the running stack.

Whatever a visitor types (German and English words, emoji, control characters, very long words,
up to the channel's 1,000-character limit) gets a non-empty answer in German or English, or a
clean 4xx when the channel refuses it; and another visitor, asking at the same time, is still
answered within its normal latency (measured at the start of the test).
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.channels.payload import MAX_MESSAGE_CHARS
from tests.stack import Stack, language_of
from tests.test_stack import new_sender

GERMAN = (
    "Hallo Partnerstädte Wien Protokoll Senatskanzlei wann Straße Öffnungszeiten bitte "
    "Bürgermeister Grüße und"
).split()
ENGLISH = "hello partner cities which protocol contact the mayor visit Berlin thanks how".split()
EMOJI = ["🙂", "🇩🇪", "👍🏽", "❤️", "🏳️‍🌈", "😀😀😀"]
CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(
    ["\x7f", "\u200b", "\u202e", "\ufeff"]  # DEL, zero-width space, right-to-left override, BOM
)
LONG_WORD = st.text(st.characters(categories=["Ll", "Lu"]), min_size=50, max_size=MAX_MESSAGE_CHARS)
PIECE = st.one_of(
    st.sampled_from(GERMAN),
    st.sampled_from(ENGLISH),
    st.sampled_from(EMOJI),
    CONTROL,
    LONG_WORD,
    st.text(max_size=40),  # any code points (no surrogates: JSON text is UTF-8)
)
SEPARATOR = st.sampled_from([" ", " ", "", "\n", "\t", ", ", "? "])
TEXT = (
    st.lists(st.tuples(PIECE, SEPARATOR), min_size=1, max_size=30)
    .map(lambda pieces: "".join(piece + sep for piece, sep in pieces))
    .map(lambda text: text[:MAX_MESSAGE_CHARS])
)

REST = "/webhooks/rest/webhook"


def _post(client: httpx.Client, text: str) -> httpx.Response:
    return client.post(REST, json={"sender": new_sender(), "message": text})


def _other_visitor(client: httpx.Client) -> float:
    """One ordinary question by another visitor: its latency in seconds, once answered."""
    start = time.perf_counter()
    response = _post(client, "Welche Partnerstädte hat Berlin?")
    latency = time.perf_counter() - start
    assert response.status_code == 200 and response.json(), response.text
    return latency


@pytest.mark.slow
def test_arbitrary_text_gets_an_answer_in_german_or_english_and_others_are_not_held_up(
    stack: Stack,
) -> None:
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        _other_visitor(client)  # warm-up
        baseline = statistics.median(_other_visitor(client) for _ in range(5))
        bound = 5 * baseline + 2.0
        slowest = 0.0
        statuses: list[int] = []
        pool = ThreadPoolExecutor(max_workers=1)

        @settings(
            max_examples=40,
            deadline=None,
            database=None,  # nothing written into the checkout
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(text=TEXT)
        def check(text: str) -> None:
            nonlocal slowest
            arbitrary = pool.submit(_post, client, text)
            latency = _other_visitor(client)  # asked while the arbitrary text is being read
            response = arbitrary.result(timeout=60)
            slowest = max(slowest, latency)
            statuses.append(response.status_code)
            assert latency <= bound, f"another visitor waited {latency:.2f} s (bound {bound:.2f})"
            if 400 <= response.status_code < 500:
                assert text.strip() == "" or len(text.strip()) > MAX_MESSAGE_CHARS
                assert response.json()["error"]
                return
            assert response.status_code == 200, response.status_code
            replies = [m.get("text") or "" for m in response.json()]
            answer = "\n".join(r for r in replies if r.strip())
            assert answer, "empty answer"
            assert language_of(answer) in ("de", "en"), answer

        try:
            check()
        finally:
            pool.shutdown()
    print(
        f"other visitor: baseline p50 {baseline:.3f} s, slowest {slowest:.3f} s, "
        f"bound {bound:.2f} s; statuses {sorted(statuses)}"
    )
