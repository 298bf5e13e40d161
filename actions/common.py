"""What every action needs: the knowledge, the conversation language and entity helpers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from assistant.knowledge import Knowledge, load_knowledge
from assistant.lang import Lang, normalise
from assistant.settings import Settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The knowledge files, loaded and validated once per process."""
    return load_knowledge(settings().knowledge_dir)


def language(tracker: Tracker) -> Lang:
    """The conversation language (the `language` slot), or the configured default."""
    return normalise(tracker.get_slot("language")) or settings().default_language


def latest_entities(tracker: Tracker, entity: str) -> list[dict[str, Any]]:
    """Entities of one type in the latest user message, in text order."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return [e for e in entities if e.get("entity") == entity and e.get("value")]


def latest_entity_value(tracker: Tracker, entity: str) -> str | None:
    """The value of the last entity of a type in the latest message (as Rasa fills slots)."""
    found = latest_entities(tracker, entity)
    return str(found[-1]["value"]) if found else None


def bullet_list(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)
