"""Sweep partner-city knowledge questions combinatorially against a running assistant.

Generates questions as operation (list, count, superlative, compare, verify, lookup) x filter
(region by noun and adjective, year and period, status, capital, two filters combined) x
phrasing template (formal, casual, lower case without punctuation, telegraphic; several nouns
such as "twin cities" or "Städtepartnerschaften"; question-first and filter-first) x single turn
or follow-up ("and how many are that?", "which of those is the oldest?", "und davon die
Hauptstädte?"), in German and English. The expected answer of every question is computed here
from the knowledge files alone (`partner_cities.yml` and `places.yml`, read with plain YAML, not
with the assistant's parser or engine), so a sweep measures the design instead of repeating it.
Facts the files do not settle are skipped or accepted either way: a city on two continents
(Istanbul) counts as "maybe" for a continent filter, a city whose note names another year within
two years of `since` (Moscow's 1990 declaration, Budapest's 1992 agreement) as "maybe" for a
year filter, and a superlative or comparison whose answer depends on a "maybe" is not asked.

Usage (with a dev server running, see /work/notes/devserver.sh):

    python -m scripts.query_sweep --url http://127.0.0.1:5005 --sample 600 --seed 1 \
        --out /tmp/sweep.md [--yaml /tmp/sweep-failures.yml] [--lang de] [--op count]

The report (Markdown) counts failures per operation, template and filter, and lists each
failing conversation with the reply; `--yaml` writes the failing conversations in the format
of `tests/conversations/dev/*.yml` (ids `sweep-…`) as a start for a new dev batch. Checks use
the conversation runner's vocabulary (`starts`, `first`, `all`, `any`, `none`).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conversations.runner import Conversation, Turn, run_conversations

KNOWLEDGE = Path(__file__).resolve().parent.parent / "data" / "knowledge"
LANGS = ("de", "en")
Expect = dict[str, Any]


# ---------------------------------------------------------------- facts (own loader)


@dataclass(frozen=True)
class City:
    """One partner city as the knowledge file states it."""

    id: str
    name: dict[str, str]
    aliases: tuple[str, ...]
    country: str
    continents: tuple[str, ...]
    since: str  # "YYYY-MM-DD" or "YYYY"
    dormant: bool
    capital: bool
    signers: tuple[str, ...]
    other_years: frozenset[int]  # other years within two of `since` that a note names

    @property
    def year(self) -> int:
        return int(self.since[:4])

    @property
    def years(self) -> frozenset[int]:
        return frozenset({self.year}) | self.other_years


@dataclass(frozen=True)
class Region:
    """A continent or grouping of places.yml with its names and adjective stems."""

    id: str
    name: dict[str, str]
    adjectives: dict[str, tuple[str, ...]]
    continents: tuple[str, ...]
    countries: tuple[str, ...]
    locative: dict[str, str]


@dataclass(frozen=True)
class Facts:
    cities: tuple[City, ...]
    regions: dict[str, Region]
    countries: dict[str, dict[str, str]]  # id -> {"de": name, "en": name}
    country_in: dict[str, dict[str, str]]  # id -> {"de": "in der Türkei", ...}
    others: tuple[dict[str, str], ...]  # names of non-partner cities

    def country_name(self, city: City, lang: str) -> str:
        return re.sub(r"^the ", "", self.countries[city.country][lang])


def _year_of(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def load_facts(folder: Path = KNOWLEDGE) -> Facts:
    """Reads the partner cities and places with plain YAML (independent of the assistant)."""
    cities_doc = yaml.safe_load((folder / "partner_cities.yml").read_text(encoding="utf-8"))
    places = yaml.safe_load((folder / "places.yml").read_text(encoding="utf-8"))
    cities = []
    for rec in cities_doc["cities"]:
        since = _year_of(rec["since"])
        note = " ".join(str(v) for v in (rec.get("note") or {}).values())
        other = {int(y) for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", note)}
        other = {y for y in other if 0 < abs(y - int(since[:4])) <= 2}
        cities.append(
            City(
                id=rec["id"],
                name=dict(rec["name"]),
                aliases=tuple(rec.get("aliases") or ()),
                country=rec["country"],
                continents=tuple(rec["continents"]),
                since=since,
                dormant=rec["status"] == "dormant",
                capital=bool(rec["capital"]),
                signers=tuple(rec.get("signed_by") or ()),
                other_years=frozenset(other),
            )
        )
    regions = {
        r["id"]: Region(
            id=r["id"],
            name=dict(r["name"]),
            adjectives={k: tuple(v) for k, v in (r.get("adjectives") or {}).items()},
            continents=tuple(r.get("continents") or ()),
            countries=tuple(r.get("countries") or ()),
            locative=dict(r.get("in") or {}),
        )
        for r in places["continents"]
    }
    countries = {c["id"]: dict(c["name"]) for c in places["countries"]}
    country_in = {c["id"]: dict(c["in"]) for c in places["countries"] if c.get("in")}
    others = tuple(dict(c["name"]) for c in places.get("other_cities") or ())
    return Facts(tuple(cities), regions, countries, country_in, others)


# ---------------------------------------------------------------- expectations


Verdict = bool | None  # True: in, False: out, None: the file does not settle it


def in_region(city: City, region: Region) -> Verdict:
    """Whether a city lies in a region; None for a city on two continents split by it."""
    if region.countries:
        return city.country in region.countries
    members = set(region.continents) or {region.id}
    hits = [c in members for c in city.continents]
    return True if all(hits) else False if not any(hits) else None


def in_years(city: City, test: Callable[[int], bool]) -> Verdict:
    hits = [test(y) for y in city.years]
    return True if all(hits) else False if not any(hits) else None


@dataclass(frozen=True)
class Form:
    """One way to say a filter: an attributive adjective stem, a post-modifier, or a noun."""

    pre: str = ""  # German: a stem that takes the template's ending ("asiatisch")
    post: str = ""  # " in Asien", " since 2000"
    noun: tuple[str, str] | None = None  # replaces the template's noun (nominative, dative)
    noun_sg: str = ""  # the singular of that noun, for superlatives ("Hauptstadt", "capital")
    label: str = ""
    plural: bool = False  # the post-modifier needs a plural noun ("that are capitals")


@dataclass(frozen=True)
class Filter:
    """A condition on partner cities with the ways to say it per language."""

    id: str
    kind: str  # region, year, status, capital, or "a+b" for two
    test: Callable[[City], Verdict]
    forms: dict[str, tuple[Form, ...]]
    # predicates per language as (plural, singular): ("liegen in Asien", "liegt in Asien")
    preds: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


def members(cities: tuple[City, ...], flt: Filter) -> tuple[list[City], list[City], list[City]]:
    """The cities the filter surely includes, maybe includes, and surely excludes."""
    sure, maybe, out = [], [], []
    for city in cities:
        verdict = flt.test(city)
        (sure if verdict else maybe if verdict is None else out).append(city)
    return sure, maybe, out


NUMBER_WORDS = {
    "de": "keine eine zwei drei vier fünf sechs sieben acht neun zehn elf zwölf".split(),
    "en": "no one two three four five six seven eight nine ten eleven twelve".split(),
}
NONE_WORDS = {"de": ["keine", "keinen", "nicht", "Nein"], "en": ["no", "none", "not"]}


def count_expect(sure: list[City], maybe: list[City], lang: str) -> Expect:
    """The count's first sentence names one of the possible numbers (digits or a word)."""
    texts: list[str] = []
    for n in range(len(sure), len(sure) + len(maybe) + 1):
        if n == 0:
            texts += NONE_WORDS[lang]
            continue
        texts.append(str(n))
        if n < len(NUMBER_WORDS[lang]):
            texts.append(NUMBER_WORDS[lang][n])
        if n == 1:
            texts += ["einzige", "nur"] if lang == "de" else ["only"]
    return {"first": texts}


