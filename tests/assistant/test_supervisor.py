"""The supervisor with stand-in children (tiny Python processes) on a clock driven by hand."""

from __future__ import annotations

import logging
import sys

import pytest

from assistant.supervisor import Child, Supervisor

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _exited(child: Child) -> None:
    assert child.process is not None
    child.process.wait(timeout=30)


def test_a_crashing_child_is_restarted_with_growing_delays(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    crasher = Child("action server", CRASH)
    supervisor = Supervisor([crasher], min_delay=1, max_delay=8, clock=clock)
    supervisor.start()
    delays = []
    for _ in range(5):
        _exited(crasher)
        supervisor.poll()  # notices the exit
        assert crasher.process is None and crasher.restart_at is not None
        delays.append(crasher.restart_at - clock.now)
        clock.now += delays[-1] - 0.5
        supervisor.poll()  # too early: nothing starts
        assert crasher.process is None
        clock.now += 0.5
        supervisor.poll()  # starts it again
        assert crasher.process is not None
    supervisor.stop()
    assert delays == [1, 2, 4, 8, 8]
    assert crasher.starts == 6
    assert "action server exited with code 3; restarting it in 8 s" in caplog.text
    assert caplog.text.count("restarting the action server") == 5


def test_running_children_are_left_alone_and_stopped_at_the_end() -> None:
    clock = Clock()
    sleeper, crasher = Child("web app", SLEEP), Child("action server", CRASH)
    supervisor = Supervisor([sleeper, crasher], clock=clock)
    supervisor.start()
    _exited(crasher)
    supervisor.poll()
    assert sleeper.process is not None and sleeper.process.poll() is None
    assert sleeper.starts == 1
    process = sleeper.process
    supervisor.stop(timeout=10)
    assert process.returncode is not None
    clock.now += 3600
    supervisor.poll()  # a stopped supervisor restarts nothing
    assert crasher.process is None and crasher.starts == 1


def test_a_crash_after_a_stable_run_restarts_at_the_shortest_delay() -> None:
    clock = Clock()
    child = Child("Rasa server", SLEEP)
    supervisor = Supervisor([child], min_delay=1, max_delay=60, stable_after=60, clock=clock)
    supervisor.start()
    for expected in (1, 2, 4):  # killed at once: crashes in a row
        assert child.process is not None
        child.process.kill()
        _exited(child)
        supervisor.poll()
        assert child.restart_at is not None
        assert child.restart_at - clock.now == expected
        clock.now = child.restart_at
        supervisor.poll()
    clock.now += 120  # then it runs for two minutes
    assert child.process is not None
    child.process.kill()
    _exited(child)
    supervisor.poll()
    assert child.restart_at is not None and child.restart_at - clock.now == 1
    supervisor.stop()
