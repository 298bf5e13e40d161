"""Frozen records for the knowledge files: partner cities, places, offices, networks, topics."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from babel.dates import format_date

from assistant.lang import Lang

Status = Literal["active", "dormant"]

_DATE_PATTERNS: dict[Lang, str] = {"de": "d. MMMM y", "en": "d MMMM y"}


def format_day(day: dt.date, lang: Lang) -> str:
    """A date as written in running text: "5. Mai 2025" or "5 May 2025"."""
    return format_date(day, _DATE_PATTERNS[lang], locale=lang)


@dataclass(frozen=True)
class LocalText:
    """A text in German and English.

    Attributes:
        de (str): the German text.
        en (str): the English text.
    """

    de: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.de if lang == "de" else self.en


@dataclass(frozen=True)
class Since:
    """The start of a partnership: a full date, or only a year where only that is confirmed.

    Attributes:
        year (int): the year.
        month (int | None): the month, None when only the year is known.
        day (int | None): the day, None when only the year is known.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def format(self, lang: Lang) -> str:
        """The date in the visitor's language: "27. Juni 1967" or "27 June 1967"."""
        if self.month is None or self.day is None:
            return str(self.year)
        return format_day(dt.date(self.year, self.month, self.day), lang)


@dataclass(frozen=True)
class PartnerCity:
    """A partner city of the Land Berlin.

    Attributes:
        id (str): stable key, e.g. "warsaw".
        name (LocalText): the usual name in each language.
        aliases (tuple[str, ...]): further spellings visitors use.
        country (str): key of the country in `places.yml`.
        continents (tuple[str, ...]): keys of the continents (Istanbul has two).
        since (Since): when the partnership began.
        status (Status): "active" or "dormant".
        note (LocalText | None): a short remark.
        source (str): public source URL.
        as_of (dt.date): when the record was last checked.
        capital (bool): whether the city is its country's capital.
        capital_note (LocalText | None): explains the capital status where it needs explaining.
        signed_by (tuple[str, ...]): who signed the agreement, empty when no source says so.
        signed_in (LocalText | None): where it was signed.
        status_since (int | None): the year a dormant partnership became dormant.
        status_note (LocalText | None): why a partnership is dormant and what that means; said
            after the sentence that it is dormant.
    """

    id: str
    name: LocalText
    country: str
    continents: tuple[str, ...]
    since: Since
    status: Status
    source: str
    as_of: dt.date
    aliases: tuple[str, ...] = ()
    note: LocalText | None = None
    capital: bool = True
    capital_note: LocalText | None = None
    signed_by: tuple[str, ...] = ()
    signed_in: LocalText | None = None
    status_since: int | None = None
    status_note: LocalText | None = None


@dataclass(frozen=True)
class Place:
    """A continent, country or city that visitors may name.

    Attributes:
        id (str): stable key.
        kind (str): "continent", "country" or "city".
        name (LocalText): the usual name in each language.
        aliases (tuple[str, ...]): further spellings.
        countries (tuple[str, ...]): for groupings listed by country (Latin America).
        continents (tuple[str, ...]): for groupings of continents (the Americas).
        adjectives (dict[str, tuple[str, ...]]): word stems per language ("europäisch", "European").
        note (LocalText | None): a remark, e.g. why a city is wrongly called a partner.
        locative (LocalText | None): "in der Türkei" where "in" + name is wrong.
    """

    id: str
    kind: str
    name: LocalText
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    continents: tuple[str, ...] = ()
    adjectives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: LocalText | None = None
    locative: LocalText | None = None

    def where(self, lang: Lang) -> str:
        """ "in Asien", "in der Türkei", "in the United States"."""
        if self.locative:
            return self.locative(lang)
        return f"in {self.name(lang)}"


@dataclass(frozen=True)
class Department:
    """Department II of the Senate Chancellery.

    Attributes:
        name (LocalText): the full name ("Abteilung II – Protokoll und Internationales").
        short_name (LocalText): the name in running text ("Abteilung II").
        summary (LocalText): what the department does.
        source (str): public source URL.
        as_of (dt.date): when the record was last checked.
    """

    name: LocalText
    short_name: LocalText
    summary: LocalText
    source: str
    as_of: dt.date


@dataclass(frozen=True)
class Unit:
    """A unit (Referat) of Department II: "II A" or "II B".

    Attributes:
        id (str): the unit's code, as visitors and staff write it ("II A").
        name (LocalText): the full name ("Referat II A – Protokoll").
        short_name (LocalText): what the unit is called after its code ("Protokoll"), as in
            "II A (Protokoll)" and on the buttons that choose a unit.
        tasks (LocalText): what the unit is responsible for.
        source (str): public source URL.
        as_of (dt.date): when the record was last checked.
    """

    id: str
    name: LocalText
    short_name: LocalText
    tasks: LocalText
    source: str
    as_of: dt.date


@dataclass(frozen=True)
class Contact:
    """Public, institutional contact data. There is deliberately no e-mail field.

    Attributes:
        organisation (LocalText): the official name, as on a letter.
        short_name (LocalText): the organisation in running text ("Senatskanzlei").
        address (str): the postal address.
        building (LocalText): the building of the visitors' entrance ("Rotes Rathaus").
        visitor_entrance (str): the address of the visitors' entrance.
        phone (str): the switchboard.
        fax (str): the fax number.
        web (LocalText): the web page in each language.
        source (str): public source URL.
        as_of (dt.date): when the record was last checked.
    """

    organisation: LocalText
    short_name: LocalText
    address: str
    building: LocalText
    visitor_entrance: str
    phone: str
    fax: str
    web: LocalText
    source: str
    as_of: dt.date


