"""The training examples that corrections are checked against."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.review.training import Example, TrainingExamples, comparable

PARTNER_CITIES = """version: "3.1"
nlu:
- intent: ask_is_partner
  metadata: {lang: de}
  examples: |
    - Ist [Paris](city) eine Partnerstadt?
    - Ist [Wien]{"entity": "city", "value": "vienna"} Partnerstadt von Berlin?
- intent: ask_is_partner
  metadata: {lang: en}
  examples:
  - text: Is [Paris](city) a partner city?
- synonym: vienna
  examples: |
    - Wien
- intent: faq/opening
  examples: |
    - Wann hat das Rathaus geöffnet?
"""


@pytest.fixture
def nlu_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data" / "nlu"
    directory.mkdir(parents=True)
    (directory / "partner_cities.yml").write_text(PARTNER_CITIES, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("text", "lang"),
    [("ist paris eine  partnerstadt?", "de"), ("Is Paris a partner city?", "en")],
)
def test_the_same_text_under_another_intent_conflicts(nlu_dir: Path, text: str, lang: str) -> None:
    training = TrainingExamples(nlu_dir)
    assert training.conflicts(text, "ask_partner_since") == [
        Example("ask_is_partner", "data/nlu/partner_cities.yml")
    ]
    assert training.conflicts(text, "ask_is_partner") == []


def test_entity_markup_synonyms_and_retrieval_intents(nlu_dir: Path) -> None:
    training = TrainingExamples(nlu_dir)
    assert training.conflicts("Ist Wien Partnerstadt von Berlin?", "greet")  # JSON markup
    assert training.conflicts("Wien", "greet") == []  # a synonym is no example
    assert training.conflicts("Wann hat das Rathaus geöffnet?", "faq") == []
    assert training.conflicts("Wann hat das Rathaus geöffnet?", "greet")[0].intent == (
        "faq/opening"
    )
    assert training.conflicts("Ist Paris eine Partnerstadt", "greet") == []  # not the same


def test_a_changed_added_or_broken_file_is_read_again(nlu_dir: Path) -> None:
    training = TrainingExamples(nlu_dir)
    assert training.conflicts("Hallo", "ask_is_partner") == []
    greet = nlu_dir / "chitchat.yml"
    greet.write_text("nlu:\n- intent: greet\n  examples: |\n    - Hallo\n", encoding="utf-8")
    assert training.conflicts("Hallo", "ask_is_partner")[0].intent == "greet"
    greet.write_text("nlu: [unclosed", encoding="utf-8")
    stat = greet.stat()
    os.utime(greet, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert training.conflicts("Hallo", "ask_is_partner") == []  # skipped, with a warning
    assert training.conflicts("Is Paris a partner city?", "greet")  # the other files count


def test_no_training_data_means_no_conflict(tmp_path: Path) -> None:
    assert TrainingExamples(tmp_path / "missing").conflicts("Hallo", "greet") == []


def test_comparable_ignores_case_and_spacing_only() -> None:
    assert comparable("  Ist PARIS\u2028eine   Partnerstadt? ") == "ist paris eine partnerstadt?"
