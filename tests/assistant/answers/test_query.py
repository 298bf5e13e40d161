"""Reading questions as structured queries, German and English side by side."""

from __future__ import annotations

import pytest

from assistant.answers.query import Query, courtesy_trimmed, parse, split_questions
from assistant.knowledge import Knowledge
from tests.assistant.answers.conftest import places


def read(text: str, knowledge: Knowledge, intent: str | None = None) -> Query:
    return parse(text, knowledge=knowledge, intent=intent, entities=places(text, knowledge))


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Is Vienna a partner and who do I contact about a visit?", 2),
        ("Ist Wien eine Partnerstadt und an wen wende ich mich wegen eines Besuchs?", 2),
        ("Please switch to English and tell me when Paris became a partner city.", 2),
        ("Bitte auf Deutsch, und sag mir, seit wann Tokio Partnerstadt ist", 2),
        ("Which partner cities are in Europe and are active?", 1),
        ("Welche Partnerstädte liegen in Europa und sind aktiv?", 1),
        ("Tell me about Paris. Who signed the Kyiv agreement?", 2),
        ("Paris and London?", 1),
        # typed all in lower case: sentences still end at a full stop, abbreviations do not
        ("meine oma lebt in warschau. seit wann sind die städte partner?", 2),
        ("bei wem liegen protokollfragen, z. b. flaggen und rangfolge?", 1),
        ("es kamen ca. 35000 gäste", 1),
    ],
)
def test_split_questions(text: str, parts: int) -> None:
    assert len(split_questions(text)) == parts


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Hallo, kurze Frage: was ist U20?", "was ist U20?"),
        ("Hi there! Quick question - how many partner cities are in Asia?", "how many partner"),
        ("Good morning, can you tell me: who signed it?", "who signed it?"),
        ("Gut, danke. Und wann kam Prag dazu?", "Und wann kam Prag dazu?"),
        ("Welche Partnerschaft ruht derzeit? Danke!", "Welche Partnerschaft ruht derzeit?"),
        ("who signed it? thanks in advance, Anna", "who signed it?"),
        ("Ist Wien Partnerstadt? Vielen Dank und liebe Grüße", "Ist Wien Partnerstadt?"),
        ("wohin schicke ich den antrag für das programm Danke!", "wohin schicke ich den antrag"),
        # courtesy only, or too little besides it: the message stays as it is
        ("Hallo!", "Hallo!"),
        ("Danke!", "Danke!"),
        ("Gut zu wissen, danke!", "Gut zu wissen, danke!"),
        ("wie sage ich danke", "wie sage ich danke"),
        ("Best partner city?", "Best partner city?"),
    ],
)
def test_courtesy_around_a_question_is_left_out(text: str, question: str) -> None:
    start, end = courtesy_trimmed(text)
    assert text[start:end].startswith(question)
    assert [text[s:e] for s, e in split_questions(text)][0].startswith(question)


@pytest.mark.parametrize(
    ("text", "op", "regions"),
    [
        ("Which is the only African partner city?", "list", ["africa"]),
        ("Welche ist die einzige afrikanische Partnerstadt?", "list", ["africa"]),
        ("Welche europäischen Partnerstädte gibt es?", "list", ["europe"]),
        ("list the South American partner cities", "list", ["south_america"]),
        ("Which partner cities are in the Americas?", "list", ["americas"]),
        ("Welche Partnerstädte liegen in Asien?", "list", ["asia"]),
        ("How many partner cities are in Asia?", "count", ["asia"]),
        ("Wie viele Partnerstädte hat Berlin in Europa?", "count", ["europe"]),
        ("What is Berlin's oldest partner city in Asia?", "superlative", ["asia"]),
        ("Welches ist die jüngste Partnerstadt?", "superlative", []),
    ],
)
def test_operation_and_region(text: str, op: str, regions: list[str], knowledge: Knowledge) -> None:
    query = read(text, knowledge)
    assert (query.op, query.regions) == (op, regions)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("partner cities before the fall of the Wall", {"op": "before", "year": 1989}),
        ("Partnerstädte vor dem Mauerfall", {"op": "before", "year": 1989}),
        (
            "partner cities between the fall of the Wall and 2000",
            {"op": "between", "year": 1989, "to": 2000},
        ),
        ("Which partner cities joined in 1994?", {"op": "in", "year": 1994}),
        ("Welche Partnerstädte kamen 1994 dazu?", {"op": "in", "year": 1994}),
        ("partner cities before 1990", {"op": "before", "year": 1990}),
        ("Partnerstädte vor 1990", {"op": "before", "year": 1990}),
        ("Which partnerships exist since 2000?", {"op": "from", "year": 2000}),
        ("Partnerschaften seit 2000", {"op": "from", "year": 2000}),
        ("partners after 2000", {"op": "after", "year": 2000}),
        ("Partnerstädte aus den 90er Jahren", {"op": "between", "year": 1990, "to": 1999}),
        ("partner cities from the 1990s", {"op": "between", "year": 1990, "to": 1999}),
        ("zwischen 1990 und 1995", {"op": "between", "year": 1990, "to": 1995}),
        # two-digit years where a count cannot be meant
        ("welche städte sind 94 dazugekommen", {"op": "in", "year": 1994}),
        ("which ones were 94 signed?", {"op": "in", "year": 1994}),
        ("Which cities joined in 94?", {"op": "in", "year": 1994}),
        ("Partnerstädte seit '94", {"op": "from", "year": 1994}),
    ],
)
def test_periods(text: str, period: dict[str, int], knowledge: Knowledge) -> None:
    assert read(text, knowledge).year == period


