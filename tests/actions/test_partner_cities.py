from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.partner_cities import (
    ActionCheckPartner,
    ActionCountPartnerCities,
    ActionDescribePartnerCity,
    ActionListPartnerCities,
    ActionListPartnersByRegion,
    ActionTellNewestPartner,
    ActionTellOldestPartner,
    ActionTellPartnerSince,
)
from tests.actions.conftest import TrackerFactory, city

LANGS = ["de", "en"]


async def test_list_names_all_nineteen_cities_with_source(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    await ActionListPartnerCities().run(dispatcher, make_tracker(slots={"language": "de"}), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_partner_list"
    assert message["count"] == 19
    assert message["cities"].count("•") == 19
    assert "Warschau" in message["cities"] and "Moskau, Russland (1991; ruht)" in message["cities"]
    assert message["source"].startswith("https://www.berlin.de/")


@pytest.mark.parametrize(("lang", "as_of"), [("de", "5. Mai 2025"), ("en", "5 May 2025")])
async def test_count_gives_the_date_it_is_valid_for(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, lang: str, as_of: str
) -> None:
    await ActionCountPartnerCities().run(dispatcher, make_tracker(slots={"language": lang}), {})
    [message] = dispatcher.messages
    assert (message["count"], message["active"], message["as_of"]) == (19, 18, as_of)
    assert ("Moskau" if lang == "de" else "Moscow") in message["exceptions"]


@pytest.mark.parametrize(
    ("lang", "name", "country"), [("de", "Warschau", "Polen"), ("en", "Warsaw", "Poland")]
)
async def test_describe_city_in_the_visitors_language(
    dispatcher: CollectingDispatcher,
    make_tracker: TrackerFactory,
    lang: str,
    name: str,
    country: str,
) -> None:
    tracker = make_tracker("…", "ask_partner_city", [city("warsaw")], {"language": lang})
    events = await ActionDescribePartnerCity().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_partner_city"
    assert (message["name"], message["country"]) == (name, country)
    assert message["since"] == ("12. August 1991" if lang == "de" else "12 August 1991")
    assert "artikel.9888" in message["source"]
    assert events == [SlotSet("city", "warsaw")]


@pytest.mark.parametrize("lang", LANGS)
async def test_moscow_is_reported_dormant(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, lang: str
) -> None:
    tracker = make_tracker("", "ask_partner_city", [city("moscow")], {"language": lang})
    await ActionDescribePartnerCity().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert ("ruht" if lang == "de" else "dormant") in message["status"]
    assert "2022" in message["note"]


async def test_follow_up_uses_the_city_from_context(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker(
        "and since when?", "ask_partner_since", [], {"language": "en", "city": "madrid"}
    )
    await ActionTellPartnerSince().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert (message["response"], message["name"], message["since"]) == (
        "utter_partner_since",
        "Madrid",
        "4 November 1988",
    )


@pytest.mark.parametrize(
    ("value", "name"),
    [("vienna", "Vienna"), ("Hamburg", "Hamburg"), ("Kleinkleckersdorf", "Kleinkleckersdorf")],
)
async def test_non_partners_get_a_clear_no_with_the_district_hint(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, value: str, name: str
) -> None:
    tracker = make_tracker("", "ask_is_partner", [city(value)], {"language": "en"})
    await ActionCheckPartner().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_partner_no"
    assert message["name"] == name
    assert "district" in message["districts_note"]


async def test_vienna_no_explains_the_common_error(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker("", "ask_is_partner", [city("vienna")], {"language": "de"})
    await ActionCheckPartner().run(dispatcher, tracker, {})
    assert "irrtümlich" in dispatcher.messages[0]["note"]


async def test_partner_check_says_yes_for_kyiv(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker("", "ask_is_partner", [city("Kiew")], {"language": "de"})
    await ActionCheckPartner().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert (message["response"], message["name"], message["since"]) == (
        "utter_partner_yes",
        "Kyjiw",
        "14. September 2023",
    )


async def test_asks_for_the_city_when_none_is_known(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    await ActionTellPartnerSince().run(
        dispatcher, make_tracker("since when?", "ask_partner_since"), {}
    )
    assert dispatcher.messages[0]["response"] == "utter_ask_city"


@pytest.mark.parametrize(
    ("action", "city_id"),
    [(ActionTellOldestPartner, "los_angeles"), (ActionTellNewestPartner, "tel_aviv")],
)
async def test_oldest_and_newest(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, action: type, city_id: str
) -> None:
    events = await action().run(dispatcher, make_tracker(), {})
    assert events == [SlotSet("city", city_id)]


@pytest.mark.parametrize(
    ("region", "response", "contains"),
    [
        ("africa", "utter_partners_in_region", "Windhoek"),
        ("Asien", "utter_partners_in_region", "Tokyo"),
        ("italy", "utter_partners_in_region_none", "Europe: "),
        (None, "utter_partners_by_continent", "Africa: Windhoek"),
    ],
)
async def test_partners_by_region(
    dispatcher: CollectingDispatcher,
    make_tracker: TrackerFactory,
    region: str | None,
    response: str,
    contains: str,
) -> None:
    entities = [{"entity": "region", "value": region, "start": 0, "end": 1}] if region else []
    await ActionListPartnersByRegion().run(
        dispatcher, make_tracker("", "ask_partners_by_region", entities), {}
    )
    [message] = dispatcher.messages
    assert message["response"] == response
    assert contains in (message.get("cities") or message.get("groups"))
