from __future__ import annotations

import pytest

from assistant.lang import (
    Detection,
    LanguageDetector,
    decide,
    named_language,
    normalise,
    requested_language,
)


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Welche Partnerstädte hat Berlin?", "de"),
        ("Which partner cities does Berlin have?", "en"),
        ("Erzähl mir was über Madrid", "de"),
        ("Tell me about Madrid", "en"),
        ("und seit wann?", "de"),
        ("and since when?", "en"),
        ("Wer darf sich ins Goldene Buch eintragen?", "de"),
        ("Can I sign the golden book?", "en"),
        ("hallo", "de"),
        ("hi", "en"),
        ("danke", "de"),
        ("thanks", "en"),
        ("Bist du ein Bot?", "de"),
        ("Are you a bot?", "en"),
    ],
)
def test_detector_recognises_the_language(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


@pytest.mark.parametrize("text", ["ok", "Paris?", "okay", "?", "123", "Golden Book?", ""])
def test_detector_calls_short_or_neutral_messages_ambiguous(
    detector: LanguageDetector, text: str
) -> None:
    assert detector.detect(text).lang is None


def test_detector_ignores_place_names(detector: LanguageDetector) -> None:
    text = "Los Angeles?"
    assert detector.detect(text, ignore_spans=[(0, 11)]).lang is None


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("en_GB", "en"),
        ("EN", "en"),
        ("Englisch", "en"),
        ("German", "de"),
        ("fr", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_normalise_maps_codes_and_names(code: object, lang: str | None) -> None:
    assert normalise(code) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("answer in English please", "en"),
        ("auf Deutsch bitte", "de"),
        ("Kannst du Englisch?", "en"),
        ("Deutsch oder Englisch?", None),
        ("no language here", None),
    ],
)
def test_named_language_finds_one_requested_language(text: str, lang: str | None) -> None:
    assert named_language(text) == lang


@pytest.mark.parametrize("lang", ["de", "en"])
def test_decide_prefers_an_explicit_request(lang: str) -> None:
    other = "en" if lang == "de" else "de"
    chosen = decide(
        Detection(other, 5.0), current=other, established=True, hint=other, requested=lang
    )
    assert chosen == lang


@pytest.mark.parametrize("lang", ["de", "en"])
def test_decide_lets_the_visitors_words_beat_the_channel_hint(lang: str) -> None:
    other = "en" if lang == "de" else "de"
    assert decide(Detection(lang, 4.0), current=None, established=False, hint=other) == lang


@pytest.mark.parametrize("lang", ["de", "en"])
def test_decide_uses_the_hint_only_before_the_language_is_established(lang: str) -> None:
    other = "en" if lang == "de" else "de"
    ambiguous = Detection(None, 0.0)
    assert decide(ambiguous, current="en", established=False, hint=lang) == lang
    assert decide(ambiguous, current=other, established=True, hint=lang) == other


@pytest.mark.parametrize("lang", ["de", "en"])
def test_decide_keeps_the_language_on_ambiguous_messages(lang: str) -> None:
    assert decide(Detection(None, 0.2), current=lang, established=True) == lang


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Szia", "hu"),
        ("Dobrý den", "cs"),
        ("Hej! Vilka vänorter har Berlin?", "sv"),
        ("Hallo, kunnen jullie me vertellen welke partnersteden Berlijn heeft?", "nl"),
        ("Dobrý den, odkdy je Praha partnerským městem Berlína?", "cs"),
    ],
)
def test_short_and_mixed_messages_in_other_languages_are_recognised(text: str, code: str) -> None:
    assert LanguageDetector().foreign(text) == code


@pytest.mark.parametrize(
    "text",
    ["was passiert am 8. juli", "Hallo, wie geht's?", "ok danke", "Servus", "Moin moin"],
)
def test_german_and_english_chat_is_not_taken_for_another_language(text: str) -> None:
    assert LanguageDetector().foreign(text) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # saying one does not read a language well asks for the other, fillers and all
        ("Ich verstehe leider nicht gut Deutsch. Wer hat unterschrieben?", "en"),
        ("Mein Englisch ist leider schlecht. Who signed it?", "de"),
        ("my German is really not so good", "en"),
        ("Is there a German embassy?", None),
    ],
)
def test_requested_language_reads_a_declined_language_with_fillers(
    text: str, lang: str | None
) -> None:
    assert requested_language(text) == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hello, I'd prefer German if possible.", "de"),
        ("I would rather have the answers in English", "en"),
        ("Ich hätte es lieber auf Englisch", "en"),
    ],
)
def test_requested_language_reads_a_preference(text: str, lang: str) -> None:
    assert requested_language(text) == lang
