"""Decides the reply language for every message (custom slot mapping of `language`)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entity_value, settings
from assistant.lang import LanguageDetector, decide, named_language, normalise

logger = logging.getLogger(__name__)

_detector = LanguageDetector()

# Entities whose text looks the same in both languages and says nothing about the language.
_NEUTRAL_ENTITIES = {"city", "region", "network", "unit"}


def _latest_user_event(tracker: Tracker) -> dict[str, Any]:
    return next((e for e in reversed(tracker.events) if e.get("event") == "user"), {})


def _language_was_set(tracker: Tracker) -> bool:
    return any(e.get("event") == "slot" and e.get("name") == "language" for e in tracker.events)


class ActionDetectLanguage(Action):
    """Sets the `language` slot after each user message.

    An explicit request ("answer in English", a `language` entity or a channel's
    `{"language": "en", "explicit": true}` metadata) wins; then the message's own language;
    then a channel's hint (`{"language": ...}` metadata) while the conversation has no
    language yet; otherwise the language stays as it was.
    """

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        metadata = _latest_user_event(tracker).get("metadata") or {}
        hint = normalise(metadata.get("language"))
        requested = normalise(latest_entity_value(tracker, "language"))
        if requested is None and (message.get("intent") or {}).get("name") == "switch_language":
            requested = named_language(message.get("text") or "")
        if requested is None and metadata.get("explicit") is True:
            requested = hint
        text = message.get("text") or ""
        spans = [
            (int(e["start"]), int(e["end"]))
            for e in message.get("entities") or []
            if e.get("entity") in _NEUTRAL_ENTITIES and "start" in e and "end" in e
        ]
        detection = _detector.detect(text, spans) if not text.startswith("/") else None
        current = normalise(tracker.get_slot("language"))
        established = _language_was_set(tracker)
        if detection is None:  # a button payload: keep the language
            chosen = requested or (hint if not established else None) or current
        else:
            chosen = decide(
                detection,
                current=current,
                established=established,
                hint=hint,
                requested=requested,
                default=settings().default_language,
            )
        chosen = chosen or settings().default_language
        if established and chosen == current:
            return []
        return [SlotSet("language", chosen)]
