"""Fixes to Rasa 3.6 that we apply in the Rasa server process (see `assistant.rasa_server`).

Each patch keeps Rasa's behaviour and only removes a cost; each has a test that the behaviour
is unchanged (tests/assistant/test_patches.py).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

_DOCS_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    "https://rasa.com/docs/rasa/custom-actions"
)


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of on every action call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server response, with the validator built once.

    `jsonschema.validate`, which Rasa 3.6 calls for every custom action response, checks the
    large events schema itself and builds a new validator each time; under load that was most
    of the Rasa server's time (issue 10's profile). Same schema, same errors as before.
    """
    from jsonschema.exceptions import best_match

    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += _DOCS_HINT
        raise error
    return True


def apply() -> None:
    """Apply every patch; safe to call more than once."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