@pytest.mark.parametrize(
    ("text", "attribute"),
    [
        ("who signed it?", "signers"),
        ("und wer hat unterschrieben?", "signers"),
        ("Is Paris a capital?", "capital"),
        ("Ist Tokio eine Hauptstadt?", "capital"),
        ("since when?", "since"),
        ("seit wann?", "since"),
        ("in which country is it?", "country"),
        ("in welchem Land liegt das?", "country"),
        ("is the partnership still active?", "status"),
        ("Ruht die Partnerschaft?", "status"),
    ],
)
def test_attributes(text: str, attribute: str, knowledge: Knowledge) -> None:
    assert read(text, knowledge).attribute == attribute


@pytest.mark.parametrize(
    "text",
    [
        "Why was the agreement with Paris signed in 1987?",
        "Warum wurde das Abkommen mit Paris unterzeichnet?",
        "Wann gab es die erste Vereinbarung mit Tokio?",
        "What was the earliest agreement with Tokyo?",
    ],
)
def test_the_history_of_one_partnership(text: str, knowledge: Knowledge) -> None:
    """The reason for an agreement or a city's first agreement is its history: not the signers,
    not the oldest partner city."""
    query = read(text, knowledge)
    assert (query.op, query.attribute, query.superlative) == ("lookup", "history", None)
    assert query.more_attributes == []


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("Mit wem genau hat Berlin in Tokio die Partnerschaft?", False),
        ("With whom exactly does Berlin have the partnership in Tokyo?", False),
        ("Mit wem kann ich über die Partnerschaft mit Tokio sprechen?", True),
        ("With whom can I talk about the partnership with Tokyo?", True),
    ],
)
def test_with_whom_asks_for_the_partner_or_a_contact(
    text: str, route: bool, knowledge: Knowledge
) -> None:
    assert read(text, knowledge).route is route


def test_a_false_premise_is_a_claim_to_verify(knowledge: Knowledge) -> None:
    en = read("Kyiv became a partner city in 2022, right?", knowledge)
    de = read("Kyjiw ist seit 2022 Partnerstadt, oder?", knowledge)
    assert (en.op, en.cities, en.claim_year) == ("verify", ["kyiv"], 2022)
    assert (de.op, de.cities) == ("verify", ["kyiv"])


def test_non_capitals_are_a_filter(knowledge: Knowledge) -> None:
    assert read("Which partner cities are not capitals?", knowledge).capital is False
    assert read("Welche Partnerstädte sind keine Hauptstädte?", knowledge).capital is False
    assert read("Which partner cities are capitals?", knowledge).capital is True


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("Who handles protocol matters?", "protocol"),
        ("Wer ist für Protokollfragen zuständig?", "protocol"),
        ("Whom do I contact about an honour for a citizen?", "honour"),
        ("An wen wende ich mich wegen einer Ehrung für eine Bürgerin?", "honour"),
        ("Who is responsible for a climate project with a partner city?", "partner_city"),
        ("Our embassy has a request, who is in charge?", "embassy"),
        ("Wir sind eine Botschaft und haben ein Anliegen. Wer ist zuständig?", "embassy"),
    ],
)
def test_routes_come_from_the_knowledge(text: str, route: str, knowledge: Knowledge) -> None:
    query = read(text, knowledge)
    assert query.route and query.route_id == route


