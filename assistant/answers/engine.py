"""Answers structured queries from the knowledge files, keeping the conversation's context.

`answer` takes the queries of one message (`assistant.answers.query`), the context left by the
previous message and the reply language, and returns one `Reply` per question plus the new
context. A reply is a list of sentence templates with their values: the wording lives in
`domain.yml` (responses named `a_*`, `crit_*`), the facts come from `Knowledge`. The direct
answer always comes first, the supporting facts after it, the source last.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answers.query import Query
from assistant.knowledge import Knowledge, PartnerCity, Place
from assistant.knowledge.names import normalise_name
from assistant.lang import Lang, named_language

# Intents whose answer is a fixed response of domain.yml, not a query over the knowledge.
CHITCHAT = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_bot_challenge",
    "ask_capabilities": "utter_capabilities",
}
# Intents about partner cities: their questions are queries even without cue words.
PARTNER_INTENTS = {
    "list_partner_cities": "list",
    "count_partner_cities": "count",
    "ask_partner_city": "lookup",
    "ask_partner_since": "lookup",
    "ask_is_partner": "verify",
    "ask_oldest_partner": "superlative",
    "ask_newest_partner": "superlative",
    "ask_partners_by_region": "list",
}
_SUPERLATIVE_INTENTS = {"ask_oldest_partner": "oldest", "ask_newest_partner": "newest"}
ROUTE_INTENTS = {"route_protocol": "protocol", "route_international": "international"}
# The route (organisation.yml) of questions about one partner city's unit.
PARTNER_CITY_ROUTE = "partner_city"
# Attributes that ask for a fact of a named city even in a message about a need.
# Facts asked of "the African partner city": answered for the one city a filter describes.
_DESCRIBED_ATTRIBUTES = ("since", "country", "continent", "signers")
CITY_FACT_ATTRIBUTES = ("signers", "country", "continent", "capital", "status")
FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope", None}
# Topics that are other authorities' business (services.yml): visas, passports, permits.
ELSEWHERE_TOPICS = ("admin_services", "visas")
# Beginnings of words in a question about networks that describe none of them: asking words
# and what every network does ("arbeitet mit", "takes part", "member").
_NOT_DESCRIBING = (
    "welch",
    "which",
    "where",
    "there",
    "about",
    "netzw",
    "network",
    "arbeit",
    "mitarb",
    "work",
    "beteilig",
    "take",
    "part",
    "member",
    "mitglied",
    "gehor",
    "belong",
    "berlin",
)
# Below this, a greeting or a thank-you that follows a topic is more likely a follow-up.
CHITCHAT_CONFIDENCE = 0.6
# From this confidence on, an out-of-scope message that refers back to nothing is not a
# follow-up of the topic before it.
_OUT_OF_SCOPE_CONFIDENCE = 0.8
# A message that only acknowledges ("ok", "alles klar", "great, thanks!").
_THANKS = re.compile(r"\b(?:danke|dank|thanks?|thank you|thx|merci|cheers)\b", re.IGNORECASE)
_ACKNOWLEDGEMENT = re.compile(
    r"\s*(?:(?:ok(?:ay)?|k|alles klar|klar|alright|all right|great|super|prima|perfekt|perfect|"
    r"cool|gut|sehr gut|good|fine|schön|nice|wow|aha|ah|oh|ach so|i see|got it|verstehe|"
    r"verstanden|understood|interessant|interesting|danke(?: schön| sehr)?|vielen dank|"
    r"thanks?(?: a lot| so much)?|thank you(?: very much)?|thx|merci|cheers)[\s,.!]*)+",
    re.IGNORECASE,
)
MAX_CONTEXT_CITIES = 4
# A person the visitor told of before ("can she sign?", "darf er sich eintragen?"); the German
# "sie" only in lower case, as "Sie" is the visitor.
_THIRD_PERSON = re.compile(
    r"\b(?:(?i:she|he|her|him|they|them|er|ihm|ihn|ihr))\b|(?<=\w )sie\b|^sie\b"
)
# A yes/no rule's cue about the visitor ("can I", "darf ich"), not about someone else.
_FIRST_PERSON = re.compile(r"\b(?:i|ich|mich|myself|me|mir)\b", re.IGNORECASE)
# An abbreviation in a question ("USE", "U20", "C40").
_ABBREVIATION = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")
# A question about the languages the assistant speaks, naming another one or none.
_OTHER_LANGUAGE_NAME = (
    r"(?:französisch|franzoesisch|french|spanisch|spanish|türkisch|tuerkisch|turkish|polnisch|"
    r"polish|russisch|russian|ukrainisch|ukrainian|arabisch|arabic|italienisch|italian|"
    r"chinesisch|chinese|japanisch|japanese|portugiesisch|portuguese|niederländisch|dutch|"
    r"persisch|farsi|persian|hebräisch|hebrew|vietnamesisch|vietnamese)"
)
_LANGUAGES_ASKED = re.compile(
    rf"\b(?:sprechen|sprichst|spricht|verstehen|verstehst|schreiben|antworten|speak|"
    rf"understand|write|answer|reply)\b(?:\s+\w+){{0,3}}\s+(?:auf\s+|in\s+)?"
    rf"{_OTHER_LANGUAGE_NAME}\b"
    r"|\b(?:welche|wie viele|which|what|how many)\s+sprachen?\b"
    r"|\b(?:which|what|how many)\s+languages?\b",
    re.IGNORECASE,
)


@dataclass
class Part:
    """One sentence (or block) of a reply: a template of domain.yml and its values."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)


class InWords(int):
    """A count that running text writes as a word ("zwei Referate"): the template
    `w_number_<count>` of domain.yml, or digits where there is none."""


@dataclass
class Choice:
    """A button of a reply: its title (a template and its values) and the payload it sends."""

    title: Part
    payload: str


@dataclass
class Reply:
    """One answer: its parts in order, the source to cite, and buttons: those of a response
    (`buttons`, its name) or built from the knowledge (`choices`)."""

    parts: list[Part] = field(default_factory=list)
    source: str | None = None
    buttons: str | None = None
    kind: str = "answer"
    choices: list[Choice] = field(default_factory=list)

    def add(self, template: str, **values: Any) -> Reply:
        self.parts.append(Part(template, values))
        return self


@dataclass
class Context:
    """What the conversation is about, for follow-ups (kept in the `context` slot).

    Attributes:
        subject (dict | None): {"kind": "city"|"topic"|"route"|"network"|"place", "id": ...}.
        cities (list[str]): partner cities named lately, oldest first ("which of them").
        results (list[str] | None): the partner cities of the last list.
        query (dict | None): the last knowledge query, for "and Warsaw?" and "how many are those?".
        someone (list[str]): who the person the visitor told of lately is, as the cue words of
            the topics' yes/no rules ("mayor", "novelist"), for "can she sign the Golden Book?".
    """

    subject: dict[str, str] | None = None
    cities: list[str] = field(default_factory=list)
    results: list[str] | None = None
    query: dict[str, Any] | None = None
    someone: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "cities": self.cities,
            "results": self.results,
            "query": self.query,
            "someone": self.someone,
        }

    @classmethod
    def from_dict(cls, data: object) -> Context:
        if not isinstance(data, dict):
            return cls()
        raw_cities, raw_results = data.get("cities"), data.get("results")
        cities = [str(c) for c in raw_cities] if isinstance(raw_cities, list) else []
        results = [str(c) for c in raw_results] if isinstance(raw_results, list) else None
        subject = data.get("subject") if isinstance(data.get("subject"), dict) else None
        query = data.get("query") if isinstance(data.get("query"), dict) else None
        raw_someone = data.get("someone")
        someone = [str(w) for w in raw_someone] if isinstance(raw_someone, list) else []
        return cls(subject=subject, cities=cities, results=results, query=query, someone=someone)

    def mention(self, *city_ids: str) -> None:
        for city_id in city_ids:
            if city_id in self.cities:
                self.cities.remove(city_id)
            self.cities.append(city_id)
        del self.cities[:-MAX_CONTEXT_CITIES]


