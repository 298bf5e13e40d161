"""Ask the development set's opening questions again in forms that mean the same, and list
every reply that changed.

Usage (with the stack running, e.g. `make run` in another terminal):

    python -m scripts.paraphrase_check --url http://127.0.0.1:5005 --out /tmp/paraphrases.md

The variants of each question: all in lower case without its closing punctuation; a greeting
and "kurze Frage:"/"quick question:" before it; "Danke!"/"Thanks!" after it; "bitte" after it
or "Please tell me:" before it; umlauts typed as ae/oe/ue (German). A real visitor writes
like this, and none of it changes what is asked, so each reply should be the one the question
itself gets. A difference is not always a fault (the lower-case form of a claim ending in "?"
is a statement), which is why this is a list to read, not a test. Development set only: the
held-out set is never used to tune (docs/conversation-eval.md). Prints the counts by variant.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import uuid
from pathlib import Path

import httpx
import yaml

DEV = Path(__file__).resolve().parents[1] / "tests" / "conversations" / "dev"
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def variants(question: str, lang: str) -> dict[str, str]:
    """The forms of `question` that ask the same thing, by name."""
    lowered = question[:1].lower() + question[1:]
    found = {
        "lower_case": question.strip().rstrip("?!. ").lower(),
        "greeting": ("Hallo, kurze Frage: " if lang == "de" else "Hi, quick question: ") + lowered,
        "thanks": question.rstrip() + (" Danke!" if lang == "de" else " Thanks!"),
        "please": question.rstrip() + " bitte" if lang == "de" else "Please tell me: " + lowered,
    }
    if lang == "de" and question.translate(_UMLAUTS) != question:
        found["umlauts"] = question.translate(_UMLAUTS)
    return found


def opening_questions(folder: Path) -> list[tuple[str, str, str]]:
    """(conversation id, language, first message) of every conversation in the folder, except
    those in other languages."""
    found = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for conversation in data["conversations"]:
            if conversation.get("category") == "other_language":
                continue
            found.append((conversation["id"], data["language"], conversation["turns"][0]["user"]))
    return found


async def _reply(client: httpx.AsyncClient, url: str, message: str) -> str:
    body = {"sender": f"paraphrase-{uuid.uuid4().hex[:12]}", "message": message}
    response = await client.post(url, json=body, timeout=60)
    response.raise_for_status()
    return "\n".join(m.get("text") or "" for m in response.json())


async def run(url: str, folder: Path, limit: int | None, concurrency: int) -> list[str]:
    """Markdown entries, one per changed reply."""
    webhook = url.rstrip("/") + "/webhooks/rest/webhook"
    questions = opening_questions(folder)[:limit]
    gate = asyncio.Semaphore(concurrency)
    counts: collections.Counter[str] = collections.Counter()

    async def one(client: httpx.AsyncClient, cid: str, lang: str, question: str) -> list[str]:
        async with gate:
            original = await _reply(client, webhook, question)
            entries = []
            for name, variant in variants(question, lang).items():
                reply = await _reply(client, webhook, variant)
                if reply != original:
                    counts[name] += 1
                    entries.append(
                        f"## {cid} [{name}]\n\n- asked: {question}\n- variant: {variant}\n"
                        f"- reply: {original[:300]!r}\n- variant's reply: {reply[:300]!r}\n"
                    )
            return entries

    async with httpx.AsyncClient() as client:
        results = await asyncio.gather(*(one(client, *q) for q in questions))
    total = sum(len(variants(q, lang)) for _, lang, q in questions)
    summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"
    print(
        f"{len(questions)} questions, {total} variants, {sum(counts.values())} changed: {summary}"
    )
    return [entry for entries in results for entry in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server base URL")
    parser.add_argument("--out", type=Path, required=True, help="write the list here")
    parser.add_argument("--folder", type=Path, default=DEV, help="a development set folder")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    try:
        entries = asyncio.run(run(args.url, args.folder, args.limit, args.concurrency))
    except httpx.HTTPError as exc:
        print(f"No assistant at {args.url}: {exc}. Start it with `make run`.", file=sys.stderr)
        return 1
    args.out.write_text("# Replies that changed with the wording\n\n" + "\n".join(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
