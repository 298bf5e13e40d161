"""Command-line entry points: check the knowledge files, serve the whole assistant, purge old
conversations, manage the review console's accounts."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from assistant import production
from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.ports import port_in_use, port_taken_message, taken_port
from assistant.retention import purge, purge_and_log
from assistant.review import users as review_users
from assistant.settings import PROJECT_ROOT, Settings, settings_for_command
from assistant.storage import StorageError, sqlite_path, tracker_store_url
from assistant.supervisor import Child, Supervisor

logger = logging.getLogger(__name__)

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


def _backend_port_problem(settings: Settings) -> str | None:
    for port in production.backend_ports(settings):
        if port_in_use(port):
            return port_taken_message(port, "Rasa server", "ASSISTANT_RASA_BACKEND_PORT")
    return None


def serve(settings: Settings, model: Path, endpoints: Path, credentials: Path) -> int:
    """Run the action server, the Rasa server(s), the widget's web app and the review console
    until Ctrl-C; stop all.

    In the production profile (`settings.profile`) several Rasa servers share PostgreSQL and
    Redis (`endpoints`, normally endpoints.production.yml) behind nginx (assistant.production).
    """
    if check_data(settings) != 0:
        return 1
    producing = settings.profile == "production"
    problem = taken_port(settings) or (_backend_port_problem(settings) if producing else None)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if not model.exists():
        print(f"No trained model at {model}; run `make train` first.", file=sys.stderr)
        return 1
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "ASSISTANT_PROFILE": settings.profile}
    if producing:
        # The variables endpoints.production.yml names, for the Rasa servers and for reading
        # the file here.
        env.update(settings.production_environment())
        os.environ.update(settings.production_environment())
        problem = production.prepare_services(settings, endpoints)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    try:
        # The purge works on exactly the database the Rasa servers use (SQLite or PostgreSQL).
        store = tracker_store_url(endpoints)
    except StorageError as exc:
        print(exc, file=sys.stderr)
        return 1
    db_file = sqlite_path(store)
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
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
    rasa_command = [
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
        "--interface",
        "127.0.0.1",
        "--cors",
        *settings.cors_origins,
    ]
    # Sanic's cap on any request body (default 100 MB) for the routes that are not ours
    # (ours stop at a few KB, assistant/channels/payload.py).
    rasa_env = {**env, "SANIC_REQUEST_MAX_SIZE": str(1024 * 1024)}
    if producing:
        balancer = production.nginx_child(settings, env)
        if isinstance(balancer, str):
            print(balancer, file=sys.stderr)
            return 1
        rasa_servers = production.rasa_children(settings, rasa_command, rasa_env)
        front: list[Child] = [*rasa_servers, balancer]
    else:
        rasa_servers = [
            Child(
                "Rasa server",
                [*rasa_command, "--port", str(settings.rasa_port)],
                PROJECT_ROOT,
                rasa_env,
            )
        ]
        front = rasa_servers
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
    supervisor = Supervisor([actions, *front, web, review])
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
            and all(
                _wait_until_up(f"http://127.0.0.1:{port}/", rasa, 300)
                for port, rasa in zip(_listening_ports(settings), rasa_servers, strict=True)
            )
            and _wait_until_up(f"http://127.0.0.1:{settings.rasa_port}/", front[-1], 60)
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


def _service_defaults(settings: Settings) -> None:
    """Fill the variables endpoints.production.yml names from the settings, where not set."""
    for key, value in settings.production_environment().items():
        os.environ.setdefault(key, value)


def purge_command(settings: Settings, endpoints: Path, full: bool = False) -> int:
    """Purge once (for cron); print one line of counts, never a conversation's content."""
    _service_defaults(settings)
    try:
        report = purge(tracker_store_url(endpoints), settings.retention_days, full=full)
    except StorageError as exc:
        print(f"Retention purge failed: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
        print(f"Retention purge failed: {type(exc).__name__}: {first}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _listening_ports(settings: Settings) -> list[int]:
    if settings.profile == "production":
        return production.backend_ports(settings)
    return [settings.rasa_port]


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m assistant.cli` (also checked against deploy/compose.yml)."""
    parser = argparse.ArgumentParser(prog="berlin-assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check-data", help="validate the knowledge files")
    run = sub.add_parser(
        "serve", help="run the action server, the Rasa server, the web app and the review console"
    )
    run.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "assistant.tar.gz")
    run.add_argument(
        "--endpoints",
        type=Path,
        help="default endpoints.yml, or endpoints.production.yml in the production profile",
    )
    run.add_argument(
        "--profile",
        choices=["embedded", "production"],
        help="default ASSISTANT_PROFILE, else embedded",
    )
    run.add_argument("--credentials", type=Path, default=PROJECT_ROOT / "credentials.yml")
    telegram = sub.add_parser(
        "telegram", help="Telegram in polling mode, beside `serve` (docs/telegram.md)"
    )
    telegram.add_argument(
        "--endpoints",
        type=Path,
        help="the Rasa server's (as for serve): its tracker database remembers the answered "
        "updates; default endpoints.yml (the production profile keeps them in Redis)",
    )
    telegram.add_argument(
        "--profile",
        choices=["embedded", "production"],
        help="default ASSISTANT_PROFILE, else embedded",
    )
    cron = sub.add_parser(
        "purge", help="delete conversations older than ASSISTANT_RETENTION_DAYS (for cron)"
    )
    cron.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    cron.add_argument(
        "--full",
        action="store_true",
        help="PostgreSQL: VACUUM FULL, rewriting the files without deleted rows (tables locked "
        "meanwhile: for a maintenance window)",
    )
    users = sub.add_parser("users", help="accounts of the review console")
    users.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    review_users.add_arguments(users)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_for_command()
    if args.command == "check-data":
        return check_data(settings)
    if args.command == "users":
        _service_defaults(settings)
        return review_users.run(args, args.endpoints)
    if args.command == "purge":
        return purge_command(settings, args.endpoints, args.full)
    if args.profile:
        settings = dataclasses.replace(settings, profile=args.profile)
    endpoints = args.endpoints or (
        production.ENDPOINTS if settings.profile == "production" else PROJECT_ROOT / "endpoints.yml"
    )
    if args.command == "telegram":
        from assistant.channels.telegram import run_polling  # PTB only when needed

        return run_polling(settings, endpoints)
    return serve(settings, args.model, endpoints, args.credentials)


if __name__ == "__main__":
    sys.exit(main())