class Answerer:
    """Answers the queries of one message in one language.

    Args:
        knowledge (Knowledge): the facts.
        lang (Lang): the reply language.
        context (Context): what the conversation was about before this message.
    """

    def __init__(self, knowledge: Knowledge, lang: Lang, context: Context) -> None:
        self.k = knowledge
        self.lang = lang
        self.context = context
        self._several = False  # the message asks more than one question
        self._card_given = False  # the contact card is in an earlier answer to this message

    # -- entry point ------------------------------------------------------------------------
    def answer(self, queries: list[Query]) -> list[Reply]:
        replies: list[Reply] = []
        self._note_someone(queries)
        if len(queries) == 1 and _stated_claim(queries[0]):
            # "kiew ist seit 2022 partnerstadt, das weiss ich noch": a date stated, not asked,
            # is checked as a claim ("Nein: ... seit 14. September 2023").
            q = queries[0]
            year = int((q.year or {})["year"])
            queries = [replace(q, op="verify", yes_no=True, claim_year=year, year=None)]
        # ("... for an official visit. who organises the programme": typed without "?", the
        # last part still asks.)
        # ("ich fliege bald nach budapest. ist das eine partnerstadt von berlin": a yes/no
        # question typed without "?" asks too.)
        if len(queries) > 1 and any(
            q.text.rstrip().endswith("?")
            or q.asks
            or q.yes_no
            or q.op in ("count", "list", "superlative", "compare")
            for q in queries
        ):
            # "Our mayor plans a visit to Berlin. Whom should we contact?": the statement is
            # context for the question that follows it, not a question of its own.
            queries = _fold_statements(
                queries,
                {r.id for r in self.k.routes if r.first},
                {r.id: set(r.covers) for r in self.k.routes if r.covers},
            )
        expanded: list[Query] = []
        for query in queries:
            expanded.append(query)
            if (
                query.both_ends
                and query.superlative == "oldest"
                and not _YEARS_APART.search(query.text)
            ):
                # "oldest and newest partner city?": two answers, in that order.
                expanded.append(replace(query, superlative="newest", both_ends=False))
        self._several = len(expanded) > 1
        for earlier, query in zip([None, *expanded], expanded, strict=False):
            if (
                earlier is not None
                and earlier.op == "superlative"
                and query.op in (None, "list")
                and not (query.superlative or query.cities)
                and query.has_filters
                and len(query.text.split()) <= 5
            ):
                # "Which is the oldest partner city in Europe and which in Asia?"
                query.op, query.superlative = "superlative", earlier.superlative
            if (
                self._several
                and earlier is not None
                and earlier.topic in self.k.topics
                and not self._names_a_subject(query)
                and self.k.topics[earlier.topic].fact_for(query.text) is not None
            ):
                # "Where do I send the application and can I come with him?": the second
                # question is about the first one's topic.
                query.topic = earlier.topic
            if self._several and earlier is not None and self._says_nothing(query):
                continue  # "... capital? I read something about Nusantara."
            if (
                earlier is not None
                and query.op == "superlative"
                and not (query.has_filters or query.cities)
                and earlier.has_filters
                # "Welche Partnerschaft ruht, und welche ist die jüngste?": of one city there
                # is no newest; the question is about all of them.
                and len(self._filtered(earlier)[0]) >= 2
            ):
                # "How many Asian partner cities are there, and which is the oldest?"
                query.regions, query.year = earlier.regions, earlier.year
                query.status, query.capital = earlier.status, earlier.capital
            if query.condition and replies and (query.condition == "yes") == _corrects(replies[-1]):
                continue  # "Ist Amsterdam Partnerstadt, und falls ja, seit wann?" - it is not
            if (
                earlier is not None
                and earlier.cities
                and (query.back_reference or query.partner_words)
                and query.attribute
                and not query.route
                and not (_names_a_place(query) or query.condition or query.topic or query.network)
            ):
                # "... an exchange with Buenos Aires. Who supports such projects, and when did
                # that partnership start?": the city of the message, not of the answer before
                query.cities = list(earlier.cities)
            if query.condition and earlier is not None and not _names_a_place(query):
                # "Is Moscow still active? If not, since when is it dormant?": the same city
                query.cities, query.others = list(earlier.cities), list(earlier.others)
                query.status = None if query.cities else query.status
            reply = self.answer_one(query)
            if query.intent == PREMISE and not _corrects(reply):
                continue  # a premise that holds needs no answer of its own
            if reply is not None and replies:
                reply = _without_repeats(reply, replies)
            # "Our mayor wants to visit. Who do we write to?" is one need: answer it once.
            # "Is Berlin in Metropolis, and since when?": the second answer was in the first;
            # "who signed for Kyiv, and since when?": its date was said, the rest is new.
            repeated = False
            if reply is not None and replies:
                said = replies[-1].parts
                new = [p for p in reply.parts if not (p.values and p in said)]
                repeated = not any(p.values for p in new)
                if not repeated and any(p.values for p in reply.parts if p not in new):
                    reply.parts = new
            if (
                reply is not None
                and reply.kind == "dont_know"
                and self._several
                and not (query.text.rstrip().endswith("?") or query.asks or query.yes_no)
                and query.op in (None, "lookup")
            ):
                # "I am from Poland, sorry my German is bad. Is Warsaw a partner city?": a
                # statement beside a question asks nothing of its own.
                continue
            if reply is not None and not repeated:
                if replies and replies[-1].source == reply.source:
                    replies[-1].source = None  # cited once, under the last answer that uses it
                replies.append(reply)
        # "Who handles the Golden Book? Bitte auf Englisch.": the switch is said first.
        replies.sort(key=lambda r: r.kind != "switch")
        if any(r.kind != "chitchat" for r in replies):
            # "Hallo! Ich bin aus Österreich. Ist Wien Partnerstadt?": the answer, without a
            # greeting before it (or a goodbye for a sentence the classifier misread).
            replies = [r for r in replies if not _small_talk(r)]
        if not replies and expanded:  # only fragments ("hm? ok?"): answer as one message
            self._several = False
            reply = self.answer_one(expanded[0])
            replies = [reply] if reply is not None else []
        return replies

    def _note_someone(self, queries: list[Query]) -> None:
        """Keep who a message says a person is ("The mayor of Paris is coming next week")."""
        cues = [
            cue
            for q in queries
            for topic in self.k.topics.values()
            for cue in topic.verify_cues(q.text)
            if not _FIRST_PERSON.search(cue)
        ]
        if cues:
            self.context.someone = list(dict.fromkeys(cues))

    def answer_one(self, q: Query) -> Reply | None:
        if self._several and self._is_fragment(q):
            return None  # "both please" beside the real question
        intent = q.intent
        if intent == "switch_language" and q.confidence < 0.5 and not named_language(q.text):
            q.intent = intent = None  # an unsure guess without a language named
        if intent == "switch_language":
            # "Please reply in German, is Vienna a partner city?": the language changed in the
            # NLU pipeline; the question is what needs an answer. ("Could you answer in
            # German?" is a yes/no question only in form.)
            if not (self._names_a_subject(q) or q.attribute or q.op not in (None, "verify")):
                # "und auf Deutsch?", "sorry, my German is bad": the last answer again, too.
                # A request alone ("Auf Englisch bitte.") after an answer asks for it again in
                # the new language, as a person at the front desk would understand it; a menu
                # command ("/language en") only changes the setting.
                typed = not q.text.startswith("/")
                if self.context.query and typed and not self._several:
                    # "now the same answer in German please": the last question again.
                    previous = Query.from_dict(self.context.query)
                    again = self.answer_one(previous) if previous.intent != intent else None
                    if again is not None:
                        again.parts.insert(0, Part("utter_language_switched"))
                        return again
                return Reply(kind="switch").add("utter_language_switched")
            q.intent = intent = None
        if _LANGUAGES_ASKED.search(q.text):
            # "Sprechen Sie auch Spanisch?", "Which languages do you speak?": the two it answers in
            return Reply(kind="other_language").add(
                "a_other_language", web_en=self.k.contact.web("en")
            )
        if not self._several and _ACKNOWLEDGEMENT.fullmatch(q.text):
            # "ok", "okay danke", "alles klar" after an answer: no follow-up question (it was
            # taken for one and the answer repeated) and no goodbye.
            thanked = _THANKS.search(q.text)
            return Reply(kind="chitchat").add("utter_thank" if thanked else "utter_acknowledged")
        complement = self._complement_follow_up(q)
        if complement is not None:
            # "Wie viele sind Hauptstädte?" - "Und welche sind keine?": the others
            return self.partner_question(complement)
        chitchat = CHITCHAT.get(intent or "")
        if chitchat and self._names_from_subject(q):
            # "and what is USE?" after Metropolis: a name from the answer just given
            chitchat = None
        if chitchat and q.confidence >= CHITCHAT_CONFIDENCE and not self._is_knowledge_question(q):
            return Reply(kind="chitchat").add(chitchat)
        # "how many guests have come so far?" after the Emigrant Programme: a fact of the topic
        # in context, whatever the classifier made of the words.
        in_context = self._topic_fact_in_context(q)
        if in_context is not None:
            return self.topic(in_context, q)
        # "does it also do the Golden Book?" after a unit: whether that unit does it.
        unit_asked = (self.context.subject or {}).get("kind") == "unit" and q.yes_no
        if unit_asked and q.route_id and q.back_reference and not (q.cities or q.others):
            follow = self._follow_up_on_subject(replace(q, op="verify"))
            if follow is not None:
                return follow
        # "since when does it exist?" after the Emigrant Programme: the topic in context.
        if not self._names_a_subject(q):
            follow = self._follow_up_on_subject(q)
            if follow is not None:
                return follow
        if chitchat and not self._is_knowledge_question(q):
            return Reply(kind="chitchat").add(chitchat)
        if _EVERY_CONTINENT.search(q.text):
            return self.continents_overview(q)  # "partner cities on every continent, right?"
        ranking = _continent_ranking(q.text)
        if ranking is not None and not (q.cities or q.regions or q.superlative):
            return self.continent_ranking(q, ranking)  # "Which continent has the most?"
        if q.op == "count" and not (q.regions or q.cities) and _CONTINENTS.search(q.text):
            return self.continents_overview(q)  # "on how many continents?"
        if (
            (q.listing or q.asks)
            and not (q.regions or q.cities or q.others)
            and _CONTINENTS.search(q.text)
        ):
            return self.continents_overview(q)  # "which continents are represented?"
        if q.op == "count" and not (q.regions or q.cities) and _COUNTRIES.search(q.text):
            return self.country_count(q)  # "in how many countries?"
        if len(q.regions) >= 2 and _MORE_THAN.search(q.text) and not q.cities:
            return self.region_counts(q)  # "more partner cities in Asia than in Europe?"
        if (
            q.route
            and not (q.route_id or q.topic or q.network)
            and q.cities
            and q.attribute not in CITY_FACT_ATTRIBUTES
            and q.op != "compare"
        ):
            # "Wir sind eine Schule in Prag ... Kann das Land Berlin da vermitteln?": a need
            # with a partner city goes to the partner cities' unit.
            q.route_id = PARTNER_CITY_ROUTE
        previous_query = self.context.query or {}
        if (
            previous_query.get("op") == "superlative"
            and previous_query.get("superlative")
            and q.continuation
            and q.rank > 1
            and (q.op is None or q.ordinal)
            and not (q.cities or q.has_filters)
        ):
            # "the second oldest?" - "and the third?": the same order, with its conditions
            previous = Query.from_dict(previous_query)
            q.op, q.superlative, q.ordinal = "superlative", previous.superlative, False
            q.regions, q.year = list(previous.regions), previous.year
            q.status, q.capital = previous.status, previous.capital
        results = self.context.results or []
        if previous_query.get("op") == "count" and len(results) == 1 and _WHICH_IS_IT.match(q.text):
            # "Wie viele Partnerstädte liegen in Afrika?" - "Und welche ist das?"
            return self.city_facts(replace(q, cities=list(results)), list(results))
        if (
            previous_query.get("op") == "count"
            and len(results) >= 2
            and _WHICH_ARE_THEY.match(q.text)
        ):
            # "How many partner cities are not capitals?" - "and which are they?"
            return self.list_cities(replace(Query.from_dict(previous_query), op="list"))
        previous_year = previous_query.get("year")
        if previous_year and not q.cities and _THAT_PERIOD.search(q.text):
            # "Wie viele kamen in den 1990ern dazu?" - "welche war die letzte in dem
            # Jahrzehnt?": the period of the question before, not today's decade
            q.year = dict(previous_year)
        if self._is_partner_question(q):
            return self.partner_question(q)
        if q.route and not q.route_id and not q.topic and self._subject_city():
            # "... und wer ist dafür zuständig?" after a partner city: its unit
            return self.route(PARTNER_CITY_ROUTE, q)
        topic = self._topic_of(q)
        if topic is not None:
            return topic
        if (intent == "request_contact" and not q.route_id) or (
            q.route and not q.route_id and not q.topic
        ):
            return self.contact(q)
        if intent == "request_contact" and q.route_id:  # "an wen wende ich mich wegen ...?"
            return self.route(q.route_id, q)
        if intent in FALLBACK_INTENTS:
            follow = self._follow_up_on_subject(q)
            if follow is not None:
                return follow
            return self.dont_know(q)
        return self.dont_know(q)

    # -- what kind of question --------------------------------------------------------------
    def _names_a_subject(self, q: Query) -> bool:
        return bool(
            q.cities
            or q.others
            or q.unknown
            or q.regions
            or q.status
            or q.capital is not None
            or (q.year and (q.partner_words or q.listing))
            or q.topic
            or q.network
            or q.district
            or (q.route_id and (q.route or not q.back_reference))
            or q.partner_words
            or q.superlative
        )

    def _says_nothing(self, q: Query) -> bool:
        """A later part of a message that names nothing and asks for no fact (the classifier
        being unsure what it is)."""
        sure_intent = q.confidence >= 0.5 and q.intent not in FALLBACK_INTENTS
        return not (
            self._names_a_subject(q)
            or q.attribute
            or q.duration  # "... und wie viele Jahre ist das her?"
            or q.op in ("list", "count", "superlative", "compare")
            or q.route
            or sure_intent
        )

    def _bare_follow_up(self, q: Query) -> bool:
        """ "where?", "wann genau?": a word or two that name nothing, after a city's fact."""
        return len(q.text.split()) <= 2 and not self._names_a_subject(q) and not q.route

    def _is_fragment(self, q: Query) -> bool:
        """A few words that ask nothing of their own ("both please", "ok so")."""
        unsure = q.intent is None or q.intent in FALLBACK_INTENTS or q.confidence < 0.5
        return (
            unsure
            and len(q.text.split()) <= 3
            and not (self._names_a_subject(q) or q.attribute or q.op or q.route or q.topic)
            and not named_language(q.text)
        )

    def _need_with_a_city(self, q: Query) -> bool:
        """ "Which unit do I contact about a heat project with Tashkent?": the unit, not the city.

        An explicit "whom do I contact?" with a need, or a need stated without a question
        ("we want to start a climate partnership with Buenos Aires"), unless a fact of the city
        is asked for (who signed, the country, ...) or a yes/no question.
        """
        if q.op == "compare" and len(q.cities) >= 2 and not q.topic:
            return False  # "Windhuk, Prag oder Tel Aviv: mit wem zuerst?" - which came first
        if q.topic and q.route_id == q.topic and not q.yes_no:
            return True  # "Mexico City's mayor wants to sign the Golden Book"
        if q.route and q.route_id and q.attribute not in CITY_FACT_ATTRIBUTES:
            return True  # "A delegation from Windhoek ... Can someone at the Senate help?"
        if q.op == "verify" or q.yes_no or q.attribute in CITY_FACT_ATTRIBUTES:
            return False
        if q.route and q.route_id:
            return True
        return q.intent in ROUTE_INTENTS and q.route_id is not None and not q.asks

    def _topic_fact_in_context(self, q: Query) -> str | None:
        """The topic in context, when the question asks for one of its facts and names no other."""
        subject = self.context.subject or {}
        topic = self.k.topics.get(subject.get("id", "")) if subject.get("kind") == "topic" else None
        names_other = (
            q.cities
            or q.others
            or q.unknown
            or q.regions
            or q.network
            or q.district
            or q.partner_words
            or (q.topic and q.topic != (topic.id if topic else None))
        )
        if topic is None or names_other or q.route or topic.fact_for(q.text) is None:
            return None
        return topic.id

    def _strong_route(self, route_id: str) -> bool:
        route = next((r for r in self.k.routes if r.id == route_id), None)
        return route is not None and not route.only_when_asked

    def _is_knowledge_question(self, q: Query) -> bool:
        # "... von den Nazis vertrieben. Lädt die Stadt solche Menschen ein?" is no small talk,
        # whatever "Menschen" made the classifier think.
        strong_route = q.route_id is not None and self._strong_route(q.route_id)
        # "Thanks, bye!" stays small talk; "... she would love to come back" is not a goodbye.
        short_talk = q.intent in ("greet", "thank", "goodbye") and len(q.text.split()) <= 6
        return bool(
            q.cities
            or q.op in ("list", "count", "superlative", "compare")
            or (q.attribute and self._subject_city())  # "what continent again?"
            or (  # "where?" after "who signed it?"
                self._bare_follow_up(q)
                and self._subject_city()
                and (self.context.query or {}).get("attribute")
            )
            or q.topic
            or (strong_route and not short_talk)
            # "A website says Berlin has 17 partner cities. Still true?"
            or q.claim_count is not None
            # "war das vor 1990?" after Madrid
            or (q.op == "verify" and q.has_filters and q.back_reference and self._subject_city())
            or self._period_follow_up(q)
            or self._new_condition_follow_up(q)
        )

    def _total_follow_up(self, q: Query) -> bool:
        """ "und insgesamt?", "and in total?": a bare total after a count or a list."""
        return bool(
            _TOTAL.search(q.text)
            and len(q.text.split()) <= 4
            and not (q.has_filters or q.cities or q.topic)
            and (self.context.query or {}).get("op") in ("count", "list")
        )

    def _new_condition_follow_up(self, q: Query) -> bool:
        """ "und aus dem Jahr 1995?", "and from 1987?" after a list or a count: the same
        question with a new condition."""
        previous = self.context.query or {}
        return bool(
            not (q.cities or q.others or q.unknown)
            and q.op is None
            and q.has_filters
            and not (q.superlative or q.compare or q.yes_no or q.topic or q.network)
            and (q.continuation or len(q.text.split()) <= 4)
            and previous.get("op") in ("list", "count")
            and (q.attribute is None or self._attribute_is_filter(q))
        )

    def _contradicts_last_list(self, q: Query) -> bool:
        """Whether the query's status or capital condition is the opposite of the last list's."""
        if not self.context.query:
            return False
        last = Query.from_dict(self.context.query)
        return bool(
            (q.status and last.status and q.status != last.status)
            or (q.capital is not None and last.capital is not None and q.capital != last.capital)
        )

    def _complement_follow_up(self, q: Query) -> Query | None:
        """ "Und welche sind keine?", "which one isn't?", "and the others?" right after a list
        or a count with a condition: the same question with that condition turned round (a
        capital filter first, then the status, then the regions); the period stays."""
        previous = self.context.query or {}
        if previous.get("op") not in ("list", "count") or self.context.results is None:
            return None
        if q.cities or q.others or q.unknown or q.topic or q.network or q.district:
            return None
        if q.has_filters or q.superlative or q.compare or len(q.text.split()) > 7:
            return None
        if not _COMPLEMENT.search(q.text):
            return None
        last = Query.from_dict(previous)
        capital, status, exclude = last.capital, last.status, last.exclude_regions
        if last.capital is not None:
            capital = not last.capital
        elif last.status:
            status = "dormant" if last.status == "active" else "active"
        elif last.regions:
            exclude = not last.exclude_regions
        else:
            return None
        counts = bool(_HOW_MANY.search(q.text))
        return Query(
            text=q.text,
            intent=q.intent,
            op="count" if counts else "list",
            regions=list(last.regions),
            exclude_regions=exclude,
            year=last.year,
            status=status,
            capital=capital,
            partner_words=True,
            listing=not counts,
        )

    def _period_follow_up(self, q: Query) -> bool:
        """ "und nach 2000?" after a yes/no question about the city in context."""
        return bool(
            q.continuation
            and q.year
            and not q.cities
            and self._subject_city()
            and (self.context.query or {}).get("op") == "verify"
        )

    def _names_from_subject(self, q: Query) -> bool:
        """An abbreviation ("USE", "U20") that the topic or network in context mentions."""
        subject = self.context.subject or {}
        kind, subject_id = subject.get("kind"), subject.get("id", "")
        if kind == "network" and subject_id in self.k.networks:
            told = self.k.networks[subject_id].summary(self.lang)
        elif kind == "topic" and subject_id in self.k.topics:
            told = self.k.topics[subject_id].summary(self.lang)
        else:
            return False
        names = set(_ABBREVIATION.findall(q.text))
        return any(re.search(rf"\b{re.escape(n)}\b", told) for n in names)

    def _year_follow_up(self, q: Query) -> bool:
        """ "und 1988?" after a list or a count of one year: the same question for that year."""
        previous = self.context.query or {}
        return bool(
            q.continuation
            and q.year
            and q.op is None
            and not (q.cities or q.others or q.regions or q.topic or q.route)
            and previous.get("op") in ("list", "count")
            and previous.get("year")
        )

    def _back_to_the_signing(self, q: Query) -> bool:
        """ "where did that ceremony take place?" after "who signed for Kyiv?": the event just
        told about, not a need for the unit that organises ceremonies."""
        previous_attribute = (self.context.query or {}).get("attribute")
        return bool(
            q.back_reference
            and q.asks
            and q.route_id
            and not (q.route or q.topic or q.cities or q.others or q.attribute)
            and previous_attribute == "signers"
            and self._subject_city()
        )

    def _is_partner_question(self, q: Query) -> bool:
        if q.network and not q.cities:  # "Union of Capitals of the EU" is no capital filter
            return False
        if q.district and (q.partner_words or q.intent == "ask_district_partnerships"):
            return False
        if q.topic and q.topic not in ("networks",) and not q.cities:
            return False
        if q.topic == "networks" and not (q.cities or q.partner_words):
            return False  # "how many networks has Berlin joined since 2000?"
        if q.pick and len(self.context.cities) >= 2:
            return True
        if self._back_to_the_signing(q):
            return True
        if self._year_follow_up(q):
            return True  # "und 1988?" after "Welche Stadt ist 1987 Partnerstadt geworden?"
        if q.route and q.route_id and not (q.cities or q.others or q.unknown):
            return False
        if (
            q.route_id
            and self._strong_route(q.route_id)
            and not (q.cities or q.others or q.unknown or q.partner_words or q.listing)
            and q.intent not in PARTNER_INTENTS
            and q.op not in ("list", "count", "superlative", "compare")
        ):
            # "A former forced labourer from Ukraine would like to visit again. Is there a
            # programme?": a need; the country says where the visitor comes from.
            return False
        if q.cities or q.others or q.unknown:
            if self._need_with_a_city(q):
                return False
            return q.intent not in ROUTE_INTENTS or q.op == "verify" or q.attribute is not None
        if q.intent in PARTNER_INTENTS:
            return True
        if q.op in ("list", "count", "superlative", "compare") and (
            q.partner_words or q.has_filters or q.among or q.back_reference or q.continuation
        ):
            return True
        if q.op in ("count", "compare") and self.context.results is not None:
            return True
        if q.op == "compare" and len(self.context.cities) >= 2:
            return True
        if q.claim_count is not None:
            return True
        if q.relative in ("before", "after") and self._subject_city() and not q.route:
            return True  # "and the partnership before that one?" after a city
        if self._period_follow_up(q):
            return True  # "und nach 2000?" after "war das vor 1990?"
        if self._total_follow_up(q):
            return True  # "und insgesamt?" after a count or a list
        if self._new_condition_follow_up(q):
            return True  # "und aus dem Jahr 1995?" after a list
        if self._capital_of(q) is not None and not q.cities:
            return True  # "what is the capital of Namibia?"
        if q.capital is not None and not (q.network or q.topic or q.route):
            return True  # "european capitals", "asiatische Hauptstädte": a list of partners
        # "Und wer regiert Berlin gerade?" after a city: a topic the classifier is sure of.
        if self.k.topic_for_intent(q.intent or "") is not None and q.confidence >= 0.6:
            return False
        previous_attribute = (self.context.query or {}).get("attribute")
        follows = q.continuation or self._bare_follow_up(q)
        if follows and self._subject_city() and previous_attribute and not q.route:
            return True
        # "who signed it?", "und seit wann?": an attribute of the city in context.
        if (
            q.attribute
            and self._subject_city()
            and not (q.route and q.route_id)
            and q.intent != "request_contact"
        ):
            return True
        if q.has_filters and (q.partner_words or q.op == "verify"):
            return True
        if q.has_filters and q.among and self.context.results:
            return True  # "und davon Hauptstädte?" after a list
        return False

    # -- partner cities ---------------------------------------------------------------------
    def partner_question(self, q: Query) -> Reply:
        op = q.op or PARTNER_INTENTS.get(q.intent or "", None)
        guessed = op in ("superlative", "list", "count") and not q.superlative
        if q.op is None and q.cities and q.attribute and guessed:
            # "... zu Kyjiw. Wer hat die Partnerschaft damals unterzeichnet?": a fact of the
            # city named, whatever kind of question the classifier guessed.
            op = "lookup"
        elif (
            q.op is None
            and guessed
            and q.attribute in CITY_FACT_ATTRIBUTES
            and self._subject_city()
            and not (q.cities or q.partner_words or q.has_filters)
            and (q.back_reference or not q.listing)
        ):
            # "Seit wann ist Jakarta Partnerstadt?" - "in welchem Land liegt es?": the city's
            # country, not a list by country
            op = "lookup"
        elif q.intent in _SUPERLATIVE_INTENTS and not q.superlative:
            if q.relative is None and not (q.cities and q.op == "verify" and q.confidence < 0.5):
                # (an unsure guess is no claim that a named city is the oldest, and "the one
                # before that" asks for a neighbour)
                q.superlative = _SUPERLATIVE_INTENTS[q.intent]
        cities = list(q.cities)
        subject_city = self._subject_city()
        if (
            q.relative in ("before", "after")
            and not (cities or q.has_filters or q.superlative)
            and q.op in (None, "lookup", "relative")
            and subject_city
            and (q.back_reference or q.continuation)
        ):
            # "and the partnership before that one?": the neighbour of the city in context,
            # whatever kind of question the classifier guessed
            return self.relative(q, subject_city)
        if q.op is None and self._total_follow_up(q):
            op = q.op = "count"
            if (self.context.query or {}).get("op") == "count":
                # "wie viele in Asien?" - "und insgesamt?": all partner cities
                q.continuation = q.back_reference = q.among = False
                q.partner_words = True
        if self._year_follow_up(q):
            previous_query = self.context.query or {}
            op = q.op = previous_query["op"]
            q.listing = previous_query.get("listing", False)
            q.partner_words = True
        if q.op is None and not cities and self._period_follow_up(q):
            op = q.op = "verify"  # "war das vor 1990?" - "und nach 2000?": the same kind of claim
            q.yes_no = True
        signer = self._signer_named(q) if not cities else None
        if signer and (op in ("count", "list", None) or q.listing):
            return self.signed_by(q, signer)  # "Which partnerships has Kai Wegner signed?"
        excluded = self._excluded(q)
        same_year = self.k.partner(
            (cities[0] if len(cities) == 1 else self._subject_city() if not cities else "") or ""
        )
        if (
            same_year is not None
            and not q.year
            and _SAME_YEAR.search(q.text)
            and (op in ("count", "list") or q.listing)
        ):
            # "which partner cities joined in the same year as Tokyo?", "how many other
            # partner cities joined that year?" (after Tokyo): that year, without Tokyo
            q.year = {"op": "in", "year": same_year.since.year}
            q.cities = []
            return self.count_excluding(q, [same_year.id])
        if (
            excluded
            and op != "superlative"
            and (op in ("count", "list") or q.listing or q.has_filters)
        ):
            # "How many partner cities are there, not counting Moscow?"
            return self.count_excluding(q, excluded)
        if len(cities) == 2 and _YEARS_APART.search(q.text):
            return self.years_apart(q, cities)  # "how many years between LA and Tel Aviv?"
        subject = self._subject_city()
        if _YEARS_APART.search(q.text) and not q.yes_no:
            if len(cities) == 1 and subject not in (None, cities[0]) and q.back_reference:
                # "and how many years after London did that come?" after Kyiv
                return self.years_apart(q, [subject or "", cities[0]])
            if (
                not cities
                and len(self.context.cities) >= 2
                and (q.back_reference or q.continuation or _BETWEEN_THEM.search(q.text))
                and not (q.both_ends or q.has_filters or q.superlative)
            ):
                # "Buenos Aires and Mexico City?" - "how many years apart are they?"
                return self.years_apart(q, self.context.cities[-2:])
            if not cities and q.both_ends:
                # "Wie viele Jahre liegen zwischen der ersten und der neuesten Partnerschaft?"
                ordered = list(self.k.partner_cities)
                return self.years_apart(q, [ordered[0].id, ordered[-1].id])
        if len(cities) == 2 and _BETWEEN.search(q.text) and not q.yes_no:
            return self.between(q, cities)  # "which partner city joined between Prague and London?"
        previous = Query.from_dict(self.context.query or {})
        if q.pick and not cities and len(self.context.cities) >= 2:
            # "seit wann ist die letztere Partnerstadt?"
            cities = [self.context.cities[-1] if q.pick == "latter" else self.context.cities[-2]]
        # "since when is it dormant?": a status word about the city in context, not a list.
        if (
            op == "list"
            and not q.listing
            and (q.back_reference or q.continuation)
            and self._subject_city()
            and not (q.regions or q.year or q.capital is not None)
        ):
            op = q.op = "lookup"
            if q.status and not q.attribute:
                q.attribute = "status"
            q.status = None
        # "und wo?" after "wer hat unterschrieben?": the same question about the same city.
        follows = q.continuation or self._bare_follow_up(q) or self._back_to_the_signing(q)
        # "Wie viele der europäischen sind Hauptstädte?" - "und in Asien?": a new condition
        # for the same count, not the fact "capital" of something.
        new_condition = not cities and self._new_condition_follow_up(q)
        if not cities and not q.attribute and follows and previous.attribute and not new_condition:
            q.attribute = previous.attribute
        if new_condition:
            # "und aus dem Jahr 1995?", "and from 1987?" after a list: the same question with
            # the new condition; the list's other conditions stay
            q.regions = q.regions or previous.regions
            q.year = q.year or previous.year
            q.status = q.status or previous.status
            q.capital = previous.capital if q.capital is None else q.capital
            q.attribute, q.continuation = None, False  # replaced, not within the last list
            op = q.op = previous.op
        # "and Warsaw?": the new city, the previous question.
        if (
            cities
            and not q.attribute
            and op in (None, "lookup")
            and (q.continuation or len(q.text.split()) <= 4)
        ):
            if previous.op == "verify" and (
                previous.claim_year or previous.regions or previous.capital is not None
            ):
                # "Beijing has been a partner since 1994?" - "and Jakarta too?": the same claim
                q.claim_year, q.regions, q.capital = (
                    previous.claim_year,
                    previous.regions,
                    previous.capital,
                )
                q.attribute, q.yes_no = previous.attribute, True
                op = q.op = "verify"
            elif previous.attribute and previous.op in ("lookup", "verify"):
                q.attribute = previous.attribute
                op = previous.op if previous.op == "lookup" else "lookup"
        if op == "verify" and q.claim_count is not None and not cities:
            return self.verify_count(q)
        described_only = q.has_filters or (
            q.listing and not (q.among or q.back_reference) and len(self.context.cities) < 2
        )
        if op == "compare" and not cities and described_only and not q.yes_no:
            # "Welche der Partnerschaften in Nordamerika ist jünger?": of those the filter
            # describes, the older or newer (of more than two, the oldest or newest);
            # "Welche Partnerschaft wurde zuerst unterzeichnet?": of all of them
            described = self._filtered(q)[0]
            if len(described) == 2:
                return self.compare(q, [c.id for c in described])
            if len(described) > 2:
                q.superlative = "newest" if q.compare == "newer" else "oldest"
                return self.superlative(q)
        if op == "compare" and len(cities) < 2:
            cities = self._cities_in_context(cities)
        capital_of = self._capital_of(q) if not cities and op in (None, "lookup") else None
        if capital_of is not None:
            # "what is the capital of Namibia?": the partner city there says
            reply = Reply(kind="city", source=capital_of.source)
            v = self._values(capital_of)
            if capital_of.capital or not capital_of.capital_note:
                reply.add("a_city_capital_yes" if capital_of.capital else "a_city_capital_no", **v)
            else:  # "Istanbul is not Türkiye's capital; that is Ankara."
                reply.add("a_text", text=capital_of.capital_note(self.lang))
            self._remember(q, {"kind": "city", "id": capital_of.id}, [capital_of.id])
            return reply
        if not cities and not q.others and not q.unknown and op in (None, "lookup", "verify"):
            about_subject = self._subject_city() and (
                q.back_reference or not (q.partner_words or q.listing)
            )
            if q.partner_words and q.has_filters and _OTHER_THAN.search(q.text):
                about_subject = False  # "are there other partner cities in the Americas?"
            if op == "verify" and q.has_filters and not about_subject:
                return self.list_cities(q, verify=True)
            from_context = self._subject_city()
            # "I read something about Nusantara." after Jakarta claims nothing about Jakarta.
            claims = op == "verify" and bool(
                q.attribute or q.has_filters or q.claim_ended or q.year or q.superlative
            )
            if from_context and (q.attribute or q.back_reference or q.continuation or claims):
                cities = [from_context]
                if op == "verify" and q.year and q.year["op"] in ("in", "from"):
                    # "so it started in 1984?" after Tokyo: a claim about its year
                    q.claim_year, q.year = int(q.year["year"]), None
            elif op is None and q.has_filters:
                return self.list_cities(q)
            elif op is None and q.intent in ("list_partner_cities", "ask_partners_by_region"):
                return self.list_cities(q)
            elif not from_context and q.intent not in PARTNER_INTENTS:
                return self.dont_know(q)
        if q.relative == "either" and cities and self._subject_city() not in (None, cities[0]):
            return self.before_or_after(q, self._subject_city() or "", cities[0])
        if op == "relative" and cities and q.compare and q.listing:
            # "Which partnerships are older than the one with Prague?": all of them
            return self._count_relative(q, cities[0])
        if op == "relative" and cities:
            return self.relative(q, cities[0])
        if op == "count" or (op is None and q.intent == "count_partner_cities"):
            return self.count(q)
        if op == "compare":
            return self.compare(q, cities)
        if op == "superlative" or (op is None and q.superlative):
            return self.superlative(q)
        if (
            op in (None, "list", "lookup")
            and not (cities or q.others or q.among)
            and q.has_filters
            and q.attribute in _DESCRIBED_ATTRIBUTES
            and not self._attribute_is_filter(q)
        ):
            described = self._filtered(q)[0]
            if len(described) == 1:
                # "Seit wann ist die französische Partnerstadt dabei?": the one city the
                # conditions describe, and the fact asked for
                one = [described[0].id]
                plain = replace(q, regions=[], year=None, status=None, capital=None, cities=one)
                return self.city_facts(replace(plain, op="lookup"), one)
        if op == "list" or (op is None and not cities and not q.others):
            if cities and not q.has_filters:
                return self.city_facts(q, cities)
            return self.list_cities(q)
        if q.others or q.unknown:
            if not cities:
                return self.not_partner(q)
            if op == "verify" and q.attribute != "signers":  # "signed in Jerusalem?"
                return self.verify_mixed(q)
        if not cities:
            return self.ask_which_city()
        if op == "verify":
            return self.verify_city(q, cities[0], extra=cities[1:])
        return self.city_facts(q, cities)

    def _attribute_is_filter(self, q: Query) -> bool:
        """Whether the fact word names a condition ("Partnerstädte aus dem Jahr 1967", "on the
        African continent", "in the country Japan") rather than the fact asked for."""
        if q.attribute == "since":
            return q.year is not None
        if q.attribute == "continent":
            return any(r in self.k.continents for r in q.regions)
        if q.attribute == "country":
            return any(r in self.k.countries for r in q.regions)
        return False

    def _signer_named(self, q: Query) -> str | None:
        """A signer of a partnership (knowledge: signed_by) named by surname in the question."""
        for city in self.k.partner_cities:
            for person in city.signed_by:
                if re.search(rf"\b{re.escape(person.split()[-1])}\b", q.text, re.IGNORECASE):
                    return person
        return None

    def signed_by(self, q: Query, person: str) -> Reply:
        """The partnerships a person signed, as far as the knowledge names signers."""
        cities = [c for c in self.k.partner_cities if person in c.signed_by]
        reply = Reply(kind="list", source=cities[-1].source if cities else None)
        reply.add(
            "a_signed_by_one" if len(cities) == 1 else "a_signed_by_many",
            person=person,
            count=len(cities),
            names=_join(
                [f"{c.name(self.lang)} ({c.since.format(self.lang)})" for c in cities], self.lang
            ),
        )
        self.context.results = [c.id for c in cities]
        if len(cities) == 1:
            self._remember(q, {"kind": "city", "id": cities[0].id}, [cities[0].id])
        else:
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def years_apart(self, q: Query, city_ids: list[str]) -> Reply:
        """ "How much older is the LA partnership than the Paris one?" - the years between."""
        first, second = sorted(
            (c for c in (self.k.partner(i) for i in city_ids) if c), key=lambda c: c.since.sort_key
        )
        a, b = first.since, second.since
        years = b.year - a.year
        if a.month and a.day and b.month and b.day and (b.month, b.day) < (a.month, a.day):
            years -= 1  # full years between two full dates
        reply = Reply(kind="compare", source=self.k.overview.source)
        reply.add(
            "a_years_apart" if years > 1 else f"a_years_apart_{years}",
            years=years,
            first=first.name(self.lang),
            first_since=a.format(self.lang),
            second=second.name(self.lang),
            second_since=b.format(self.lang),
        )
        self._remember(q, {"kind": "city", "id": second.id}, [first.id, second.id])
        return reply

    def between(self, q: Query, city_ids: list[str]) -> Reply:
        """ "Which partner city joined between Prague and London?" """
        ordered = list(self.k.partner_cities)
        first, second = sorted(
            (c for c in (self.k.partner(i) for i in city_ids) if c), key=lambda c: c.since.sort_key
        )
        inside = ordered[ordered.index(first) + 1 : ordered.index(second)]
        form = "many" if len(inside) > 1 else ("one" if inside else "none")
        reply = Reply(kind="list", source=self.k.overview.source)
        reply.add(
            f"a_between_{form}",
            count=len(inside),
            names=_join([self._line(c) for c in inside], self.lang),
            first=first.name(self.lang),
            first_since=first.since.format(self.lang),
            second=second.name(self.lang),
            second_since=second.since.format(self.lang),
        )
        self.context.results = [c.id for c in inside]
        if len(inside) == 1:
            self._remember(q, {"kind": "city", "id": inside[0].id}, [inside[0].id])
        else:
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def _capital_of(self, q: Query) -> PartnerCity | None:
        """The partner city in the one country a "capital of ..." question names, if any."""
        if q.attribute != "capital" or len(q.regions) != 1 or q.regions[0] not in self.k.countries:
            return None
        inside = self.k.partners_in(self.k.countries[q.regions[0]])
        return inside[0] if inside else None

    def _excluded(self, q: Query) -> list[str]:
        """The partner cities named after "not counting", "except", "ohne", "außer"."""
        cue = _EXCLUDING.search(q.text)
        if cue is None or not q.cities:
            return []
        after = normalise_name(q.text[cue.end() :])
        found = []
        for city_id in q.cities:
            city = self.k.partner(city_id)
            names = (city.name.de, city.name.en, *city.aliases) if city else ()
            if any(re.search(rf"\b{re.escape(normalise_name(n))}", after) for n in names):
                found.append(city_id)
        return found

    def count_excluding(self, q: Query, excluded: list[str]) -> Reply:
        """A count or list with named cities left out ("wie viele gibt es ohne Moskau?")."""
        scope = replace(q, cities=[c for c in q.cities if c not in excluded])
        cities, criteria, filtered = self._filtered(scope)
        cities = [c for c in cities if c.id not in excluded]
        names = self._names([self.k.partner(i) for i in excluded])
        reply = Reply(kind="count", source=self.k.overview.source)
        values = {"excluded": names, "count": len(cities), "names": self._names(cities)}
        if filtered and len(cities) > 1:
            reply.add("a_count_excluding_crit", criteria=self._crit(criteria, "rel"), **values)
        elif filtered:
            form = "one" if cities else "none"
            reply.add(f"a_count_excluding_{form}", criteria=self._crit(criteria, "one"), **values)
        else:
            reply.add("a_count_excluding", **values)
        self.context.results = [c.id for c in cities]
        self._remember(scope, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def continents_overview(self, q: Query) -> Reply:
        """Where Berlin's partner cities are, continent by continent, and where none are."""
        continents = [p for p in self.k.continents.values() if not (p.continents or p.countries)]
        counts = [(p, len(self.k.partners_in(p))) for p in continents]
        present = [f"{p.name(self.lang)} ({n})" for p, n in counts if n]
        absent = [p.name(self.lang) for p, n in counts if not n]
        reply = Reply(kind="list", source=self.k.overview.source)
        if q.yes_no or q.op == "verify":
            reply.add("a_no" if absent else "a_yes")
        if q.op == "count":
            reply.add("a_continents_count", count=len(present), present=_join(present, self.lang))
        else:
            reply.add("a_continents", present=_join(present, self.lang))
        if absent:
            reply.add("a_continents_none", absent=_join(absent, self.lang))
        self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def continent_ranking(self, q: Query, ranking: str) -> Reply:
        """The continent with the most or the fewest partner cities, or those with only one.

        Args:
            q: the question.
            ranking: "most", "fewest" or "single" ("Is there a continent with only one?").
        """
        continents = [p for p in self.k.continents.values() if not (p.continents or p.countries)]
        counts = [(p, self.k.partners_in(p)) for p in continents]
        counts = [(p, cities) for p, cities in counts if cities]
        sizes = [len(cities) for _, cities in counts]
        if ranking == "most":
            chosen = [(p, c) for p, c in counts if len(c) == max(sizes)]
        elif ranking == "fewest":
            chosen = [(p, c) for p, c in counts if len(c) == min(sizes)]
        else:
            chosen = [(p, c) for p, c in counts if len(c) == 1]
        reply = Reply(kind="list", source=self.k.overview.source)
        if q.yes_no or q.op == "verify":
            reply.add("a_yes" if chosen else "a_no")
        if ranking == "single" and chosen:
            present = [f"{p.name(self.lang)} ({self._names(c)})" for p, c in chosen]
            form = "one" if len(chosen) == 1 else "many"
            reply.add(f"a_continent_single_{form}", present=_join(present, self.lang))
        else:
            if not chosen:  # no continent with only one: the fewest instead
                chosen = [(p, c) for p, c in counts if len(c) == min(sizes)]
            present = [f"{p.name(self.lang)} ({len(c)}: {self._names(c)})" for p, c in chosen]
            template = "a_continent_most" if ranking == "most" else "a_continent_fewest"
            reply.add(template, present=_join(present, self.lang))
        cities = [city for _, c in chosen for city in c]
        for city in cities:
            if len(city.continents) > 1:  # Istanbul lies in Europe and in Asia
                reply.add(
                    "a_two_continents",
                    name=city.name(self.lang),
                    continents=self._continent_names(city),
                )
        self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        self.context.results = [c.id for c in cities]
        return reply

    def country_count(self, q: Query) -> Reply:
        """ "In how many countries are Berlin's partner cities?" """
        countries = {c.country for c in self.k.partner_cities}
        reply = Reply(kind="count", source=self.k.overview.source)
        reply.add("a_country_count", count=len(countries), total=len(self.k.partner_cities))
        self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def region_counts(self, q: Query) -> Reply:
        """ "Are there more partner cities in Asia than in Europe?" - the two counts."""
        regions = [r for r in (self._region(i) for i in q.regions[:2]) if r is not None]
        counts = [len(self.k.partners_in(r)) for r in regions]
        reply = Reply(kind="count", source=self.k.overview.source)
        # "Liegen mehr Partnerstädte in Asien als in Amerika?": asked without a question word
        # ("... in Europa oder in Asien?" asks which, not whether)
        whether = q.yes_no or q.op == "verify" or (not q.asks and q.text.rstrip().endswith("?"))
        whether = whether and not _OR.search(q.text)
        if len(regions) == 2 and whether:
            fewer = _FEWER.search(q.text) is not None
            holds = counts[0] < counts[1] if fewer else counts[0] > counts[1]
            reply.add("a_yes" if holds else "a_no")
        reply.add(
            "a_region_counts",
            counts=_join(
                [f"{r.name(self.lang)}: {n}" for r, n in zip(regions, counts, strict=True)],
                self.lang,
            ),
        )
        if len(regions) == 2:  # Istanbul lies in Europe and in Asia
            both = [
                c for c in self.k.partners_in(regions[0]) if c in self.k.partners_in(regions[1])
            ]
            if both:
                reply.add("a_region_overlap", names=self._names(both))
        self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def _subject_city(self) -> str | None:
        subject = self.context.subject or {}
        if subject.get("kind") == "city" and self.k.partner(subject.get("id", "")):
            return subject["id"]
        return None

    def _cities_in_context(self, named: list[str]) -> list[str]:
        results = self.context.results or []
        if 2 <= len(results) <= 6 and not named:
            return list(results)
        if 2 <= len(results) <= 6 and set(named) <= set(results):
            # "was London the first of the two?" after a list: London among the list
            return named + [r for r in results if r not in named]
        pool = [c for c in self.context.cities if c not in named]
        return (pool + named)[-2:] if named else pool[-2:]

    def _remember(self, q: Query, subject: dict[str, str] | None, cities: list[str]) -> None:
        self.context.subject = subject
        self.context.mention(*cities)
        self.context.query = q.as_dict()

    # facts of one or more cities
    def city_facts(self, q: Query, cities: list[str]) -> Reply:
        reply = Reply(kind="city")
        for city_id in cities:
            city = self.k.partner(city_id)
            assert city is not None
            # "Why is Los Angeles not a capital?" asks for the fact, not for Yes or No.
            yes_no = q.yes_no or q.op == "verify" or not q.asks
            self._facts_of(reply, city, q.attribute, yes_no=yes_no)
            if q.duration and q.attribute in (None, "since"):
                # "How long has Tokyo been a partner?": the years, too
                since = city.since
                today = datetime.date.today()
                years = today.year - since.year
                exact = bool(since.month and since.day)
                if exact and (today.month, today.day) < (since.month, since.day):
                    years -= 1
                years_part = Part(
                    "a_city_years" if exact else "a_city_years_about",
                    {"years": years, **self._values(city)},
                )
                # right after the date, before notes and the status
                dated = [
                    i
                    for i, part in enumerate(reply.parts)
                    if part.template in _DATED and part.values.get("name") == city.name(self.lang)
                ]
                reply.parts.insert(dated[-1] + 1 if dated else len(reply.parts), years_part)
            for attribute in q.more_attributes:
                more = Reply()
                self._facts_of(more, city, attribute, yes_no=yes_no)
                reply.parts += [p for p in more.parts if p not in reply.parts]
            if q.more_attributes:  # the contact card closes the answer
                reply.parts.sort(key=lambda p: p.template == "a_contact_short")
        last = self.k.partner(cities[-1])
        reply.source = last.source if last else None
        self._remember(q, {"kind": "city", "id": cities[-1]}, cities)
        return reply

    def _facts_of(
        self, reply: Reply, city: PartnerCity, attribute: str | None, yes_no: bool = True
    ) -> None:
        v = self._values(city)
        if attribute == "signers":
            if city.signed_by:
                reply.add("a_city_signers", **v)
                reply.add("a_city_since", **v)
            else:
                reply.add("a_city_signers_unknown", unit=self.k.units["II B"].name(self.lang), **v)
                reply.add("a_city_since", **v)
                reply.add("a_contact_short", **self._contact_values())
            return
        if attribute == "country":
            reply.add("a_city_country", **v)
            return
        if attribute == "rank":  # "die wievielte Partnerstadt ist Kiew?"
            position = [c.id for c in self.k.partner_cities].index(city.id) + 1
            reply.add("a_city_rank", position=position, **v)
            return
        if attribute == "continent":
            reply.add("a_city_continent", **v)
            return
        if attribute == "capital":
            self._capital(reply, city, v, yes_no)
            return
        if attribute == "status":
            self._status(reply, city, v)
            reply.add("a_city_since", **v)
            return
        reply.add("a_city_since", **v)
        if attribute in (None, "history", "since") and city.note:
            reply.add("a_text", text=city.note(self.lang))
        if attribute in (None, "history") and city.signed_by:
            reply.add("a_city_signers", **v)
        if attribute is None or city.status != "active":
            self._status(reply, city, v)

    def _status(self, reply: Reply, city: PartnerCity, v: dict[str, Any]) -> None:
        """That the partnership is active or dormant; for a dormant one also why (its note)."""
        reply.add(f"a_city_status_{city.status}", **v)
        if city.status != "active" and city.status_note:
            reply.add("a_text", text=city.status_note(self.lang))

    def _capital(
        self, reply: Reply, city: PartnerCity, v: dict[str, Any], yes_no: bool = True
    ) -> None:
        """ "Is it a capital?" - Yes or No first; the note says which city is (once).

        A question that is no yes/no question ("Why is Los Angeles not a capital?") gets the
        fact without a Yes or No before it.
        """
        if city.capital_note:  # "Jakarta is still Indonesia's capital. ...", "Istanbul is not ..."
            if yes_no:
                reply.add("a_yes" if city.capital else "a_no")
            reply.add("a_text", text=city.capital_note(self.lang))
        elif not yes_no:
            reply.add("a_city_capital_yes" if city.capital else "a_city_capital_no", **v)
        elif city.capital:
            reply.add("a_yes_capital", **v)
        else:
            reply.add("a_no_capital", **v)

    def _values(self, city: PartnerCity) -> dict[str, Any]:
        lang = self.lang
        country = self.k.countries[city.country]
        continents = [self.k.continents[c].name(lang) for c in city.continents]
        signers = _join(list(city.signed_by), lang)
        return {
            "name": city.name(lang),
            "country": country.name(lang),
            "in_country": country.where(lang),
            "continent": _join(continents, lang),
            "since": city.since.format(lang),
            "year": city.since.year,
            "signers": signers,
            "signed_in": city.signed_in(lang) if city.signed_in else "",
            "status": self.k.overview.status_text[city.status](lang),
            "status_since": city.status_since or "",
        }

    # yes/no
    def verify_city(self, q: Query, city_id: str, extra: list[str]) -> Reply:
        city = self.k.partner(city_id)
        assert city is not None
        v = self._values(city)
        reply = Reply(kind="verify", source=city.source)
        attribute = q.attribute
        counted = {n for n in _numbers(q.text) if n < 100}
        if q.regions and q.partner_words and len(counted) == 1 and q.claim_year is None:
            # "Windhoek is one of Berlin's two African partner cities, isn't it?": the count
            return self.verify_count(replace(q, claim_count=counted.pop(), cities=[]))
        if q.claim_rank is not None:
            # "Tel Aviv ist die 20. Partnerstadt Berlins, richtig?" - it is the 19th.
            position = [c.id for c in self.k.partner_cities].index(city.id) + 1
            reply.add("a_yes" if position == q.claim_rank else "a_no")
            reply.add("a_city_rank", position=position, **v)
            self._remember(q, {"kind": "city", "id": city_id}, [city_id, *extra])
            return reply
        claims = self._claims(q, city)
        if len(claims) >= 2 and not q.claim_ended:
            # "Istanbul is the capital of Turkey and a partner since 1989, correct?": all must
            # hold; the ones that do not are corrected first.
            reply.add("a_yes" if all(ok for ok, _ in claims) else "a_no")
            for _, part in sorted(claims, key=lambda c: c[0]):
                reply.parts.append(part)
            self._remember(q, {"kind": "city", "id": city_id}, [city_id, *extra])
            return reply
        if q.claim_ended and not (attribute == "signers" and _PLACE_CLAIM.search(q.text)):
            # "The Moscow partnership was ended in 2022, wasn't it?" - none has ended.
            reply.add("a_no")
            self._status(reply, city, v)
            if city.status == "active":
                reply.add("a_city_since", **v)
        elif q.only and (q.capital is not None or q.status or q.year):
            self._verify_only(reply, q, city)
        elif q.claim_year is not None:
            if city.since.year == q.claim_year:
                reply.add("a_yes_city_since", **v)
            else:
                reply.add("a_no_city_since", claim=q.claim_year, **v)
        elif attribute == "capital":
            self._capital(reply, city, v)
        elif attribute == "status" and q.status:
            matches = city.status == q.status
            reply.add("a_yes" if matches else "a_no")
            self._status(reply, city, v)
        elif q.superlative:
            cities_in_scope, criteria, _ = self._filtered(q)
            results = self.context.results or []
            among = (q.among or q.back_reference) and not q.has_filters and city.id in results
            if among:
                # "war London davon die erste?": first among the last list
                cities_in_scope = [c for c in self.k.partner_cities if c.id in results]
            ordered = sorted(cities_in_scope, key=lambda c: c.since.sort_key)
            actual = (ordered[0] if q.superlative == "oldest" else ordered[-1]) if ordered else None
            reply.add("a_yes" if actual is city else "a_no")
            if actual is not None and criteria and not among:
                # "Is London the youngest European partner?" - "No: of the ones in Europe, ..."
                reply.add(
                    f"a_{q.superlative}_among",
                    criteria=self._crit(criteria, "rel"),
                    **self._values(actual),
                )
            elif actual is not None:
                which = f"a_{q.superlative}_of_these" if among else f"a_{q.superlative}"
                reply.add(which, **self._values(actual))
            if actual is not None and not among and self._on_two_continents([actual], q):
                # "Is Tashkent the oldest Asian partner?" - Istanbul first, Tashkent without it
                alone = next((c for c in ordered if len(c.continents) == 1), None)
                if alone is not None:
                    reply.add(
                        "a_superlative_two_continents",
                        continents=self._continent_names(actual),
                        other=alone.name(self.lang),
                        other_country=self.k.countries[alone.country].name(self.lang),
                        other_since=alone.since.format(self.lang),
                        **self._values(actual),
                    )
        elif q.year and q.year["op"] not in ("in", "from") and attribute != "history":
            # "Kyiv became a partner before 2022, didn't it?", "is that before 1990?" (an
            # earlier link, "with East Berlin before 1994", is a note's fact: below)
            reply.add("a_yes" if _year_test(q.year)(city.since.year) else "a_no")
            reply.add("a_city_since", **v)
        elif q.regions and q.only:
            region = self._region(q.regions[0])
            inside = list(self.k.partners_in(region)) if region else []
            where = region.where(self.lang) if region else ""
            if inside == [city]:
                reply.add("a_yes_only_in_region", where=where, **v)
            elif city in inside:
                reply.add(
                    "a_no_only_in_region",
                    where=where,
                    count=len(inside),
                    names=self._names(inside),
                    **v,
                )
            else:
                reply.add("a_no_in_region", where=where, **v)
        elif q.regions:
            region = self._region(q.regions[0])
            in_region = region is not None and city in self.k.partners_in(region)
            reply.add(
                "a_yes_in_region" if in_region else "a_no_in_region",
                where=region.where(self.lang) if region else "",
                **v,
            )
        elif attribute == "signers":
            lead = self._signing_claim(q, city)
            if lead is not None:
                reply.add("a_yes" if lead else "a_no")
            self._facts_of(reply, city, "signers")
        elif city.status != "active" and attribute == "status" and _CONTACT.search(q.text):
            # "Is there still contact with Moscow?": not while the partnership is dormant
            reply.add("a_no")
            self._status(reply, city, v)
        elif city.status != "active":
            # "Ja, ... aber die Partnerschaft ruht seit 2022": the dormancy in the first sentence
            reply.add("a_yes_partner_dormant", **v)
            if city.status_note:
                reply.add("a_text", text=city.status_note(self.lang))
            if city.note:
                reply.add("a_text", text=city.note(self.lang))
        else:
            # "Peking ist keine Partnerstadt, oder?" - "Doch, ...": a negated question or claim
            # that the partnership contradicts (English says "Yes" either way).
            contrary = q.negated or q.denies
            reply.add("a_yes_partner_contrary" if contrary else "a_yes_partner", **v)
            if city.note:
                reply.add("a_text", text=city.note(self.lang))
        for other in extra:
            other_city = self.k.partner(other)
            if other_city:
                reply.add("a_yes_partner", **self._values(other_city))
        self._remember(q, {"kind": "city", "id": city_id}, [city_id, *extra])
        return reply

    def _claims(self, q: Query, city: PartnerCity) -> list[tuple[bool, Part]]:
        """The claims a yes/no question makes about a city, each with the sentence that
        states the fact: the year, being a capital, the region."""
        v = self._values(city)
        claims: list[tuple[bool, Part]] = []
        if q.claim_year is not None:
            claims.append((city.since.year == q.claim_year, Part("a_city_since", v)))
        elif q.year and q.year["op"] not in ("in", "from") and q.attribute != "history":
            claims.append((_year_test(q.year)(city.since.year), Part("a_city_since", v)))
        if q.attribute == "capital" or q.capital is not None:
            claimed = q.capital if q.capital is not None else True
            fact = (
                Part("a_text", {"text": city.capital_note(self.lang)})
                if city.capital_note
                else Part("a_city_capital_yes" if city.capital else "a_city_capital_no", v)
            )
            claims.append((city.capital == claimed, fact))
        region = self._region(q.regions[0]) if q.regions and not q.only else None
        continents = [r for r in q.regions if r in self.k.continents]
        if q.only and continents and claims:
            # "Windhoek is Namibia's capital and Berlin's only partner in Africa - true?"
            area = self.k.continents[continents[-1]]
            members = list(self.k.partners_in(area))
            where = area.where(self.lang)
            if members == [city]:
                fact = Part("a_fact_only_in_region", {"where": where, **v})
            elif city in members:
                fact = Part("a_fact_in_region", {"where": where, "count": len(members), **v})
            else:
                fact = Part("a_city_continent", v)
            claims.append((members == [city], fact))
        # "the capital of Turkey" names the country of the capital claim, not a claim of its own
        of_capital = bool(claims) and q.capital is not None
        if region is not None and not (of_capital and region.kind == "country"):
            inside = city in self.k.partners_in(region)
            claims.append((inside, Part("a_city_continent", v)))
        return claims

    def _signing_claim(self, q: Query, city: PartnerCity) -> bool | None:
        """Whether a claim about the signing holds: who signed, or where.

        "Hat das Franziska Giffey unterschrieben?", "did he sign it?" (he: the person of the
        topic in context), "Was it signed in Jerusalem?", "... signed in Kyiv, wasn't it?".
        None when the question claims neither a signer nor a place the knowledge can check.
        """
        person = self._person_in_context(q)
        if city.signed_by and (person or _names_someone(q.text) or self._names_signer(q.text)):
            claimed = (person or q.text).casefold()
            return any(n.split()[-1].casefold() in claimed for n in city.signed_by)
        if not city.signed_in:
            return None
        place = _PLACE_CLAIM.search(q.text)
        if place is None:
            return None
        words = normalise_name(place.group(1))
        if any(w in words for w in ("berlin", "rathaus", "city hall")):
            return True  # the knowledge's signing places are in Berlin's city hall
        names = {normalise_name(n) for n in (city.name.de, city.name.en, *city.aliases)}
        others = {normalise_name(self.k.other_cities[o].name(self.lang)) for o in q.others}
        if any(words.startswith(n) for n in names | others):
            return False
        return None

    def _names_signer(self, text: str) -> bool:
        """Whether a question names, in any case, a person the knowledge lists as a signer
        ("hat huldai die kyjiw partnerschaft unterschrieben")."""
        surnames = {n.split()[-1] for c in self.k.partner_cities for n in c.signed_by}
        return any(re.search(rf"\b{re.escape(s)}\b", text, re.IGNORECASE) for s in surnames)

    def _person_in_context(self, q: Query) -> str | None:
        subject = self.context.subject or {}
        topic = self.k.topics.get(subject.get("id", "")) if subject.get("kind") == "topic" else None
        if topic is None or topic.person is None:
            return None
        pronoun = re.search(r"\b(he|she|him|her|er|sie|ihn)\b", q.text, re.IGNORECASE)
        return topic.person if pronoun else None

    def _verify_only(self, reply: Reply, q: Query, city: PartnerCity) -> None:
        """ "Los Angeles is the only partner city that is not a capital, right?" """
        scope = Query(text=q.text, capital=q.capital, status=q.status, year=q.year)
        cities, criteria, _ = self._filtered(scope)
        if cities == [city]:
            reply.add("a_yes_only", name=city.name(self.lang), criteria=self._crit(criteria, "rel"))
        else:
            form = "one" if len(cities) == 1 else "many"
            reply.add("a_no_only", names=self._names(cities), criteria=self._crit(criteria, form))

    def verify_count(self, q: Query) -> Reply:
        """ "Berlin has 17 partner cities, doesn't it?" """
        claim = q.claim_count
        q = Query(text=q.text, regions=q.regions, year=q.year, status=q.status, capital=q.capital)
        cities, criteria, filtered = self._filtered(q)
        reply = Reply(kind="verify", source=self.k.overview.source)
        bound = _COUNT_BOUND.search(q.text)
        if bound and claim is not None:
            # "Hat Berlin mehr als 15 Partnerstädte?", "at least three in Asia?"
            word = bound.group(1).casefold()
            holds = (
                len(cities) > claim
                if word in _MORE
                else len(cities) < claim
                if word in _FEWER_WORDS
                else len(cities) >= claim
            )
        else:
            holds = len(cities) == claim
        reply.add("a_yes" if holds else "a_no")
        if filtered and len(cities) == 1:
            reply.add(
                "a_count_one",
                total=len(self.k.partner_cities),
                criteria=self._crit(criteria, "one"),
                name=cities[0].name(self.lang),
            )
        elif filtered:
            reply.add(
                "a_count_many",
                count=len(cities),
                total=len(self.k.partner_cities),
                criteria=self._crit(criteria, "many"),
                names=self._names(cities),
            )
        else:
            reply.add(
                "a_count_all",
                count=len(self.k.partner_cities),
                active=len(self.k.active_partners),
                as_of=self.k.overview.as_of,
            )
            reply.add("a_text", text=self.k.overview.count_note(self.lang))
        return reply

    def _count_relative(self, q: Query, city_id: str) -> Reply:
        """ "How many partner cities were added after Kyiv?" """
        ordered = list(self.k.partner_cities)
        index = next(i for i, c in enumerate(ordered) if c.id == city_id)
        cities = (
            ordered[index + 1 :]
            if q.relative == "after"
            else ordered[: index + 1]
            if q.relative == "until"
            else ordered[:index]
        )
        if q.year and q.year.get("year") == ordered[index].since.year:
            q.year = None  # "before the Kyiv agreement in 2023": the year only names Kyiv's
        if q.has_filters:  # "... and how many of them in the Americas?"
            allowed = {c.id for c in self._filtered(q)[0]}
            cities = [c for c in cities if c.id in allowed]
        reply = Reply(kind="count", source=self.k.overview.source)
        reply.add(
            f"a_count_{q.relative}",
            count=len(cities),
            reference=ordered[index].name(self.lang),
            names=self._names(cities),
            since=ordered[index].since.format(self.lang),
        )
        self.context.results = [c.id for c in cities]
        return reply

    def relative(self, q: Query, city_id: str) -> Reply:
        """ "Which partnership came right before Tel Aviv?" """
        ordered = list(self.k.partner_cities)
        index = next(i for i, c in enumerate(ordered) if c.id == city_id)
        step = -1 if q.relative == "before" else 1
        if not 0 <= index + step < len(ordered):
            edge = "a_oldest" if step < 0 else "a_newest"
            reply = Reply(kind="superlative", source=ordered[index].source)
            reply.add(edge, **self._values(ordered[index]))
            return reply
        other = ordered[index + step]
        reply = Reply(kind="relative", source=other.source)
        reply.add(
            f"a_just_{q.relative}",
            reference=ordered[index].name(self.lang),
            **self._values(other),
        )
        self._remember(q, {"kind": "city", "id": other.id}, [ordered[index].id, other.id])
        return reply

    def before_or_after(self, q: Query, city_id: str, other_id: str) -> Reply:
        """ "Was that before or after Tokyo?" about the city in context."""
        city, other = self.k.partner(city_id), self.k.partner(other_id)
        assert city is not None and other is not None
        later = city.since.sort_key > other.since.sort_key
        values = self._values(city)
        reply = Reply(kind="compare", source=self.k.overview.source)
        reply.add(
            "a_after_other" if later else "a_before_other",
            other=other.name(self.lang),
            other_since=other.since.format(self.lang),
            **values,
        )
        self._remember(q, {"kind": "city", "id": city_id}, [other_id, city_id])
        return reply

    def verify_mixed(self, q: Query) -> Reply:
        """ "Ist Bern Partnerstadt, und Windhuk?": each place in the order named."""
        reply = Reply(kind="verify", source=self.k.overview.source)
        for place_id in q.mentions:
            city = self.k.partner(place_id)
            if city is not None:
                template = "a_yes_partner" if city.status == "active" else "a_yes_partner_dormant"
                reply.add(template, **self._values(city))
            elif place_id in self.k.other_cities:
                reply.add("a_not_partner", name=self.k.other_cities[place_id].name(self.lang))
        self._remember(q, None, [c for c in q.mentions if self.k.partner(c)])
        return reply

    def not_partner(self, q: Query) -> Reply:
        reply = Reply(kind="not_partner", source=self.k.overview.source)
        for other in q.others:
            place = self.k.other_cities[other]
            reply.add("a_not_partner", name=place.name(self.lang))
            if place.note:
                reply.add("a_text", text=place.note(self.lang))
        for name in q.unknown:
            reply.add("a_not_partner", name=_display(name))
        reply.add("a_text", text=self.k.overview.districts_note(self.lang))
        reply.add(
            "a_partner_names",
            count=len(self.k.partner_cities),
            names=self._names(self.k.partner_cities),
        )
        self._remember(q, None, [])
        return reply

    def ask_which_city(self) -> Reply:
        return Reply(kind="clarify").add(
            "utter_ask_city", cities=self._names(self.k.partner_cities)
        )

    # lists, counts, superlatives, comparisons
    def _filtered(self, q: Query) -> tuple[list[PartnerCity], list[str], bool]:
        """The cities that meet the query's conditions, the criteria, and whether there were any."""
        cities = list(self.k.partner_cities)
        criteria: list[Any] = []
        regions = [r for r in (self._region(i) for i in q.regions) if r is not None]
        if regions:
            # Several regions are one condition: "in Africa or South America" (Istanbul aside,
            # a city lies in one), or "neither in Europe nor in Asia".
            inside = {c.id for region in regions for c in self.k.partners_in(region)}
            places = [r.where(self.lang) for r in regions]
            where: Part | str
            if q.exclude_regions:
                cities = [c for c in cities if c.id not in inside]
                where = Part("w_neither" if len(places) > 1 else "w_not", _pair(places))
            else:
                cities = [c for c in cities if c.id in inside]
                where = Part("w_either", _pair(places)) if len(places) > 1 else places[0]
            criteria.append(("region", {"where": where}))
        if q.year:
            op, year, to = q.year["op"], int(q.year["year"]), int(q.year.get("to") or 0)
            years = set(q.year.get("years") or [])
            test = _year_test(q.year)
            cities = [c for c in cities if test(c.since.year)]
            if q.year.get("decades"):  # "from the 60s and 80s"
                spans = [f"{d}–{d + 9}" for d in q.year["decades"]]
                shown: Any = _join(spans, self.lang)
            elif op == "any":
                shown = _join([str(y) for y in sorted(years)], self.lang)
            else:
                shown = year
            criteria.append((f"year_{'in' if op == 'any' else op}", {"year": shown, "to": to}))  # type: ignore[arg-type]
        if q.status:
            cities = [c for c in cities if c.status == q.status]
            criteria.append((f"status_{q.status}", {}))  # type: ignore[arg-type]
        if q.capital is not None:
            cities = [c for c in cities if c.capital == q.capital]
            criteria.append(("capital" if q.capital else "not_capital", {}))  # type: ignore[arg-type]
        return cities, criteria, bool(criteria)  # type: ignore[return-value]

    def _apply_previous_list(self, q: Query) -> Query:
        """The last list's conditions for "und wie viele sind das?" or "which of them ..."."""
        refers_back = q.back_reference or q.among or q.continuation
        if not q.has_filters and refers_back and self.context.query:
            previous = Query.from_dict(self.context.query)
            if previous.has_filters:
                q.regions, q.year = previous.regions, previous.year
                q.status, q.capital = previous.status, previous.capital
        return q

    def list_cities(self, q: Query, verify: bool = False) -> Reply:
        results = self.context.results or []
        # a one-city list counts too ("Only one ... is in Africa: Windhoek." - "which of them
        # are dormant?"), but not a single city asked about by name
        listed = len(results) >= 2 or (
            bool(results)
            and q.back_reference  # "of them", "davon"; not "which one is in Uzbekistan"
            and (self.context.query or {}).get("op") in ("list", "count")
        )
        if q.among and q.has_filters and not verify and listed:
            # "Welche liegen in Nordamerika?" - "und davon Hauptstädte?": within that list
            cities, criteria, _ = self._filtered(q)
            within = [c for c in cities if c.id in results]
            form = "many" if len(within) > 1 else "one"
            reply = Reply(kind="list", source=self.k.overview.source)
            reply.add(
                f"a_count_among_{form if within else 'none'}",
                count=len(within),
                criteria=self._crit(criteria, form),
                names=self._names(within),
            )
            self.context.results = [c.id for c in within]
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
            return reply
        q = self._apply_previous_list(q)
        cities, criteria, filtered = self._filtered(q)
        reply = Reply(kind="list", source=self.k.overview.source)
        total = len(self.k.partner_cities)
        exceptions: list[PartnerCity] = []
        besides = self.k.partner(self._subject_city() or "") if not q.cities else None
        if verify and filtered and besides in cities and _OTHER_THAN.search(q.text):
            # "gibt es noch andere Partnerstädte in Afrika?" after Windhoek: others than it
            others = [c for c in cities if c is not besides]
            reply.add("a_yes" if others else "a_no")
            if others:
                reply.add(
                    f"a_count_other_{'many' if len(others) > 1 else 'one'}",
                    count=len(others),
                    criteria=self._crit(criteria, "many" if len(others) > 1 else "one"),
                    names=self._names(others),
                    reference=besides.name(self.lang),  # type: ignore[union-attr]
                )
            else:
                reply.add(
                    "a_list_one",
                    total=total,
                    criteria=self._crit(criteria, "one"),
                    name=besides.name(self.lang),  # type: ignore[union-attr]
                )
            self.context.results = [c.id for c in cities]
            self._remember(q, self.context.subject, [])
            return reply
        if verify:
            if _ALL.search(q.text):  # "Are all partner cities capitals?"
                # "Sind alle Partnerstädte in Europa Hauptstädte?": all of those in Europe
                scope = list(self.k.partner_cities)
                if q.capital is not None or q.status is not None:
                    scope = self._filtered(replace(q, capital=None, status=None))[0]
                reply.add("a_yes" if len(cities) == len(scope) else "a_no")
                exceptions = [c for c in scope if c not in cities]
            elif q.denies and q.capital is None and q.status is None and not q.exclude_regions:
                # "Berlin hat keine Partnerstadt in Südamerika, oder?": the claim is "none"
                reply.add("a_no" if cities else "a_yes")
            else:
                reply.add("a_yes" if cities else "a_no")
        if not filtered:
            reply.add(
                "a_list_all",
                count=total,
                as_of=self.k.overview.as_of,
            )
        elif not cities:
            reply.add("a_list_none", total=total, criteria=self._crit(criteria, "one"))
        elif len(cities) == 1:
            reply.add(
                "a_list_one",
                total=total,
                criteria=self._crit(criteria, "one"),
                name=cities[0].name(self.lang),
            )
        else:
            reply.add(
                "a_list_many", count=len(cities), total=total, criteria=self._crit(criteria, "many")
            )
        if cities and exceptions and len(exceptions) < len(cities):
            # "No: 16 of the 19 are capitals" - the three that are not, by name
            reply.parts[-1].template = "a_list_many_short"
            reply.add(
                "a_list_except" if len(exceptions) > 1 else "a_list_except_one",
                names=self._names(exceptions),
            )
        elif cities:
            reply.add("a_bullets", lines=[self._line(c) for c in cities])
        self._two_continents_note(reply, cities, q)
        if not filtered:
            reply.add("a_text", text=self.k.overview.districts_note(self.lang))
        self.context.results = [c.id for c in cities]
        if len(cities) == 1:  # "Which partner city is in Africa?" - "since when is it one?"
            if q.attribute in ("since", "signers", "history"):
                self._facts_of(reply, cities[0], q.attribute)  # "..., and since when?"
            self._remember(q, {"kind": "city", "id": cities[0].id}, [cities[0].id])
        else:
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def count(self, q: Query) -> Reply:
        if q.claim_ended and q.cities:
            # "Since the Moscow partnership was cancelled in 2022, how many are left?": the
            # premise is corrected first, then counted (the year only dated the claim).
            city = self.k.partner(q.cities[0])
            assert city is not None
            v = self._values(city)
            reply = Reply(kind="count", source=self.k.overview.source)
            reply.add("a_no")
            self._status(reply, city, v)
            if q.year and int(q.year["year"]) in (city.status_since, city.since.year):
                q.year = None
            rest = self.count(replace(q, cities=[], claim_ended=False))
            reply.parts.extend(rest.parts)
            return reply
        previous = Query.from_dict(self.context.query or {})
        if q.regions and previous.regions and _INCLUDE.search(q.text):
            # "list the partner cities in North America" - "and if I include South America,
            # how many?": both regions
            q.regions = list(dict.fromkeys([*previous.regions, *q.regions]))
            q.continuation = q.among = q.back_reference = False
        if q.negated and not q.has_filters and (q.continuation or q.back_reference):
            # "how many are capitals?" - "and how many aren't?": the previous condition negated
            if previous.capital is not None:
                q.capital, q.regions, q.year = not previous.capital, previous.regions, previous.year
            elif previous.status:
                q.status = "dormant" if previous.status == "active" else "active"
                q.regions, q.year = previous.regions, previous.year
            elif previous.regions:
                q.regions, q.exclude_regions = previous.regions, not previous.exclude_regions
            if q.has_filters:  # a new condition over all partner cities, not within the list
                q.continuation = q.back_reference = q.among = False
        if (
            q.partner_words
            and _TOTAL.search(q.text)
            and not q.has_filters
            and _BERLIN.search(q.text)
        ):
            # "und wie viele Partnerstädte hat Berlin insgesamt?" after a list: all of them
            q.continuation = q.back_reference = q.among = False
        refers_back = q.back_reference or q.continuation or q.among
        reference = q.cities[0] if q.cities else self._subject_city()
        if q.relative in ("before", "after", "until") and reference:
            return self._count_relative(q, reference)
        besides = self.k.partner(self._subject_city() or "") if not q.cities else None
        cities, criteria, filtered = self._filtered(q)
        if filtered and besides in cities and _OTHER_THAN.search(q.text):
            # "and how many other partner cities are in the Americas?" after Mexico City
            others = [c for c in cities if c is not besides]
            form = "many" if len(others) > 1 else ("one" if others else "none")
            reply = Reply(kind="count", source=self.k.overview.source)
            reply.add(
                f"a_count_other_{form}",
                count=len(others),
                criteria=self._crit(criteria, "one" if form == "none" else form),
                names=self._names(others),
                reference=besides.name(self.lang),  # type: ignore[union-attr]
            )
            self.context.results = [c.id for c in others]
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
            return reply
        # "how many partner cities are there in Africa?" is a new question, not one about the
        # last list, although "there" can point back.
        # "und wie viele bleiben dann übrig?" after the dormant one: the others, not within.
        within = (q.among or q.continuation) and not _REMAINING.search(q.text)
        if within and self._contradicts_last_list(q):
            # "which are dormant?" - "and how many are active then?": none of that list can
            # be; the question is about all of them.
            within = False
        if q.has_filters and within and self.context.results:
            # "and how many of those are capitals?": the new condition within the last list.
            cities, criteria, _ = self._filtered(q)
            among = [c for c in cities if c.id in self.context.results]
            reply = Reply(kind="count", source=self.k.overview.source)
            form = "many" if len(among) > 1 else "one"
            reply.add(
                f"a_count_among_{'none' if not among else form}",
                count=len(among),
                criteria=self._crit(criteria, form),
                names=self._names(among),
            )
            self._dormant_note(reply, q)
            self.context.results = [c.id for c in among]
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
            return reply
        # "wie viele sind es?" right after a list with conditions: the count of that list.
        bare = not (q.partner_words or q.cities or q.others or q.topic or q.network or q.relative)
        previous = Query.from_dict(self.context.query or {})
        if (
            not q.has_filters
            and (refers_back or (bare and previous.has_filters))
            and self.context.results is not None
        ):
            ids = self.context.results
            reply = Reply(kind="count", source=self.k.overview.source)
            reply.add(
                "a_count_previous_one" if len(ids) == 1 else "a_count_previous",
                count=len(ids),
                names=self._names([self.k.partner(i) for i in ids]),
            )  # type: ignore[misc]
            self.context.query = q.as_dict()
            return reply
        q = self._apply_previous_list(q)
        cities, criteria, filtered = self._filtered(q)
        reply = Reply(kind="count", source=self.k.overview.source)
        total = len(self.k.partner_cities)
        if not filtered:
            dormant = [c for c in self.k.partner_cities if c.status != "active"]
            reply.add(
                "a_count_all",
                count=total,
                active=len(self.k.active_partners),
                as_of=self.k.overview.as_of,
            )
            for city in dormant:
                reply.add(f"a_city_status_short_{city.status}", **self._values(city))
            reply.add("a_text", text=self.k.overview.count_note(self.lang))
        elif not cities:
            reply.add("a_count_none", total=total, criteria=self._crit(criteria, "one"))
        elif len(cities) == 1:
            reply.add(
                "a_count_one",
                total=total,
                criteria=self._crit(criteria, "one"),
                # "Only one is in South America: Buenos Aires (Argentina)."
                name=f"{cities[0].name(self.lang)} ({self._values(cities[0])['country']})",
            )
        else:
            reply.add(
                "a_count_many",
                count=len(cities),
                total=total,
                criteria=self._crit(criteria, "many"),
                names=self._names(cities),
            )
        self._two_continents_note(reply, cities, q)
        self._dormant_note(reply, q)
        self.context.results = [c.id for c in cities]
        if len(cities) == 1:
            self._remember(q, {"kind": "city", "id": cities[0].id}, [cities[0].id])
        else:
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
        return reply

    def _dormant_note(self, reply: Reply, q: Query) -> None:
        """A count by status says which partnership is dormant and since when ("18 are
        active" - Moscow is not; "one is dormant: Moscow" - since 2022)."""
        if not q.status:
            return
        for city in self.k.partner_cities:
            if city.status != "active":
                reply.add(f"a_city_status_short_{city.status}", **self._values(city))

    def superlative(self, q: Query) -> Reply:
        if len(q.regions) >= 2 and not q.exclude_regions and len(_SUPERLATIVE.findall(q.text)) >= 2:
            # "the oldest partner in Europe and the oldest in Asia?": one answer per region
            replies = [self.superlative(replace(q, regions=[r])) for r in q.regions]
            merged = Reply(kind="superlative", source=self.k.overview.source)
            for each in replies:
                merged.parts.extend(each.parts)
            return merged
        refers_back = (q.among or q.back_reference) and not q.has_filters
        previous = Query.from_dict(self.context.query or {})
        if (
            q.continuation
            and not (q.has_filters or q.cities)
            and previous.op == "superlative"
            and (previous.among or previous.back_reference)
            and not previous.has_filters
        ):
            refers_back = True  # "which of them came last?" - "and the first one?"
        pool = self.context.results or (
            self.context.cities[-2:] if len(self.context.cities) >= 2 else None
        )
        among_results = bool(refers_back and pool)
        if among_results:
            cities = [c for c in (self.k.partner(i) for i in pool or []) if c]
            criteria: list[Any] = []
        else:
            q = self._apply_previous_list(q)
            cities, criteria, _ = self._filtered(q)
        excluded = self._excluded(q)
        if excluded:  # "the oldest in Asia apart from Istanbul"
            cities = [c for c in cities if c.id not in excluded]
        if not cities:
            _, criteria, _ = self._filtered(q)
            return Reply(kind="list", source=self.k.overview.source).add(
                "a_list_none",
                total=len(self.k.partner_cities),
                criteria=self._crit(criteria, "one"),
            )
        ordered = sorted(cities, key=lambda c: c.since.sort_key)
        if q.superlative == "newest":
            ordered.reverse()
        top = {n for n in _numbers(q.text) if 2 <= n <= 10}
        if q.rank == 1 and len(top) == 1 and not criteria and not among_results:
            # "Which two partner cities are the oldest?": the first n, in order
            n = min(top.pop(), len(ordered))
            reply = Reply(kind="list", source=self.k.overview.source)
            reply.add(
                f"a_top_{q.superlative or 'oldest'}",
                count=n,
                names=_join([self._line(c) for c in ordered[:n]], self.lang),
            )
            self.context.results = [c.id for c in ordered[:n]]
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [])
            return reply
        rank = min(max(q.rank, 1), len(ordered))
        city = ordered[rank - 1]
        v = self._values(city)
        reply = Reply(kind="superlative", source=city.source)
        if q.ordinal and not criteria and not among_results and q.superlative != "newest":
            # "Was war die vierte Partnerstadt?": the place in the order of partnerships
            reply.add("a_city_rank", position=rank, **v)
            self._remember(q, {"kind": "city", "id": city.id}, [city.id])
            return reply
        if rank > 1 and criteria:  # "die zweitälteste Partnerstadt in Europa"
            reply.add(
                f"a_{q.superlative or 'oldest'}_rank_among",
                rank=rank,
                criteria=self._crit(criteria, "rel"),
                **v,
            )
            self._remember(q, {"kind": "city", "id": city.id}, [city.id])
            return reply
        if rank > 1:  # "the second oldest"
            reply.add(f"a_{q.superlative or 'oldest'}_rank", rank=rank, **v)
            self._remember(q, {"kind": "city", "id": city.id}, [city.id])
            return reply
        which = q.superlative or "oldest"
        if criteria and len(ordered) == 1:
            # "the oldest partner city in Africa?" - the only one there
            reply.add(
                "a_list_one",
                total=len(self.k.partner_cities),
                criteria=self._crit(criteria, "one"),
                name=city.name(self.lang),
            )
            reply.add("a_city_since", **v)
        elif criteria:
            reply.add(f"a_{which}_among", criteria=self._crit(criteria, "rel"), **v)
        elif among_results:
            reply.add(f"a_{which}_of_these", **v)
        else:
            reply.add(f"a_{which}", **v)
        if city.status != "active":
            reply.add(f"a_city_status_{city.status}", **v)
        if not among_results and self._on_two_continents([city], q):
            # "the oldest partner in Asia": Istanbul lies in Europe and Asia - name the one
            # that lies in the region alone, too.
            alone = next((c for c in ordered if len(c.continents) == 1), None)
            if alone is not None:
                reply.add(
                    "a_superlative_two_continents",
                    continents=self._continent_names(city),
                    other=alone.name(self.lang),
                    other_country=self.k.countries[alone.country].name(self.lang),
                    other_since=alone.since.format(self.lang),
                    **v,
                )
        if q.attribute == "signers" and _WHO.search(q.text):
            # "who signed the first of them?": the city, then its signers
            if city.signed_by:
                reply.add("a_city_signers", **v)
            else:
                reply.add("a_city_signers_unknown", unit=self.k.units["II B"].name(self.lang), **v)
        self._remember(q, {"kind": "city", "id": city.id}, [city.id])
        return reply

    def _on_two_continents(self, cities: list[PartnerCity], q: Query) -> list[PartnerCity]:
        """The cities of a list filtered by a continent that lie on more than one continent."""
        continents = [r for r in q.regions if r in self.k.continents]
        if not continents or q.exclude_regions:
            return []
        return [c for c in cities if len(c.continents) > 1]

    def _continent_names(self, city: PartnerCity) -> str:
        return _join([self.k.continents[c].name(self.lang) for c in city.continents], self.lang)

    def _two_continents_note(self, reply: Reply, cities: list[PartnerCity], q: Query) -> None:
        """ "Istanbul lies in Europe and in Asia and is counted here." """
        for city in self._on_two_continents(cities, q):
            reply.add(
                "a_two_continents",
                name=city.name(self.lang),
                continents=self._continent_names(city),
            )

    def compare(self, q: Query, cities: list[str]) -> Reply:
        records = [c for c in (self.k.partner(i) for i in cities) if c]
        if len(records) < 2:
            if len(records) == 1:
                return self.city_facts(q, [records[0].id])
            return self.dont_know(q)
        if q.superlative and q.yes_no and _BOTH.search(q.text):
            # "Are Kyiv and Tel Aviv the two newest partner cities?": the first n in order
            scope = sorted(self._filtered(q)[0], key=lambda c: c.since.sort_key)
            if q.superlative == "newest":
                scope.reverse()
            top = scope[: len(records)]
            reply = Reply(kind="verify", source=self.k.overview.source)
            reply.add("a_yes" if set(top) == set(records) else "a_no")
            reply.add(
                f"a_top_{q.superlative}",
                count=len(top),
                names=_join([self._line(c) for c in top], self.lang),
            )
            self._remember(q, {"kind": "list", "id": "partner_cities"}, [c.id for c in top])
            self.context.results = [c.id for c in top]
            return reply
        ordered = sorted(records, key=lambda c: c.since.sort_key)
        first = ordered[0] if q.compare != "newer" else ordered[-1]
        others = [c for c in records if c is not first]
        reply = Reply(kind="compare", source=self.k.overview.source)
        runner_up = ordered[1] if q.compare != "newer" else ordered[-2]
        if _undecided(first, runner_up):
            # Budapest "1991" and Warsaw "12 August 1991": the sources give no order.
            reply.add("a_same_year", year=first.since.year, names=self._names([first, runner_up]))
            for city in records:
                reply.add("a_city_since_short", **self._values(city))
            self._remember(q, {"kind": "city", "id": first.id}, [c.id for c in records])
            return reply
        if q.yes_no:
            # "Is Tokyo older than Buenos Aires?": the first city named is the claim's subject.
            reply.add("a_yes" if records[0] is first else "a_no")
        reply.add(f"a_{q.compare or 'older'}", **self._values(first))
        for other in others:
            reply.add("a_city_since_short", **self._values(other))
        self._remember(q, {"kind": "city", "id": first.id}, [c.id for c in records])
        return reply

    # -- topics, routes, contact ------------------------------------------------------------
    def _first_route(self, route_id: str) -> bool:
        return any(r.id == route_id and r.first for r in self.k.routes)

    def _topic_of(self, q: Query) -> Reply | None:
        intent = q.intent or ""
        district_question = q.partner_words or intent in (
            "ask_district_partnerships",
            "ask_partner_city",
        )
        if q.district and district_question or q.topic == "district_partnerships":
            return self.topic("district_partnerships", q)
        if q.network or intent == "ask_city_networks" or q.topic == "networks":
            if q.route:  # "who handles city networks like Eurocities?"
                return self.route("network", q)
            return self.networks(q)
        if intent == "ask_unit_info" or intent == "ask_department":
            return self.department(q, intent)
        named = self.k.topics.get(q.topic or "")
        if named is not None and named.unit is None and _WEDDING.search(q.text):
            # "Can we have our wedding ceremony in the Red City Hall?": a registry office's
            # service, not one of the Land's ceremonies.
            return self.topic(named.id, q)
        if (
            named is not None
            and named.id in ELSEWHERE_TOPICS
            and q.route_id is not None
            and not self._first_route(q.route_id)
        ):
            # "I need a visa to visit my friend, can you help?": another authority's business;
            # the route's word ("visit") tells why, not whom to ask.
            return self.topic(named.id, q)
        statement = not (q.asks or q.yes_no or q.text.rstrip().endswith("?")) and q.op is None
        if (
            statement
            and q.route_id
            and self._strong_route(q.route_id)
            and q.route_id != q.topic
            and (named is None or named.fact_for(q.text) is None)
        ):
            # "I'm writing from the Embassy of Chile: we want to present our new ambassador":
            # a need, stated; the unit answers it, not the topic's summary.
            return self.route(q.route_id, q)
        # "wo werden die alten Bände aufbewahrt?" - but "interpreters for a reception at the
        # town hall" is a need for a unit, not a fact of the Rotes Rathaus.
        other_need = (
            q.route_id is not None and q.route_id != q.topic and self._strong_route(q.route_id)
        )
        if named is not None and not (q.route or other_need) and named.fact_for(q.text):
            return self.topic(named.id, q)
        # "I read about the Emigrantenprogramm. What is it exactly?" asks about the topic.
        about_the_topic = q.asks and q.topic == q.route_id and named is not None
        if q.route_id and (
            q.route
            or self._strong_route(q.route_id)
            and intent in FALLBACK_INTENTS
            and not about_the_topic
        ):
            return self.route(q.route_id, q)
        if (
            named is not None
            and named.unit is None
            and not q.route_id
            and q.asks
            and len(q.text.split()) <= 8
        ):
            # "Who's in charge of Berlin?", "who handles visas?": a short question about a
            # topic no unit of the department owns answers for itself (a longer message with
            # a mayor in it is more often a need, for a unit).
            return self.topic(named.id, q)
        if intent in ROUTE_INTENTS:
            return self.route(q.route_id or ROUTE_INTENTS[intent], q)
        # A topic the visitor names ("Visum") wins over the one the classifier guessed.
        topic = named or self.k.topic_for_intent(intent)
        if topic is not None:
            return self.topic(topic.id, q)
        return None

    def topic(self, topic_id: str, q: Query) -> Reply:
        topic = self.k.topics[topic_id]
        if q.route and topic.unit:
            # "who is responsible for it?" after a topic: the unit, with the topic's route.
            route = next((r for r in self.k.routes if r.id == topic_id), None)
            unit = self.k.units[topic.unit]
            reply = Reply(kind="route", source=unit.source)
            reason = route.reason(self.lang) if route else ""
            reply.add("a_route", unit=unit.name(self.lang), reason=reason)
            reply.add("a_contact_short", **self._contact_values())
            self._remember(q, {"kind": "topic", "id": topic_id}, [])
            return reply
        reply = Reply(kind="topic", source=topic.source)
        fact = topic.fact_for(q.text)
        if fact is not None:
            shown = fact.text(self.lang)
        elif q.attribute == "since" and topic.since:
            shown = topic.since(self.lang)
        else:
            shown = topic.summary(self.lang)
        if q.op == "verify" or q.yes_no:
            # "My great-grandfather fled in 1939. Is there a programme ...?": a number told
            # before the question is background, not a claim.
            claimed = _claimed_numbers(q.text)
            # A number counts as a claim where the answer states numbers of that kind: the
            # fact asked for ("ten volumes?"), or a year ("seit 1979?") - not "on 3 May".
            years = {n for n in claimed if n >= 1800}
            if not ((fact is not None and _numbers(shown)) or (years and years == claimed)):
                claimed = set()
            told = {n for n in _numbers(shown) if n >= 1800}
            period = (
                q.year if q.year and q.year.get("op") in ("between", "before", "after") else None
            )
            if period and told and not q.cities:
                # "started sometime in the 1990s?", "vor 1980 gegründet?": the years told
                # (a decade is a period, not the year it starts with)
                test = _year_test(period)
                lead: str | None = "yes" if any(test(y) for y in told) else "no"
            elif claimed:
                # "Does the Golden Book have ten volumes?", "seit 1979, oder?": the number
                # decides, before any yes/no words ("Wegner ... since 2021?" -> No).
                lead = "yes" if claimed <= _numbers(shown) else "no"
            else:
                lead = topic.verify_answer(q.text)
            if lead is None and self.context.someone and _THIRD_PERSON.search(q.text):
                # "The mayor of Paris is coming. Can she sign the Golden Book?"
                lead = topic.verify_answer(" ".join(self.context.someone))
            if lead is None and topic.person and _names_someone(q.text):
                # "Is Franziska Giffey still the mayor?": someone else named.
                surname = topic.person.split()[-1].casefold()
                lead = "yes" if surname in q.text.casefold() else "no"
            if lead:
                reply.add("a_yes" if lead == "yes" else "a_no")
        reply.add("a_text", text=shown)
        self._remember(q, {"kind": "topic", "id": topic_id}, [])
        return reply

    def networks(self, q: Query) -> Reply:
        described = not q.network and q.op != "count"
        if described:
            q.network = self._network_described(q)
        if q.network:
            network = self.k.networks[q.network]
            reply = Reply(kind="network", source=network.source)
            if q.op == "verify" and not network.dormant and not described:
                reply.add("a_yes")
            reply.add("a_network", name=network.name(self.lang), summary=network.summary(self.lang))
            self._remember(q, {"kind": "network", "id": network.id}, [])
            return reply
        reply = Reply(kind="networks", source=self.k.units["II B"].source)
        if q.op == "count":  # "How many city networks is Berlin a member of?"
            networks = list(self.k.networks.values())
            active = [n for n in networks if not n.dormant]
            reply.add("a_networks_count", count=len(networks), active=len(active))
        reply.add(
            "a_networks",
            unit=self.k.units["II B"].name(self.lang),
            lines=[
                f"{n.name(self.lang)}: {n.summary(self.lang)}" for n in self.k.networks.values()
            ],
        )
        self._remember(q, {"kind": "topic", "id": "networks"}, [])
        return reply

    def _network_described(self, q: Query) -> str | None:
        """The one network a question describes without naming it.

        "the world association with a regional secretariat in Berlin - which one is that?" is
        Metropolis, "the network whose flag day is 8 July" Mayors for Peace: a word of the
        question that only one network's texts contain (in either language, inside compounds:
        "Sekretariat" in "Regionalsekretariat") counts for that network; the network with the
        most such words wins, a tie names none. Words every network's text has ("Berlin",
        "member") count for none.
        """
        texts = {
            n.id: normalise_name(
                " ".join([n.name.de, n.name.en, *n.aliases, n.summary.de, n.summary.en])
            )
            for n in self.k.networks.values()
        }
        stems = {
            w[:7]
            for w in re.findall(r"[^\W\d_]{5,}|\d{4}", normalise_name(q.text))
            if not w.startswith(_NOT_DESCRIBING)
        }
        stems |= {day for day in re.findall(r"\b\d{1,2}\.? ?(?:juli|july)\b", q.text.lower())}
        scores: dict[str, int] = {}
        for stem in stems:
            having = [
                i for i, text in texts.items() if stem.replace(". ", " ") in text.replace(". ", " ")
            ]
            if len(having) == 1:
                scores[having[0]] = scores.get(having[0], 0) + 1
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]

    def _other_unit(self, q: Query) -> str | None:
        """ "and the other unit?" after one unit: the other one."""
        subject = self.context.subject or {}
        if subject.get("kind") != "unit" or not _OTHER.search(q.text):
            return None
        others = [u for u in self.k.units if u != subject.get("id")]
        return others[0] if len(others) == 1 else None

    def _unit_named(self, q: Query) -> str | None:
        """ "II A", "unit II B", or a unit by its field ("the protocol unit")."""
        squeezed = q.text.lower().replace(" ", "")
        for unit_id in self.k.units:
            if unit_id.lower().replace(" ", "") in squeezed:
                return unit_id
        # "the International Affairs unit", "das Referat Protokoll": a unit by its field.
        fields = {
            unit_id: {unit.name(lang).split("–")[-1].strip().casefold() for lang in ("de", "en")}
            for unit_id, unit in self.k.units.items()
        }
        text = q.text.casefold()
        by_field = [u for u, names in fields.items() if any(n in text for n in names)]
        if len(by_field) == 1:
            return by_field[0]
        route = next((r for r in self.k.routes if r.id == q.route_id), None)
        return route.unit if route is not None and not route.only_when_asked else None

    def department(self, q: Query, intent: str) -> Reply:
        # "Who's the head of protocol?", "Wer ist der Protokollchef?": the department's head,
        # not the unit whose field the word names.
        # ("Is the head of protocol a diplomat?" asks about the head, too.)
        head = intent == "ask_department" and _HEAD.search(q.text) and not (q.yes_no and q.route)
        unit_id = None if head else self._unit_named(q)
        if unit_id is None and self.context.subject and self.context.subject.get("kind") == "unit":
            unit_id = self.context.subject["id"] if q.back_reference else None
        unit_id = self._other_unit(q) or unit_id
        route = next((r for r in self.k.routes if r.id == q.route_id), None)
        if unit_id and q.yes_no and route is not None:
            # "Is II A responsible for partner cities?" - No, II B: with the reason.
            reply = Reply(kind="route", source=self.k.units[route.unit].source)
            reply.add("a_yes" if route.unit == unit_id else "a_no")
            reply.add(
                "a_route",
                unit=self.k.units[route.unit].name(self.lang),
                reason=route.reason(self.lang),
            )
            self._remember(q, {"kind": "unit", "id": route.unit}, [])
            return reply
        if unit_id:
            unit = self.k.units[unit_id]
            reply = Reply(kind="unit", source=unit.source)
            reply.add("a_unit", name=unit.name(self.lang), tasks=unit.tasks(self.lang))
            self._remember(q, {"kind": "unit", "id": unit_id}, [])
            return reply
        subject = self.context.subject or {}
        if q.route and subject.get("kind") == "network":
            return self.route("network", q)  # "welches Referat betreut das?" after Metropolis
        if intent == "ask_unit_info":
            return self._ask_unit()
        dept = self.k.department
        reply = Reply(kind="department", source=dept.source)
        reply.add("a_text", text=dept.summary(self.lang))
        for unit in self.k.units.values():
            reply.add("a_unit", name=unit.name(self.lang), tasks=unit.tasks(self.lang))
        self._remember(q, {"kind": "topic", "id": "department"}, [])
        return reply

    def _ask_unit(self) -> Reply:
        """ "Which unit?": the department's units, and a button for each that asks about it."""
        units = list(self.k.units.values())
        reply = Reply(kind="clarify").add(
            "utter_ask_unit",
            count=InWords(len(units)),
            units=[Part("w_unit", {"id": u.id, "name": u.short_name(self.lang)}) for u in units],
        )
        for u in units:
            title = Part("w_unit_button", {"id": u.id, "name": u.short_name(self.lang)})
            entities = json.dumps({"unit": u.id}, ensure_ascii=False)
            reply.choices.append(Choice(title, f"/ask_unit_info{entities}"))
        return reply

    def route(self, route_id: str, q: Query) -> Reply:
        route = next((r for r in self.k.routes if r.id == route_id), None)
        if route is None:
            return self.dont_know(q)
        unit = self.k.units[route.unit]
        reply = Reply(kind="route", source=unit.source)
        reply.add("a_route", unit=unit.name(self.lang), reason=route.reason(self.lang))
        reply.add("a_contact_short", **self._contact_values())
        # A route that is also a topic (the Emigrant Programme) keeps the topic for follow-ups.
        kind = "topic" if route_id in self.k.topics else "route"
        self._remember(q, {"kind": kind, "id": route_id}, [])
        return reply

    def contact(self, q: Query | None = None) -> Reply:
        c = self.k.contact
        reply = Reply(kind="contact", source=c.source)
        # "What's the phone number?": the number first, then the whole card.
        # "die Telefonnummer und die Adresse": each item asked for, in the order asked.
        found = [
            next((k, v) for k, v in m.groupdict().items() if v)
            for m in (_CONTACT_ITEM.finditer(q.text) if q is not None else ())
        ]
        fax = any(k == "fax" for k, _ in found)
        # "fax number": the number is the fax's, not the telephone's
        items = [k for k, v in found if not (fax and v.lower() in ("nummer", "number"))]
        asked = bool(items)
        for item in dict.fromkeys(items):
            reply.add(
                f"a_contact_{item}",
                organisation=c.organisation(self.lang),
                address=c.address,
                phone=c.phone,
                fax=c.fax,
            )
        if asked:
            if self._card_given:
                return reply  # "... and is there a fax number?": the card was given above
        self._card_given = True
        reply.add(
            "a_contact",
            organisation=c.organisation(self.lang),
            address=c.address,
            visitor_entrance=c.visitor_entrance,
            phone=c.phone,
            fax=c.fax,
            web=c.web(self.lang),
        )
        return reply

    def _contact_values(self) -> dict[str, str]:
        return {"phone": self.k.contact.phone, "web": self.k.contact.web(self.lang)}

    def _follow_up_on_subject(self, q: Query) -> Reply | None:
        """A question about the topic, route, network or unit the conversation is about."""
        subject = self.context.subject or {}
        kind, subject_id = subject.get("kind"), subject.get("id", "")
        asks_back = q.attribute or q.back_reference or q.continuation
        # After a topic, a question that names nothing else is about the topic
        # ("how many people have come so far?" after the Emigrant Programme).
        about_topic = kind in ("topic", "network") and q.intent not in ROUTE_INTENTS
        other = self.k.topic_for_intent(q.intent or "")
        if q.confidence >= 0.6 and (
            q.intent in ("ask_department", "ask_unit_info")
            or (other is not None and other.id != subject_id)
        ):
            # "Who is the Governing Mayor and who leads Department II?": the second question
            # has its own answer, whatever the first one was about.
            about_topic = False
        if q.intent == "out_of_scope" and q.confidence >= _OUT_OF_SCOPE_CONFIDENCE:
            # "Wie wird das Wetter morgen?" after administrative services is not about them,
            # and its "das" is an article: only an attribute asked of the topic refers back.
            about_topic = False
            asks_back = q.attribute or q.continuation
        if not asks_back and not q.route and not about_topic:
            return None
        if (
            kind == "topic"
            and other is not None
            and other.id != subject_id
            and q.confidence >= 0.9
            and len(q.text.split()) >= 8
        ):
            # "My great-grandfather fled Berlin in 1939. Is there a programme for people like
            # him?" after the Golden Book: a message of its own about another topic.
            return None
        if q.intent == "request_contact" and (
            (kind in ("route", "network", "unit") and _CONTACT_ITEM.search(q.text))
            or (kind == "topic" and subject_id == "department")
            # "Who is the Governing Mayor, and what is the Senate Chancellery's phone
            # number?": a phone number, fax or address is the card's, not the topic's.
            or (
                self._several
                and q.confidence >= 0.6
                and _CONTACT_ITEM.search(q.text)
                and not q.back_reference
            )
        ):
            # "and what's their phone number?" after a unit was named: the contact card.
            return self.contact(q)
        if (
            kind == "unit"
            and _DEPARTMENT.search(q.text)
            and not (q.route or self._unit_named(q) or self._other_unit(q))
        ):
            # "and who heads the whole department?" after a unit: the department, not the unit.
            return self.department(q, "ask_department")
        if kind == "topic" and subject_id in self.k.topics:
            return self.topic(subject_id, q)
        if kind == "route":
            # "Wer ist für die Botschaften zuständig?" - "und wie viele gibt es ungefähr?": a
            # fact of the topic the need was about, not the unit again.
            asked = self.k.topics.get((self.context.query or {}).get("topic") or "")
            if (
                asked is not None
                and not q.route
                and (
                    asked.fact_for(q.text) is not None or q.op == "count" or q.attribute == "since"
                )
            ):
                return self.topic(asked.id, q)
            return self.route(subject_id, q)
        if kind == "network" and subject_id in self.k.networks:
            q.network = subject_id
            if q.route:
                return self.route("network", q)
            return self.networks(q)
        if kind == "unit" and subject_id in self.k.units:
            named = self._unit_named(q)
            route = next((r for r in self.k.routes if r.id == q.route_id), None)
            if q.op == "verify" and route is not None:
                # "does it also run the language service?"
                reply = Reply(kind="unit", source=self.k.units[subject_id].source)
                reply.add("a_yes" if route.unit == subject_id else "a_no")
                reply.add(
                    "a_route",
                    unit=self.k.units[route.unit].name(self.lang),
                    reason=route.reason(self.lang),
                )
                return reply
            unit = self.k.units[
                self._other_unit(q)
                or (named if named and (q.continuation or not q.back_reference) else subject_id)
            ]
            if q.route:
                # "What is the Ernst Reuter Plaque?" - "And which unit deals with it?": the
                # unit of the need asked about before, with its reason.
                before = (self.context.query or {}).get("route_id")
                route = next((r for r in self.k.routes if r.id == before), None)
                if route is not None and route.unit == unit.id and not named:
                    return self.route(route.id, q)
                return self.contact(q)
            self._remember(q, {"kind": "unit", "id": unit.id}, [])
            return Reply(kind="unit", source=unit.source).add(
                "a_unit", name=unit.name(self.lang), tasks=unit.tasks(self.lang)
            )
        if kind == "topic" and subject_id == "department":
            if self._unit_named(q) or self._other_unit(q):
                # "What is unit II A responsible for?" after the department: that unit's tasks.
                return self.department(q, "ask_unit_info")
            dept = self.k.department
            return Reply(kind="department", source=dept.source).add(
                "a_text", text=dept.summary(self.lang)
            )
        return None

    def dont_know(self, q: Query) -> Reply:
        reply = Reply(kind="dont_know", buttons="utter_default")
        reply.add("a_dont_know")
        reply.add("a_contact_short", **self._contact_values())
        return reply

    # -- helpers ----------------------------------------------------------------------------
    def _region(self, region_id: str) -> Place | None:
        return self.k.continents.get(region_id) or self.k.countries.get(region_id)

    def _names(self, cities: Any) -> str:
        return _join([c.name(self.lang) for c in cities], self.lang)

    def _line(self, city: PartnerCity) -> str:
        country = self.k.countries[city.country].name(self.lang)
        label = self.k.overview.status_label[city.status](self.lang)
        since = f" {'seit' if self.lang == 'de' else 'since'} {city.status_since}"
        status = "" if city.status == "active" else f"; {label}{since if city.status_since else ''}"
        return f"{city.name(self.lang)}, {country} ({city.since.format(self.lang)}{status})"

    def _crit(self, criteria: list[Any], form: str) -> list[Part]:
        return [Part(f"crit_{name}_{form}", values) for name, values in criteria]


