"""The end-to-end conversations of tests/test_conversations.yml, through the real server.

Each story is one conversation: every visitor turn goes through the REST channel to the Rasa
server and the action server. The test checks the intent the NLU gave the turn, that the reply
is in the story's language ("(de)", "(en)"; in a language-switch story, the language the visitor
asked for) by lingua directly (tests/stack.py), not by the code under test, and that it says
what the turn's entry in the story's `metadata: expect` names. An entry's keys, each taken from
the knowledge the stack answers from in the turn's language:

- `partners: all` every partner city by name and their number; `partners: <region>` every
  partner city in the region (a continent, grouping or country key) and none outside it
- `city: <key>` the partner city's name and the day it became one; `status: <key>` its status
- `place: <key>` the name of a city, country or continent that is no partner
- `oldest: true`, `newest: true` that partner city's name and day
- `topic: <key>` the topic's source and its summary or one of its facts (services.yml)
- `department: name | summary`; `units: [<id>, ...]` the units' names; `unit: <id>` its name
  and tasks; `route: <id>` the unit's name and the switchboard; `contact: true` the switchboard
  and the web page; `networks: all` every city network by name
- `unknown: true` the switchboard and the web page, and no topic's answer
- `says: [...]`, `starts: ...` key phrases of replies that state no fact (domain.yml's wording)
- `bug: <what is wrong>` the turn's reply is known to miss its expectation: the story is
  reported as an expected failure while that holds, and fails once the reply is right.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.knowledge import Knowledge
from assistant.lang import Lang
from tests.stack import Stack, language_of

ROOT = Path(__file__).resolve().parent.parent
STORIES = yaml.safe_load((ROOT / "tests" / "test_conversations.yml").read_text(encoding="utf-8"))
_MARKUP = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")
_LANGUAGE_ENTITY = re.compile(r'"entity": "language", "value": "(de|en)"')


def _turns(story: dict[str, Any]) -> list[tuple[str, str, Lang | None]]:
    match = re.search(r"\((de|en)\)$", story["story"])
    language = match.group(1) if match else None
    turns = []
    for step in story["steps"]:
        if "user" in step:
            named = _LANGUAGE_ENTITY.search(step["user"])
            expected = named.group(1) if named else language
            turns.append((_MARKUP.sub(r"\1", step["user"]), step["intent"], expected))
    return turns


def _latest_intent(stack: Stack, sender: str) -> str | None:
    """The intent of the visitor's latest message, as the tracker store recorded it."""
    with sqlite3.connect(stack.db) as db:
        row = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' "
            "ORDER BY id DESC LIMIT 1",
            (sender,),
        ).fetchone()
    return json.loads(row[0])["parse_data"]["intent"]["name"] if row else None


Check = Callable[[Knowledge, Lang, Any, str], list[str]]


def _number(n: int, reply: str) -> list[str]:
    return [] if re.search(rf"(?<!\d){n}(?!\d)", reply) else [f"the number {n}"]


def _named(names: list[str], reply: str) -> list[str]:
    return [name for name in names if name not in reply]


def _partners(k: Knowledge, lang: Lang, value: Any, reply: str) -> list[str]:
    if value == "all":
        cities = k.partner_cities
        return _number(len(cities), reply) + _named([c.name(lang) for c in cities], reply)
    region = k.continents.get(value) or k.countries[value]
    inside = k.partners_in(region)
    named_outside = [c.name(lang) for c in k.partner_cities if c not in inside]
    return _named([c.name(lang) for c in inside], reply) + [
        f"not {name}" for name in named_outside if name in reply
    ]


def _city(k: Knowledge, lang: Lang, value: Any, reply: str) -> list[str]:
    city = k.partner(value)
    assert city is not None, f"no partner city {value!r} in the knowledge"
    return _named([city.name(lang), city.since.format(lang)], reply)


def _status(k: Knowledge, lang: Lang, value: Any, reply: str) -> list[str]:
    city = k.partner(value)
    assert city is not None, f"no partner city {value!r} in the knowledge"
    return _named([k.overview.status_label[city.status](lang)], reply)


def _place(k: Knowledge, lang: Lang, value: Any, reply: str) -> list[str]:
    place = k.other_cities.get(value) or k.countries.get(value) or k.continents[value]
    return _named([place.name(lang)], reply)