def list_expect(sure: list[City], maybe: list[City], out: list[City], lang: str) -> Expect:
    if not sure and not maybe:
        return {"any": NONE_WORDS[lang]}
    expect: Expect = {"all": [c.name[lang] for c in sure]}
    if out:
        expect["none"] = [c.name[lang] for c in out]
    return expect


def extreme(cities: list[City], which: str) -> City | None:
    """The oldest or newest city, or None when the file does not settle it (a possible tie)."""
    for city in cities:
        others = [c for c in cities if c is not city]
        wins = [older(city, o) for o in others]
        if which == "oldest" and all(w is city for w in wins):
            return city
        if which == "newest" and all(w is o for w, o in zip(wins, others, strict=True)):
            return city
    return None


def superlative_expect(sure: list[City], maybe: list[City], which: str, lang: str) -> Expect | None:
    if maybe:
        return None
    best = extreme(sure, which)
    if best is None:
        return {"any": NONE_WORDS[lang]} if not sure else None
    return {"first": [best.name[lang]]}


def older(a: City, b: City) -> City | None:
    """The older of two partnerships, None if the file does not settle it."""
    if a.years & b.years and (len(a.since) == 4 or len(b.since) == 4 or a.other_years):
        return None
    if max(a.years) < min(b.years):
        return a
    if max(b.years) < min(a.years):
        return b
    if a.year == b.year and not (a.other_years or b.other_years):
        return a if a.since < b.since else b
    return None


YES = {"de": ["Ja"], "en": ["Yes"]}
NO = {"de": ["Nein"], "en": ["No"]}


def yes_no(truth: bool, lang: str, fact: list[str] | None = None) -> Expect:
    expect: Expect = {"starts": (YES if truth else NO)[lang]}
    if fact:
        expect["all"] = fact
    return expect


# ---------------------------------------------------------------- filters and their phrasings


def region_filters(facts: Facts) -> list[Filter]:
    filters = []
    for region in facts.regions.values():
        forms: dict[str, list[Form]] = {"de": [], "en": []}
        name_de, name_en = region.name["de"], region.name["en"]
        loc_de = region.locative.get("de") or f"in {name_de}"
        loc_en = region.locative.get("en") or f"in {name_en}"
        forms["de"].append(Form(post=f" {loc_de}", label="de:in-noun"))
        forms["en"].append(Form(post=f" {loc_en}", label="en:in-noun"))
        for stem in region.adjectives.get("de", ())[:1]:
            forms["de"].append(Form(pre=stem, label="de:adjective"))
            if region.id == "americas":
                forms["de"].append(
                    Form(post=f" auf dem {stem}en Kontinent", label="de:auf-dem-Kontinent")
                )
        for adj in region.adjectives.get("en", ())[:1]:
            forms["en"].append(Form(pre=adj, label="en:adjective"))
        if region.id == "americas":
            forms["en"].append(Form(post=" on the American continent", label="en:continent"))
        preds = {
            "de": ((f"liegen {loc_de}", f"liegt {loc_de}"),),
            "en": (
                (f"are {loc_en}", f"is {loc_en}"),
                (f"are located {loc_en}", f"is located {loc_en}"),
            ),
        }
        filters.append(
            Filter(
                f"region:{region.id}",
                "region",
                lambda c, r=region: in_region(c, r),
                {k: tuple(v) for k, v in forms.items()},
                preds,
            )
        )
    return filters


def year_filters(cities: tuple[City, ...]) -> list[Filter]:
    years = sorted({c.year for c in cities})
    out: list[Filter] = []
    for y in years:
        out.append(
            Filter(
                f"year:in {y}",
                "year",
                lambda c, y=y: in_years(c, lambda v: v == y),
                {
                    "de": (
                        Form(post=f" aus dem Jahr {y}", label="de:aus dem Jahr"),
                        Form(post=f" von {y}", label="de:von"),
                    ),
                    "en": (
                        Form(post=f" from {y}", label="en:from"),
                        Form(post=f" in {y}", label="en:in"),
                    ),
                },
                {
                    "de": (
                        (f"kamen {y} hinzu", f"kam {y} hinzu"),
                        (f"wurden {y} Partnerstädte", f"wurde {y} Partnerstadt"),
                    ),
                    "en": (
                        (f"joined in {y}", f"joined in {y}"),
                        (f"became partners in {y}", f"became a partner in {y}"),
                    ),
                },
            )
        )
    for y in (1990, 1993, 1995, 2000):
        out.append(
            Filter(
                f"year:before {y}",
                "year",
                lambda c, y=y: in_years(c, lambda v: v < y),
                {
                    "de": (Form(post=f" vor {y}", label="de:vor"),),
                    "en": (Form(post=f" before {y}", label="en:before"),),
                },
                {
                    "de": ((f"wurden vor {y} Partnerstädte", f"wurde vor {y} Partnerstadt"),),
                    "en": (
                        (f"became partners before {y}", f"became a partner before {y}"),
                        (f"date from before {y}", f"dates from before {y}"),
                    ),
                },
            )
        )
        out.append(
            Filter(
                f"year:since {y}",
                "year",
                lambda c, y=y: in_years(c, lambda v: v >= y),
                {
                    "de": (
                        Form(post=f" seit {y}", label="de:seit"),
                        Form(post=f" ab {y}", label="de:ab"),
                    ),
                    "en": (Form(post=f" since {y}", label="en:since"),),
                },
                {
                    "de": ((f"sind seit {y} dazugekommen", f"ist seit {y} dazugekommen"),),
                    "en": (
                        (f"have been added since {y}", f"has been added since {y}"),
                        (f"joined in {y} or later", f"joined in {y} or later"),
                    ),
                },
            )
        )
    for a, b in ((1990, 1993), (1991, 1995)):
        out.append(
            Filter(
                f"year:between {a}-{b}",
                "year",
                lambda c, a=a, b=b: in_years(c, lambda v: a <= v <= b),
                {
                    "de": (Form(post=f" zwischen {a} und {b}", label="de:zwischen"),),
                    "en": (Form(post=f" between {a} and {b}", label="en:between"),),
                },
                {
                    "de": (
                        (f"kamen zwischen {a} und {b} hinzu", f"kam zwischen {a} und {b} hinzu"),
                    ),
                    "en": ((f"joined between {a} and {b}", f"joined between {a} and {b}"),),
                },
            )
        )
    for decade, word_de, word_en in (
        (1980, "Achtzigern", "eighties"),
        (1990, "Neunzigern", "nineties"),
    ):
        out.append(
            Filter(
                f"year:{decade}s",
                "year",
                lambda c, d=decade: in_years(c, lambda v: d <= v < d + 10),
                {
                    "de": (
                        Form(post=f" aus den {decade}er Jahren", label="de:er Jahre"),
                        Form(post=f" aus den {word_de}", label="de:decade word"),
                    ),
                    "en": (
                        Form(post=f" in the {decade}s", label="en:1990s"),
                        Form(post=f" from the {word_en}", label="en:decade word"),
                    ),
                },
                {
                    "de": (
                        (
                            f"kamen in den {decade}er Jahren hinzu",
                            f"kam in den {decade}er Jahren hinzu",
                        ),
                    ),
                    "en": ((f"joined in the {decade}s", f"joined in the {decade}s"),),
                },
            )
        )
    return out


