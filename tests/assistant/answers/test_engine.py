"""Answers over the fixture knowledge (seven partner cities), in both languages, with context."""

from __future__ import annotations

import pytest

from assistant.knowledge import Knowledge
from tests.assistant.answers.conftest import language_of


def one(replies: list[str]) -> str:
    assert len(replies) == 1, replies
    return replies[0]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_reply_is_in_the_conversation_language(conversation, lang) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    for text in (
        "Which partner cities are in Asia?",
        "Welche Partnerstädte gibt es vor 1990?",
        "Is Vienna a partner?",
        "Who signed the Kyiv partnership?",
        "Tell me about Tokyo",
        "Who handles protocol matters?",
    ):
        for reply in ask(text):
            assert language_of(reply) == lang, reply


def test_only_african_partner(conversation, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    windhoek = knowledge.partner("windhoek")
    assert windhoek is not None
    en = one(conversation("en")("Which is the only African partner city?"))
    de = one(conversation("de")("Welche ist die einzige afrikanische Partnerstadt?"))
    assert en.startswith(f"Only one of Berlin's {len(knowledge.partner_cities)} partner cities")
    assert windhoek.name.en in en.splitlines()[0]
    assert de.startswith("Nur eine") and windhoek.name.de in de.splitlines()[0]


def test_signers_follow_up_and_unknown_signers(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Tell me about the partnership with Kyiv")
    signed = one(ask("who signed it?"))
    assert signed.startswith(
        "The agreement with Kyiv was signed by Kai Wegner and Vitali Klitschko"
    )
    unknown = one(ask("Who signed the Tokyo partnership?"))
    assert "not in my records" in unknown and "+49 30 9026-0" in unknown
    assert "Klitschko" not in unknown


def test_which_of_them_is_older_compares_the_cities_in_context(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Erzähl mir von Paris")
    ask("Und mit Tokio?")
    older = one(ask("Welche davon ist älter?"))
    assert older.startswith("Die Partnerschaft mit Paris ist älter")


def test_and_with_another_city_keeps_the_question(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Is Tokyo a capital?")
    answer = one(ask("and Istanbul?"))
    assert answer.startswith("No: Istanbul is not Türkiye's capital") and "Ankara" in answer


def test_count_of_a_list_as_a_follow_up(conversation, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    asia = knowledge.partners_in(knowledge.continents["asia"])
    ask = conversation("de")
    listing = one(ask("Welche Partnerstädte liegen in Asien?"))
    assert listing.startswith(f"{len(asia)} der {len(knowledge.partner_cities)} Partnerstädte")
    count = one(ask("und wie viele sind das?"))
    assert count.startswith(f"Das sind {len(asia)}:")


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "en",
            "Kyiv became a partner city in 2022, right?",
            "No, Kyiv did not become a partner city in 2022",
        ),
        (
            "de",
            "Kyjiw ist 2022 Partnerstadt geworden, oder?",
            "Nein, Kyjiw wurde nicht 2022 Partnerstadt",
        ),
        ("en", "Is Vienna a partner city?", "No, Vienna is not a partner city"),
        ("de", "Ist Wien eine Partnerstadt?", "Nein, Wien ist keine Partnerstadt"),
        ("en", "Is Moscow still a partner?", "Yes, Moscow (Russia) has been a partner city"),
        ("en", "Is Bern a twin city of Berlin?", "No, Bern is not a partner city"),
        ("en", "Is Istanbul a capital?", "No: Istanbul is not Türkiye's capital"),
        ("de", "Ist Paris eine Hauptstadt?", "Ja, Paris ist die Hauptstadt von Frankreich"),
    ],
)
def test_yes_no_answers_lead(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text", "lead"),
    [
        ("en", "Is there still contact with Moscow?", "No:"),
        ("de", "Gibt es noch Kontakt nach Moskau?", "Nein:"),
        ("en", "Is Moscow a partner city?", "Yes,"),
        ("de", "Ist Moskau Partnerstadt?", "Ja,"),
    ],
)
def test_dormant_partnership_says_why_once(conversation, knowledge, lang, text, lead) -> None:  # type: ignore[no-untyped-def]
    """A dormant partnership's reason (its status note) follows the sentence that it is
    dormant, once; "Kontakt nach Moskau" is a direction, not "after Moscow"."""
    moscow = knowledge.partner("moscow")
    assert moscow is not None and moscow.status == "dormant" and moscow.status_note
    reply = one(conversation(lang)(text))
    assert reply.startswith(lead)
    why = moscow.status_note(lang)
    assert reply.count(why) == 1
    assert reply.index(str(moscow.status_since)) < reply.index(why)


def test_compound_message_answers_both_in_order(conversation) -> None:  # type: ignore[no-untyped-def]
    first, second = conversation("en")("Is Vienna a partner and who do I contact about a visit?")
    assert first.startswith("No, Vienna")
    assert second.startswith("Please contact Unit II A")


def test_topic_context_for_since_when(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("what is the Emigrantenprogramm?", intent="ask_emigrant_program")
    since = one(ask("since when does it exist?", intent="nlu_fallback"))
    assert "1969" in since and "Which city" not in since


def test_lists_with_conditions(conversation, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    before = [c for c in knowledge.partner_cities if c.since.year < 1990]
    reply = one(ask("Which partner cities became partners before 1990?"))
    assert reply.startswith(f"{len(before)} of Berlin's")
    for city in before:
        assert city.name.en in reply
    not_capitals = [c for c in knowledge.partner_cities if not c.capital]
    reply = one(ask("Which partner cities are not capitals?"))
    assert all(c.name.en in reply for c in not_capitals)
    dormant = one(ask("Which partnerships are dormant?"))
    assert dormant.startswith("Only one") and "Moscow" in dormant.splitlines()[0]


def test_superlative_with_a_condition(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("de")("Welche ist die älteste Partnerstadt in Asien?"))
    assert reply.startswith("Von den Partnerstädten, die in Asien liegen, ist Istanbul")


def test_no_double_spaces_or_fragments(conversation) -> None:  # type: ignore[no-untyped-def]
    for lang in ("de", "en"):
        ask = conversation(lang)
        for text in ("Tell me about Los Angeles", "Erzähl mir von Moskau", "Is Tokyo a partner?"):
            for reply in ask(text):
                assert "  " not in reply and " ." not in reply and "{" not in reply


def test_an_attribute_follow_up_wins_over_a_routing_intent(conversation) -> None:  # type: ignore[no-untyped-def]
    # "sign" also suggests signing the Golden Book to the classifier; the city in context wins.
    ask = conversation("en")
    ask("Which European partner city is the newest?")
    signed = one(ask("who signed it", intent="route_protocol"))
    assert signed.startswith("The agreement with Kyiv was signed by")
    capital = one(ask("is it a capital", intent="out_of_scope"))
    assert capital.startswith("Yes, Kyiv is the capital of Ukraine")


def test_comparative_without_which_of_them(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Seit wann ist Tokio Partnerstadt?")
    ask("Und Paris?")
    assert one(ask("Welche ist älter?")).startswith("Die Partnerschaft mit Paris ist älter")


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "de",
            "Gibt es Partnerstädte in Australien?",
            "Nein: Keine der 7 Partnerstädte Berlins liegt in Australien",
        ),
        (
            "en",
            "Are there partner cities in Africa?",
            "Yes: Only one of Berlin's 7 partner cities is in Africa: Windhoek",
        ),
    ],
)
def test_are_there_partners_in_a_region(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "de",
            "Ist Los Angeles die älteste Partnerstadt?",
            "Ja: Berlins älteste Partnerstadt ist Los Angeles",
        ),
        ("en", "Is Tokyo the newest partner city?", "No: Berlin's newest partner city is Kyiv"),
        (
            "en",
            "Paris has been a partner since 1990, right?",
            "No, Paris did not become a partner city in 1990",
        ),
        (
            "de",
            "Windhuk ist doch die einzige afrikanische Partnerstadt, oder?",
            "Ja, Windhuk (Namibia) ist Berlins einzige Partnerstadt in Afrika",
        ),
        (
            "en",
            "Is Tokyo the only partner city in Asia?",
            "No, Tokyo is in Asia, but Berlin has 2 partner cities there",
        ),
    ],
)
def test_claims_about_superlatives_and_only(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


def test_who_is_responsible_after_a_topic_names_the_unit(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Tell me about the Golden Book", intent="ask_golden_book")
    reply = one(ask("and who is responsible for it?", intent="nlu_fallback"))
    assert reply.startswith("Please contact Unit II A – Protocol. Signings of the Golden Book")


def test_a_superlative_says_it_once(conversation) -> None:  # type: ignore[no-untyped-def]
    for lang, text in (
        ("en", "Which is the oldest partner city?"),
        ("de", "Welche ist die älteste Partnerstadt?"),
    ):
        reply = one(conversation(lang)(text))
        first = reply.splitlines()[0]
        assert first.count("oldest") + first.count("älteste") == 1, reply


def test_a_question_with_a_switch_request_is_answered(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("de")(
            "antworte bitte auf deutsch, ist wien eine partnerstadt?", intent="switch_language"
        )
    )
    assert reply.startswith("Nein, Wien ist keine Partnerstadt")


def test_follow_ups_on_a_list_of_one_and_on_the_status(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("which partner cities are in africa")
    assert one(ask("when did it become a partner")).startswith(
        "Windhoek (Namibia) has been a partner city"
    )
    ask("moscow?")
    dormant = one(ask("since when is it dormant"))
    assert dormant.startswith("The partnership with Moscow has been dormant since 2022")
    assert "1991" in one(ask("and when did the partnership start"))


def test_which_one_came_first_among_the_cities_named(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("since when is paris a partner city")
    ask("and tokyo?")
    assert "Paris" in one(ask("which one came first")).splitlines()[0]


def test_and_where_repeats_the_last_question(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("partnerschaft mit kyjiw")
    ask("wer hat die unterschrieben")
    assert "im Roten Rathaus" in one(ask("und wo?", intent="out_of_scope"))


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("en", "so istanbul is the capital of turkey?", "No: Istanbul is not Türkiye's capital"),
        (
            "de",
            "istanbul ist also die hauptstadt der türkei?",
            "Nein: Istanbul ist nicht die Hauptstadt",
        ),
        (
            "en",
            "the moscow partnership was ended in 2022 wasn't it",
            "No: The partnership with Moscow has been dormant since 2022",
        ),
        ("de", "berlin hat doch 17 partnerstädte oder", "Nein: Berlin hat 7 Partnerstädte"),
        ("en", "Berlin has 7 partner cities, doesn't it?", "Yes: Berlin has 7 partner cities"),
        (
            "en",
            "my friend says los angeles is the only partner city that isn't a capital",
            "No: Los Angeles and Istanbul are not capitals",
        ),
        (
            "en",
            "Did Windhoek or Paris become a partner city first?",
            "The partnership with Paris is older",
        ),
        ("en", "which partnership came right before kyiv", "Right before Kyiv came Windhoek"),
        (
            "de",
            "Kann mir die Senatskanzlei ein Visum ausstellen?",
            "Nein: Visa stellt nicht das Land Berlin aus",
        ),
        ("en", "kai wegner is the mayor right", "Yes: The Governing Mayor of Berlin is Kai Wegner"),
    ],
)
def test_statements_to_confirm(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    intents = {"Kann mir": "ask_visa", "kai wegner": "ask_governing_mayor"}
    intent = next((i for prefix, i in intents.items() if text.startswith(prefix)), None)
    assert one(conversation(lang)(text, intent=intent)).startswith(start)


def test_a_topic_keeps_the_conversation(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("what is the emigrantenprogramm", intent="ask_emigrant_program")
    assert "35,000" in one(ask("how many people have come so far", intent="count_partner_cities"))
    assert "forced labourers" in one(ask("what changed in 2016", intent="out_of_scope"))
    ask("c40, what is that", intent="ask_city_networks")
    assert one(ask("which unit deals with it", intent="ask_unit_info")).startswith(
        "Please contact Unit II B"
    )


def test_count_follow_ups_narrow_the_last_list(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("list the partner cities in the americas")
    assert one(ask("and how many of those are capitals?")).startswith("None of them is a capital")


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "en",
            "How many partnerships are not dormant?",
            "6 of Berlin's 7 partner cities are active",
        ),
        (
            "en",
            "how many partner cities are neither in europe nor in asia",
            "2 of Berlin's 7 partner cities are neither in Europe nor in Asia",
        ),
        (
            "de",
            "wie viele Partnerstädte liegen in Afrika oder Nordamerika",
            "2 der 7 Partnerstädte Berlins liegen in Afrika oder in Nordamerika",
        ),
        (
            "en",
            "How many partner cities were added after the Kyiv agreement?",
            "Added after Kyiv: 0",
        ),
        (
            "en",
            "how many partner cities did berlin have at the beginning of 2000",
            "5 of Berlin's 7 partner cities became partners before 2000",
        ),
    ],
)
def test_counts_with_conditions(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


def test_units_by_field_and_as_follow_up(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    assert one(ask("what does the protocol unit do", intent="ask_unit_info")).startswith(
        "Unit II A – Protocol is responsible"
    )
    assert one(ask("does it also run the language service?", intent="ask_unit_info")).startswith(
        "Yes: Please contact Unit II A"
    )
    assert one(ask("And II B?", intent="ask_unit_info")).startswith(
        "Unit II B – International Affairs is responsible"
    )


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "de",
            "Ist die Partnerschaft mit Tokio älter als die mit Paris?",
            "Nein: Die Partnerschaft mit Paris ist älter",
        ),
        (
            "en",
            "Is Paris older than Tokyo as a partner?",
            "Yes: The partnership with Paris is older",
        ),
        ("de", "Ist Bern Partnerstadt, und Windhuk?", "Nein, Bern ist keine Partnerstadt"),
        (
            "de",
            "wie viele partnerschaften ruhen",
            "1 (nur eine) der 7 Partnerstädte Berlins ruht derzeit: Moskau",
        ),
        (
            "de",
            "wie viele der aktiven partnerschaften sind mit hauptstädten",
            "4 der 7 Partnerstädte Berlins sind aktiv und sind Hauptstädte",
        ),
        ("en", "Was ist Metropolis?", "Metropolis:"),
    ],
)
def test_more_ways_to_ask(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    replies = conversation(lang)(text, intent="ask_city_networks" if "Metropolis" in text else None)
    assert one(replies).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "en",
            "what is the second oldest partner city",
            "Number 2 among Berlin's oldest partner cities is Paris",
        ),
        (
            "de",
            "was ist die zweitälteste partnerstadt",
            "Die 2.-älteste Partnerstadt Berlins ist Paris",
        ),
        (
            "en",
            "Which partner cities joined in the 21st century?",
            "2 of Berlin's 7 partner cities became partners between 2000 and 2099",
        ),
        (
            "en",
            "the Union of Capitals of the EU, is Berlin part of it?",
            "Union of Capitals of the EU (UCUE): Berlin's participation has been dormant",
        ),
    ],
)
def test_ranks_centuries_and_network_names(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "de",
            "Ich mache ein Plakat über Afrika: In welchem Land liegt Windhuk?",
            "Windhuk liegt in Namibia",
        ),
        (
            "de",
            "Liegt Istanbul in Europa oder in Asien?",
            "Istanbul (Türkei) liegt in Europa und Asien",
        ),
        (
            "en",
            "Who put their names to the Kyiv partnership agreement?",
            "The agreement with Kyiv was signed by",
        ),
        (
            "de",
            "Die Partnerschaft mit Kiew hat doch Franziska Giffey unterschrieben?",
            "Nein: Die Vereinbarung mit Kyjiw",
        ),
        (
            "en",
            "Which partner cities joined in 1987 and 1994?",
            "2 of Berlin's 7 partner cities became partners in 1987 and 1994",
        ),
        (
            "en",
            "How many partnerships are there from the eighties?",
            "2 of Berlin's 7 partner cities became partners between 1980 and 1989",
        ),
        (
            "de",
            "Wie viele Partnerstädte hatte Berlin Ende des Jahres 2000?",
            "6 der 7 Partnerstädte Berlins waren Ende 2000 schon Partnerstädte",
        ),
        (
            "en",
            "How many partnerships are younger than the one with Tokyo?",
            "Added after Tokyo: 2",
        ),
        (
            "en",
            "just moved into a flat in Kreuzberg - where do I do the Anmeldung?",
            "This office does not handle that",
        ),
        (
            "de",
            "Meine Urgroßmutter lebt in Haifa. Ich hörte vom Emigrantenprogramm – darf sie kommen?",
            "Mit dem Emigrantenprogramm lädt Berlin",
        ),
    ],
)
def test_third_round(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    intent = {"Who put": "route_international", "Meine Ur": "ask_emigrant_program"}.get(text[:7])
    intent = intent or ("ask_admin_service" if "Anmeldung" in text else None)
    assert one(conversation(lang)(text, intent=intent)).startswith(start)


def test_the_latter_of_two_cities(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Paris und Tokio – sind das beides Hauptstädte?")
    assert one(ask("seit wann ist die letztere Partnerstadt?")).startswith("Tokio (Japan) ist seit")


def test_compound_halves_share_their_subject(conversation) -> None:  # type: ignore[no-untyped-def]
    since, capital = conversation("de")(
        "seit wann ist paris partnerstadt und ist es eine hauptstadt"
    )
    assert since.startswith("Paris (Frankreich) ist seit")
    assert capital.startswith("Ja, Paris ist die Hauptstadt von Frankreich")
    route, year = conversation("en")(
        "which unit runs the emigrant programme and since what year has it existed",
        intent="ask_emigrant_program",
    )
    assert route.startswith("Please contact Unit II A") and "1969" in year


def test_a_statement_gives_its_context_to_the_question(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("en")(
            "Our mayor plans an official visit to Berlin. Whom should we contact?",
            intent="route_international",
        )
    )
    assert reply.startswith("Please contact Unit II A – Protocol")
    # Typed in lower case without "?", the last part still asks.
    typed_plainly = conversation("en")(
        "i work in the mayor's office of warsaw. we'd like to set up a joint youth project "
        "with berlin next year. who should we talk to",
        intent="route_international",
    )
    assert len(typed_plainly) == 1
    assert typed_plainly[0].startswith("Please contact Unit II B – International Affairs")


@pytest.mark.parametrize(
    ("lang", "topic", "question", "fact"),
    [
        ("de", "Was ist das Emigrantenprogramm?", "wie viele gäste waren schon da", "35.000"),
        ("en", "What is the Emigrant Programme?", "how many guests came so far?", "35,000"),
        ("de", "Erzähl mir vom Goldenen Buch", "und wo liegt der aktuelle aus?", "Foyer"),
        ("en", "Tell me about the Golden Book", "whose entry comes first?", "Obama"),
    ],
)
def test_a_fact_of_the_topic_in_context_is_answered_alone(  # type: ignore[no-untyped-def]
    conversation, lang, topic, question, fact
) -> None:
    ask = conversation(lang)
    ask(topic, intent="ask_emigrant_program" if "migr" in topic else "ask_golden_book")
    # The classifier may take a "how many" for a count of partner cities: the topic still wins.
    reply = one(ask(question, intent="count_partner_cities"))
    assert fact in reply.splitlines()[0]
    assert len(reply.splitlines()[0]) < 200, "the fact alone, not the whole summary"


def test_a_yes_no_question_about_a_topic_leads_with_the_answer(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Who may sign Berlin's Golden Book?", intent="ask_golden_book")
    assert one(ask("can the Federal President sign it too?")).startswith("Yes")
    assert one(ask("could our company's CEO sign it?")).startswith("No")


@pytest.mark.parametrize(
    ("lang", "listing", "count"),
    [
        ("de", "Welche Partnerstädte sind europäische Hauptstädte?", "wie viele sind es?"),
        ("en", "Which cities became partners since the year 2000?", "that's how many?"),
    ],
)
def test_a_bare_count_after_a_list_counts_that_list(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge, lang, listing, count
) -> None:
    ask = conversation(lang)
    first = one(ask(listing))
    size = int(first.split()[0])
    assert size < len(knowledge.partner_cities)
    assert one(ask(count, intent="count_partner_cities")).split(":")[0].endswith(str(size))


def test_a_count_relative_to_a_named_city_or_the_one_in_context(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge
) -> None:
    ordered = [c.id for c in knowledge.partner_cities]
    after_paris = len(ordered) - ordered.index("paris") - 1
    ask = conversation("de")
    reply = one(ask("Wie viele Partnerschaften gibt es, die jünger sind als die mit Paris?"))
    assert f": {after_paris} (" in reply
    ask("Seit wann ist Los Angeles Partnerstadt?")
    in_asia = [c for c in knowledge.partners_in(knowledge.continents["asia"])]
    reply = one(ask("und wie viele kamen danach in Asien dazu?"))
    assert f": {len(in_asia)} (" in reply and "Los Angeles" in reply


def test_a_one_city_count_leads_with_the_number(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("en")("How many partner cities are there in Africa?"))
    assert reply.startswith("1 (only one) of Berlin's") and "Windhoek" in reply


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("We'd like a joint heat adaptation project between Tokyo and Berlin. Which unit?", "II B"),
        ("We work for Paris city hall and want to start a climate partnership with Berlin", "II B"),
        ("A school in Tokyo wants an exchange; whom should they approach?", "II B"),
        ("Our embassy would like to invite the Land Berlin to our national day reception.", "II B"),
        ("Who do I contact about a state visit from Paris?", "II A"),
    ],
)
def test_a_need_that_names_a_city_is_routed_to_a_unit(conversation, text, unit) -> None:  # type: ignore[no-untyped-def]
    replies = conversation("en")(text, intent="route_international")
    assert replies[-1].startswith(f"Please contact Unit {unit}"), replies


def test_partnerships_from_a_year_are_those_of_that_year(conversation) -> None:  # type: ignore[no-untyped-def]
    from_year = one(conversation("en")("the partnerships from 1994, which ones are they?"))
    assert "in 1994" in from_year.splitlines()[0]
    onwards = one(conversation("en")("which partnerships from 1994 on?"))
    assert "1994 or later" in onwards.splitlines()[0]


@pytest.mark.parametrize(
    ("lang", "text", "lead"),
    [
        ("en", "was the kyiv partnership signed in kyiv?", "No"),
        ("en", "The Kyiv partnership was signed in Berlin's city hall, wasn't it?", "Yes"),
        ("de", "wurde die Partnerschaft mit Kyjiw in Kyjiw unterschrieben?", "Nein"),
    ],
)
def test_where_a_partnership_was_signed_is_checked(conversation, lang, text, lead) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(lead) and "Rathaus" in reply


def test_he_after_the_governing_mayor_is_the_governing_mayor(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Who is the Governing Mayor?", intent="ask_governing_mayor")
    assert one(ask("did he sign the Kyiv partnership?")).startswith("Yes")


@pytest.mark.parametrize(
    ("lang", "text", "first"),
    [
        ("en", "what's the phone number of the Senate Chancellery", "+49 30 9026-0"),
        ("de", "Wie lautet die Postanschrift der Senatskanzlei?", "Jüdenstraße 1"),
    ],
)
def test_a_contact_item_comes_first(conversation, lang, text, first) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text, intent="request_contact"))
    assert first in reply.split("\n")[0]


