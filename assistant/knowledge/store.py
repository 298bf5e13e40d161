"""Loads and validates the knowledge files once; every lookup takes a `Lang` or returns records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from assistant.knowledge.models import (
    Contact,
    Department,
    Network,
    PartnerCity,
    PartnerCityOverview,
    Place,
    Route,
    Topic,
    TopicFact,
    Unit,
)
from assistant.knowledge.names import NameEntry, NameIndex
from assistant.knowledge.reader import KnowledgeError, Reader, read_file, unique_by_id

__all__ = ["FILES", "Knowledge", "KnowledgeError", "load_knowledge"]

FILES = ("partner_cities.yml", "places.yml", "organisation.yml", "networks.yml", "services.yml")


def _partner_city(r: Reader) -> PartnerCity:
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
        capital=r.boolean("capital"),
        capital_note=r.optional_text("capital_note"),
        signed_by=r.strings("signed_by"),
        signed_in=r.optional_text("signed_in"),
        status_since=_status_since(r),
        status_note=r.optional_text("status_note"),
    )


def _status_since(r: Reader) -> int | None:
    """The year a dormant partnership became dormant: required for "dormant", else absent."""
    if r.has("status_since"):
        year = r.since("status_since").year
        if r.choice("status", ("active", "dormant")) != "dormant":
            r.fail("only a dormant partnership has a status_since", "status_since")
        return year
    if r.choice("status", ("active", "dormant")) == "dormant":
        r.fail("a dormant partnership needs status_since (the year it became dormant)", "status")
    return None


def _place(r: Reader, kind: str) -> Place:
    return Place(
        id=r.string("id"),
        kind=kind,
        name=r.text("name"),
        aliases=r.strings("aliases"),
        countries=r.strings("countries"),
        continents=r.strings("continents"),
        adjectives=r.per_language_strings("adjectives"),
        note=r.optional_text("note"),
        locative=r.optional_text("in"),
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
    routes: tuple[Route, ...] = ()

    def topic_for_intent(self, intent: str) -> Topic | None:
        """The topic an NLU intent asks for (`intents` in services.yml), if any."""
        return next((t for t in self.topics.values() if intent in t.intents), None)

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
        continents = {region.id, *region.continents}
        return tuple(
            c
            for c in self.partner_cities
            if continents & set(c.continents) or c.country in region.countries
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
    partners = read_file(directory, "partner_cities.yml")
    meta = partners.sub("meta")
    cities = [_partner_city(r) for r in partners.items("cities")]
    unique_by_id(cities, lambda c: c.id, "partner_cities.yml", "cities")

    places = read_file(directory, "places.yml")
    continents = unique_by_id(
        [_place(r, "continent") for r in places.items("continents")],
        lambda p: p.id,
        "places.yml",
        "continents",
    )
    countries = unique_by_id(
        [_place(r, "country") for r in places.items("countries")],
        lambda p: p.id,
        "places.yml",
        "countries",
    )
    other_cities = unique_by_id(
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

    organisation = read_file(directory, "organisation.yml")
    dept = organisation.sub("department")
    contact = organisation.sub("contact")
    units = unique_by_id(
        [
            Unit(
                id=r.choice("id", ("II A", "II B")),
                name=r.text("name"),
                short_name=r.text("short_name"),
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
    networks_file = read_file(directory, "networks.yml")
    networks = unique_by_id(
        [
            Network(
                id=r.string("id"),
                name=r.text("name"),
                summary=r.text("summary"),
                source=r.url("source"),
                aliases=r.strings("aliases"),
                dormant=r.boolean("dormant") if r.has("dormant") else False,
            )
            for r in networks_file.items("networks")
        ],
        lambda n: n.id,
        "networks.yml",
        "networks",
    )
    services = read_file(directory, "services.yml")
    topics = unique_by_id(
        [
            Topic(
                id=r.string("id"),
                summary=r.text("summary"),
                source=r.url("source"),
                unit=r.choice("unit", ("II A", "II B")) if r.has("unit") else None,
                intents=r.strings("intents"),
                since=r.optional_text("since"),
                verify=tuple(
                    (v.strings("words"), v.choice("answer", ("yes", "no")))
                    for v in (r.items("verify") if r.has("verify") else ())
                ),
                facts=tuple(
                    TopicFact(words=f.strings("words"), text=f.text("text"))
                    for f in (r.items("facts") if r.has("facts") else ())
                ),
                person=r.string("person") if r.has("person") else None,
                name=r.optional_text("name"),
            )
            for r in services.items("topics")
        ],
        lambda t: t.id,
        "services.yml",
        "topics",
    )
    routes = tuple(
        Route(
            id=r.string("id"),
            unit=r.choice("unit", ("II A", "II B")),
            words={lang: r.sub("words").strings(lang) for lang in ("de", "en")},
            reason=r.text("reason"),
            only_when_asked=r.boolean("only_when_asked") if r.has("only_when_asked") else False,
            first=r.boolean("first") if r.has("first") else False,
            unless=(
                {lang: r.sub("unless").strings(lang) for lang in ("de", "en")}
                if r.has("unless")
                else {}
            ),
            covers=r.strings("covers") if r.has("covers") else (),
        )
        for r in organisation.items("routes")
    )
    unique_by_id(list(routes), lambda r: r.id, "organisation.yml", "routes")
    for i, place in enumerate(continents.values()):
        for continent in place.continents:
            if continent not in continents:
                raise KnowledgeError(
                    f"places.yml: continents[{i}].continents: unknown continent {continent!r}"
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
            short_name=dept.text("short_name"),
            summary=dept.text("summary"),
            source=dept.url("source"),
            as_of=dept.date("as_of"),
        ),
        units=units,
        contact=Contact(
            organisation=contact.text("organisation"),
            short_name=contact.text("short_name"),
            address=contact.string("address"),
            building=contact.text("building"),
            visitor_entrance=contact.string("visitor_entrance"),
            phone=contact.string("phone"),
            fax=contact.string("fax"),
            web=contact.text("web"),
            source=contact.url("source"),
            as_of=contact.date("as_of"),
        ),
        networks=networks,
        topics=topics,
        routes=routes,
    )