def test_follow_up_words(knowledge: Knowledge) -> None:
    assert read("Und mit Warschau?", knowledge).continuation
    assert read("what about Tokyo?", knowledge).continuation
    assert read("Welche davon ist älter?", knowledge).among
    assert read("which of them is older?", knowledge).compare == "older"


def test_a_district_is_not_a_place_abroad(knowledge: Knowledge) -> None:
    assert read("Does Neukölln have partner cities?", knowledge).district == "neukölln"


def test_round_trip_through_the_parse_data(knowledge: Knowledge) -> None:
    query = read("Which partner cities joined before 1990 in Europe?", knowledge)
    assert Query.from_dict(query.as_dict()) == query


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Ist Tokio eine Partnerstadt, und falls ja, seit wann?", 2),
        ("Is Tokyo a partner city, and if so, since when?", 2),
        ("Erstens: Wer hat unterschrieben? Zweitens: Welches Referat ist zuständig?", 2),
        ("Gehören die Bezirke, z. B. Pankow, auch dazu?", 1),
        ("Do the districts, e.g. Spandau, count among them?", 1),
    ],
)
def test_split_questions_at_every_kind_of_joint(text: str, parts: int) -> None:
    assert len(split_questions(text)) == parts


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("falls ja, seit wann?", "yes"),
        ("if so, since when?", "yes"),
        ("und wenn nein, welche dann?", "no"),
        ("since when?", None),
    ],
)
def test_a_conditional_question_keeps_its_condition(
    text: str, condition: str | None, knowledge: Knowledge
) -> None:
    query = read(text, knowledge)
    assert query.condition == condition


@pytest.mark.parametrize(
    "text",
    [
        "First, who signed the Kyiv partnership?",
        "Erstens: Wer hat die Partnerschaft mit Kyjiw unterzeichnet?",
        "Secondly, who signed the Kyiv partnership?",
    ],
)
def test_an_enumeration_word_is_no_superlative(text: str, knowledge: Knowledge) -> None:
    query = read(text, knowledge)
    assert (query.superlative, query.attribute, query.cities) == (None, "signers", ["kyiv"])


@pytest.mark.parametrize(
    "text", ["Warum ist Los Angeles keine Hauptstadt?", "Why isn't Los Angeles a capital?"]
)
def test_a_why_question_is_no_yes_no_question(text: str, knowledge: Knowledge) -> None:
    query = read(text, knowledge)
    assert (query.yes_no, query.op, query.attribute) == (False, "lookup", "capital")


@pytest.mark.parametrize(
    ("text", "attribute"),
    [("tokio kontinent?", "continent"), ("windhoek country?", "country")],
)
def test_a_telegraphic_question_asks_for_the_value(
    text: str, attribute: str, knowledge: Knowledge
) -> None:
    query = read(text, knowledge)
    assert (query.op, query.attribute, query.yes_no) == ("lookup", attribute, False)


def test_the_land_berlin_is_no_question_for_a_country(knowledge: Knowledge) -> None:
    query = read("We are looking for a contact person at the Land Berlin.", knowledge)
    assert query.attribute is None


@pytest.mark.parametrize(
    ("text", "route_id"),
    [
        ("next month the mayor of Windhoek is coming to Berlin. who prepares it?", "visit"),
        ("Nächsten Monat kommt der Bürgermeister von Windhuk nach Berlin.", "visit"),
        ("My school class would like to visit the Red City Hall.", None),
        ("Unsere Schulklasse möchte das Rote Rathaus besuchen.", None),
    ],
)
def test_a_visit_in_other_words_and_a_tour_that_is_none(
    text: str, route_id: str | None, knowledge: Knowledge
) -> None:
    assert read(text, knowledge).route_id == route_id


def test_count_among_asks_whether(knowledge: Knowledge) -> None:
    query = read("Do the districts' partnerships count among the Land's partner cities?", knowledge)
    assert query.op == "verify"


