"""The project's NLU training examples (`data/nlu/`), to find corrections that contradict them.

A correction says which intent a visitor's message should have had. When `data/nlu/` already
has the same text as an example of another intent, adding the correction would teach the model
both (and `rasa data validate` refuses such data): the console warns on the conversation page,
and the NLU export leaves the correction out until someone decides which intent is right.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.shared.nlu.training_data.entities_parser import replace_entities

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """A training example's intent and the file it is in.

    Attributes:
        intent (str): the intent, with a retrieval intent's response key (`faq/opening`).
        file (str): the file, relative to the directory above `data/` (`data/nlu/faq.yml`).
    """

    intent: str
    file: str


def comparable(text: str) -> str:
    """The form in which two examples are compared: case and spacing aside (a difference of
    case alone contradicts as much as the same text)."""
    return " ".join(text.casefold().split())


class TrainingExamples:
    """The intent examples of the YAML files under a directory, by their comparable text; read
    once and again whenever a file there changes, is added or removed.

    Args:
        nlu_dir (Path): the training data's NLU directory (`data/nlu`).
    """

    def __init__(self, nlu_dir: Path) -> None:
        self.nlu_dir = nlu_dir
        self._root = nlu_dir.parent.parent
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int], ...] | None = None
        self._by_text: dict[str, list[Example]] = {}

    def conflicts(self, text: str, intent: str) -> list[Example]:
        """The examples with the same text as `text` (a plain training example, without entity
        markup) under another intent than `intent` (a retrieval intent's response keys aside:
        the domain names `faq`, the data `faq/opening`)."""
        base = intent.partition("/")[0]
        found = self._examples().get(comparable(text), [])
        return [e for e in found if e.intent.partition("/")[0] != base]

    def _examples(self) -> dict[str, list[Example]]:
        files = sorted(self.nlu_dir.rglob("*.yml")) if self.nlu_dir.is_dir() else []
        stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
        with self._lock:
            if stamp != self._stamp:
                by_text: dict[str, list[Example]] = {}
                for file in files:
                    for text, intent in _read(file):
                        found = Example(intent, _relative(file, self._root))
                        if found not in by_text.setdefault(comparable(text), []):
                            by_text[comparable(text)].append(found)
                self._by_text, self._stamp = by_text, stamp
            return self._by_text


def _relative(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def _read(file: Path) -> list[tuple[str, str]]:
    """(plain text, intent) of each intent example in one Rasa NLU YAML file; a file that
    cannot be read is skipped with a warning (training data is not the console's to check)."""
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        logger.warning("Skipped %s for the correction check: %s", file, type(error).__name__)
        return []
    blocks = data.get("nlu") if isinstance(data, dict) else None
    found: list[tuple[str, str]] = []
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and isinstance(block.get("intent"), str):
            found += [(text, block["intent"]) for text in _texts(block.get("examples"))]
    return found


def _texts(examples: Any) -> list[str]:
    """The examples of a block as plain text: `- text` lines, or a list of `{text: ...}`."""
    if isinstance(examples, str):
        lines = [line.strip() for line in examples.splitlines()]
        raw = [line[1:].strip() for line in lines if line.startswith("-")]
    elif isinstance(examples, list):
        raw = [str(e.get("text") or "").strip() for e in examples if isinstance(e, dict)]
    else:
        raw = []
    return [replace_entities(text) for text in raw if text]
