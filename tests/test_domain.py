"""domain.yml keeps wording only, in one string style (the rules in its header)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.knowledge import LocalText, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "domain.yml").read_text(encoding="utf-8")
RESPONSES: dict[str, list[dict[str, Any]]] = yaml.safe_load(SOURCE)["responses"]
# Fields of the knowledge records that hold a name or contact data: the answers fill them in,
# a response never spells them out.
NAME_FIELDS = (
    "name",
    "short_name",
    "aliases",
    "organisation",
    "building",
    "address",
    "visitor_entrance",
    "phone",
    "fax",
    "web",
)


def _names(record: object) -> Iterator[str]:
    """Every name in the knowledge: the NAME_FIELDS of every record, in both languages."""
    if isinstance(record, dict):
        for value in record.values():
            yield from _names(value)
    elif isinstance(record, (list, tuple)):
        for value in record:
            yield from _names(value)
    elif dataclasses.is_dataclass(record) and not isinstance(record, (type, LocalText)):
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if f.name in NAME_FIELDS:
                yield from _texts(value)
            else:
                yield from _names(value)


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, LocalText):
        yield from (value.de, value.en)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def knowledge_names(directory: Path) -> set[str]:
    knowledge = load_knowledge(directory)
    names = set(_names(knowledge))
    names |= set(knowledge.units)  # a unit's code ("II A") is its name, too
    return {n for n in names if n.strip()}


def _response_texts() -> Iterator[tuple[str, str]]:
    for name, variations in RESPONSES.items():
        for variation in variations:
            yield name, str(variation.get("text") or "")
            for button in variation.get("buttons") or []:
                yield f"{name} (button)", str(button["title"])


def _named_in(text: str, names: set[str]) -> list[str]:
    return sorted(
        n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE)
    )


def test_the_knowledge_yields_the_organisations_names() -> None:
    # The guard below is only as good as the names it derives: the department, a unit's code,
    # short and full name, the organisation's short name and its building must all be among them.
    names = knowledge_names(ROOT / "data" / "knowledge")
    knowledge = load_knowledge(ROOT / "data" / "knowledge")
    unit = next(iter(knowledge.units.values()))
    expected = {
        knowledge.department.short_name.de,
        knowledge.department.name.en,
        unit.id,
        unit.short_name.de,
        unit.name.en,
        knowledge.contact.short_name.de,
        knowledge.contact.short_name.en,
        knowledge.contact.building.de,
        knowledge.contact.phone,
        knowledge.partner_cities[0].name.de,
    }
    assert expected <= names


def test_the_guard_finds_a_name_written_into_a_text() -> None:
    names = knowledge_names(ROOT / "data" / "knowledge")
    knowledge = load_knowledge(ROOT / "data" / "knowledge")
    text = (
        f"Die Telefonzentrale der {knowledge.contact.short_name.de} erreichen Sie unter {{phone}}."
    )
    assert _named_in(text, names) == [knowledge.contact.short_name.de]
    assert _named_in("Die Telefonzentrale der {organisation_short}.", names) == []


@pytest.mark.parametrize("folder", ["data/knowledge", "tests/data/knowledge"])
def test_no_response_names_what_the_knowledge_names(folder: str) -> None:
    # Unit codes, the department, the organisation, its building, cities, networks, contact
    # data: all of them come from data/knowledge/ as {values}, so that staff change a fact in
    # one place and every reply follows.
    names = knowledge_names(ROOT / folder)
    found = [(response, _named_in(text, names)) for response, text in _response_texts()]
    assert [(response, hit) for response, hit in found if hit] == []


def _text_nodes() -> Iterator[tuple[str, yaml.ScalarNode]]:
    root = yaml.compose(SOURCE)
    responses = next(v for k, v in root.value if k.value == "responses")
    for name, variations in responses.value:
        for variation in variations.value:
            for key, value in variation.value:
                if key.value == "text":
                    yield name.value, value


def test_every_response_text_is_a_folded_block() -> None:
    # `>-`: a line break in the editor is a space and there is no trailing newline, so
    # re-wrapping a text never changes the reply; an empty line starts a new line.
    header = re.compile(r"(&\w+ +)?>-\n")  # an anchor may come first: `text: &other >-`
    other = [
        name
        for name, node in _text_nodes()
        if node.style != ">" or not header.match(SOURCE, node.start_mark.index)
    ]
    assert other == []
    assert len(list(_text_nodes())) == sum(len(v) for v in RESPONSES.values())


def test_no_response_text_has_an_indented_line() -> None:
    # In a folded block a line indented deeper than the others keeps its line break and its
    # spaces: an accidental extra indent would show in the reply.
    indented = [name for name, text in _response_texts() if re.search(r"(^|\n)[ \t]|[ \t]$", text)]
    assert indented == []