def other_filters() -> list[Filter]:
    return [
        Filter(
            "status:dormant",
            "status",
            lambda c: c.dormant,
            {
                "de": (
                    Form(pre="ruhend", label="de:ruhend"),
                    Form(post=", die derzeit ruhen", plural=True, label="de:die ruhen"),
                ),
                "en": (
                    Form(pre="dormant", label="en:dormant"),
                    Form(pre="suspended", label="en:suspended"),
                ),
            },
            {
                "de": (("ruhen derzeit", "ruht derzeit"), ("sind ausgesetzt", "ist ausgesetzt")),
                "en": (("are dormant", "is dormant"), ("are on hold", "is on hold")),
            },
        ),
        Filter(
            "status:active",
            "status",
            lambda c: not c.dormant,
            {
                "de": (Form(pre="aktiv", label="de:aktiv"),),
                "en": (Form(pre="active", label="en:active"),),
            },
            {"de": (("sind aktiv", "ist aktiv"),), "en": (("are active", "is active"),)},
        ),
        Filter(
            "capital:yes",
            "capital",
            lambda c: c.capital,
            {
                "de": (
                    Form(
                        post=", die Hauptstädte sind", plural=True, label="de:die Hauptstädte sind"
                    ),
                    Form(
                        noun=("Hauptstädte", "Hauptstädten"),
                        noun_sg="Hauptstadt",
                        label="de:Hauptstädte",
                    ),
                ),
                "en": (
                    Form(post=" that are capitals", plural=True, label="en:that are capitals"),
                    Form(noun=("capitals", "capitals"), noun_sg="capital", label="en:capitals"),
                ),
            },
            {
                "de": (("sind Hauptstädte", "ist eine Hauptstadt"),),
                "en": (
                    ("are capitals", "is a capital"),
                    ("are capital cities", "is a capital city"),
                ),
            },
        ),
        Filter(
            "capital:no",
            "capital",
            lambda c: not c.capital,
            {
                "de": (
                    Form(
                        post=", die keine Hauptstädte sind",
                        plural=True,
                        label="de:keine Hauptstädte",
                    ),
                ),
                "en": (
                    Form(post=" that are not capitals", plural=True, label="en:not capitals"),
                    Form(
                        post=" which aren't capital cities",
                        plural=True,
                        label="en:aren't capital cities",
                    ),
                ),
            },
            {
                "de": (("sind keine Hauptstädte", "ist keine Hauptstadt"),),
                "en": (
                    ("are not capitals", "is not a capital"),
                    ("aren't capital cities", "isn't a capital city"),
                ),
            },
        ),
    ]


def combined_test(a: Filter, b: Filter) -> Filter:
    """Both conditions, without phrasings (for follow-ups that add the second)."""

    def test(c: City) -> Verdict:
        x, y = a.test(c), b.test(c)
        if x is False or y is False:
            return False
        return True if x and y else None

    return Filter(f"{a.id}+{b.id}", f"{a.kind}+{b.kind}", test, {"de": (), "en": ()})


def combined(a: Filter, b: Filter) -> Filter | None:
    """Two filters in one phrase: the first gives an adjective, the second the rest."""

    def test(c: City) -> Verdict:
        x, y = a.test(c), b.test(c)
        if x is False or y is False:
            return False
        return True if x and y else None

    forms: dict[str, tuple[Form, ...]] = {}
    for lang in LANGS:
        pres = [f for f in a.forms[lang] if f.pre and not f.noun]
        rest = [f for f in b.forms[lang] if not f.pre]
        if not pres or not rest:
            return None
        forms[lang] = tuple(
            Form(
                pre=p.pre,
                post=r.post,
                noun=r.noun,
                noun_sg=r.noun_sg,
                label=f"{p.label}+{r.label}",
                plural=r.plural,
            )
            for p in pres
            for r in rest
        )
    joint = {"de": "und", "en": "and"}
    preds = {
        lang: tuple(
            (f"{pa[0]} {joint[lang]} {pb[0]}", f"{pa[1]} {joint[lang]} {pb[1]}")
            for pa in a.preds.get(lang, ())[:1]
            for pb in b.preds.get(lang, ())[:1]
        )
        for lang in LANGS
    }
    return Filter(f"{a.id}+{b.id}", f"{a.kind}+{b.kind}", test, forms, preds)


def all_filters(facts: Facts) -> list[Filter]:
    regions = region_filters(facts)
    years = year_filters(facts.cities)
    others = other_filters()
    pairs = [
        combined(r, o)
        for r in regions
        if r.id in ("region:europe", "region:asia", "region:americas", "region:north_america")
        for o in others[2:] + [y for y in years if y.id.startswith("year:since")]
    ]
    return regions + years + others + [p for p in pairs if p]


# ---------------------------------------------------------------- phrasing


NOUNS = {
    "de": [("Partnerstädte", "Partnerstädten"), ("Städtepartnerschaften", "Städtepartnerschaften")],
    "en": ["partner cities", "twin cities", "sister cities", "city partnerships"],
}


def np(lang: str, form: Form, noun: Any, ending: str = "e", case: int = 0) -> str:
    """The noun phrase: adjective (German stem plus ending), noun, post-modifier."""
    if lang == "de":
        word = (form.noun or noun)[case]
        pre = f"{form.pre}{ending} " if form.pre else ""
    else:
        word = form.noun[0] if form.noun else noun
        pre = f"{form.pre} " if form.pre else ""
    return f"{pre}{word}{form.post}"


def casual(text: str) -> str:
    """Lower case without final punctuation, as typed on a phone."""
    return re.sub(r"[?.!]+$", "", text.lower()).strip()


LIST_TEMPLATES: dict[str, list[tuple[str, Callable[[Form, Any], str]]]] = {
    "de": [
        ("welche-hat-berlin", lambda f, n: f"Welche {np('de', f, n, 'en')} hat Berlin?"),
        ("nenne-berlins", lambda f, n: f"Nenne mir bitte Berlins {np('de', f, n, 'e')}."),
        ("telegraphic", lambda f, n: casual(f"{np('de', f, n, 'e')}?")),
        ("gibt-es", lambda f, n: casual(f"Gibt es {np('de', f, n, 'e')}?")),
        ("filter-first", lambda f, n: f"Zeig mir die {np('de', f, n, 'en')} Berlins"),
    ],
    "en": [
        ("which-does-berlin-have", lambda f, n: f"Which {np('en', f, n)} does Berlin have?"),
        ("list-berlins", lambda f, n: f"Please list Berlin's {np('en', f, n)}."),
        ("telegraphic", lambda f, n: casual(f"{np('en', f, n)}?")),
        ("what-are", lambda f, n: casual(f"what are the {np('en', f, n)} of berlin")),
        ("are-there", lambda f, n: f"Are there any {np('en', f, n)}?"),
    ],
}
COUNT_TEMPLATES: dict[str, list[tuple[str, Callable[[Form, Any], str]]]] = {
    "de": [
        ("wie-viele-hat", lambda f, n: f"Wie viele {np('de', f, n, 'e')} hat Berlin?"),
        ("anzahl", lambda f, n: f"Anzahl der {np('de', f, n, 'en')}?"),
        ("casual", lambda f, n: casual(f"wieviele {np('de', f, n, 'e')} gibt es")),
        ("berlins", lambda f, n: f"Wie viele {np('de', f, n, 'e')} Berlins gibt es?"),
    ],
    "en": [
        ("how-many-does", lambda f, n: f"How many {np('en', f, n)} does Berlin have?"),
        ("number-of", lambda f, n: f"What is the number of Berlin's {np('en', f, n)}?"),
        ("casual", lambda f, n: casual(f"how many {np('en', f, n)} are there")),
        ("count-the", lambda f, n: f"Count the {np('en', f, n)}, please."),
    ],
}
SUPERLATIVE_WORDS = {
    "de": {"oldest": ["älteste", "erste"], "newest": ["neueste", "jüngste"]},
    "en": {
        "oldest": ["oldest", "first", "earliest"],
        "newest": ["newest", "most recent", "latest"],
    },
}
SINGULAR = {"de": ("Partnerstadt", "Partnerstadt"), "en": "partner city"}


def superlative_templates(lang: str, word: str) -> list[tuple[str, Callable[[Form], str]]]:
    if lang == "de":
        sing = SINGULAR["de"]
        return [
            ("welche-ist-die", lambda f: f"Welche ist die {word} {np('de', f, sing, 'e')}?"),
            ("berlins", lambda f: casual(f"Berlins {word} {np('de', f, sing, 'e')}")),
            ("was-ist", lambda f: f"Was ist die {word} {np('de', f, sing, 'e')} von Berlin?"),
        ]
    sing_en = SINGULAR["en"]
    return [
        ("which-is-the", lambda f: f"Which is the {word} {np('en', f, sing_en)}?"),
        ("berlins", lambda f: casual(f"Berlin's {word} {np('en', f, sing_en)}")),
        ("what-is", lambda f: f"What's the {word} {np('en', f, sing_en)} of Berlin?"),
    ]


