"""Held-out multi-turn conversations: loading, checking replies, running them over REST, reporting.

The set lives in `tests/conversations/heldout/*.yml` (format in the header of `heldout/en.yml`).
It is a yardstick for issue 7 and is never used for training or tuning. Everything here talks to
the real Rasa server over HTTP (`POST /webhooks/rest/webhook`); nothing imports the assistant, so
the checks stay independent of the design they measure (the reply language is judged with lingua
directly, not with `assistant.lang`).
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

import httpx
import yaml

HELDOUT = Path(__file__).resolve().parent / "heldout"
THRESHOLDS = Path(__file__).resolve().parent / "thresholds.yml"
LANGS: tuple[str, ...] = ("de", "en")
CHECK_KEYS = {"lang", "all", "any", "none", "starts", "first", "order", "clean"}
CATEGORIES = (
    "city_fact",
    "follow_up",
    "list_filter",
    "count",
    "superlative_compare",
    "yes_no_premise",
    "topic_context",
    "compound",
    "language_switch",
    "routing",
    "adjacent",
    "other_language",
    "direct_answer_first",
)
_URL = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:de|com|org)/\S*")
# A sentence ends at . ! ? followed by white space, but not after a digit ("5. Mai 2025") or a
# common abbreviation; a line break always ends one.
_ABBREVIATIONS = (
    "z. B.",
    "z.B.",
    "bzw.",
    "ca.",
    "Nr.",
    "Str.",
    "e.g.",
    "i.e.",
    "approx.",
    "St.",
    "Dr.",
    "Abt.",
    "etc.",
    "vs.",
    "u. a.",
    "d. h.",
    "Tel.",
    "Jan.",
    "Feb.",
    "Aug.",
    "Sept.",
    "Okt.",
    "Oct.",
    "Nov.",
    "Dez.",
    "Dec.",
)


class RestMessage(TypedDict, total=False):
    """One message of a Rasa REST channel reply."""

    recipient_id: str
    text: str
    buttons: list[dict[str, str]]


@dataclass(frozen=True)
class Turn:
    """One visitor message and what its reply must satisfy."""

    user: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    """A held-out conversation: id, category, the visitor's main language and its turns."""

    id: str
    category: str
    lang: str
    turns: tuple[Turn, ...]
    source: str = ""


@dataclass
class TurnResult:
    """The reply to one turn and the checks it failed (empty: passed)."""

    user: str
    reply: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class ConversationResult:
    conversation: Conversation
    turns: list[TurnResult]

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)


# ---------------------------------------------------------------- loading


def load_conversations(folder: Path = HELDOUT) -> list[Conversation]:
    """All conversations of all files in `folder`, validated.

    Raises:
        ValueError: a malformed case (unknown category or check, duplicate id, empty turn),
            naming file and id.
    """
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for file in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        lang = data["language"]
        if lang not in LANGS:
            raise ValueError(f"{file.name}: language must be one of {LANGS}, not {lang!r}")
        for raw in data["conversations"]:
            where = f"{file.name}: {raw.get('id', '?')}"
            if raw["id"] in seen:
                raise ValueError(f"{where}: duplicate id")
            seen.add(raw["id"])
            if raw["category"] not in CATEGORIES:
                raise ValueError(f"{where}: unknown category {raw['category']!r}")
            turns = []
            for t in raw["turns"]:
                expect = dict(t.get("expect") or {})
                unknown = set(expect) - CHECK_KEYS
                if unknown or not str(t.get("user", "")).strip():
                    raise ValueError(f"{where}: bad turn {t!r}")
                if not set(expect) - {"lang"}:
                    raise ValueError(f"{where}: turn {t['user']!r} checks no fact")
                expect.setdefault("lang", lang)
                turns.append(Turn(user=str(t["user"]), expect=expect))
            conversations.append(
                Conversation(raw["id"], raw["category"], lang, tuple(turns), file.name)
            )
    return conversations


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, float]:
    """Minimum conversation pass rate per language (0..1) that the slow test enforces."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {lang: float(data["min_pass_rate"][lang]) for lang in LANGS}


# ---------------------------------------------------------------- checks


def _needle(text: str) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern; a word ending in `*` allows any ending."""
    words = [
        re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word)
        for word in text.split()
    ]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def contains(reply: str, text: str) -> bool:
    """True if `text` occurs in `reply` as whole words, case-insensitive."""
    return _needle(text).search(reply) is not None


