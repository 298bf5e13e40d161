"""The apology a channel sends itself when the assistant gives no answer (e.g. actions down).

Every answer comes from a custom action, so while the action server cannot be reached Rasa
answers nothing at all (200 with no messages). The channels then send this short text in the
visitor's language, with the public contact data of the Senate Chancellery, without needing
the action server; the answers resume by themselves once it is back.

The same apology answers a message whose handling failed: in the production profile Redis (the
lock store) or PostgreSQL (the tracker store) away for longer than the lock store's retries
(about 4 s), in either profile any other error. The visitor reads that the question cannot be
answered now and whom to call instead, rather than a bare server error (the widget could only
say "something went wrong"); nothing of the conversation is lost, since a message whose turn
failed before it was stored leaves the stored events as they were. `unanswered` logs why.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from assistant.knowledge import Contact, KnowledgeError, load_knowledge
from assistant.lang import LANGUAGES, Lang

logger = logging.getLogger(__name__)

APOLOGY: dict[Lang, str] = {
    "de": "Entschuldigung, ich kann Ihre Frage gerade nicht beantworten. Bitte versuchen Sie es "
    "in ein paar Minuten noch einmal.",
    "en": "Sorry, I cannot answer your question right now. Please try again in a few minutes.",
}
CONTACT: dict[Lang, str] = {
    "de": "Sie erreichen die Senatskanzlei auch telefonisch unter {phone} und im Internet unter "
    "{web}",
    "en": "You can also reach the Senate Chancellery by phone at {phone} and online at {web}",
}


class Apology:
    """The apology texts, with the public switchboard number and web page when known.

    Args:
        contact (Contact | None): from the knowledge files; None leaves the contact line out.
    """

    def __init__(self, contact: Contact | None) -> None:
        self.contact = contact

    @classmethod
    def from_knowledge(cls, knowledge_dir: Path) -> Apology:
        """Read the contact data once; a broken knowledge folder gives the apology without it."""
        try:
            return cls(load_knowledge(knowledge_dir).contact)
        except KnowledgeError:
            logger.exception("No contact data for the apology: the knowledge files are invalid")
            return cls(None)

    def text(self, lang: Lang | None) -> str:
        """The apology in `lang`; None (unknown) gives both languages, German first."""
        if lang is None:
            return "\n\n".join(self.text(language) for language in LANGUAGES)
        if self.contact is None:
            return APOLOGY[lang]
        contact = CONTACT[lang].format(phone=self.contact.phone, web=self.contact.web(lang))
        return f"{APOLOGY[lang]}\n\n{contact}"


def unanswered(channel: str, error: Exception) -> None:
    """Log that a message could not be handled and gets the apology instead.

    A store outage is one warning line per message, naming the error's type (the lock store
    logs its retries as well); anything else is logged with its traceback. Neither quotes the
    visitor's text (`assistant.logs` withholds exception messages).

    Args:
        channel: the channel's name, for the log line.
        error: what handling the message raised.
    """
    if isinstance(error, store_outages()):
        logger.warning(
            "%s: a store cannot be reached (%s); the apology was sent",
            channel,
            type(error).__name__,
        )
    else:
        logger.error("%s: handling a message failed; the apology was sent", channel, exc_info=error)


@functools.cache
def store_outages() -> tuple[type[Exception], ...]:
    """What a store outage raises through Rasa's `handle_message`: the lock store's `LockError`
    after its retries (Redis away), Redis errors while waiting for the lock, and the database
    driver's errors from the tracker store (PostgreSQL away, SQLite locked).

    Imported when first needed: the Telegram polling process uses this module without Rasa.
    """
    from rasa.core.lock_store import LockError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import OperationalError

    return (LockError, RedisConnectionError, RedisTimeoutError, OperationalError)