def test_oldest_and_newest_in_one_question(conversation, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    oldest, newest = conversation("en")("oldest and newest partner city? both please")
    assert knowledge.partner_cities[0].name.en in oldest
    assert knowledge.partner_cities[-1].name.en in newest


def test_the_same_answer_again_in_the_other_language(knowledge: Knowledge, wording) -> None:  # type: ignore[no-untyped-def]
    from assistant.answers.engine import Context, answer
    from assistant.answers.query import parse
    from tests.assistant.answers.conftest import places

    def ask(text: str, lang: str, context: Context, intent: str | None = None):  # type: ignore[no-untyped-def]
        query = parse(text, knowledge=knowledge, intent=intent, entities=places(text, knowledge))
        replies, context = answer([query], knowledge=knowledge, lang=lang, context=context)  # type: ignore[arg-type]
        return [wording.render(r, lang)[0] for r in replies], context

    first, context = ask("Does the Moscow partnership still exist?", "en", Context())
    assert first[0].startswith("No")
    # The NLU switched the conversation to German; the engine repeats the last answer in it.
    again, _ = ask("now the same answer in German please", "de", context, "switch_language")
    assert again[0].startswith("Gern, ich antworte ab jetzt auf Deutsch.")
    assert "Nein" in again[0] and "Moskau" in again[0]


@pytest.mark.parametrize(
    ("lang", "text"),
    [("de", "Budapest ist seit wann Partnerstadt?"), ("en", "Windhoek is in which country?")],
)
def test_a_question_word_inside_the_sentence_asks_for_a_fact(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert not reply.startswith(("Ja", "Yes", "Nein", "No")), reply


@pytest.mark.parametrize(
    ("lang", "text", "lead"),
    [
        ("en", "Are all partner cities capitals?", "No"),
        ("de", "Sind alle Partnerstädte in Europa?", "Nein"),
        ("en", "Does the Golden Book have ten volumes?", "No"),
        ("de", "Hat das Goldene Buch neun Bände?", "Ja"),
        ("en", "Is II A responsible for partner cities?", "No"),
        ("de", "Ist das Referat II A für Staatsbesuche zuständig?", "Ja"),
    ],
)
def test_yes_no_about_all_cities_a_topic_number_and_a_unit(conversation, lang, text, lead) -> None:  # type: ignore[no-untyped-def]
    intent = {"Does the": "ask_golden_book", "Hat das ": "ask_golden_book"}.get(text[:8])
    intent = intent or ("ask_unit_info" if "II A" in text else None)
    assert one(conversation(lang)(text, intent=intent)).startswith(lead)


def test_a_bare_city_after_a_claim_checks_the_same_claim(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    assert one(ask("Istanbul is in Asia, right?")).startswith("Yes")
    assert one(ask("and Paris?")).startswith("No")


def test_the_second_half_keeps_the_first_halfs_conditions(conversation) -> None:  # type: ignore[no-untyped-def]
    count, oldest = conversation("en")(
        "How many Asian partner cities are there, and which is the oldest?"
    )
    assert oldest.startswith("Of the partner cities that are in Asia")


def test_two_partnerships_of_one_year_without_a_day_are_not_ordered(
    knowledge: Knowledge,
) -> None:
    import dataclasses

    from assistant.answers.engine import _undecided
    from assistant.knowledge import Since

    moscow, kyiv = knowledge.partner("moscow"), knowledge.partner("kyiv")
    assert moscow is not None and kyiv is not None and moscow.since.day is None  # "1991"
    same_year = dataclasses.replace(kyiv, since=Since(moscow.since.year, 8, 12))
    assert _undecided(moscow, same_year) and _undecided(same_year, moscow)
    assert not _undecided(moscow, kyiv)  # another year
    assert not _undecided(kyiv, dataclasses.replace(kyiv, since=Since(kyiv.since.year, 1, 2)))


@pytest.mark.parametrize(
    ("lang", "first", "then", "expected"),
    [
        ("en", "What does unit II B do?", "and the other unit?", "Unit II A"),
        ("de", "Was macht das Referat II A?", "und das andere?", "Referat II B"),
    ],
)
def test_the_other_unit(conversation, lang, first, then, expected) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    ask(first, intent="ask_unit_info")
    assert one(ask(then, intent="ask_unit_info")).startswith(expected)


def test_comparisons_with_the_city_in_context_and_lists_relative_to_a_city(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge
) -> None:
    ask = conversation("en")
    ask("Tokyo")
    assert one(ask("is it older than Paris?")).startswith("No: The partnership with Paris is older")
    ordered = [c.id for c in knowledge.partner_cities]
    reply = one(ask("Which partnerships are older than the one with Tokyo?"))
    assert f": {ordered.index('tokyo')} (" in reply


@pytest.mark.parametrize(
    ("lang", "follow_up", "expected"),
    [("en", "what continent again?", "is in"), ("en", "where?", "Rotes Rathaus")],
)
def test_short_follow_ups_on_the_city_in_context(conversation, lang, follow_up, expected) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    ask("Who signed the Kyiv partnership?")
    assert expected in one(ask(follow_up, intent="ask_capabilities"))


def test_a_later_sentence_that_names_nothing_gets_no_answer_of_its_own(conversation) -> None:  # type: ignore[no-untyped-def]
    replies = conversation("en")("Is Tokyo still Japan's capital? I read something about it.")
    assert len(replies) == 1 and replies[0].startswith("Yes")


@pytest.mark.parametrize(
    ("lang", "text", "lead"),
    [
        ("en", "I heard Berlin and Paris are not partners anymore?", "No"),
        ("de", "Paris ist nicht mehr Partnerstadt, oder?", "Nein"),
    ],
)
def test_a_claim_that_a_partnership_ended_is_corrected(conversation, lang, text, lead) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(lead)


def test_a_list_of_one_with_since_when_gives_the_date(conversation, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    windhoek = knowledge.partner("windhoek")
    assert windhoek is not None
    replies = conversation("en")("Which city in Africa is a partner, and since when?")
    assert windhoek.name.en in replies[0]
    assert windhoek.since.format("en") in "\n".join(replies)


@pytest.mark.parametrize(
    ("lang", "text", "lead", "part"),
    [
        ("en", "Berlin has partner cities on every continent, right?", "No", "None is in"),
        ("de", "Hat Berlin auf allen Kontinenten Partnerstädte?", "Nein", "Keine liegt in"),
        ("en", "Are there more partner cities in Asia than in Europe?", "No", "Europe"),
        ("de", "Gibt es weniger Partnerstädte in Afrika als in Asien?", "Ja", "Afrika"),
    ],
)
def test_continents_and_region_counts(conversation, lang, text, lead, part) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(lead) and part in reply


def test_since_a_city_joined_is_no_count_after_it_unless_counting(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("en")("Since Kyiv joined in 2023, is it the newest partner?"))
    assert not reply.startswith("Right after")


@pytest.mark.parametrize(
    ("lang", "text", "intent", "unit"),
    [
        (
            "de",
            "Wann ist Tokio Partnerstadt geworden und wer ist dafür zuständig?",
            "route_protocol",
            "II B",
        ),
        (
            "en",
            "I'm writing from the Embassy of Chile: we want to present our new ambassador.",
            "ask_embassies",
            "II B",
        ),
        ("en", "Who coordinates Berlin's membership in Eurocities?", "ask_city_networks", "II B"),
    ],
)
def test_the_unit_for_a_city_in_context_an_embassy_and_a_network(  # type: ignore[no-untyped-def]
    conversation, lang, text, intent, unit
) -> None:
    replies = conversation(lang)(text, intent=intent)
    assert unit in replies[-1].split(".")[0], replies


def test_a_short_second_question_about_the_other_unit_is_answered(conversation) -> None:  # type: ignore[no-untyped-def]
    first, second = conversation("en")("What does unit II A do? And II B?", intent="ask_unit_info")
    assert first.startswith("Unit II A") and second.startswith("Unit II B")


@pytest.mark.parametrize(
    ("lang", "text", "lead", "fact"),
    [
        (
            "en",
            "Istanbul is the capital of Turkey and a partner since 1989, correct?",
            "No",
            "Ankara",
        ),
        ("en", "Tokyo is the capital of Japan and a partner since 1994, right?", "Yes", "1994"),
        ("de", "Tokio liegt in Europa und ist seit 1994 Partnerstadt, oder?", "Nein", "Asien"),
    ],
)
def test_two_claims_in_one_question_must_both_hold(conversation, lang, text, lead, fact) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(lead) and fact in reply


@pytest.mark.parametrize(
    ("lang", "text", "intent", "lead"),
    [
        ("de", "Das Emigrantenprogramm gibt es seit 1979, oder?", "ask_emigrant_program", "Nein"),
        (
            "en",
            "Kai Wegner has been Governing Mayor since 2021, hasn't he?",
            "ask_governing_mayor",
            "No",
        ),
        (
            "en",
            "Kai Wegner has been Governing Mayor since 2023, hasn't he?",
            "ask_governing_mayor",
            "Yes",
        ),
    ],
)
def test_a_year_claimed_about_a_topic_is_checked(conversation, lang, text, intent, lead) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text, intent=intent)).startswith(lead)


def test_a_statement_gives_its_region_to_the_count_after_it(
    conversation, knowledge: Knowledge
) -> None:  # type: ignore[no-untyped-def]
    asia = knowledge.partners_in(knowledge.continents["asia"])
    reply = one(
        conversation("de")("Wir machen eine Einheit zu Asien. Anzahl der Partnerstädte dort?")
    )
    assert reply.startswith(f"{len(asia)} der")


def test_a_claimed_place_in_the_order_of_partnerships_is_checked(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge
) -> None:
    last = len(knowledge.partner_cities)
    newest = knowledge.partner_cities[-1].name
    wrong = one(
        conversation("de")(f"{newest.de} ist die {last + 1}. Partnerstadt Berlins, richtig?")
    )
    assert wrong.startswith("Nein") and f"{last}. Partnerstadt" in wrong
    right = one(conversation("en")(f"{newest.en} is Berlin's {last}th partner city, isn't it?"))
    assert right.startswith("Yes")


def test_a_city_after_a_country_with_nach_is_no_order(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("de")("Wir fliegen bald nach Japan – ist Tokio eigentlich Partnerstadt?")
    )
    assert reply.startswith("Ja")


def test_a_count_claimed_about_a_region_in_a_question_about_a_city(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("en")("Windhoek is one of Berlin's two African partner cities, isn't it?")
    )
    assert reply.startswith("No") and "Windhoek" in reply


def test_a_yes_no_question_after_a_dash_and_a_statement_with_a_year(conversation) -> None:  # type: ignore[no-untyped-def]
    assert one(
        conversation("de")(
            "Wir fliegen bald nach Japan – ist Tokio eigentlich Partnerstadt von Berlin"
        )
    ).startswith("Ja")
    replies = conversation("en")(
        "My mother had to flee Berlin as a child in 1939. Is there anything for people like her?",
        intent="ask_emigrant_program",
    )
    assert "II A" in "\n".join(replies) and not replies[-1].startswith("No: None")


def test_the_n_oldest_and_an_elliptical_second_superlative(
    conversation, knowledge: Knowledge
) -> None:  # type: ignore[no-untyped-def]
    first, second = (c.name.en for c in knowledge.partner_cities[:2])
    two = one(conversation("en")("Which two partner cities are the oldest?"))
    assert two.startswith("Berlin's 2 oldest partner cities") and first in two and second in two
    europe, asia = conversation("en")(
        "Which is the oldest partner city in Europe and which in Asia?"
    )
    assert europe.startswith("Of the partner cities that are in Europe")
    assert asia.startswith("Of the partner cities that are in Asia")


def test_and_does_it_lie_in_europe_is_a_second_question(conversation) -> None:  # type: ignore[no-untyped-def]
    since, where = conversation("de")("Seit wann ist Paris Partnerstadt und liegt es in Europa?")
    assert "1987" in since and where.startswith("Ja")


def test_opening_hours_are_not_invented_and_an_embassy_is_found_through_the_list(  # type: ignore[no-untyped-def]
    conversation,
) -> None:
    hours = one(
        conversation("en")(
            "What are the opening hours of the Senate Chancellery?", intent="request_contact"
        )
    )
    assert hours.startswith("I cannot reliably tell you") and "+49 30 9026-0" in hours
    embassy = one(
        conversation("en")("Where can I find the embassy of Brazil?", intent="ask_embassies")
    )
    assert "Federal Foreign Office" in embassy.split("\n")[0]


@pytest.mark.parametrize(
    ("lang", "question", "switch"),
    [
        ("en", "Seit wann ist Paris Partnerstadt?", "Auf Englisch bitte."),
        ("de", "When did Paris become a partner city?", "in German please"),
    ],
)
def test_a_bare_language_request_answers_the_last_question_again(  # type: ignore[no-untyped-def]
    conversation, lang, question, switch
) -> None:
    ask = conversation(lang)
    ask(question)
    again = "\n".join(ask(switch, intent="switch_language"))
    assert "1987" in again


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Who is the mayor and since when?"),
        ("de", "Wer ist der Regierende Bürgermeister und seit wann?"),
    ],
)
def test_a_date_is_said_once_in_a_compound_answer(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    reply = "\n".join(conversation(lang)(text, intent="ask_governing_mayor"))
    assert reply.count("2023") == 1 and "Wegner" in reply


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("de", "Ist Wien eine Partnerstadt, und falls ja, seit wann?", "Nein"),
        ("en", "Is Vienna a partner city, and if so, since when?", "No"),
    ],
)
def test_a_question_asked_only_if_yes_is_left_out_after_no(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    replies = conversation(lang)(text)
    assert len(replies) == 1 and replies[0].startswith(start)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Warum ist Los Angeles keine Hauptstadt?"),
        ("en", "Why isn't Los Angeles a capital?"),
    ],
)
def test_a_why_question_gets_no_yes_or_no(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith("Los Angeles") and ("Hauptstadt" in reply or "capital" in reply)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Ist Moskau noch aktiv? Wenn nicht, seit wann ruht die Partnerschaft?"),
        ("en", "Is Moscow still an active partner? If not, since when is it dormant?"),
    ],
)
def test_a_conditional_question_keeps_the_city_of_the_one_before(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    replies = conversation(lang)(text)
    assert len(replies) == 2 and all("Moskau" in r or "Moscow" in r for r in replies)


@pytest.mark.parametrize(
    ("lang", "text", "facts"),
    [
        ("de", "Tokio: Land, Kontinent, Datum?", ["Japan", "Asien", "1994"]),
        ("en", "Tokyo - country, continent, year?", ["Japan", "Asia", "1994"]),
    ],
)
def test_every_fact_of_a_list_is_answered(conversation, lang, text, facts) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert all(fact in reply for fact in facts)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Auf welchen Kontinenten liegen die Partnerstädte?"),
        ("en", "Which continents are Berlin's partner cities on?"),
    ],
)
def test_which_continents_gives_the_overview(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert ("Afrika" in reply or "Africa" in reply) and ("Asien" in reply or "Asia" in reply)


def test_a_language_command_only_confirms(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Seit wann ist Paris Partnerstadt?")
    assert "1987" not in "\n".join(ask("/switch_language", intent="switch_language"))


@pytest.mark.parametrize(
    ("lang", "text", "newest"),
    [
        (
            "de",
            "Welche Partnerschaft ruht derzeit, und welche Partnerstadt ist die jüngste?",
            "Kyjiw",
        ),
        ("en", "Which partnership is dormant, and which partner city is the newest?", "Kyiv"),
    ],
)
def test_a_superlative_after_a_one_city_list_asks_about_all(
    conversation, lang, text, newest
) -> None:  # type: ignore[no-untyped-def]
    replies = conversation(lang)(text)
    assert newest in replies[-1]


@pytest.mark.parametrize(
    ("lang", "question", "ack", "expected"),
    [
        (
            "de",
            "Wer hat die Partnerschaft mit Kyjiw unterschrieben?",
            "okay danke",
            "Gern geschehen",
        ),
        (
            "de",
            "Wer hat die Partnerschaft mit Kyjiw unterschrieben?",
            "alles klar",
            "Gern. Kann ich",
        ),
        ("en", "Who signed the Kyiv partnership?", "ok", "Glad to help"),
        ("en", "Who signed the Kyiv partnership?", "great, thanks!", "You're welcome"),
    ],
)
def test_an_acknowledgement_after_an_answer_neither_repeats_it_nor_says_goodbye(  # type: ignore[no-untyped-def]
    conversation, lang, question, ack, expected
) -> None:
    ask = conversation(lang)
    first = one(ask(question, intent="ask_partner_city"))
    for intent in ("goodbye", "greet", "thank"):  # whatever the classifier made of it
        reply = one(ask(ack, intent=intent))
        assert reply.startswith(expected)
        assert reply != first


@pytest.mark.parametrize(
    ("lang", "first", "then"),
    [
        ("de", "Wie viele Partnerstädte sind Hauptstädte?", "Und welche sind keine?"),
        ("en", "Which partner cities are capitals?", "and which aren't?"),
        ("en", "How many partner cities are capitals?", "and the others?"),
    ],
)
def test_the_rest_of_a_list_after_a_condition(conversation, knowledge, lang, first, then) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    ask(first)
    reply = one(ask(then))
    not_capitals = [c.name(lang) for c in knowledge.partner_cities if not c.capital]
    capitals = [c.name(lang) for c in knowledge.partner_cities if c.capital]
    assert reply.startswith(str(len(not_capitals)))
    assert all(name in reply for name in not_capitals)
    assert not any(name in reply for name in capitals)


def test_a_new_region_keeps_the_count_and_its_other_condition(conversation, knowledge) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Wie viele der europäischen Partnerstädte sind Hauptstädte?")
    reply = one(ask("und in asien?"))
    asian_capitals = [c for c in knowledge.partner_cities if "asia" in c.continents and c.capital]
    assert all(c.name("de") in reply for c in asian_capitals)
    assert "Istanbul" not in reply.split("Quelle")[0]  # in Asia, but not a capital


@pytest.mark.parametrize(
    ("lang", "text", "rank", "end"),
    [
        ("de", "Welches ist die viertjüngste Partnerstadt?", 4, "newest"),
        ("de", "die fünftälteste Partnerstadt?", 5, "oldest"),
        ("en", "What is the fourth oldest partner city?", 4, "oldest"),
        ("en", "the 3rd newest partner city?", 3, "newest"),
    ],
)
def test_any_rank_from_either_end(conversation, knowledge, lang, text, rank, end) -> None:  # type: ignore[no-untyped-def]
    ordered = list(knowledge.partner_cities)
    expected = ordered[rank - 1] if end == "oldest" else ordered[-rank]
    others = [c for c in ordered if c is not expected]
    reply = one(conversation(lang)(text)).split("\n")[0]
    assert expected.name(lang) in reply
    assert not any(c.name(lang) in reply for c in others)


@pytest.mark.parametrize(
    ("lang", "text", "lead"),
    [
        ("en", "Since Berlin has 20 partner cities, which one was added last?", "No"),
        ("de", "Da Berlin ja 20 Partnerstädte hat: welche ist die neueste?", "Nein"),
    ],
)
def test_a_wrong_count_in_a_premise_is_corrected_first(
    conversation, knowledge, lang, text, lead
) -> None:  # type: ignore[no-untyped-def]
    replies = conversation(lang)(text, intent="ask_newest_partner")
    assert replies[0].startswith(lead) and str(len(knowledge.partner_cities)) in replies[0]
    assert ordered_last(knowledge).name(lang) in replies[-1]


def ordered_last(knowledge):  # type: ignore[no-untyped-def]
    return list(knowledge.partner_cities)[-1]


def test_a_right_count_in_a_premise_needs_no_answer(conversation, knowledge) -> None:  # type: ignore[no-untyped-def]
    total = len(knowledge.partner_cities)
    replies = conversation("en")(
        f"Since Berlin has {total} partner cities, which one was added last?",
        intent="ask_newest_partner",
    )
    assert len(replies) == 1 and ordered_last(knowledge).name("en") in replies[0]


def test_others_than_the_city_in_context(conversation, knowledge) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Erzähl mir was zur Partnerschaft mit Windhuk.")
    african = [c for c in knowledge.partner_cities if "africa" in c.continents]
    assert [c.id for c in african] == ["windhoek"]  # the fixture's only African partner
    assert one(ask("gibt es noch andere partnerstädte in afrika")).startswith("Nein")
    ask = conversation("en")
    ask("Tell me about Paris")
    european = [c for c in knowledge.partner_cities if "europe" in c.continents and c.id != "paris"]
    reply = one(ask("are there other partner cities in Europe?"))
    assert reply.startswith("Yes") and all(c.name("en") in reply for c in european)


def test_neighbour_and_years_of_the_city_in_context(conversation, knowledge) -> None:  # type: ignore[no-untyped-def]
    ordered = list(knowledge.partner_cities)
    ask = conversation("en")
    ask(f"tell me about the {ordered[-1].name('en')} partnership")
    reply = one(ask("and the partnership before that one?"))
    assert reply.startswith(f"Right before {ordered[-1].name('en')} came {ordered[-2].name('en')}")
    first, last = ordered[0], ordered[-1]
    years = last.since.year - first.since.year
    if (last.since.month or 0, last.since.day or 0) < (
        first.since.month or 0,
        first.since.day or 0,
    ):
        years -= 1
    for lang, text in (
        ("en", "How many years are there between the oldest and the newest partnership?"),
        ("de", "Wie viele Jahre liegen zwischen der allerersten und der neuesten Partnerschaft?"),
    ):
        reply = one(conversation(lang)(text))
        assert (
            reply.startswith(str(years)) and first.name(lang) in reply and last.name(lang) in reply
        )


@pytest.mark.parametrize(
    ("lang", "text", "lead"),
    [
        ("en", "I assume the Emigrantenprogramm started sometime in the 1990s?", "No"),
        ("en", "Did the Emigrantenprogramm start in the 1960s?", "Yes"),
        ("de", "Wurde das Emigrantenprogramm vor 1950 gegründet?", "Nein"),
    ],
)
def test_a_period_claimed_about_a_topic_is_checked(
    conversation, knowledge, lang, text, lead
) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text, intent="ask_emigrant_program"))
    assert reply.startswith(lead)


