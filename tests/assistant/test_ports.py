"""A taken port stops `serve` (and the web app) with one line naming port and variable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ports import SERVERS, port_in_use, taken_port
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def listening() -> Iterator[int]:
    """A port some other process would hold: bound and listening on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_port_in_use_tells_a_listening_port_from_a_free_one(listening: int) -> None:
    assert port_in_use(listening)
    assert not port_in_use(free_port())


@pytest.mark.parametrize("attribute", list(SERVERS))
def test_taken_port_names_the_port_its_server_and_variable(listening: int, attribute: str) -> None:
    ports = {name: free_port() for name in SERVERS} | {attribute: listening}
    message = taken_port(Settings(**ports))
    server, variable, _ = SERVERS[attribute]
    assert message is not None
    assert f"Port {listening} ({server})" in message and f"{variable}=" in message
    ports[attribute] = free_port()
    assert taken_port(Settings(**ports)) is None


def _run(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ASSISTANT_ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        (["assistant.cli", "serve"], "ASSISTANT_RASA_PORT"),
        (["assistant.cli", "serve"], "ASSISTANT_WEB_PORT"),
        (["assistant.web"], "ASSISTANT_WEB_PORT"),
    ],
)
def test_a_taken_port_stops_the_command_with_one_line(
    listening: int, tmp_path: Path, command: list[str], variable: str
) -> None:
    ports = {v: str(free_port()) for _, v, _ in SERVERS.values()} | {variable: str(listening)}
    done = _run(command, tmp_path, **ports)
    assert done.returncode == 1
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith(f"Port {listening} (") and f"{variable}=<port>" in line
    assert "Traceback" not in done.stdout + done.stderr
