"""The LanguageDecider: one decision per message, its reason in the parse data."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.lang import LanguageDetector
from assistant.nlu.language import LanguageDecider


def decide(text: str, current: str | None = None, **data: Any) -> tuple[dict[str, Any], list[Any]]:
    message = Message(data={"text": text, **data})
    decision = LanguageDecider({"default_language": "de"}).decide(message, current)  # type: ignore[arg-type]
    entities = [e for e in message.get("entities", []) if e["entity"] == "language"]
    return decision, entities


@pytest.mark.parametrize(
    ("text", "current", "data", "reply", "reason"),
    [
        ("Which partner cities does Berlin have?", "de", {}, "en", "words"),
        ("Welche Partnerstädte hat Berlin?", "en", {}, "de", "words"),
        ("Paris?", "en", {}, "en", "kept"),
        ("ok", None, {}, "de", "default"),
        ("ok", None, {"metadata": {"language": "en"}}, "en", "channel_hint"),
        ("ok", "de", {"metadata": {"language": "en"}}, "de", "kept"),
        ("Paris?", "de", {"metadata": {"language": "en", "explicit": True}}, "en", "requested"),
        (
            "Please answer in German",
            "en",
            {"intent": {"name": "switch_language", "confidence": 0.9}},
            "de",
            "requested",
        ),
    ],
)
def test_decision_and_reason(text, current, data, reply, reason) -> None:  # type: ignore[no-untyped-def]
    decision, entities = decide(text, current, **data)
    assert (decision["reply"], decision["reason"]) == (reply, reason)
    # The slot maps from the entity: it is emitted only when the language changes.
    assert [e["value"] for e in entities] == ([] if reply == current else [reply])


def test_a_switch_with_a_question_names_the_language_of_its_first_part() -> None:
    questions = [
        {"start": 0, "end": 24, "intent": {"name": "switch_language", "confidence": 0.9}},
        {"start": 29, "end": 70, "intent": {"name": "ask_partner_since", "confidence": 0.8}},
    ]
    decision, _ = decide(
        "Please switch to English and tell me when Paris became a partner city.",
        "de",
        intent={"name": "ask_partner_since", "confidence": 0.5},
        questions=questions,
    )
    assert (decision["reply"], decision["reason"]) == ("en", "requested")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Quelles sont les villes jumelées de Berlin ?", "fr"),
        ("¿Cuáles son las ciudades hermanas de Berlín?", "es"),
        ("Які міста-побратими має Берлін?", "uk"),
        ("Bonjour", "fr"),
        ("Merhaba", "tr"),
        ("Olá, Berlim tem cidades irmãs no Brasil?", "pt"),
        ("Vielen Dank", None),
        ("Hola, which partner cities does Berlin have?", None),
        ("Ist die Partnerschaft mit Moskau noch aktiv oder ruht sie?", None),
        ("ok", None),
    ],
)
def test_other_languages_are_recognised(text: str, code: str | None) -> None:
    assert LanguageDetector().foreign(text) == code


def test_a_foreign_message_keeps_the_conversation_language() -> None:
    decision, entities = decide("Quelles sont les villes jumelées de Berlin ?", "en")
    assert decision["foreign"] == "fr" and decision["reply"] == "en" and entities == []


@pytest.mark.parametrize(
    ("asked_for", "current", "text", "reply", "reason"),
    [
        # "Deutsch bitte", then an English question: German until the visitor asks again
        ("de", "de", "Which partner city is in Namibia?", "de", "requested_earlier"),
        ("en", "en", "Welche Partnerstadt liegt in Namibia?", "en", "requested_earlier"),
        # a new request wins over the earlier one
        ("de", "de", "English please, who is responsible?", "en", "requested"),
        # nobody asked: the language the visitor writes in
        (None, "de", "Which partner city is in Namibia?", "en", "words"),
    ],
)
def test_an_explicit_request_holds_until_the_visitor_asks_again(
    asked_for: str | None, current: str, text: str, reply: str, reason: str
) -> None:
    message = Message(data={"text": text})
    decision = LanguageDecider({"default_language": "de"}).decide(message, current, asked_for)  # type: ignore[arg-type]
    assert (decision["reply"], decision["reason"]) == (reply, reason)


@pytest.mark.parametrize(
    ("text", "asked_for", "emitted"),
    [
        ("Deutsch bitte", None, ["de"]),
        ("please answer in English", "de", ["en"]),
        ("please answer in English", "en", []),  # already asked for: the slot stays
        ("When did Paris become a partner city?", None, []),
    ],
)
def test_a_request_is_kept_in_the_language_requested_slot(
    text: str, asked_for: str | None, emitted: list[str]
) -> None:
    message = Message(data={"text": text})
    LanguageDecider({"default_language": "de"}).decide(message, "de", asked_for)  # type: ignore[arg-type]
    found = [e["value"] for e in message.get("entities", []) if e["entity"] == "language_requested"]
    assert found == emitted
