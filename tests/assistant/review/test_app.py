"""The console's pages over conversations written straight into the store: pagination, the
language decision in words, visitor text isolated for right-to-left scripts, and error answers
in the console's language."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from assistant.review import open_database
from assistant.review.queries import PAGE_SIZE
from tests.assistant.review.conftest import Console, ConsoleFactory
from tests.assistant.review.rasa_events import say

ARABIC = "هل برلين مدينة شقيقة لباريس؟"
HEBREW = "האם תל אביב עיר תאומה של ברלין?"


def store_with(tmp_path: Path, empty_store: Path, name: str = "store.db") -> Path:
    db = tmp_path / name
    shutil.copy(empty_store, db)
    return db


def rows_of(html: str) -> list[str]:
    """The conversation ids of a list page, in order."""
    return re.findall(r'href="/conversation\?id=([^"]+)"', html)


async def test_pages_past_the_first_hold_the_next_conversations_with_the_filters_kept(
    console_for: ConsoleFactory, tmp_path: Path, empty_store: Path
) -> None:
    db = store_with(tmp_path, empty_store)
    engine = open_database(url=f"sqlite:///{db}")
    start = time.time() - 86_400
    total = 2 * PAGE_SIZE + 20
    for i in range(total):  # c-000 is the oldest; every third one English
        lang = "en" if i % 3 == 0 else "de"
        say(engine, f"c-{i:03}", f"Frage {i}", start + i * 60, lang=lang, rating=None)
    engine.dispose()
    console = await console_for(db=db)
    newest_first = [f"c-{i:03}" for i in reversed(range(total))]

    first = await console.text("/conversations?lang=en")
    assert rows_of(first) == newest_first[:PAGE_SIZE]
    assert "Page 1 of 3" in first and 'rel="prev"' not in first
    assert 'rel="next" href="/conversations?page=2"' in first
    second = await console.text("/conversations?page=2&lang=en")
    assert rows_of(second) == newest_first[PAGE_SIZE : 2 * PAGE_SIZE]
    assert "Page 2 of 3" in second
    assert 'rel="prev" href="/conversations?page=1"' in second
    assert 'rel="next" href="/conversations?page=3"' in second
    third = await console.text("/conversations?page=3&lang=en")
    assert rows_of(third) == newest_first[2 * PAGE_SIZE :]
    assert "Page 3 of 3" in third and 'rel="next"' not in third
    beyond = await console.text("/conversations?page=4&lang=en")
    assert rows_of(beyond) == [] and "No conversations match these filters." in beyond

    # With a filter: the German ones, 2 pages; the links keep the filter.
    german = [c for c in newest_first if int(c[2:]) % 3 != 0]
    page = await console.text("/conversations?language=de&lang=en")
    assert f"{len(german)} conversations found" in page and "Page 1 of 2" in page
    assert 'rel="next" href="/conversations?language=de&amp;page=2"' in page
    page = await console.text("/conversations?language=de&page=2&lang=en")
    assert rows_of(page) == german[PAGE_SIZE:]


@pytest.mark.parametrize(
    ("reason", "german", "english"),
    [
        ("words", "die Wörter der Nachricht", "the words of the message"),
        ("channel_hint", "Hinweis des Kanals", "the channel's hint"),
        ("requested", "ausdrücklich gewünscht", "asked for explicitly"),
        ("requested_earlier", "früher im Gespräch", "asked for earlier in the conversation"),
        ("place_name", "die Schreibweise eines Ortsnamens", "the spelling of a place name"),
        ("kept", "Sprache des Gesprächs beibehalten", "the conversation's language, kept"),
        ("default", "Standardsprache", "the default language"),
        ("a_future_reason", "a_future_reason", "a_future_reason"),
    ],
)
async def test_the_language_decision_is_shown_in_words(
    console_for: ConsoleFactory,
    tmp_path: Path,
    empty_store: Path,
    reason: str,
    german: str,
    english: str,
) -> None:
    db = store_with(tmp_path, empty_store)
    engine = open_database(url=f"sqlite:///{db}")
    say(engine, "visitor", "Ist Paris eine Partnerstadt?", time.time(), lang="de", reason=reason)
    engine.dispose()
    console = await console_for(db=db)
    html = await console.text("/conversation?id=visitor&lang=de")
    assert f"<dd>Deutsch (Grund: {german}" in html.replace("&#39;", "'")
    assert "erkannt: Deutsch" in html
    html = await console.text("/conversation?id=visitor&lang=en")
    assert f"<dd>German (reason: {english}" in html.replace("&#39;", "'")


async def test_right_to_left_visitor_text_is_isolated_everywhere(
    console_for: ConsoleFactory, tmp_path: Path, empty_store: Path
) -> None:
    db = store_with(tmp_path, empty_store)
    engine = open_database(url=f"sqlite:///{db}")
    now = time.time()
    say(engine, "arabic", ARABIC, now - 120, intent="nlu_fallback", confidence=0.2)
    say(engine, "hebrew", HEBREW, now - 60, intent="nlu_fallback", confidence=0.2)
    engine.dispose()
    console = await console_for(db=db)
    listing = await console.text("/conversations")
    for text in (ARABIC, HEBREW):
        assert f"<bdi>{text}</bdi>" in listing
    transcript = await console.text("/conversation?id=arabic")
    assert f'<p class="text" dir="auto">{ARABIC}</p>' in transcript
    overview = await console.text("/overview")
    for text in (ARABIC, HEBREW):
        assert f"<bdi>{text}</bdi>" in overview


async def error_text(console: Console, method: str, path: str, **options: object) -> str:
    response = await console.client.request(method, path, allow_redirects=False, **options)
    body = await response.text()
    assert 400 <= response.status < 500, (response.status, body)
    assert response.headers["Content-Type"].startswith("text/")
    return f"{response.status} {response.headers.get('Content-Language')} {body.strip()}"


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_errors_answer_in_the_consoles_language(
    console_for: ConsoleFactory, lang: str
) -> None:
    de = lang == "de"
    guest = await console_for(sign_in=None)
    await guest.client.get(f"/login?lang={lang}")
    assert await error_text(guest, "GET", "/export/nlu.yml") == (
        f"401 {lang} " + ("Bitte melden Sie sich an." if de else "Sign-in required.")
    )
    console = await console_for()
    await console.client.get(f"/conversations?lang={lang}")
    forbidden = await error_text(console, "POST", "/conversation/tag", data={"id": "x"})
    assert forbidden.startswith(f"403 {lang} ")
    assert ("CSRF-Token fehlt oder ist falsch" if de else "missing or wrong CSRF token") in (
        forbidden
    )
    assert await error_text(console, "GET", "/users") == (
        f"403 {lang} "
        + ("Dafür fehlt Ihnen die Berechtigung." if de else "You are not allowed to do this.")
    )
    missing_id = await error_text(
        console, "POST", "/conversation/tag", data={"csrf_token": console.csrf, "tag": "x"}
    )
    assert missing_id == f"400 {lang} " + (
        "Die Gesprächs-ID fehlt." if de else "A conversation id is required."
    )
    assert await error_text(console, "GET", "/export/conversations.csv?language=fr") == (
        f"400 {lang} "
        + ("Filter „Sprache“: einer der Werte de, en" if de else "Filter “Language”: one of de, en")
    )
    too_long = await error_text(console, "GET", "/export/conversations.jsonl?q=" + "x" * 201)
    assert too_long.endswith("höchstens 200 Zeichen" if de else "at most 200 characters")
    bad_day = await error_text(console, "GET", "/export/conversations.csv?date_from=2026-13-45")
    assert bad_day.endswith("ein Datum als JJJJ-MM-TT" if de else "a date as YYYY-MM-DD")
    assert (await error_text(console, "GET", "/overview?date_from=1.1.2026")).endswith(
        "Daten werden JJJJ-MM-TT geschrieben." if de else "Dates are written YYYY-MM-DD."
    )
    assert (await error_text(console, "GET", "/overview?date_from=2020-01-01")).endswith(
        "einen Tag bis ein Jahr." if de else "one day to one year."
    )
    assert await error_text(console, "GET", "/nowhere") == (
        f"404 {lang} " + ("Diese Seite gibt es nicht." if de else "There is no such page.")
    )
    assert (await error_text(console, "GET", "/logout")).startswith(f"405 {lang} ")
    big = {"csrf_token": console.csrf, "id": "x", "body": "x" * 70_000}
    assert await error_text(console, "POST", "/conversation/note", data=big) == (
        f"413 {lang} " + ("Die Anfrage ist zu groß." if de else "The request is too large.")
    )
    page = await console.text("/conversations?channel=fax", status=400)
    assert ("Filter „Kanal“: einer der Werte" if de else "Filter “Channel”: one of") in page


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_admin_errors_answer_in_the_consoles_language(
    console_for: ConsoleFactory, lang: str
) -> None:
    de = lang == "de"
    admin = await console_for(sign_in="admin")
    await admin.client.get(f"/users?lang={lang}")
    assert await error_text(
        admin, "POST", "/users/remove", data={"csrf_token": admin.csrf, "name": "admin"}
    ) == f"400 {lang} " + (
        "Das eigene Konto kann hier nicht gelöscht werden."
        if de
        else "You cannot delete your own account here."
    )
    for path in ("/users/remove", "/users/sign-out"):
        assert await error_text(
            admin, "POST", path, data={"csrf_token": admin.csrf, "name": "nobody"}
        ) == f"400 {lang} " + ("Dieses Konto gibt es nicht." if de else "There is no such account.")


TRAINING = """version: "3.1"
nlu:
- intent: ask_is_partner
  metadata: {lang: de}
  examples: |
    - Ist [Paris](city) eine Partnerstadt?
