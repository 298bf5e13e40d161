"""Name normalisation and lookup of place names: exact, inflected and slightly misspelt."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein


def normalise_name(text: str) -> str:
    """Case-fold, drop diacritics, read umlauts typed as ae/oe/ue as the vowel, and unify
    hyphens and spaces: "Brüssel", "Bruessel" -> "brussel"; "Südamerika", "Suedamerika" ->
    "sudamerika". A key for matching, never shown."""
    text = text.casefold().replace("ß", "ss").replace("’", "'")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    text = text.replace("-", " ")
    return " ".join(text.split())


def inflected_forms(name: str) -> list[str]:
    """Forms a name takes in running text besides itself.

    German genitive ("Prags", "Tokios", "Warschaus") and the English possessive ("Tokyo's").
    """
    forms = [f"{name}'s"]
    if name[-1:].lower() not in {"s", "x", "z", "ß"}:
        forms.append(f"{name}s")
    return forms


@dataclass(frozen=True)
class NameEntry:
    """One surface form of a place.

    Attributes:
        surface (str): the form as written in the knowledge file (or inflected from it).
        label (str): the entity label, "city" or "region".
        place_id (str): key of the place.
    """

    surface: str
    label: str
    place_id: str


class NameIndex:
    """Finds places by name, tolerating case, accents, inflection and one or two typos.

    Args:
        entries (Iterable[NameEntry]): the known names (without inflected forms; they are added).
        min_fuzzy_length (int): shorter words are only matched exactly ("Prag" vs "frag").
        blocked (Iterable[str]): ordinary words never read as a misspelt name ("parts").
    """

    def __init__(
        self,
        entries: Iterable[NameEntry],
        min_fuzzy_length: int = 5,
        blocked: Iterable[str] = (),
    ) -> None:
        self.min_fuzzy_length = min_fuzzy_length
        self.blocked = frozenset(normalise_name(w) for w in blocked)
        self._exact: dict[str, NameEntry] = {}
        for entry in entries:
            for form in (entry.surface, *inflected_forms(entry.surface)):
                key = normalise_name(form)
                # The first entry for a key wins; knowledge files list partner cities first.
                self._exact.setdefault(key, NameEntry(form, entry.label, entry.place_id))
        self._by_initial: dict[str, list[str]] = {}
        for key in self._exact:
            if "'" not in key:
                self._by_initial.setdefault(key[:1], []).append(key)

    def entries(self) -> list[NameEntry]:
        """Every known form, inflected forms included."""
        return list(self._exact.values())

    def exact(self, text: str) -> NameEntry | None:
        """The place called exactly `text` (after normalisation), or None."""
        return self._exact.get(normalise_name(text))

    def fuzzy(self, text: str) -> NameEntry | None:
        """The place whose name is within a small edit distance of `text`, or None.

        One edit for words of five to seven letters, two for longer ones; the first letter
        must agree, which keeps ordinary words from turning into cities.
        """
        key = normalise_name(text)
        if len(key) < self.min_fuzzy_length:
            return None
        found = self.exact(key)
        if found or key in self.blocked:
            return found
        limit = 1 if len(key) < 8 else 2
        candidates = [
            k for k in self._by_initial.get(key[:1], ()) if abs(len(k) - len(key)) <= limit
        ]
        if not candidates:
            return None
        match = process.extractOne(
            key, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=limit
        )
        return self._exact[match[0]] if match else None

    def resolve(self, text: str) -> NameEntry | None:
        """`exact`, then `fuzzy`."""
        return self.exact(text) or self.fuzzy(text)


def common_words(languages: Iterable[str]) -> set[str]:
    """Ordinary word forms of the languages, from spaCy's lookup data (spacy-lookups-data)."""
    import gzip
    import json
    from pathlib import Path

    from spacy_lookups_data import __file__ as data_init

    words: set[str] = set()
    for lang in languages:
        path = Path(data_init).parent / "data" / f"{lang}_lemma_lookup.json.gz"
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            table: dict[str, str] = json.load(handle)
        words.update(normalise_name(w) for pair in table.items() for w in pair if w.isalpha())
    return words


def confusable_words(index: NameIndex, vocabulary: Iterable[str]) -> list[str]:
    """Words of `vocabulary` that are not names but would pass as a misspelt name."""
    return sorted(
        w
        for w in vocabulary
        if len(w) >= index.min_fuzzy_length and index.exact(w) is None and index.fuzzy(w)
    )