# Templates that put a filter's post-modifier elsewhere in the sentence: after the verb or
# first ("in Asien: wie viele Partnerstädte?"). Only for forms that are a plain phrase.
POST_COUNT: dict[str, list[tuple[str, Callable[[str], str]]]] = {
    "de": [
        ("post/hat-berlin", lambda p: f"Wie viele Partnerstädte hat Berlin{p}?"),
        ("post/filter-first", lambda p: f"{p.strip()}: wie viele Partnerstädte gibt es?"),
        ("post/schon", lambda p: casual(f"wie viele städtepartnerschaften gibt es{p} schon")),
    ],
    "en": [
        ("post/does-berlin-have", lambda p: f"How many partner cities does Berlin have{p}?"),
        ("post/filter-first", lambda p: f"{p.strip()}, how many twin cities are there?"),
        ("post/number", lambda p: casual(f"number of partnerships{p}")),
    ],
}
POST_SUPERLATIVE: dict[str, list[tuple[str, str, Callable[[str], str]]]] = {
    "de": [
        ("post/zuletzt", "newest", lambda p: f"Welche Städtepartnerschaft{p} kam zuletzt dazu?"),
        ("post/am-längsten", "oldest", lambda p: f"Welche Partnerschaft{p} besteht am längsten?"),
        ("post/telegraphic", "oldest", lambda p: casual(f"älteste städtepartnerschaft{p}")),
        ("post/erste", "oldest", lambda p: f"Was war Berlins erste Partnerstadt{p}?"),
    ],
    "en": [
        ("post/last-to-join", "newest", lambda p: f"Which city was the last to join{p}?"),
        ("post/longest", "oldest", lambda p: f"Which partnership{p} is the longest-standing?"),
        ("post/telegraphic", "newest", lambda p: casual(f"most recent partnership{p}")),
        ("post/first", "oldest", lambda p: f"What was Berlin's first partner city{p}?"),
    ],
}
# "and in Africa?" after a list: the same kind of condition, replaced
SWITCH_FOLLOW = {
    "de": [("switch/und", lambda p: f"und{p}?"), ("switch/Und", lambda p: f"Und{p}?")],
    "en": [
        ("switch/and", lambda p: f"and{p}?"),
        ("switch/what-about", lambda p: f"what about{p}?"),
    ],
}


def plain_post(form: Form) -> str:
    """The form's post-modifier if it is a plain phrase that can stand anywhere, else ''."""
    if form.pre or form.noun or form.plural or not form.post.startswith(" "):
        return ""
    return form.post


FOLLOW_UPS: dict[str, list[tuple[str, str, str]]] = {
    # (template id, follow-up text, what it asks: count | oldest | newest | capital)
    "de": [
        ("und-wie-viele", "und wie viele sind das?", "count"),
        ("wie-viele-davon", "Wie viele davon?", "count"),
        ("welche-davon-älteste", "Welche davon ist die älteste?", "oldest"),
        ("und-die-neueste", "und die neueste davon?", "newest"),
        ("und-davon-hauptstädte", "und davon die Hauptstädte?", "capital"),
    ],
    "en": [
        ("and-how-many", "and how many are that?", "count"),
        ("how-many-of-them", "How many of them?", "count"),
        ("which-oldest", "which of those is the oldest?", "oldest"),
        ("and-newest", "and the newest of them?", "newest"),
        ("which-capitals", "and which of them are capitals?", "capital"),
    ],
}


@dataclass
class Case:
    """One generated conversation with what it varies (for grouping failures)."""

    lang: str
    op: str
    template: str
    filter: str
    form: str
    turns: list[Turn] = field(default_factory=list)

    def conversation(self, number: int) -> Conversation:
        category = {
            "count": "count",
            "list": "list_filter",
            "superlative": "superlative_compare",
            "compare": "superlative_compare",
            "verify": "yes_no_premise",
            "lookup": "city_fact",
            "follow-up": "count",
        }[self.op]
        return Conversation(
            id=f"sweep-{self.lang}-{number:05d}",
            category=category,
            lang=self.lang,
            turns=tuple(self.turns),
        )


PRED_LIST = {
    "de": [
        ("pred/welche", lambda p: f"Welche Partnerstädte {p}?"),
        ("pred/welche-von-berlins", lambda p: casual(f"welche von berlins partnerstädten {p}")),
        (
            "pred/welche-städtepartnerschaften",
            lambda p: f"Welche Städtepartnerschaften Berlins {p}?",
        ),
    ],
    "en": [
        ("pred/which", lambda p: f"Which partner cities {p}?"),
        ("pred/which-of-berlins", lambda p: casual(f"which of berlin's twin cities {p}")),
        ("pred/tell-me", lambda p: f"Tell me which of Berlin's sister cities {p}."),
    ],
}
PRED_COUNT = {
    "de": [
        ("pred/wie-viele", lambda p: f"Wie viele Partnerstädte {p}?"),
        ("pred/wie-viele-von", lambda p: f"Wie viele von Berlins Partnerstädten {p}?"),
        ("pred/telegraphic", lambda p: casual(f"wie viele {p}")),
    ],
    "en": [
        ("pred/how-many", lambda p: f"How many partner cities {p}?"),
        ("pred/how-many-of", lambda p: f"How many of Berlin's sister cities {p}?"),
        ("pred/telegraphic", lambda p: casual(f"how many {p}")),
    ],
}
PRED_FOLLOW = {
    # second-turn restrictions of a list: (id, template taking a plural predicate, count?)
    "de": [
        ("then/welche-davon", lambda p: f"Und welche davon {p}?", False),
        ("then/wie-viele-davon", lambda p: f"wie viele davon {p}", True),
    ],
    "en": [
        ("then/which-of-those", lambda p: f"And which of those {p}?", False),
        ("then/how-many-of-them", lambda p: f"how many of them {p}", True),
    ],
}


def superlative_variants(lang: str, word: str, form: Form) -> list[tuple[str, str]]:
    """Superlatives with the filter as the subject's adjective, after the noun, or as the noun."""
    out = []
    post = "" if form.plural else form.post
    if form.noun:
        pre = (f"{form.pre}e " if lang == "de" else f"{form.pre} ") if form.pre else ""
        if lang == "de":
            return [
                ("noun", f"Welche ist die {word} {pre}{form.noun_sg} unter den Partnerstädten?")
            ]
        return [("noun", f"What is the {word} {pre}{form.noun_sg} among Berlin's partner cities?")]
    if form.plural:
        return out
    if lang == "de":
        if form.pre:
            out.append(("adj-subject", f"Welche {form.pre}e Partnerstadt{post} ist die {word}?"))
        elif post:
            out.append(("welche-ist-die-post", f"Welche ist die {word}{post}?"))
            out.append(("welche-partnerstadt-post", f"Welche Partnerstadt{post} ist die {word}?"))
        if form.noun_sg:
            pre = f"{form.pre}e " if form.pre else ""
            out.append(
                ("noun", f"Welche ist die {word} {pre}{form.noun_sg} unter den Partnerstädten?")
            )
    else:
        if form.pre:
            out.append(("adj-subject", f"Which {form.pre} partner city{post} is the {word}?"))
        elif post:
            out.append(("which-is-the-post", f"Which is the {word}{post}?"))
            out.append(("which-partner-post", f"which partner city{post} is the {word}"))
        if form.noun_sg:
            pre = f"{form.pre} " if form.pre else ""
            out.append(
                ("noun", f"What is the {word} {pre}{form.noun_sg} among Berlin's partner cities?")
            )
    return out


def _second_filters(filters: list[Filter]) -> list[Filter]:
    wanted = (
        "capital:yes",
        "capital:no",
        "region:europe",
        "region:asia",
        "status:dormant",
        "year:since 2000",
        "year:before 1990",
    )
    return [f for f in filters if f.id in wanted]


