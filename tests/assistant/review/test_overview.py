"""The overview's grouping of unanswered questions by similar text."""

from __future__ import annotations

import pytest

from assistant.review.overview import group_similar, normalised


def test_questions_that_read_alike_form_one_group_largest_first() -> None:
    groups = group_similar(
        [
            ("Wann hat das Bürgeramt geöffnet?", "a"),
            ("Ist Paris eine Partnerstadt?", "b"),
            ("ist paris eine partnerstadt", "c"),
            ("Ist Paris eine Partnerstadt von Berlin?", "b"),  # the same visitor again
            ("Wann hat das Bürgeramt geöffnet", "d"),
            ("Wie wird das Wetter morgen?", "e"),
            ("IST PARIS EINE PARTNERSTADT?!", "f"),
        ]
    )
    assert [(g.text, g.count, g.senders) for g in groups] == [
        ("Ist Paris eine Partnerstadt?", 4, ["b", "c", "f"]),
        ("Wann hat das Bürgeramt geöffnet?", 2, ["a", "d"]),
        ("Wie wird das Wetter morgen?", 1, ["e"]),
    ]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_different_questions_stay_apart(lang: str) -> None:
    questions = {
        "de": ["Ist Paris eine Partnerstadt?", "Wer ist für Staatsbesuche zuständig?"],
        "en": ["Is Paris a partner city?", "Who handles state visits?"],
    }[lang]
    groups = group_similar([(q, str(i)) for i, q in enumerate(questions)])
    assert [(g.text, g.count) for g in groups] == [(q, 1) for q in questions]


def test_the_threshold_decides_what_reads_alike() -> None:
    pair = [("Is Paris a partner city?", "a"), ("Is Rome a partner city?", "b")]
    assert [g.count for g in group_similar(pair, similarity=100)] == [1, 1]
    assert [g.count for g in group_similar(pair, similarity=70)] == [2]


def test_nothing_to_group() -> None:
    assert group_similar([]) == []


def test_normalised_ignores_case_punctuation_and_spacing() -> None:
    assert normalised("  Ist   PARIS,  eine Partnerstadt?! ") == "ist paris eine partnerstadt"
