"""Typed reading of the knowledge YAML files, with errors that name file and field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from assistant.knowledge.models import LocalText, Since

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_T = TypeVar("_T")


class KnowledgeError(ValueError):
    """A knowledge file is missing, unreadable or has a wrong field; the message names both."""


class Reader:
    """Typed access to one YAML mapping with error messages that name file and field."""

    def __init__(self, file: str, data: object, path: str = "") -> None:
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            self.fail("expected a mapping")
        self.data: dict[str, Any] = data

    def fail(self, problem: str, key: str | None = None) -> NoReturn:
        field = ".".join(p for p in (self.path, key) if p) or "(top level)"
        raise KnowledgeError(f"{self.file}: {field}: {problem}")

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "", [])

    def string(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail("required text is missing", key)
        return " ".join(value.split())

    def url(self, key: str) -> str:
        value = self.string(key)
        if not _URL.match(value):
            self.fail(f"not a web address: {value!r}", key)
        return value

    def date(self, key: str) -> dt.date:
        value = self.data.get(key)
        if isinstance(value, dt.date):
            return value
        self.fail("expected a date like 2025-05-05", key)

    def since(self, key: str) -> Since:
        value = self.data.get(key)
        if isinstance(value, dt.date):
            return Since(value.year, value.month, value.day)
        if isinstance(value, int) and 1000 <= value <= 9999:
            return Since(value)
        self.fail("expected a date (YYYY-MM-DD) or a year (YYYY)", key)

    def text(self, key: str) -> LocalText:
        sub = self.sub(key)
        return LocalText(de=sub.string("de"), en=sub.string("en"))

    def optional_text(self, key: str) -> LocalText | None:
        return self.text(key) if self.has(key) else None

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail("expected a list of texts", key)
        return tuple(v.strip() for v in value)

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.fail("expected true or false", key)
        return value

    def per_language_strings(self, key: str) -> dict[str, tuple[str, ...]]:
        """An optional mapping `{de: [...], en: [...]}` of word lists."""
        if not self.has(key):
            return {}
        sub = self.sub(key)
        return {lang: sub.strings(lang) for lang in ("de", "en")}

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(key)
        if value not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}, got {value!r}", key)
        return value

    def sub(self, key: str) -> Reader:
        if key not in self.data:
            self.fail("required field is missing", key)
        return Reader(self.file, self.data[key], self._at(key))

    def items(self, key: str) -> Iterator[Reader]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            self.fail("expected a non-empty list", key)
        for i, item in enumerate(value):
            yield Reader(self.file, item, f"{self._at(key)}[{i}]")


def read_file(directory: Path, name: str) -> Reader:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"{name}: file not found in {directory}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise KnowledgeError(f"{name}: not valid YAML{where}: {exc}") from None
    return Reader(name, data)


def unique_by_id(items: list[_T], key: Callable[[_T], str], file: str, what: str) -> dict[str, _T]:
    result: dict[str, _T] = {}
    for item in items:
        k = key(item)
        if k in result:
            raise KnowledgeError(f"{file}: {what}: id {k!r} appears twice")
        result[k] = item
    return result
