"""Keeps `serve`'s child processes running: a crashed child is restarted with exponential backoff.

Without it, a killed action server left the Rasa server answering every message with nothing,
and a moment later `make run` stopped all three processes. A child that keeps crashing is
restarted after 1, 2, 4 ... seconds (at most `max_delay`); one that ran for `stable_after`
seconds starts again at the shortest delay. Every exit and restart is logged.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


@dataclass
class Child:
    """One supervised process.

    Attributes:
        name (str): how the logs call it ("action server").
        command (Sequence[str]): the command line.
        cwd (Path | None): working directory.
        env (Mapping[str, str] | None): environment; None inherits ours.
        process (subprocess.Popen | None): the running process, if any.
        starts (int): how often it was started.
        crashes (int): exits in a row without a stable run in between.
        restart_at (float | None): when it is started again after an exit (clock time).
    """

    name: str
    command: Sequence[str]
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0
    crashes: int = 0
    restart_at: float | None = None
    _started_at: float = 0.0


class Supervisor:
    """Starts children, restarts the ones that exit, and stops them all.

    Call `poll()` regularly (``serve`` does every half second).

    Args:
        children (list[Child]): the processes, started in this order.
        min_delay (float): seconds before the first restart after a crash.
        max_delay (float): the longest wait between restarts.
        stable_after (float): seconds of running after which a crash counts as the first.
        clock (Clock): monotonic seconds (tests drive one by hand).
    """

    def __init__(
        self,
        children: list[Child],
        *,
        min_delay: float = 1.0,
        max_delay: float = 60.0,
        stable_after: float = 60.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.children = children
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.clock = clock

    def start(self) -> None:
        """Start every child that is not running."""
        for child in self.children:
            if child.process is None or child.process.poll() is not None:
                self._spawn(child)

    def poll(self) -> None:
        """Notice children that exited and start the ones whose wait is over."""
        now = self.clock()
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is not None:
                child.process = None
                if now - child._started_at >= self.stable_after:
                    child.crashes = 0
                delay = min(self.max_delay, self.min_delay * 2**child.crashes)
                child.crashes += 1
                child.restart_at = now + delay
                logger.error(
                    "%s exited with code %s; restarting it in %.0f s (crash %d in a row)",
                    child.name,
                    process.returncode,
                    delay,
                    child.crashes,
                )
            if child.process is None and child.restart_at is not None and now >= child.restart_at:
                logger.warning("restarting the %s", child.name)
                self._spawn(child)

    def terminate(self) -> None:
        """Send SIGTERM to every running child and restart none of them; returns at once."""
        for child in self.children:
            child.restart_at = None
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every running child, then SIGKILL those still running after `timeout`."""
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        self.terminate()
        for process in running:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(
            list(child.command), cwd=child.cwd, env=None if child.env is None else dict(child.env)
        )
        child.starts += 1
        child.restart_at = None
        child._started_at = self.clock()
