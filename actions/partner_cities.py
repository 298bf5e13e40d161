"""Actions about Berlin's partner cities: lists, counts, single cities, regions."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import bullet_list, knowledge, language, latest_entity_value
from assistant.knowledge import Knowledge, PartnerCity, Place, format_day
from assistant.lang import Lang


def _city_line(city: PartnerCity, lang: Lang) -> str:
    k = knowledge()
    country = k.countries[city.country].name(lang)
    status = "" if city.status == "active" else f"; {k.overview.status_label[city.status](lang)}"
    return f"{city.name(lang)}, {country} ({city.since.format(lang)}{status})"


def _names(cities: tuple[PartnerCity, ...], lang: Lang) -> str:
    return ", ".join(c.name(lang) for c in cities)


def _city_facts(city: PartnerCity, lang: Lang) -> dict[str, str]:
    k = knowledge()
    return {
        "name": city.name(lang),
        "country": k.countries[city.country].name(lang),
        "since": city.since.format(lang),
        "status": k.overview.status_text[city.status](lang),
        "note": city.note(lang) if city.note else "",
        "source": city.source,
    }


def _continent_groups(lang: Lang) -> str:
    k = knowledge()
    lines = []
    for continent in k.continents.values():
        cities = tuple(c for c in k.partner_cities if continent.id in c.continents)
        if cities:
            lines.append(f"{continent.name(lang)}: {_names(cities, lang)}")
    return bullet_list(lines)


def _as_of(lang: Lang) -> str:
    return format_day(knowledge().overview.as_of, lang)


class ActionListPartnerCities(Action):
    def name(self) -> str:
        return "action_list_partner_cities"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, k = language(tracker), knowledge()
        dispatcher.utter_message(
            response="utter_partner_list",
            count=len(k.partner_cities),
            as_of=_as_of(lang),
            cities=bullet_list([_city_line(c, lang) for c in k.partner_cities]),
            districts_note=k.overview.districts_note(lang),
            source=k.overview.source,
        )
        return []


class ActionCountPartnerCities(Action):
    def name(self) -> str:
        return "action_count_partner_cities"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, k = language(tracker), knowledge()
        inactive = [c for c in k.partner_cities if c.status != "active"]
        exceptions = " ".join(
            f"{c.name(lang)}: {k.overview.status_text[c.status](lang)}" for c in inactive
        )
        dispatcher.utter_message(
            response="utter_partner_count",
            count=len(k.partner_cities),
            active=len(k.active_partners),
            as_of=_as_of(lang),
            exceptions=exceptions,
            count_note=k.overview.count_note(lang),
            source=k.overview.source,
        )
        return []


class _CityAction(Action, metaclass=ABCMeta):
    """Base for answers about one named city: finds the city, or explains that it is none."""

    partner_response = ""

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, k = language(tracker), knowledge()
        text = latest_entity_value(tracker, "city") or tracker.get_slot("city")
        if not text:
            dispatcher.utter_message(
                response="utter_ask_city", cities=_names(k.partner_cities, lang)
            )
            return []
        place = k.resolve_city(text)
        if isinstance(place, PartnerCity):
            dispatcher.utter_message(response=self.partner_response, **_city_facts(place, lang))
            return [SlotSet("city", place.id)]
        name = place.name(lang) if isinstance(place, Place) else _display(text)
        note = place.note(lang) if isinstance(place, Place) and place.note else ""
        dispatcher.utter_message(
            response="utter_partner_no",
            name=name,
            note=note,
            districts_note=k.overview.districts_note(lang),
            count=len(k.partner_cities),
            source=k.overview.source,
        )
        return [SlotSet("city", place.id if place else text)]


def _display(text: str) -> str:
    """A visitor's spelling of an unknown town, tidied for an answer."""
    cleaned = " ".join(text.split())[:60]
    return cleaned[:1].upper() + cleaned[1:]


class ActionDescribePartnerCity(_CityAction):
    partner_response = "utter_partner_city"

    def name(self) -> str:
        return "action_describe_partner_city"


class ActionTellPartnerSince(_CityAction):
    partner_response = "utter_partner_since"

    def name(self) -> str:
        return "action_tell_partner_since"


class ActionCheckPartner(_CityAction):
    partner_response = "utter_partner_yes"

    def name(self) -> str:
        return "action_check_partner"


class _RankedPartnerAction(Action, metaclass=ABCMeta):
    """Base for "the oldest" / "the newest" partner: one city picked from the knowledge."""

    response = ""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def pick(self, knowledge: Knowledge) -> PartnerCity: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        city = self.pick(knowledge())
        dispatcher.utter_message(response=self.response, **_city_facts(city, language(tracker)))
        return [SlotSet("city", city.id)]


class ActionTellOldestPartner(_RankedPartnerAction):
    response = "utter_partner_oldest"

    def name(self) -> str:
        return "action_tell_oldest_partner"

    def pick(self, knowledge: Knowledge) -> PartnerCity:
        return knowledge.oldest_partner()


class ActionTellNewestPartner(_RankedPartnerAction):
    response = "utter_partner_newest"

    def name(self) -> str:
        return "action_tell_newest_partner"

    def pick(self, knowledge: Knowledge) -> PartnerCity:
        return knowledge.newest_partner()


class ActionListPartnersByRegion(Action):
    def name(self) -> str:
        return "action_list_partners_by_region"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang, k = language(tracker), knowledge()
        text = latest_entity_value(tracker, "region")
        region = k.resolve_region(text) if text else None
        if region is None:
            dispatcher.utter_message(
                response="utter_partners_by_continent",
                groups=_continent_groups(lang),
                source=k.overview.source,
            )
            return []
        cities = k.partners_in(region)
        if not cities:
            dispatcher.utter_message(
                response="utter_partners_in_region_none",
                region=region.name(lang),
                groups=_continent_groups(lang),
                source=k.overview.source,
            )
            return []
        dispatcher.utter_message(
            response="utter_partners_in_region",
            region=region.name(lang),
            cities=bullet_list([_city_line(c, lang) for c in cities]),
            source=k.overview.source,
        )
        return []
