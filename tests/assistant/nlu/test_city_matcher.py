from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.city_matcher import CityMatcher


@pytest.fixture(scope="module")
def trained_matcher(tmp_path_factory: pytest.TempPathFactory, knowledge_dir: Path) -> CityMatcher:
    """A CityMatcher trained on the test knowledge folder, persisted and loaded again, as Rasa
    does it."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("city_matcher")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {"knowledge_dir": str(knowledge_dir)}
    CityMatcher.create(
        {**CityMatcher.get_default_config(), **config}, storage, resource, context
    ).train(TrainingData())
    return CityMatcher.load(
        {**CityMatcher.get_default_config(), **config}, storage, resource, context
    )


def _entities(
    matcher: CityMatcher, text: str, existing: list[dict[str, Any]] | None = None
) -> list[tuple[str, str, str]]:
    message = Message(data={TEXT: text, ENTITIES: existing or []})
    matcher.process([message])
    return [
        (e["entity"], str(e["value"]), text[e["start"] : e["end"]]) for e in message.get(ENTITIES)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seit wann ist Tokio Partnerstadt?", ("city", "tokyo", "Tokio")),
        ("Since when is Tokyo a partner?", ("city", "tokyo", "Tokyo")),
        ("Wie alt ist Tokios Partnerschaft?", ("city", "tokyo", "Tokios")),
        ("Tell me about Tokyo's partnership", ("city", "tokyo", "Tokyo's")),
        ("Ist İstanbul eine Partnerstadt?", ("city", "istanbul", "İstanbul")),
        # misspelt by a letter: missing, one too many, a wrong one
        ("Ist Istanbl eine Partnerstadt?", ("city", "istanbul", "Istanbl")),
        ("is instanbul a partner", ("city", "istanbul", "instanbul")),
        ("Was ist mit Moskua?", ("city", "moscow", "Moskua")),
        ("Los Angelos?", ("city", "los_angeles", "Los Angelos")),
        ("WINDHUK", ("city", "windhoek", "WINDHUK")),
        ("Kiew", ("city", "kyiv", "Kiew")),
        ("and L.A.?", ("city", "los_angeles", "L.A.")),
        ("Is Vienna a partner?", ("city", "vienna", "Vienna")),
        ("Ist Wien eine Partnerstadt?", ("city", "vienna", "Wien")),
        ("Is New York a twin city of Berlin?", ("city", "new_york", "New York")),
        ("Partnerstädte in Asien", ("region", "asia", "Asien")),
        ("partner cities in South America", ("region", "south_america", "South America")),
        # umlauts typed without a German keyboard
        ("Partnerstaedte in Suedamerika", ("region", "south_america", "Suedamerika")),
        ("in nord- und suedamerika", ("region", "americas", "nord- und suedamerika")),
        ("Ist Aegypten dabei?", ("region", "egypt", "Aegypten")),  # no such alias in the file
    ],
)
def test_city_matcher_finds_places(
    trained_matcher: CityMatcher, text: str, expected: tuple[str, str, str]
) -> None:
    assert _entities(trained_matcher, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Welche Partnerstädte hat Berlin?",
        "Which parts of Berlin are twinned?",
        "Frag mal nach",
        "und seit wann?",
    ],
)
def test_city_matcher_leaves_ordinary_words_alone(trained_matcher: CityMatcher, text: str) -> None:
    assert _entities(trained_matcher, text) == []


def test_city_matcher_replaces_overlapping_guesses_and_keeps_unknown_towns(
    trained_matcher: CityMatcher,
) -> None:
    text = "Sind Tokio und Kleinkleckersdorf Partner von Berlin?"
    crf = [
        {"entity": "city", "start": 5, "end": 10, "value": "Tokio"},
        {"entity": "city", "start": 15, "end": 32, "value": "Kleinkleckersdorf"},
        {"entity": "city", "start": 45, "end": 51, "value": "Berlin"},
        {"entity": "unit", "start": 0, "end": 4, "value": "II A"},
    ]
    assert _entities(trained_matcher, text, crf) == [
        ("city", "Kleinkleckersdorf", "Kleinkleckersdorf"),
        ("unit", "II A", "Sind"),
        ("city", "tokyo", "Tokio"),
    ]


def test_untrained_city_matcher_passes_messages_through(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    matcher = CityMatcher.load(
        CityMatcher.get_default_config(), storage, Resource("missing"), context
    )
    message = Message(data={TEXT: "Tokio"})
    matcher.process([message])
    assert message.get(ENTITIES) is None


@pytest.mark.parametrize("words", [1_000, 5_000])
def test_city_matcher_work_grows_linearly_with_many_matches(
    trained_matcher: CityMatcher, monkeypatch: pytest.MonkeyPatch, words: int
) -> None:
    # Overlap checks against every chosen match made "Wien " * 20000 take 52 s (issue 10);
    # counted, not timed: the characters looked at stay a small multiple of the text length.
    from assistant.nlu import city_matcher

    made: list[city_matcher.Coverage] = []

    class Counted(city_matcher.Coverage):
        def __init__(self, length: int) -> None:
            super().__init__(length)
            made.append(self)

    monkeypatch.setattr(city_matcher, "Coverage", Counted)
    text = "Wien " * words
    found = trained_matcher.extract(text)
    assert len(found) == words
    assert {e["value"] for e in found} == {"vienna"}
    assert sum(c.checked for c in made) <= 4 * len(text)
