"""The console over conversations held through the real Rasa server: every filter alone and
combined, the transcript, review work, and the exports (the NLU YAML passes `rasa data
validate` in a copy of the project's data)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from assistant.review.filters import Filters
from tests.assistant.review.conftest import PASSWORD, Console, ConsoleFactory
from tests.assistant.review.test_security import FIELDS, HOSTILE
from tests.assistant.review.visitors import CONVERSATIONS, SCRIPT, SQL
from tests.stack import ROOT

pytestmark = pytest.mark.slow
Store = tuple[Path, dict[str, str]]


async def listed(console: Console, **filters: str) -> set[str]:
    """The conversations the JSON Lines export of the filtered list holds."""
    response = await console.client.get("/export/conversations.jsonl", params=filters)
    body = await response.text()
    assert response.status == 200, body
    # The page shows the same set: its count matches.
    page = await console.text("/conversations?" + Filters.from_query(filters).query_string())
    rows = [json.loads(line) for line in body.splitlines()]
    assert f">{len(rows)} " in page
    return {row["conversation"] for row in rows}


def raw_user_events(db: Path) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT sender_id, data FROM events WHERE type_name = 'user'")
        return [(sender, json.loads(data)) for sender, data in rows]


def names(senders: dict[str, str], found: set[str]) -> set[str]:
    by_id = {v: k for k, v in senders.items()}
    return {by_id[s] for s in found}


async def test_every_filter_alone(console_for: ConsoleFactory, store: Store) -> None:
    db, senders = store
    console = await console_for(db=db)
    assert names(senders, await listed(console)) == set(CONVERSATIONS)
    for channel in ("web", "telegram", "rest"):
        assert names(senders, await listed(console, channel=channel)) == {
            n for n, c in CONVERSATIONS.items() if c[0] == channel
        }
    for lang in ("de", "en"):
        assert names(senders, await listed(console, language=lang)) == {
            n for n, c in CONVERSATIONS.items() if c[1] == lang
        }
    assert names(senders, await listed(console, thumbs_down="1")) == {"web_de"}
    # Intent and confidence: expected from Rasa's own parse data in the events.
    events = raw_user_events(db)
    by_id = {v: k for k, v in senders.items()}
    intents = {e["parse_data"]["intent"]["name"] for _, e in events}
    for intent in intents:
        expected = {by_id[s] for s, e in events if e["parse_data"]["intent"]["name"] == intent}
        assert names(senders, await listed(console, intent=intent)) == expected, intent
    uncertain = {
        by_id[s]
        for s, e in events
        if e["parse_data"]["intent"]["name"] == "nlu_fallback"
        or e["parse_data"]["intent"]["confidence"] < 0.5
    }
    assert "rest_en" in uncertain  # "blorf zzz qqq"
    assert names(senders, await listed(console, uncertain="1")) == uncertain
    # Word starts, umlauts folded: "partnerstadt" also finds "Partnerstädte".
    assert names(senders, await listed(console, q="partnerstadt")) == {
        "web_de",
        "telegram_de",
        "rest_de",
    }
    assert names(senders, await listed(console, q="paris")) == {"web_de"}
    assert names(senders, await listed(console, q="Partnerstädte")) == {"web_de", "rest_de"}
    assert names(senders, await listed(console, q="DROP TABLE")) == {"rest_en"}
    assert await listed(console, q="nowhere-to-be-found") == set()
    today = __import__("datetime").date.today()
    assert names(senders, await listed(console, date_from=str(today))) == set(CONVERSATIONS)
    assert await listed(console, date_to=str(today.replace(year=today.year - 1))) == set()
    # Tag and status after review work.
    await console.post("/conversation/tag", id=senders["telegram_en"], tag="visits")
    await console.post("/conversation/status", id=senders["rest_de"], status="needs_work")
    assert names(senders, await listed(console, tag="visits")) == {"telegram_en"}
    assert names(senders, await listed(console, status="needs_work")) == {"rest_de"}
    assert "rest_de" not in names(senders, await listed(console, status="new"))


async def test_filters_combine(console_for: ConsoleFactory, store: Store) -> None:
    db, senders = store
    console = await console_for(db=db)
    assert names(senders, await listed(console, channel="web", language="de")) == {"web_de"}
    assert names(senders, await listed(console, language="en", channel="telegram")) == {
        "telegram_en"
    }
    assert await listed(console, thumbs_down="1", language="en") == set()
    await console.post("/conversation/tag", id=senders["web_de"], tag="faq")
    await console.post("/conversation/tag", id=senders["web_en"], tag="faq")
    assert names(senders, await listed(console, tag="faq", thumbs_down="1", language="de")) == {
        "web_de"
    }
    assert names(senders, await listed(console, tag="faq", q="Vienna", channel="web")) == {"web_en"}


async def test_filter_mistakes_get_a_clear_400(console_for: ConsoleFactory, store: Store) -> None:
    console = await console_for(db=store[0])
    html = await console.text("/conversations?channel=fax", status=400)
    assert "channel" in html and "web, telegram, rest" in html
    await console.text("/conversations?date_from=2026-13-45", status=400)
    response = await console.client.get("/export/conversations.csv?language=fr")
    assert response.status == 400


def words_of(text: str) -> list[str]:
    """Words as the full-text index splits and folds them (letters and digits; no accents)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.findall(r"[^\W_]+", "".join(c for c in folded if not unicodedata.combining(c)))


