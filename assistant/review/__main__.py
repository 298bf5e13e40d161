"""`python -m assistant.review`: the review console, by default on 127.0.0.1 and
`ASSISTANT_REVIEW_PORT` (in a container `--host 0.0.0.0`, published to the host's loopback only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.review import open_database
from assistant.review.app import run
from assistant.settings import PROJECT_ROOT, settings_for_command


def build_parser() -> argparse.ArgumentParser:
    """The command line (also checked against deploy/compose.yml)."""
    parser = argparse.ArgumentParser(prog="python -m assistant.review", description=__doc__)
    parser.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, help="default: ASSISTANT_REVIEW_PORT or 8001")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_for_command()
    run(settings, open_database(args.endpoints), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
