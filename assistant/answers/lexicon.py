"""Words that mark the parts of a question, German and English side by side.

Every cue is written as a visitor types it; `assistant.answers.query` compares them after
`normalise_name` (lower case, no accents: "älteste" -> "alteste"). A cue ending in "*" matches any
word that begins with it ("unterzeichn*" finds "unterzeichnet"); other cues match whole words or
phrases. Domain facts (names, units, routes) are not here: they live in data/knowledge.
"""

from __future__ import annotations

from assistant.lang import Lang

Cues = dict[Lang, tuple[str, ...]]

# -- what the visitor wants done -------------------------------------------------------------
COUNT: Cues = {
    "de": (
        "wie viele",
        "wie vielen",
        "wieviele",
        "wievielen",
        "wie viel",
        "wieviel",
        "anzahl",
        "zahl der",
        "zählen",
    ),
    "en": ("how many", "how much", "number of", "count"),
}
LIST: Cues = {
    "de": (
        "welche",
        "welcher",
        "liste*",
        "alle",
        "nenn*",
        "zeig*",
        "aufzähl*",
        "auflisten",
        "was sind",
    ),
    "en": ("which", "list*", "all", "name the", "name all", "show", "what are", "tell me the"),
}
OLDEST: Cues = {
    "de": (
        "zweitälteste*",
        "drittälteste*",
        "älteste*",
        "erste",
        "ersten",
        "früheste*",
        "am längsten",
        "längste*",
        "am frühesten",
    ),
    "en": ("oldest", "first", "earliest", "longest", "longest-standing"),
}
# "the second oldest", "die zweitälteste": the rank in the order of partnerships.
RANKS: dict[int, Cues] = {
    2: {"de": ("zweit*", "vorletzt*"), "en": ("second", "penultimate", "last but one")},
    3: {"de": ("dritt*",), "en": ("third",)},
}
NEWEST: Cues = {
    "de": (
        "zweitjüngste*",
        "drittjüngste*",
        "zweitneueste*",
        "vorletzte*",
        "zweitletzte*",
        "drittletzte*",
        "jüngste*",
        "neueste*",
        "neuste*",
        "letzte",
        "letzten",
        "zuletzt",
        "aktuellste*",
        "am kürzesten",
        "kürzeste*",
    ),
    "en": (
        "newest",
        "latest",
        "most recent",
        "youngest",
        "last",
        "recent",
        "most recently",
        "penultimate",
        "shortest time",
    ),
}
OLDER: Cues = {
    "de": ("älter", "früher", "zuerst", "eher"),
    "en": ("older", "earlier", "came first", "first"),
}
NEWER: Cues = {
    "de": ("jünger", "neuer", "später"),
    "en": ("newer", "younger", "more recent", "later"),
}
# "a partner longer than ...", "besteht schon länger": older (unless "no longer").
LONGER: Cues = {"de": ("länger",), "en": ("longer",)}
# Numbers written as words, for claims ("two South American partner cities"); "one"/"ein" are
# articles as often as numbers. (normalised words)
NUMBER_WORDS: dict[str, int] = {
    word: number
    for number, words in enumerate(
        [
            (),
            (),
            ("two", "zwei"),
            ("three", "drei"),
            ("four", "vier"),
            ("five", "funf"),
            ("six", "sechs"),
            ("seven", "sieben"),
            ("eight", "acht"),
            ("nine", "neun"),
            ("ten", "zehn"),
            ("eleven", "elf"),
            ("twelve", "zwolf"),
        ]
    )
    for word in words
}
# Events that date a period ("nach der Wiedervereinigung", "before the turn of the millennium"):
# the year they stand for. Only events whose year leaves no partnership's side in doubt.
EVENT_YEARS: dict[str, int] = {
    "wiedervereinigung": 1990,
    "der wende": 1990,
    "reunification": 1990,
    "german unity": 1990,
    "deutschen einheit": 1990,
    "jahrtausendwende": 2000,
    "millenniumswechsel": 2000,
    "turn of the millennium": 2000,
    "millennium": 2000,
}
# A question that expects yes or no: by its first word, or by a tag at its end.
VERIFY_START: Cues = {
    "de": (
        "ist",
        "sind",
        "war",
        "waren",
        "hat",
        "haben",
        "hatte",
        "gibt es",
        "gab es",
        "stimmt",
        "gehört",
        "gehören",
        "zählt",
        "zählen",
        "besteht",
        "bestehen",
        "kann",
        "können",
        "könnte",
        "darf",
        "dürfen",
        "wurde",
        "wurden",
        "liegt",
        "ruht",
        "ruhen",
        "stimmt es",
        "richtig dass",
        "trifft",
    ),
    "en": (
        "is",
        "are",
        # "was" alone is German "what": English past questions by their second word
        "was the",
        "was it",
        "was this",
        "was that",
        "was there",
        "was berlin",
        "were",
        "does",
        "do",
        "did",
        "has",
        "have",
        "had",
        "can",
        "could",
        "may",
        "might",
        "isn't",
        "aren't",
        "wasn't",
        "doesn't",
        "any",  # "any twin cities in europe?" asks whether there are
    ),
}
VERIFY_END: Cues = {
    "de": (
        "oder",
        "richtig",
        "stimmt das",
        "stimmts",
        "nicht wahr",
        "gell",
        "oder nicht",
        "stimmt's",
        "oder etwa nicht",
        "ne",
        "nä",
        "wa",
        "gelle",
        "stimmt doch",
    ),
    "en": (
        "right",
        "correct",
        "true",
        "isn't it",
        "is that so",
        "is that right",
        "didn't it",
        "hasn't he",
        "hasn't she",
        "hasn't it",
        "haven't they",
        "wasn't it",
        "isn't he",
        "isn't she",
        "no",
        "yeah",
        "doesn't it",
        "doesn't he",
        "does it",
        "do they",
        "did it",
        "did they",
        "is it",
        "was it",
        "has it",
        "have they",
        "wasn't he",
        "weren't there",
        "or not",
        "am i right",
        "aren't there",
        "aren't they",
        "don't they",
        "didn't they",
        "weren't they",
        "isn't that right",
        "eh",
    ),
}
# Yes/no openings that are something else in the other language ("Was ..." asks "what" in
# German): used only when the NLU found the message's language.
VERIFY_START_ONLY: Cues = {"de": (), "en": ("was", "were")}
ONLY: Cues = {
    "de": ("einzige*", "nur"),
    "en": ("only", "sole", "single"),
}
# Question words inside a sentence ("Budapest ist seit wann Partnerstadt?", "Windhoek is in
# which country?"): a question for a fact, not a yes/no question.
IN_SITU: Cues = {
    "de": (
        "seit wann",
        "ab wann",
        "wann",
        "welchem",
        "welchen",
        "welcher",
        "welches",
        "wie viele",
        "wie vielen",
    ),
    "en": ("since when", "when", "which", "what year", "how many"),
}
# A statement the visitor wants confirmed: "I read that ...", "Berlin hat doch 17 ...".
CLAIM: Cues = {
    "de": (
        "doch",
        "stimmt es",
        "stimmt das",
        "ich habe gelesen",
        "ich hab gelesen",
        "habe gehört",
        "hab gehört",
        "angeblich",
        "ich dachte",
        "ich glaube",
        "ich meine",
        "soweit ich weiß",
        "meines wissens",
        "wenn ich mich nicht irre",
        "ich bin mir ziemlich sicher",
        "mein freund sagt",
        "man sagt",
        "also",
    ),
    "en": (
        "i read",
        "i've read",
        "i heard",
        "i've heard",
        "my friend says",
        "someone told me",
        "i think",
        "i thought",
        "i believe",
        "as far as i know",
        "if i'm not mistaken",
        "if i am not mistaken",
        "correct me if",
        "i'm pretty sure",
        "i am pretty sure",
        "apparently",
        "doesn't it",
        "didn't it",
        "wasn't it",
        "isn't it",
        "aren't they",
        "is it true",
        "so",
    ),
}
QUESTION_WORDS: Cues = {
    "de": (
        "wer's",
        "was's",
        "auf welchem",
        "an welchem",
        "mit welchem",
        "für welche",
        "aus welchem",
        "wer",
        "was",
        "wann",
        "welche*",
        "wo",
        "wie",
        "warum",
        "wieso",
        "weshalb",
        "wohin",
        "woher",
        "an wen",
        "bei wem",
        "mit wem",
        "von wem",
        "zu wem",
        "wem",
        "wen",
        "wieviel*",
        "seit wann",
        "ab wann",
        "bis wann",
        "wie lange",
        "in welchem",
        "in welcher",
        "zeig*",
        "nenn*",
        "die wievielte*",
        "der wievielte*",
        "wievielte*",
    ),
    "en": (
        "who's",
        "what's",
        "where's",
        "to whom",
        "with whom",
        "when's",
        "how's",
        "on which",
        "on what",
        "at which",
        "from which",
        "who",
        "whom",
        "what",
        "when",
        "which",
        "where",
        "how",
        "why",
        "whose",
        "tell",
        "list",
        "name",
        "show",
        "since when",
        "from when",
        "how long",
        "in which",
        "in what",
    ),
}
ENDED: Cues = {
    "de": (
        "beendet",
        "aufgelöst",
        "gekündigt",
        "aufgekündigt",
        "vorbei",
        "abgebrochen",
        "eingestellt",
    ),
    "en": (
        "ended",
        "terminated",
        "cancelled",
        "canceled",
        "over",
        "dissolved",
        "broken off",
        "stopped",
    ),
}
# "not partners anymore", "keine Partnerstadt mehr": a claim that a partnership has ended.
NO_LONGER: Cues = {
    "de": ("nicht mehr", "keine mehr", "kein mehr", "nicht länger", "nicht weiter"),
    "en": ("anymore", "any more", "no longer", "not any longer", "any longer"),
}
NEGATION: Cues = {
    "de": ("nicht", "kein", "keine", "keinen"),
    "en": (
        "not",
        "no",
        "non",
        "isn't",
        "aren't",
        "n't",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "doesn't",
        "don't",
        "hasn't",
        "haven't",
        "didn't",
        "doesnt",
        "dont",
    ),
}