def _nouns(lang: str) -> list[Any]:
    return NOUNS[lang]


def filter_cases(facts: Facts) -> Iterator[Case]:
    """List, count, superlative and follow-up cases over every filter and phrasing."""
    cities = facts.cities
    filters = all_filters(facts)
    seconds = _second_filters(filters)
    for flt in filters:
        sure, maybe, out = members(cities, flt)
        for lang in LANGS:
            for plural, _ in flt.preds.get(lang, ()):
                for tid, make in PRED_LIST[lang]:
                    yield Case(
                        lang,
                        "list",
                        tid,
                        flt.id,
                        "predicate",
                        [Turn(make(plural), list_expect(sure, maybe, out, lang))],
                    )
                for tid, make in PRED_COUNT[lang]:
                    yield Case(
                        lang,
                        "count",
                        tid,
                        flt.id,
                        "predicate",
                        [Turn(make(plural), count_expect(sure, maybe, lang))],
                    )
            for form in flt.forms[lang]:
                post = plain_post(form)
                if not post:
                    continue
                for tid, make_post in POST_COUNT[lang]:
                    yield Case(
                        lang,
                        "count",
                        tid,
                        flt.id,
                        form.label,
                        [Turn(make_post(post), count_expect(sure, maybe, lang))],
                    )
                for tid, which, make_sup in POST_SUPERLATIVE[lang]:
                    expect = superlative_expect(sure, maybe, which, lang)
                    if expect is None or not sure or flt.id.startswith("year:in "):
                        continue
                    yield Case(
                        lang, "superlative", tid, flt.id, form.label, [Turn(make_sup(post), expect)]
                    )
                for other in filters:
                    if other.kind != flt.kind or other is flt or "+" in other.id:
                        continue
                    other_post = next(
                        (plain_post(f) for f in other.forms[lang] if plain_post(f)), ""
                    )
                    if not other_post or not sure:
                        continue
                    s2, m2, o2 = members(cities, other)
                    first = LIST_TEMPLATES[lang][0][1](form, NOUNS[lang][0])
                    for tid, make_switch in SWITCH_FOLLOW[lang]:
                        yield Case(
                            lang,
                            "follow-up",
                            tid,
                            f"{flt.id} then {other.id}",
                            form.label,
                            [
                                Turn(first, list_expect(sure, maybe, out, lang)),
                                Turn(make_switch(other_post), list_expect(s2, m2, o2, lang)),
                            ],
                        )
            if sure and "+" not in flt.id:
                first = LIST_TEMPLATES[lang][0][1](flt.forms[lang][0], NOUNS[lang][0])
                for second in seconds:
                    if second.kind == flt.kind or not second.preds.get(lang):
                        continue
                    both = combined_test(flt, second)
                    s2, m2, o2 = members(cities, both)
                    s1 = set(c.id for c in sure)
                    o2 = [c for c in o2 if c.id in s1]
                    plural = second.preds[lang][0][0]
                    for tid, make, counts in PRED_FOLLOW[lang]:
                        follow = (
                            count_expect(s2, m2, lang) if counts else list_expect(s2, m2, o2, lang)
                        )
                        yield Case(
                            lang,
                            "follow-up",
                            tid,
                            f"{flt.id} then {second.id}",
                            "predicate",
                            [
                                Turn(first, list_expect(sure, maybe, out, lang)),
                                Turn(make(plural), follow),
                            ],
                        )
            for form in flt.forms[lang]:
                for noun in _nouns(lang):
                    for tid, make in LIST_TEMPLATES[lang]:
                        expect = list_expect(sure, maybe, out, lang)
                        yield Case(
                            lang, "list", tid, flt.id, form.label, [Turn(make(form, noun), expect)]
                        )
                    for tid, make in COUNT_TEMPLATES[lang]:
                        yield Case(
                            lang,
                            "count",
                            tid,
                            flt.id,
                            form.label,
                            [Turn(make(form, noun), count_expect(sure, maybe, lang))],
                        )
                    first = LIST_TEMPLATES[lang][0][1](form, noun)
                    for tid, text, asks in FOLLOW_UPS[lang]:
                        if not sure:
                            continue
                        follow: Expect | None
                        if asks == "count":
                            follow = count_expect(sure, maybe, lang)
                        elif asks == "capital":
                            if flt.kind.startswith("capital") or flt.kind.endswith("capital"):
                                continue
                            caps = [c for c in sure if c.capital]
                            nocap = [c for c in sure + out if not c.capital]
                            mayb = [c for c in maybe if c.capital]
                            follow = list_expect(caps, mayb, nocap, lang)
                        else:
                            follow = superlative_expect(sure, maybe, asks, lang)
                        if follow is None:
                            continue
                        yield Case(
                            lang,
                            "follow-up",
                            tid,
                            flt.id,
                            form.label,
                            [Turn(first, list_expect(sure, maybe, out, lang)), Turn(text, follow)],
                        )
                for which, words in SUPERLATIVE_WORDS[lang].items():
                    expect = superlative_expect(sure, maybe, which, lang)
                    if expect is None or not sure or flt.id.startswith("year:in "):
                        continue
                    for word in words[:2]:
                        for tid, text in superlative_variants(lang, word, form):
                            yield Case(
                                lang,
                                "superlative",
                                f"{tid}/{which}",
                                flt.id,
                                form.label,
                                [Turn(text, expect)],
                            )
                for which, words in SUPERLATIVE_WORDS[lang].items():
                    if form.noun or form.plural or flt.id.startswith("year:in "):
                        continue  # a plural phrase, or one year: no natural superlative
                    expect = superlative_expect(sure, maybe, which, lang)
                    if expect is None or not sure:
                        continue
                    for word in words:
                        for tid, make in superlative_templates(lang, word):
                            yield Case(
                                lang,
                                "superlative",
                                f"{tid}/{which}",
                                flt.id,
                                form.label,
                                [Turn(make(form), expect)],
                            )


def _surname(person: str) -> str:
    return person.split()[-1]


