"""The local ports of the assistant's servers: which variable moves each, and a check
that they are free before anything starts (one clear line instead of a server's traceback)."""

from __future__ import annotations

import socket

from assistant.settings import Settings

# Server name, the variable that moves it and where else the port is written, per Settings
# attribute.
SERVERS = {
    "action_port": ("action server", "ASSISTANT_ACTION_PORT", "action_endpoint in endpoints.yml"),
    "rasa_port": ("Rasa server", "ASSISTANT_RASA_PORT", None),
    "web_port": ("web app", "ASSISTANT_WEB_PORT", None),
    "review_port": ("review console", "ASSISTANT_REVIEW_PORT", None),
}


def port_in_use(port: int) -> bool:
    """Whether some process listens on `port` (any IPv4 interface, as the servers bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers do: a port left in TIME_WAIT is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))  # noqa: S104 (only a probe, closed at once)
        except OSError:
            return True
    return False


def port_taken_message(port: int, server: str, variable: str, also: str | None = None) -> str:
    """One line that names the port, its server and the variable that moves it."""
    where = f" and in {also}" if also else ""
    return (
        f"Port {port} ({server}) is already in use: stop what uses it, or choose another port "
        f"with {variable}=<port> (in the environment or .env){where}."
    )


def taken_port(settings: Settings, servers: tuple[str, ...] = tuple(SERVERS)) -> str | None:
    """The message for the first port of `servers` that is in use, or None when all are free.

    Args:
        settings: the ports to check.
        servers: Settings attributes of the ports, default all four.
    """
    for attribute in servers:
        port = int(getattr(settings, attribute))
        if port_in_use(port):
            return port_taken_message(port, *SERVERS[attribute])
    return None
