"""Counts, yes/no claims, superlatives and comparisons with conditions, over the fixture knowledge
(seven partner cities: Los Angeles 1967, Paris 1987, Istanbul 1989 in Europe and Asia, Moscow 1991
dormant, Tokyo 1994, Windhoek 2000, Kyiv 2023)."""

from __future__ import annotations

import datetime

import pytest

from assistant.knowledge import Knowledge


def one(replies: list[str]) -> str:
    assert len(replies) == 1, replies
    return replies[0]


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("en", "Kyiv became a partner before 2022, didn't it?", "No: Kyiv"),
        ("de", "Kiew ist doch schon vor 2022 Partnerstadt geworden, oder nicht?", "Nein: Kyjiw"),
        ("en", "Tokyo joined before 2000, right?", "Yes: Tokyo"),
        ("en", "Are there two African partner cities?", "No:"),
        ("de", "Hat Berlin mehr als fünf Partnerstädte?", "Ja:"),
        ("en", "Does Berlin have fewer than 5 partner cities?", "No:"),
        ("en", "Has Windhoek been a partner longer than Tokyo?", "No: The partnership with Tokyo"),
        ("de", "Besteht die Partnerschaft mit Paris schon länger als die mit Tokio?", "Ja:"),
        (
            "de",
            "Paris oder Tokio – welche Partnerschaft besteht schon länger?",
            "Die Partnerschaft mit Paris",
        ),
        ("en", "Are Windhoek and Kyiv the two newest partner cities?", "Yes:"),
        ("en", "Are Paris and Tokyo the two oldest partner cities?", "No:"),
    ],
)
def test_claims_with_periods_bounds_and_groups(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


def test_a_period_about_the_city_in_context(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Erzähl mir was über Paris")
    assert one(ask("war das vor 1990?")).startswith("Ja: Paris")
    assert one(ask("und nach 2000?")).startswith("Nein")


def test_all_capitals_names_the_exceptions(conversation, knowledge: Knowledge) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("en")("Are all of Berlin's partner cities capitals?"))
    assert reply.startswith("No:")
    assert all(c.name.en in reply for c in knowledge.partner_cities if not c.capital)
    assert "Tokyo" not in reply


def test_first_of_the_listed_two(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Which partner cities joined between 1995 and 2025?")
    assert one(ask("Is Kyiv the first of them?")).startswith("No")
    ask = conversation("de")
    ask("Welche Partnerstädte kamen zwischen 1995 und 2025 dazu?")
    assert one(ask("war Kiew davon die erste?")).startswith("Nein: Von diesen ist Windhuk")


def test_counts_besides_the_city_in_context(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Tell me about Paris")
    reply = one(ask("and how many other partner cities are in Europe?"))
    assert reply.startswith("3 other partner cities of Berlin are in Europe")
    assert "(besides Paris)" in reply


def test_a_premise_inside_a_count_is_corrected_first(conversation) -> None:  # type: ignore[no-untyped-def]
    replies = conversation("en")(
        "Since the Moscow partnership was cancelled in 2022, how many are left?"
    )
    assert replies[0].startswith("No: The partnership with Moscow has been dormant since 2022")
    assert "6 of Berlin's 7 partner cities are active" in replies[-1]
    reply = one(conversation("en")("How many are left after the Moscow partnership was cancelled?"))
    assert reply.startswith("No: The partnership with Moscow has been dormant since 2022")


def test_a_region_added_to_the_last_list(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("list the partner cities in north america please")
    reply = one(ask("and if I include Africa, how many are there?"))
    assert reply.startswith("2 of Berlin's 7 partner cities")
    assert "Windhoek" in reply and "Los Angeles" in reply


def test_negated_follow_up_and_total_after_a_list(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("how many partner cities are capitals?")
    assert one(ask("and how many aren't?")).startswith("2 of Berlin's 7 partner cities are not")
    ask = conversation("de")
    ask("Welche Partnerstädte sind keine Hauptstädte?")
    assert one(ask("und wie viele Partnerstädte hat Berlin insgesamt?")).startswith(
        "Berlin hat 7 Partnerstädte"
    )


def test_counts_without_named_cities_and_in_the_same_year(conversation) -> None:  # type: ignore[no-untyped-def]
    en = conversation("en")
    assert one(en("How many partner cities are there, not counting Moscow?")).startswith(
        "Not counting Moscow, there are 6"
    )
    de = conversation("de")
    reply = one(de("Welche europäischen Hauptstädte sind Partnerstädte, außer Paris?"))
    assert reply.startswith("Ohne Paris sind es 2 Partnerstädte") and "Kyjiw" in reply


def test_periods_from_words(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    reply = one(ask("how many partnerships were signed in the last 10 years?"))
    since = datetime.date.today().year - 10
    assert reply.startswith(
        f"1 (only one) of Berlin's 7 partner cities became a partner in {since}"
    )
    assert one(ask("how many partner cities joined after reunification?")).startswith(
        "4 of Berlin's 7 partner cities became partners after 1990"
    )
    assert one(ask("how many partner cities before the turn of the millennium")).startswith(
        "5 of Berlin's 7"
    )


def test_two_continents_are_named(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("en")("Which is the oldest partner city in Asia?"))
    assert "Istanbul" in reply and "leaving it aside, it is Tokyo" in reply
    count = one(conversation("de")("Wie viele Partnerstädte liegen in Asien?"))
    assert "Istanbul liegt auf zwei Kontinenten" in count


def test_continents_countries_and_years_between(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    assert one(ask("On how many continents does Berlin have partner cities?")).startswith(
        "On 4 continents"
    )
    assert one(ask("In how many countries are the partner cities?")).startswith(
        "Berlin's 7 partner cities lie in 7 different countries"
    )
    assert one(ask("How much older is the LA partnership than the Paris one?")).startswith(
        "20 years"
    )
    between = one(ask("Which partner city joined between Tokyo and Kyiv?"))
    assert between.startswith("Between Tokyo") and "Windhoek" in between


def test_signers_dates_ranks_and_capitals(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    assert one(ask("How many partnerships has Kai Wegner signed?")).startswith(
        "1: Kai Wegner signed the partnership with Kyiv"
    )
    assert one(ask("when was the Kyiv agreement signed?")).startswith("Kyiv (Ukraine) has been")
    assert one(ask("Which number partner city is Kyiv?")).startswith(
        "Kyiv is Berlin's partner city number 7"
    )
    assert one(ask("what is the capital of namibia")).startswith("Windhoek is the capital")


def test_umlauts_typed_as_two_letters_and_split_region_names(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    assert one(ask("welche ist die aelteste partnerstadt")).startswith(
        "Berlins älteste Partnerstadt ist Los Angeles"
    )
    assert one(ask("wieviele hauptstaedte sind partnerstaedte")).startswith("5 der 7")
    assert one(ask("Wie viele Partnerstädte hat Berlin in Nord Amerika?")).startswith(
        "1 (nur eine) der 7 Partnerstädte Berlins liegt in Nordamerika"
    )


def test_a_condition_within_the_last_list(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Welche Partnerstädte liegen in Europa?")
    reply = one(ask("und davon Hauptstädte?"))
    assert reply.startswith("3 davon sind Hauptstädte") and "Istanbul" not in reply


def test_a_false_premise_is_corrected_before_the_question(conversation) -> None:  # type: ignore[no-untyped-def]
    first, second = conversation("en")(
        "Since Tokyo joined in 1999, which partner city came right before it?"
    )
    assert first.startswith("No, Tokyo did not become a partner city in 1999")
    assert second.startswith("Right before Tokyo came Moscow")
    premise, answer = conversation("de")(
        "Weil Istanbul die Hauptstadt der Türkei ist – seit wann ist es Partnerstadt?"
    )
    assert premise.startswith("Nein: Istanbul ist nicht die Hauptstadt") and "1989" in answer


def test_a_premise_that_holds_is_not_repeated(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("de")("Nachdem Windhuk Partnerstadt wurde, wie viele kamen danach noch hinzu?")
    )
    assert reply.startswith("Nach Windhuk hinzugekommen: 1")


def test_the_total_after_a_count(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("wie viele partnerstädte liegen in asien?")
    assert one(ask("und insgesamt?")).startswith("Berlin hat 7 Partnerstädte")


def test_a_message_says_each_fact_once(conversation) -> None:  # type: ignore[no-untyped-def]
    replies = conversation("de")(
        "Meine Schwiegertochter stammt aus Tokio. Seit welchem Jahr besteht die Partnerschaft?"
    )
    text = "\n".join(replies)
    assert text.count("14. Mai 1994") == 1


@pytest.mark.parametrize(
    ("lang", "visitor", "question", "start"),
    [
        ("en", "The mayor of Paris is coming next week.", "Can she sign the Golden Book?", "Yes:"),
        (
            "en",
            "My aunt is a novelist and visits Berlin soon. Where is the Golden Book kept?",
            "can she sign the Golden Book?",
            "No:",
        ),
        (
            "de",
            "Im Mai kommt ein Staatsoberhaupt aus Chile nach Berlin.",
            "Darf er sich ins Goldene Buch eintragen?",
            "Ja:",
        ),
        (
            "de",
            "Meine Freundin ist Schauspielerin und besucht bald Berlin.",
            "Kann sie sich ins Goldene Buch eintragen?",
            "Nein:",
        ),
    ],
)
def test_a_yes_or_no_about_the_person_told_of_before(  # type: ignore[no-untyped-def]
    conversation, lang, visitor, question, start
) -> None:
    ask = conversation(lang)
    ask(visitor)
    assert one(ask(question)).startswith(start)


def test_a_question_about_the_visitor_is_not_about_the_person_before(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("The mayor of Paris is coming next week.")
    assert not one(ask("Can I sign the Golden Book?")).startswith("Yes")


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Which continent has the most partner cities?", ["Europe (4:", "Istanbul"]),
        ("de", "Auf welchem Kontinent liegen die meisten Partnerstädte?", ["Europa (4:"]),
        (
            "en",
            "Which continent has the fewest partner cities?",
            ["North America (1: Los Angeles)", "Africa (1: Windhoek)"],
        ),
    ],
)
def test_the_continent_with_the_most_or_fewest(conversation, lang, text, expected) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert all(e in reply for e in expected), reply


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("en", "Is there a continent with only one partner city?", "Yes:"),
        ("de", "Gibt es einen Kontinent mit nur einer Partnerstadt?", "Ja:"),
    ],
)
def test_a_continent_with_only_one(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(start) and "Windh" in reply and "Los Angeles" in reply
    assert "Tokyo" not in reply and "Tokio" not in reply


@pytest.mark.parametrize("intent", [None, "ask_oldest_partner"])
@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Someone told me the Paris partnership goes back to the Cold War. When was it signed?",
        ),
        (
            "de",
            "Jemand hat mir erzählt, die Partnerschaft mit Paris stammt aus dem Kalten Krieg. "
            "Wann wurde sie geschlossen?",
        ),
    ],
)
def test_hearsay_before_a_question_is_its_background(conversation, lang, text, intent) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text, intent=intent))
    assert reply.startswith("Paris") and "1987" in reply and "Los Angeles" not in reply


@pytest.mark.parametrize(
    ("lang", "count", "follow_up"),
    [
        (
            "en",
            "How many partner cities joined in the 1990s?",
            "which was the last in that decade?",
        ),
        (
            "de",
            "Wie viele Partnerstädte kamen in den 90ern dazu?",
            "welche war die letzte in dem Jahrzehnt?",
        ),
        (
            "de",
            "Wie viele Partnerstädte kamen in den 90ern dazu?",
            "und die letzte in diesem Jahrzehnt?",
        ),
    ],
)
def test_that_decade_is_the_one_asked_about(conversation, lang, count, follow_up) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    assert one(ask(count)).startswith("2 ")
    reply = one(ask(follow_up))
    assert "Tok" in reply and "1994" in reply and "Ky" not in reply


def test_this_decade_without_one_before_is_today_s(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation("en")("Which partner cities joined this decade?"))
    assert "Kyiv" in reply and "Tokyo" not in reply


@pytest.mark.parametrize(
    ("lang", "first", "then"),
    [
        ("en", "What is the second oldest partner city?", "and the third?"),
        ("de", "Welche ist die zweitälteste Partnerstadt?", "und die dritte?"),
    ],
)
def test_the_next_place_in_the_same_order(conversation, lang, first, then) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    assert "Paris" in one(ask(first))
    assert "Istanbul" in one(ask(then))


def test_the_next_place_keeps_the_conditions(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    assert "Moscow" in one(ask("Which is the second newest partner city in Europe?"))
    assert "Istanbul" in one(ask("and the third?"))


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("en", "Windhoek is the only African partner city, isn't it?", "Yes, Windhoek (Namibia)"),
        ("de", "Windhuk ist die einzige afrikanische Partnerstadt, oder?", "Ja, Windhuk (Namibia)"),
    ],
)
def test_the_only_city_of_a_region_comes_with_its_country(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text", "city"),
    [
        (
            "de",
            "Ich habe gelesen, dass Kai Wegner Partnerschaften unterschrieben hat. Wie viele?",
            "Kyjiw",
        ),
        ("en", "I read that Kai Wegner has signed partnerships. How many?", "Kyiv"),
    ],
)
def test_a_count_after_a_statement_about_a_signer(conversation, lang, text, city) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text, intent="count_partner_cities"))
    assert reply.startswith("1: Kai Wegner") and city in reply


@pytest.mark.parametrize(
    ("lang", "text", "first"),
    [
        ("de", "Welche der Partnerschaften in Asien ist jünger?", "Die Partnerschaft mit Tokio"),
        ("en", "Which of the Asian partnerships is older?", "The partnership with Istanbul"),
        ("en", "Which of the European partnerships is the older one?", "Of the partner cities"),
    ],
)
def test_the_older_or_newer_of_a_described_list(conversation, lang, text, first) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(first)
    assert "Paris" in reply or "Europe" not in text


def test_the_one_before_after_an_unsure_superlative_guess(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Tell me about the Kyiv partnership")
    ask("is it the capital of Ukraine?")
    reply = one(ask("and the partnership before that one?", intent="ask_oldest_partner"))
    assert reply.startswith("Right before Kyiv came Windhoek")


@pytest.mark.parametrize(
    ("lang", "text", "intent"),
    [
        (
            "en",
            "We plan a school exchange with Tokyo. Who at the Senate Chancellery supports such "
            "projects, and when did that partnership start?",
            "route_international",
        ),
        (
            "de",
            "Unsere Schule plant einen Austausch mit Tokio. Wer hilft uns dabei, und seit wann "
            "besteht die Partnerschaft?",
            None,
        ),
    ],
)
def test_that_partnership_is_the_one_of_the_message(conversation, lang, text, intent) -> None:  # type: ignore[no-untyped-def]
    unit, since = conversation(lang)(text, intent=intent)
    assert "II B" in unit and "1994" in since


@pytest.mark.parametrize(
    ("lang", "text", "premise", "answer"),
    [
        (
            "en",
            "A friend says Tokyo is the oldest partner. When did it actually join?",
            "No: Berlin's oldest partner city is Los Angeles",
            "14 May 1994",
        ),
        (
            "de",
            "Ein Bekannter meint, die Partnerschaft mit Paris gibt es seit den 70ern. "
            "Seit wann wirklich?",
            "Nein: Paris",
            "2. Juli 1987",
        ),
    ],
)
def test_hearsay_that_can_be_checked_is_corrected_first(  # type: ignore[no-untyped-def]
    conversation, lang, text, premise, answer
) -> None:
    replies = conversation(lang)(text)
    assert replies[0].startswith(premise) and answer in "\n".join(replies)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Which continent is best represented among the partner cities?"),
        ("de", "Welcher Erdteil ist am stärksten vertreten?"),
    ],
)
def test_the_best_represented_continent(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    assert "(4: Paris" in one(conversation(lang)(text))


def test_a_continent_named_with_a_superlative_is_a_filter(conversation) -> None:  # type: ignore[no-untyped-def]
    reply = one(
        conversation("en")("Which partner city on the continent of Europe is the most recent?")
    )
    assert reply.startswith("Of the partner cities that are in Europe, Kyiv")


def test_who_signed_the_first_of_a_list(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("en")
    ask("Which partner cities joined after 1995?")
    reply = one(ask("who signed the newest of them?"))
    assert "Kyiv" in reply and "Klitschko" in reply


def test_signed_first_asks_for_the_oldest_of_all(conversation) -> None:  # type: ignore[no-untyped-def]
    ask = conversation("de")
    ask("Erzähl mir was über Kyjiw")
    reply = one(
        ask("Welche Partnerschaft wurde zuerst unterzeichnet?", intent="ask_oldest_partner")
    )
    assert reply.startswith("Berlins älteste Partnerstadt ist Los Angeles")


@pytest.mark.parametrize(
    ("lang", "count", "which"),
    [
        ("de", "Wie viele Partnerstädte hat Berlin in Afrika?", "Und welche ist das?"),
        ("en", "How many partner cities are in Africa?", "which one is it?"),
    ],
)
def test_which_one_after_a_count_of_one(conversation, lang, count, which) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    ask(count)
    assert one(ask(which)).startswith("Windh")


@pytest.mark.parametrize(
    ("lang", "which"), [("en", "and which are they?"), ("de", "und welche sind das?")]
)
def test_which_are_they_after_a_count(conversation, lang, which) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    ask(
        "How many partner cities are not capitals?"
        if lang == "en"
        else "Wie viele Partnerstädte sind keine Hauptstädte?"
    )
    reply = one(ask(which))
    assert "Los Angeles" in reply and "Istanbul" in reply and "Tok" not in reply


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("de", "Liegen mehr Partnerstädte in Asien als in Europa?", "Nein: Partnerstädte Berlins"),
        ("de", "Gibt es mehr Partnerstädte in Europa oder in Asien?", "Partnerstädte Berlins"),
        (
            "en",
            "Where are more partner cities, in Asia or in Europe?",
            "Berlin's partner cities in",
        ),
    ],
)
def test_two_regions_compared_by_count(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(start) and ": 4" in reply and ": 2" in reply


@pytest.mark.parametrize(
    ("lang", "text", "exception"),
    [
        ("de", "Sind alle Partnerstädte in Europa Hauptstädte?", "Ausgenommen ist Istanbul."),
        ("en", "Are all the European partner cities capitals?", "The exception is Istanbul."),
    ],
)
def test_all_of_a_region_names_the_exceptions_there(conversation, lang, text, exception) -> None:  # type: ignore[no-untyped-def]
    reply = one(conversation(lang)(text))
    assert reply.startswith(("Nein:", "No:")) and exception in reply and "Los Angeles" not in reply


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "de",
            "Wo kann ich mich als ehemalige Zwangsarbeiterin für das Emigrantenprogramm bewerben?",
        ),
        ("en", "I was a forced labourer. Where can I apply for the Emigrant Programme?"),
    ],
)
def test_where_to_apply_wins_over_who_is_invited(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    assert "II A" in "\n".join(conversation(lang)(text))


@pytest.mark.parametrize(
    ("lang", "first", "then", "start"),
    [
        (
            "de",
            "Seit wann ist Tokio Partnerstadt?",
            "in welchem Land liegt es?",
            "Tokio liegt in Japan",
        ),
        ("en", "When did Tokyo become a partner?", "which country is it in?", "Tokyo is in Japan"),
    ],
)
def test_the_country_of_the_city_in_context_whatever_the_guess(  # type: ignore[no-untyped-def]
    conversation, lang, first, then, start
) -> None:
    ask = conversation(lang)
    ask(first)
    assert one(ask(then, intent="ask_partners_by_region")).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text", "years"),
    [
        ("de", "Wann wurde Windhuk Partnerstadt und wie viele Jahre ist das her?", "Jahre"),
        ("en", "When did Windhoek become a partner and how long ago was that?", "years"),
    ],
)
def test_how_long_ago_as_the_second_question(conversation, lang, text, years) -> None:  # type: ignore[no-untyped-def]
    replies = conversation(lang)(text, intent="ask_partner_since")
    expected = (
        datetime.date.today().year
        - 2000
        - (datetime.date.today() < datetime.date(datetime.date.today().year, 7, 6))
    )
    assert len(replies) == 2 and f"{expected} {years}" in replies[1]