def test_a_count_by_status_names_the_dormant_partnership(conversation, knowledge) -> None:  # type: ignore[no-untyped-def]
    dormant = [c for c in knowledge.partner_cities if c.status == "dormant"]
    assert dormant
    for lang, text in (
        ("en", "How many partnerships are active?"),
        ("de", "Wie viele Partnerschaften ruhen?"),
    ):
        reply = one(conversation(lang)(text))
        for city in dormant:
            assert city.name(lang) in reply and str(city.status_since) in reply


@pytest.mark.parametrize(
    ("lang", "overview", "question"),
    [
        ("de", "Was macht die Abteilung II?", "Wofür ist das Referat II B zuständig?"),
        ("en", "What does Department II do?", "What is unit II A responsible for?"),
    ],
)
def test_a_unit_asked_about_after_the_department_gets_its_tasks(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge, lang, overview, question
) -> None:
    ask = conversation(lang)
    ask(overview, intent="ask_department")
    unit = knowledge.units["II B" if lang == "de" else "II A"]
    reply = one(ask(question, intent="ask_unit_info"))
    assert reply.startswith(unit.name(lang)), reply
    assert unit.tasks(lang)[0] in reply
    assert knowledge.department.summary(lang) not in reply
    assert language_of(reply) == lang


@pytest.mark.parametrize(
    ("lang", "topic", "unrelated"),
    [
        ("de", "Wo kann ich meinen Aufenthaltstitel verlängern?", "Wie wird das Wetter morgen?"),
        ("en", "Where can I renew my residence permit?", "Any good restaurants nearby?"),
    ],
)
def test_an_unrelated_question_after_a_topic_is_not_answered_with_the_topic(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge, lang, topic, unrelated
) -> None:
    ask = conversation(lang)
    first = one(ask(topic, intent="ask_admin_service"))
    source = knowledge.topics["admin_services"].source
    assert source in first
    reply = one(ask(unrelated, intent="out_of_scope"))
    assert source not in reply
    assert knowledge.contact.phone in reply  # "I don't know" with the contact data
    assert language_of(reply) == lang


