"""The apology a channel sends itself when the assistant cannot answer (actions or storage down).

Every answer comes from a custom action, so while the action server cannot be reached Rasa
answers nothing at all (200 with no messages). The channels then send this short text in the
visitor's language, with the public contact data of the Senate Chancellery, without needing
the action server; the answers resume by themselves once it is back.

The same apology, again as a normal answer (200), is what a visitor gets while the
conversation cannot be loaded or stored (`STORAGE_ERRORS`: the tracker store's database is down
or locked, or Redis is away longer than the lock store retries), rather than a 503 error:

- the visitor learns the same thing in both cases ("not now, try again in a few minutes") and
  gets the contact data, which the widget's own error text does not carry;
- every client sees it the same way: the widget, REST clients and the Telegram polling bridge
  (which forwards the REST channel's messages) show it as an answer, with nothing to map;
- nothing of such a message is stored (no in-memory stand-in, `assistant.trackerstore`), also
  when only the final save failed: an answer shown but missing from the record could not be
  rated or reviewed, and the next question would be answered without it as context.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rasa.core.lock_store import LockError

from assistant.knowledge import Contact, KnowledgeError, load_knowledge
from assistant.lang import LANGUAGES, Lang
from assistant.trackerstore import TrackerStoreUnavailable

logger = logging.getLogger(__name__)

# Failures of a message that the channels answer with the apology: the conversation could not be
# loaded or stored, or its lock not taken.
STORAGE_ERRORS: tuple[type[Exception], ...] = (TrackerStoreUnavailable, LockError)

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