# Conditions of lists and the forms their wording takes (templates crit_<condition>_<form>).
CRITERIA = (
    "region",
    "year_in",
    "year_before",
    "year_after",
    "year_from",
    "year_until",
    "year_between",
    "status_active",
    "status_dormant",
    "capital",
    "not_capital",
)
CRITERIA_FORMS = ("one", "many", "rel")


def answer_templates() -> list[str]:
    """Names of the templates the engine builds from parts ("a_city_status_<status>", ...)."""
    names = [f"crit_{c}_{f}" for c in CRITERIA for f in CRITERIA_FORMS]
    names += [f"a_city_status_{s}" for s in ("active", "dormant")]
    names += ["a_city_status_short_dormant"]
    for which in ("oldest", "newest"):
        names += [f"a_{which}", f"a_{which}_among", f"a_{which}_of_these"]
    names += [
        "a_older",
        "a_newer",
        "a_just_before",
        "a_just_after",
        "a_oldest_rank",
        "a_newest_rank",
        "a_oldest_rank_among",
        "a_newest_rank_among",
    ]
    names += [f"a_count_among_{f}" for f in ("one", "many", "none")]
    names += [f"a_count_other_{f}" for f in ("one", "many", "none")]
    names += [f"a_between_{f}" for f in ("one", "many", "none")]
    names += ["a_count_excluding_one", "a_count_excluding_none"]
    names += ["a_count_after", "a_count_before", "a_count_until", "w_either", "w_neither", "w_not"]
    names += [f"a_contact_{item}" for item in ("phone", "fax", "address", "hours")]
    names += ["a_city_capital_yes", "a_city_capital_no", "a_top_oldest", "a_top_newest"]
    names += ["a_city_years", "a_city_years_about"]
    names += [f"a_continent_single_{form}" for form in ("one", "many")]
    names += ["a_years_apart_0", "a_years_apart_1"]
    names += ["w_unit", "w_unit_button", "w_number_2"]
    return names


