"""action_answer: parse data in, replies and the context slot out (fixture knowledge)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

import actions.answer as action_module
from actions.answer import ActionAnswer
from assistant.answers.query import parse
from assistant.knowledge import load_knowledge
from tests.actions.conftest import TrackerFactory

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
KNOWLEDGE = load_knowledge(ROOT / "tests" / "data" / "knowledge")


@pytest.fixture(autouse=True)
def fixture_knowledge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(action_module, "knowledge", lambda: KNOWLEDGE)


def parse_data(
    text: str, lang: str, intent: str = "ask_partner_city", **extra: Any
) -> dict[str, Any]:
    entities = (
        [
            {
                "entity": "city",
                "value": "kyiv",
                "start": text.index("Kyiv"),
                "end": text.index("Kyiv") + 4,
            }
        ]
        if "Kyiv" in text
        else []
    )
    query = parse(text, knowledge=KNOWLEDGE, intent=intent, entities=entities)
    return {
        "language": {"reply": lang, "reason": "words", "foreign": None},
        "queries": [query.as_dict()],
        **extra,
    }


async def run(
    make_tracker: TrackerFactory,
    text: str,
    lang: str,
    slots: dict[str, Any] | None = None,
    **parse: Any,
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    tracker = make_tracker(text=text, slots={"language": lang, **(slots or {})})
    tracker.latest_message.update(parse)
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer().run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


async def test_answers_and_keeps_the_subject(make_tracker: TrackerFactory) -> None:
    text = "Who signed the Kyiv partnership?"
    dispatcher, events = await run(make_tracker, text, "en", **parse_data(text, "en"))
    [message] = dispatcher.messages
    assert message["text"].startswith("The agreement with Kyiv was signed by")
    [context] = [e for e in events if e.get("name") == "context"]
    assert context["value"]["subject"] == {"kind": "city", "id": "kyiv"}
    assert events[-1] == FollowupAction("action_listen")  # the turn ends with the answer


async def test_follow_up_uses_the_context_slot(make_tracker: TrackerFactory) -> None:
    text = "und seit wann?"
    slots = {"context": {"subject": {"kind": "city", "id": "kyiv"}, "cities": ["kyiv"]}}
    dispatcher, _ = await run(
        make_tracker, text, "de", slots=slots, **parse_data(text, "de", intent="nlu_fallback")
    )
    assert dispatcher.messages[0]["text"].startswith("Kyjiw (Ukraine) ist seit 14. September 2023")


async def test_language_comes_from_the_nlu_decision(make_tracker: TrackerFactory) -> None:
    text = "Tell me about Kyiv"
    # The slot still says German (it follows the decision one event later); the decision wins.
    dispatcher, _ = await run(make_tracker, text, "de", **parse_data(text, "en"))
    assert dispatcher.messages[0]["text"].startswith("Kyiv (Ukraine) has been a partner city")


async def test_another_language_gets_a_note_in_both(make_tracker: TrackerFactory) -> None:
    data = {"language": {"reply": "en", "reason": "kept", "foreign": "fr"}, "queries": []}
    dispatcher, events = await run(make_tracker, "Quelles sont les villes jumelées ?", "en", **data)
    [message] = dispatcher.messages
    assert "nur auf Deutsch und Englisch" in message["text"]
    assert "only answer in German and English" in message["text"]
    assert KNOWLEDGE.contact.web("en") in message["text"]
    assert events == [FollowupAction("action_listen")]  # nothing else changes


async def test_greeting_names_the_department_from_the_knowledge(
    make_tracker: TrackerFactory,
) -> None:
    data = parse_data("Hallo", "de", intent="greet")
    dispatcher, _ = await run(make_tracker, "Hallo", "de", **data)
    [message] = dispatcher.messages
    assert KNOWLEDGE.department.name.de in message["text"]
    assert [b["payload"] for b in message["buttons"]][0] == "/list_partner_cities"


async def test_a_button_payload_follows_the_channel_hint(make_tracker: TrackerFactory) -> None:
    # "/greet" from a German phone: no NLU decision, no conversation language yet.
    tracker = make_tracker(
        text="/greet", intent="greet", slots={"language": None}, metadata={"language": "de"}
    )
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["text"].startswith("Guten Tag")
    assert {"event": "slot", "name": "language", "value": "de", "timestamp": None} in events


async def test_a_button_payload_keeps_the_conversation_language(
    make_tracker: TrackerFactory,
) -> None:
    tracker = make_tracker(
        text="/greet", intent="greet", slots={"language": "en"}, metadata={"language": "de"}
    )
    dispatcher = CollectingDispatcher()
    await ActionAnswer().run(dispatcher, tracker, DOMAIN)
    assert dispatcher.messages[0]["text"].startswith("Hello")


async def test_a_failure_costs_one_answer_not_the_conversation(
    make_tracker: TrackerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    text = "Who signed the Kyiv partnership?"
    broken = {
        **DOMAIN,
        "responses": {k: v for k, v in DOMAIN["responses"].items() if k != "a_city_signers"},
    }
    tracker = make_tracker(text=text, slots={"language": "en"})
    tracker.latest_message.update(parse_data(text, "en"))
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer().run(dispatcher, tracker, broken)
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]
    assert events == [FollowupAction("action_listen")]  # nothing else changes
    assert "Kyiv" not in caplog.text and "WordingError" in caplog.text


async def test_without_a_domain_in_the_request_the_templates_come_from_domain_yml(
    make_tracker: TrackerFactory,
) -> None:
    # endpoints.yml enables Rasa's selective domain: action calls carry no domain.
    text = "Who signed the Kyiv partnership?"
    tracker = make_tracker(text=text, slots={"language": "en"})
    tracker.latest_message.update(parse_data(text, "en"))
    dispatcher = CollectingDispatcher()
    await ActionAnswer().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("The agreement with Kyiv was signed by")