def found_by_search(db: Path, q: str) -> set[str]:
    """The conversations with a visitor message that has every word of `q` as a word start."""
    wanted = words_of(q)
    found = set()
    for sender, event in raw_user_events(db):
        have = words_of(event.get("text") or "")
        if wanted and all(any(h.startswith(w) for h in have) for w in wanted):
            found.add(sender)
    return found


def counts(db: Path) -> tuple[int, int, str]:
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        users = conn.execute("SELECT count(*), group_concat(password_hash) FROM console_users")
        number, hashes = users.fetchone()
    return events, number, hashes


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_filter_values_over_real_conversations_are_only_text(
    console_for: ConsoleFactory, store: Store, value: str
) -> None:
    db, senders = store
    console = await console_for(db=db)
    everyone = await listed(console)
    before = counts(db)
    expected: dict[str, set[str] | None] = {
        "q": found_by_search(db, value),
        "tag": set(),
        "intent": set(),
        "page": everyone,  # not a page number: the first page
        **dict.fromkeys(["channel", "language", "status", "date_from", "date_to"]),  # 400
    }
    assert set(expected) == set(FIELDS)
    for field in FIELDS:
        response = await console.client.get("/export/conversations.jsonl", params={field: value})
        body = await response.text()
        want = expected[field]
        if want is None:
            assert response.status == 400, (field, body)
        else:
            assert response.status == 200, (field, body)
            assert {json.loads(line)["conversation"] for line in body.splitlines()} == want, field
        page = await console.client.get("/conversations", params={field: value})
        html = await page.text()
        assert page.status == (400 if want is None else 200), (field, html[:300])
        assert "<script>alert(1)</script>" not in html and "$argon2" not in html
        if want is not None and field != "page":
            assert set(rows_of(html)) == want, field
    # Together with real filters, and the visitor's own SQL found as words.
    combined = await console.client.get(
        "/export/conversations.csv", params={"q": value, "language": "en", "channel": "rest"}
    )
    assert combined.status == 200
    assert names(senders, await listed(console, q=SQL)) == {"rest_en"}
    assert counts(db) == before  # nothing was changed, dropped or read out
    assert await listed(console) == everyone


def rows_of(html: str) -> list[str]:
    return re.findall(r'href="/conversation\?id=([^"]+)"', html)


async def test_list_rows_show_first_question_language_channel_turns_and_markers(
    console_for: ConsoleFactory, store: Store
) -> None:
    db, senders = store
    console = await console_for(db=db, sign_in="reviewer")
    html = await console.text("/conversations?channel=web&language=de")
    assert "Welche Partnerstädte hat Berlin?" in html
    assert "Deutsch" in html or "German" in html
    assert "<td>2</td>" in html  # two visitor messages
    assert "thumbs down (1)" in html or "Daumen runter (1)" in html


async def test_transcript_shows_nlu_language_reasons_replies_actions_and_ratings(
    console_for: ConsoleFactory, store: Store
) -> None:
    db, senders = store
    console = await console_for(db=db)
    html = await console.text(f"/conversation?id={senders['web_de']}&lang=en")
    first, second = html.index("Welche Partnerstädte"), html.index("Ist Paris eine Partnerstadt?")
    assert first < second
    assert "list_partner_cities" in html and "confidence 0." in html
    assert "city: <bdi>paris</bdi>" in html
    assert "reason: " in html
    assert "action_answer" in html
    assert "Berlin hat 19 Partnerstädte" in html or "Partnerstädte" in html[first + 40 :]
    assert 'class="marker down"' in html


