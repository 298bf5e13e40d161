"""`python -m assistant.review`: the review console on 127.0.0.1 (`ASSISTANT_REVIEW_PORT`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.review import open_database
from assistant.review.app import run
from assistant.settings import PROJECT_ROOT, settings_for_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.review", description=__doc__)
    parser.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    args = parser.parse_args(argv)
    settings = settings_for_command()
    run(settings, open_database(args.endpoints))
    return 0


if __name__ == "__main__":
    sys.exit(main())
