from __future__ import annotations

import re

import pytest

from assistant.channels.telegram.chunks import TEXT_LIMIT, split_text, telegram_length


def _words(text: str) -> list[str]:
    return re.split(r"\s+", text.strip())


def test_split_text_keeps_a_short_text_whole() -> None:
    assert split_text("  Hallo! <b>*_x_*</b>  ") == ["Hallo! <b>*_x_*</b>"]


def test_split_text_returns_nothing_for_blank_text() -> None:
    assert split_text(" \n ") == []


@pytest.mark.parametrize("lang", ["de", "en"])
def test_split_text_cuts_at_paragraphs_first(lang: str) -> None:
    sentence = {"de": "Das ist ein Satz über Berlin. ", "en": "This is a sentence on Berlin. "}[
        lang
    ]
    paragraphs = [(sentence * 60).strip() for _ in range(4)]  # ~1800 characters each
    pieces = split_text("\n\n".join(paragraphs))
    assert pieces == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:])]


def test_split_text_cuts_at_sentences_inside_a_long_paragraph() -> None:
    text = " ".join(f"Satz Nummer {i} endet hier." for i in range(400))  # one paragraph
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(telegram_length(p) <= TEXT_LIMIT for p in pieces)
    assert all(p.endswith("hier.") for p in pieces)
    assert _words(" ".join(pieces)) == _words(text)


def test_split_text_cuts_an_overlong_word_only_when_it_must() -> None:
    pieces = split_text("a" * 10_000)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]


def test_split_text_counts_emoji_as_telegram_does() -> None:
    pieces = split_text("🇩🇪 " * 2000)  # a flag is two code points, four UTF-16 units
    assert all(telegram_length(p) <= TEXT_LIMIT for p in pieces)
    assert "".join(pieces).replace(" ", "") == "🇩🇪" * 2000


@pytest.mark.parametrize("limit", [20, 64, 500])
def test_split_text_never_loses_a_word(limit: int) -> None:
    text = "Quelle: https://www.berlin.de/rbmskzl/\n\n" + "Wort <i>x</i> a_b *c*. " * 50
    pieces = split_text(text, limit=limit)
    assert all(0 < telegram_length(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
    if limit >= 64:  # no word is longer than that: words stay whole
        assert _words(" ".join(pieces)) == _words(text)
