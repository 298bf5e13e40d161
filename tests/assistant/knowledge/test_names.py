from __future__ import annotations

import pytest

from assistant.knowledge.names import (
    NameEntry,
    NameIndex,
    common_words,
    confusable_words,
    inflected_forms,
    normalise_name,
)


@pytest.fixture
def index() -> NameIndex:
    return NameIndex(
        [
            NameEntry("Prag", "city", "prague"),
            NameEntry("Warschau", "city", "warsaw"),
            NameEntry("Buenos Aires", "city", "buenos_aires"),
            NameEntry("Paris", "city", "paris"),
        ]
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Brüssel", "brussel"),
        ("  Mexiko-Stadt ", "mexiko stadt"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("Suedamerika", "sudamerika"),
        ("Südamerika", "sudamerika"),
        ("Nord- und Suedamerika", "nord und sudamerika"),
    ],
)
def test_normalise_name(text: str, key: str) -> None:
    assert normalise_name(text) == key


def test_inflected_forms_add_genitive_and_possessive() -> None:
    assert set(inflected_forms("Prag")) == {"Prags", "Prag's"}
    assert inflected_forms("Paris") == ["Paris's"]


@pytest.mark.parametrize("text", ["prag", "Prags", "PRAG", "Warschaus", "buenos aires"])
def test_exact_matches_case_and_inflection(index: NameIndex, text: str) -> None:
    assert index.exact(text) is not None


@pytest.mark.parametrize(
    ("text", "place"),
    [("Warshau", "warsaw"), ("Warschua", "warsaw"), ("Buenos Aries", "buenos_aires")],
)
def test_fuzzy_tolerates_small_typos(index: NameIndex, text: str, place: str) -> None:
    found = index.fuzzy(text)
    assert found is not None and found.place_id == place


@pytest.mark.parametrize("text", ["frag", "Prig", "Wartburg", "Berlin"])
def test_fuzzy_leaves_short_and_distant_words_alone(index: NameIndex, text: str) -> None:
    assert index.fuzzy(text) is None


def test_ordinary_words_are_not_taken_for_misspelt_names(index: NameIndex) -> None:
    vocabulary = common_words(["de", "en"])
    blocked = confusable_words(index, vocabulary)
    assert "parts" in blocked
    guarded = NameIndex(
        [NameEntry("Paris", "city", "paris"), NameEntry("Warschau", "city", "warsaw")],
        blocked=blocked,
    )
    assert guarded.fuzzy("parts") is None
    assert guarded.fuzzy("Warshau") is not None