def first_sentence(reply: str) -> str:
    """The reply's first sentence (markdown emphasis and leading punctuation removed)."""
    text = reply.strip().replace("**", "").replace("__", "")
    protected = text
    for abbreviation in _ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\x00"))
    match = re.search(r"(?<!\d)[.!?](?=\s)|\n", protected)
    head = protected[: match.start() + 1] if match else protected
    return head.replace("\x00", ".").strip()


def first_word(reply: str) -> str:
    match = re.search(r"\w+", first_sentence(reply))
    return match.group(0) if match else ""


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH).build()


def detect_language(text: str) -> str | None:
    """'de', 'en' or None (too little text), from lingua restricted to German and English."""
    plain = _URL.sub(" ", text)
    if len(re.findall(r"[^\W\d_]{2,}", plain)) < 2:
        return None
    found = _detector().detect_language_of(plain)
    if found is None:
        return None
    return "de" if found.name == "GERMAN" else "en"


def languages_of_sentences(reply: str) -> set[str]:
    """Languages found among the reply's sentences with at least three words."""
    found = set()
    for part in re.split(r"(?<=[.!?])\s+|\n+", _URL.sub(" ", reply)):
        if len(re.findall(r"[^\W\d_]{2,}", part)) >= 3:
            lang = detect_language(part)
            if lang:
                found.add(lang)
    return found


_ENGLISH_PAGE = re.compile(r"berlin\.de/(?:rbmskzl/)?en/", re.IGNORECASE)


def _sentences(reply: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", reply) if s.strip()]


def check_reply(reply: str, expect: dict[str, Any]) -> list[str]:
    """The failed checks of one reply (empty list: the reply passes).

    Checks: `lang` (de, en, or both: a German and an English sentence, or a link to berlin.de's
    English pages), `all` (every text occurs), `any` (at least one occurs), `none` (none occurs),
    `starts` (the first word is one of), `first` (one of them occurs in the first sentence),
    `order` (all occur, first occurrences in this order; "a|b" for one of two spellings),
    `clean` (no double spaces inside a line, no sentence said twice). Texts match as whole
    words, case-insensitive; `word*` matches any ending.
    """
    failures: list[str] = []
    if not reply.strip():
        return ["empty reply"]
    lang = expect.get("lang")
    if lang == "both":
        if languages_of_sentences(reply) != {"de", "en"} and not _ENGLISH_PAGE.search(reply):
            failures.append("lang: not both German and English")
    elif lang is not None:
        got = detect_language(reply)
        if got != lang:
            failures.append(f"lang: expected {lang}, got {got}")
    missing = [t for t in expect.get("all", []) if not contains(reply, t)]
    if missing:
        failures.append(f"all: missing {missing}")
    if expect.get("any") and not any(contains(reply, t) for t in expect["any"]):
        failures.append(f"any: none of {expect['any']}")
    present = [t for t in expect.get("none", []) if contains(reply, t)]
    if present:
        failures.append(f"none: found {present}")
    if expect.get("starts"):
        word = first_word(reply)
        if word.casefold() not in {s.casefold() for s in expect["starts"]}:
            failures.append(f"starts: first word {word!r} not in {expect['starts']}")
    if expect.get("first"):
        head = first_sentence(reply)
        if not any(contains(head, t) for t in expect["first"]):
            failures.append(f"first: none of {expect['first']} in {head[:80]!r}")
    if expect.get("order"):
        positions = []
        for t in expect["order"]:  # "a|b": whichever spelling occurs first
            starts = [m.start() for m in (_needle(a).search(reply) for a in t.split("|")) if m]
            positions.append(min(starts) if starts else -1)
        if -1 in positions or positions != sorted(positions):
            failures.append(f"order: {expect['order']} not in this order")
    if expect.get("clean"):
        if any("  " in line.strip() for line in reply.splitlines()):
            failures.append("clean: double space")
        seen = collections.Counter(
            re.sub(r"\W+", " ", s).strip().casefold() for s in _sentences(reply) if len(s) > 20
        )
        repeated = [s for s, n in seen.items() if n > 1]
        if repeated:
            failures.append(f"clean: repeated sentence {repeated[0][:60]!r}")
    return failures


# ---------------------------------------------------------------- running


def _reply_text(messages: list[RestMessage]) -> str:
    """The texts of one REST reply, joined by line breaks (buttons are not part of the answer)."""
    return "\n".join(str(m["text"]) for m in messages if m.get("text"))


async def _run_one(
    client: httpx.AsyncClient, url: str, conversation: Conversation, run_id: str
) -> ConversationResult:
    sender = f"heldout-{run_id}-{conversation.id}"
    results = []
    for turn in conversation.turns:
        response = await client.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": turn.user}
        )
        if response.status_code != 200:
            reply = f"<HTTP {response.status_code}>"
            results.append(TurnResult(turn.user, reply, [f"http: {response.status_code}"]))
            continue
        reply = _reply_text(response.json())
        results.append(TurnResult(turn.user, reply, check_reply(reply, turn.expect)))
    return ConversationResult(conversation, results)