def _fold_statements(
    queries: list[Query],
    first_routes: set[str] | None = None,
    covers: dict[str, set[str]] | None = None,
) -> list[Query]:
    """Statements that lead up to a question become its context; a last statement stays.

    Of several statements the last one is the context, but a route that wins whenever its
    words occur (`first_routes`: "I represent the Embassy of Japan. We would like to organise a
    commemoration.") is kept from an earlier one, and so is a route whose need includes the
    question's (`covers`: "She had to flee Berlin in 1938. Can she be invited for a visit?").
    """
    kept: list[Query] = []
    context: Query | None = None
    queries = list(queries)
    for i, q in enumerate(queries):
        after = queries[i + 1] if i < len(queries) - 1 else None
        if (
            after is not None
            and q.attribute == "signers"
            and not (q.cities or q.asks or q.text.rstrip().endswith("?"))
            and after.op in ("count", "list")
            and not (after.cities or after.has_filters)
        ):
            # "I read that Kai Wegner has signed partnerships. How many?": the signings told of
            queries[i + 1] = replace(after, text=f"{q.text} {after.text}")
            continue
        if (
            kept
            and context is None
            and _asks_only_whether(q)
            and kept[-1].op == "verify"
            and kept[-1].yes_no
            and not kept[-1].text.rstrip().endswith("?")
        ):
            continue  # "I heard Moscow is no longer a partner. Is that so?": the claim asks
        if i == len(queries) - 1 and _is_statement(q) and context is None:
            kept.append(q)  # "Answer in German from now on? I'd like to know when Prague joined."
            continue
        if _is_statement(q) or (i < len(queries) - 1 and _vague_claim(q)):
            told = _PREMISE_START.match(q.text) or _HEARSAY.search(q.text)
            if told and i < len(queries) - 1 and _checkable(q):
                # "Since Warsaw joined in 1995, ...?", "A friend says Tel Aviv is the oldest
                # partner. When did it join?": the premise is checked first
                claim = replace(q, op="verify", yes_no=True, intent=PREMISE)
                if claim.cities and claim.year and claim.year["op"] in ("in", "from"):
                    claim.claim_year, claim.year = claim.year["year"], None
                kept.append(claim)
                q = replace(q, year=None) if claim.claim_year else q
            if context is not None and context.route_id in (first_routes or set()):
                q.route_id = context.route_id
            context = q
            continue
        if context is not None and _asks_only_whether(q):
            # "Berlin ended its partnership with Moscow in 2022. Is that true?": the statement
            # is the claim to check.
            claim = replace(context, op="verify", yes_no=True, text=f"{context.text} {q.text}")
            if context.negated and not context.cities and context.capital is None:
                # "Mein Onkel sagt, Berlin hat keine Partnerstadt in Afrika. Stimmt das?": the
                # statement denies (a statement, so not a negated question)
                claim.denies = True
            if claim.cities and claim.year and claim.year["op"] in ("in", "from"):
                claim.claim_year, claim.year = claim.year["year"], None
            kept.append(claim)
            context = None
            continue
        if context is not None:
            if q.op == "verify" and not q.cities and context.cities:
                # "Tokio liegt in Europa und ist seit 1994 Partnerstadt, oder?": both claims
                q.regions = q.regions or list(context.regions)
                q.capital = q.capital if q.capital is not None else context.capital
                if q.year and q.year["op"] in ("in", "from") and q.claim_year is None:
                    q.claim_year, q.year = int(q.year["year"]), None
            elif (
                not q.has_filters
                and context.has_filters
                and not q.cities
                and (q.partner_words or q.op in ("list", "count", "superlative"))
            ):
                # "... eine Einheit zu Lateinamerika. Anzahl der Partnerstädte dort?"
                q.regions, q.year = list(context.regions), context.year
                q.status, q.capital = context.status, context.capital
            if q.topic in ELSEWHERE_TOPICS or (
                context.topic in ELSEWHERE_TOPICS and not (q.topic or q.route_id)
            ):
                # "My cousin in Istanbul wants to visit me. Who issues the visa?": another
                # authority's business; the statement's city and need are only its background.
                q.topic = q.topic or context.topic
                kept.append(q)
                context = None
                continue
            # "... a reception at the town hall. does the senate have a language service?":
            # a need of its own keeps its own topic.
            covered = q.route_id in (covers or {}).get(context.route_id or "", set())
            if covered:
                q.route_id = context.route_id
            own_need = q.route_id is not None and q.route_id != context.route_id
            q.route_id = q.route_id or context.route_id
            q.topic = q.topic or (None if own_need else context.topic)
            q.network = q.network or context.network
            if (
                q.compare
                and len(q.cities) == 1
                and len(context.cities) == 1
                and context.cities != q.cities
            ):
                # "Da Warschau 1995 dazukam, ist die Partnerschaft jünger als die mit Prag?"
                q.cities = [*context.cities, *q.cities]
                q.op, q.relative = "compare", None
            if not (q.cities or q.others):
                q.cities = list(context.cities)
                if q.relative in ("before", "after") and len(q.cities) == 1 and q.op != "count":
                    q.op = "relative"  # "Since Warsaw joined ..., which came right before it?"
                if len(q.cities) >= 2 and q.op == "superlative":
                    # "Tokyo and Buenos Aires joined in 1994. Which is the more recent?"
                    q.op = "compare"
                    q.compare = "newer" if q.superlative == "newest" else "older"
            if context.claim_count is not None and q.op == "verify" and q.claim_count is None:
                # "A guidebook says Berlin has 17 partner cities. Is that still right?"
                q.claim_count, q.cities = context.claim_count, []
            context = None
        kept.append(q)
    return kept or queries


