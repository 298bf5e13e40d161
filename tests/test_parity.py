"""Both languages, always: every response and every intent exists in German and English."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from assistant.answers.engine import answer_templates

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _language_of(variant: dict) -> str | None:  # type: ignore[type-arg]
    for condition in variant.get("condition") or []:
        if condition.get("name") == "language":
            return condition.get("value")
    return None


def _nlu_counts(folder: Path) -> dict[tuple[str, str], int]:
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for file in folder.glob("*.yml"):
        for block in yaml.safe_load(file.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lang = (block.get("metadata") or {}).get("lang")
                counts[(block["intent"], lang)] += sum(
                    1 for line in block["examples"].splitlines() if line.strip().startswith("- ")
                )
    return counts


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_every_response_has_one_german_and_one_english_variant(name: str) -> None:
    variants = DOMAIN["responses"][name]
    assert sorted(_language_of(v) for v in variants) == ["de", "en"]
    de, en = sorted(variants, key=_language_of)
    placeholders = re.compile(r"\{(\w+)\}")
    assert set(placeholders.findall(de["text"])) == set(placeholders.findall(en["text"]))
    assert len(de.get("buttons", [])) == len(en.get("buttons", []))
    assert [b["payload"] for b in de.get("buttons", [])] == [
        b["payload"] for b in en.get("buttons", [])
    ]


def test_no_language_suffixes_in_names() -> None:
    names = list(DOMAIN["responses"]) + DOMAIN["intents"] + DOMAIN["actions"]
    assert not [n for n in names if n.endswith(("_de", "_en"))]


@pytest.mark.parametrize("folder", ["data/nlu", "tests/data/nlu_holdout"])
def test_every_intent_has_comparable_examples_in_both_languages(folder: str) -> None:
    counts = _nlu_counts(ROOT / folder)
    intents = {intent for intent, _ in counts}
    assert intents == set(DOMAIN["intents"])
    assert {lang for _, lang in counts} == {"de", "en"}
    for intent in intents:
        de, en = counts[(intent, "de")], counts[(intent, "en")]
        assert min(de, en) >= 10, intent
        assert 0.8 <= de / en <= 1.25, f"{intent}: {de} German vs {en} English examples"


def test_holdout_never_repeats_training_examples() -> None:
    """The held-out set measures generalisation only if training has nothing close to it."""

    def texts(folder: Path) -> list[str]:
        found = []
        for file in folder.glob("*.yml"):
            for block in yaml.safe_load(file.read_text(encoding="utf-8"))["nlu"]:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        plain = re.sub(
                            r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", line.strip()[2:]
                        )
                        found.append(re.sub(r"[^\w ]", "", " ".join(plain.lower().split())))
        return found

    training = texts(ROOT / "data/nlu")
    close = [
        (held_out, match[0])
        for held_out in texts(ROOT / "tests/data/nlu_holdout")
        if (match := process.extractOne(held_out, training, scorer=fuzz.ratio, score_cutoff=90))
    ]
    assert close == []


def test_every_response_is_used_by_a_rule_story_or_action() -> None:
    used = set()
    for file in (ROOT / "data").glob("*/*.yml"):
        used |= set(re.findall(r"\butter_\w+", file.read_text(encoding="utf-8")))
    for folder in ("actions", "assistant/answers"):
        for file in (ROOT / folder).glob("*.py"):
            used |= set(
                re.findall(r"\"((?:utter|a|crit|w)_\w+)\"", file.read_text(encoding="utf-8"))
            )
    used |= set(answer_templates())
    built_in = {"utter_default"}  # uttered by Rasa's action_default_fallback
    assert set(DOMAIN["responses"]) - used - built_in == set()


def test_every_template_the_answers_use_exists() -> None:
    literal = set()
    for file in (ROOT / "assistant" / "answers").glob("*.py"):
        text = file.read_text(encoding="utf-8")
        literal |= set(re.findall(r"(?:add|Part)\(\s*\"(\w+)\"", text))
    assert literal, "no template names found: has the engine's style changed?"
    assert (set(answer_templates()) | literal) - set(DOMAIN["responses"]) == set()
