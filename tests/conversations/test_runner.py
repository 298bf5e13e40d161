"""The held-out runner's checks and report, without a server: each check must be able to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations.runner import (
    CATEGORIES,
    LANGS,
    Conversation,
    ConversationResult,
    Turn,
    TurnResult,
    check_reply,
    detect_language,
    first_sentence,
    load_conversations,
    load_thresholds,
    render_report,
    summarise,
)

GERMAN = "Nein, Wien ist keine Partnerstadt des Landes Berlin. Berlin hat 19 Partnerstädte."
ENGLISH = "No, Vienna is not a partner city of the Land Berlin. Berlin has 19 partner cities."


@pytest.mark.parametrize(
    ("reply", "expect"),
    [
        (GERMAN, {"lang": "de", "starts": ["Nein"], "all": ["Wien", "19"]}),
        (ENGLISH, {"lang": "en", "starts": ["No"], "first": ["Vienna"], "none": ["Goodbye"]}),
        (ENGLISH, {"any": ["Bern", "vienna"], "order": ["Vienna", "19"]}),
        (GERMAN, {"order": ["Kiew|Wien", "19"]}),
        ("Los Angeles became a partner in 1967.", {"all": ["los angeles", "1967"]}),
        ("We reach out via the embassies abroad.", {"any": ["embass*"]}),
        (GERMAN + "\n" + ENGLISH, {"lang": "both"}),
        (
            "I answer in English and German: https://www.berlin.de/rbmskzl/en/international-relations/",
            {"lang": "both"},
        ),
        (
            "Seit dem 5. Mai 2025 ist Tel Aviv die 19. Partnerstadt. Quelle: berlin.de",
            {"first": ["Tel Aviv"], "clean": True},
        ),
    ],
)
def test_check_reply_passes_a_reply_that_meets_every_check(reply: str, expect: dict) -> None:  # type: ignore[type-arg]
    assert check_reply(reply, expect) == []


@pytest.mark.parametrize(
    ("reply", "expect", "failed"),
    [
        (ENGLISH, {"lang": "de"}, "lang"),
        (GERMAN, {"lang": "en"}, "lang"),
        (ENGLISH, {"lang": "both"}, "lang"),
        ("Goodbye, and enjoy your time in Berlin!", {"lang": "both"}, "lang"),
        (ENGLISH, {"all": ["Vienna", "Bern"]}, "all"),
        (ENGLISH, {"any": ["Bern", "Vaduz"]}, "any"),
        ("Goodbye, and enjoy your time in Berlin!", {"none": ["goodbye"]}, "none"),
        ("Berlin has 19 partner cities. No, Vienna is not one.", {"starts": ["No"]}, "starts"),
        ("Berlin has 19 partner cities. Tel Aviv is the newest.", {"first": ["Tel Aviv"]}, "first"),
        (ENGLISH, {"order": ["19", "Vienna"]}, "order"),
        (ENGLISH, {"order": ["Vienna", "Tokyo"]}, "order"),
        (ENGLISH, {"order": ["19", "Tokyo|Vienna"]}, "order"),
        ("Tel Aviv is the newest  partner.", {"clean": True}, "clean"),
        ("Tel Aviv is the newest one. Tel Aviv is the newest one.", {"clean": True}, "clean"),
        ("", {"all": ["x"]}, "empty"),
    ],
)
def test_check_reply_fails_a_reply_that_misses_a_check(
    reply: str,
    expect: dict,
    failed: str,  # type: ignore[type-arg]
) -> None:
    failures = check_reply(reply, expect)
    assert failures and failures[0].startswith(failed), failures


def test_numbers_and_names_match_as_whole_words_only() -> None:
    assert check_reply("Tokyo has been a partner since 1994.", {"any": ["4", "four"]})
    assert check_reply("Referat II AB", {"all": ["II A"]})
    assert check_reply("Contact II A.", {"all": ["II A"]}) == []
    assert check_reply("Das Auswärtige  Amt führt sie.", {"all": ["Auswärtige* Amt*"]}) == []
    assert check_reply("Das Auswärtige Ämtchen", {"all": ["Auswärtiges Amt"]})


def test_first_sentence_does_not_end_at_a_date_or_an_abbreviation() -> None:
    assert first_sentence("Seit 5. Mai 2025 ist es Tel Aviv. Mehr dazu") == (
        "Seit 5. Mai 2025 ist es Tel Aviv."
    )
    assert first_sentence("**No** — see e.g. the list.\nMore") == "No — see e.g. the list."


@pytest.mark.parametrize("lang", LANGS)
def test_detect_language_ignores_links(lang: str) -> None:
    text = {"de": GERMAN, "en": ENGLISH}[lang]
    link = " https://www.berlin.de/rbmskzl/en/international-relations/"
    assert detect_language(text + link) == lang


def test_summary_counts_a_conversation_as_passed_only_if_every_turn_passes() -> None:
    conversation = Conversation("x-1", "follow_up", "en", (Turn("a", {}), Turn("b", {})))
    results = [
        ConversationResult(conversation, [TurnResult("a", "r"), TurnResult("b", "r", ["all"])]),
        ConversationResult(conversation, [TurnResult("a", "r"), TurnResult("b", "r")]),
    ]
    summary = summarise(results)
    assert summary.conversations[("follow_up", "en")].cell() == "50% (1/2)"
    assert summary.turns[("all", "en")].cell() == "75% (3/4)"
    report = render_report(results, title="t", preamble=[], seconds=1)
    assert "### x-1 (follow_up)" in report and "failed: all" in report


def test_loader_rejects_a_turn_that_checks_no_fact(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text(
        "language: en\nconversations:\n- id: a\n  category: city_fact\n"
        "  turns:\n  - user: hi\n    expect: {lang: en}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="checks no fact"):
        load_conversations(tmp_path)


def test_heldout_set_covers_every_category_in_both_languages() -> None:
    conversations = load_conversations()
    for lang in LANGS:
        mine = [c for c in conversations if c.lang == lang]
        assert len(mine) >= 150
        assert sum(len(c.turns) > 1 for c in mine) > len(mine) / 2  # mostly multi-turn
        for category in CATEGORIES:
            assert sum(c.category == category for c in mine) >= 8, (lang, category)
    assert set(load_thresholds()) == set(LANGS)
