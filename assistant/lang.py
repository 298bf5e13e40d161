"""The single place that decides and normalises the reply language (German or English)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

Lang = Literal["de", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# Short words that mark a language on their own. Stop words that both languages share
# ("in", "was", "will", "also", "die", "so") are left out: they prove nothing.
_CUES: dict[Lang, frozenset[str]] = {
    "de": frozenset(
        {
            "hallo",
            "moin",
            "servus",
            "tschüss",
            "tschüs",
            "danke",
            "bitte",
            "ja",
            "nein",
            "gut",
            "partnerstadt",
            "partnerstädte",
            "städtepartnerschaft",
            "wer",
            "wie",
            "wo",
            "warum",
            "welche",
            "welcher",
            "welches",
            "seit",
            "wann",
            "und",
            "ist",
            "sind",
            "gibt",
            "mir",
            "mich",
            "sie",
            "du",
            "deutsch",
            "auf",
            "über",
            "guten",
            "tag",
            "abend",
            "morgen",
            "vielen",
            "dank",
            "zuständig",
            "botschaft",
            "rathaus",
            # words of a telegraphic question ("paris kontinent", "tokio hauptstadt?")
            "kontinent",
            "hauptstadt",
            "hauptstädte",
            "partnerschaft",
            "partnerschaften",
            "partnerstädten",
            "städtepartnerschaften",
            "unterschrieben",
            "liegt",
        }
    )
    - {"in", "so", "was", "will", "also", "die", "an", "am", "man"},
    "en": frozenset(
        {
            "hi",
            "hello",
            "hey",
            "thanks",
            "thank",
            "bye",
            "goodbye",
            "please",
            "yes",
            "no",
            "good",
            "city",
            "cities",
            "who",
            "how",
            "where",
            "why",
            "which",
            "since",
            "when",
            "and",
            "is",
            "are",
            "there",
            "me",
            "you",
            "english",
            "about",
            "the",
            "of",
            "what",
            "embassy",
            "responsible",
            "morning",
            # words of a telegraphic question ("paris continent", "tokyo capital?")
            "continent",
            "country",
            "capital",
            "partnership",
            "twin",
            "sister",
            "signed",
        }
    ),
}

# Named languages for explicit requests ("answer in English", "auf Deutsch bitte").
_LANGUAGE_NAMES: dict[str, Lang] = {
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "germany": "de",
    "deutsche": "de",
    "en": "en",
    "englisch": "en",
    "english": "en",
    "englische": "en",
    "engl": "en",
}


def normalise(code: object) -> Lang | None:
    """Map a language code or name to a supported `Lang`.

    Accepts ISO codes with a region ("de-AT", "en_GB"), Telegram's `language_code`,
    and language names in either language ("Englisch", "German").

    Returns:
        The language, or None when the value names no supported language.
    """
    if not isinstance(code, str):
        return None
    key = code.strip().lower().replace("_", "-")
    if key in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[key]
    primary = key.split("-", 1)[0]
    return _LANGUAGE_NAMES.get(primary) if primary in LANGUAGES else None


# "the German Federal President", "a German embassy": a language word that describes a noun.
_ATTRIBUTIVE = re.compile(
    r"\b(?i:englisch|english|deutsch|german|deutsche[nmrs]?)\s+"
    r"(?!(?i:bitte|please|pls|now|again|only|jetzt|weiter|antworten|answer|reply|from|ab|von|"
    r"thanks|thank|danke|ok|okay)\b)"
    r"(?:(?:[A-ZÄÖÜ][a-zäöüß]+)|"
    r"(?:embass\w*|consulat\w*|president|chancellor|citizen\w*|passport\w*|government|"
    r"botschaft\w*|konsulat\w*|staatsbürger\w*|pass|regierung\w*)\b)",
)


def named_language(text: str) -> Lang | None:
    """The language a message names ("answer in English" -> "en"), if exactly one."""
    text = _ATTRIBUTIVE.sub(" ", text)
    named = {
        _LANGUAGE_NAMES[w]
        for w in (w.lower() for w in _WORD.findall(text))
        if w in _LANGUAGE_NAMES and w not in LANGUAGES
    }
    return named.pop() if len(named) == 1 else None


_LANGUAGE_WORD = r"(englisch|english|engl|deutsch|german)"
# "auf Englisch", "in German", "answer in English", "Englisch bitte", "switch to German",
# "in englischer Sprache".
_REQUEST = re.compile(
    rf"\b(?:auf|in|into|to)\s+{_LANGUAGE_WORD}\b|\b{_LANGUAGE_WORD}\s+(?:bitte|please|pls)\b"
    rf"|\b(?:bitte|please)\s+(?:auf\s+|in\s+)?{_LANGUAGE_WORD}\b"
    rf"|\bin\s+{_LANGUAGE_WORD}er\s+sprache\b"
    # "I'd prefer German", "I would rather have it in English", "lieber Englisch"
    rf"|\b(?:prefer|rather|lieber)\s+(?:\w+\s+){{0,3}}?{_LANGUAGE_WORD}\b",
    re.IGNORECASE,
)
# Words that may stand inside such a statement ("Mein Englisch ist leider schlecht").
_FILLER = (
    r"(?:(?:leider|wirklich|sehr|ziemlich|echt|halt|eben|unfortunately|really|very|quite|"
    r"pretty|too)\s+)*"
)
# "my German is bad", "I don't speak German", "ich spreche kein Englisch": the other language.
_DECLINED = re.compile(
    rf"\b(?:my|mein)\s+{_LANGUAGE_WORD}\s+(?:is|isn't|ist)\s+{_FILLER}(?:not\s+|nicht\s+)?{_FILLER}"
    r"(?:bad|poor|weak|terrible|limited|rusty|good|great|so\s+good|gut|so\s+gut|schlecht|schwach)\b"
    rf"|\b(?:don't|do\s+not|can't|cannot|can\s+not)\s+(?:speak|read|understand|write)\s+"
    rf"(?:much\s+|any\s+)?{_LANGUAGE_WORD}\b"
    rf"|\b(?:spreche|verstehe|lese|kann)\s+{_FILLER}(?:kein|nicht|kaum)\w*\s+{_FILLER}"
    rf"(?:(?:so\s+)?gut\s+)?{_LANGUAGE_WORD}\b",
    re.IGNORECASE,
)
_OTHER_LANG: dict[str, Lang] = {"de": "en", "en": "de"}


def declined_language(text: str) -> Lang | None:
    """The language a visitor says they do not read well ("my German is bad" -> "de")."""
    match = _DECLINED.search(text)
    if match is None:
        return None
    word = next(g for g in match.groups() if g).lower()
    # "my English is not so good" declines English; "my German is good" declines nothing.
    if re.search(r"\b(?:good|great|gut)\b", match.group(0), re.IGNORECASE) and not re.search(
        r"\b(?:not|nicht|isn't)\b", match.group(0), re.IGNORECASE
    ):
        return None
    return _LANGUAGE_NAMES[word]


def requested_language(text: str) -> Lang | None:
    """The language a message explicitly asks for ("auf Englisch bitte: ...", "in German please").

    Unlike `named_language` this needs a request form, so that "Is there a German embassy?" or
    "the English pages" do not switch the conversation.
    """
    declined = declined_language(text)
    if declined is not None:
        return _OTHER_LANG[declined]
    found = {
        _LANGUAGE_NAMES[next(g for g in m.groups() if g).lower()] for m in _REQUEST.finditer(text)
    }
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Detection:
    """What the detector found in one message.

    Attributes:
        lang (Lang | None): the detected language, None when the message is ambiguous.
        evidence (float): log-odds for German (positive) over English (negative).
    """

    lang: Lang | None
    evidence: float


class LanguageDetector:
    """Detects German or English in short chat messages.

    Combines lingua's statistical model with word cues, because lingua alone is unsure on the
    two- and three-word messages typical of chat ("hallo", "golden book"). Messages that carry
    no clear evidence are reported as ambiguous, so that the conversation language stays put.

    Args:
        threshold (float): minimum absolute log-odds needed to call a language.
        cue_weight (float): log-odds added per cue word.
        short_text_certainty (float): log-odds lingua must reach to count on one or two words.
        clear_cues (int): this many cue words of one language and none of the other decide
            without lingua.
    """

    def __init__(
        self,
        threshold: float = 1.0,
        cue_weight: float = 1.5,
        short_text_certainty: float = 3.0,
        clear_cues: int = 3,
    ) -> None:
        self.threshold = threshold
        self.cue_weight = cue_weight
        self.short_text_certainty = short_text_certainty
        self.clear_cues = clear_cues

    @cached_property
    def _exclusive_stop_words(self) -> dict[Lang, frozenset[str]]:
        # Imported here: spaCy pulls in heavy dependencies that `normalise` callers don't need.
        from spacy.lang.de.stop_words import STOP_WORDS as de_stop_words
        from spacy.lang.en.stop_words import STOP_WORDS as en_stop_words

        return {
            "de": frozenset(de_stop_words - en_stop_words),
            "en": frozenset(en_stop_words - de_stop_words),
        }

    @cached_property
    def _lingua(self):  # type: ignore[no-untyped-def]
        from lingua import Language, LanguageDetectorBuilder

        return LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH).build()

    def detect(self, text: str, ignore_spans: Iterable[tuple[int, int]] = ()) -> Detection:
        """Detect the language of `text`.

        Args:
            text: the visitor's message.
            ignore_spans: character spans to leave out, e.g. recognised place names,
                which look the same in both languages.
        """
        words = [w.lower() for w in _WORD.findall(_mask(text, ignore_spans))]
        if not words:
            return Detection(None, 0.0)
        de_hits, en_hits = self._hits(words, "de"), self._hits(words, "en")
        evidence = (de_hits - en_hits) * self.cue_weight
        if min(de_hits, en_hits) == 0 and max(de_hits, en_hits) >= self.clear_cues:
            # Several cue words of one language and none of the other: lingua would only agree,
            # and it is the detector's largest cost per message.
            return Detection("de" if de_hits else "en", evidence)
        statistical = self._lingua_log_odds(" ".join(words))
        # On one or two words lingua guesses; only a near-certain guess counts there.
        if len(words) > 2 or abs(statistical) >= self.short_text_certainty:
            evidence += statistical
        if evidence >= self.threshold:
            return Detection("de", evidence)
        if evidence <= -self.threshold:
            return Detection("en", evidence)
        return Detection(None, evidence)

    @cached_property
    def _wide(self):  # type: ignore[no-untyped-def]
        from lingua import Language, LanguageDetectorBuilder

        languages = [getattr(Language, name) for name in _OTHER_LANGUAGES] + [
            Language.GERMAN,
            Language.ENGLISH,
        ]
        # Trigrams only: enough to tell a whole sentence's language, at a fraction of the memory.
        return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()

    def foreign(self, text: str, ignore_spans: Iterable[tuple[int, int]] = ()) -> str | None:
        """The ISO 639-1 code of another language a message is clearly written in, else None.

        A message counts as foreign when most of its letters are in a script that German and
        English do not use (Cyrillic, Arabic, CJK, ...), or when it has at least three words, no
        German or English cue word, and lingua is sure of another language.
        """
        masked = _mask(text, ignore_spans)
        letters = [c for c in masked if c.isalpha()]
        if not letters:
            return None
        latin = sum(1 for c in letters if _is_latin(c))
        if latin < len(letters) / 2:
            return self._wide_guess(masked, certainty=0.0) or "und"
        words = [w.lower() for w in _WORD.findall(masked)]
        cues = self._cue_hits(words)
        greeting = next((_FOREIGN_WORDS[w] for w in words if w in _FOREIGN_WORDS), None)
        # "Bonjour", "Merci beaucoup", "Merhaba", "Dobrý den" ("den" is also German)
        if greeting and (cues == 0 or (cues == 1 and len(words) <= 3)):
            return greeting
        # "Dobrý den, odkdy je Praha ...?", "Grazie mille per l'aiuto!": a greeting and a
        # sentence with a stray cue word or two
        if greeting and cues * 3 <= len(words):
            return greeting
        # "¿Y en América del Sur?": Spanish punctuation; "Czy Kraków ...": letters that German
        # and English do not use, in words with no German or English cue
        if _SPANISH_MARKS.search(masked) and cues * 2 <= len(words):
            return "es"
        if cues == 0 and len(words) >= 2 and _FOREIGN_LETTERS.search(masked):
            return self._wide_guess(" ".join(words), certainty=0.0) or "und"
        if len(words) < 3:
            return None
        # A word like "no", "me" or "die" is a cue in German or English but common elsewhere
        # too: one or two such words in a sentence lingua is sure about do not make it ours.
        if cues == 0:
            return self._wide_guess(" ".join(words), certainty=0.8 if len(words) < 5 else 0.3)
        if len(words) >= 5 and cues * 4 <= len(words):
            return self._wide_guess(" ".join(words), certainty=0.95)
        return None

    def _wide_guess(self, text: str, certainty: float) -> str | None:
        values = self._wide.compute_language_confidence_values(text)
        if not values:
            return None
        top = values[0]
        code = top.language.iso_code_639_1.name.lower()
        if code in LANGUAGES or top.value < certainty:
            return None
        return str(code)

    def _cue_hits(self, words: Sequence[str]) -> int:
        return sum(
            w in _CUES[lang] or w in self._exclusive_stop_words[lang]
            for lang in LANGUAGES
            for w in words
        )

    def _hits(self, words: Sequence[str], lang: Lang) -> int:
        stop_words = self._exclusive_stop_words[lang]
        return sum(w in _CUES[lang] or w in stop_words for w in words)

    def _lingua_log_odds(self, text: str) -> float:
        from lingua import Language

        values = {
            c.language: c.value for c in self._lingua.compute_language_confidence_values(text)
        }
        p_de = min(max(values.get(Language.GERMAN, 0.5), 1e-3), 1 - 1e-3)
        return math.log(p_de / (1 - p_de))


# Languages visitors are likely to write in besides German and English (lingua's names).
_OTHER_LANGUAGES = (
    "FRENCH",
    "SPANISH",
    "ITALIAN",
    "PORTUGUESE",
    "DUTCH",
    "POLISH",
    "TURKISH",
    "UKRAINIAN",
    "RUSSIAN",
    "CZECH",
    "SWEDISH",
    "DANISH",
    "ARABIC",
    "HEBREW",
    "CHINESE",
    "JAPANESE",
    "INDONESIAN",
    "HUNGARIAN",
    "ROMANIAN",
    "GREEK",
    "VIETNAMESE",
    "PERSIAN",
    "CROATIAN",
    "SERBIAN",
    "BOSNIAN",
    "SLOVENE",
    "SLOVAK",
    "CATALAN",
    "FINNISH",
    "BOKMAL",
    "ESTONIAN",
    "LATVIAN",
    "LITHUANIAN",
    "ALBANIAN",
    "TAGALOG",
    "SWAHILI",
)


# Greetings and thanks that are a whole message in other languages ("Bonjour", "Merhaba").
_SPANISH_MARKS = re.compile(r"[¿¡]")
_FOREIGN_LETTERS = re.compile(r"[ñãõçłśżźćńęąğşıőűøåœÑÃÕÇŁŚŻŹĆŃĘĄĞŞİŐŰØÅŒ]")
_FOREIGN_WORDS: dict[str, str] = {
    "bonjour": "fr",
    "dobar": "hr",
    "hvala": "hr",
    "kiitos": "fi",
    "bonsoir": "fr",
    "salut": "fr",
    "merci": "fr",
    "hola": "es",
    "gracias": "es",
    "buenos": "es",
    "buenas": "es",
    "ciao": "it",
    "grazie": "it",
    "buongiorno": "it",
    "buonasera": "it",
    "olá": "pt",
    "obrigado": "pt",
    "obrigada": "pt",
    "merhaba": "tr",
    "teşekkürler": "tr",
    "teşekkür": "tr",
    "selam": "tr",
    "cześć": "pl",
    "dziękuję": "pl",
    "dzień": "pl",
    "dobrý": "cs",
    "děkuji": "cs",
    "ahoj": "cs",
    "hallå": "sv",
    "tack": "sv",
    "goedemorgen": "nl",
    "dank": "nl",
    "bedankt": "nl",
    "hoi": "nl",
    "szia": "hu",
    "sziasztok": "hu",
    "köszönöm": "hu",
    "jó": "hu",
    "hej": "sv",
    "hejsan": "sv",
    "tak": "da",
    "hei": "fi",
    "moi": "fi",
    "terve": "fi",
    "zdravo": "hr",
    "bok": "hr",
    "dobré": "sk",
    "ďakujem": "sk",
    "bună": "ro",
    "mulțumesc": "ro",
    "γεια": "el",
    "selamat": "id",
    "terima": "id",
    "privet": "ru",
    "spasibo": "ru",
    "dzięki": "pl",
    "witam": "pl",
    "bom": "pt",
    "boa": "pt",
    "adios": "es",
    "salve": "it",
    "prego": "it",
    "shalom": "he",
    "salaam": "ar",
    "marhaba": "ar",
    "shukran": "ar",
    "namaste": "hi",
    "konnichiwa": "ja",
    "arigato": "ja",
    "nihao": "zh",
    # "parla italiano?", "mówisz po polsku?": asking whether we speak the language
    "parla": "it",
    "parli": "it",
    "italiano": "it",
    "hablas": "es",
    "habla": "es",
    "español": "es",
    "parlez": "fr",
    "français": "fr",
    "falas": "pt",
    "português": "pt",
    "mówisz": "pl",
    "polsku": "pl",
    "türkçe": "tr",
    "spreekt": "nl",
    "nederlands": "nl",
}


def _is_latin(char: str) -> bool:
    import unicodedata

    return unicodedata.name(char, "").startswith("LATIN")


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, 0), min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def decide(
    detection: Detection | None,
    *,
    current: Lang | None,
    established: bool,
    hint: Lang | None = None,
    requested: Lang | None = None,
    default: Lang = "en",
    asked_for: Lang | None = None,
) -> Lang:
    """Choose the reply language for one message (see `decide_with_reason`)."""
    return decide_with_reason(
        detection,
        current=current,
        established=established,
        hint=hint,
        requested=requested,
        default=default,
        asked_for=asked_for,
    )[0]


def decide_with_reason(
    detection: Detection | None,
    *,
    current: Lang | None,
    established: bool,
    hint: Lang | None = None,
    requested: Lang | None = None,
    default: Lang = "en",
    asked_for: Lang | None = None,
) -> tuple[Lang, str]:
    """Choose the reply language for one message, and say why.

    Order: an explicit request wins ("requested"); then an earlier explicit request that is
    still the conversation's language ("requested_earlier": after "Deutsch bitte" an English
    question is still answered in German, until the visitor asks for another language); then
    the visitor's own words ("words"); then
    a channel's hint, but only before the conversation has a language ("channel_hint"); then the
    current language, sticky on "ok" or "Paris?" ("kept"); then the default ("default").

    Args:
        detection: what `LanguageDetector.detect` found in the message; None for a button
            payload or a message in another language.
        current: the conversation's language so far.
        established: whether the conversation already settled on `current`.
        hint: a channel's guess (Telegram's language_code, the web page's lang).
        requested: a language the visitor asked for explicitly.
        default: used when nothing else says anything.
        asked_for: the language the visitor explicitly asked for earlier in the conversation.
    """
    if requested:
        return requested, "requested"
    if asked_for and asked_for == current:
        return current, "requested_earlier"
    if detection is not None and detection.lang:
        return detection.lang, "words"
    if hint and not established:
        return hint, "channel_hint"
    if current:
        return current, "kept"
    if hint:
        return hint, "channel_hint"
    return default, "default"
