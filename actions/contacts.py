"""Actions about Department II, its units, routing a request and the public contact data."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import knowledge, language, latest_entity_value

# Which unit handles which kind of request (Senatskanzlei, "Über uns").
ROUTES = {"route_protocol": "II A", "route_international": "II B"}


def _unit_id(text: str | None) -> str | None:
    if not text:
        return None
    key = text.upper().replace("REFERAT", "").replace(" ", "")
    return {"IIA": "II A", "IIB": "II B", "2A": "II A", "2B": "II B"}.get(key)


class ActionExplainDepartment(Action):
    def name(self) -> str:
        return "action_explain_department"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, dept = language(tracker), knowledge().department
        dispatcher.utter_message(response="utter_fact", body=dept.summary(lang), source=dept.source)
        return []


class ActionExplainUnit(Action):
    def name(self) -> str:
        return "action_explain_unit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = language(tracker)
        unit = knowledge().units.get(_unit_id(latest_entity_value(tracker, "unit")) or "")
        if unit is None:
            dispatcher.utter_message(response="utter_ask_unit")
            return []
        dispatcher.utter_message(
            response="utter_unit", name=unit.name(lang), tasks=unit.tasks(lang), source=unit.source
        )
        return []


class ActionRouteRequest(Action):
    def name(self) -> str:
        return "action_route_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, k = language(tracker), knowledge()
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        unit = k.units[ROUTES.get(intent or "", "II A")]
        dispatcher.utter_message(
            response="utter_route",
            name=unit.name(lang),
            tasks=unit.tasks(lang),
            phone=k.contact.phone,
            web=k.contact.web(lang),
            source=unit.source,
        )
        return []


class ActionGiveContact(Action):
    def name(self) -> str:
        return "action_give_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, contact = language(tracker), knowledge().contact
        dispatcher.utter_message(
            response="utter_contact",
            organisation=contact.organisation(lang),
            address=contact.address,
            visitor_entrance=contact.visitor_entrance,
            phone=contact.phone,
            fax=contact.fax,
            web=contact.web(lang),
            source=contact.source,
        )
        return []