def _topic(k: Knowledge, lang: Lang, value: Any, reply: str) -> list[str]:
    topic = k.topics[value]
    said = [topic.summary(lang), *(fact.text(lang) for fact in topic.facts)]
    answer = [] if any(text in reply for text in said) else [f"the answer of topic {value}"]
    return _named([topic.source], reply) + answer


def _unknown(k: Knowledge, lang: Lang, value: Any, reply: str) -> list[str]:
    answered = [t.id for t in k.topics.values() if t.summary(lang) in reply]
    return _named([k.contact.phone, k.contact.web(lang)], reply) + [
        f"no answer of topic {topic}" for topic in answered
    ]


CHECKS: dict[str, Check] = {
    "partners": _partners,
    "city": _city,
    "status": _status,
    "place": _place,
    "oldest": lambda k, lang, _, reply: _city(k, lang, k.oldest_partner().id, reply),
    "newest": lambda k, lang, _, reply: _city(k, lang, k.newest_partner().id, reply),
    "topic": _topic,
    "department": lambda k, lang, part, reply: _named([getattr(k.department, part)(lang)], reply),
    "units": lambda k, lang, ids, reply: _named([k.units[i].name(lang) for i in ids], reply),
    "unit": lambda k, lang, i, reply: _named(
        [k.units[i].name(lang), k.units[i].tasks(lang)], reply
    ),
    "route": lambda k, lang, i, reply: _named([k.units[i].name(lang), k.contact.phone], reply),
    "contact": lambda k, lang, _, reply: _named([k.contact.phone, k.contact.web(lang)], reply),
    "networks": lambda k, lang, _, reply: _named(
        [n.name(lang) for n in k.networks.values()], reply
    ),
    "unknown": _unknown,
    "says": lambda k, lang, phrases, reply: _named(list(phrases), reply),
    "starts": lambda k, lang, phrase, reply: [] if reply.startswith(phrase) else [f"^{phrase}"],
}


def missing(k: Knowledge, lang: Lang, expect: dict[str, Any], reply: str) -> list[str]:
    """What `reply` fails to say of `expect` (one turn's entry), empty when it says it all."""
    unknown = set(expect) - set(CHECKS) - {"bug"}
    assert not unknown, f"unknown expectation {sorted(unknown)} (see this module's docstring)"
    assert set(expect) - {"bug"}, "an expectation needs at least one check"
    return [
        gap
        for key, value in expect.items()
        if key != "bug"
        for gap in CHECKS[key](k, lang, value, reply)
    ]


def test_every_story_is_a_rasa_story_with_one_expectation_per_visitor_turn() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    text = (ROOT / "tests" / "test_conversations.yml").read_text(encoding="utf-8")
    steps = YAMLStoryReader(Domain.load(str(ROOT / "domain.yml"))).read_from_string(text)
    assert len(steps) == len(STORIES["stories"])
    for story in STORIES["stories"]:
        expect = story.get("metadata", {}).get("expect", [])
        assert len(expect) == len(_turns(story)), story["story"]


@pytest.mark.slow
@pytest.mark.parametrize("story", STORIES["stories"], ids=lambda s: s["story"])
def test_conversation(stack: Stack, story: dict[str, Any]) -> None:
    sender = "story-" + re.sub(r"\W+", "-", story["story"])
    k = stack.knowledge()
    known_bugs: list[str] = []
    for (text, intent, language), expect in zip(
        _turns(story), story["metadata"]["expect"], strict=True
    ):
        replies = stack.ask(sender, text)
        assert replies and all(r.strip() for r in replies), (text, replies)
        assert _latest_intent(stack, sender) == intent, text
        reply = "\n".join(replies)
        assert language, f"{story['story']!r} names no language: add (de) or (en)"
        assert language_of(reply) == language, (text, reply)
        gaps = missing(k, language, expect, reply)
        if "bug" in expect:
            assert gaps, f"{text!r} is answered right now: remove its `bug` entry"
            known_bugs.append(f"{text!r}: {expect['bug']}")
        else:
            assert not gaps, (text, gaps, reply)
    if known_bugs:
        pytest.xfail("; ".join(known_bugs))