"""


async def correct(console: Console, sender: str, intent: str, city: str = "") -> None:
    html = await console.text(f"/conversation?id={sender}")
    event_id = html.split('name="event_id" value="')[1].split('"')[0]
    response = await console.post(
        "/conversation/correct", id=sender, event_id=event_id, intent=intent, city=city
    )
    assert "saved=1" in response.headers["Location"], response.headers["Location"]


async def test_a_correction_that_contradicts_the_training_data_is_flagged_and_left_out(
    console_for: ConsoleFactory, tmp_path: Path, empty_store: Path
) -> None:
    nlu_dir = tmp_path / "data" / "nlu"
    nlu_dir.mkdir(parents=True)
    (nlu_dir / "partner_cities.yml").write_text(TRAINING, encoding="utf-8")
    db = store_with(tmp_path, empty_store)
    engine = open_database(url=f"sqlite:///{db}")
    now = time.time()
    # A line separator (a line break to YAML) must not end the export's comment early.
    say(engine, "clash", "ist Paris\u2028eine Partnerstadt?", now - 30, lang="de")
    say(engine, "fine", "Seit wann ist Paris Partnerstadt?", now - 20, lang="de")
    say(engine, "twice-1", "Wer zahlt die Reise?", now - 10, lang="de")
    say(engine, "twice-2", "Wer zahlt die Reise?", now - 5, lang="de")
    engine.dispose()
    console = await console_for(db=db, nlu_dir=nlu_dir)
    await correct(console, "clash", "ask_partner_since", "Paris")
    await correct(console, "fine", "ask_partner_since", "Paris")
    await correct(console, "twice-1", "out_of_scope")
    await correct(console, "twice-2", "request_contact")  # the newer one counts

    html = await console.text("/conversation?id=clash&lang=de")
    assert "Achtung: data/nlu/partner_cities.yml führt diesen Text als Beispiel für " in html
    assert "ask_is_partner. Der NLU-Export lässt die Korrektur aus" in html
    html = await console.text("/conversation?id=clash&lang=en")
    assert "Note: data/nlu/partner_cities.yml has this text as an example of ask_is_partner" in html
    assert 'class="warning"' not in await console.text("/conversation?id=fine")

    exported = await console.text("/export/nlu.yml")
    data = yaml.safe_load(exported)
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert examples == {
        "ask_partner_since": "- Seit wann ist [Paris](city) Partnerstadt?\n",
        "request_contact": "- Wer zahlt die Reise?\n",
    }
    comment = exported.split("version:")[0]
    assert "Left out (2): the same text is already under another intent." in comment
    assert "Ausgelassen (2)" in comment
    assert (
        "#   ask_partner_since: ist [Paris](city) eine Partnerstadt?  <>  "
        "data/nlu/partner_cities.yml: ask_is_partner" in comment
    )
    assert "#   out_of_scope: Wer zahlt die Reise?  <>  request_contact" in comment
