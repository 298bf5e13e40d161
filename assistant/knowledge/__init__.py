"""Berlin's international relations as structured, validated knowledge (loaded from YAML)."""

from assistant.knowledge.models import (
    Contact,
    Department,
    LocalText,
    Network,
    PartnerCity,
    Place,
    Route,
    Since,
    Topic,
    TopicFact,
    Unit,
    format_day,
)
from assistant.knowledge.store import Knowledge, KnowledgeError, load_knowledge

__all__ = [
    "Contact",
    "Department",
    "Knowledge",
    "KnowledgeError",
    "LocalText",
    "Network",
    "PartnerCity",
    "Place",
    "Route",
    "Since",
    "Topic",
    "TopicFact",
    "Unit",
    "format_day",
    "load_knowledge",
]
