"""The real thing: action server and Rasa server on loopback, questions through the REST channel."""

from __future__ import annotations

import httpx
import pytest

from tests.stack import Stack

pytestmark = pytest.mark.slow


def joined(replies: list[str]) -> str:
    return "\n".join(replies)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Welche Partnerstädte hat Berlin?", ["19 Partnerstädte", "Warschau", "Quelle: https://"]),
        (
            "Which partner cities does Berlin have?",
            ["19 partner cities", "Warsaw", "Source: https://"],
        ),
        ("Wie viele Partnerstädte hat Berlin?", ["19", "Stand: 5. Mai 2025"]),
        ("How many partner cities does Berlin have?", ["19", "as of 5 May 2025"]),
        ("Ist Wien eine Partnerstadt von Berlin?", ["Nein", "Wien", "Bezirke"]),
        ("Is Vienna a partner city of Berlin?", ["No", "Vienna", "districts"]),
        ("Was ist mit Moskau?", ["Moskau", "ruht"]),
        ("What about the partnership with Moscow?", ["Moscow", "dormant"]),
        ("Welche ist die älteste Partnerstadt?", ["Los Angeles", "1967"]),
        ("Which is Berlin's newest partner city?", ["Tel Aviv", "2025"]),
        (
            "Wer darf sich ins Goldene Buch eintragen?",
            ["Goldene Buch", "Quelle: https://www.berlin.de/rbmskzl/service/goldenes-buch/"],
        ),
        (
            "Who is allowed to sign the Golden Book?",
            ["Golden Book", "Source: https://www.berlin.de/rbmskzl/service/goldenes-buch/"],
        ),
        ("Wo verlängere ich meinen Reisepass?", ["service.berlin.de", "115"]),
        ("How do I register my address in Berlin?", ["service.berlin.de", "115"]),
    ],
)
def test_rest_answers_with_facts_in_the_visitors_language(
    stack: Stack, text: str, expected: list[str]
) -> None:
    reply = joined(stack.ask(f"facts-{abs(hash(text))}", text))
    for part in expected:
        assert part in reply, reply


def test_follow_up_keeps_the_city_and_the_language(stack: Stack) -> None:
    assert "Madrid" in joined(stack.ask("follow-up", "Tell me about Madrid"))
    reply = joined(stack.ask("follow-up", "and since when?"))
    assert "Madrid" in reply and "1988" in reply and "partnership" in reply


def test_language_switch_on_request_sticks(stack: Stack) -> None:
    assert "Deutsch" in joined(stack.ask("switch", "Please answer in German"))
    reply = joined(stack.ask("switch", "Paris?"))
    assert "Frankreich" in reply


def test_channel_hint_sets_the_language_of_an_ambiguous_first_message(stack: Stack) -> None:
    reply = joined(stack.ask("hint-de", "Tokio?", metadata={"language": "de"}))
    assert "Japan" in reply and "Quelle" in reply


def test_routing_names_the_unit(stack: Stack) -> None:
    reply = joined(
        stack.ask("route", "Our mayor plans an official visit to Berlin. Whom should we contact?")
    )
    assert "II A" in reply
    reply = joined(
        stack.ask(
            "route-b",
            "Unsere Stadt möchte mit Berlin ein gemeinsames Projekt starten. Wer ist zuständig?",
        )
    )
    assert "II B" in reply


@pytest.mark.parametrize("payload", [b"not json", b'{"sender": "x"}', b'{"message": 5}'])
def test_bad_requests_get_a_clean_client_error(stack: Stack, payload: bytes) -> None:
    response = httpx.post(f"{stack.url}/webhooks/rest/webhook", content=payload, timeout=30)
    assert 400 <= response.status_code < 500 or response.status_code == 200


def test_conversation_survives_a_restart(stack: Stack) -> None:
    stack.ask("restart", "Erzähl mir was über Prag")
    try:
        assert stack.stop() == 0
    finally:
        stack.start()  # the next test gets the shared stack running, whatever happened here
    reply = joined(stack.ask("restart", "und seit wann?"))
    assert "Prag" in reply and "1995" in reply