@pytest.mark.parametrize(
    ("lang", "question", "network"),
    [
        (
            "en",
            "Berlin hosts a regional secretariat of a world association of cities. Which is it?",
            "metropolis",
        ),
        ("de", "Welches Netzwerk hat seinen Flaggentag am 8. Juli?", "mayors_for_peace"),
        ("en", "which network is about the climate?", "c40"),
        ("de", "In welchem Netzwerk arbeitet Berlin mit europäischen Städten?", "eurocities"),
    ],
)
def test_a_network_described_but_not_named_is_that_network(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge, lang, question, network
) -> None:
    ask = conversation(lang)
    reply = one(ask(question, intent="ask_city_networks"))
    assert reply.startswith(knowledge.networks[network].name(lang)), reply
    others = [n for n in knowledge.networks.values() if n.id != network]
    assert not any(n.summary(lang) in reply for n in others)
    # and it stays the subject: "since when?" is that network's date
    assert one(ask("since when?" if lang == "en" else "seit wann?")).startswith(
        knowledge.networks[network].name(lang)
    )


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("en", "Which city networks is Berlin part of?"),
        ("de", "In welchen Städtenetzwerken ist Berlin Mitglied?"),
    ],
)
def test_a_question_about_networks_in_general_lists_them_all(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge, lang, question
) -> None:
    reply = one(conversation(lang)(question, intent="ask_city_networks"))
    assert all(n.name(lang) in reply for n in knowledge.networks.values()), reply