@pytest.mark.parametrize(
    ("text", "route_id"),
    [
        ("Wer organisiert den Staatsakt für einen verstorbenen Ehrenbürger?", "ceremony"),
        ("Which office is responsible for an official funeral service?", "ceremony"),
    ],
)
def test_a_state_ceremony_is_a_ceremony(text: str, route_id: str, knowledge: Knowledge) -> None:
    assert read(text, knowledge).route_id == route_id


def test_the_governing_mayor_by_name(knowledge: Knowledge) -> None:
    assert read("wann wurde kai wegner gewählt", knowledge).topic == "governing_mayor"


@pytest.mark.parametrize(
    ("text", "attribute", "more"),
    [
        ("prag: land, kontinent, datum?", "country", ["since"]),
        ("Tokyo - country, year, signers?", "signers", ["country", "since"]),
        ("Windhuk Land und Kontinent?", "country", []),
    ],
)
def test_facts_listed_side_by_side(
    text: str, attribute: str, more: list[str], knowledge: Knowledge
) -> None:
    query = read(text.replace("prag", "Paris"), knowledge)
    assert (query.attribute, query.more_attributes) == (attribute, more)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # a second question typed straight after the first, without a mark or "and"
        ("whats the oldest partner city how many are there in total", 2),
        ("wer ist der regierende bürgermeister wer hat kiew unterschrieben", 2),
        ("welche ist die älteste partnerstadt wie viele gibt es insgesamt", 2),
        # a question word inside the sentence starts none
        ("what i want to know is how many partner cities there are", 1),
        ("welche stadt ist seit wann partnerstadt", 1),
        ("weißt du wer die partnerschaft mit kiew unterschrieben hat", 1),
        # "außerdem würde mich interessieren ...": a second question after the conjunction
        (
            "wann wurde die partnerschaft mit paris geschlossen, ausserdem würde mich "
            "interessieren wie viele botschaften es in berlin gibt",
            2,
        ),
        ("when did paris join and i'd also like to know who handles city networks", 2),
        # the same subject goes on: one message
        ("wir sind die botschaft von japan und würden gern eine feier ausrichten", 1),
    ],
)
def test_split_questions_typed_without_marks(text: str, parts: int) -> None:
    assert len(split_questions(text)) == parts, [text[s:e] for s, e in split_questions(text)]


@pytest.mark.parametrize(
    "text",
    [
        "which partner cities are in north or south america",
        "welche partnerstädte liegen in nord- oder südamerika",
        "Partnerstädte in Nord- und Südamerika?",
    ],
)
def test_both_parts_of_america(text: str, knowledge: Knowledge) -> None:
    assert sorted(read(text, knowledge).regions) == ["north_america", "south_america"]


def test_coming_over_is_a_visit_not_an_ended_partnership(knowledge: Knowledge) -> None:
    query = read(
        "a group from tokyo's assembly is planning to come over in may, who arranges that",
        knowledge,
    )
    assert (query.route_id, query.claim_ended, query.attribute) == ("visit", False, None)
    assert read("the partnership with moscow is over, isn't it", knowledge).claim_ended


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("london ist erst nach dem brexit partnerstadt geworden, stimmt's?", ("after", 2020)),
        ("how many partner cities did berlin get before the wall came down", ("before", 1989)),
        ("wieviele partnerstädte hatte berlin schon bevor die mauer fiel", ("before", 1989)),
        ("welche partnerstädte kamen dazu, nachdem die mauer fiel", ("after", 1989)),
    ],
)
def test_an_event_names_its_year(text: str, year: tuple[str, int], knowledge: Knowledge) -> None:
    assert read(text, knowledge).year == {"op": year[0], "year": year[1]}


@pytest.mark.parametrize(
    ("text", "yes_no"),
    [
        ("paris became a partner before tokyo, didnt it", True),
        ("windhoek is in africa isnt it", True),
        # a question word and the tag's words only: no statement to confirm
        ("where is it", False),
        ("and where is it?", False),
    ],
)
def test_closing_tags(text: str, yes_no: bool, knowledge: Knowledge) -> None:
    assert read(text, knowledge).yes_no is yes_no


@pytest.mark.parametrize(
    "text", ["how old is the partnership with paris", "wie alt ist die partnerschaft mit paris"]
)
def test_how_old_asks_for_the_duration(text: str, knowledge: Knowledge) -> None:
    assert read(text, knowledge).duration
