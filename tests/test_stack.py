"""The real thing: action server and Rasa server on loopback, questions through the REST channel.

Every reply is checked for its language (a name or number alone reads the same in both), and
facts are taken from the knowledge the stack answers from, not copied from data/knowledge.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from assistant.knowledge import Knowledge, format_day
from assistant.lang import Lang
from assistant.settings import DEFAULT_LANGUAGE, Settings
from tests.stack import DEVELOPER_PREFIXES, Stack, assert_language


def joined(replies: list[str]) -> str:
    return "\n".join(replies)


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def _partner_list(k: Knowledge, lang: Lang) -> list[str]:
    count = len(k.partner_cities)
    cities = {"de": f"{count} Partnerstädte", "en": f"{count} partner cities"}[lang]
    return [cities, *(city.name(lang) for city in k.partner_cities)]


def _partner_count(k: Knowledge, lang: Lang) -> list[str]:
    as_of = {"de": "Stand: ", "en": "as of "}[lang] + format_day(k.overview.as_of, lang)
    return [str(len(k.partner_cities)), as_of, str(len(k.active_partners))]


def _moscow(k: Knowledge, lang: Lang) -> list[str]:
    moscow = k.partner("moscow")
    assert moscow is not None and moscow.status == "dormant"
    return [moscow.name(lang), k.overview.status_label["dormant"](lang)]


def _oldest(k: Knowledge, lang: Lang) -> list[str]:
    return [k.oldest_partner().name(lang), str(k.oldest_partner().since.year)]


def _newest(k: Knowledge, lang: Lang) -> list[str]:
    return [k.newest_partner().name(lang), str(k.newest_partner().since.year)]


Expect = Callable[[Knowledge, Lang], list[str]]
# One question per topic in both languages, and what the answer must contain.
QUESTIONS: dict[str, tuple[dict[Lang, str], Expect]] = {
    "list": (
        {"de": "Welche Partnerstädte hat Berlin?", "en": "Which partner cities does Berlin have?"},
        _partner_list,
    ),
    "count": (
        {
            "de": "Wie viele Partnerstädte hat Berlin?",
            "en": "How many partner cities does Berlin have?",
        },
        _partner_count,
    ),
    "not-a-partner": (
        {
            "de": "Ist Wien eine Partnerstadt von Berlin?",
            "en": "Is Vienna a partner city of Berlin?",
        },
        lambda k, lang: [k.other_cities["vienna"].name(lang)],
    ),
    "dormant": (
        {"de": "Was ist mit Moskau?", "en": "What about the partnership with Moscow?"},
        _moscow,
    ),
    "oldest": (
        {
            "de": "Welche ist die älteste Partnerstadt?",
            "en": "Which is Berlin's oldest partner city?",
        },
        _oldest,
    ),
    "newest": (
        {
            "de": "Welche ist die neueste Partnerstadt Berlins?",
            "en": "Which is Berlin's newest partner city?",
        },
        _newest,
    ),
    "golden-book": (
        {
            "de": "Wer darf sich ins Goldene Buch eintragen?",
            "en": "Who is allowed to sign the Golden Book?",
        },
        lambda k, lang: [k.topics["golden_book"].source],
    ),
    "admin-services": (
        {
            "de": "Wo verlängere ich meinen Reisepass?",
            "en": "How do I register my address in Berlin?",
        },
        lambda k, lang: [
            k.topics["admin_services"].source,
            k.topics["admin_services"].summary(lang),
        ],
    ),
}
SOURCE = {"de": "Quelle: https://", "en": "Source: https://"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("topic", list(QUESTIONS))
def test_rest_answers_with_facts_in_the_visitors_language(
    stack: Stack, topic: str, lang: Lang
) -> None:
    questions, expect = QUESTIONS[topic]
    reply = joined(stack.ask(new_sender(), questions[lang]))
    assert_language(reply, lang)
    for part in expect(stack.knowledge(), lang):
        assert part in reply, reply


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "en"])
def test_fact_answers_cite_their_source(stack: Stack, lang: Lang) -> None:
    questions, _ = QUESTIONS["list"]
    assert SOURCE[lang] in joined(stack.ask(new_sender(), questions[lang]))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "first", "follow_up"),
    [
        ("en", "Tell me about Madrid", "and since when?"),
        ("de", "Erzähl mir was über Madrid", "und seit wann?"),
    ],
)
def test_follow_up_keeps_the_city_and_the_language(
    stack: Stack, lang: Lang, first: str, follow_up: str
) -> None:
    madrid = stack.knowledge().partner("madrid")
    assert madrid is not None
    sender = new_sender()
    assert madrid.name(lang) in joined(stack.ask(sender, first))
    reply = joined(stack.ask(sender, follow_up))
    assert_language(reply, lang)
    assert madrid.name(lang) in reply and str(madrid.since.year) in reply


@pytest.mark.slow
@pytest.mark.parametrize(
    ("request_text", "lang"),
    [("Please answer in German", "de"), ("Bitte antworte auf Englisch", "en")],
)
def test_language_switch_on_request_sticks(stack: Stack, request_text: str, lang: Lang) -> None:
    sender = new_sender()
    assert_language(joined(stack.ask(sender, request_text)), lang)
    reply = joined(stack.ask(sender, "Paris?"))  # reads the same in both languages
    assert_language(reply, lang)
    k = stack.knowledge()
    paris = k.partner("paris")
    assert paris is not None and k.countries[paris.country].name(lang) in reply


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["de", "en"])
def test_channel_hint_sets_the_language_of_an_ambiguous_first_message(
    stack: Stack, lang: Lang
) -> None:
    reply = joined(stack.ask(new_sender(), "Tokyo?", metadata={"language": lang}))
    assert_language(reply, lang)
    k = stack.knowledge()
    tokyo = k.partner("tokyo")
    assert tokyo is not None
    assert k.countries[tokyo.country].name(lang) in reply and SOURCE[lang] in reply


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "question", "unit"),
    [
        ("en", "Our mayor plans an official visit to Berlin. Whom should we contact?", "II A"),
        (
            "de",
            "Unser Bürgermeister plant einen offiziellen Besuch in Berlin. An wen wenden wir uns?",
            "II A",
        ),
        ("en", "Our city wants to start a joint project with Berlin. Who is responsible?", "II B"),
        (
            "de",
            "Unsere Stadt möchte mit Berlin ein gemeinsames Projekt starten. Wer ist zuständig?",
            "II B",
        ),
    ],
)
def test_routing_names_the_unit(stack: Stack, lang: Lang, question: str, unit: str) -> None:
    reply = joined(stack.ask(new_sender(), question))
    assert_language(reply, lang)
    k = stack.knowledge()
    assert k.units[unit].name(lang) in reply and k.contact.phone in reply


@pytest.mark.slow
@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"sender": "x"}',
        b'{"message": 5}',
        b'{"sender": "x", "message": 5}',
    ],
)
def test_bad_requests_get_a_clean_client_error(stack: Stack, payload: bytes) -> None:
    response = httpx.post(f"{stack.url}/webhooks/rest/webhook", content=payload, timeout=30)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


@pytest.mark.slow
def test_conversation_survives_a_restart(stack: Stack) -> None:
    sender = new_sender()
    stack.ask(sender, "Erzähl mir was über Prag")
    try:
        assert stack.stop() == 0
    finally:
        stack.start()  # the next test gets the shared stack running, whatever happened here
    reply = joined(stack.ask(sender, "und seit wann?"))
    prague = stack.knowledge().partner("prague")
    assert prague is not None
    assert_language(reply, "de")  # "Prag" is inside "Prague": the name alone proves nothing
    assert prague.name("de") in reply and str(prague.since.year) in reply


def test_the_stack_runs_with_a_clean_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a developer may have in the shell (or in .env, which the stack does not read).
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:a-real-token")
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("ASSISTANT_DEFAULT_LANGUAGE", "de" if DEFAULT_LANGUAGE == "en" else "en")
    monkeypatch.setenv("ASSISTANT_ENV_FILE", str(tmp_path / "developer.env"))
    stack = Stack(tmp_path)
    env = stack.env()
    assert env["ASSISTANT_ENV_FILE"] == ""
    assert not {"TELEGRAM_BOT_TOKEN", "ASSISTANT_KNOWLEDGE_DIR"} & set(env)
    settings = stack.settings()
    assert settings.telegram_token is None
    assert settings.default_language == DEFAULT_LANGUAGE
    assert settings.knowledge_dir == Settings().knowledge_dir
    assert settings.rasa_port == stack.rasa_port


def test_the_test_process_runs_with_a_clean_environment() -> None:
    # tests/conftest.py cleaned this process's environment when the session began.
    inherited = {key for key in os.environ if key.startswith(DEVELOPER_PREFIXES)}
    assert inherited == {"ASSISTANT_ENV_FILE"} and os.environ["ASSISTANT_ENV_FILE"] == ""
    assert Settings.from_env() == Settings()
