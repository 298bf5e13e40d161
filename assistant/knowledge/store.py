"""Loads and validates the knowledge files once; every lookup takes a `Lang` or returns records."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from assistant.knowledge.models import (
    Contact,
    Department,
    LocalText,
    Network,
    PartnerCity,
    PartnerCityOverview,
    Place,
    Since,
    Topic,
    Unit,
)
from assistant.knowledge.names import NameEntry, NameIndex

FILES = ("partner_cities.yml", "places.yml", "organisation.yml", "networks.yml", "services.yml")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_T = TypeVar("_T")


class KnowledgeError(ValueError):
    """A knowledge file is missing, unreadable or has a wrong field; the message names both."""


class _Reader:
    """Typed access to one YAML mapping with error messages that name file and field."""

    def __init__(self, file: str, data: object, path: str = "") -> None:
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            self.fail("expected a mapping")
        self.data: dict[str, Any] = data

    def fail(self, problem: str, key: str | None = None) -> NoReturn:
        field = ".".join(p for p in (self.path, key) if p) or "(top level)"
        raise KnowledgeError(f"{self.file}: {field}: {problem}")

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "", [])

    def string(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail("required text is missing", key)
        return " ".join(value.split())

    def url(self, key: str) -> str:
        value = self.string(key)
        if not _URL.match(value):
            self.fail(f"not a web address: {value!r}", key)
        return value

    def date(self, key: str) -> dt.date:
        value = self.data.get(key)
        if isinstance(value, dt.date):
            return value
        self.fail("expected a date like 2025-05-05", key)

    def since(self, key: str) -> Since:
        value = self.data.get(key)
        if isinstance(value, dt.date):
            return Since(value.year, value.month, value.day)
        if isinstance(value, int) and 1000 <= value <= 9999:
            return Since(value)
        self.fail("expected a date (YYYY-MM-DD) or a year (YYYY)", key)

    def text(self, key: str) -> LocalText:
        sub = self.sub(key)
        return LocalText(de=sub.string("de"), en=sub.string("en"))

    def optional_text(self, key: str) -> LocalText | None:
        return self.text(key) if self.has(key) else None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail("expected a list of texts", key)
        return tuple(v.strip() for v in value)

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(key)
        if value not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}, got {value!r}", key)
        return value

    def sub(self, key: str) -> _Reader:
        if key not in self.data:
            self.fail("required field is missing", key)
        return _Reader(self.file, self.data[key], self._at(key))

    def items(self, key: str) -> Iterator[_Reader]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            self.fail("expected a non-empty list", key)
        for i, item in enumerate(value):
            yield _Reader(self.file, item, f"{self._at(key)}[{i}]")


def _read_file(directory: Path, name: str) -> _Reader:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"{name}: file not found in {directory}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise KnowledgeError(f"{name}: not valid YAML{where}: {exc}") from None
    return _Reader(name, data)


def _unique(items: list[_T], key: Callable[[_T], str], file: str, what: str) -> dict[str, _T]:
    result: dict[str, _T] = {}
    for item in items:
        k = key(item)
        if k in result:
            raise KnowledgeError(f"{file}: {what}: id {k!r} appears twice")
        result[k] = item
    return result


def _partner_city(r: _Reader) -> PartnerCity:
    return PartnerCity(
        id=r.string("id"),
        name=r.text("name"),
        aliases=r.strings("aliases"),
        country=r.string("country"),
        continents=r.strings("continents"),
        since=r.since("since"),
        status=r.choice("status", ("active", "dormant")),  # type: ignore[arg-type]
        note=r.optional_text("note"),
        source=r.url("source"),
        as_of=r.date("as_of"),
    )


def _place(r: _Reader, kind: str) -> Place:
    return Place(
        id=r.string("id"),
        kind=kind,
        name=r.text("name"),
        aliases=r.strings("aliases"),
        countries=r.strings("countries"),
        note=r.optional_text("note"),
    )


@dataclass(frozen=True)
class Knowledge:
    """All facts the assistant may state, validated. Build it with `load_knowledge`."""

    overview: PartnerCityOverview
    continents: dict[str, Place]
    countries: dict[str, Place]
    other_cities: dict[str, Place]
    department: Department
    units: dict[str, Unit]
    contact: Contact
    networks: dict[str, Network]
    topics: dict[str, Topic]

    # -- partner cities -------------------------------------------------------------------
    @property
    def partner_cities(self) -> tuple[PartnerCity, ...]:
        """All partner cities, oldest partnership first."""
        return self.overview.cities

    def partner(self, city_id: str) -> PartnerCity | None:
        return next((c for c in self.partner_cities if c.id == city_id), None)

    @property
    def active_partners(self) -> tuple[PartnerCity, ...]:
        return tuple(c for c in self.partner_cities if c.status == "active")

    def oldest_partner(self) -> PartnerCity:
        return self.partner_cities[0]

    def newest_partner(self) -> PartnerCity:
        return self.partner_cities[-1]

    def partners_in(self, region: Place) -> tuple[PartnerCity, ...]:
        """Partner cities in a continent, a grouping of countries or a country."""
        if region.kind == "country":
            return tuple(c for c in self.partner_cities if c.country == region.id)
        return tuple(
            c
            for c in self.partner_cities
            if region.id in c.continents or c.country in region.countries
        )

    # -- names ----------------------------------------------------------------------------
    def city_names(self) -> list[NameEntry]:
        """Names and aliases of partner cities (first) and other known cities."""
        entries: list[NameEntry] = []
        for city in self.partner_cities:
            for surface in dict.fromkeys((city.name.de, city.name.en, *city.aliases)):
                entries.append(NameEntry(surface, "city", city.id))
        for place in self.other_cities.values():
            for surface in dict.fromkeys((place.name.de, place.name.en, *place.aliases)):
                entries.append(NameEntry(surface, "city", place.id))
        return entries

    def region_names(self) -> list[NameEntry]:
        """Names and aliases of continents and countries."""
        return [
            NameEntry(surface, "region", place.id)
            for place in (*self.continents.values(), *self.countries.values())
            for surface in dict.fromkeys((place.name.de, place.name.en, *place.aliases))
        ]

    def resolve_city(self, text: str) -> PartnerCity | Place | None:
        """The partner city or known other city that `text` names (id, name, alias, typo)."""
        if text in self.other_cities:
            return self.other_cities[text]
        found = self.partner(text) or self._city_index.resolve(text)
        if isinstance(found, NameEntry):
            return self.partner(found.place_id) or self.other_cities.get(found.place_id)
        return found

    def resolve_region(self, text: str) -> Place | None:
        """The continent or country that `text` names."""
        for table in (self.continents, self.countries):
            if text in table:
                return table[text]
        entry = self._region_index.resolve(text)
        if entry is None:
            return None
        return self.continents.get(entry.place_id) or self.countries.get(entry.place_id)

    def resolve_network(self, text: str) -> Network | None:
        key = text.strip().casefold()
        for network in self.networks.values():
            names = (network.id, network.name.de, network.name.en, *network.aliases)
            if key in {n.casefold() for n in names}:
                return network
        return None

    @cached_property
    def _city_index(self) -> NameIndex:
        return NameIndex(self.city_names())

    @cached_property
    def _region_index(self) -> NameIndex:
        return NameIndex(self.region_names())


def load_knowledge(directory: Path | str) -> Knowledge:
    """Read and validate every knowledge file in `directory`.

    Raises:
        KnowledgeError: a file is missing or invalid; the message names the file and field.
    """
    directory = Path(directory)
    partners = _read_file(directory, "partner_cities.yml")
    meta = partners.sub("meta")
    cities = [_partner_city(r) for r in partners.items("cities")]
    _unique(cities, lambda c: c.id, "partner_cities.yml", "cities")

    places = _read_file(directory, "places.yml")
    continents = _unique(
        [_place(r, "continent") for r in places.items("continents")],
        lambda p: p.id,
        "places.yml",
        "continents",
    )
    countries = _unique(
        [_place(r, "country") for r in places.items("countries")],
        lambda p: p.id,
        "places.yml",
        "countries",
    )
    other_cities = _unique(
        [_place(r, "city") for r in places.items("other_cities")],
        lambda p: p.id,
        "places.yml",
        "other_cities",
    )
    for i, city in enumerate(cities):
        where = f"partner_cities.yml: cities[{i}]"
        if city.country not in countries:
            raise KnowledgeError(
                f"{where}.country: unknown country {city.country!r} (add it to places.yml)"
            )
        for continent in city.continents:
            if continent not in continents:
                raise KnowledgeError(f"{where}.continents: unknown continent {continent!r}")
        if city.id in other_cities:
            raise KnowledgeError(f"places.yml: other_cities: {city.id!r} is a partner city")

    organisation = _read_file(directory, "organisation.yml")
    dept = organisation.sub("department")
    contact = organisation.sub("contact")
    units = _unique(
        [
            Unit(
                id=r.choice("id", ("II A", "II B")),
                name=r.text("name"),
                tasks=r.text("tasks"),
                source=r.url("source"),
                as_of=r.date("as_of"),
            )
            for r in organisation.items("units")
        ],
        lambda u: u.id,
        "organisation.yml",
        "units",
    )
    networks_file = _read_file(directory, "networks.yml")
    networks = _unique(
        [
            Network(
                id=r.string("id"),
                name=r.text("name"),
                summary=r.text("summary"),
                source=r.url("source"),
                aliases=r.strings("aliases"),
            )
            for r in networks_file.items("networks")
        ],
        lambda n: n.id,
        "networks.yml",
        "networks",
    )
    services = _read_file(directory, "services.yml")
    topics = _unique(
        [
            Topic(id=r.string("id"), summary=r.text("summary"), source=r.url("source"))
            for r in services.items("topics")
        ],
        lambda t: t.id,
        "services.yml",
        "topics",
    )
    return Knowledge(
        overview=PartnerCityOverview(
            as_of=meta.date("as_of"),
            count_note=meta.text("count_note"),
            districts_note=meta.text("districts_note"),
            status_text={s: meta.sub("status_text").text(s) for s in ("active", "dormant")},
            status_label={s: meta.sub("status_label").text(s) for s in ("active", "dormant")},
            source=meta.url("source"),
            cities=tuple(sorted(cities, key=lambda c: c.since.sort_key)),
        ),
        continents=continents,
        countries=countries,
        other_cities=other_cities,
        department=Department(
            name=dept.text("name"),
            summary=dept.text("summary"),
            source=dept.url("source"),
            as_of=dept.date("as_of"),
        ),
        units=units,
        contact=Contact(
            organisation=contact.text("organisation"),
            address=contact.string("address"),
            visitor_entrance=contact.string("visitor_entrance"),
            phone=contact.string("phone"),
            fax=contact.string("fax"),
            web=contact.text("web"),
            source=contact.url("source"),
            as_of=contact.date("as_of"),
        ),
        networks=networks,
        topics=topics,
    )
