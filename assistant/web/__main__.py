"""`python -m assistant.web`: serve the chat widget with its demo and privacy pages."""

from __future__ import annotations

import argparse
import sys

from assistant.ports import SERVERS, port_in_use, port_taken_message
from assistant.settings import settings_for_command
from assistant.web.app import run


def build_parser() -> argparse.ArgumentParser:
    """The command line (also checked against deploy/compose.yml)."""
    parser = argparse.ArgumentParser(prog="python -m assistant.web", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, help="default: ASSISTANT_WEB_PORT or 8000")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until SIGINT or SIGTERM."""
    args = build_parser().parse_args(argv)
    settings = settings_for_command()
    port = args.port or settings.web_port
    if port_in_use(port):
        print(port_taken_message(port, *SERVERS["web_port"]), file=sys.stderr)
        return 1
    run(settings, host=args.host, port=port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