async def run_conversations(
    url: str, conversations: list[Conversation], concurrency: int = 4, timeout: float = 60
) -> list[ConversationResult]:
    """Send every conversation through the REST channel, each with a fresh sender id.

    Turns of one conversation go one after another; up to `concurrency` conversations run at
    the same time (different senders share no state).
    """
    run_id = uuid.uuid4().hex[:8]
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=timeout) as client:

        async def guarded(c: Conversation) -> ConversationResult:
            async with limit:
                return await _run_one(client, url.rstrip("/"), c, run_id)

        return list(await asyncio.gather(*(guarded(c) for c in conversations)))


# ---------------------------------------------------------------- reporting


@dataclass
class Rates:
    passed: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.passed += ok
        self.total += 1

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def cell(self) -> str:
        return f"{self.rate:.0%} ({self.passed}/{self.total})" if self.total else "–"


@dataclass
class Summary:
    conversations: dict[tuple[str, str], Rates]  # (category or "all", lang)
    turns: dict[tuple[str, str], Rates]

    def rate(self, lang: str, category: str = "all") -> float:
        return self.conversations[(category, lang)].rate


def summarise(results: list[ConversationResult]) -> Summary:
    conversations: dict[tuple[str, str], Rates] = collections.defaultdict(Rates)
    turns: dict[tuple[str, str], Rates] = collections.defaultdict(Rates)
    for r in results:
        c = r.conversation
        for key in ((c.category, c.lang), ("all", c.lang)):
            conversations[key].add(r.passed)
            for t in r.turns:
                turns[key].add(t.passed)
    return Summary(conversations, turns)


def _truncate(text: str, limit: int) -> str:
    flat = " ⏎ ".join(line.strip() for line in text.splitlines() if line.strip())
    flat = flat.replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_report(
    results: list[ConversationResult], *, title: str, preamble: list[str], seconds: float
) -> str:
    """Markdown: a category × language table (conversations and turns), then every failure."""
    summary = summarise(results)
    lines = [f"# {title}", "", *preamble, ""]
    n_turns = sum(len(r.turns) for r in results)
    lines += [
        f"{len(results)} conversations, {n_turns} turns, run time {seconds:.0f} s. A conversation",
        "passes only if every turn passes; the turn columns count turns on their own.",
        "",
        "| category | de conversations | en conversations | de turns | en turns |",
        "|---|---|---|---|---|",
    ]
    for category in (*CATEGORIES, "all"):
        row = [f"**{category}**" if category == "all" else category]
        row += [summary.conversations[(category, lang)].cell() for lang in LANGS]
        row += [summary.turns[(category, lang)].cell() for lang in LANGS]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Failing conversations", ""]
    failing = [r for r in results if not r.passed]
    if not failing:
        lines.append("None.")
    for r in sorted(failing, key=lambda r: (r.conversation.lang, r.conversation.id)):
        c = r.conversation
        lines.append(f"### {c.id} ({c.category})")
        lines.append("")
        for i, t in enumerate(r.turns, 1):
            mark = "ok" if t.passed else "FAIL"
            lines.append(f"{i}. {mark} — visitor: {_truncate(t.user, 160)}")
            if not t.passed:
                lines.append(f"   - reply: {_truncate(t.reply, 300)}")
                lines.append(f"   - failed: {'; '.join(t.failures)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def run_and_report(
    url: str,
    *,
    title: str,
    preamble: list[str],
    folder: Path = HELDOUT,
    concurrency: int = 4,
) -> tuple[list[ConversationResult], str]:
    """Load the set, run it against `url`, return the results and the Markdown report."""
    conversations = load_conversations(folder)
    started = time.perf_counter()
    results = asyncio.run(run_conversations(url, conversations, concurrency=concurrency))
    seconds = time.perf_counter() - started
    report = render_report(results, title=title, preamble=preamble, seconds=seconds)
    return results, report
