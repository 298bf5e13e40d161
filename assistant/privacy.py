"""Removes contact and bank data from visitors' messages before anything stores them.

E-mail addresses, telephone numbers (German and international formats: "+49 30 9026-0",
"030/9026-0", "(030) 9026 0", "0176 12345678") and IBANs become `[email]`, `[phone]` and
`[iban]`. The Rasa server applies this to every incoming message, on every channel, before the
message is parsed, logged to the tracker or stored (`assistant.patches`), so the original never
reaches the database; the assistant answers the rest of the message.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Two letters, two check digits, 11 to 30 letters or digits, optionally in groups of four.
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
# A number that starts like a phone number (+country, 00country, 0 and an area or mobile code)
# and has at least six digits in all, with spaces, slashes, dashes, dots or brackets between
# them ("+49 (0)30 9026-0", "030 / 9026 - 0"); a date such as "01.03.1990" is not one.
PHONE = re.compile(
    r"(?<![\w+])(?<!\d[./-])(?!\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?!\d))"
    r"(?:\+\d{1,3}|00\d{1,3}|\(0\d{1,5}\)|0\d{1,5})"
    r"(?:(?:\s?[/.\-]\s?|\s)?\(?\d+\)?){1,8}(?!\w)"
)


def redact(text: str) -> str:
    """The text with e-mail addresses, IBANs and phone numbers replaced by placeholders."""
    text = EMAIL.sub("[email]", text)
    text = IBAN.sub("[iban]", text)
    return PHONE.sub(_phone, text)


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return "[phone]" if digits >= 6 else match.group(0)


def redact_value(value: Any) -> Any:
    """`redact` applied to every string inside metadata (dicts, lists)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    return value
