"""The wording: templates of domain.yml filled with the knowledge's facts and names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.answers.engine import Context, InWords, Part, answer
from assistant.answers.query import parse
from assistant.answers.wording import Wording, WordingError
from assistant.knowledge import Knowledge, load_knowledge
from assistant.lang import Lang
from tests.assistant.answers.conftest import FIXTURE_KNOWLEDGE, ROOT, language_of

RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
# Messages whose replies carry the organisation's names: (intent, German text, English text).
ORGANISATION_MESSAGES = [
    ("greet", "Guten Tag", "Hello"),
    ("bot_challenge", "Bist du ein Mensch?", "Are you a human?"),
    ("ask_capabilities", "Was kannst du?", "What can you do?"),
    ("request_contact", "Kontakt", "Contact"),
    ("request_contact", "Telefonnummer und Faxnummer?", "Phone number and fax number?"),
    ("request_contact", "Wann haben Sie geöffnet?", "What are your opening hours?"),
    ("ask_unit_info", "Welche Referate gibt es?", "Which units are there?"),
]


def replies(
    k: Knowledge, lang: Lang, intent: str, text: str
) -> list[tuple[str, list[dict[str, Any]]]]:
    query = parse(text, knowledge=k, intent=intent, entities=[])
    found, _ = answer([query], knowledge=k, lang=lang, context=Context())
    wording = Wording(RESPONSES, k)
    return [wording.render(r, lang) for r in found]


@pytest.fixture
def renamed(tmp_path: Path) -> Knowledge:
    """The fixture knowledge after a reorganisation: every name of the organisation is new."""
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    path = folder / "organisation.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["department"]["name"] = {"de": "Abteilung IX – Außenbeziehungen", "en": "Division IX"}
    data["department"]["short_name"] = {"de": "Abteilung IX", "en": "Division IX"}
    for unit, short in zip(data["units"], ("Gäste", "Partner"), strict=True):
        unit["name"] = {"de": f"Stelle {short}", "en": f"Office {short}"}
        unit["short_name"] = {"de": short, "en": short}
    data["contact"]["organisation"] = {"de": "Staatskanzlei des Landes", "en": "State Office"}
    data["contact"]["short_name"] = {"de": "Staatskanzlei", "en": "State Office"}
    data["contact"]["building"] = {"de": "Neues Stadthaus", "en": "New Town House"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_knowledge(folder)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_renamed_organisation_is_renamed_in_every_reply(renamed: Knowledge, lang: Lang) -> None:
    before = load_knowledge(FIXTURE_KNOWLEDGE)
    old = {
        before.department.short_name(lang),
        before.contact.short_name(lang),
        before.contact.building(lang),
        *(u.short_name(lang) for u in before.units.values()),
    }
    said = []
    for intent, de, en in ORGANISATION_MESSAGES:
        for text, buttons in replies(renamed, lang, intent, de if lang == "de" else en):
            assert language_of(text) == lang, text
            said += [text, *(b["title"] for b in buttons)]
    everything = "\n".join(said)
    assert [name for name in old if name in everything] == []
    for name in (
        renamed.department.name(lang),
        renamed.department.short_name(lang),
        renamed.contact.short_name(lang),
        renamed.contact.building(lang),
        *(u.name(lang) for u in renamed.units.values()),
        *(u.short_name(lang) for u in renamed.units.values()),
    ):
        assert name in everything


def _topic_names(folder: Path, names: dict[str, dict[str, str] | None]) -> Knowledge:
    """The fixture knowledge with the topics' `name` set (None removes it)."""
    path = folder / "services.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for topic in data["topics"]:
        if topic["id"] in names:
            topic.pop("name", None)
            if names[topic["id"]] is not None:
                topic["name"] = names[topic["id"]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_knowledge(folder)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "bietet, etwa das Goldene Buch, das Rote Rathaus oder das Emigrantenprogramm."),
        ("en", "offers international guests, such as the Golden Book, the Rotes Rathaus or the "),
    ],
)
def test_what_the_assistant_can_do_names_the_topics_that_have_a_name(
    tmp_path: Path, lang: Lang, expected: str
) -> None:
    # The examples follow services.yml: a topic given a name there is named, in file order.
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    town_hall = {"de": "das Rote Rathaus", "en": "the Rotes Rathaus"}
    k = _topic_names(folder, {"rotes_rathaus": town_hall})
    ((text, _),) = replies(
        k, lang, "ask_capabilities", "Was kannst du?" if lang == "de" else "What can you do?"
    )
    assert expected in text
    assert language_of(text) == lang


@pytest.mark.parametrize("lang", ["de", "en"])
def test_what_the_assistant_can_do_without_named_topics_is_still_a_sentence(
    tmp_path: Path, lang: Lang
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    k = _topic_names(folder, {"golden_book": None, "emigrant_program": None})
    ((text, _),) = replies(
        k, lang, "ask_capabilities", "Was kannst du?" if lang == "de" else "What can you do?"
    )
    ending = "Gästen bietet. Ich antworte" if lang == "de" else "international guests. I answer"
    assert ending in text
    assert "Golde" not in text


@pytest.mark.parametrize(("lang", "count"), [("de", "zwei Referate"), ("en", "two units")])
def test_which_unit_offers_a_button_for_each_unit(
    knowledge: Knowledge, lang: Lang, count: str
) -> None:
    [(text, buttons)] = replies(knowledge, lang, "ask_unit_info", "?")
    assert language_of(text) == lang
    assert count in text
    units = list(knowledge.units.values())
    for unit in units:
        assert f"{unit.id} ({unit.short_name(lang)})" in text
    assert [b["title"] for b in buttons] == [f"{u.id} – {u.short_name(lang)}" for u in units]
    for button, unit in zip(buttons, units, strict=True):
        # The payload Rasa reads without its NLU: an intent and its entities as JSON.
        intent, _, entities = button["payload"].partition("{")
        assert intent == "/ask_unit_info"
        assert json.loads("{" + entities) == {"unit": unit.id}


@pytest.mark.parametrize(("lang", "word"), [("de", "zwei"), ("en", "two")])
def test_a_count_in_words_has_digits_where_there_is_no_word(
    wording: Wording, lang: Lang, word: str
) -> None:
    unit = Part("w_unit", {"id": "X", "name": "Y"})
    two = wording.part(Part("utter_ask_unit", {"count": InWords(2), "units": [unit]}), lang)
    many = wording.part(Part("utter_ask_unit", {"count": InWords(17), "units": [unit]}), lang)
    assert f" {word} " in two and " 17 " in many and "X (Y)" in many


def test_a_value_that_is_neither_given_nor_a_name_of_the_organisation_is_an_error(
    wording: Wording,
) -> None:
    with pytest.raises(WordingError, match="'since'"):
        wording.part(Part("a_city_since", {"name": "Paris", "country": "Frankreich"}), "de")
