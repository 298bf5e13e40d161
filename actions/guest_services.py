"""Actions about the service for international guests, related topics and city networks."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bullet_list, knowledge, language, latest_entity_value

# Intent -> topic id in data/knowledge/services.yml.
TOPICS = {
    "ask_guest_services": "guest_services",
    "ask_golden_book": "golden_book",
    "ask_rotes_rathaus": "rotes_rathaus",
    "ask_emigrant_program": "emigrant_program",
    "ask_embassies": "embassies",
    "ask_ukraine_solidarity": "ukraine",
    "ask_admin_service": "admin_services",
}


class ActionExplainTopic(Action):
    """Answers a service topic with its summary and source from the knowledge files."""

    def name(self) -> str:
        return "action_explain_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        topic = knowledge().topics.get(TOPICS.get(intent, ""))
        if topic is None:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(
            response="utter_fact", body=topic.summary(language(tracker)), source=topic.source
        )
        return []


class ActionExplainCityNetworks(Action):
    """Lists Berlin's city networks, or explains the one the visitor named."""

    def name(self) -> str:
        return "action_explain_city_networks"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, k = language(tracker), knowledge()
        named = latest_entity_value(tracker, "network")
        network = k.resolve_network(named) if named else None
        if network:
            dispatcher.utter_message(
                response="utter_fact",
                body=f"{network.name(lang)}: {network.summary(lang)}",
                source=network.source,
            )
            return []
        lines = [f"{n.name(lang)}: {n.summary(lang)} ({n.source})" for n in k.networks.values()]
        dispatcher.utter_message(response="utter_networks", networks=bullet_list(lines))
        return []
