"""Fixtures for the answers package: the fixture knowledge, the wording and a place finder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.answers.engine import Context, answer
from assistant.answers.query import parse, split_questions
from assistant.answers.wording import Wording
from assistant.knowledge import Knowledge, load_knowledge
from assistant.knowledge.names import NameIndex
from assistant.lang import Lang, LanguageDetector

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_KNOWLEDGE = ROOT / "tests" / "data" / "knowledge"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """Seven partner cities, so that no test depends on the live count of 19."""
    return load_knowledge(FIXTURE_KNOWLEDGE)


@pytest.fixture(scope="session")
def wording(knowledge: Knowledge) -> Wording:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return Wording(domain["responses"], knowledge)


def places(text: str, knowledge: Knowledge) -> list[dict[str, Any]]:
    """Place entities as the CityMatcher gives them (exact names only, longest first)."""
    index = NameIndex(knowledge.city_names() + knowledge.region_names())
    words = [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_][\w.'’-]*[\w]|[^\W\d_]", text)]
    found: list[dict[str, Any]] = []
    used: set[int] = set()
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            if used & set(range(i, i + n)):
                continue
            start, end = words[i][0], words[i + n - 1][1]
            entry = index.exact(text[start:end])
            if entry:
                found.append(
                    {
                        "entity": entry.label,
                        "value": entry.place_id,
                        "start": start,
                        "end": end,
                        "extractor": "CityMatcher",
                    }
                )
                used |= set(range(i, i + n))
    return sorted(found, key=lambda e: e["start"])


Ask = Callable[..., list[str]]


@pytest.fixture
def conversation(knowledge: Knowledge, wording: Wording) -> Callable[[Lang], Ask]:
    """A conversation with the engine: `ask(text, intent=None)` returns the reply texts."""

    def start(lang: Lang) -> Ask:
        state = {"context": Context()}

        def ask(text: str, intent: str | None = None) -> list[str]:
            queries = []
            for s, e in split_questions(text):
                inside = [
                    {**p, "start": p["start"] - s, "end": p["end"] - s}
                    for p in places(text, knowledge)
                    if s <= p["start"] and p["end"] <= e
                ]
                queries.append(
                    parse(text[s:e], knowledge=knowledge, intent=intent, entities=inside)
                )
            replies, context = answer(
                queries, knowledge=knowledge, lang=lang, context=state["context"]
            )
            # The context travels through a slot: only what survives JSON counts.
            state["context"] = Context.from_dict(yaml.safe_load(yaml.safe_dump(context.as_dict())))
            return [wording.render(r, lang)[0] for r in replies]

        return ask

    return start


_detector = LanguageDetector()


def language_of(text: str) -> Lang | None:
    """The language of a reply, judged without its source line, names and numbers."""
    prose = re.sub(r"https?://\S+|\+?[\d][\d \-]+", " ", text)
    return _detector.detect(prose).lang
