"""A visitor's question as a structured query: operation, subject, attribute and filters.

The NLU pipeline (`assistant.nlu.query_parser.QueryParser`) builds one `Query` per question in a
message from the words (`assistant.answers.lexicon`), the places the CityMatcher found and the
intent; `assistant.answers.engine` answers it, filling gaps from the conversation's context.
Nothing here reads the conversation: a query holds only what this message says.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from assistant.answers import lexicon
from assistant.knowledge import Knowledge
from assistant.knowledge.names import normalise_name
from assistant.lang import LANGUAGES, Lang

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|\d+")
_CENTURY = re.compile(
    r"\b(1[5-9]|2[01])(?:\.|st|nd|rd|th)?[\s-]*(?:jahrhundert|century)", re.IGNORECASE
)
# "this century", "in diesem Jahrhundert", "last century", "im vorigen Jahrhundert", "this decade"
_NAMED_SPAN = re.compile(
    r"\b(this|the current|current|these|dies\w*|aktuell\w*|laufend\w*|jetzig\w*|"
    r"last|the last|previous|the previous|past|letzt\w*|vorig\w*|vergangen\w*)\s+"
    r"(century|jahrhundert\w*|decade|jahrzehnt\w*)\b",
    re.IGNORECASE,
)
_CURRENT = ("this", "the current", "current", "these", "dies", "aktuell", "laufend", "jetzig")
_SHORT_YEAR = re.compile(
    r"(?:(?<=\s')|(?<=\bim\s)|(?<=\bin\s)|(?<=\bseit\s)|(?<=\bsince\s))([5-9]\d)\b"
    # "welche sind 94 dazugekommen", "which ones were 94 signed": a year before a verb of joining
    r"|\b([5-9]\d)(?=\s+(?:(?:dazu|hinzu)?gekommen|beigetreten|unterzeichnet|unterschrieben|"
    r"geschlossen|besiegelt|joined|added|signed|concluded)\b)",
    re.IGNORECASE,
)
_DECADE_WORDS = {
    "sixties": 1960,
    "seventies": 1970,
    "eighties": 1980,
    "nineties": 1990,
    "sechziger*": 1960,
    "siebziger*": 1970,
    "achtziger*": 1980,
    "neunziger*": 1990,
}
_NON_REGION = re.compile(r"\bnon[\s-]+(?=[^\W\d_])", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_PART_OF_AMERICA = re.compile(
    r"\b(süd|sued|sud|south|nord|north|latein|latin)[\s-]+amerika\b", re.IGNORECASE
)
# "in north or south america", "in Nord- und Südamerika": both parts
_BOTH_PARTS_OF_AMERICA = re.compile(
    r"\b(?:nord|north|süd|sued|sud|south)(?:-|\s)*(?:or|and|oder|und|&|/)\s*"
    r"(?:nord|north|süd|sued|sud|south)[\s-]*ameri[ck]a",
    re.IGNORECASE,
)
# "in the last ten years", "in den letzten 5 Jahren", "over the past decade"
_RECENT = re.compile(
    r"\b(?:last|past|recent|letzten|vergangenen)\s+(?:(\d{1,2}|[^\W\d_]+)\s+)?"
    r"(years?|jahr(?:e|en)?|jahrzehnt\w*|decades?)\b",
    re.IGNORECASE,
)
# "older than 30 years", "seit über 30 Jahren", "weniger als zehn Jahre alt"
_AGE = re.compile(
    r"\b(older than|more than|over|at least|for over|younger than|less than|under|fewer than|"
    r"(?:ä|ae)lter als|mehr als|(?:ü|ue)ber|mindestens|j(?:ü|ue)nger als|weniger als|unter)\s+"
    r"(\d{1,3}|[^\W\d_]+)\s+(?:years?|jahren?|jahre)\b",
    re.IGNORECASE,
)
_YOUNGER_THAN = {
    "younger than",
    "less than",
    "under",
    "fewer than",
    "junger als",
    "weniger als",
    "unter",
}
_EVENT = re.compile(
    r"(?:\s|^)(?:the\s+|der\s+|dem\s+|die\s+)?("
    + "|".join(re.escape(cue) for cue in lexicon.EVENT_YEARS)
    + r")\w*",
    re.IGNORECASE,
)
# "1992 bis 1994", "from 1992 to 1994", "1992-1994", "1992–94" is not covered (two full years).
_RANGE = re.compile(
    r"(?<!\d)(?:1[89]|20)\d\d\s*(?:bis|to|until|through|-|–)\s*(?:(?:zum|dem|einschließlich)\s+)?"
    r"(?:jahr\s+)?(?:1[89]|20)\d\d(?!\d)",
    re.IGNORECASE,
)
# "only one", "nur eine": "one" and "ein" are articles unless "only" makes them a number
_ONLY_ONE = re.compile(
    r"\b(?:only|just|exactly|nur|genau|lediglich)\s+(?:one|a single|eine[nmr]?|ein)\b",
    re.IGNORECASE,
)
# "older than all the others", "älter als alle anderen": a superlative, not a comparison
_ALL_OTHERS = re.compile(
    r"\b(?:than|als)\s+(?:all|any|every|alle|jede)\w*\s+(?:the\s+)?(?:others?|other\b|anderen?\b|"
    r"übrigen|uebrigen)",
    re.IGNORECASE,
)
# "die erste Vereinbarung mit Peking", "the first agreement with Beijing": that city's history,
# not the oldest partner city
_FIRST_AGREEMENT_WITH = re.compile(
    r"\b(?:erste[nmrs]?|fr(?:ü|ue)heste[nmrs]?|first|earliest)\s+(?:\w+\s+){0,2}?"
    r"(?:vereinbarung|abkommen|vertr(?:a|ä)g|kontakt|verbindung|beziehung|agreement|treaty|"
    r"contact|ties|link|relation)\w*\s+(?:mit|zu|zwischen|with|to|between)\b",
    re.IGNORECASE,
)
# "Mit wem hat Berlin die Partnerschaft?", "With whom does Berlin have the partnership?" ask who
# the partner is, unless the visitor asks whom they should talk to ("mit wem kann ich ...").
_PARTNER_OF_BERLIN = re.compile(
    r"\b(?:mit wem|with whom)\b(?:\s+\w+){0,3}?\s+(?:hat|has|does|did|ist|is)\s+berlin\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:ich|wir|mich|uns|i|we|me|us|my|our)\b", re.IGNORECASE)
# "1990 or later", "2000 oder früher": the year's open end, not a comparison
_OPEN_PERIOD = re.compile(
    r"(?<!\d)(?:1[89]|20)\d\d\s+(?:or|and|oder|und)\s+"
    r"(?:later|after|earlier|before|sp(?:ä|ae)ter|danach|fr(?:ü|ue)her|davor)\b",
    re.IGNORECASE,
)
_AMERICAS = ("americas", "north_america", "south_america", "latin_america")
_DECADE = re.compile(r"(?<!\d)(?:(19|20)?(\d)0)(?:'?s|er|er jahre|ern|er-jahre)\b", re.IGNORECASE)

_SHORT_QUESTIONS = frozenset(
    ("seit wann", "since when", "ab wann", "from when", "in which", "in welchem", "wo genau")
)
# Separators between two questions in one message.
# An abbreviation's full stop ends no sentence.
_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:z|e\.g|i\.e|z\.\s?b|d\.\s?h|u\.\s?a|bzw|ca|etc|usw|vgl|inkl|incl|approx|"
    r"nr|dr|st|str|bspw|evtl|ggf)\.$",
    re.IGNORECASE,
)
_QUESTION_END = re.compile(r"[?!;]+\s+|(?<!\d)\.\s+(?=[A-ZÄÖÜ])")  # not after "20."
# A message typed all in lower case: a full stop before a lower-case word ends a sentence too,
# but not after a number or an abbreviation ("z. b.", "ca.", "bzw.").
_LOWER_CASE_END = re.compile(
    r"[?!;]+\s+|(?<!\d)(?<!\b[a-z])(?<!\bca)(?<!\bbzw)(?<!\busw)(?<!\betc)(?<!\bnr)(?<!\bdr)"
    r"(?<!\bst)(?<!\bvs)(?<!\bggf)(?<!\bevtl)\.\s+(?=[a-zäöüß])"
)
_CONJUNCTION = re.compile(
    r",?\s+(?:-\s+)?(?:and also|and then|and tell me|as well as|plus|and|und außerdem|"
    r"und sagen sie mir|und sag mir|und ausserdem|und|also|außerdem|ausserdem|sowie)[\s,]+"
    r"(?=(?:(?:falls|wenn|if)\s+(?:ja|so|yes|nicht|nein|not)[\s,]+)?"
    r"(?:(?:roughly|approximately|ungefähr|etwa|eigentlich|denn)\s+)?"
    r"(?:who|what|when|which|where|how|is|are|does|do|did|can|tell|"
    r"since when|since what|seit wann|seit welchem|in welchem|in welcher|auf welchem|in which|"
    r"wer|was|wann|welche|wohin|woher|"
    r"welcher|welches|wo|wie|wieviele|wieviel|ist|sind|gibt|hat|kann|an wen|bei wem|mit wem|"
    r"wen|wem|whom|ruht|ruhen|besteht|darf|"
    r"sag|nenn|zeig|whether|ob|"
    r"liegt|liegen|war|wurde|gehört|has|have|was|were|lies|"
    r"could|would|should|may|könnte|könnten|können|dürfen|muss|müssen|"
    # "außerdem würde mich interessieren, ...", "and i'd also like to know ...": a wish to
    # know, not "und würden gern eine Feier ausrichten" (the same subject goes on)
    r"interessiert mich|"
    r"(?:ich\s+)?(?:würde|würden|wüsste|möchte|i'd|i would|i want)(?:\s+\w+){0,3}?\s+"
    r"(?:wissen|interessieren|erfahren|know|ask|find out))\b)",
    re.IGNORECASE,
)

# "whats the oldest partner city how many are there": a second question typed straight after
# the first, without a mark or "and" between them (question words that start no clause inside
# a question)
_RUN_ON = re.compile(
    r"(?<=\w)[\s,]+(?=(?:how many|wie\s?viele|seit wann|since when|wann|wer)\s+\w+\s+\w)",
    re.IGNORECASE,
)
# the word before a question word that makes it part of the sentence ("ich weiß nicht, wer")
_RUN_ON_BEFORE = frozenset(
    "seit since ab bis from until know wissen weiß weiss tell sagen sag sagt wonder frage fragen "
    "ask asking interessiert interessieren and und or oder me mir mich uns us nicht not is ist "
    "egal matter".split()
)
_RUN_ON_HEAD_MIN_WORDS = 4
_RUN_ON_HEAD = re.compile(
    r"\s*(?:what['’]?s|whats|who['’]?s|what|who|when|where|which|how|wer|wann|wo|welche\w*|wie|was)\b",
    re.IGNORECASE,
)
# "what i want to know is how many ...": one question
_KNOWING = frozenset("know wissen weiß weiss wonder frage fragen ask".split())

# "Erstens:", "Secondly,", "Außerdem:", "First, who ...": how a question is joined to the
# message, not what it asks ("first" would read as "the oldest").
_ENUMERATION = re.compile(
    r"^\s*(?:(?:erstens|zweitens|drittens|viertens|firstly|secondly|thirdly|fourthly|außerdem|"
    r"ausserdem|zudem|weiterhin|additionally|furthermore|moreover|plus)\b[\s,:.–-]*"
    r"|(?:first|second|third|next|then|finally|lastly|dann|zuletzt|zum schluss)\s*[,:]\s*"
    r"|(?:first|second|third|finally|lastly)\s+(?=(?:who|what|when|which|where|how|is|are|does|"
    r"did|can)\b))+",
    re.IGNORECASE,
)
# "... und falls ja, seit wann?", "and if so, since when?": a question asked only if the one
# before it is answered Yes (or No, for "if not").
_CONDITIONAL = re.compile(
    r"^\s*(?:(?:und|and)\s+)?(?:falls|wenn|if)\s+(ja|so|yes|nicht|nein|not)\b[\s,:]*",
    re.IGNORECASE,
)

# "Since Warsaw joined in 1995, ...", "Da Paris 1967 Partnerstadt wurde, ...", "Weil Istanbul die
# Hauptstadt ist – ...": a premise clause before the question ("since when" asks, it is no premise).
_PREMISE = re.compile(
    r"\s*((?:since|as|given that|now that|because|da|weil|nachdem|wo doch)\s+"
    r"(?!when\b|wann\b|of\b|then\b|dann\b|then\b)[^,;:?–—]{6,120}?)\s*(?:,|:|\s[–—-]\s)\s*",
    re.IGNORECASE,
)
_PREMISE_CLAIM = re.compile(
    r"(?<!\d)(?:1[89]|20)\d\d(?!\d)|capital|hauptstadt|oldest|newest|älteste|jüngste|neueste|"
    r"partner|ended|cancelled|no longer|beendet|gekündigt|nicht mehr|kein\w* mehr",
    re.IGNORECASE,
)
_HEAD_QUESTIONS = frozenset(
    "what's who's what who when where which how was wer wann wo welche welcher welches wie".split()
)
# "Which partner cities are in Europe and are not capitals?": a second predicate of the same
# plural subject after a list or count question, not a question of its own.
_LIST_HEAD = re.compile(r"^\W*(?:which|what|how many|welche|wie\s?viele)\b", re.IGNORECASE)
_PLURAL_PREDICATES = frozenset(
    "are were have joined became date sind waren haben liegen lagen kamen wurden ruhen "
    "gehören gehoeren".split()
)
_OWN_SUBJECT = frozenset("there es you they sie ihr".split())
_VERBS = frozenset(
    "is are does do did can has have was were lies ist sind gibt hat kann liegt liegen war wurde "
    "gehört ruht ruhen besteht darf could would should may könnte könnten können dürfen muss "
    "müssen würde würden wüsste möchte interessiert i'd i ich".split()
)

OPERATIONS = ("lookup", "list", "count", "superlative", "compare", "verify", "relative")


@dataclass
class Query:
    """What one question asks.

    Attributes:
        text (str): the question's own words.
        intent (str | None): the intent the classifier gave this question.
        op (str | None): "lookup", "list", "count", "superlative", "compare" or "verify"; None
            when the words show no operation (then the intent decides).
        cities (list[str]): partner cities named, in order (knowledge keys).
        others (list[str]): other known cities named (not partners).
        regions (list[str]): continents or countries named, or meant by an adjective.
        unknown (list[str]): town names the NLU found but the knowledge does not know.
        attribute (str | None): the fact asked for ("since", "signers", "country", ...).
        year (dict | None): a period, {"op": "in"|"before"|"after"|"from"|"between", "year", "to"}.
        status (str | None): "active" or "dormant" as a filter.
        capital (bool | None): only capitals (True) or only non-capitals (False).
        superlative (str | None): "oldest" or "newest".
        compare (str | None): "older" or "newer".
        negated (bool): the question contains a negation ("not a capital").
        back_reference (bool): words point back ("it", "davon", "that one").
        continuation (bool): starts like "and ...?", "und mit ...?".
        among (bool): asks to choose among what was named ("which of them").
        partner_words (bool): speaks of partner cities or partnerships.
        route (bool): asks who is responsible or whom to contact.
        route_id (str | None): the route in organisation.yml whose words match best.
        topic (str | None): a topic of services.yml, "networks", or a unit ("unit:II A").
        network (str | None): a city network named.
        district (str | None): a Berlin district named.
        claim_year (int | None): a year the visitor asserts ("... in 2022, right?").
        only (bool): "the only ...", "die einzige ...".
        listing (bool): words that ask for a list ("which", "welche", "list").
        claim_count (int | None): a number of partner cities the visitor asserts.
        claim_ended (bool): the visitor asserts a partnership has ended.
        relative (str | None): "before" or "after" a named city ("the one right before Kyiv"),
            "until" it (counted with it: "how many when Kyiv joined?").
        confidence (float): the classifier's confidence in `intent`.
        exclude_regions (bool): the regions are excluded ("neither in Europe nor in Asia").
        yes_no (bool): phrased as a yes/no question, whatever the operation ("Is Tokyo older
            than Buenos Aires?" compares, and still wants Yes or No first).
        mentions (list[str]): the places named (partner or not), in text order.
        rank (int): 2 for "the second oldest", 3 for "the third newest"; 1 otherwise.
        pick (str | None): "latter" or "former" of the two cities named last.
        asks (bool): starts (or its last clause starts) with a question word or a request
            ("which", "wann", "tell me", "nenn mir"), or has one inside ("Budapest ist seit
            wann Partnerstadt?").
        both_ends (bool): asks for the oldest and the newest at once.
        claim_rank (int | None): a place in the order of partnerships the visitor asserts
            ("die 20. Partnerstadt", "Berlin's 20th partner city").
        ordinal (bool): `rank` comes from an ordinal of its own ("die vierte Partnerstadt",
            "Berlin's 17th partner"), not from "the second oldest".
        duration (bool): asks how long a partnership has lasted ("how long", "seit wie vielen
            Jahren"), not how many partner cities there are.
        denies (bool): a statement to confirm that is itself negated ("Berlin hat keine
            Partnerstadt in Südamerika, oder?"); not a negated question ("Isn't there ...?")
            and not a negation in the closing tag ("..., didn't it?").
        condition (str | None): "yes" when the question is asked only if the one before it is
            answered Yes ("und falls ja, seit wann?"), "no" for "and if not, ...".
        more_attributes (list[str]): further facts of the city asked for in a list
            ("Prag: Land, Kontinent, Datum?").
    """

    text: str
    intent: str | None = None
    op: str | None = None
    cities: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    attribute: str | None = None
    year: dict[str, Any] | None = None
    status: str | None = None
    capital: bool | None = None
    superlative: str | None = None
    compare: str | None = None
    negated: bool = False
    back_reference: bool = False
    continuation: bool = False
    among: bool = False
    partner_words: bool = False
    route: bool = False
    route_id: str | None = None
    topic: str | None = None
    network: str | None = None
    district: str | None = None
    claim_year: int | None = None
    only: bool = False
    listing: bool = False
    claim_count: int | None = None
    claim_ended: bool = False
    relative: str | None = None
    confidence: float = 1.0
    exclude_regions: bool = False
    yes_no: bool = False
    mentions: list[str] = field(default_factory=list)
    rank: int = 1
    pick: str | None = None
    asks: bool = False
    both_ends: bool = False
    claim_rank: int | None = None
    ordinal: bool = False
    duration: bool = False
    denies: bool = False
    condition: str | None = None
    more_attributes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The query for the parse data: fields left at their default are left out."""
        defaults = Query(text="")
        return {k: v for k, v in asdict(self).items() if k == "text" or v != getattr(defaults, k)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Query:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{"text": "", **known})

    @property
    def has_filters(self) -> bool:
        return bool(self.regions or self.year or self.status or self.capital is not None)


def _fold(word: str) -> str:
    """ "aelteste" and "älteste" alike: umlauts typed as ae, oe, ue (after normalise_name)."""
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _norm(text: str) -> str:
    return _fold(normalise_name(text))


class _Words:
    """The normalised words of a text, for cue lookups."""

    def __init__(self, text: str) -> None:
        self.words = [_norm(w) for w in _WORD.findall(text)]
        self.joined = " " + " ".join(self.words) + " "
        # Where each word occurs, in order: a cue of several words is tried only where its
        # first word stands (the parser asks for hundreds of cues per message).
        self._at: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            self._at.setdefault(word, []).append(i)

    def has(self, cues: Iterable[str]) -> bool:
        return any(self.position(c) >= 0 for c in cues)

    def position(self, cue: str) -> int:
        """Index of the first word where `cue` matches, or -1."""
        parts, prefix = _cue(cue)
        if not parts:
            return -1
        if len(parts) == 1:
            if not prefix:
                at = self._at.get(parts[0])
                return at[0] if at else -1
            return next((i for i, w in enumerate(self.words) if w.startswith(parts[0])), -1)
        last = len(parts) - 1
        for i in self._at.get(parts[0], ()):
            if i + last >= len(self.words):
                break
            if all(self.words[i + k] == parts[k] for k in range(1, last)) and (
                self.words[i + last].startswith(parts[last])
                if prefix
                else self.words[i + last] == parts[last]
            ):
                return i
        return -1

    def starts_with(self, cues: Iterable[str]) -> bool:
        return any(self.position(c) == 0 for c in cues)

    def ends_with(self, cues: Iterable[str]) -> bool:
        for cue in cues:
            parts = _norm(cue).split()
            if parts and self.words[-len(parts) :] == parts:
                return True
        return False


@lru_cache(maxsize=4096)
def _cue(cue: str) -> tuple[tuple[str, ...], bool]:
    """A cue's normalised words and whether its last word is a prefix ("unterzeichn*")."""
    return tuple(_norm(cue.rstrip("*")).split()), cue.endswith("*")


def _both(cues: lexicon.Cues) -> tuple[str, ...]:
    return tuple(c for lang in LANGUAGES for c in cues[lang])


# Courtesy around a question: "Hallo, kurze Frage: ...", "Hi there! Quick question - ...",
# "... Danke!", "... Thanks in advance, Anna". Not a question of its own when a question follows
# or precedes it (a message of courtesy only stays as it is).
_GREETING = (
    r"(?:hallo|hello|hallöchen|hi|hey|moin|servus|grüß gott|grüezi|"
    r"guten (?:tag|morgen|abend)|good (?:morning|afternoon|evening|day)|"
    r"(?:liebes?|lieber|sehr geehrte[rs]?) (?:team|damen und herren|assistent\w*|bot)|"
    r"dear (?:team|assistant|bot|sir or madam|sir|madam)|entschuldigung|entschuldigen sie|"
    r"excuse me|sorry)(?: (?:there|zusammen|again|nochmal))?"
)
_ASKING = (
    r"(?:(?:(?:please|bitte|pls|plz)\s+)?(?:(?:can|could) you\s+)?(?:tell me|sagen sie mir|"
    r"sag mir|sag mal|erklären sie mir|explain)(?:\s+(?:please|bitte))?|"
    r"(?:(?:ich hätte|ich habe|hab|habe|i have|i've got|i've|i got)\s+)?(?:mal\s+)?"
    r"(?:eine?|noch eine?|one|a|another)?\s*(?:kurze|kleine|schnelle|quick|short|small|simple)?\s*"
    r"(?:frage|question)(?:\s+(?:an sie|an dich|for you|bitte|please))?)"
)
_THANKS = (
    r"(?:(?:vielen|herzlichen|besten|tausend)\s+)?(?:dank(?:e)?(?:\s+(?:schön|sehr|dir|ihnen))?|"
    r"thanks?(?:\s+(?:you|a lot|so much|very much))*|thx|cheers)"
)
# "ok, ...", "Interesting! And ...": an acknowledgement before the next question
_ACKNOWLEDGED = (
    r"(?:ok(?:ay)?|alles klar|alright|all right|great|super|prima|perfekt|perfect|cool|"
    r"interessant|interesting|ah|aha|oh|ach so|verstehe|i see|got it|gut|good)"
)
_COURTESY_HEAD = re.compile(
    rf"^\s*(?:(?:(?:{_GREETING}|{_THANKS}|{_ACKNOWLEDGED})\s*[,!.:;–—-]+\s*)+"
    rf"(?:{_ASKING}\s*[:,–—-]+\s*)?|{_GREETING}\s+(?={_ASKING})(?:{_ASKING}\s*[:,–—-]+\s*)|"
    rf"{_ASKING}\s*[:–—-]+\s*)",
    re.IGNORECASE,
)
_SIGN_OFF = (
    rf"(?:{_THANKS}(?:\s+(?:im voraus|vorab|in advance))?|"
    r"(?:(?:viele|liebe|beste|freundliche|schöne)\s+)?grüße|lg|mfg|gruß|"
    r"(?:best|kind|warm)?\s*regards|best wishes|tschüss|bye|ciao)"
)
_COURTESY_TAIL = re.compile(
    rf"(?:(?<=[?!.])|[,;]|\s[–—-]|(?=\s))\s*{_SIGN_OFF}(?:\s*(?:,|und|and|&)?\s*{_SIGN_OFF})*"
    r"(?:[\s,!.]+[A-ZÄÖÜ][\w-]*)?[\s!.]*$",
    re.IGNORECASE,
)


# "what is U20 Thanks!": a question typed without "?" keeps its words.
_QUESTION_WORD_FIRST = re.compile(
    r"\s*(?:what|who|when|where|which|how|was|wer|wann|wo|welche\w*|wie)\b", re.IGNORECASE
)


def courtesy_trimmed(text: str) -> tuple[int, int]:
    """The span of `text` without a greeting or "quick question:" before it and a thank-you
    or greeting after it; the whole text when nothing else would be left."""
    start, end = 0, len(text)
    head = _COURTESY_HEAD.match(text)
    if head and _WORD.search(text[head.end() :]):
        start = head.end()
    tail = _COURTESY_TAIL.search(text, start)
    # "Gut zu wissen, danke!" is courtesy throughout: only a question keeps its words.
    kept = text[start : tail.start()] if tail else ""
    # "what is U20 Thanks!": a question and a new sentence after it (not "wie sage ich danke")
    new_sentence = tail is not None and tail.group(0).lstrip(" ,;–—-")[:1].isupper()
    if tail and (
        "?" in kept
        or len(_WORD.findall(kept)) >= 4
        or (new_sentence and _QUESTION_WORD_FIRST.match(kept))
    ):
        end = tail.start()
    return start, end


def split_questions(text: str) -> list[tuple[int, int]]:
    """Character spans of the separate questions in a message (one span when there is one).

    Splits at question marks and full stops between sentences, and at "and"/"und" when a new
    question word follows ("Is Vienna a partner and who do I contact?").
    """
    first, last = courtesy_trimmed(text)
    if (first, last) != (0, len(text)):
        return [(s + first, e + first) for s, e in split_questions(text[first:last])]
    premise = _PREMISE.match(text)
    if premise and text.rstrip().endswith("?") and _PREMISE_CLAIM.search(premise.group(1)):
        # "Since Warsaw joined in 1995, which city came right before it?": the premise is a
        # claim of its own, checked before the question is answered.
        cut = premise.end(1)
        rest = [
            (s + premise.end(), e + premise.end())
            for s, e in split_questions(text[premise.end() :])
        ]
        return [(0, cut), *rest]
    spans: list[tuple[int, int]] = []
    start = 0
    ends = _QUESTION_END if text != text.lower() else _LOWER_CASE_END
    for match in ends.finditer(text):
        if _ABBREVIATION_END.search(text, 0, match.start() + 1):
            continue  # "die Bezirke, z. B. Pankow", "districts, e.g. Spandau"
        spans.append((start, match.start() + 1))
        start = match.end()
    spans.append((start, len(text)))
    result: list[tuple[int, int]] = []
    for s, e in spans:
        piece = text[s:e]
        cut = s
        for match in _CONJUNCTION.finditer(piece):
            # "... in Europe and are active?" is one question: a part needs three words.
            tail = _WORD.findall(_CONDITIONAL.sub("", piece[match.end() :]))
            # ", und seit wann?" is a question of its own although it is short
            short_question = len(tail) >= 2 and " ".join(tail[:2]).lower() in _SHORT_QUESTIONS
            # "Sie lebt in Haifa und hat als Kind in Schöneberg gewohnt.": a verb after "und"
            # starts a question only in a sentence that asks one.
            statement = bool(tail) and tail[0].lower() in _VERBS and piece.rstrip().endswith(".")
            head = _WORD.findall(text[cut : s + match.start()])
            # "What's Eurocities and is Berlin also in C40?": a short question before "and"
            asked_first = len(head) == 2 and head[0].lower() in _HEAD_QUESTIONS
            same_subject = (
                _LIST_HEAD.match(text[cut : s + match.start()]) is not None
                and len(tail) >= 2
                and tail[0].lower() in _PLURAL_PREDICATES
                and tail[1].lower() not in _OWN_SUBJECT
            )
            if (
                (len(head) >= 3 or asked_first)
                and (len(tail) >= 3 or short_question)
                and not statement
                and not same_subject
            ):
                result.append((cut, s + match.start()))
                cut = s + match.end()
        result.append((cut, e))
    return [
        piece
        for s, e in result
        for piece in _run_on(text, s, e)
        if text[piece[0] : piece[1]].strip(" ,.;!?")
    ]


def _run_on(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span split where a second question starts without a mark or a conjunction."""
    spans: list[tuple[int, int]] = []
    cut = start
    for match in _RUN_ON.finditer(text, start, end):
        head = text[cut : match.start()]
        words = _WORD.findall(head)
        if (
            len(words) >= _RUN_ON_HEAD_MIN_WORDS
            and _RUN_ON_HEAD.match(head)
            and words[-1].lower() not in _RUN_ON_BEFORE
            and not any(w.lower() in _KNOWING for w in words)
        ):
            spans.append((cut, match.start()))
            cut = match.end()
    spans.append((cut, end))
    return spans


def parse(
    text: str,
    *,
    knowledge: Knowledge,
    intent: str | None = None,
    entities: Iterable[dict[str, Any]] = (),
    lang: Lang | None = None,
) -> Query:
    """Read one question.

    Args:
        text: the question's words.
        knowledge: the facts (for names of networks, region adjectives, routes).
        intent: the intent the classifier gave this question.
        entities: NLU entities inside this question (CityMatcher's `city` and `region`, the
            CRF's unknown towns), with offsets relative to `text`.
        lang: the language the words are in, if the NLU found one ("Was London ...?" is a
            yes/no question in English, "Was ist ...?" a question for a fact in German).
    """
    conditional = _CONDITIONAL.match(text)
    cut = conditional.end() if conditional else 0
    lead = _ENUMERATION.match(text, cut)
    if lead and lead.end() < len(text.rstrip()):
        cut = lead.end()
    if cut:
        # Entity offsets are relative to the question's text: shift them with it.
        text = text[cut:]
        entities = [
            {**e, "start": int(e["start"]) - cut, "end": int(e["end"]) - cut} if "start" in e else e
            for e in entities
            if "start" not in e or int(e["start"]) >= cut
        ]
    words = _Words(text)
    query = Query(text=text.strip(), intent=intent)
    if conditional:
        query.condition = "no" if conditional.group(1).lower() in _IF_NOT else "yes"
    _places(query, knowledge, entities)
    non_region = _regions_by_adjective(query, words, knowledge)
    if query.unknown and query.regions:
        # "Is Bruxelles an African partner city?": the tagger's unknown town "African" is the
        # region's adjective
        stems = [
            _norm(stem)
            for region in query.regions
            for place in (knowledge.continents.get(region), knowledge.countries.get(region))
            if place is not None
            for forms in place.adjectives.values()
            for stem in forms
        ]
        query.unknown = [u for u in query.unknown if not _norm(u).startswith(tuple(stems))]
    part = _PART_OF_AMERICA.search(text)
    if _BOTH_PARTS_OF_AMERICA.search(text):
        query.regions = [r for r in query.regions if r not in _AMERICAS]
        query.regions += ["north_america", "south_america"]
    elif part and "americas" in query.regions:
        # "in Süd Amerika", "Nord amerika": the part, not both Americas
        which = part.group(1).lower()
        query.regions[query.regions.index("americas")] = (
            "latin_america"
            if which.startswith(("latein", "latin"))
            else "south_america"
            if which.startswith(("süd", "sued", "south"))
            else "north_america"
        )
    _period(query, text, words)
    query.partner_words = words.has(_both(lexicon.PARTNER))
    if words.has(_both(lexicon.NOT_DORMANT)):
        query.status = "active"
    else:
        for status, cues in lexicon.STATUS_FILTER.items():
            if words.has(_both(cues)):
                query.status = status
                break
    if query.regions and (
        non_region or _without_excluded_cities(text, entities).has(_both(lexicon.EXCLUDE_REGION))
    ):
        query.exclude_regions = True
    # "non-European capitals": the "non" belongs to the region, not to "capitals"
    negations = _Words(_NON_REGION.sub(" ", text)) if non_region else words
    query.negated = negations.has(_both(lexicon.NEGATION))
    query.only = words.has(_both(lexicon.ONLY))
    query.listing = words.has(_both(lexicon.LIST))
    if words.has(_both(lexicon.ATTRIBUTES["capital"])):
        query.capital = not query.negated
    query.back_reference = words.has(_both(lexicon.BACK_REFERENCE))
    if words.has(("letztere*", "the latter", "latter")):
        query.pick = "latter"
    elif words.has(("erstere*", "the former", "former")):
        query.pick = "former"
    query.continuation = words.starts_with(_both(lexicon.CONTINUATION))
    query.among = words.has(_both(lexicon.AMONG))
    query.route = words.has(_both(lexicon.ROUTE))
    if query.route and _PARTNER_OF_BERLIN.search(text) and not _FIRST_PERSON.search(text):
        query.route = False  # "Mit wem genau hat Berlin in Brüssel die Partnerschaft?": the partner
    query.route_id = _route(words, knowledge)
    query.topic = _topic(words)
    query.network = _network(words, knowledge)
    query.district = next((d for d in lexicon.DISTRICTS if words.has((d,))), None)
    # "a contact person at the Land Berlin": the Land, not a question for a country
    plain = _COME_OVER.sub(" ", _LAND_BERLIN.sub(" ", text))
    facts = _Words(plain) if plain != text else words
    query.attribute = _attribute(facts)
    # "Prag: Land, Kontinent, Datum?": every fact asked for, in the order of the knowledge
    query.more_attributes = [
        name
        for name in _LISTED_ATTRIBUTES
        if name != query.attribute and facts.has(_both(lexicon.ATTRIBUTES[name]))
    ]
    if query.attribute is None or len(query.more_attributes) > 2 or not query.cities:
        query.more_attributes = []
    if query.attribute == "history":
        # "Why was it signed in 1987?" asks for the reason, not for the signers too
        query.more_attributes = [a for a in query.more_attributes if a != "signers"]
    if "country" in (query.attribute, *query.more_attributes):
        # "Tashkent is in Uzbekistan (Asia)" names the continent too
        if query.attribute == "continent":
            query.attribute = "country"
        query.more_attributes = [
            a for a in query.more_attributes if a not in ("continent", query.attribute)
        ]
    if query.topic is None and not (
        query.cities or query.partner_words or query.attribute == "signers"
    ):
        query.topic = next((t for t, ws in lexicon.PERSON_TOPICS.items() if words.has(ws)), None)
    for rank, cues in lexicon.RANKS.items():
        if words.has(_both(cues)):
            query.rank = rank
    ranked_superlative = _ranked_superlative(text)
    # "in the last ten years" names a period, not the newest
    ranked = _Words(_RECENT.sub(" ", text)) if _RECENT.search(text) else words
    if ranked.has(_both(lexicon.OLDEST)):
        query.superlative = "oldest"
        # "the oldest and the newest partner city?": both ends
        query.both_ends = ranked.has(_both(lexicon.NEWEST))
    elif ranked.has(_both(lexicon.NEWEST)):
        query.superlative = "newest"
    if ranked_superlative is not None:
        # "die viertjüngste", "the fifth oldest": a place counted from either end
        query.rank, query.superlative = ranked_superlative
        query.both_ends = False
    if query.superlative and len(query.cities) == 1 and _FIRST_AGREEMENT_WITH.search(text):
        query.superlative, query.both_ends, query.attribute = None, False, "history"
    ordinal = _ordinal(text)
    if ordinal and not query.cities and (query.rank == 1 or not query.superlative):
        # "Was war die vierte Partnerstadt?", "Which city became Berlin's 17th partner?"
        query.rank, query.ordinal = ordinal, True
        query.superlative = query.superlative or "oldest"
    elif ordinal and query.cities:
        query.claim_rank = ordinal  # "Ist Istanbul die vierte Partnerstadt?"
    query.duration = bool(_DURATION.search(text)) and len(query.cities) < 2
    # "joined in 1990 or later": an open period, not a comparison
    compared = _Words(_OPEN_PERIOD.sub(" ", text)) if _OPEN_PERIOD.search(text) else words
    if compared.has(_both(lexicon.OLDER)):
        query.compare = "older"
    elif compared.has(_both(lexicon.NEWER)):
        query.compare = "newer"
    elif words.has(_both(lexicon.LONGER)) and not words.has(_both(lexicon.NO_LONGER)):
        query.compare = "older"  # "a partner longer than Mexico City", "besteht schon länger"
    if query.compare and len(query.cities) == 1 and _ALL_OTHERS.search(text):
        # "Is LA older than all the others?" claims the city is the oldest (or newest)
        query.superlative = "oldest" if query.compare == "older" else "newest"
        query.compare = None
    query.relative = _relative(words, text, entities)
    query.op = _operation(query, words, lang)
    if query.yes_no and not non_region and not words.starts_with(_both(lexicon.VERIFY_START)):
        body = _Words(" ".join(words.words[: len(words.words) - _tag_length(words)]))
        query.denies = body.has(_both(lexicon.NEGATION))
    # "Berlin ended its partnership with Moscow in 2022." - also as a statement that a later
    # "Is that true?" asks about.
    query.claim_ended = (
        facts.has(_both(lexicon.ENDED))
        or words.has(_both(lexicon.NO_LONGER))
        or _NO_LONGER_SPLIT.search(text) is not None
    )
    if query.partner_words and not query.cities and query.op in ("verify", None):
        # "Berlin has 17 partner cities, right?" - or a statement a later question checks.
        small = [int(n) for n in re.findall(r"(?<![\d.])(\d{1,2})(?![\d.])", text)]
        # "Are there two South American partner cities?": a number word is a claim too.
        small += [lexicon.NUMBER_WORDS[w] for w in words.words if w in lexicon.NUMBER_WORDS]
        if not small and _ONLY_ONE.search(text):
            small = [1]  # "Does Berlin have only one partner city in North America?"
        query.claim_count = small[0] if small else None
    rank_claim = _RANK_CLAIM.search(text)
    if rank_claim and query.cities:
        query.claim_rank = int(rank_claim.group(1) or rank_claim.group(2))
    if query.op == "verify" and query.cities and query.year and query.year["op"] in ("in", "from"):
        # "Kyiv became a partner in 2022, right?", "partners since 1990, right?": a claim.
        query.claim_year = query.year["year"]
        query.year = None
    return query


def _places(query: Query, knowledge: Knowledge, entities: Iterable[dict[str, Any]]) -> None:
    for entity in entities:
        value = str(entity.get("value") or "")
        if entity.get("entity") == "city":
            if knowledge.partner(value):
                _add(query.cities, value)
                _add(query.mentions, value)
            elif value in knowledge.other_cities:
                _add(query.others, value)
                _add(query.mentions, value)
            elif entity.get("extractor") != "CityMatcher":
                _add(query.unknown, str(entity.get("text") or value))
        elif entity.get("entity") == "region" and (
            value in knowledge.continents or value in knowledge.countries
        ):
            _add(query.regions, value)


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _regions_by_adjective(query: Query, words: _Words, knowledge: Knowledge) -> bool:
    """Adds the regions an adjective names; True when one is negated ("non-European",
    "nichteuropäisch", "außereuropäisch"): the region is then excluded."""
    found: list[tuple[int, str]] = []
    negated = False
    places = [*knowledge.continents.values(), *knowledge.countries.values()]
    for place in places:
        for stems in place.adjectives.values():
            for stem in stems:
                # German stems take any ending; English adjectives are whole words.
                position = words.position(stem + "*")
                if position >= 0 and place.kind == "country":
                    # "die italienische Partnerstadt", not "auf Französisch" or "des russischen
                    # Angriffskriegs": a country's adjective counts only before a city noun
                    after = position + len(stem.split())
                    following = words.words[after] if after < len(words.words) else ""
                    if not following.startswith(_CITY_NOUNS):
                        continue
                if position >= 0:
                    found.append((len(normalise_name(stem)), place.id))
                    if position > 0 and words.words[position - 1] in _NON_WORDS:
                        negated = True  # "non European", "non-European"
                    continue
                folded = _norm(stem).replace(" ", "")
                if any(
                    w.startswith(prefix + folded) for w in words.words for prefix in _NON_PREFIXES
                ):
                    found.append((len(normalise_name(stem)), place.id))
                    negated = True  # "nichteuropäische", "außereuropäischen", "noneuropean"
    # "südamerikanisch" also starts no other stem, but "amerikanisch" is inside it: keep the
    # longest stem per position by preferring longer matches.
    for _, place_id in sorted(found, reverse=True):
        if place_id == "americas" and any(
            r in query.regions for r in ("north_america", "south_america", "latin_america")
        ):
            continue
        _add(query.regions, place_id)
    return negated


# Nouns a country's adjective must stand before to name a region (normalised word starts)
_CITY_NOUNS = (
    "partner",
    "stadt",
    "stadte",
    "hauptstadt",
    "city",
    "cities",
    "twin",
    "sister",
    "capital",
)
# "apart from Istanbul", "ohne Moskau": a city left out, not a region
_EXCLUDING_BEFORE = re.compile(
    r"\b(?:apart from|except(?: for)?|excluding|not counting|leaving out|other than|ohne|"
    r"außer|ausser|abgesehen von|ausgenommen)\s+(?:the\s+|die\s+|den\s+|dem\s+|der\s+)?$",
    re.IGNORECASE,
)


def _without_excluded_cities(text: str, entities: Iterable[dict[str, Any]]) -> _Words:
    """The words without "apart from <city>" (the cue excludes the city, not a region)."""
    cut = text
    for entity in sorted(
        (e for e in entities if e.get("entity") == "city" and "start" in e),
        key=lambda e: -int(e["start"]),
    ):
        match = _EXCLUDING_BEFORE.search(text[: int(entity["start"])])
        if match:
            cut = cut[: match.start()] + " " + cut[int(entity["end"]) :]
    return _Words(cut)


# "non-European", "nichteuropäisch", "außereuropäisch": a region adjective that excludes.
_NON_WORDS = frozenset(("non",))
_NON_PREFIXES = ("non", "nicht", "ausser", "auser")


def _period(query: Query, text: str, words: _Words) -> None:
    age = _AGE.search(text)
    if age and not _YEAR.search(text):
        # "partnerships older than 30 years", "seit über 30 Jahren", "less than ten years old"
        amount = normalise_name(age.group(2))
        span = int(amount) if amount.isdigit() else lexicon.NUMBER_WORDS.get(amount, 0)
        if span:
            older = _norm(age.group(1)) not in _YOUNGER_THAN
            op = "before" if older else "after"
            query.year = {"op": op, "year": datetime.date.today().year - span}
            return
    named = _NAMED_SPAN.search(text)
    if named and not _YEAR.search(text):
        # "this century" (2000 counts to the 21st here), "last century", "this decade";
        # "the last decade" is the last ten years (below)
        this_year = datetime.date.today().year
        century = named.group(2).lower().startswith(("century", "jahrhundert"))
        current = normalise_name(named.group(1)).startswith(_CURRENT)
        if century or current:
            size = 100 if century else 10
            start = this_year - this_year % size - (0 if current else size)
            query.year = {"op": "between", "year": start, "to": start + size - 1}
            return
    recent = _RECENT.search(text)
    if recent and not _YEAR.search(text):
        # "in the last ten years", "in den letzten 5 Jahren": from that many years ago
        this_year = datetime.date.today().year
        amount, unit = normalise_name(recent.group(1) or ""), recent.group(2).lower()
        if unit in ("year", "jahr") and not amount:  # "last year", "im letzten Jahr"
            query.year = {"op": "in", "year": this_year - 1}
            return
        span = int(amount) if amount.isdigit() else lexicon.NUMBER_WORDS.get(amount, 0)
        if unit.startswith(("decade", "jahrzehnt")):
            span = 10 * (span or 1)
        query.year = {"op": "from", "year": this_year - (span or 10)}  # "in recent years": 10
        return
    event = _EVENT.search(text)
    # ("between the fall of the Wall and 2000": the event is one end of the period)
    if event and (not _YEAR.search(text) or words.has(_both(lexicon.BETWEEN))):
        # "nach der Wiedervereinigung", "before the turn of the millennium": the event's year
        year = next(y for cue, y in lexicon.EVENT_YEARS.items() if cue in event.group(1).lower())
        text = text[: event.start()] + f" {year}" + text[event.end() :]
        words = _Words(text)
    named_decades = [start for word, start in _DECADE_WORDS.items() if words.has((word,))]
    if named_decades:
        numbered = [
            int(f"{m.group(1) or ('20' if m.group(2) in '012' else '19')}{m.group(2)}0")
            for m in _DECADE.finditer(text)
        ]
        decades = sorted(set(named_decades + numbered))
        if len(decades) >= 2:  # "in the nineties and the 2000s"
            query.year = {
                "op": "any",
                "year": decades[0],
                "years": sorted(d + i for d in decades for i in range(10)),
                "decades": decades,
            }
            return
        query.year = {"op": "between", "year": decades[0], "to": decades[0] + 9}
        return
    short = _SHORT_YEAR.search(text)
    if short and not _YEAR.search(text):  # "'94", "im Jahr 94", "in 94"
        text = (
            text[: short.start()] + "19" + (short.group(1) or short.group(2)) + text[short.end() :]
        )
        words = _Words(text)
    century = _CENTURY.search(text)
    if century:  # "im 21. Jahrhundert", "in the 20th century" (2000 counts to the 21st here)
        start = (int(century.group(1)) - 1) * 100
        query.year = {"op": "between", "year": start, "to": start + 99}
        return
    # "2000 (2000 eingeschlossen)" names one year.
    years = list(dict.fromkeys(int(y) for y in _YEAR.findall(text)))
    decades = [
        int(f"{m.group(1) or ('20' if m.group(2) in '012' else '19')}{m.group(2)}0")
        for m in _DECADE.finditer(text)
    ]
    if len(decades) >= 2:  # "aus den 60er und 80er Jahren"
        query.year = {
            "op": "any",
            "year": decades[0],
            "years": sorted(d + i for d in set(decades) for i in range(10)),
            "decades": sorted(set(decades)),
        }
        return
    if decades:
        query.year = {"op": "between", "year": decades[0], "to": decades[0] + 9}
        return
    if not years:
        return
    if len(years) >= 2 and (words.has(_both(lexicon.BETWEEN)) or _RANGE.search(text) is not None):
        query.year = {"op": "between", "year": min(years[:2]), "to": max(years[:2])}
        return
    if len(years) >= 2:  # "1987 und 1988"
        query.year = {"op": "any", "year": years[0], "years": sorted(set(years))}
        return
    year = years[0]
    index = next((i for i, w in enumerate(words.words) if w == str(year)), 0)
    before = " ".join(words.words[max(0, index - 3) : index])
    near = _Words(before)
    if near.has(("ende", "end of", "bis ende", "by the end of")):
        query.year = {"op": "until", "year": year}
    elif near.has(_both(lexicon.BEFORE)):
        query.year = {"op": "before", "year": year}
    elif near.has(_both(lexicon.AFTER)):
        query.year = {"op": "after", "year": year}
    elif near.has(_both(lexicon.FROM)):
        query.year = {"op": "from", "year": year}
    elif near.has(_both(lexicon.FROM_IF_OPEN)) and _Words(
        " ".join(words.words[index + 1 : index + 3])
    ).starts_with(_both(lexicon.OPEN_END)):
        query.year = {"op": "from", "year": year}
    elif _Words(" ".join(words.words[index + 1 : index + 3])).starts_with(_both(lexicon.OR_LATER)):
        query.year = {"op": "from", "year": year}  # "in the year 2000 or later"
    elif _Words(" ".join(words.words[index + 1 : index + 3])).starts_with(
        _both(lexicon.OR_EARLIER)
    ):
        query.year = {"op": "until", "year": year}  # "1990 oder früher"
    elif (
        words.has(_both(lexicon.STATE_AT))
        and words.has(_both(lexicon.PARTNER))
        and not words.has(_both(lexicon.NEW_IN_YEAR))
    ):
        # "Wie viele Partnerstädte hatte Berlin 2024?": all partnerships by then.
        query.year = {"op": "until", "year": year}
    else:
        query.year = {"op": "in", "year": year}


def _attribute(words: _Words) -> str | None:
    if words.has(_both(lexicon.RANK_ASKED)):
        return "rank"  # "die wievielte Partnerstadt ist Kiew?", "which number partner is Kyiv?"
    for name, cues in lexicon.ATTRIBUTES.items():
        if name == "country" and _THE_LAND.search(words.joined):
            # "Wer übernimmt beim Land die Betreuung ...?": the Land Berlin, not a country
            cues = {lang: tuple(c for c in cs if c != "land") for lang, cs in cues.items()}
        if words.has(_both(cues)):
            if name == "signers" and _asks_when(words):
                return "since"  # "when was the Budapest agreement signed?": the date
            if name == "signers" and words.has(_WHY):
                return "history"  # "Why was the agreement with Paris signed in 1987?"
            return name
    return None


_TELL_ME = re.compile(
    r"\b(?:tell me|let me know|like to know|love to know|keen to know|want to know|"
    r"curious|wondering|i wonder|sag mir|mir sagen|uns sagen|"
    r"w(?:ü|ue)rde mich interessieren|mich interessiert|"
    r"sagen sie mir|verraten sie mir|erkl(?:ä|ae)ren sie mir|m(?:ö|oe)chte wissen|"
    r"w(?:ü|ue)rde gern(?:e)? wissen|w(?:ü|ue)sste gern(?:e)?|will wissen|frage mich)"
    r"\b,?\s+(?:\w+\s+){0,3}?"
    r"(?P<word>where|what|when|who|which|how|whether|if|wo|was|wann|wer|welche\w*|wie|ob)\b",
    re.IGNORECASE,
)
_PLEASE_LIST = re.compile(
    r"\s*(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+|kindly\s+)?"
    r"(?:tell|give|list|name|show|send)\s+(?:me|us)\s+(?!whether\b|if\b)",
    re.IGNORECASE,
)
_THE_LAND = re.compile(r" (?:beim|vom|zum|ans|das|dem) land (?!liegt)| land berlin")


def _asks_when(words: _Words) -> bool:
    """ "when was ... signed?", "wann wurde ... unterzeichnet?" - not "who signed when?"."""
    return words.has(_both(lexicon.WHEN)) and not words.has(_both(lexicon.WHO))


def _route(words: _Words, knowledge: Knowledge) -> str | None:
    """The route whose words match: one marked `first` wins, then the longest word."""
    best: tuple[bool, int, str] | None = None
    for route in knowledge.routes:
        if any(words.position(w + "*") >= 0 for ws in route.unless.values() for w in ws):
            continue  # "our school class would like to visit the Rotes Rathaus": a tour
        for lang in LANGUAGES:
            for word in route.words.get(lang, ()):
                rank = (route.first, len(word))
                # a German compound ends in it: "Lehrerdelegation", "Wirtschaftsdelegation"
                compound = (
                    lang == "de"
                    and len(word) >= 7
                    and " " not in word
                    and any(word in w[1:] for w in words.words)
                )
                found = words.position(word + "*") >= 0 or compound
                if found and (best is None or rank > best[:2]):
                    best = (route.first, len(word), route.id)
    if best is None and _ARRIVAL.search(words.joined):
        # "next month the mayor of Warsaw is coming to Berlin": a visit, in other words
        visit = next((r for r in knowledge.routes if r.id == "visit"), None)
        if visit is not None and not any(
            words.position(w + "*") >= 0 for ws in visit.unless.values() for w in ws
        ):
            return visit.id
    return best[2] if best else None


# "kommt nächsten Monat nach Berlin", "is coming to Berlin in May" (normalised words)
_ARRIVAL = re.compile(
    r" (?:kommt|kommen|reist|reisen|coming|comes|come|travels|travelling|traveling|flies|flying)"
    r" (?:\S+ ){0,8}?(?:nach|to) berlin "
    r"| (?:come|comes|coming|came) over "
)
# "planning to come over in May": a visit, not a partnership that is over
_COME_OVER = re.compile(r"\b(?:come|comes|coming|came)\s+over\b", re.IGNORECASE)
_COUNTED_AMONG = (
    "count among",
    "count as",
    "counted among",
    "counted as",
    "count towards",
    "zählen zu",
    "zählt zu",
    "zählen auch zu",
    "zählt auch zu",
)


def _topic(words: _Words) -> str | None:
    for topic, cues in lexicon.TOPICS.items():
        if words.has(_both(cues)):
            return topic
    return None


def _network(words: _Words, knowledge: Knowledge) -> str | None:
    for network in knowledge.networks.values():
        names = (network.id, network.name.de, network.name.en, *network.aliases)
        if any(words.has((n,)) for n in names):
            return network.id
    return None


def _relative(words: _Words, text: str, entities: Iterable[dict[str, Any]]) -> str | None:
    if words.has(_both(lexicon.BEFORE_OR_AFTER)):
        return "either"  # "Was that before or after Tokyo?"
    return _relative_to_place(words, text, entities)


def _relative_to_place(words: _Words, text: str, entities: Iterable[dict[str, Any]]) -> str | None:
    """ "right before Tel Aviv", "vor Kiew", "jünger als die mit Prag", "danach": a place in the
    order of partnerships (a named city, or the one in context)."""
    for entity in entities:
        if entity.get("entity") != "city" or "start" not in entity:
            continue
        before = _Words(text[: int(entity["start"])]).words
        # The word right before the name, or two with "right", "kurz", ... ("right before
        # Tel Aviv"); not further: "nach Usbekistan - ist Taschkent ..." is no order.
        intensified = len(before) >= 2 and before[-2] in _INTENSIFIERS
        close = _Words(" ".join(before[-2:] if intensified else before[-1:]))
        if before[-2:] == ["prior", "to"]:
            return "before"
        # "before the one with Kyiv", "vor der mit Kiew": the words between do not count (but
        # not for "nach", which also asks about: "ich frage nach der Partnerschaft mit Kiew").
        stripped = list(before)
        while stripped and stripped[-1] in _FILLERS:
            stripped = stripped[:-1]
        last = stripped[-1:] or [""]
        comparative = _comparative_than(before[-6:])
        if close.has(("before", "vor", "prior to")) or comparative == "before":
            return "before"
        if last[0] in ("before", "vor") and len(stripped) < len(before):
            return "before"
        if before[-1:] == ["nach"] and before[-2:-1] and before[-2].startswith(_TOWARDS):
            continue  # "Gibt es noch Kontakt nach Moskau?", "Reise nach Prag": a direction
        if close.has(("after", "nach")) or comparative == "after":
            return "after"
        if before[-1:] in (["since"], ["seit"]) and words.has(_both(lexicon.COUNT)):
            return "after"  # "how many were added since London joined"
        if before[-1:] in (["when"], ["als"], ["once"]) and words.has(_both(lexicon.COUNT)):
            return "until"  # "how many did Berlin have when Kyiv joined?" (Kyiv counted)
        if last[0] == "after" and len(stripped) < len(before):
            return "after"
    if words.has(_both(lexicon.AFTER_THAT)):
        return "after"
    if words.has(_both(lexicon.BEFORE_THAT)):
        return "before"
    return None


# Words before "nach <city>" that make it a direction, not "after": "Kontakt nach Moskau".
_TOWARDS = (
    "kontakt",
    "verbindung",
    "beziehung",
    "draht",
    "austausch",
    "reis",
    "fahr",
    "flieg",
    "flug",
    "flüg",
    "flueg",
    "delegation",
    "weg",
)


# "How long has Tokyo been a partner?", "Seit wie vielen Jahren ist Prag Partnerstadt?"
_DURATION = re.compile(
    r"\b(how long|for how many years|how many years (?:has|have|had|is|was|did|now)|"
    r"since how many years|how old is|how old are|wie lange|wie alt ist|wie alt sind|"
    r"seit wie ?viel(?:en)? jahren|"
    r"wie ?viele jahre (?:schon|ist|besteht|bestand|gibt|sind|war|hat))\b",
    re.IGNORECASE,
)
_ORDINAL_STEMS = {
    **{
        stem: n
        for n, stems in enumerate(
            [
                (),
                (),
                ("zweit",),
                ("dritt",),
                ("viert",),
                ("funft", "fuenft"),
                ("sechst",),
                ("siebt", "siebent"),
                ("acht",),
                ("neunt",),
                ("zehnt",),
                ("elft",),
                ("zwolft", "zwoelft"),
                ("dreizehnt",),
                ("vierzehnt",),
                ("funfzehnt", "fuenfzehnt"),
                ("sechzehnt",),
                ("siebzehnt",),
                ("achtzehnt",),
                ("neunzehnt",),
            ]
        )
        for stem in stems
    },
}
# "viertjüngste", "fünftälteste", "the fifth oldest", "4th newest": an ordinal joined to a
# superlative. (Second and third are in lexicon.RANKS as well.)
_RANKED_SUPERLATIVE = re.compile(
    r"\b(?P<de>[^\W\d_]+?t)-?(?P<de_sup>(?:ä|ae|a)lteste|fr(?:ü|ue|u)heste|j(?:ü|ue|u)ngste|"
    r"neu(?:e)?ste|letzte)\w*"
    r"|\b(?:(?P<num>\d{1,2})(?:st|nd|rd|th)|(?P<en>[a-z]+th|second|third))[- ]"
    r"(?P<en_sup>oldest|earliest|first|newest|latest|youngest|most recent|last)\b",
    re.IGNORECASE,
)


def _ranked_superlative(text: str) -> tuple[int, str] | None:
    """(rank, "oldest" | "newest") of "die viertjüngste", "the fifth oldest", or None."""
    for match in _RANKED_SUPERLATIVE.finditer(text):
        if match.group("de"):
            rank = _ORDINAL_STEMS.get(_norm(match.group("de")))
            sup = _norm(match.group("de_sup"))
        else:
            number, word = match.group("num"), (match.group("en") or "").lower()
            rank = int(number) if number else _ORDINAL_WORDS_EN.get(word)
            sup = match.group("en_sup").lower()
        if rank is None or not 2 <= rank <= 30:
            continue
        oldest = sup.startswith(("a", "fr", "first", "oldest", "earliest"))
        return rank, "oldest" if oldest else "newest"
    return None


_ORDINAL_WORDS_EN = {
    w: n
    for n, w in enumerate(
        "_ _ second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split()
    )
    if n >= 2
}
_ORDINAL = re.compile(
    r"\b(?:(?P<num>\d{1,2})(?:\.|st|nd|rd|th)|(?P<word>[^\W\d_]+?)(?:e|en|er|es)?)"
    r"(?=\s+(?:(?:neue|new|official|offizielle)\s+)?(?:partner|städtepartner|staedtepartner|"
    r"twin|sister|stadt\b|city\b|one\b|to join|to become|dazu|hinzu))"
    r"|\b(?:als|joined|came|signed|kam|became|wurde)(?:\s+als)?\s+(?:(?P<num2>\d{1,2})\.|(?P<word2>[^\W\d_]+?)(?:e|en|er|es)?)\b",
    re.IGNORECASE,
)


def _ordinal(text: str) -> int | None:
    """A place in the order of partnerships named by an ordinal ("die vierte Partnerstadt",
    "als vierte", "Berlin's 17th partner", "the fourth one"), or None."""
    for match in _ORDINAL.finditer(text):
        number = match.group("num") or match.group("num2")
        if number:
            if 1 <= int(number) <= 30:
                return int(number)
            continue
        word = _norm(match.group("word") or match.group("word2") or "")
        full = _norm(match.group(0).split()[-1]) if match.group("word2") else ""
        found = (
            _ORDINAL_WORDS_EN.get(word) or _ORDINAL_WORDS_EN.get(full) or _ORDINAL_STEMS.get(word)
        )
        if found is not None:
            return found
    return None


# "keine Partnerstadt mehr", "nicht länger": German splits "no longer" around the noun.
_NO_LONGER_SPLIT = re.compile(
    r"\b(?:kein\w*|nicht)\b[^.?!]{0,40}?\bmehr\b(?!\s+als)", re.IGNORECASE
)
# "die 20. Partnerstadt", "Berlin's 20th partner city"
_RANK_CLAIM = re.compile(
    r"\b(\d{1,2})\.\s*(?:partnerstadt|partnerschaft|städtepartnerschaft)"
    r"|\b(\d{1,2})(?:st|nd|rd|th)\s+(?:partner|twin|sister|city)",
    re.IGNORECASE,
)
_INTENSIFIERS = frozenset(
    "right just immediately directly shortly kurz direkt gleich unmittelbar noch schon".split()
)
_FILLERS = frozenset(
    "the one ones with of partnership agreement der die das dem den mit partnerschaft".split()
)


def _comparative_than(words: list[str]) -> str | None:
    """ "jünger sind als (die mit)", "older than": a comparative, then "als"/"than"."""
    for i, word in enumerate(words):
        if "als" in words[i + 1 :] or "than" in words[i + 1 :]:
            if word in lexicon.EARLIER_THAN:
                return "before"
            if word in lexicon.LATER_THAN:
                return "after"
    return None


_ASKED_AT_END = re.compile(
    r"\b(?:seit|since|wann|when|wo|where|wer|who|woher|wohin|welche[rsmn]?|which|what year|"
    r"wie viele|how many|how long|wie lange)\s*[?!.]*\s*$",
    re.IGNORECASE,
)


def _operation(query: Query, words: _Words, lang: Lang | None = None) -> str | None:
    # "Zählen die Bezirkspartnerschaften zu den 19?" asks whether, not how many.
    # "Do the districts' partnerships count among the 19?" asks whether, too.
    counted_whether = (
        words.starts_with(("zählen", "zählt")) or words.has(_COUNTED_AMONG)
    ) and not words.has(
        tuple(c for c in _both(lexicon.COUNT) if not c.startswith(("zähl", "count")))
    )
    # "what's the phone number of the Senate Chancellery?" asks for a number to call.
    phone_number = words.has(("phone number", "telephone number", "fax number", "contact number"))
    if (
        words.has(_both(lexicon.COUNT))
        and not counted_whether
        and not query.duration
        and not phone_number
    ):
        return "count"
    # "Ich bin Schülerin ...: In welchem Land liegt Windhuk?" - the question is the last clause.
    last_clause = re.split(r"[:;,.–—]\s+|\s-\s", query.text.rstrip(" ?!"))[-1]
    asks = words.starts_with(_both(lexicon.QUESTION_WORDS)) or _Words(last_clause).starts_with(
        _both(lexicon.QUESTION_WORDS)
    )
    if not asks and not words.starts_with(_both(lexicon.VERIFY_START)):
        asks = words.has(_both(lexicon.IN_SITU))
    # "london partnerstadt seit?", "Tokyo since when?": a question word at the end asks.
    asks = asks or bool(_ASKED_AT_END.search(query.text))
    # "pls tell me where the golden book is kept", "ich möchte wissen, seit wann ...": asks.
    asks = asks or bool(_TELL_ME.search(query.text))
    # "So Istanbul is the capital?" - but not "Paris?" or "und mit Warschau?".
    # "Partnerschaften aus den 60er und 80er Jahren?" asks for a list, not whether.
    # "mexiko stadt kontinent?", "tashkent country?": a city and the fact asked for, no verb.
    telegraphic = (
        query.attribute in _VALUE_ATTRIBUTES
        and len(words.words) <= 4
        and not words.has(_both(lexicon.VERIFY_START))
    )
    statement_question = (
        query.text.rstrip().endswith("?")
        and not asks
        and not telegraphic
        and not query.continuation
        and len(words.words) > 2
        and bool(
            query.cities
            or query.others
            or query.unknown
            or re.search(r"(?<![\w.])\d{1,2}(?![\w.])", query.text)
            or not (query.partner_words or query.has_filters)
            # "I assume the Emigrantenprogramm started sometime in the 1990s?"
            or (query.topic is not None and not query.partner_words)
        )
    )
    # "und gehört der Sprachendienst auch dazu?": a yes/no question after "and".
    after_and = _Words(" ".join(words.words[1:])) if words.words[:1] in (["und"], ["and"]) else None
    verify = (
        words.starts_with(_both(lexicon.VERIFY_START))
        or (after_and is not None and after_and.starts_with(_both(lexicon.VERIFY_START)))
        # "Wir fliegen nach Usbekistan – ist Taschkent Partnerstadt?": the last clause asks
        or (
            last_clause != query.text
            and _Words(last_clause).starts_with(_both(lexicon.VERIFY_START))
        )
        or (lang is not None and words.starts_with(lexicon.VERIFY_START_ONLY.get(lang, ())))
        or (words.ends_with(_both(lexicon.VERIFY_END)) and not _asks_where_or_when(words))
        or (not asks and words.has(_both(lexicon.CLAIM)))
        or statement_question
    ) and not words.starts_with(_WHY)  # "Warum ist Los Angeles keine Hauptstadt?" asks why
    told = _TELL_ME.search(query.text)
    if told and told.group("word").lower() not in ("whether", "if", "ob"):
        verify = False  # "Can you tell me when Tokyo became a partner?" asks when
    elif told:
        verify = True  # "Kannst du mir sagen, ob Budapest eine Partnerstadt ist": whether
    if _PLEASE_LIST.match(query.text):
        verify = False  # "can u tell me the partner cities in south america pls" asks for them
    # "Did Windhoek or London come first?" asks which, not whether; a closing "..., oder?"
    # is a tag that asks whether.
    body = _Words(" ".join(words.words[: len(words.words) - _tag_length(words)]))
    alternative = (len(query.mentions) >= 2 or len(query.regions) >= 2) and body.has(("or", "oder"))
    if alternative and query.cities and len(query.regions) >= 2:
        # "Liegt Istanbul in Europa oder in Asien?": the continent, not a yes or no.
        query.attribute, query.regions = "continent", []
        return "lookup"
    query.yes_no = bool(verify) and not alternative
    query.asks = asks
    if query.compare and query.back_reference and len(query.cities) == 1:
        return "compare"  # "Prague - is it older than Warsaw?": the city in context and Warsaw
    if query.relative in ("before", "after") and len(query.cities) == 2:
        # "Did Madrid come before Paris?", "Kam Brüssel vor Prag?"
        query.compare = "older" if query.relative == "before" else "newer"
        query.relative = None
        return "compare"
    if (
        query.relative in ("before", "after")
        and query.compare
        and len(query.cities) == 1
        and verify
        and not query.listing
    ):
        # "die ist doch älter als die mit Paris, oder?" (after Madrid): the city in context
        # compared with the one named
        return "compare"
    if query.relative in ("before", "after") and len(query.cities) == 1:
        return "relative"
    if (query.compare or query.superlative) and len(query.cities) >= 2:
        query.compare = query.compare or ("newer" if query.superlative == "newest" else "older")
        return "compare"
    if query.compare and not query.superlative:
        return "compare"
    if query.superlative and not (verify and query.cities):
        return "superlative"
    if query.among and query.compare:
        return "compare"
    if verify:
        return "verify"
    if query.cities or query.others or query.unknown:
        return "lookup"
    listing = words.has(_both(lexicon.LIST))
    if (listing and (query.partner_words or query.has_filters)) or (
        query.has_filters and query.partner_words
    ):
        return "list"
    return None


_IF_NOT = ("nicht", "nein", "not")
# Facts of a city a question may list side by side ("Land, Kontinent, Datum?").
_LISTED_ATTRIBUTES = ("country", "continent", "since", "signers")
_LAND_BERLIN = re.compile(r"\b(?:land(?:es)?|state)\s+berlin\b", re.IGNORECASE)
# Attributes whose value a telegraphic question asks for ("Windhuk Land?"), not whether.
_VALUE_ATTRIBUTES = ("continent", "country", "signers", "since", "rank", "history")
_WHY = ("warum", "wieso", "weshalb", "weswegen", "why", "how come")


# "(and) where is it?", "und wann war das?": the tag's words after a question word ask for it
_WHERE_OR_WHEN = frozenset("where when how wo wann wie".split())


def _asks_where_or_when(words: _Words) -> bool:
    body = words.words[: len(words.words) - _tag_length(words)]
    if body[:1] in (["and"], ["und"]):
        body = body[1:]
    return len(body) == 1 and body[0] in _WHERE_OR_WHEN


def _tag_length(words: _Words) -> int:
    """The number of words of a closing yes/no tag ("oder?", "oder nicht?", "right?"), or 0."""
    lengths = [len(_cue(c)[0]) for c in _both(lexicon.VERIFY_END) if words.ends_with((c,))]
    return max(lengths, default=0)


def lang_of(value: object) -> Lang | None:
    return value if value in LANGUAGES else None  # type: ignore[return-value]