@pytest.mark.parametrize(
    ("lang", "question", "first_word"),
    [
        ("de", "Tokio ist keine Partnerstadt, oder?", "Doch,"),
        ("de", "Ist Tokio keine Partnerstadt?", "Doch,"),
        ("de", "Ist Tokio eine Partnerstadt?", "Ja,"),
        ("en", "Tokyo isn't a partner city, is it?", "Yes,"),
        ("en", "Is Tokyo a partner city?", "Yes,"),
    ],
)
def test_a_negated_question_about_a_partner_city_is_contradicted_in_german_with_doch(  # type: ignore[no-untyped-def]
    conversation, knowledge: Knowledge, lang, question, first_word
) -> None:
    tokyo = knowledge.partner("tokyo")
    assert tokyo is not None
    reply = one(conversation(lang)(question, intent="ask_is_partner"))
    assert reply.split()[0] == first_word, reply
    assert tokyo.name(lang) in reply and str(tokyo.since.year) in reply
    assert language_of(reply) == lang


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("de", "kiew ist seit 2022 partnerstadt, das weiss ich noch", "Nein"),
        ("en", "windhoek has been a partner city since 2000", "Yes"),
    ],
)
def test_a_stated_date_is_checked(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text, intent="nlu_fallback"))
    assert reply.startswith(start), reply
    assert ("2023" if "kiew" in text else "2000") in reply


