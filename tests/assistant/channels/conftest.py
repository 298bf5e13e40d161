"""An in-process Sanic server on loopback for a channel's blueprint, as Rasa registers it."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sanic import Blueprint, Sanic

_app_names = itertools.count()
# channel_server(blueprint, url_prefix, agent) -> base URL of the blueprint's routes
ChannelServer = Callable[[Blueprint, str, Any], Awaitable[str]]


@pytest.fixture
async def channel_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ChannelServer]:
    """Starts a channel blueprint on 127.0.0.1 with `agent` where Rasa keeps it (`app.ctx`)."""
    # Sanic 21.12 rewrites some of its methods when the first app starts; without test mode a
    # second app in the same process fails with KeyError: 'send'.
    monkeypatch.setattr(Sanic, "test_mode", True)
    running: list[Any] = []

    async def start(blueprint: Blueprint, url_prefix: str, agent: Any = None) -> str:
        app = Sanic(f"channel_test_{next(_app_names)}", configure_logging=False)
        app.ctx.agent = agent
        app.blueprint(blueprint, url_prefix=url_prefix)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))  # a free port; Sanic takes port=0 for its default 8000
        server = await app.create_server(sock=sock, return_asyncio_server=True)
        assert server is not None
        await server.startup()
        await server.after_start()
        running.append(server)
        return f"http://127.0.0.1:{server.server.sockets[0].getsockname()[1]}{url_prefix}"

    yield start
    for server in running:
        await server.before_stop()
        await server.close()
        await server.after_stop()