# -- which fact about a partner city -----------------------------------------------------------
ATTRIBUTES: dict[str, Cues] = {
    "signers": {
        "de": ("unterschrieb*", "unterzeichn*", "unterschrift*", "wer hat", "signiert*"),
        "en": ("signed", "sign", "signer*", "signator*", "signing", "who put"),
    },
    "capital": {
        "de": ("hauptstadt*", "hauptstädt*"),
        "en": ("capital", "capitals", "capital city", "capital cities"),
    },
    "continent": {
        "de": ("kontinent*", "erdteil*"),
        "en": ("continent*",),
    },
    "country": {
        "de": (
            "welchem land",
            "welches land",
            "in welchem staat",
            "land",
            "staat",
            "wo liegt",
            "wo ist",
        ),
        "en": (
            "country",
            "which country",
            "what country",
            "where is",
            "where's",
            "located",
            "nation",
        ),
    },
    "status": {
        "de": (
            "status",
            "aktiv",
            "ruht",
            "ruhend*",
            "beendet",
            "ausgesetzt",
            "eingefroren",
            "noch",
            "ruhen",
            "auf eis",
            "aufgelöst",
            "gekündigt",
            "aufgekündigt",
            "vorbei",
        ),
        "en": (
            "status",
            "active",
            "dormant",
            "over",
            "finished",
            "suspended",
            "terminated",
            "ended",
            "still",
            "frozen",
            "cancelled",
            "canceled",
            "dissolved",
        ),
    },
    "history": {
        "de": (
            "geschichte",
            "hintergrund",
            "wie kam",
            "warum",
            "wieso",
            "entstanden",
            "entstehung",
            "erneuert",
            "verlängert",
            "ost-berlin",
            "ostberlin",
            "verbindung",
            "vorher schon",
            "früher schon",
        ),
        "en": (
            "history",
            "background",
            "how did",
            "why",
            "how come",
            "story",
            "renewed",
            "extended",
            "east berlin",
            "earlier link",
            "link",
            "connection",
        ),
    },
    "since": {
        "de": (
            "seit wann",
            "wann",
            "welchem jahr",
            "welches jahr",
            "wie lange",
            "datum",
            "seit",
            "jahr",
            "gegründet",
            "geschlossen",
            "begonnen",
            "besteht",
        ),
        "en": (
            "since when",
            "when",
            "what year",
            "which year",
            "how long",
            "date",
            "since",
            "year",
            "founded",
            "established",
            "began",
            "start*",
            "became",
            "become",
            "signed on",
        ),
    },
}
# The place in the order of partnerships ("die wievielte Partnerstadt?").
RANK_ASKED: Cues = {
    "de": ("wievielte*", "wie vielte*", "welche nummer", "welcher nummer", "welchem platz"),
    "en": ("which number", "what number", "how manyth", "what place", "which place"),
}
# "when was it signed?" asks for the date, "who signed?" for the signers.
WHEN: Cues = {
    "de": ("wann", "welchem jahr", "welchem datum", "welchem tag", "datum"),
    "en": ("when", "what year", "which year", "what date", "which date", "date"),
}
WHO: Cues = {
    "de": ("wer", "von wem", "wem"),
    "en": ("who", "whom", "by whom", "who's"),
}
# Checked before STATUS_FILTER: "not dormant" is a filter for the active ones.
NOT_DORMANT: Cues = {
    "de": ("nicht ruhend*", "nicht ruhen", "nicht inaktiv*", "nicht eingefroren*"),
    "en": ("not dormant", "aren't dormant", "isn't dormant", "not inactive", "not suspended"),
}
# "neither in Europe nor in Asia", "outside Europe": the regions named are excluded.
EXCLUDE_REGION: Cues = {
    "de": ("weder", "außerhalb", "ausserhalb", "nicht in", "ohne"),
    "en": ("neither", "outside", "not in", "except", "apart from", "excluding"),
}
STATUS_FILTER: dict[str, Cues] = {
    "dormant": {
        "de": (
            "ruht",
            "ruhen",
            "ruhend*",
            "inaktiv*",
            "ausgesetzt*",
            "eingefroren*",
            "nicht aktiv*",
            "auf eis",
            "funkstille",
            "pausier*",
            "stillgelegt*",
        ),
        "en": (
            "dormant",
            "inactive",
            "suspended",
            "frozen",
            "not active",
            "on hold",
            "on ice",
            "paused",
        ),
    },
    "active": {
        "de": (
            "aktiv",
            "aktive*",
            "laufen noch",
            "noch laufen",
            "laufen davon",
            "bestehen noch",
            "läuft noch",
            "noch läuft",
            "läuft doch noch",
            "läuft weiter",
            "ganz normal",
            "übrig",
            "verbleib*",
        ),
        "en": (
            "active",
            "still running",
            "still going",
            "still exist",
            "left",
            "remaining",
            "running normally",
            "business as usual",
        ),
    },
}

