"""The running stack under hostile input: oversize bodies are refused at once, and one visitor's
huge message does not hold up the others."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.channels.apology import APOLOGY
from assistant.lang import Lang
from tests.stack import Stack, assert_language, sqlite_write_locked, widget_timeout_seconds
from tests.test_stack import new_sender

HUGE = "Wien " * 20_000  # 100 KB: took the stock REST channel 52 s (issue 10)


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["rest", "webchat"])
def test_a_100_kb_message_gets_413_while_others_are_answered(stack: Stack, channel: str) -> None:
    answered: list[int] = []

    def other_visitor() -> None:
        reply = httpx.post(
            f"{stack.url}/webhooks/rest/webhook",
            json={"sender": new_sender(), "message": "Hallo"},
            timeout=30,
        )
        answered.append(reply.status_code)

    other = threading.Thread(target=other_visitor)
    other.start()
    response = httpx.post(
        f"{stack.url}/webhooks/{channel}/webhook",
        json={"sender": new_sender(), "message": HUGE},
        timeout=10,
    )
    other.join(30)
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert answered == [200]


@pytest.mark.slow
def test_a_message_at_the_length_limit_full_of_place_names_is_answered(stack: Stack) -> None:
    text = ("Wien " * 200).strip()  # 999 characters, 200 matches
    response = httpx.post(
        f"{stack.url}/webhooks/rest/webhook",
        json={"sender": new_sender(), "message": text},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()


def _listening_addresses(port: int) -> set[str]:
    """The local addresses listening on `port` (IPv4 and IPv6), read from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


@pytest.mark.slow
def test_every_server_listens_on_loopback_only(stack: Stack) -> None:
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    for port in (stack.action_port, stack.rasa_port, stack.web_port):
        addresses = _listening_addresses(port)
        assert addresses, f"nothing listens on {port}"
        assert addresses <= loopback, f"port {port} listens on {addresses}"


@pytest.mark.slow
def test_other_rasa_routes_stop_reading_a_body_after_a_megabyte(stack: Stack) -> None:
    # Sanic reads (and drops) the body of any request up to REQUEST_MAX_SIZE, 100 MB by default.
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(10_000):  # 10 MB
            sent += 1
            yield b"x" * 1024

    try:
        response = httpx.post(f"{stack.url}/", content=chunks(), timeout=30)
    except (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError):
        pass  # closed by the server once the cap was passed
    else:
        assert response.status_code in (405, 413)
    assert sent < 10_000