@pytest.mark.parametrize(
    ("lang", "first", "then"),
    [
        ("en", "Tell me about Paris and Istanbul", "and how many years apart are they?"),
        (
            "de",
            "Seit wann sind Paris und Istanbul Partnerstädte?",
            "wie viele Jahre liegen dazwischen?",
        ),
    ],
)
def test_years_apart_of_the_two_cities_in_context(conversation, lang, first, then) -> None:  # type: ignore[no-untyped-def]
    ask = conversation(lang)
    ask(first)
    assert one(ask(then, intent="ask_partner_since")).startswith("2 ")


@pytest.mark.parametrize(
    ("lang", "text", "start"),
    [
        ("de", "Mein Onkel sagt, Berlin hat keine Partnerstadt in Afrika. Stimmt das?", "Nein:"),
        ("en", "Berlin has no partner city in Africa. Is that right?", "No:"),
        ("de", "Berlin hat keine Partnerstadt in Südamerika. Stimmt das?", "Ja:"),
    ],
)
def test_a_statement_that_denies_then_is_that_right(conversation, lang, text, start) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(start)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I heard that Moscow is no longer a partner city. Is that so?"),
        ("de", "Ich habe gehört, Moskau ist keine Partnerstadt mehr. Stimmt das?"),
    ],
)
def test_a_claim_then_is_that_so_is_answered_once(conversation, lang, text) -> None:  # type: ignore[no-untyped-def]
    assert one(conversation(lang)(text)).startswith(("No:", "Nein:"))
