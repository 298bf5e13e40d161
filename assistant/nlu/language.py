"""Decides the reply language of every message inside the NLU pipeline (no action server call)."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.knowledge import KnowledgeError, PartnerCity, Place, load_knowledge
from assistant.knowledge.names import normalise_name
from assistant.lang import (
    Detection,
    Lang,
    LanguageDetector,
    decide_with_reason,
    named_language,
    normalise,
    requested_language,
)
from assistant.settings import Settings

logger = logging.getLogger(__name__)

LANGUAGE = "language"
# The language the visitor explicitly asked for ("Deutsch bitte"): it holds until they ask again.
REQUESTED = "language_requested"
SWITCH_INTENT = "switch_language"
# Entities whose text looks the same in both languages and says nothing about the language.
_NEUTRAL_ENTITIES = {"city", "region", "network", "unit"}
# German names of institutions that English texts use as they are ("What's the Rotes Rathaus?").
_BORROWED_NAMES = re.compile(
    r"(?<!\w)(?:rotes rathaus|emigrantenprogramm|senatskanzlei|landesarchiv|bezirksamt|"
    r"anmeldung|landesamt für einwanderung)(?!\w)",
    re.IGNORECASE,
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDecider(GraphComponent, EntityExtractorMixin):
    """The one owner of the reply language.

    For each message it decides the language in this order: an explicit request ("answer in
    English", or a channel's `{"language": ..., "explicit": true}` metadata); an earlier explicit
    request (kept in the `language_requested` slot: after "Deutsch bitte" an English question is
    still answered in German until the visitor asks for English); the language of the
    visitor's own words (place names masked); a channel's hint (`{"language": ...}` metadata, the
    web page's or the phone's language) while the conversation has no language yet; the
    conversation's current language (sticky on "ok" or "Paris?"); `ASSISTANT_DEFAULT_LANGUAGE`.

    It emits a `language` entity when the decision differs from the conversation's `language`
    slot (the slot maps from that entity, in-process), a `language_requested` entity when the
    visitor asks for a language explicitly, and records the decision and its reason
    in the parse data under `language` for staff: `{"reply", "reason", "detected", "foreign"}`.
    A message clearly in another language (`foreign`) keeps the conversation language.

    Config:
        default_language (str | None): overrides ASSISTANT_DEFAULT_LANGUAGE (tests).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # None: read ASSISTANT_DEFAULT_LANGUAGE from the environment when the model loads
            "default_language": None,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self._detector = LanguageDetector()
        configured = normalise(self._config["default_language"])
        self._default: Lang = configured or Settings.from_env().default_language

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDecider:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(
        self, messages: list[Message], tracker: DialogueStateTracker | None = None
    ) -> list[Message]:
        current = normalise(tracker.get_slot(LANGUAGE)) if tracker is not None else None
        asked_for = normalise(tracker.get_slot(REQUESTED)) if tracker is not None else None
        for message in messages:
            self.decide(message, current, asked_for)
        return messages

    def decide(
        self, message: Message, current: Lang | None, asked_for: Lang | None = None
    ) -> dict[str, Any]:
        """Decide one message's reply language; sets entities and parse data, returns the latter.

        Args:
            message: the visitor's message.
            current: the conversation's language so far.
            asked_for: the language the visitor explicitly asked for earlier, if any.
        """
        text = message.get(TEXT) or ""
        metadata = message.get("metadata") or {}
        if not isinstance(metadata, dict):
            metadata = {}
        hint = normalise(metadata.get("language"))
        entities = [
            e for e in message.get(ENTITIES, []) if e.get("entity") not in (LANGUAGE, REQUESTED)
        ]
        spans = [
            (int(e["start"]), int(e["end"]))
            for e in entities
            if e.get("entity") in _NEUTRAL_ENTITIES and "start" in e and "end" in e
        ]
        # "Was ist die Urban Sustainability Exchange?": a proper name says nothing about the
        # language the visitor writes in.
        # ("Bürgermeister für den Frieden" is German, though: it stays.)
        pattern, german = self._proper_names
        if pattern is not None:
            spans += [
                m.span() for m in pattern.finditer(text) if m.group(0).casefold() not in german
            ]
        spans += [m.span() for m in _BORROWED_NAMES.finditer(text)]
        requested = self._requested(message, text)
        if requested is None and metadata.get("explicit") is True:
            requested = hint
        payload = text.startswith("/")
        foreign = None if payload else self._detector.foreign(text, spans)
        detection = None if payload or foreign else self._detector.detect(text, spans)
        by_name = None
        if detection is not None and detection.lang is None and current is None and not hint:
            # A first message "Moskau?" or "Warsaw": a name in one language's own form.
            by_name = self._place_name_language(text, entities)
            if by_name:
                detection = Detection(by_name, detection.evidence)
        chosen, reason = decide_with_reason(
            detection,
            current=current,
            established=current is not None,
            hint=hint,
            requested=requested,
            default=self._default,
            asked_for=asked_for,
        )
        if by_name and reason == "words":
            reason = "place_name"
        decision = {
            "reply": chosen,
            "reason": reason,
            "detected": detection.lang if detection else None,
            "evidence": round(detection.evidence, 2) if detection else None,
            "foreign": foreign,
        }
        message.set(LANGUAGE, decision, add_to_output=True)
        changed = {LANGUAGE: chosen} if chosen != current else {}
        if requested and requested != asked_for:
            changed[REQUESTED] = requested
        for entity, value in changed.items():
            entities.append(
                {
                    "entity": entity,
                    "value": value,
                    "start": 0,
                    "end": 0,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
            )
        message.set(ENTITIES, entities, add_to_output=True)
        return decision

    @cached_property
    def _proper_names(self) -> tuple[re.Pattern[str] | None, frozenset[str]]:
        """Names of networks (Eurocities, Mayors for Peace, ...) as written in the knowledge,
        and those of them that are German words."""
        try:
            knowledge = load_knowledge(Settings.from_env().knowledge_dir)
        except KnowledgeError:
            return None, frozenset()
        names = {
            name
            for network in knowledge.networks.values()
            for name in (network.name.de, network.name.en, *network.aliases)
            if len(name) > 3
        }
        if not names:
            return None, frozenset()
        german = frozenset(n.casefold() for n in names if self._detector.detect(n).lang == "de")
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), german

    @cached_property
    def _names(self) -> dict[str, set[str]]:
        """Normalised place names by the language whose name it is, where the other differs."""
        try:
            knowledge = load_knowledge(Settings.from_env().knowledge_dir)
        except KnowledgeError:
            return {"de": set(), "en": set()}
        named: list[PartnerCity | Place] = [*knowledge.partner_cities]
        named += [*knowledge.other_cities.values(), *knowledge.countries.values()]
        named += knowledge.continents.values()
        names: dict[str, set[str]] = {"de": set(), "en": set()}
        for place in named:
            de, en = normalise_name(place.name.de), normalise_name(place.name.en)
            if de != en:
                names["de"].add(de)
                names["en"].add(en)
        return names

    def _place_name_language(self, text: str, entities: list[dict[str, Any]]) -> Lang | None:
        votes = set()
        for entity in entities:
            if entity.get("entity") in ("city", "region") and "start" in entity:
                surface = normalise_name(text[int(entity["start"]) : int(entity["end"])])
                for lang in ("de", "en"):
                    if surface in self._names[lang]:
                        votes.add(lang)
        return votes.pop() if len(votes) == 1 else None  # type: ignore[return-value]

    @staticmethod
    def _requested(message: Message, text: str) -> Lang | None:
        """An explicit request: a request form ("auf Englisch bitte: ..."), or a language named
        in a message the classifier reads as a switch request ("Englisch?")."""
        found = requested_language(text)
        if found:
            return found
        intents = [(message.get(INTENT) or {}).get("name")]
        intents += [(q.get("intent") or {}).get("name") for q in message.get("questions") or []]
        if SWITCH_INTENT not in intents:
            return None
        return named_language(text)