def _child_pid(parent: int, module: str) -> int:
    """The pid of `parent`'s child process whose command line names `module`."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(fields[1]) == parent and module.encode() in cmdline:
            return int(stat.parent.name)
    raise AssertionError(f"no child process runs {module}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _rest(stack: Stack, sender: str, text: str) -> list[str]:
    response = httpx.post(
        f"{stack.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=60,
    )
    assert response.status_code == 200
    return [m.get("text", "") for m in response.json()]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "question"), [("de", "Welche Partnerstädte hat Berlin?")])
def test_a_killed_action_server_gets_an_apology_then_comes_back(
    stack: Stack, lang: Lang, question: str
) -> None:
    assert stack.process is not None
    contact = stack.knowledge().contact
    pid = _child_pid(stack.process.pid, "assistant.actionserver")
    os.kill(pid, signal.SIGKILL)
    health = f"http://127.0.0.1:{stack.action_port}/health"
    with pytest.raises(httpx.TransportError):
        httpx.get(health, timeout=5)
    # The supervisor restarts it after a second or more; until then the visitor gets the apology.
    down = "\n\n".join(_rest(stack, new_sender(), question))
    assert down.startswith(APOLOGY[lang])
    assert contact.phone in down and contact.web(lang) in down
    deadline = time.monotonic() + 60
    while not _answers(health):  # a readiness poll, as serve itself waits for its children
        assert time.monotonic() < deadline, "no restart:\n" + stack.tail()
        time.sleep(0.25)
    assert _child_pid(stack.process.pid, "assistant.actionserver") != pid
    answer = "\n\n".join(_rest(stack, new_sender(), question))
    assert not answer.startswith(APOLOGY[lang])
    assert str(len(stack.knowledge().partner_cities)) in answer
    assert "restarting it in" in stack.tail(20_000)


def sqlite_events(path: Path, sender: str) -> list[dict[str, object]]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT id, type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    finally:
        connection.close()
    return [{"id": i, "type": t, **json.loads(d)} for i, t, d in rows]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "questions"),
    [
        (
            "de",
            [
                "Seit wann ist Tokio Partnerstadt?",
                "Ist Wien Partnerstadt?",
                "Welche Partnerstädte liegen in Asien?",
            ],
        ),
        (
            "en",
            [
                "Since when is Tokyo a partner city?",
                "Is Vienna a partner city?",
                "Which partner cities are in Asia?",
            ],
        ),
    ],
)
def test_a_locked_sqlite_store_gets_the_apology_before_the_widget_gives_up(
    stack: Stack, lang: Lang, questions: list[str]
) -> None:
    sender = new_sender()
    first, during, later = questions
    webchat = f"{stack.url}/webhooks/webchat/webhook"

    def say(text: str) -> list[dict[str, str]]:
        reply = httpx.post(
            webchat,
            json={"sender": sender, "message": text, "metadata": {"language": lang}},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        messages: list[dict[str, str]] = reply.json()["messages"]
        assert messages and all(m.get("text") for m in messages), reply.text
        return messages

    say(first)
    before = sqlite_events(stack.db, sender)
    with sqlite_write_locked(stack.db):
        started = time.monotonic()
        apology = say(during)
        waited = time.monotonic() - started
    assert apology[0]["text"].startswith(APOLOGY[lang]), apology
    assert apology[0].get("lang") == lang
    assert waited < widget_timeout_seconds(), f"the widget had given up after {waited:.1f} s"
    answer = "\n\n".join(m["text"] for m in say(later))
    assert not answer.startswith(APOLOGY[lang])
    assert_language(answer, lang)
    after = sqlite_events(stack.db, sender)
    assert after[: len(before)] == before
    assert [e["text"] for e in after if e["type"] == "user"] == [first, later]
    assert len({e["id"] for e in after}) == len(after)


def _longest_answer_question(stack: Stack) -> str:
    """The question with the longest single answer of the knowledge (assistant/channels/
    webchat.py says how it was found): who signed the partnership with each partner city."""
    names = [city.name("de") for city in stack.knowledge().partner_cities]
    return f"Wer hat die Partnerschaften mit {', '.join(names[:-1])} und {names[-1]} unterzeichnet?"


@pytest.mark.slow
def test_the_longest_answer_can_be_rated_and_oversize_feedback_gets_413(stack: Stack) -> None:
    sender = new_sender()
    reply = httpx.post(
        f"{stack.url}/webhooks/webchat/webhook",
        json={"sender": sender, "message": _longest_answer_question(stack)},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    longest = max((m["text"] for m in reply.json()["messages"]), key=len)
    assert len(longest) > 5000, "not the longest answer any more: measure again"
    feedback = f"{stack.url}/webhooks/webchat/feedback"
    rated = httpx.post(
        feedback, json={"sender": sender, "rating": "up", "message": longest}, timeout=30
    )
    assert rated.status_code == 201, rated.text
    slots = [e for e in sqlite_events(stack.db, sender) if e["type"] == "slot"]
    stored = [e["value"] for e in slots if e.get("name") == "feedback"]
    assert [(f["rating"], f["message"]) for f in stored] == [("up", longest)]  # type: ignore[index]

    too_long = httpx.post(
        feedback, json={"sender": sender, "rating": "down", "message": "x" * 10_001}, timeout=30
    )
    assert too_long.status_code == 413
    assert "longer than 10000 characters" in too_long.json()["error"]
    too_large = httpx.post(
        feedback,
        json={"sender": sender, "rating": "down", "message": longest * 3},
        timeout=30,
    )
    assert too_large.status_code == 413
    assert "larger than" in too_large.json()["error"]
    after = [e for e in sqlite_events(stack.db, sender) if e.get("name") == "feedback"]
    assert len(after) == 1  # neither refused rating was stored


@pytest.mark.slow
def test_a_rating_that_cannot_be_stored_gets_503_and_can_be_sent_again(stack: Stack) -> None:
    sender = new_sender()
    reply = httpx.post(
        f"{stack.url}/webhooks/webchat/webhook",
        json={"sender": sender, "message": "Is Vienna a partner city?"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    text = reply.json()["messages"][0]["text"]
    rating = {"sender": sender, "rating": "down", "message": text}
    feedback = f"{stack.url}/webhooks/webchat/feedback"
    with sqlite_write_locked(stack.db):
        refused = httpx.post(feedback, json=rating, timeout=60)
    assert refused.status_code == 503
    assert "cannot be stored" in refused.json()["error"]
    assert httpx.post(feedback, json=rating, timeout=30).status_code == 201
    stored = [e for e in sqlite_events(stack.db, sender) if e.get("name") == "feedback"]
    assert len(stored) == 1