def city_cases(facts: Facts) -> Iterator[Case]:
    """Lookups, comparisons and yes/no questions about single cities."""
    cities = facts.cities
    people = sorted({p for c in cities for p in c.signers})
    region_names = [r for r in facts.regions.values() if not r.countries and not r.continents]
    for city in cities:
        for lang in LANGS:
            names = [city.name[lang]] + [a for a in city.aliases if a != city.name[lang]][:1]
            for name in names:
                low = name.lower()
                country = facts.country_name(city, lang)
                year = str(city.year)
                lookups: list[tuple[str, str, Expect]] = []
                if lang == "de":
                    lookups += [
                        (
                            "country/in-welchem-land",
                            f"In welchem Land liegt {name}?",
                            {"all": [country]},
                        ),
                        ("country/casual", f"{low} welches land", {"all": [country]}),
                        (
                            "since/seit-wann",
                            f"Seit wann ist {name} Partnerstadt Berlins?",
                            {"all": [year]},
                        ),
                        ("since/casual", f"wann wurde {low} partnerstadt", {"all": [year]}),
                        ("since/telegraphic", f"{name}: Partnerschaft seit?", {"all": [year]}),
                        (
                            "status/status",
                            f"Wie ist der Status der Partnerschaft mit {name}?",
                            {"any": ["ruht", "ruhend"] if city.dormant else ["aktiv"]},
                        ),
                        ("country/wo-liegt", f"Wo liegt eigentlich {name}?", {"all": [country]}),
                        (
                            "country/zu-welchem-land",
                            f"Zu welchem Land gehört {name}?",
                            {"all": [country]},
                        ),
                        (
                            "since/in-welchem-jahr",
                            f"In welchem Jahr wurde {name} Berlins Partnerstadt?",
                            {"all": [year]},
                        ),
                        (
                            "since/wie-lange",
                            f"wie lange ist {low} schon partnerstadt",
                            {"all": [year]},
                        ),
                        (
                            "since/geschlossen",
                            f"Wann hat Berlin die Städtepartnerschaft mit {name} geschlossen?",
                            {"all": [year]},
                        ),
                        (
                            "status/noch-aktiv",
                            f"ist die partnerschaft mit {low} noch aktiv",
                            yes_no(not city.dormant, lang),
                        ),
                    ]
                    if len(city.continents) == 1:
                        cont = facts.regions[city.continents[0]].name["de"]
                        lookups += [
                            (
                                "continent/auf-welchem",
                                f"Auf welchem Kontinent liegt {name}?",
                                {"all": [cont]},
                            ),
                            ("continent/casual", f"{low} kontinent", {"all": [cont]}),
                        ]
                    if city.signers:
                        lookups.append(
                            (
                                "signers/wer",
                                f"Wer hat die Partnerschaft mit {name} unterschrieben?",
                                {"all": [_surname(p) for p in city.signers]},
                            )
                        )
                else:
                    lookups += [
                        (
                            "country/which-country",
                            f"Which country is {name} in?",
                            {"all": [country]},
                        ),
                        ("country/casual", f"{low} country", {"all": [country]}),
                        (
                            "since/since-when",
                            f"Since when is {name} a partner city of Berlin?",
                            {"all": [year]},
                        ),
                        (
                            "since/casual",
                            f"when did {low} become berlin's twin city",
                            {"all": [year]},
                        ),
                        ("since/telegraphic", f"{name} partnership since?", {"all": [year]}),
                        (
                            "status/status",
                            f"What's the status of the partnership with {name}?",
                            {"any": ["dormant", "suspended"] if city.dormant else ["active"]},
                        ),
                        ("country/where-is", f"Where is {name}?", {"all": [country]}),
                        (
                            "country/belong",
                            f"what country does {low} belong to",
                            {"all": [country]},
                        ),
                        (
                            "since/what-year",
                            f"In what year did {name} become Berlin's partner city?",
                            {"all": [year]},
                        ),
                        (
                            "since/how-long",
                            f"how long has {low} been a sister city of berlin",
                            {"all": [year]},
                        ),
                        ("since/twinned", f"When was Berlin twinned with {name}?", {"all": [year]}),
                        (
                            "status/still-active",
                            f"is the {low} partnership still active",
                            yes_no(not city.dormant, lang),
                        ),
                    ]
                    if len(city.continents) == 1:
                        cont = facts.regions[city.continents[0]].name["en"]
                        lookups += [
                            ("continent/which", f"Which continent is {name} on?", {"all": [cont]}),
                            ("continent/casual", f"{low} continent", {"all": [cont]}),
                        ]
                    if city.signers:
                        lookups.append(
                            (
                                "signers/who",
                                f"Who signed the partnership with {name}?",
                                {"all": [_surname(p) for p in city.signers]},
                            )
                        )
                no_signer = {
                    "de": ["nicht", "keine", "leider"],
                    "en": ["not", "no", "unfortunately"],
                }
                if lang == "de":
                    lookups += [
                        (
                            "since/seit-welchem-jahr",
                            f"Seit welchem Jahr ist {name} Partnerstadt?",
                            {"all": [year]},
                        ),
                        ("country/telegraphic", f"{name} – welches Land?", {"all": [country]}),
                    ]
                    if not city.signers:
                        lookups.append(
                            (
                                "signers/unknown",
                                f"Wer hat die Partnerschaft mit {name} unterzeichnet?",
                                {"any": no_signer[lang], "none": [_surname(p) for p in people]},
                            )
                        )
                else:
                    lookups += [
                        (
                            "since/what-year",
                            f"Since what year has {name} been a partner city?",
                            {"all": [year]},
                        ),
                        ("country/telegraphic", f"{name} - which country?", {"all": [country]}),
                    ]
                    if not city.signers:
                        lookups.append(
                            (
                                "signers/unknown",
                                f"Who signed the agreement with {name}?",
                                {"any": no_signer[lang], "none": [_surname(p) for p in people]},
                            )
                        )
                for tid, text, expect in lookups:
                    yield Case(lang, "lookup", tid, "city", city.id, [Turn(text, expect)])

                # yes/no and false premises
                verifies: list[tuple[str, str, Expect]] = []
                claim_years = [
                    y
                    for y in (city.year, city.year - 3, city.year + 2)
                    if y == city.year or y not in city.years
                ]
                for y in claim_years:
                    truth = y == city.year
                    fact = None if truth else [year]
                    if lang == "de":
                        verifies += [
                            (
                                "year/wurde",
                                f"Wurde {name} {y} Partnerstadt?",
                                yes_no(truth, lang, fact),
                            ),
                            (
                                "year/oder",
                                f"{name} ist seit {y} Partnerstadt, oder?",
                                yes_no(truth, lang, fact),
                            ),
                            (
                                "year/casual",
                                f"ist {low} seit {y} partnerstadt",
                                yes_no(truth, lang, fact),
                            ),
                        ]
                    else:
                        verifies += [
                            (
                                "year/did",
                                f"Did {name} become a partner city in {y}?",
                                yes_no(truth, lang, fact),
                            ),
                            (
                                "year/right",
                                f"{name} became a partner city in {y}, right?",
                                yes_no(truth, lang, fact),
                            ),
                            (
                                "year/casual",
                                f"is {low} a twin city since {y}",
                                yes_no(truth, lang, fact),
                            ),
                        ]
                cap_fact = None
                if lang == "de":
                    verifies += [
                        (
                            "partner/ist",
                            f"Ist {name} eine Partnerstadt von Berlin?",
                            yes_no(True, lang),
                        ),
                        ("partner/casual", f"ist {low} eine partnerstadt", yes_no(True, lang)),
                        (
                            "capital/ist",
                            f"Ist {name} eine Hauptstadt?",
                            yes_no(city.capital, lang, cap_fact),
                        ),
                        (
                            "capital/casual",
                            f"ist {low} hauptstadt",
                            yes_no(city.capital, lang, cap_fact),
                        ),
                        (
                            "status/ruht",
                            f"Ruht die Partnerschaft mit {name}?",
                            yes_no(city.dormant, lang),
                        ),
                        (
                            "status/aktiv",
                            f"Ist die Partnerschaft mit {name} aktiv?",
                            yes_no(not city.dormant, lang),
                        ),
                    ]
                else:
                    verifies += [
                        ("partner/is", f"Is {name} a partner city of Berlin?", yes_no(True, lang)),
                        ("partner/casual", f"is {low} a partner city", yes_no(True, lang)),
                        (
                            "capital/is",
                            f"Is {name} a capital city?",
                            yes_no(city.capital, lang, cap_fact),
                        ),
                        (
                            "capital/casual",
                            f"is {low} a capital",
                            yes_no(city.capital, lang, cap_fact),
                        ),
                        (
                            "status/dormant",
                            f"Is the partnership with {name} dormant?",
                            yes_no(city.dormant, lang),
                        ),
                        (
                            "status/active",
                            f"Is {name} an active partner city?",
                            yes_no(not city.dormant, lang),
                        ),
                    ]
                for region in region_names:
                    verdict = in_region(city, region)
                    if verdict is None or region.id in ("oceania",):
                        continue
                    fact = None
                    if not verdict and len(city.continents) == 1:
                        fact = [facts.regions[city.continents[0]].name[lang]]
                    rname = region.name[lang]
                    if lang == "de":
                        verifies.append(
                            (
                                "continent/liegt",
                                f"Liegt {name} in {rname}?",
                                yes_no(verdict, lang, fact),
                            )
                        )
                    else:
                        verifies.append(
                            (
                                "continent/is-in",
                                f"Is {name} in {rname}?",
                                yes_no(verdict, lang, fact),
                            )
                        )
                wrong = next(c for c in cities if c.country != city.country)
                wrong_country = facts.countries[wrong.country][lang]
                claim_year = city.year - 3 if city.year - 3 not in city.years else None
                if lang == "de":
                    verifies += [
                        ("still/noch", f"Ist {name} noch eine Partnerstadt?", yes_no(True, lang)),
                        (
                            "ended/beendet",
                            f"Wurde die Partnerschaft mit {name} beendet?",
                            yes_no(False, lang),
                        ),
                        (
                            "country/false",
                            f"Liegt {name} in {wrong_country}?",
                            yes_no(False, lang, [country]),
                        ),
                        (
                            "year/stimmt-es",
                            f"Stimmt es, dass {name} seit {year} Partnerstadt ist?",
                            yes_no(True, lang),
                        ),
                    ]
                    if claim_year:
                        verifies.append(
                            (
                                "year/stimmt-es-false",
                                f"Stimmt es, dass {name} seit {claim_year} Partnerstadt ist?",
                                yes_no(False, lang, [year]),
                            )
                        )
                else:
                    verifies += [
                        ("still/still", f"Is {name} still a partner city?", yes_no(True, lang)),
                        (
                            "ended/over",
                            f"Has the partnership with {name} ended?",
                            yes_no(False, lang),
                        ),
                        (
                            "country/false",
                            f"Is {name} in {wrong_country}?",
                            yes_no(False, lang, [country]),
                        ),
                        (
                            "year/is-it-true",
                            f"Is it true that {name} became a partner city in {year}?",
                            yes_no(True, lang),
                        ),
                    ]
                    if claim_year:
                        verifies.append(
                            (
                                "year/hasnt-it",
                                f"{name} has been a partner since {claim_year}, hasn't it?",
                                yes_no(False, lang, [year]),
                            )
                        )
                for region in region_names:
                    verdict = in_region(city, region)
                    stems = region.adjectives.get(lang, ())
                    if verdict is None or not stems:
                        continue
                    adj = stems[0]
                    text = (
                        f"Ist {name} eine {adj}e Partnerstadt?"
                        if lang == "de"
                        else f"Is {name} an {adj} partner city?"
                        if adj[0] in "AEIOU"
                        else f"Is {name} a {adj} partner city?"
                    )
                    verifies.append(("continent/adjective", text, yes_no(verdict, lang)))
                nation = facts.countries[city.country][lang]
                if lang == "de":
                    verifies.append(
                        (
                            "capital/of-country",
                            f"Ist {name} die Hauptstadt von {nation}?",
                            yes_no(city.capital, lang),
                        )
                    )
                    verifies.append(
                        (
                            "country/liegt-in",
                            f"{name} liegt in {nation}, richtig?",
                            yes_no(True, lang),
                        )
                    )
                else:
                    verifies.append(
                        (
                            "capital/of-country",
                            f"Is {name} the capital of {nation}?",
                            yes_no(city.capital, lang),
                        )
                    )
                    verifies.append(
                        ("country/lies-in", f"{name} is in {nation}, isn't it?", yes_no(True, lang))
                    )
                for person in people:
                    if not city.signers:
                        continue
                    truth = person in city.signers
                    fact = None if truth else [_surname(p) for p in city.signers]
                    sur = _surname(person)
                    if lang == "de":
                        verifies += [
                            (
                                "signer/hat",
                                f"Hat {person} die Partnerschaft mit {name} unterschrieben?",
                                yes_no(truth, lang, fact),
                            ),
                            (
                                "signer/casual",
                                f"hat {sur.lower()} die {low} partnerschaft unterschrieben",
                                yes_no(truth, lang, fact),
                            ),
                        ]
                    else:
                        verifies += [
                            (
                                "signer/did",
                                f"Did {person} sign the partnership with {name}?",
                                yes_no(truth, lang, fact),
                            ),
                            (
                                "signer/casual",
                                f"did {sur.lower()} sign the {low} partnership",
                                yes_no(truth, lang, fact),
                            ),
                        ]
                for tid, text, expect in verifies:
                    yield Case(lang, "verify", tid, "city", city.id, [Turn(text, expect)])

    # does Berlin have a partner city in <region>? and count claims
    for region in facts.regions.values():
        flt = Filter(region.id, "region", lambda c, r=region: in_region(c, r), {"de": (), "en": ()})
        sure, maybe, _ = members(cities, flt)
        if maybe and not sure:
            continue
        truth = bool(sure)
        for lang in LANGS:
            loc = region.locative.get(lang) or f"in {region.name[lang]}"
            fact = [c.name[lang] for c in sure] if sure else None
            texts = (
                [
                    ("exists/hat-berlin", f"Hat Berlin eine Partnerstadt {loc}?"),
                    ("exists/gibt-es", casual(f"gibt es partnerstädte {loc}")),
                ]
                if lang == "de"
                else [
                    ("exists/does-berlin", f"Does Berlin have a partner city {loc}?"),
                    ("exists/any", casual(f"any twin cities {loc}?")),
                ]
            )
            for tid, text in texts:
                yield Case(
                    lang,
                    "verify",
                    tid,
                    f"region:{region.id}",
                    "exists",
                    [Turn(text, yes_no(truth, lang, fact))],
                )
            if not maybe and sure:
                for claimed in sorted({len(sure), len(sure) + 1, max(len(sure) - 1, 1)}):
                    right = claimed == len(sure)
                    text = (
                        f"Hat Berlin {claimed} Partnerstädte {loc}?"
                        if lang == "de"
                        else f"Does Berlin have {claimed} partner cities {loc}?"
                    )
                    if claimed == 1:
                        text = (
                            f"Hat Berlin nur eine Partnerstadt {loc}?"
                            if lang == "de"
                            else f"Does Berlin have only one partner city {loc}?"
                        )
                    yield Case(
                        lang,
                        "verify",
                        "count-claim",
                        f"region:{region.id}",
                        "claim",
                        [Turn(text, yes_no(right, lang, None if right else [str(len(sure))]))],
                    )
        # are all partner cities capitals?
    for lang in LANGS:
        all_capitals = all(c.capital for c in cities)
        text = (
            "Sind alle Partnerstädte Berlins Hauptstädte?"
            if lang == "de"
            else "Are all of Berlin's partner cities capitals?"
        )
        yield Case(
            lang,
            "verify",
            "all-capitals",
            "capital",
            "claim",
            [Turn(text, yes_no(all_capitals, lang))],
        )

    # comparisons and "the oldest?" claims over pairs of cities
    oldest = extreme(list(cities), "oldest")
    newest = extreme(list(cities), "newest")
    for lang in LANGS:
        for other in facts.others:
            name = other[lang]
            text_yes_no = (
                [
                    ("partner/ist", f"Ist {name} eine Partnerstadt Berlins?"),
                    ("partner/casual", f"ist {name.lower()} eine partnerstadt"),
                ]
                if lang == "de"
                else [
                    ("partner/is", f"Is {name} one of Berlin's twin cities?"),
                    ("partner/casual", f"is {name.lower()} a partner city"),
                ]
            )
            for tid, text in text_yes_no:
                yield Case(
                    lang,
                    "verify",
                    f"not-partner/{tid}",
                    "other-city",
                    name,
                    [Turn(text, yes_no(False, lang))],
                )
        for city in cities:
            name = city.name[lang]
            for which, best in (("oldest", oldest), ("newest", newest)):
                if best is None:
                    continue
                truth = city is best
                fact = None if truth else [best.name[lang]]
                word = {
                    "de": {"oldest": "älteste", "newest": "neueste"},
                    "en": {"oldest": "oldest", "newest": "newest"},
                }[lang][which]
                if lang == "de":
                    text = f"Ist {name} die {word} Partnerstadt Berlins?"
                    casual_text = f"{name.lower()} ist die {word} partnerstadt oder"
                else:
                    text = f"Is {name} Berlin's {word} partner city?"
                    casual_text = f"{name.lower()} is the {word} twin city right"
                yield Case(
                    lang,
                    "verify",
                    f"rank/{which}",
                    "city",
                    city.id,
                    [Turn(text, yes_no(truth, lang, fact))],
                )
                yield Case(
                    lang,
                    "verify",
                    f"rank/{which}-casual",
                    "city",
                    city.id,
                    [Turn(casual_text, yes_no(truth, lang, fact))],
                )
            if oldest is not None:
                truth = city is oldest
                text = (
                    f"Ist {name} älter als alle anderen?"
                    if lang == "de"
                    else f"Is {name} older than all the others?"
                )
                yield Case(
                    lang,
                    "verify",
                    "rank/older-than-all",
                    "city",
                    city.id,
                    [Turn(text, yes_no(truth, lang, None if truth else [oldest.name[lang]]))],
                )
        for i, a in enumerate(cities):
            for b in cities[i + 1 :]:
                winner = older(a, b)
                if winner is None:
                    continue
                loser = b if winner is a else a
                x, y = a.name[lang], b.name[lang]
                if lang == "de":
                    asks = [
                        ("which-older", f"Welche ist älter, {x} oder {y}?", "older"),
                        (
                            "casual",
                            f"{x.lower()} oder {y.lower()} welche partnerschaft ist älter",
                            "older",
                        ),
                        ("which-first", f"Was kam zuerst, {x} oder {y}?", "older"),
                        ("which-newer", f"Welche Partnerschaft ist jünger: {x} oder {y}?", "newer"),
                        ("is-older", f"Ist {x} älter als {y}?", "claim"),
                        ("länger", f"Wer ist länger Partnerstadt, {x} oder {y}?", "older"),
                        ("vs", casual(f"{x} vs. {y}: welche partnerschaft ist älter?"), "older"),
                        ("früher", f"Kam {x} früher dazu als {y}?", "claim"),
                        ("vor", f"Kam {x} vor {y}?", "claim"),
                        (
                            "besteht-länger",
                            f"Welche Partnerschaft besteht länger: {x} oder {y}?",
                            "older",
                        ),
                    ]
                else:
                    asks = [
                        ("which-older", f"Which is older, {x} or {y}?", "older"),
                        (
                            "casual",
                            f"{x.lower()} or {y.lower()} which partnership is older",
                            "older",
                        ),
                        ("which-first", f"Which came first, {x} or {y}?", "older"),
                        ("which-newer", f"Which partnership is more recent: {x} or {y}?", "newer"),
                        ("is-older", f"Is the {x} partnership older than the {y} one?", "claim"),
                        ("longer", f"Which has been a partner longer, {x} or {y}?", "older"),
                        ("vs", casual(f"{x} vs {y} - which one is older?"), "older"),
                        ("earlier", f"Did {x} join earlier than {y}?", "claim"),
                        ("who-first", f"Who joined first, {x} or {y}?", "older"),
                        ("before", f"{x} before {y}?", "claim"),
                    ]
                for tid, text, kind in asks:
                    if kind == "older":
                        expect: Expect = {"first": [winner.name[lang]]}
                    elif kind == "newer":
                        expect = {"first": [loser.name[lang]]}
                    else:
                        expect = yes_no(winner is a, lang)
                    yield Case(lang, "compare", tid, "pair", f"{a.id}/{b.id}", [Turn(text, expect)])


