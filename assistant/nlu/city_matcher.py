"""Recognises partner cities, other cities, countries and continents by name (spaCy)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file
from spacy.lang.de.stop_words import STOP_WORDS as DE_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher

from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.knowledge.names import (
    NameEntry,
    NameIndex,
    common_words,
    confusable_words,
    normalise_name,
)
from assistant.nlu.fingerprint import source_of

logger = logging.getLogger(__name__)

Span = tuple[int, int]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CityMatcher(GraphComponent, EntityExtractorMixin):
    """Finds place names from the knowledge files in a message and sets canonical values.

    Exact names, aliases and inflected forms ("Prags", "Tokyo's") are matched with spaCy
    PhraseMatchers on blank German and English pipelines; remaining words are compared with a
    small edit distance ("pekng", "Warshau"). The entity value is the place's key ("beijing").
    Entities of the same labels found by other extractors (DIET) are dropped where they
    overlap a match, and kept with their raw text otherwise, so that an unknown town
    ("Is Lübbenau a partner?") still reaches the action.

    Config:
        knowledge_dir (str): folder of the knowledge files; read at training time only.
        languages (list[str]): spaCy blank pipelines whose tokenizers are used.
        ignore (list[str]): words never reported as places (Berlin itself).
        max_ngram (int): longest word sequence tried for misspelt multi-word names.
        vocabulary_languages (list[str]): ordinary words of these languages (spacy-lookups-data)
            are never taken for misspelt names.
    """

    PATTERNS_FILE = "place_names.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # where the knowledge files live, relative to the working directory
            "knowledge_dir": "data/knowledge",
            # tokenizers of these blank spaCy pipelines are matched against
            "languages": ["de", "en"],
            # never reported as a place: every question is about Berlin
            "ignore": ["Berlin", "Berlins", "Berliner", "Berlin's"],
            # the longest misspelt name tried, in words ("Buenos Aries")
            "max_ngram": 3,
            # ordinary words of these languages are never read as misspelt names ("parts")
            "vocabulary_languages": ["de", "en"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        names: list[NameEntry] | None = None,
        blocked: list[str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._names = names or []
        self._blocked = blocked or []
        self._ignore = {normalise_name(w) for w in self._config["ignore"]}
        self._stop_words = {normalise_name(w) for w in DE_STOP_WORDS | EN_STOP_WORDS}
        self._build()

    def _build(self) -> None:
        self._index = NameIndex(self._names, blocked=self._blocked)
        self._pipelines: list[tuple[Language, PhraseMatcher]] = []
        self._labels: dict[str, NameEntry] = {}
        for lang in self._config["languages"]:
            nlp = spacy.blank(lang)
            matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            for entry in self._index.entries():
                key = f"{entry.label}:{entry.place_id}"
                self._labels[key] = entry
                # Every spelling of the name, not only the index's one per normalised form:
                # "Nord- und Südamerika" and "Nord und Südamerika" are different tokens.
                spellings = {entry.surface} | {
                    n.surface
                    for n in self._names
                    if n.place_id == entry.place_id
                    and n.label == entry.label
                    and self._index.exact(n.surface) == entry
                }
                # "Suedamerika", "Bruessel": umlauts as typed without a German keyboard.
                spellings |= {_transliterated(surface) for surface in spellings}
                # "l.a." is tokenised as "l.a" + "." but "L.A." as one token: add the lower case
                spellings |= {surface.lower() for surface in spellings if "." in surface}
                matcher.add(key, [nlp.make_doc(surface) for surface in sorted(spellings)])
            self._pipelines.append((nlp, matcher))

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The place names of the knowledge files, so that `rasa train` retrains this component
        when a name or alias changes, and only then (a new phone number retrains nothing)."""
        directory = Path({**cls.get_default_config(), **config}["knowledge_dir"])
        try:
            knowledge = load_knowledge(directory)
        except KnowledgeError:
            return None  # training will stop with the knowledge error itself
        names = sorted(
            (e.surface, e.label, e.place_id)
            for e in knowledge.city_names() + knowledge.region_names()
        )
        code = [source_of(cls), source_of(NameIndex)]
        return hashlib.sha256(json.dumps([names, code]).encode("utf-8")).hexdigest()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CityMatcher:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the names from the knowledge files; the training data is not needed."""
        knowledge = load_knowledge(Path(self._config["knowledge_dir"]))
        self._names = knowledge.city_names() + knowledge.region_names()
        vocabulary = common_words(self._config["vocabulary_languages"])
        self._blocked = confusable_words(NameIndex(self._names), vocabulary)
        self._build()
        with self._model_storage.write_to(self._resource) as path:
            dump_obj_as_json_to_file(
                path / self.PATTERNS_FILE,
                {
                    "names": [
                        {"surface": e.surface, "label": e.label, "id": e.place_id}
                        for e in self._names
                    ],
                    "blocked": self._blocked,
                },
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CityMatcher:
        try:
            with model_storage.read_from(resource) as path:
                raw = read_json_file(path / cls.PATTERNS_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("CityMatcher was not trained; it will pass messages through.")
            return cls(config, model_storage, resource)
        names = [NameEntry(r["surface"], r["label"], r["id"]) for r in raw["names"]]
        return cls(config, model_storage, resource, names, raw["blocked"])

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds place entities to each message and reconciles other extractors' entities."""
        if not self._names:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            found = self.add_extractor_name(self.extract(text))
            labels = {e["entity"] for e in found} | {"city", "region"}
            kept = [
                e
                for e in message.get(ENTITIES, [])
                if e.get("entity") not in labels
                or not (
                    any(_overlaps((e["start"], e["end"]), (f["start"], f["end"])) for f in found)
                    or normalise_name(str(e.get("value", ""))) in self._ignore | self._stop_words
                )
            ]
            message.set(ENTITIES, kept + found, add_to_output=True)
        return messages

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Place entities in `text`: exact matches first, then misspelt names."""
        exact: dict[Span, NameEntry] = {}
        words: list[Span] = []
        for nlp, matcher in self._pipelines:
            doc = nlp.make_doc(text)
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                if normalise_name(span.text) in self._stop_words and not span.text.isupper():
                    continue  # "who could help us?" names no country; "the US" does
                exact[(span.start_char, span.end_char)] = self._labels[nlp.vocab.strings[match_id]]
            if not words:
                words = [(t.idx, t.idx + len(t)) for t in doc if t.is_alpha]
        coverage = Coverage(len(text))
        chosen = _longest_first(exact, coverage)
        fuzzy = self._fuzzy(text, [w for w in words if not coverage.overlaps(w)])
        entities = [
            _entity(text, span, entry, confidence)
            for spans, confidence in ((chosen, 1.0), (fuzzy, 0.8))
            for span, entry in spans.items()
        ]
        return sorted(entities, key=lambda e: e["start"])

    def _fuzzy(self, text: str, words: list[Span]) -> dict[Span, NameEntry]:
        found: dict[Span, NameEntry] = {}
        coverage = Coverage(len(text))
        for n in range(self._config["max_ngram"], 0, -1):
            for i in range(len(words) - n + 1):
                span = (words[i][0], words[i + n - 1][1])
                if coverage.overlaps(span):
                    continue
                piece = text[span[0] : span[1]]
                key = normalise_name(piece)
                if n == 1 and (key in self._stop_words or key in self._ignore):
                    continue
                entry = self._index.fuzzy(piece)
                if entry and not (n > 1 and len(entry.surface.split()) < n):
                    found[span] = entry
                    coverage.add(span)
        return found


_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def _transliterated(name: str) -> str:
    return name.translate(_UMLAUTS)


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Coverage:
    """The characters of a text already taken by chosen spans.

    Checking a span against every chosen span grew with the square of the number of matches
    ("Wien " * 20000 took 52 s); a mark per character makes a check cost the span's length.

    Attributes:
        checked (int): characters looked at so far (tests count the work with it).
    """

    def __init__(self, length: int) -> None:
        self._taken = bytearray(length)
        self.checked = 0

    def overlaps(self, span: Span) -> bool:
        """Whether any character of `span` belongs to a chosen span."""
        self.checked += span[1] - span[0]
        return any(self._taken[span[0] : span[1]])

    def add(self, span: Span) -> None:
        self._taken[span[0] : span[1]] = b"\x01" * (span[1] - span[0])


def _longest_first(matches: dict[Span, NameEntry], coverage: Coverage) -> dict[Span, NameEntry]:
    """The matches that do not overlap a longer (or, equally long, earlier) one; marks them."""
    chosen: dict[Span, NameEntry] = {}
    for span in sorted(matches, key=lambda s: (s[0] - s[1], s[0])):
        if not coverage.overlaps(span):
            chosen[span] = matches[span]
            coverage.add(span)
    return chosen


def _entity(text: str, span: Span, entry: NameEntry, confidence: float) -> dict[str, Any]:
    return {
        "entity": entry.label,
        "start": span[0],
        "end": span[1],
        "value": entry.place_id,
        "text": text[span[0] : span[1]],
        "confidence_entity": confidence,
    }