def _vague_claim(q: Query) -> bool:
    """A claim typed as a statement that says nothing the knowledge can check ("Someone told
    me the Warsaw partnership goes back to the Cold War."): background for the question after it."""
    if q.op != "verify" or q.asks or q.text.rstrip().endswith("?") or not _HEARSAY.search(q.text):
        return False
    return bool(q.cities) and not (
        q.topic
        or q.network
        or q.route
        or q.year
        or q.claim_year
        or q.capital is not None
        or q.claim_ended
        or q.superlative
        or q.claim_count is not None
        or q.claim_rank
        or q.status
        or q.regions
        or q.relative
        or q.compare
        or q.negated
        or q.denies
        or _claimed_numbers(q.text)
    )


def _year_test(period: dict[str, Any]) -> Any:
    """A test of a year against a period of a query ({"op": "before", "year": 1990}, ...)."""
    op, year, to = period["op"], int(period["year"]), int(period.get("to") or 0)
    years = set(period.get("years") or [])
    return {
        "any": lambda y: y in years,
        "until": lambda y: y <= year,
        "in": lambda y: y == year,
        "before": lambda y: y < year,
        "after": lambda y: y > year,
        "from": lambda y: y >= year,
        "between": lambda y: year <= y <= to,
    }[op]


PREMISE = "premise"
_PREMISE_START = re.compile(
    r"\s*(since|as|given that|now that|because|da|weil|nachdem|wo doch)\b", re.IGNORECASE
)