# -- periods ----------------------------------------------------------------------------------
BEFORE: Cues = {
    "de": ("vor", "bis", "früher als", "vorher", "anfang", "zu beginn", "beginn"),
    "en": ("before", "until", "prior to", "earlier than", "by", "beginning of", "start of"),
}
AFTER: Cues = {"de": ("nach", "später als"), "en": ("after", "later than")}
FROM: Cues = {"de": ("seit", "ab"), "en": ("since",)}
# "von 1994", "from 1994" name the year itself ("the partnerships from 1994"), unless a word after
# the year opens the period ("from 1994 on", "von 1994 an").
FROM_IF_OPEN: Cues = {"de": ("von",), "en": ("from",)}
OR_LATER: Cues = {
    "de": ("oder später", "und später", "oder danach", "und danach"),
    "en": ("or later", "and later", "or after", "and after"),
}
OR_EARLIER: Cues = {
    "de": ("oder früher", "und früher", "oder davor", "und davor"),
    "en": ("or earlier", "and earlier", "or before", "and before"),
}
OPEN_END: Cues = {
    "de": ("an", "aufwärts", "und später", "oder später"),
    "en": ("on", "onwards", "onward", "and later", "or later"),
}
# Comparatives before a named city ("jünger sind als die mit Prag", "older than Paris").
# (normalised words: umlauts folded, as `assistant.knowledge.names.normalise_name` does)
EARLIER_THAN = ("alter", "fruher", "older", "earlier")
LATER_THAN = ("junger", "spater", "younger", "newer", "later")
# The city in context as the reference point ("how many came after that?").
AFTER_THAT: Cues = {
    "de": (
        "danach",
        "seitdem",
        "seither",
        "darauf folgend*",
        "nach ihr",
        "nach ihm",
        "nach dieser",
        "nach diesem",
    ),
    "en": ("after that", "afterwards", "since then", "after it", "thereafter", "after this one"),
}
BEFORE_THAT: Cues = {
    "de": ("davor", "zuvor", "vor ihr", "vor ihm", "vor dieser", "vor diesem"),
    "en": ("before that", "before it", "prior to that", "before this one", "before that one"),
}
# A state at a time ("how many did Berlin have in 2024?") rather than what began in that year.
STATE_AT: Cues = {
    "de": ("hatte", "kam berlin", "kam auf", "gab es", "existierten", "bestanden"),
    "en": ("did berlin have", "had", "were there", "existed", "was berlin up to"),
}
NEW_IN_YEAR: Cues = {
    "de": ("neu*", "dazu*", "hinzu*", "wurde*", "geschlossen", "unterzeichn*", "begonnen"),
    "en": ("new", "added", "became", "become", "joined", "signed", "started", "began"),
}
BEFORE_OR_AFTER: Cues = {
    "de": ("vor oder nach", "früher oder später", "davor oder danach"),
    "en": ("before or after", "earlier or later"),
}
BETWEEN: Cues = {"de": ("zwischen",), "en": ("between",)}

