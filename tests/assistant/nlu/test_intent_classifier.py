"""The TF-IDF intent classifier: trains, ranks, classifies each question of a compound message,
and scores with weights laid out for speed exactly as scikit-learn does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.intent_classifier import TfidfIntentClassifier, _fast, _predict_proba

EXAMPLES = {
    "ask_partner_cities": [
        "Welche Partnerstädte hat Berlin?",
        "Which partner cities does Berlin have?",
        "list of Berlin's twin towns",
        "Partnerstädte von Berlin bitte",
    ],
    "ask_contact": [
        "How can I reach the department?",
        "Wie erreiche ich die Abteilung?",
        "phone number of the protocol office",
        "Telefonnummer bitte",
    ],
    "greet": ["Hallo", "Hello there", "Guten Tag", "hi"],
}


@pytest.fixture
def trained(tmp_path: Path) -> tuple[TfidfIntentClassifier, LocalModelStorage, Resource]:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = TfidfIntentClassifier.create({}, storage, resource, context)
    data = TrainingData(
        [Message({TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts]
    )
    classifier.train(data)
    loaded = TfidfIntentClassifier.load({}, storage, resource, context)
    return loaded, storage, resource


def test_a_message_gets_the_right_intent_and_a_ranking(trained) -> None:  # type: ignore[no-untyped-def]
    classifier, _, _ = trained
    [message] = classifier.process([Message({TEXT: "Which partner cities has Berlin got?"})])
    assert message.get(INTENT)["name"] == "ask_partner_cities"
    ranking = message.get(INTENT_RANKING_KEY)
    assert [r["name"] for r in ranking][0] == "ask_partner_cities"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert message.get("questions") is None


def test_each_question_of_a_compound_message_is_classified(trained) -> None:  # type: ignore[no-untyped-def]
    classifier, _, _ = trained
    text = "Welche Partnerstädte hat Berlin? Und wie erreiche ich die Abteilung?"
    [message] = classifier.process([Message({TEXT: text})])
    questions = message.get("questions")
    assert [q["intent"]["name"] for q in questions] == ["ask_partner_cities", "ask_contact"]
    assert text[questions[1]["start"] : questions[1]["end"]].startswith("Und wie")


def test_the_fast_layout_scores_exactly_as_scikit_learn(trained) -> None:  # type: ignore[no-untyped-def]
    classifier, _, _ = trained
    pipeline = classifier._pipeline
    model = pipeline.steps[-1][1]
    assert model.coef_.T.flags["C_CONTIGUOUS"]  # what scipy multiplies without a copy
    texts = ["Hallo!", "phone number please", "twin towns of Berlin", "???"]
    fast = pipeline.predict_proba(texts)
    model.coef_ = np.ascontiguousarray(model.coef_)  # as trained, before `_fast`
    assert not model.coef_.T.flags["C_CONTIGUOUS"]
    assert np.array_equal(pipeline.predict_proba(texts), fast)
    assert _fast(pipeline) is pipeline
    assert model.coef_.T.flags["C_CONTIGUOUS"]


def test_scoring_without_the_pipeline_machinery_gives_the_same_probabilities(trained) -> None:  # type: ignore[no-untyped-def]
    classifier, _, _ = trained
    pipeline = classifier._pipeline
    texts = ["Hallo!", "phone number please", "twin towns of Berlin", "???", ""]
    direct = _predict_proba(pipeline, texts)
    assert direct.shape == (len(texts), len(EXAMPLES))
    assert np.array_equal(direct, pipeline.predict_proba(texts))


def test_umlauts_typed_as_ae_oe_ue_and_courtesy_give_the_same_intent(trained) -> None:  # type: ignore[no-untyped-def]
    classifier, _, _ = trained
    texts = [
        "Welche Partnerstädte hat Berlin?",
        "Welche Partnerstaedte hat Berlin?",
        "Hallo, kurze Frage: welche Partnerstädte hat Berlin?",
        "Welche Partnerstädte hat Berlin? Danke!",
    ]
    messages = classifier.process([Message({TEXT: t}) for t in texts])
    first = messages[0].get(INTENT_RANKING_KEY)
    for message in messages[1:]:
        assert message.get(INTENT_RANKING_KEY) == first