def _stated_claim(q: Query) -> bool:
    """A message that states when one partner city joined and asks nothing."""
    return (
        _is_statement(q)
        and len(q.cities) == 1
        and q.partner_words
        and q.op in (None, "lookup")
        and q.claim_year is None
        and q.year is not None
        and q.year["op"] in ("in", "from")
        and not (q.route or q.topic or q.superlative or q.compare or q.relative)
    )


def _checkable(q: Query) -> bool:
    """A premise that states something the knowledge can check about a place, or a number
    of partner cities ("Since Berlin has 20 partner cities, ...")."""
    if q.claim_count is not None and q.partner_words and not (q.cities or q.others):
        return True
    return bool(
        (q.cities or q.others or q.unknown)
        and (q.year or q.capital is not None or q.claim_ended or q.superlative or q.partner_words)
    )


def _corrects(reply: Reply | None) -> bool:
    """Whether the answer to a premise says it is wrong ("No: ...", "Vienna is not ...")."""
    first = reply.parts[0].template if reply and reply.parts else ""
    return first.startswith("a_no") or first == "a_not_partner"


# Sentences that state a partner city's date ("X has been a partner city since ...").
_DATED = frozenset(
    (
        "a_city_since",
        "a_yes_partner",
        "a_yes_partner_contrary",
        "a_yes_partner_dormant",
        "a_yes_city_since",
        "a_no_city_since",
    )
)