# -- what the question is about ----------------------------------------------------------------
PARTNER: Cues = {
    "de": (
        "partnerstadt",
        "partnerstädte*",
        "städtepartnerschaft*",
        "partnerschaft*",
        "partner*",
        "zwilling*",
    ),
    "en": ("partner*", "twin*", "sister cit*", "sister town*", "partnership*"),
}
# Words that point back to what was said before.
BACK_REFERENCE: Cues = {
    "de": (
        "letztere*",
        "erstere*",
        "sie",
        "ihr",
        "ihre",
        "ihrer",
        "dort",
        "diese",
        "dieser",
        "dieses",
        "davon",
        "die stadt",
        "der stadt",
        "derer",
        "denen",
        "das",
        "dazu",
        "damit",
        "beide",
        "beiden",
    ),
    "en": (
        "the latter",
        "the former",
        "it",
        "its",
        "it's",
        "that one",
        "this one",
        "that city",
        "this city",
        "there",
        "them",
        "they",
        "those",
        "these",
        "that",
        "both",
        "the city",
        "each",
    ),
}
# Follow-ups that change only the subject: "and Warsaw?", "und mit Warschau?", "what about Tokyo?".
CONTINUATION: Cues = {
    "de": (
        "und",
        "und mit",
        "und was ist mit",
        "was ist mit",
        "wie ist es mit",
        "und bei",
        "und für",
        "auch",
    ),
    "en": ("and", "and what about", "what about", "how about", "and for", "also", "same for"),
}
# "which of them", "welche davon": a comparison or choice among what was just named or listed.
AMONG: Cues = {
    "de": (
        "davon",
        "von beiden",
        "von ihnen",
        "von denen",
        "der beiden",
        "beiden",
        "unter ihnen",
        "der drei",
        "der vier",
        "von den dreien",
    ),
    "en": (
        "of them",
        "of the two",
        "of both",
        "of those",
        "of these",
        "between them",
        "which one",
        "of the three",
        "of the four",
    ),
}
# Asking who is responsible or whom to contact.
ROUTE: Cues = {
    "de": (
        "wer organisiert",
        "wer plant",
        "wer betreut",
        "wer koordiniert",
        "wer verwaltet",
        "welche stelle",
        "welches amt",
        "welche behörde",
        "welches büro",
        "zuständig*",
        "ansprechpartner*",
        "an wen",
        "wen kann ich",
        "wer kümmert",
        "welches referat",
        "wohin",
        "kontaktier*",
        "melden",
        "wende ich",
        "wenden",
        "wer hilft",
        "wer ist für",
        "mit wem",
        "bei wem",
        "kümmert sich",
        "betreut das",
        "betreut die",
        "betreut den",
        "wer im senat",
        "wer in der senatskanzlei",
        "wer bei der senatskanzlei",
        "kann uns jemand",
        "kann mir jemand",
        "jemand helfen",
    ),
    "en": (
        "who organises",
        "who organizes",
        "who arranges",
        "who plans",
        "contact",
        "whom do i contact",
        "who do we contact",
        "who should i contact",
        "contact about",
        "responsible",
        "who do i",
        "whom",
        "who handles",
        "who coordinates",
        "who manages",
        "who looks after",
        "who is in charge",
        "who deals",
        "which unit",
        "which office",
        "what office",
        "which department",
        "which authority",
        "who should",
        "get in touch",
        "turn to",
        "reach out",
        "who can help",
        "in charge",
        "who takes care",
        "talk to",
        "speak to",
        "speak with",
        "who could help",
        "handles",
        "looks after",
        "who at the",
        "someone at the",
        "anyone at the",
        "can someone help",
        "can anyone help",
    ),
}
# Topics named in a message (for compound messages and follow-ups); keys are topic ids of
# services.yml, plus "networks", "unit:II A", "unit:II B".
# A person a topic is about ("wann wurde Kai Wegner gewählt?"), when no partnership is asked about
# ("How many partnerships has Kai Wegner signed?" is about the partner cities).
PERSON_TOPICS: dict[str, tuple[str, ...]] = {"governing_mayor": ("wegner",)}
TOPICS: dict[str, Cues] = {
    "admin_services": {
        "de": (
            "anmeld*",
            "ummeld*",
            "abmeld*",
            "umgezogen",
            "umzug",
            "personalausweis*",
            "reisepass*",
            "aufenthaltstitel*",
            "führerschein*",
            "bürgeramt*",
            "heiraten",
            "hochzeit*",
            "trauung*",
            "standesamt*",
            "eheschließung*",
        ),
        "en": (
            "anmeldung",
            "getting married",
            "get married",
            "wedding*",
            "registry office",
            "register my address",
            "registration of address",
            "passport",
            "id card",
            "residence permit",
            "driving licen*",
            "citizens' office",
        ),
    },
    "golden_book": {
        "de": ("goldene buch", "goldenen buch", "goldenes buch"),
        "en": ("golden book",),
    },
    "emigrant_program": {"de": ("emigrant*",), "en": ("emigrant*", "emigre*")},
    "rotes_rathaus": {
        "de": ("rotes rathaus", "roten rathaus", "rathaus"),
        "en": ("rotes rathaus", "red city hall", "city hall", "town hall"),
    },
    "embassies": {"de": ("botschaft*",), "en": ("embass*",)},
    "visas": {"de": ("visum*", "visa", "einreise*"), "en": ("visa", "visas", "entry permit")},
    "governing_mayor": {
        "de": (
            "bürgermeister*",
            "regierende*",
            "regierender*",
            "regiert",
            "stadtoberhaupt",
        ),
        "en": (
            "mayor",
            "runs berlin",
            "runs the city",
            "governs berlin",
            "head of the city",
            "in charge of berlin",
            "in charge of the city",
            "leads berlin",
            "leader of berlin",
            "boss of berlin",
        ),
    },
    "district_partnerships": {"de": ("bezirk*",), "en": ("district*", "borough*")},
    "guest_services": {
        "de": ("gästeservice", "service für", "internationale gäste"),
        "en": ("guest service*", "international guests"),
    },
    "networks": {"de": ("netzwerk*", "städtenetzwerk*"), "en": ("network*",)},
}
# Berlin's districts: a question about one of them is about district partnerships.
DISTRICTS: tuple[str, ...] = (
    "mitte",
    "friedrichshain",
    "kreuzberg",
    "pankow",
    "charlottenburg",
    "wilmersdorf",
    "spandau",
    "steglitz",
    "zehlendorf",
    "tempelhof",
    "schöneberg",
    "neukölln",
    "treptow",
    "köpenick",
    "marzahn",
    "hellersdorf",
    "lichtenberg",
    "reinickendorf",
    "prenzlauer berg",
    "wedding",
)