def generate(facts: Facts) -> list[Case]:
    """Every case, in a stable order."""
    return list(filter_cases(facts)) + list(city_cases(facts))


# ---------------------------------------------------------------- running and reporting


def _group_table(
    title: str, rows: collections.Counter[Any], totals: collections.Counter[Any]
) -> list[str]:
    lines = [f"## Failures by {title}", "", "| group | failed | of |", "|---|---:|---:|"]
    for key, n in sorted(rows.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        label = " · ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        lines.append(f"| {label} | {n} | {totals[key]} |")
    return lines + [""]


def report(cases: list[Case], results: list[Any], command: str) -> tuple[str, list[int]]:
    """The Markdown report and the indexes of failed cases."""
    by: dict[str, tuple[collections.Counter[Any], collections.Counter[Any]]] = {
        k: (collections.Counter(), collections.Counter())
        for k in ("operation", "operation and template", "filter", "filter form")
    }
    failed = []
    for i, (case, result) in enumerate(zip(cases, results, strict=True)):
        keys = {
            "operation": (case.lang, case.op),
            "operation and template": (case.lang, case.op, case.template),
            "filter": (case.op, case.filter),
            "filter form": (case.lang, case.form),
        }
        for name, key in keys.items():
            by[name][1][key] += 1
            if not result.passed:
                by[name][0][key] += 1
        if not result.passed:
            failed.append(i)
    total = len(cases)
    lines = [
        "# Query sweep",
        "",
        f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC} with `{command}`.",
        "",
        f"Failed {len(failed)} of {total} conversations "
        f"({100 * len(failed) / max(total, 1):.1f} %).",
        "",
    ]
    for lang in LANGS:
        n = sum(1 for c in cases if c.lang == lang)
        f = sum(1 for i in failed if cases[i].lang == lang)
        lines.append(f"- {lang}: {f} of {n} failed")
    lines.append("")
    for name, (rows, totals) in by.items():
        if rows:
            lines += _group_table(name, rows, totals)
    lines += ["## Failing conversations", ""]
    for i in failed:
        case, result = cases[i], results[i]
        lines.append(f"- {case.lang} {case.op} `{case.template}` {case.filter} ({case.form})")
        for turn, got in zip(case.turns, result.turns, strict=True):
            mark = "ok" if got.passed else "; ".join(got.failures)
            reply = got.reply.replace("\n", " ")[:220]
            lines.append(f"  - > {turn.user}  \n    {reply}  \n    *{mark}*")
    return "\n".join(lines) + "\n", failed


