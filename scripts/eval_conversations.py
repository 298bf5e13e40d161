"""Run the held-out multi-turn conversations against a running assistant and write a report.

Usage (with the stack running, e.g. `make run` in another terminal):

    python -m scripts.eval_conversations --url http://127.0.0.1:5005 --out docs/conversation-eval.md

Every conversation gets a fresh sender id; replies come from the REST channel. Prints the
per-language pass rates; exits 1 if the server cannot be reached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conversations.runner import HELDOUT, LANGS, run_and_report, summarise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server base URL")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument("--label", default="", help="what was measured, e.g. 'baseline'")
    parser.add_argument("--concurrency", type=int, default=4, help="conversations at a time")
    parser.add_argument("--folder", type=Path, default=HELDOUT, help="folder of the set")
    args = parser.parse_args(argv)
    try:
        httpx.get(f"{args.url.rstrip('/')}/", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        print(f"No assistant at {args.url}: {exc}. Start it with `make run`.", file=sys.stderr)
        return 1
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    label = f" — {args.label}" if args.label else ""
    command = "python -m scripts.eval_conversations --url " + args.url
    if args.out:
        command += f" --out {args.out}"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    results, report = run_and_report(
        args.url,
        title=f"Held-out conversation evaluation{label}",
        preamble=[
            f"Measured {now} at commit `{commit or 'unknown'}` with `{command}`.",
            "Set: `tests/conversations/heldout/` (format in the header of `en.yml`); checks: "
            "`tests/conversations/runner.py`.",
        ],
        folder=args.folder,
        concurrency=args.concurrency,
    )
    summary = summarise(results)
    for lang in LANGS:
        print(
            f"{lang}: conversations {summary.conversations[('all', lang)].cell()}, "
            f"turns {summary.turns[('all', lang)].cell()}"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
        print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
