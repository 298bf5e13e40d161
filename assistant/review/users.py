"""`python -m assistant.cli users ...`: the console's accounts from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from assistant.review import open_database
from assistant.review.accounts import (
    ROLES,
    AccountError,
    add_user,
    end_sessions,
    get_user,
    list_users,
    remove_user,
    reset_password,
    set_role,
)
from assistant.review.schema import create_schema


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `users` subcommands."""
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create an account (password from a prompt or stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    sub.add_parser("list", help="list the accounts")
    remove = sub.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    reset = sub.add_parser(
        "reset-password", help="set a new password (prompt or stdin); ends the sessions"
    )
    reset.add_argument("name")
    role = sub.add_parser("set-role", help="give an account another role; ends its sessions")
    role.add_argument("name")
    role.add_argument("--role", choices=ROLES, required=True)
    sign_out = sub.add_parser("sign-out", help="end every session of an account")
    sign_out.add_argument("name")


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != first:
            raise AccountError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def run(args: argparse.Namespace, endpoints: Path) -> int:
    """Carry out one `users` subcommand; errors are one line on stderr and exit code 1."""
    engine = open_database(endpoints)
    create_schema(engine)
    try:
        if args.action == "list":
            with engine.connect() as conn:
                for user in list_users(conn):
                    print(f"{user.name}\t{user.role}")
            return 0
        if args.action == "remove":
            with engine.begin() as conn:
                remove_user(conn, args.name)
            print(f"Removed {args.name}.")
            return 0
        if args.action == "set-role":
            with engine.begin() as conn:
                set_role(conn, args.name, args.role)
            print(f"{args.name} is now {args.role}; their sessions have ended.")
            return 0
        if args.action == "sign-out":
            with engine.begin() as conn:
                if get_user(conn, args.name) is None:
                    raise AccountError(f"there is no user {args.name!r}")
                ended = end_sessions(conn, args.name)
            print(f"Ended the sessions of {args.name} ({ended}).")
            return 0
        password = _password()
        with engine.begin() as conn:
            if args.action == "add":
                add_user(conn, args.name, args.role, password)
                print(f"Added {args.name} ({args.role}).")
            else:
                reset_password(conn, args.name, password)
                print(f"New password set for {args.name}; their sessions have ended.")
        return 0
    except AccountError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
