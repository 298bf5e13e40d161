from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionDetectLanguage
from tests.actions.conftest import TrackerFactory

ESTABLISHED_EN = [{"event": "slot", "name": "language", "value": "en"}]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Welche Partnerstädte hat Berlin?", "de"), ("Which partner cities does Berlin have?", "en")],
)
async def test_first_message_sets_its_language(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, text: str, lang: str
) -> None:
    assert await ActionDetectLanguage().run(dispatcher, make_tracker(text), {}) == [
        SlotSet("language", lang)
    ]


async def test_short_message_keeps_the_language(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker("ok", events=ESTABLISHED_EN)
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == []


async def test_place_names_do_not_decide_the_language(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    entities = [{"entity": "city", "value": "los_angeles", "start": 0, "end": 11}]
    tracker = make_tracker("Los Angeles?", entities=entities, events=ESTABLISHED_EN)
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == []


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_channel_hint_applies_to_an_ambiguous_first_message(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, lang: str
) -> None:
    tracker = make_tracker("ok", metadata={"language": lang})
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == [SlotSet("language", lang)]


async def test_visitors_words_beat_the_hint(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker("Wie viele Partnerstädte hat Berlin?", metadata={"language": "en"})
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == [SlotSet("language", "de")]


@pytest.mark.parametrize(
    ("text", "entities", "lang"),
    [
        (
            "answer in German please",
            [{"entity": "language", "value": "de", "start": 10, "end": 16}],
            "de",
        ),
        ("Antworte bitte auf Englisch", [], "en"),
    ],
)
async def test_explicit_switch(
    dispatcher: CollectingDispatcher,
    make_tracker: TrackerFactory,
    text: str,
    entities: list,
    lang: str,
) -> None:  # type: ignore[type-arg]
    tracker = make_tracker(
        text, "switch_language", entities, events=ESTABLISHED_EN, slots={"language": "en"}
    )
    events = await ActionDetectLanguage().run(dispatcher, tracker, {})
    assert events == ([SlotSet("language", lang)] if lang != "en" else [])


async def test_button_payload_keeps_the_language(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker(
        "/list_partner_cities",
        "list_partner_cities",
        events=[{"event": "slot", "name": "language", "value": "de"}],
        slots={"language": "de"},
    )
    assert await ActionDetectLanguage().run(dispatcher, tracker, {}) == []
