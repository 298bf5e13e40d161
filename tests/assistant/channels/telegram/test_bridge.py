from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from telegram import Bot, Update
from telegram.ext import TypeHandler

from assistant.channels.apology import Apology
from assistant.channels.telegram.bridge import TelegramBridge, build_application
from assistant.channels.telegram.identity import Pseudonymiser
from assistant.channels.telegram.ledger import (
    MemoryLedger,
    RedisLedger,
    SqlLedger,
    UpdateLedger,
    bot_id,
)
from assistant.channels.telegram.output import TelegramOutput
from assistant.channels.telegram.texts import NOTICES
from assistant.channels.telegram.updates import Incoming
from tests.assistant.channels.telegram import update_builders as build
from tests.assistant.channels.telegram.conftest import PSEUDONYM_KEY, Sleeps
from tests.assistant.channels.telegram.fake_bot_api import TOKEN, FakeBotApi
from tests.services import shared_redis

USER = 4242424501


class EchoAssistant:
    """Stands in for Rasa: answers every message with its text, after an optional delay."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []
        self.delays: dict[str, float] = {}
        self.arrived = asyncio.Event()  # set with the first message

    async def __call__(self, incoming: Incoming, output: TelegramOutput) -> None:
        self.received.append(incoming)
        self.arrived.set()
        await asyncio.sleep(self.delays.get(incoming.text, 0))
        if incoming.text == "kaputt":
            raise RuntimeError("the assistant is down")
        await output.send_response(
            incoming.sender_id,
            {"text": f"echo: {incoming.text}", "buttons": [{"title": "Mehr", "payload": "/more"}]},
        )


@pytest.fixture
def assistant() -> EchoAssistant:
    return EchoAssistant()


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UpdateLedger]:
    """In memory, or in a database (a round trip in a worker thread per claim and answer)."""
    if request.param == "memory":
        yield MemoryLedger()
        return
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield SqlLedger(engine, bot_id(TOKEN))
    engine.dispose()


@pytest.fixture
async def bridge(
    bot: Bot, assistant: EchoAssistant, sleeps: Sleeps, ledger: UpdateLedger
) -> AsyncIterator[TelegramBridge]:
    application = build_application(bot, max_concurrent_updates=16)
    await application.initialize()
    yield TelegramBridge(
        application, Pseudonymiser(PSEUDONYM_KEY), assistant, sleep=sleeps, ledger=ledger
    )
    await application.shutdown()


Bridges = Callable[..., Any]


@pytest.fixture
async def new_bridge(bot: Bot, assistant: EchoAssistant, sleeps: Sleeps) -> AsyncIterator[Bridges]:
    """Makes more bridges around `ledger`s of their own, as new or other processes get them."""
    applications: list[Any] = []

    async def make(ledger: UpdateLedger, **options: Any) -> TelegramBridge:
        application = build_application(bot, max_concurrent_updates=16)
        await application.initialize()
        applications.append(application)
        return TelegramBridge(
            application,
            Pseudonymiser(PSEUDONYM_KEY),
            assistant,
            sleep=sleeps,
            ledger=ledger,
            **options,
        )

    yield make
    for application in applications:
        await application.shutdown()


Store = Callable[[], UpdateLedger]


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Makes ledgers over one durable store, one per process: the embedded profile's tracker
    database (SQLite) or the production profile's Redis (the tests' database and prefix)."""
    engines: list[sa.engine.Engine] = []
    if request.param == "sqlite":

        def sqlite() -> UpdateLedger:
            engines.append(sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}"))
            return SqlLedger(engines[-1], bot_id(TOKEN))

        yield sqlite
    else:
        prefix = request.getfixturevalue("redis_prefix")
        yield lambda: RedisLedger(shared_redis(), bot_id(TOKEN), prefix)
    for engine in engines:
        engine.dispose()


def update(data: dict[str, Any], bot: Bot) -> Update:
    return Update.de_json(data, bot)


