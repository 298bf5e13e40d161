"""Command-line entry points: check the knowledge files, serve the whole assistant, purge old
conversations, manage the review console's accounts."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.ports import taken_port
from assistant.retention import purge, purge_and_log
from assistant.review import users as review_users
from assistant.settings import PROJECT_ROOT, Settings, settings_for_command
from assistant.storage import StorageError, sqlite_path, tracker_store_url
from assistant.supervisor import Child, Supervisor

# How often `serve` deletes conversations older than the retention period (assistant.retention).
PURGE_INTERVAL_SECONDS = 6 * 3600


def check_data(settings: Settings) -> int:
    """Validate the knowledge files; print what is wrong, naming file and field."""
    try:
        knowledge = load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        print(f"Knowledge files are invalid: {exc}", file=sys.stderr)
        return 1
    print(
        f"Knowledge OK: {len(knowledge.partner_cities)} partner cities, "
        f"{len(knowledge.networks)} networks, {len(knowledge.topics)} topics "
        f"({settings.knowledge_dir})."
    )
    return 0


def _wait_until_up(url: str, child: Child, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process is None or child.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def serve(settings: Settings, model: Path, endpoints: Path, credentials: Path) -> int:
    """Run the action server, the Rasa server, the widget's web app and the review console
    until Ctrl-C; stop all."""
    if check_data(settings) != 0:
        return 1
    problem = taken_port(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if not model.exists():
        print(f"No trained model at {model}; run `make train` first.", file=sys.stderr)
        return 1
    try:
        # The purge works on exactly the database the Rasa server uses.
        store = tracker_store_url(endpoints)
    except StorageError as exc:
        print(exc, file=sys.stderr)
        return 1
    db_file = sqlite_path(store)
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    actions = Child(
        "action server",
        [
            sys.executable,
            "-m",
            "assistant.actionserver",
            "--actions",
            "actions",
            "--port",
            str(settings.action_port),
            "--host",
            "127.0.0.1",
        ],
        PROJECT_ROOT,
        env,
    )
    rasa = Child(
        "Rasa server",
        [
            # `rasa run` with our patches (assistant/patches.py).
            sys.executable,
            "-m",
            "assistant.rasa_server",
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--port",
            str(settings.rasa_port),
            "--interface",
            "127.0.0.1",
            "--cors",
            *settings.cors_origins,
        ],
        PROJECT_ROOT,
        # Sanic's cap on any request body (default 100 MB) for the routes that are not ours
        # (ours stop at a few KB, assistant/channels/payload.py).
        {**env, "SANIC_REQUEST_MAX_SIZE": str(1024 * 1024)},
    )
    web = Child("web app", [sys.executable, "-m", "assistant.web"], PROJECT_ROOT, env)
    review = Child(
        "review console",
        [sys.executable, "-m", "assistant.review", "--endpoints", str(endpoints)],
        PROJECT_ROOT,
        env,
    )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    supervisor = Supervisor([actions, rasa, web, review])
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        supervisor.terminate()  # also ends a wait for a child that is still starting

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervisor.start()
    try:
        # A child that fails while starting (a broken model, a port taken meanwhile) stops
        # everything with an error; once all answer, the supervisor restarts what crashes.
        up = (
            _wait_until_up(f"http://127.0.0.1:{settings.action_port}/health", actions, 120)
            and (_wait_until_up(f"http://127.0.0.1:{settings.rasa_port}/", rasa, 300))
            and _wait_until_up(f"http://127.0.0.1:{settings.web_port}/healthz", web, 60)
            and _wait_until_up(f"http://127.0.0.1:{settings.review_port}/healthz", review, 60)
        )
        if not up:
            if stopping:
                return 0
            failed = [c.name for c in supervisor.children if c.process and c.process.poll()]
            print(f"The assistant did not start ({', '.join(failed)}).", file=sys.stderr)
            return 1
        print(
            "\nThe assistant is running.\n"
            f"  REST:   curl -s http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook "
            '-d \'{"sender": "me", "message": "Hallo"}\'\n'
            f"  Web:    http://localhost:{settings.web_port}/ (demo pages with the chat)\n"
            f"  Review: http://localhost:{settings.review_port}/ (staff; accounts: "
            "python -m assistant.cli users add NAME --role admin)\n"
            "  Stop:   Ctrl-C\n",
            flush=True,
        )
        next_purge = 0.0
        while not stopping:
            supervisor.poll()
            if time.monotonic() >= next_purge:
                purge_and_log(store, settings.retention_days)
                next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            time.sleep(0.5)
    finally:
        supervisor.stop()
    return 0


def purge_command(settings: Settings, endpoints: Path) -> int:
    """Purge once (for cron); print one line of counts, never a conversation's content."""
    try:
        report = purge(tracker_store_url(endpoints), settings.retention_days)
    except StorageError as exc:
        print(f"Retention purge failed: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        print(f"Retention purge failed: {type(exc).__name__}: {first}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="berlin-assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check-data", help="validate the knowledge files")
    run = sub.add_parser(
        "serve", help="run the action server, the Rasa server, the web app and the review console"
    )
    run.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "assistant.tar.gz")
    run.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    run.add_argument("--credentials", type=Path, default=PROJECT_ROOT / "credentials.yml")
    sub.add_parser("telegram", help="Telegram in polling mode, beside `serve` (docs/telegram.md)")
    cron = sub.add_parser(
        "purge", help="delete conversations older than ASSISTANT_RETENTION_DAYS (for cron)"
    )
    cron.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    users = sub.add_parser("users", help="accounts of the review console")
    users.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    review_users.add_arguments(users)
    args = parser.parse_args(argv)
    settings = settings_for_command()
    if args.command == "check-data":
        return check_data(settings)
    if args.command == "users":
        return review_users.run(args, args.endpoints)
    if args.command == "telegram":
        from assistant.channels.telegram import run_polling  # PTB only when needed

        return run_polling(settings)
    if args.command == "purge":
        return purge_command(settings, args.endpoints)
    return serve(settings, args.model, args.endpoints, args.credentials)


if __name__ == "__main__":
    sys.exit(main())
