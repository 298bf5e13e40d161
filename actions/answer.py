"""The one custom action: answers every question of a message from the knowledge files."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import knowledge, settings
from assistant.answers.engine import Context, Reply, answer
from assistant.answers.query import Query
from assistant.answers.wording import Wording
from assistant.lang import Lang, decide_with_reason, normalise

logger = logging.getLogger(__name__)

CONTEXT_SLOT = "context"


class ActionAnswer(Action):
    """Answers the latest message: every question in it, in order, in the conversation language.

    Reads the structured queries the NLU pipeline put into the parse data (`queries`, see
    `assistant.nlu.query_parser`), the reply language (`language` slot, decided by
    `assistant.nlu.language`) and the conversation's context (`context` slot), and keeps the
    context for follow-ups. A message in another language gets a short note in German and
    English instead.
    """

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # The answer ends the assistant's turn: the Rasa server listens next without asking
        # its policies (one prediction per message instead of two; docs/benchmarks.md).
        return [*self._answer(dispatcher, tracker, domain), FollowupAction("action_listen")]

    def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        decision = message.get("language") or {}
        events: list[EventType] = []
        # The NLU pipeline decided the language (LanguageDecider) and the slot follows it. A
        # button payload ("/greet") skips the pipeline: the same rule decides here, from the
        # channel's hint and the current language.
        lang = normalise(decision.get("reply"))
        if lang is None:
            lang, current = _payload_language(tracker), normalise(tracker.get_slot("language"))
            if lang != current:
                events.append(SlotSet("language", lang))
        k = knowledge()
        words = Wording(_responses(domain), k)
        if decision.get("foreign"):
            reply = Reply(kind="other_language").add("a_other_language", web_en=k.contact.web("en"))
            text, _ = words.render(reply, lang)
            dispatcher.utter_message(text=text)
            return events
        queries = [Query.from_dict(q) for q in message.get("queries") or [] if isinstance(q, dict)]
        if not queries:
            queries = [Query(text=message.get("text") or "", intent=_intent(message))]
        context = Context.from_dict(tracker.get_slot(CONTEXT_SLOT))
        try:
            replies, context = answer(queries, knowledge=k, lang=lang, context=context)
            rendered = [words.render(reply, lang) for reply in replies]
        except Exception as error:  # a bug must cost one answer, not the conversation
            # Only the error's type: the message and the queries would contain visitor text.
            logger.error("action_answer failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_default")
            return events
        for text, buttons in rendered:
            dispatcher.utter_message(text=text, buttons=buttons or None)
        return [*events, SlotSet(CONTEXT_SLOT, context.as_dict())]


def _payload_language(tracker: Tracker) -> Lang:
    user: dict[str, Any] = next(
        (e for e in reversed(tracker.events) if e.get("event") == "user"), {}
    )
    metadata = user.get("metadata") or {}
    hint = normalise(metadata.get("language")) if isinstance(metadata, dict) else None
    current = normalise(tracker.get_slot("language"))
    explicit = isinstance(metadata, dict) and metadata.get("explicit") is True
    return decide_with_reason(
        None,
        current=current,
        established=current is not None,
        hint=hint,
        requested=hint if explicit else None,
        default=settings().default_language,
    )[0]


def _responses(domain: dict[str, Any]) -> dict[str, Any]:
    """The templates: from the request's domain if Rasa sent one, else from domain.yml.

    endpoints.yml enables Rasa's selective domain, so Rasa does not serialise the whole domain
    (some hundred templates) into every action call; the action server reads domain.yml once.
    """
    responses = domain.get("responses") if domain else None
    return responses if responses else _responses_from_file()


@lru_cache(maxsize=1)
def _responses_from_file() -> dict[str, Any]:
    path = settings().domain_file
    responses: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    return responses


def _intent(message: dict[str, Any]) -> str | None:
    return (message.get("intent") or {}).get("name")
