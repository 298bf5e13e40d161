"""Tests of the query sweep's expectations, computed from the fixture knowledge folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.query_sweep import (
    Facts,
    count_expect,
    extreme,
    generate,
    in_years,
    load_facts,
    members,
    older,
    region_filters,
    superlative_expect,
    year_filters,
)
from tests.conversations.runner import CHECK_KEYS

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "knowledge"


@pytest.fixture(scope="module")
def facts() -> Facts:
    return load_facts(FIXTURE)


def _city(facts: Facts, city_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in facts.cities if c.id == city_id)


def _filter(filters, filter_id: str):  # type: ignore[no-untyped-def]
    return next(f for f in filters if f.id == filter_id)


def test_sweep_reads_the_cities_and_their_other_years(facts: Facts) -> None:
    assert len(facts.cities) == 7
    moscow = _city(facts, "moscow")
    assert moscow.dormant and moscow.since == "1991"
    # the note's 1990 declaration is within two years: the year is not settled
    assert moscow.other_years == {1990}
    assert _city(facts, "tokyo").other_years == frozenset()  # 2014 renewal is no rival date


def test_sweep_counts_istanbul_as_maybe_european(facts: Facts) -> None:
    europe = _filter(region_filters(facts), "region:europe")
    sure, maybe, out = members(facts.cities, europe)
    assert {c.id for c in sure} == {"paris", "moscow", "kyiv"}
    assert [c.id for c in maybe] == ["istanbul"]
    assert "tokyo" in {c.id for c in out}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_sweep_count_accepts_every_possible_number(facts: Facts, lang: str) -> None:
    europe = _filter(region_filters(facts), "region:europe")
    sure, maybe, _ = members(facts.cities, europe)
    expect = count_expect(sure, maybe, lang)
    assert set(expect) == {"first"}
    assert {"3", "4"} <= set(expect["first"])
    assert "5" not in expect["first"]


def test_sweep_year_filter_leaves_a_disputed_year_open(facts: Facts) -> None:
    in_1991 = _filter(year_filters(facts.cities), "year:in 1991")
    sure, maybe, _ = members(facts.cities, in_1991)
    assert sure == [] and [c.id for c in maybe] == ["moscow"]
    assert in_years(_city(facts, "paris"), lambda y: y < 1990) is True


@pytest.mark.parametrize("lang", ["de", "en"])
def test_sweep_skips_a_superlative_that_depends_on_a_maybe(facts: Facts, lang: str) -> None:
    asia = _filter(region_filters(facts), "region:asia")
    sure, maybe, _ = members(facts.cities, asia)
    assert superlative_expect(sure, maybe, "oldest", lang) is None


def test_sweep_orders_by_date_and_refuses_ties_it_cannot_settle(facts: Facts) -> None:
    cities = list(facts.cities)
    assert extreme(cities, "oldest") is _city(facts, "los_angeles")
    assert extreme(cities, "newest") is _city(facts, "kyiv")
    assert older(_city(facts, "paris"), _city(facts, "tokyo")) is _city(facts, "paris")


def test_sweep_conversations_use_only_runner_checks(facts: Facts) -> None:
    cases = generate(facts)
    assert {c.lang for c in cases} == {"de", "en"}
    assert {c.op for c in cases} >= {"list", "count", "superlative", "compare", "verify"}
    for case in cases:
        for turn in case.turns:
            assert turn.user.strip()
            assert set(turn.expect) <= CHECK_KEYS
    # Istanbul lies on two continents: never asked for its one continent
    assert not [
        c
        for c in cases
        if c.template.startswith("continent/") and c.form == "istanbul" and c.op == "lookup"
    ]
    false_year = [c for c in cases if c.template == "year/did" and c.form == "paris"]
    assert any(
        t.expect.get("starts") == ["No"] and "1987" in t.expect.get("all", [])
        for c in false_year
        for t in c.turns
    )