def test_a_need_told_first_covers_the_visit_asked_for(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("de")(
            "meine oma musste 1938 aus berlin fliehen. kann man sie zu einem besuch einladen?",
            intent="ask_emigrant_program",
        )
    )
    assert "II A" in reply and "Emigrantenprogramm" in reply, reply


def test_a_visa_for_a_visit_is_the_missions_business(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("en")(
            "i need a visa to visit my friend in berlin, can you help me with that",
            intent="ask_visa",
        )
    )
    assert "embassies and consulates" in reply and "II A" not in reply, reply


def test_both_parts_of_america_are_listed(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("en")("which partner cities are in north or south america"))
    assert "Los Angeles" in reply, reply


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        (
            "en",
            "our mayor from a small town in italy would love to sign the golden book, is that ok",
            "No",
        ),
        ("de", "darf der bürgermeister unserer kleinen stadt ins goldene buch?", "Nein"),
        ("en", "can the mayor of a partner city sign the golden book?", "Yes"),
    ],
)
def test_the_golden_book_for_a_mayor(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text, intent="ask_golden_book"))
    assert reply.startswith(start), reply


@pytest.mark.parametrize(
    ("lang", "listed", "counted", "count"),
    [
        ("en", "which partner cities are dormant", "and how many are active then", "6"),
        ("de", "welche partnerschaft ruht gerade", "und wie viele sind dann aktiv", "6"),
    ],
)
def test_a_count_that_contradicts_the_last_list_counts_all(  # type: ignore[no-untyped-def]
    conversation, lang, listed, counted, count
) -> None:
    ask = conversation(lang)
    ask(listed, intent="list_partner_cities")
    reply = one(ask(counted, intent="count_partner_cities"))
    assert reply.startswith(count), reply
