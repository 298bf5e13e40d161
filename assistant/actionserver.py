"""The action server as `serve` runs it: rasa_sdk's app on 127.0.0.1, errors without visitor text.

`rasa run actions` (rasa_sdk 3.6) listens on all interfaces (``SANIC_HOST`` or ``0.0.0.0``)
and answers an exception in an action with ``{"error": str(exception), "request_body": ...}``:
the request body is the whole tracker, with everything the visitor wrote, and the Rasa server
logs that answer when the action fails. Here the same app (rasa_sdk's `create_app`) gets an
error handler that answers and logs the exception's type and where it happened, never its
message or the request body, and the server binds the host it is given (127.0.0.1 by default).
"""

from __future__ import annotations

import argparse
import logging
import os
import traceback
from typing import TYPE_CHECKING

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import response
from sanic.exceptions import SanicException

from assistant import logs

if TYPE_CHECKING:
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"


def create_app(actions_package: str = "actions") -> Sanic:
    """rasa_sdk's action server app with our error handler.

    Args:
        actions_package: the module or package whose actions are served.
    """
    app = create_sdk_app(actions_package, cors_origins=None)
    # Registered after rasa_sdk's handler for the same class, so it replaces it.
    app.exception(Exception)(_error_answer)
    return app


async def _error_answer(request: Request, exception: Exception) -> HTTPResponse:
    """A JSON error naming the kind of failure; the body and the exception text stay out."""
    if isinstance(exception, SanicException):  # not found, bad JSON, wrong method, too large
        status = int(getattr(exception, "status_code", 500) or 500)
        return response.json({"error": type(exception).__name__}, status=status)
    where = "".join(traceback.format_tb(exception.__traceback__))  # code lines, no values
    logger.error(
        "An action failed with %s (message withheld: it may quote the visitor)\n%s",
        type(exception).__name__,
        where,
    )
    return response.json({"error": f"the action failed ({type(exception).__name__})"}, status=500)


def build_parser() -> argparse.ArgumentParser:
    """``python -m assistant.actionserver --port 5055 [--host 127.0.0.1]``."""
    parser = argparse.ArgumentParser(prog="python -m assistant.actionserver", description=__doc__)
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--loglevel", default=os.environ.get("LOG_LEVEL") or "INFO")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Serve the custom actions until SIGINT or SIGTERM."""
    args = build_parser().parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    logs.install()
    app = create_app(args.actions)
    logger.info("Action server listening on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
