"""Turns a `Reply` into text with the wording of domain.yml, in the reply language.

The templates hold wording only. Their values come from the knowledge: those of a `Part`, set
by the engine, and the organisation's names, which any template may use (`Wording.name`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from assistant.answers.engine import InWords, Part, Reply
from assistant.knowledge import Knowledge, format_day
from assistant.lang import Lang

_SPACES = re.compile(r"[ \t]{2,}")
_URL_AT_END = re.compile(r"https?://\S+$")
_SPACE_BEFORE_PUNCT = re.compile(r" +([.,;:!?])")


class WordingError(KeyError):
    """A template is missing in domain.yml, or has no variant for a language."""


class Wording:
    """The response templates of the domain, by name and language.

    Args:
        responses (Mapping): the domain's `responses` section: name -> list of variations, each
            with a `condition` on the `language` slot, a `text` and optional `buttons`.
        knowledge (Knowledge): where the organisation's names in templates come from (`name`).
    """

    def __init__(self, responses: Mapping[str, Any], knowledge: Knowledge) -> None:
        self._knowledge = knowledge
        self._variants: dict[tuple[str, str], dict[str, Any]] = {}
        for name, variations in responses.items():
            for variation in variations or []:
                lang = _condition_language(variation)
                if lang:
                    self._variants[(name, lang)] = variation

    def has(self, name: str, lang: Lang) -> bool:
        return (name, lang) in self._variants

    def template(self, name: str, lang: Lang) -> dict[str, Any]:
        try:
            return self._variants[(name, lang)]
        except KeyError:
            raise WordingError(f"response {name!r} has no {lang!r} variant in domain.yml") from None

    def part(self, part: Part, lang: Lang) -> str:
        values = {k: self._value(v, lang) for k, v in part.values.items()}
        text = str(self.template(part.template, lang).get("text") or "")
        return text.format_map(_Values(values, lambda key: self.name(key, lang))).strip()

    def name(self, key: str, lang: Lang) -> str:
        """One of the organisation's names (organisation.yml), which any template may use.

        Raises:
            WordingError: `key` is none of them (and the part has no value of that name).
        """
        k = self._knowledge
        names = {
            "department": k.department.name,  # "Abteilung II – Protokoll und Internationales"
            "department_short": k.department.short_name,  # "Abteilung II"
            "organisation_short": k.contact.short_name,  # "Senatskanzlei"
            "building": k.contact.building,  # "Rotes Rathaus"
        }
        if key in names:
            return names[key](lang)
        if key == "units_either":  # "Referat II A – Protokoll oder Referat II B – Internationales"
            return self._either([u.name(lang) for u in k.units.values()], lang)
        if key == "topic_examples":  # ", etwa das Goldene Buch oder das Emigrantenprogramm"
            named = [t.name(lang) for t in k.topics.values() if t.name is not None]
            if not named:
                return ""
            return self.part(Part("w_for_example", {"names": self._either(named, lang)}), lang)
        raise WordingError(f"template value {key!r} is missing")

    def _either(self, names: list[str], lang: Lang) -> str:
        """ "A, B oder C" / "A, B or C"."""
        if len(names) == 1:
            return names[0]
        return self.part(
            Part("w_either", {"first": ", ".join(names[:-1]), "second": names[-1]}), lang
        )

    def _value(self, value: Any, lang: Lang) -> str:
        if isinstance(value, InWords):
            word = f"w_number_{int(value)}"
            return self.part(Part(word), lang) if self.has(word, lang) else str(int(value))
        if isinstance(value, dt.date):
            return format_day(value, lang)
        if isinstance(value, Part):
            return self.part(value, lang)
        if isinstance(value, list) and value and all(isinstance(v, Part) for v in value):
            rendered = [self.part(v, lang) for v in value]
            return _join(rendered, lang)
        if isinstance(value, list):
            return "\n".join(f"• {line}" for line in value)
        return str(value)

    def render(self, reply: Reply, lang: Lang) -> tuple[str, list[dict[str, Any]]]:
        """The reply's text and buttons."""
        text = ""
        for part in reply.parts:
            piece = self.part(part, lang)
            if not piece:
                continue
            if not text:
                text = piece
            elif (
                piece.startswith("•")
                or text.rsplit("\n", 1)[-1].startswith("•")
                or _URL_AT_END.search(text)
            ):
                text = f"{text}\n{piece}"
            else:
                text = f"{text} {piece}"
        if reply.source:
            source = self.part(Part("a_source", {"url": reply.source}), lang)
            text = f"{text}\n{source}"
        buttons: list[dict[str, Any]] = []
        if reply.choices:
            buttons = [
                {"title": self.part(c.title, lang), "payload": c.payload} for c in reply.choices
            ]
        elif reply.buttons:
            buttons = list(self.template(reply.buttons, lang).get("buttons") or [])
        elif len(reply.parts) == 1 and self.has(reply.parts[0].template, lang):
            buttons = list(self.template(reply.parts[0].template, lang).get("buttons") or [])
        return tidy(text), buttons


def tidy(text: str) -> str:
    """No double spaces, no space before punctuation, no blank line runs."""
    lines = [
        _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", line)).strip() for line in text.split("\n")
    ]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


class _Values(dict):  # type: ignore[type-arg]
    """A part's values; a key it lacks is looked up with `missing` (the organisation's names)."""

    def __init__(self, values: Mapping[str, str], missing: Callable[[str], str]) -> None:
        super().__init__(values)
        self._missing = missing

    def __missing__(self, key: str) -> str:
        return self._missing(key)


def _condition_language(variation: Mapping[str, Any]) -> str | None:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition.get("value"))
    return None


def _join(items: list[str], lang: Lang) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    last = " und " if lang == "de" else " and "
    return ", ".join(items[:-1]) + last + items[-1]
