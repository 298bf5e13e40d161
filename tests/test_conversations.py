"""The end-to-end conversations of tests/test_conversations.yml, through the real server.

Each story is one conversation: every visitor turn goes through the REST channel to the Rasa
server and the action server; the test checks the intent the NLU gave the turn, that the reply is
not empty, and that it is in the story's language ("(de)", "(en)"; in a language-switch story,
the language the visitor asked for).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.lang import LanguageDetector
from tests.stack import Stack

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STORIES = yaml.safe_load((ROOT / "tests" / "test_conversations.yml").read_text(encoding="utf-8"))
_MARKUP = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")
_LANGUAGE_ENTITY = re.compile(r'"entity": "language", "value": "(de|en)"')
_detector = LanguageDetector()


def _turns(story: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    match = re.search(r"\((de|en)\)$", story["story"])
    language = match.group(1) if match else None
    turns = []
    for step in story["steps"]:
        if "user" in step:
            named = _LANGUAGE_ENTITY.search(step["user"])
            expected = named.group(1) if named else language
            turns.append((_MARKUP.sub(r"\1", step["user"]), step["intent"], expected))
    return turns


def _latest_intent(stack: Stack, sender: str) -> str | None:
    """The intent of the visitor's latest message, as the tracker store recorded it."""
    with sqlite3.connect(stack.db) as db:
        row = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' "
            "ORDER BY id DESC LIMIT 1",
            (sender,),
        ).fetchone()
    return json.loads(row[0])["parse_data"]["intent"]["name"] if row else None


def _reply_language(text: str) -> str | None:
    prose = re.sub(r"https?://\S+|\+?\d[\d \-]*", " ", text)
    return _detector.detect(prose).lang


@pytest.mark.parametrize("story", STORIES["stories"], ids=lambda s: s["story"])
def test_conversation(stack: Stack, story: dict[str, Any]) -> None:
    sender = "story-" + re.sub(r"\W+", "-", story["story"])
    for text, intent, language in _turns(story):
        replies = stack.ask(sender, text)
        assert replies and all(r.strip() for r in replies), (text, replies)
        assert _latest_intent(stack, sender) == intent, text
        if language:
            reply = "\n".join(replies)
            assert _reply_language(reply) == language, (text, reply)
