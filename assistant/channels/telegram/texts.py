"""Bilingual texts the Telegram channel sends on its own (notices and the command menu)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from assistant.channels.apology import CONTACT
from assistant.lang import LANGUAGES, Lang

if TYPE_CHECKING:
    from assistant.knowledge import Contact

NoticeKind = Literal[
    "unsupported_content",
    "edited_message",
    "private_only",
    "unknown_command",
    "language_usage",
    "button_expired",
    "choose_topic",
    "unavailable",
    "too_long",
    "rate_limited",
]

NOTICES: dict[NoticeKind, dict[Lang, str]] = {
    "unsupported_content": {
        "de": "Ich kann leider nur Textnachrichten lesen. Bitte schreiben Sie Ihre Frage als Text.",
        "en": "Sorry, I can only read text messages. Please type your question.",
    },
    "edited_message": {
        "de": "Geänderte Nachrichten kann ich leider nicht berücksichtigen. Bitte senden Sie "
        "Ihre Frage noch einmal als neue Nachricht.",
        "en": "I cannot take edited messages into account. Please send your question again as a "
        "new message.",
    },
    "private_only": {
        "de": "Ich antworte nur im privaten Chat. Bitte schreiben Sie mir direkt.",
        "en": "I only answer in a private chat. Please write to me directly.",
    },
    "unknown_command": {
        "de": "Diesen Befehl kenne ich nicht. Sie können /start, /help oder /language de|en "
        "verwenden oder Ihre Frage einfach eintippen.",
        "en": "I do not know that command. You can use /start, /help or /language de|en, or "
        "simply type your question.",
    },
    "language_usage": {
        "de": "Bitte wählen Sie eine Sprache: /language de (Deutsch) oder /language en (Englisch).",
        "en": "Please choose a language: /language de (German) or /language en (English).",
    },
    "button_expired": {
        "de": "Diese Schaltfläche ist nicht mehr gültig. Bitte stellen Sie Ihre Frage erneut "
        "oder tippen Sie /help.",
        "en": "This button has expired. Please ask your question again or type /help.",
    },
    "choose_topic": {
        "de": "Bitte wählen Sie:",
        "en": "Please choose:",
    },
    "unavailable": {
        "de": "Entschuldigung, der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie "
        "es in ein paar Minuten noch einmal.",
        "en": "Sorry, the assistant is not available right now. Please try again in a few minutes.",
    },
    "too_long": {
        "de": "Ihre Nachricht ist zu lang. Bitte stellen Sie Ihre Frage kürzer (höchstens 1000 "
        "Zeichen).",
        "en": "Your message is too long. Please ask your question in fewer words (at most 1,000 "
        "characters).",
    },
    "rate_limited": {
        "de": "Sie haben sehr viele Nachrichten in kurzer Zeit geschickt. Bitte warten Sie einen "
        "Moment und versuchen Sie es dann noch einmal.",
        "en": "You have sent a lot of messages in a short time. Please wait a moment and then "
        "try again.",
    },
}

# The bot's command menu in Telegram clients, per interface language (setMyCommands).
COMMANDS: dict[str, dict[Lang, str]] = {
    "start": {"de": "Begrüßung und Themen", "en": "Welcome and topics"},
    "help": {"de": "Wobei ich helfen kann", "en": "What I can help with"},
    "language": {
        "de": "Sprache wechseln: /language de oder /language en",
        "en": "Switch language: /language de or /language en",
    },
}


def notice(kind: NoticeKind, lang: Lang | None) -> str:
    """The text of one notice.

    Args:
        kind: which notice.
        lang: the visitor's language; None (unknown) gives both languages, German first.
    """
    texts = NOTICES[kind]
    if lang is not None:
        return texts[lang]
    return "\n\n".join(texts[language] for language in LANGUAGES)


def unavailable(lang: Lang | None, contact: Contact | None) -> str:
    """The notice that the assistant cannot be reached, with the public contact data.

    Args:
        lang: the visitor's language; None (unknown) gives both languages, German first.
        contact: the switchboard and web page (the web chat's apology gives the same, with
            the line of `apology.CONTACT`); None leaves the contact line out.
    """
    if lang is None:
        return "\n\n".join(unavailable(language, contact) for language in LANGUAGES)
    text = NOTICES["unavailable"][lang]
    if contact is None:
        return text
    return f"{text}\n\n" + CONTACT[lang].format(phone=contact.phone, web=contact.web(lang))