@dataclass(frozen=True)
class Network:
    """A city network Berlin takes part in."""

    id: str
    name: LocalText
    summary: LocalText
    source: str
    aliases: tuple[str, ...] = ()
    dormant: bool = False


@dataclass(frozen=True)
class Topic:
    """A service topic answered with one summary and its source (Golden Book, embassies, ...).

    Attributes:
        id (str): stable key, e.g. "golden_book".
        summary (LocalText): the answer.
        source (str): public source URL.
        unit (str | None): the responsible unit ("II A" or "II B"), if any.
        intents (tuple[str, ...]): NLU intents that ask for this topic.
        since (LocalText | None): the answer to "since when?", if known.
        verify (tuple[tuple[tuple[str, ...], str], ...]): yes/no questions the topic answers:
            word beginnings (both languages) and "yes" or "no" for a question containing one.
        facts (tuple[TopicFact, ...]): details a question can ask for one by one.
        person (str | None): the person the topic is about (the Governing Mayor), whom a
            follow-up's "he" or "she" means.
        name (LocalText | None): what the topic is called inside a sentence ("das Goldene
            Buch"); the topics with a name are the examples the assistant gives when asked
            what it can do.
    """

    id: str
    summary: LocalText
    source: str
    unit: str | None = None
    intents: tuple[str, ...] = ()
    since: LocalText | None = None
    verify: tuple[tuple[tuple[str, ...], str], ...] = ()
    facts: tuple[TopicFact, ...] = ()
    person: str | None = None
    name: LocalText | None = None

    def verify_answer(self, question: str) -> str | None:
        """ "yes" or "no" for a yes/no question about this topic, if the knowledge says."""
        text = _words_of(question)
        for beginnings, answer in self.verify:
            if any(_begins_a_word(b, text) for b in beginnings):
                return answer
        return None

    def verify_cues(self, text: str) -> list[str]:
        """The word beginnings of this topic's yes/no rules that occur in `text`."""
        words = _words_of(text)
        return [b for beginnings, _ in self.verify for b in beginnings if _begins_a_word(b, words)]

    def fact_for(self, question: str) -> TopicFact | None:
        """The single fact a question asks for ("where is it on display?"), if one matches.

        The fact with the most of its word beginnings in the question wins; the first listed
        wins a tie. None when no fact's words occur: then the summary answers.
        """
        text = _words_of(question)
        best: tuple[int, TopicFact] | None = None
        for fact in self.facts:
            score = sum(1 for b in fact.words if _begins_a_word(b, text))
            if score and (best is None or score > best[0]):
                best = (score, fact)
        return best[1] if best else None


@dataclass(frozen=True)
class TopicFact:
    """One fact of a topic, given when a question asks for it.

    Attributes:
        words (tuple[str, ...]): word beginnings (both languages) of questions that ask for it.
        text (LocalText): the fact, said as a direct answer.
    """

    words: tuple[str, ...]
    text: LocalText


def _words_of(question: str) -> str:
    # "Baende" and "Bände" alike: umlauts typed as ae, oe, ue (on both the cue and the text).
    words = " ".join(w.casefold() for w in re.findall(r"[^\W\d_]+|\d+", question))
    words = words.translate(_UMLAUTS)
    return words.replace("ae", "a").replace("oe", "o").replace("ue", "u")


_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


def _begins_a_word(beginning: str, text: str) -> bool:
    # The cue is split into words like the text is ("the Land's" -> "the land s").
    cue = _words_of(beginning) or beginning.casefold()
    return re.search(r"(?<!\w)" + re.escape(cue), text) is not None


@dataclass(frozen=True)
class Route:
    """Which unit handles a kind of request, found by word beginnings in the visitor's text.

    Attributes:
        id (str): stable key, e.g. "honour".
        unit (str): "II A" or "II B".
        words (dict[str, tuple[str, ...]]): lower-case word beginnings per language.
        reason (LocalText): why this unit is the right one.
        only_when_asked (bool): the words are common; route only a "who is responsible?".
        first (bool): wins over routes without it when both match: who asks decides ("our
            embassy would like to invite ..." goes to the unit for embassies, not for visits).
        unless (dict[str, tuple[str, ...]]): word beginnings per language that show the words
            mean something else ("a school class wants to visit the Rotes Rathaus" is a tour,
            not an international visit).
        covers (tuple[str, ...]): ids of routes whose need is part of this one when a message
            tells of it first ("my grandmother had to flee in 1938. can she be invited for a
            visit?" is the Emigrant Programme, not an official visit).
    """

    id: str
    unit: str
    words: dict[str, tuple[str, ...]]
    reason: LocalText
    only_when_asked: bool = False
    first: bool = False
    unless: dict[str, tuple[str, ...]] = field(default_factory=dict)
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartnerCityOverview:
    """Facts about the partner cities as a whole."""

    as_of: dt.date
    count_note: LocalText
    districts_note: LocalText
    status_text: dict[str, LocalText]
    status_label: dict[str, LocalText]
    source: str
    cities: tuple[PartnerCity, ...] = field(default=())