async def test_visitor_script_and_sql_are_shown_as_text(
    console_for: ConsoleFactory, store: Store
) -> None:
    db, senders = store
    console = await console_for(db=db)
    html = await console.text(f"/conversation?id={senders['rest_en']}")
    assert SCRIPT not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "DROP TABLE events" in html
    listing = await console.text("/conversations?channel=rest&language=en")
    assert SCRIPT not in listing and "&lt;script&gt;" in listing
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    assert SQL.split(";")[0]  # the message was stored and read back, the table is still there


async def test_tag_status_and_note_are_kept(console_for: ConsoleFactory, store: Store) -> None:
    db, senders = store
    console = await console_for(db=db)
    sender = senders["web_en"]
    assert (await console.post("/conversation/tag", id=sender, tag="vienna")).status == 302
    assert (await console.post("/conversation/status", id=sender, status="reviewed")).status == 302
    note = "Answer is right; <b>keep</b> it."
    assert (await console.post("/conversation/note", id=sender, body=note)).status == 302
    html = await console.text(f"/conversation?id={sender}&lang=en")
    assert "vienna" in html and "Review status: reviewed" in html
    assert "Answer is right; &lt;b&gt;keep&lt;/b&gt; it." in html
    assert (await console.post("/conversation/untag", id=sender, tag="vienna")).status == 302
    bad = await console.post("/conversation/tag", id=sender, tag="<x>")
    assert "error=error_tag" in bad.headers["Location"]
    assert (await console.post("/conversation/status", id=sender, status="done")).status == 302
    html = await console.text(f"/conversation?id={sender}&error=error_status&lang=en")
    assert "Unknown status." in html and 'class="tag">vienna' not in html


async def test_exports_csv_and_jsonl_hold_what_the_list_shows(
    console_for: ConsoleFactory, store: Store
) -> None:
    db, senders = store
    console = await console_for(db=db)
    response = await console.client.get("/export/conversations.csv", params={"language": "de"})
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert {r["conversation"] for r in rows} == {
        senders[n] for n, c in CONVERSATIONS.items() if c[1] == "de"
    }
    assert set(rows[0]) == {
        "conversation",
        "started",
        "channel",
        "language",
        "turns",
        "first_question",
        "uncertain",
        "fallbacks",
        "thumbs_up",
        "thumbs_down",
        "status",
        "tags",
    }
    lines = (await (await console.client.get("/export/conversations.jsonl")).text()).splitlines()
    assert len(lines) == len(CONVERSATIONS)


