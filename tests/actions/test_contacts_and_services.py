from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.contacts import ActionExplainUnit, ActionGiveContact, ActionRouteRequest
from actions.guest_services import TOPICS, ActionExplainCityNetworks, ActionExplainTopic
from tests.actions.conftest import TrackerFactory


@pytest.mark.parametrize(
    ("intent", "unit"), [("route_protocol", "II A"), ("route_international", "II B")]
)
@pytest.mark.parametrize("lang", ["de", "en"])
async def test_route_request_names_the_right_unit(
    dispatcher: CollectingDispatcher,
    make_tracker: TrackerFactory,
    intent: str,
    unit: str,
    lang: str,
) -> None:
    await ActionRouteRequest().run(
        dispatcher, make_tracker("", intent, slots={"language": lang}), {}
    )
    [message] = dispatcher.messages
    assert unit in message["name"]
    assert message["phone"] == "+49 30 9026-0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("II A", "Protocol"), ("II B", "International"), ("Referat IIB", "International")],
)
async def test_explain_unit(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, value: str, expected: str
) -> None:
    entities = [{"entity": "unit", "value": value, "start": 0, "end": 4}]
    await ActionExplainUnit().run(dispatcher, make_tracker("", "ask_unit_info", entities), {})
    assert expected in dispatcher.messages[0]["name"]


async def test_explain_unit_asks_which_one_without_a_unit(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    await ActionExplainUnit().run(dispatcher, make_tracker("", "ask_unit_info"), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_unit"


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_contact_has_switchboard_and_no_email(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, lang: str
) -> None:
    await ActionGiveContact().run(dispatcher, make_tracker(slots={"language": lang}), {})
    [message] = dispatcher.messages
    assert message["address"] == "Jüdenstraße 1, 10178 Berlin"
    assert not any("@" in str(v) for v in message.values())


@pytest.mark.parametrize("intent", sorted(TOPICS))
@pytest.mark.parametrize("lang", ["de", "en"])
async def test_every_topic_answers_with_its_source(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, intent: str, lang: str
) -> None:
    await ActionExplainTopic().run(
        dispatcher, make_tracker("", intent, slots={"language": lang}), {}
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_fact"
    assert message["source"].startswith("http") and message["body"]
    assert message["text"] is None  # a `text` would replace the response and drop the source


async def test_admin_services_point_to_service_portal_and_115(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    await ActionExplainTopic().run(dispatcher, make_tracker("", "ask_admin_service"), {})
    text = dispatcher.messages[0]["body"]
    assert "service.berlin.de" in text and "115" in text


async def test_networks_list_or_one_named(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    await ActionExplainCityNetworks().run(dispatcher, make_tracker("", "ask_city_networks"), {})
    assert dispatcher.messages[0]["networks"].count("•") == 7
    named = [{"entity": "network", "value": "c40", "start": 0, "end": 3}]
    await ActionExplainCityNetworks().run(
        dispatcher, make_tracker("", "ask_city_networks", named), {}
    )
    assert dispatcher.messages[1]["body"].startswith("C40")
