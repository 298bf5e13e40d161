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
    """A CityMatcher trained, persisted and loaded again, as Rasa does it."""
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
        ("Seit wann ist Prag Partnerstadt?", ("city", "prague", "Prag")),
        ("Since when is Prague a partner?", ("city", "prague", "Prague")),
        ("Wie alt ist Prags Partnerschaft?", ("city", "prague", "Prags")),
        ("Tokios Partnerschaft", ("city", "tokyo", "Tokios")),
        ("Tell me about Tokyo's partnership", ("city", "tokyo", "Tokyo's")),
        ("Ist Beijing eine Partnerstadt?", ("city", "beijing", "Beijing")),
        ("Ist pekng eine Partnerstadt?", ("city", "beijing", "pekng")),
        ("is bejing a partner", ("city", "beijing", "bejing")),
        ("Was ist mit Warshau?", ("city", "warsaw", "Warshau")),
        ("WARSCHAU", ("city", "warsaw", "WARSCHAU")),
        ("Mexiko-Stadt", ("city", "mexico_city", "Mexiko-Stadt")),
        ("and Tel Aviv-Yafo?", ("city", "tel_aviv", "Tel Aviv-Yafo")),
        ("Is Vienna a partner?", ("city", "vienna", "Vienna")),
        ("Ist Wien eine Partnerstadt?", ("city", "vienna", "Wien")),
        ("Is New York a twin city of Berlin?", ("city", "new_york", "New York")),
        ("Partnerstädte in Asien", ("region", "asia", "Asien")),
        ("partner cities in South America", ("region", "south_america", "South America")),
        # umlauts typed without a German keyboard
        ("Partnerstaedte in Suedamerika", ("region", "south_america", "Suedamerika")),
        ("in nord- und suedamerika", ("region", "americas", "nord- und suedamerika")),
        ("Seit wann ist Bruessel dabei?", ("city", "brussels", "Bruessel")),
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
    text = "Sind Prag und Kleinkleckersdorf Partner von Berlin?"
    crf = [
        {"entity": "city", "start": 5, "end": 9, "value": "Prag"},
        {"entity": "city", "start": 14, "end": 31, "value": "Kleinkleckersdorf"},
        {"entity": "city", "start": 44, "end": 50, "value": "Berlin"},
        {"entity": "unit", "start": 0, "end": 4, "value": "II A"},
    ]
    assert _entities(trained_matcher, text, crf) == [
        ("city", "Kleinkleckersdorf", "Kleinkleckersdorf"),
        ("unit", "II A", "Sind"),
        ("city", "prague", "Prag"),
    ]


def test_untrained_city_matcher_passes_messages_through(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    matcher = CityMatcher.load(
        CityMatcher.get_default_config(), storage, Resource("missing"), context
    )
    message = Message(data={TEXT: "Prag"})
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