def _without_repeats(reply: Reply, earlier: list[Reply]) -> Reply | None:
    """A later answer of one message without the sentences an earlier one already said (the
    same part, or the same city's date in another sentence); None when nothing is left."""
    said = [part for r in earlier for part in r.parts]
    dates = {(p.values.get("name"), p.values.get("since")) for p in said if p.template in _DATED}
    # "Who is the mayor and since when?": the first answer already gave the date.
    told = set().union(
        *(_numbers(str(p.values.get("text", ""))) for p in said if p.template == "a_text")
    )
    kept = [
        part
        for part in reply.parts
        if part not in said
        and not (
            part.template == "a_city_since"
            and (part.values.get("name"), part.values.get("since")) in dates
        )
        and not (part.template == "a_text" and _dates_told(str(part.values.get("text")), told))
    ]
    if not kept:
        return None
    return replace(reply, parts=kept)


def _names_a_place(q: Query) -> bool:
    return bool(q.cities or q.others or q.unknown or q.regions)


def _dates_told(text: str, told: set[int]) -> bool:
    """Whether a topic's sentence only states a date an earlier answer of the message gave."""
    numbers = _numbers(text)
    return any(n >= 1800 for n in numbers) and numbers <= told


def _small_talk(reply: Reply) -> bool:
    """A greeting, goodbye or thanks (not the capabilities or "are you a bot?")."""
    small = {CHITCHAT[i] for i in ("greet", "goodbye", "thank")}
    return reply.kind == "chitchat" and all(p.template in small for p in reply.parts)