async def test_corrections_export_as_nlu_yaml_that_rasa_validates(
    console_for: ConsoleFactory, store: Store, tmp_path: Path
) -> None:
    db, senders = store
    console = await console_for(db=db)
    corrected = []
    for name, intent, city in (
        ("telegram_de", "ask_partner_since", "Tokio"),
        ("web_en", "ask_is_partner", "Vienna"),
        ("rest_en", "out_of_scope", None),  # the script and SQL message
    ):
        html = await console.text(f"/conversation?id={senders[name]}")
        event_id = html.split('name="event_id" value="')[1].split('"')[0]
        response = await console.post(
            "/conversation/correct",
            id=senders[name],
            event_id=event_id,
            intent=intent,
            city=city or "",
        )
        assert "saved=1" in response.headers["Location"], response.headers["Location"]
        corrected.append(intent)
    refused = await console.post(
        "/conversation/correct", id=senders["rest_en"], event_id=event_id, intent="no_such_intent"
    )
    assert "error=error_intent" in refused.headers["Location"]
    exported = await console.text("/export/nlu.yml")
    data = yaml.safe_load(exported)
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert "[Tokio](city)" in examples["ask_partner_since"]
    assert {block["metadata"]["lang"] for block in data["nlu"]} == {"de", "en"}
    # A clone of the project's data with the export added passes `rasa data validate`.
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "data", clone / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, clone / name)
    (clone / "data" / "nlu" / "review_corrections.yml").write_text(exported, encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "data", "validate", "--fail-on-warnings"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


async def test_conversation_exports_as_a_rasa_test_story(
    console_for: ConsoleFactory, store: Store
) -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    db, senders = store
    console = await console_for(db=db)
    story = await console.text(f"/conversation/story.yml?id={senders['web_de']}")
    steps = YAMLStoryReader(Domain.load(str(ROOT / "domain.yml"))).read_from_string(story)
    assert len(steps) == 1
    parsed = yaml.safe_load(story)["stories"][0]["steps"]
    assert parsed[0] == {
        "user": "Welche Partnerstädte hat Berlin?",
        "intent": "list_partner_cities",
    }
    assert parsed[1] == {"action": "action_answer"}


async def test_overview_draws_its_charts(console_for: ConsoleFactory, store: Store) -> None:
    db, senders = store
    console = await console_for(db=db)
    html = await console.text("/overview?lang=en")
    assert html.count("<svg") == 6
    assert f"{len(CONVERSATIONS)} conversations in the period" in html
    assert "Unanswered questions of the week" in html
    assert "blorf zzz qqq" in html  # a low-confidence question
    assert "Ist Paris eine Partnerstadt?" in html  # its answer was rated down


async def test_admin_erases_a_conversation_and_every_row_about_it(
    console_for: ConsoleFactory, store: Store
) -> None:
    db, senders = store
    admin = await console_for(db=db, sign_in="admin")
    sender = senders["web_de"]
    await admin.post("/conversation/tag", id=sender, tag="erase-me")
    await admin.post("/conversation/note", id=sender, body="visitor asked for erasure")
    await admin.text("/conversations")  # the index has the conversation
    kept = await admin.post("/conversation/delete", id=sender)  # not confirmed
    assert kept.status == 302
    response = await admin.post("/conversation/delete", id=sender, confirm="yes")
    assert response.status == 200
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in [t for t in tables if t == "events" or t.startswith("review_")]:
            left = conn.execute(f"SELECT count(*) FROM {table} WHERE sender_id = ?", (sender,))
            assert left.fetchone()[0] == 0, table
        search = conn.execute(
            "SELECT count(*) FROM fts_review_messages WHERE fts_review_messages MATCH 'welche'"
        )
        assert search.fetchone()[0] == 0
    await admin.text(f"/conversation?id={sender}", status=404)
    assert sender not in await listed(admin)


@pytest.fixture
def postgres_store(store: Store) -> Iterator[tuple[str, dict[str, str]]]:
    """The same conversations in a fresh PostgreSQL database (127.0.0.1:5432), as the
    production profile stores them; dropped afterwards."""
    import sqlalchemy as sa

    from assistant.review.schema import events

    db, senders = store
    name = f"review_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(
        "postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    engine = make_engine_url(url)
    with sqlite3.connect(db) as source, engine.begin() as target:
        rows = source.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
            "ORDER BY id"
        ).fetchall()
        keys = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
        target.execute(events.insert(), [dict(zip(keys, row, strict=True)) for row in rows])
    engine.dispose()
    yield url, senders
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    server.dispose()


def make_engine_url(url: str):  # type: ignore[no-untyped-def]
    from assistant.review import open_database
    from assistant.review.accounts import add_user
    from assistant.review.schema import create_schema

    engine = open_database(url=url)
    create_schema(engine)
    with engine.begin() as conn:
        add_user(conn, "reviewer", "reviewer", PASSWORD)
    return engine


async def test_the_console_works_the_same_on_postgresql(
    console_for: ConsoleFactory, postgres_store: tuple[str, dict[str, str]]
) -> None:
    url, senders = postgres_store
    console = await console_for(url=url)
    assert names(senders, await listed(console)) == set(CONVERSATIONS)
    assert names(senders, await listed(console, language="de", channel="web")) == {"web_de"}
    assert names(senders, await listed(console, channel="telegram")) == {
        "telegram_de",
        "telegram_en",
    }
    assert names(senders, await listed(console, thumbs_down="1")) == {"web_de"}
    assert names(senders, await listed(console, q="partnerstadt")) >= {"telegram_de"}
    assert names(senders, await listed(console, q="paris")) == {"web_de"}
    assert names(senders, await listed(console, q="DROP TABLE")) == {"rest_en"}
    assert names(senders, await listed(console, intent="ask_is_partner", language="en")) >= {
        "web_en"
    }
    await console.post("/conversation/tag", id=senders["rest_de"], tag="pg")
    await console.post("/conversation/status", id=senders["rest_de"], status="reviewed")
    assert names(senders, await listed(console, tag="pg", status="reviewed")) == {"rest_de"}
    html = await console.text(f"/conversation?id={senders['rest_en']}")
    assert SCRIPT not in html and "&lt;script&gt;" in html
    overview = await console.text("/overview?lang=en")
    assert overview.count("<svg") == 6
    assert f"{len(CONVERSATIONS)} conversations in the period" in overview
