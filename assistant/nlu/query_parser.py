"""Reads each question of a message as a structured query (assistant.answers.query)."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.answers.query import courtesy_trimmed, parse
from assistant.knowledge import Knowledge, load_knowledge
from assistant.lang import normalise
from assistant.settings import Settings

logger = logging.getLogger(__name__)

QUERIES = "queries"
QUESTIONS = "questions"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class QueryParser(GraphComponent):
    """Adds `queries` to the parse data: one structured query per question in the message.

    Runs after the intent classifier (which also classifies each question of a compound message,
    see `questions`), the place extractors and the FallbackClassifier. The knowledge files are
    read when the model loads (ASSISTANT_KNOWLEDGE_DIR), so a staff edit to a fact needs a
    restart, not a retraining.

    Config:
        fallback_threshold (float): a question whose own intent confidence is lower counts as
            not understood (`nlu_fallback`), like the FallbackClassifier does for the message.
        knowledge_dir (str | None): overrides ASSISTANT_KNOWLEDGE_DIR (tests).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # same as the FallbackClassifier's threshold in config.yml
            "fallback_threshold": 0.25,
            # None: ASSISTANT_KNOWLEDGE_DIR or data/knowledge
            "knowledge_dir": None,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> QueryParser:
        return cls(config)

    @cached_property
    def knowledge(self) -> Knowledge:
        directory = self._config["knowledge_dir"] or Settings.from_env().knowledge_dir
        return load_knowledge(directory)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            message.set(QUERIES, [q.as_dict() for q in self.queries(message)], add_to_output=True)
        return messages

    def queries(self, message: Message) -> list[Any]:
        text = message.get(TEXT) or ""
        if not text.strip() or text.startswith("/"):
            return []
        intent = (message.get(INTENT) or {}).get("name")
        questions = message.get(QUESTIONS) or []
        if len(questions) < 2:
            start, end = courtesy_trimmed(text)  # "Hallo, kurze Frage: ..."
            questions = [{"start": start, "end": end, "intent": {"name": intent}}]
        entities = message.get(ENTITIES) or []
        # The LanguageDecider's finding for the visitor's words (not the reply language).
        decision = message.get("language") or {}
        lang = normalise(decision.get("detected")) if isinstance(decision, dict) else None
        result = []
        for question in questions:
            start, end = int(question["start"]), int(question["end"])
            own = question.get("intent") or {}
            if len(questions) == 1:
                own = message.get(INTENT) or {}
            name = own.get("name")
            if (
                len(questions) > 1
                and float(own.get("confidence", 1.0)) < self._config["fallback_threshold"]
            ):
                name = "nlu_fallback"
            inside = [
                {**e, "start": int(e["start"]) - start, "end": int(e["end"]) - start}
                for e in entities
                if "start" in e
                and start <= int(e["start"])
                and int(e["end"]) <= end
                and e.get("entity") not in ("language", "language_requested")
            ]
            query = parse(
                text[start:end], knowledge=self.knowledge, intent=name, entities=inside, lang=lang
            )
            query.confidence = round(float(own.get("confidence", 1.0)), 3)
            result.append(query)
        return result