def _undecided(a: PartnerCity, b: PartnerCity) -> bool:
    """Two partnerships of one year whose order the dates do not show (one has no day)."""
    return a.since.year == b.since.year and (a.since.day is None or b.since.day is None)


def _asks_only_whether(q: Query) -> bool:
    """ "Is that true?", "Stimmt das noch?": a yes/no question about what was said before."""
    return (
        q.op == "verify"
        and not (q.cities or q.others or q.unknown or q.attribute or q.has_filters)
        and not (q.topic or q.network or q.route_id or q.route or q.claim_count is not None)
        # "... driven out by the nazis. is there a programme that invites people like him":
        # a question of its own that the classifier is sure of
        and not (len(q.text.split()) > 6 and q.confidence >= 0.8)
    )


def _is_statement(q: Query) -> bool:
    return not (
        q.text.rstrip().endswith("?")
        or q.yes_no
        or q.asks
        or q.listing
        or q.route
        or q.op == "count"
    ) and not (
        q.intent == "switch_language"
        # "Guten Tag, ich bin von der Botschaft Japans.": a greeting that says something
        or (
            q.intent in ("greet", "goodbye", "thank")
            and not (q.route_id or q.topic or q.cities or q.regions or q.network)
        )
    )


_EVERY_CONTINENT = re.compile(
    r"\b(?:every|each|all(?: the)?|all seven|allen|jedem|jeden|sämtlichen)\s+"
    r"(?:continents?|kontinenten?|erdteilen?)\b",
    re.IGNORECASE,
)
# "not counting Moscow", "ohne Moskau", "außer Moskau": cities left out of a count or list
_EXCLUDING = re.compile(
    r"\b(not counting|without counting|except(?: for)?|excluding|apart from|leaving out|"
    r"leaving aside|other than|ohne|außer|ausgenommen|abgesehen von|nicht mitgezählt|"
    r"nicht mitgerechnet)\b",
    re.IGNORECASE,
)
# "how much older", "how many years between", "wie viele Jahre liegen zwischen"
_YEARS_APART = re.compile(
    r"\b(how much (?:older|newer|younger|earlier|later)|how many years|years apart|"
    r"wie viel (?:älter|jünger|früher|später)|wie viele jahre|jahre (?:liegen )?zwischen)\b",
    re.IGNORECASE,
)
# "Someone told me ...", "Ich habe gehört, ...": what the visitor heard, as a statement
_HEARSAY = re.compile(
    r"\b(?:(?:someone|somebody|people|a friend|my \w+) (?:told me|tells me|says|said|claims)|"
    r"i(?:'ve| have)? (?:heard|read)|"
    r"(?:jemand|man|ein \w+|eine \w+|mein \w+|meine \w+) (?:hat mir|sagt|sagte|meint|behauptet)|"
    r"(?:ich )?hab(?:e)? (?:ich )?(?:gehört|gelesen)|angeblich|supposedly|apparently)\b",
    re.IGNORECASE,
)
# "und welche ist das?", "which one is it?": the one city a count found
_WHICH_IS_IT = re.compile(
    r"\s*(?:(?:und|and|ok|so|also)\s*,?\s*)?(?:welche|welches|which|what)"
    r"(?:\s+(?:one|city|stadt|partner city|partnerstadt))?\s+(?:ist|war|is|was)\s+"
    r"(?:das|die|es|it|that|this|the one)(?:\s+(?:denn|dann|genau|then|exactly))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_WHICH_ARE_THEY = re.compile(
    r"\s*(?:(?:und|and|ok|so|also)\s*,?\s*)?(?:welche|which|what)"
    r"(?:\s+(?:ones|cities|städte|partner cities|partnerstädte))?\s+(?:sind|waren|are|were)\s+"
    r"(?:das|die|es|sie|they|those|these|them)(?:\s+(?:denn|dann|genau|then|exactly))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_WHO = re.compile(r"\b(?:who|whom|wer|wem)\b", re.IGNORECASE)
# "in that decade", "in diesem Jahrzehnt", "im selben Zeitraum": the period just asked about
_THAT_PERIOD = re.compile(
    r"\b(?:(?:that|this|the same|those|these)\s+(?:decade|period|years)|"
    r"(?:dem|diesem|jenem|demselben|dem gleichen)\s+(?:jahrzehnt|zeitraum)|"
    r"(?:diesen|jenen|denselben) jahren|"
    r"(?:im|in dem) (?:selben|gleichen) (?:jahrzehnt|zeitraum))\b",
    re.IGNORECASE,
)
_BETWEEN_THEM = re.compile(r"\b(?:dazwischen|between them|apart)\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(between|zwischen)\b", re.IGNORECASE)
_SUPERLATIVE = re.compile(
    r"\b(oldest|newest|youngest|latest|most recent|älteste\w*|jüngste\w*|neueste\w*)\b",
    re.IGNORECASE,
)
_SAME_YEAR = re.compile(
    r"\b(that year|the same year|same year as|in dem jahr|in diesem jahr|im selben jahr|"
    r"im gleichen jahr|im selbigen jahr|im jahr davon|in demselben jahr)\b",
    re.IGNORECASE,
)
# "how many partner cities does Berlin have in total?" after a list: all of them
_TOTAL = re.compile(r"\b(in total|overall|insgesamt|total|gesamt|alles in allem)\b", re.IGNORECASE)
_BERLIN = re.compile(r"\bberlin\b", re.IGNORECASE)
_CONTINENTS = re.compile(
    r"\b(continents|kontinente\w*|erdteile\w*|"
    r"(?:pro|je|per|nach|by|each|for each|für jeden)\s+(?:kontinent\w*|continent|erdteil\w*))\b",
    re.IGNORECASE,
)
# "Which continent has the most partner cities?", "ein Kontinent mit nur einer?"
_ONE_CONTINENT = re.compile(r"\b(?:continent|kontinent|erdteil)\b", re.IGNORECASE)
_CONTINENT_RANKINGS = (
    (
        "most",
        re.compile(
            r"\b(?:most|best represented|(?:am|die) meisten|am stärksten|am häufigsten)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "fewest",
        re.compile(
            r"\b(?:fewest|least|(?:am|die) wenigsten|am schwächsten|am seltensten)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "single",
        re.compile(
            r"\b(?:only one|just one|a single|single one|nur (?:eine[mnr]?|ein)|"
            r"bloß (?:eine[mnr]?|ein)|eine[mnr]? einzige[mnr]?)\b",
            re.IGNORECASE,
        ),
    ),
)
_COUNTRIES = re.compile(r"\b(countries|nations|ländern|länder|staaten)\b", re.IGNORECASE)
_OR = re.compile(r"\b(?:or|oder)\b", re.IGNORECASE)
# "more in Asia than in Europe?", "where are more, in Asia or in Europe?"
_MORE_THAN = re.compile(
    r"\b(more|fewer|less|mehr|weniger)\b.*\b(than|als|or|oder)\b", re.IGNORECASE | re.DOTALL
)
# "more than 15", "mindestens drei", "fewer than 20": a bound, not the count itself
_COUNT_BOUND = re.compile(
    r"\b(more than|over|über|mehr als|fewer than|less than|under|weniger als|unter|"
    r"at least|mindestens|wenigstens)\s+(?:\d+|[^\W\d_]+)\b",
    re.IGNORECASE,
)
_MORE = ("more than", "over", "über", "mehr als")
_FEWER_WORDS = ("fewer than", "less than", "under", "weniger als", "unter")
_FEWER = re.compile(r"\b(fewer|less|weniger)\b", re.IGNORECASE)
_OTHER = re.compile(r"\b(other|andere\w*|zweite\w*|second)\b", re.IGNORECASE)
# "if I include South America", "Südamerika mitgezählt": a region added to the last list's
_INCLUDE = re.compile(
    r"\b(include|including|included|counting|add|adding|plus|mitgezählt|mitzählen|mitgerechnet|"
    r"einschließlich|inklusive|dazugenommen|dazunehme\w*|zusammen mit)\b",
    re.IGNORECASE,
)
# "how many other partner cities ...", "wie viele andere/weitere ...": besides the one in context
_OTHER_THAN = re.compile(r"\b(other|others|besides|andere\w*|weitere\w*|außer)\b", re.IGNORECASE)
# "both", "the two", "die beiden": a claim about a group of named cities
# ("the first of the two", "welche der beiden" choose among them instead)
_BOTH = re.compile(
    r"(?<!of the )(?<!of )(?<!der )(?<!den )(?<!von )\b(both|two|three|beide\w*|zwei|drei)\b",
    re.IGNORECASE,
)
_WEDDING = re.compile(
    r"\b(heirat\w*|hochzeit\w*|trauung\w*|standesamt\w*|eheschließung\w*|marry|married|"
    r"wedding\w*|registry office)\b",
    re.IGNORECASE,
)
_HEAD = re.compile(
    r"\b(head|chief|leads?|leader|leitet|leiter\w*|leitung|protokollchef\w*|chef\w*)\b",
    re.IGNORECASE,
)
_DEPARTMENT = re.compile(r"\b(abteilung\w*|department)\b", re.IGNORECASE)
_ALL = re.compile(r"\b(all|alle|sämtliche|every|jede)\b", re.IGNORECASE)
_NUMBER_WORDS = {
    w: n
    for n, words in enumerate(
        [
            ("zero", "null"),
            ("one", "eins", "ein", "eine"),
            ("two", "zwei"),
            ("three", "drei"),
            ("four", "vier"),
            ("five", "fünf"),
            ("six", "sechs"),
            ("seven", "sieben"),
            ("eight", "acht"),
            ("nine", "neun"),
            ("ten", "zehn"),
            ("eleven", "elf"),
            ("twelve", "zwölf"),
        ]
    )
    for w in words
    if n > 1  # "one"/"ein" are articles as often as numbers
}


def _claimed_numbers(text: str) -> set[int]:
    """The numbers a yes/no question claims: of its asking sentence, without years told about
    a person's life ("my grandmother was born in 1925 and had to flee, does the city ...")."""
    clauses = re.split(r"[,;.:!?]|\b(?:and|und)\b", _asking_sentence(text))
    return {n for clause in clauses if not _LIFE_EVENT.search(clause) for n in _numbers(clause)}


_LIFE_EVENT = re.compile(
    r"\b(?:born|geboren|fled|flee|floh|geflohen|fliehen|emigrat\w*|emigrier\w*|left|verließ|"
    r"verlassen|lived|lebte|died|starb|gestorben)\b",
    re.IGNORECASE,
)


def _asking_sentence(text: str) -> str:
    """The last sentence of a text that asks a question of its own, else the whole text.

    "Das Goldene Buch hat neun Bände. Stimmt das?" asks about the sentence before it.
    """
    asked = re.findall(r"[^.!?]*\?", text)
    return asked[-1] if asked and len(asked[-1].split()) > 4 else text


def _numbers(text: str) -> set[int]:
    """The small numbers a text names, in digits or words ("ten volumes", "neun Bände")."""
    found = {int(n) for n in re.findall(r"(?<![\d.,])\d{1,3}(?!\d)(?![.,]\d)", text)}
    found |= {int(y) for y in re.findall(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", text)}
    found |= {
        _NUMBER_WORDS[w] for w in re.findall(r"[^\W\d_]+", text.lower()) if w in _NUMBER_WORDS
    }
    return found


# "Und welche sind keine?", "which one isn't?", "and the others?": the rest of the last list.
_COMPLEMENT = re.compile(
    r"^\W*(?:und\s+|and\s+|but\s+|aber\s+)?(?:welche\w*|wie ?viele|which|what|how many)\b"
    r"[^?]*\b(?:nicht|keine?n?|kein|not|aren'?t|isn'?t|don'?t|doesn'?t|non)\b"
    r"\W*(?:davon|of them|then)?\W*$"
    r"|^\W*(?:und|and)\s+(?:die|the)\s+"
    r"(?:anderen|übrigen|restlichen|others?|rest|remaining ones?)\W*$",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(r"\b(?:wie ?viele|how many|anzahl|number of)\b", re.IGNORECASE)
_REMAINING = re.compile(r"\b(übrig|verbleib\w*|left|remaining|remain|the rest|der rest)\b", re.I)
# Which item of the contact card a question asks for first.
_CONTACT_ITEM = re.compile(
    r"(?P<hours>öffnungszeit|opening hours|geöffnet|\bopen\b)"
    r"|(?P<fax>\bfax)|(?P<phone>telefon|phone|nummer|number|anruf|call|ring)"
    r"|(?P<address>anschrift|adresse|address|postal|post\b|postanschrift|wo sitzt|where is)",
    re.IGNORECASE,
)
# "Is there still contact with Moscow?", "Gibt es noch Austausch mit Moskau?": the working
# relation, which a dormant partnership does not have.
_CONTACT = re.compile(
    r"\b(?:kontakt\w*|verbindung\w*|austausch\w*|zusammenarbeit|beziehung\w*|gespr(?:ä|ae)ch\w*|"
    r"contacts?|ties|relations?|cooperation|co-operation|exchanges?|talks?|in touch)\b",
    re.IGNORECASE,
)
# "signed in Jerusalem", "im Roten Rathaus unterzeichnet": the place a signing claim names.
_PLACE_CLAIM = re.compile(
    r"\b(?:in|im|at)\s+(?:the\s+|dem\s+|der\s+)?([^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)?)",
    re.IGNORECASE,
)


def _names_someone(text: str) -> bool:
    """Whether a question names a person: two capitalised words in a row, not at its start."""
    import re

    return bool(re.search(r"(?<=\s)[A-ZÄÖÜ][a-zäöüß]+\s[A-ZÄÖÜ][a-zäöüß]+", text))


def _continent_ranking(text: str) -> str | None:
    """ "most", "fewest" or "single" for a question about one continent's share, else None."""
    if not _ONE_CONTINENT.search(text):
        return None
    return next((name for name, words in _CONTINENT_RANKINGS if words.search(text)), None)


def _pair(places: list[str]) -> dict[str, str]:
    return {"first": places[0], "second": places[1] if len(places) > 1 else ""}


def _join(items: list[str], lang: Lang) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    last = " und " if lang == "de" else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def _display(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


def answer(
    queries: list[Query], *, knowledge: Knowledge, lang: Lang, context: Context
) -> tuple[list[Reply], Context]:
    """Answer the questions of one message; returns the replies and the new context."""
    answerer = Answerer(knowledge, lang, context)
    return answerer.answer(queries), answerer.context