async def test_message_reaches_the_assistant_and_the_reply_the_chat(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hallo Berlin"), bot))
    assert [m.text for m in assistant.received] == ["Hallo Berlin"]
    assert bot_api.sent_texts(USER) == ["echo: Hallo Berlin"]
    assert bot_api.calls("sendChatAction")[0].params == {"chat_id": USER, "action": "typing"}


async def test_button_press_is_answered_and_handled_as_its_payload(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hallo"), bot))
    data = bot_api.sent_messages(USER)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    press = build.button_update(USER, data)
    await bridge.handle(update(press, bot))
    [answer] = bot_api.calls("answerCallbackQuery")
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    assert bot_api.sent_texts(USER)[-1] == "echo: /more"


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_photo_gets_a_notice_in_the_visitors_language(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant, lang: str
) -> None:
    await bridge.handle(update(build.content_update(USER, language_code=lang, **build.PHOTO), bot))
    assert bot_api.sent_texts(USER) == [NOTICES["unsupported_content"][lang]]  # type: ignore[index]
    assert assistant.received == []


async def test_notice_without_a_known_language_is_bilingual(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(
        update(build.content_update(USER, language_code="fr", **build.STICKER), bot)
    )
    [text] = bot_api.sent_texts(USER)
    assert (
        NOTICES["unsupported_content"]["de"] in text
        and NOTICES["unsupported_content"]["en"] in text
    )


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_failing_assistant_gets_an_apology_with_the_contact_data_not_a_crash(
    bridge: TelegramBridge,
    bot: Bot,
    bot_api: FakeBotApi,
    knowledge_dir: Path,
    lang: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bridge.apology = Apology.from_knowledge(knowledge_dir)
    contact = bridge.apology.contact
    assert contact is not None
    await bridge.handle(update(build.text_update(USER, "kaputt", language_code=lang), bot))
    [text] = bot_api.sent_texts(USER)
    notice, contact_line = text.split("\n\n")
    assert notice == NOTICES["unavailable"][lang]  # type: ignore[index]
    # The switchboard and the web page in the visitor's language, as the web chat's apology.
    assert contact.phone in contact_line and contact_line.endswith(contact.web(lang))  # type: ignore[arg-type]
    assert contact_line in bridge.apology.text(lang)  # type: ignore[arg-type]
    assert "kaputt" not in caplog.text


async def test_failing_assistant_without_a_known_language_gets_both_with_the_contact_data(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, knowledge_dir: Path
) -> None:
    bridge.apology = Apology.from_knowledge(knowledge_dir)
    contact = bridge.apology.contact
    assert contact is not None
    await bridge.handle(update(build.text_update(USER, "kaputt", language_code="fr"), bot))
    [text] = bot_api.sent_texts(USER)
    german, english = text.split(NOTICES["unavailable"]["en"])
    assert german.startswith(NOTICES["unavailable"]["de"]) and contact.web("de") in german
    assert contact.phone in english and english.endswith(contact.web("en"))


async def test_ignored_updates_send_nothing(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hi", chat_id=-100, chat_type="group"), bot))
    await bridge.handle(update({"update_id": 5, "my_chat_member": None}, bot))
    assert bot_api.calls("sendMessage") == []


async def test_replies_keep_the_order_of_questions_per_chat(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    assistant.delays = {"langsam": 0.3}
    other = USER + 1
    await asyncio.gather(
        bridge.handle(update(build.text_update(USER, "langsam"), bot)),
        bridge.handle(update(build.text_update(USER, "schnell"), bot)),
        bridge.handle(update(build.text_update(other, "anderer Chat"), bot)),
    )
    assert bot_api.sent_texts(USER) == ["echo: langsam", "echo: schnell"]
    chats = [c.params["chat_id"] for c in bot_api.calls("sendMessage")]
    assert chats.index(other) < chats.index(USER)  # another chat does not wait


async def test_no_chat_or_user_ids_are_kept_after_the_reply(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi
) -> None:
    await bridge.handle(update(build.text_update(USER, "Hallo"), bot))
    press = build.button_update(USER, "/more")
    await bridge.handle(update(press, bot))
    assert bot_api.sent_texts(USER) == ["echo: Hallo", "echo: /more"]
    application = bridge.application
    assert not application.chat_data and not application.user_data
    assert application.update_processor.current_concurrent_updates == 0


async def test_an_update_sent_again_is_answered_once(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    data = build.text_update(USER, "Hallo")
    await asyncio.gather(bridge.handle(update(data, bot)), bridge.handle(update(data, bot)))
    await bridge.handle(update(data, bot))
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert len(assistant.received) == 1


async def test_an_update_that_failed_is_handled_when_sent_again(
    bridge: TelegramBridge, bot: Bot, bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [RuntimeError("a bug after the reply")]

    async def fail_once(update: object, context: object) -> None:
        if failures:
            raise failures.pop()

    bridge.application.add_handler(TypeHandler(Update, fail_once), group=1)
    data = build.text_update(USER, "Hallo")
    await bridge.handle(update(data, bot))
    await bridge.handle(update(data, bot))
    assert bot_api.sent_texts(USER) == ["echo: Hallo", "echo: Hallo"]
    assert "could not be handled" in caplog.text and "Hallo" not in caplog.text


async def test_an_update_answered_before_a_restart_is_not_answered_after_it(
    new_bridge: Bridges, store: Store, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    data = build.text_update(USER, "Hallo")
    before = await new_bridge(store())
    assert await before.handle(update(data, bot)) == "handled"
    after = await new_bridge(store())  # the process restarted: a new bridge, a new connection
    assert await after.handle(update(data, bot)) == "duplicate"
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert len(assistant.received) == 1


async def test_two_bridges_sharing_a_store_answer_an_update_once(
    new_bridge: Bridges, store: Store, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    assistant.delays = {"Hallo": 0.2}  # the second copy arrives while the first is answered
    first, second = await new_bridge(store()), await new_bridge(store())
    data = build.text_update(USER, "Hallo")
    outcomes = await asyncio.gather(
        first.handle(update(data, bot)), second.handle(update(data, bot))
    )
    assert sorted(outcomes) == ["elsewhere", "handled"]
    assert await second.handle(update(data, bot)) == "duplicate"  # and once it was answered
    assert await first.handle(update(data, bot)) == "duplicate"
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]
    assert len(assistant.received) == 1


async def test_an_update_that_failed_is_answered_when_sent_again_after_a_restart(
    new_bridge: Bridges, store: Store, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    async def fail(update: object, context: object) -> None:
        raise RuntimeError("a bug after the reply")

    data = build.text_update(USER, "Hallo")
    before = await new_bridge(store())
    before.application.add_handler(TypeHandler(Update, fail), group=1)
    assert await before.handle(update(data, bot)) == "handled"
    after = await new_bridge(store())
    assert await after.handle(update(data, bot)) == "handled"  # its id was released
    assert bot_api.sent_texts(USER) == ["echo: Hallo", "echo: Hallo"]
    assert await after.handle(update(data, bot)) == "duplicate"  # answered now
    assert len(assistant.received) == 2


async def test_an_update_cut_off_is_released_for_its_next_copy(
    new_bridge: Bridges, store: Store, bot: Bot, bot_api: FakeBotApi, assistant: EchoAssistant
) -> None:
    assistant.delays = {"Hallo": 60}
    data = build.text_update(USER, "Hallo")
    first = await new_bridge(store())
    handling = asyncio.create_task(first.handle(update(data, bot)))
    await assistant.arrived.wait()
    handling.cancel()  # a shutdown's grace period ran out
    with pytest.raises(asyncio.CancelledError):
        await handling
    assistant.delays = {}
    assert await (await new_bridge(store())).handle(update(data, bot)) == "handled"
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]


async def test_a_claim_left_by_a_killed_poller_is_taken_over(
    new_bridge: Bridges, store: Store, bot: Bot, bot_api: FakeBotApi
) -> None:
    data = build.text_update(USER, "Hallo")
    killed = store()
    assert await killed.claim(data["update_id"], take_over=True) == "new"  # never answered
    webhook = await new_bridge(store())
    assert await webhook.handle(update(data, bot)) == "elsewhere"  # left to its owner, for now
    poller = await new_bridge(store(), take_over_claims=True)
    assert await poller.handle(update(data, bot)) == "handled"
    assert bot_api.sent_texts(USER) == ["echo: Hallo"]


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("answered", [False, True])
async def test_a_store_failure_gets_the_notice_unless_the_answer_went_out(
    bot: Bot, bot_api: FakeBotApi, sleeps: Sleeps, lang: str, answered: bool
) -> None:
    from assistant.trackerstore import TrackerStoreUnavailable

    async def deliver(incoming: Incoming, output: TelegramOutput) -> None:
        if answered:  # the answer was sent, then its turn could not be saved
            await output.send_response(incoming.sender_id, {"text": "the answer"})
        raise TrackerStoreUnavailable("the tracker store failed (save)")

    application = build_application(bot, max_concurrent_updates=4)
    await application.initialize()
    try:
        bridge = TelegramBridge(application, Pseudonymiser(PSEUDONYM_KEY), deliver, sleep=sleeps)
        await bridge.handle(update(build.text_update(USER, "Hallo", language_code=lang), bot))
    finally:
        await application.shutdown()
    sent = bot_api.sent_texts(USER)
    if answered:
        assert sent == ["the answer"]  # no "not available" after an answer
    else:
        assert len(sent) == 1 and sent[0].startswith(NOTICES["unavailable"][lang])  # type: ignore[index]
