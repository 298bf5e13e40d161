"""The knowledge store on the test knowledge folder (tests/data/knowledge: seven partner
cities), so that no edit of data/knowledge breaks a test; one test loads the live files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.knowledge import Knowledge, KnowledgeError, PartnerCity, Place, load_knowledge


@pytest.fixture(scope="module")
def knowledge(knowledge_dir: Path) -> Knowledge:
    return load_knowledge(knowledge_dir)


@pytest.fixture(scope="module")
def records(knowledge_dir: Path) -> list[dict[str, Any]]:
    """The partner cities as partner_cities.yml of the test folder writes them."""
    text = (knowledge_dir / "partner_cities.yml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["cities"])


@pytest.fixture
def editable_dir(tmp_path: Path, knowledge_dir: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, target)
    return target


def _edit(directory: Path, file: str, change) -> None:  # type: ignore[no-untyped-def]
    path = directory / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_live_knowledge_loads_and_is_consistent(root: Path) -> None:
    # data/knowledge as staff edit it: no counts or names here, those are theirs to change.
    live = root / "data" / "knowledge"
    knowledge = load_knowledge(live)
    assert knowledge.partner_cities and knowledge.active_partners
    for city in knowledge.partner_cities:
        assert city.source.startswith("https://")
        assert city.name.de and city.name.en
        assert knowledge.resolve_city(city.name.de) == knowledge.resolve_city(city.name.en) == city
    for topic in knowledge.topics.values():
        assert topic.source.startswith("http") and topic.summary.de and topic.summary.en
    assert "@" not in (live / "organisation.yml").read_text(encoding="utf-8")  # none published


def test_store_holds_every_partner_city_of_the_file_oldest_first(
    knowledge: Knowledge, records: list[dict[str, Any]]
) -> None:
    cities = knowledge.partner_cities
    assert sorted(c.id for c in cities) == sorted(r["id"] for r in records)
    assert [c.since.sort_key for c in cities] == sorted(c.since.sort_key for c in cities)
    assert knowledge.oldest_partner() == cities[0] and knowledge.newest_partner() == cities[-1]


def test_store_marks_dormant_partnerships(
    knowledge: Knowledge, records: list[dict[str, Any]]
) -> None:
    dormant = [r["id"] for r in records if r["status"] == "dormant"]
    assert dormant == ["moscow"]  # the test folder's one dormant partnership
    assert [c.id for c in knowledge.partner_cities if c not in knowledge.active_partners] == dormant
    moscow = knowledge.partner("moscow")
    assert moscow is not None and moscow.status == "dormant"


@pytest.mark.parametrize(
    ("text", "city_id"),
    [
        ("Tokio", "tokyo"),
        ("Tokyo", "tokyo"),
        ("Tokios", "tokyo"),
        ("Moskwa", "moscow"),
        ("Moskua", "moscow"),
        ("Kiew", "kyiv"),
        ("Kiev", "kyiv"),
        ("İstanbul", "istanbul"),
        ("Istanbl", "istanbul"),
        ("Los Angelos", "los_angeles"),
        ("L.A.", "los_angeles"),
        ("Windhuk", "windhoek"),
    ],
)
def test_resolve_city_finds_partners_by_any_name(
    knowledge: Knowledge, text: str, city_id: str
) -> None:
    found = knowledge.resolve_city(text)
    assert isinstance(found, PartnerCity) and found.id == city_id


@pytest.mark.parametrize("text", ["Wien", "Vienna", "Hamburg", "New York", "Bern", "Vaduz"])
def test_resolve_city_knows_common_non_partners(knowledge: Knowledge, text: str) -> None:
    found = knowledge.resolve_city(text)
    assert isinstance(found, Place) and found.kind == "city"


def test_resolve_city_returns_none_for_unknown_towns(knowledge: Knowledge) -> None:
    assert knowledge.resolve_city("Wolkenkuckucksheim") is None


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("Afrika", {"windhoek"}),
        ("Asia", {"tokyo", "istanbul"}),  # Istanbul lies in Europe and Asia
        ("Japan", {"tokyo"}),
        ("the Americas", {"los_angeles"}),  # a grouping of continents
        ("Nahost", {"istanbul"}),  # a grouping of countries
        ("Latin America", set()),
        ("Italien", set()),
    ],
)
def test_partners_in_region(knowledge: Knowledge, region: str, expected: set[str]) -> None:
    place = knowledge.resolve_region(region)
    assert place is not None
    assert {c.id for c in knowledge.partners_in(place)} == expected


@pytest.mark.parametrize(("lang", "text"), [("de", "27. Juni 1967"), ("en", "27 June 1967")])
def test_dates_are_written_in_the_visitors_language(
    knowledge: Knowledge, lang: str, text: str
) -> None:
    los_angeles = knowledge.partner("los_angeles")  # since 1967-06-27 in the test folder
    assert los_angeles is not None
    assert los_angeles.since.format(lang) == text  # type: ignore[arg-type]


def test_broken_yaml_names_the_file_and_line(editable_dir: Path) -> None:
    (editable_dir / "networks.yml").write_text("networks: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"networks\.yml: not valid YAML \(line"):
        load_knowledge(editable_dir)


def test_missing_file_is_named(editable_dir: Path) -> None:
    (editable_dir / "services.yml").unlink()
    with pytest.raises(KnowledgeError, match=r"services\.yml: file not found"):
        load_knowledge(editable_dir)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["cities"][2]["name"].pop("en"),
            r"partner_cities\.yml: cities\[2\]\.name\.en: required",
        ),
        (
            lambda d: d["cities"][0].update(source="berlin.de/page"),
            r"cities\[0\]\.source: not a web address",
        ),
        (lambda d: d["cities"][1].update(since="sometime"), r"cities\[1\]\.since: expected a date"),
        (lambda d: d["cities"][3].update(status="paused"), r"cities\[3\]\.status: must be one of"),
        (
            lambda d: d["cities"][4].update(country="atlantis"),
            r"cities\[4\]\.country: unknown country",
        ),
        (lambda d: d["cities"][5].update(id="paris"), r"cities: id 'paris' appears twice"),
    ],
)
def test_invalid_partner_city_names_file_and_field(
    editable_dir: Path, change, message: str
) -> None:  # type: ignore[no-untyped-def]
    _edit(editable_dir, "partner_cities.yml", change)
    with pytest.raises(KnowledgeError, match=message):
        load_knowledge(editable_dir)


def test_staff_edit_changes_the_fact_without_code(editable_dir: Path) -> None:
    def rename(data: dict) -> None:  # type: ignore[type-arg]
        data["cities"][0]["note"] = {"de": "Von der Redaktion.", "en": "Edited by staff."}

    _edit(editable_dir, "partner_cities.yml", rename)
    knowledge = load_knowledge(editable_dir)
    city = knowledge.partner("los_angeles")
    assert city is not None and city.note is not None and city.note.en == "Edited by staff."