def failures_yaml(cases: list[Case], failed: list[int], lang: str) -> str:
    """The failed conversations of one language in the dev-set format."""
    conversations = []
    for n, i in enumerate(j for j in failed if cases[j].lang == lang):
        conv = cases[i].conversation(n + 1)
        conversations.append(
            {
                "id": conv.id,
                "category": conv.category,
                "turns": [{"user": t.user, "expect": t.expect} for t in conv.turns],
            }
        )
    return yaml.safe_dump(
        {"language": lang, "conversations": conversations}, allow_unicode=True, sort_keys=False
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server base URL")
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE, help="knowledge folder")
    parser.add_argument("--sample", type=int, default=0, help="at most this many cases (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the sample")
    parser.add_argument("--lang", choices=LANGS, help="only this language")
    parser.add_argument(
        "--op",
        help="only this operation (list, count, superlative, compare, verify, lookup, follow-up)",
    )
    parser.add_argument("--concurrency", type=int, default=6, help="conversations at a time")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument("--yaml", type=Path, help="write failing conversations here (dev format)")
    parser.add_argument("--list", action="store_true", help="print the questions, send nothing")
    args = parser.parse_args(argv)

    cases = generate(load_facts(args.knowledge))
    cases = [
        c
        for c in cases
        if (not args.lang or c.lang == args.lang) and (not args.op or c.op == args.op)
    ]
    if args.sample and args.sample < len(cases):
        cases = random.Random(args.seed).sample(cases, args.sample)
    if args.list:
        for case in cases:
            print(case.lang, case.op, case.template, "|", " / ".join(t.user for t in case.turns))
        return 0
    try:
        httpx.get(f"{args.url.rstrip('/')}/", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        print(f"No assistant at {args.url}: {exc}.", file=sys.stderr)
        return 1
    conversations = [c.conversation(i) for i, c in enumerate(cases)]
    results = asyncio.run(run_conversations(args.url, conversations, args.concurrency))
    command = "python -m scripts.query_sweep " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text, failed = report(cases, results, command)
    print(f"failed {len(failed)} of {len(cases)}")
    for lang in LANGS:
        n = sum(1 for c in cases if c.lang == lang)
        print(f"  {lang}: {sum(1 for i in failed if cases[i].lang == lang)} of {n}")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"report: {args.out}")
    if args.yaml:
        args.yaml.write_text(
            "\n".join(failures_yaml(cases, failed, lang) for lang in LANGS), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
