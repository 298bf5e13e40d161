"""Exports: the filtered list as CSV or JSON Lines, corrections as Rasa NLU training data, and
a conversation as a Rasa test story."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection

from assistant.review.filters import TIMEZONE, Filters
from assistant.review.queries import Row, Transcript, list_conversations
from assistant.review.schema import corrections
from assistant.review.training import TrainingExamples, comparable

# The columns of the list export: what the list shows, nothing more.
COLUMNS = (
    "conversation",
    "started",
    "channel",
    "language",
    "turns",
    "first_question",
    "uncertain",
    "fallbacks",
    "thumbs_up",
    "thumbs_down",
    "status",
    "tags",
)
_EXPORT_PAGE = 1000


def local_time(timestamp: float) -> str:
    """A Unix time as Berlin time, to the minute (ISO 8601)."""
    return dt.datetime.fromtimestamp(timestamp, TIMEZONE).isoformat(timespec="minutes")


def shown_time(timestamp: float) -> str:
    """A Unix time as Berlin time for the pages, e.g. "2026-12-01 14:05"."""
    return dt.datetime.fromtimestamp(timestamp, TIMEZONE).strftime("%Y-%m-%d %H:%M")


def record(row: Row) -> dict[str, Any]:
    return {
        "conversation": row.sender_id,
        "started": local_time(row.started_at),
        "channel": row.channel,
        "language": row.language or "",
        "turns": row.turns,
        "first_question": row.first_question or "",
        "uncertain": row.uncertain,
        "fallbacks": row.fallbacks,
        "thumbs_up": row.thumbs_up,
        "thumbs_down": row.thumbs_down,
        "status": row.status,
        "tags": list(row.tags),
    }


def all_rows(conn: Connection, filters: Filters, low_confidence: float) -> Iterator[Row]:
    page = 1
    while True:
        found = list_conversations(
            conn, filters, low_confidence, page=page, page_size=_EXPORT_PAGE, count=False
        )
        yield from found.rows
        if len(found.rows) < _EXPORT_PAGE:
            return
        page += 1


def to_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        values = record(row)
        values["tags"] = ";".join(values["tags"])
        # A cell that a spreadsheet would read as a formula is written as text.
        values["first_question"] = _no_formula(values["first_question"])
        writer.writerow(values)
    return out.getvalue()


def _no_formula(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_jsonl(rows: Iterable[Row]) -> str:
    return "".join(json.dumps(record(row), ensure_ascii=False) + "\n" for row in rows)


@dataclass(frozen=True)
class LeftOut:
    """A correction the NLU export leaves out, and why.

    Attributes:
        example (str): the training example it would have been.
        intent (str): the intent it was corrected to.
        other (str): what contradicts it: `file: intent` of an example in the training data,
            or the other intent a newer correction of the same text gave it.
    """

    example: str
    intent: str
    other: str


def nlu_yaml(conn: Connection, training: TrainingExamples | None = None) -> str:
    """All corrections as Rasa NLU training data for `data/nlu/`: one block per intent and
    language (with `metadata: {lang: ...}`, as our training files have), the city annotated.

    A correction whose text the training data (`training`) has under another intent, or that
    a newer correction of the same text gives another intent, is left out and named in a
    comment at the top: the file must pass `rasa data validate` when added, and which intent is
    right is for a person to decide.
    """
    blocks: dict[tuple[str, str], dict[str, int]] = {}  # example -> its message's event id
    chosen: dict[str, str] = {}  # comparable text -> intent of its newest correction
    left_out: list[LeftOut] = []
    for r in conn.execute(
        sa.select(corrections).order_by(corrections.c.corrected_at.desc(), corrections.c.event_id)
    ).mappings():
        example = training_example(r["text"], r["city"])
        if not example:
            continue
        plain, intent = training_example(r["text"], None), r["intent"]
        key = comparable(plain)
        if chosen.setdefault(key, intent) != intent:
            left_out.append(LeftOut(example, intent, chosen[key]))
            continue
        clash = training.conflicts(plain, intent) if training else []
        if clash:
            left_out.append(LeftOut(example, intent, f"{clash[0].file}: {clash[0].intent}"))
            continue
        block = blocks.setdefault((intent, r["language"] or "en"), {})
        block[example] = min(block.get(example, r["event_id"]), r["event_id"])
    nlu = [
        {
            "intent": intent,
            "metadata": {"lang": lang},
            "examples": "".join(f"- {e}\n" for e in sorted(examples, key=examples.__getitem__)),
        }
        for (intent, lang), examples in sorted(blocks.items())
    ]
    header = "# Corrections from the review console; add to data/nlu/ and run `make train`.\n"
    return (
        header
        + _left_out_comment(left_out)
        + yaml.dump(
            {"version": "3.1", "nlu": nlu},
            Dumper=_BlockDumper,
            allow_unicode=True,
            sort_keys=False,
            width=1000,
        )
    )


def _left_out_comment(left_out: list[LeftOut]) -> str:
    if not left_out:
        return ""
    lines = [
        "#",
        f"# Ausgelassen ({len(left_out)}): derselbe Text steht schon unter einem anderen Intent.",
        "# Bitte entscheiden, welcher Intent stimmt, das andere Beispiel ändern, neu exportieren.",
        f"# Left out ({len(left_out)}): the same text is already under another intent.",
        "# Please decide which intent is right, change the other example and export again.",
    ]
    lines += [f"#   {item.intent}: {item.example}  <>  {item.other}" for item in left_out]
    return "\n".join(lines) + "\n#\n"


def training_example(text: str, city: str | None) -> str:
    """The message as one training example line: on one line, without the characters Rasa
    reads as entity markup except around the corrected city."""
    plain = " ".join(
        text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")").split()
    )
    if city and city in plain:
        before, _, after = plain.partition(city)
        return f"{before}[{city}](city){after}"
    return plain


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks (`examples: |`), as Rasa's files are."""


def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _literal)


def test_story(conversation: Transcript) -> str:
    """The conversation as a Rasa test story (tests/test_conversations.yml's form): each
    visitor message with its intent (the correction where there is one) and the actions that
    answered it."""
    steps: list[dict[str, Any]] = []
    for turn in conversation.turns:
        if not turn.text:
            continue
        intent = turn.correction["intent"] if turn.correction else turn.intent
        city = turn.correction["city"] if turn.correction else None
        steps.append(
            {"user": training_example(turn.text, city), "intent": intent or "nlu_fallback"}
        )
        actions: list[str] = []
        for reply in turn.replies:
            if reply.action and reply.action not in actions:
                actions.append(reply.action)
        steps.extend({"action": a} for a in actions or ["action_answer"])
    story = {"story": f"review {conversation.sender_id}", "steps": steps}
    return yaml.dump(
        {"version": "3.1", "stories": [story]}, allow_unicode=True, sort_keys=False, width=1000
    )
