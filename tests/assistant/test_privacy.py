"""Contact and bank data are replaced before a message is stored, in both languages."""

from __future__ import annotations

import pytest

from assistant.privacy import redact, redact_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meine E-Mail ist max.muster@example.org, bitte", "Meine E-Mail ist [email], bitte"),
        ("write to jane+berlin@mail.example.co.uk", "write to [email]"),
        ("Rufen Sie mich an: +49 30 12345678", "Rufen Sie mich an: [phone]"),
        ("Tel. 030/9026-0 oder (030) 9026 0", "Tel. [phone] oder [phone]"),
        ("Handy 0176 12345678.", "Handy [phone]."),
        ("call me on +1 (212) 555-0100 please", "call me on [phone] please"),
        ("0049 30 1234567", "[phone]"),
        ("IBAN DE89 3704 0044 0532 0130 00 bitte", "IBAN [iban] bitte"),
        ("my IBAN is GB33BUKB20201555555555", "my IBAN is [iban]"),
        ("Konto de89370400440532013000.", "Konto [iban]."),
        ("IBAN FR14 2004 1010 0505 0001 3M02 606", "IBAN [iban]"),
        (
            "Zentrale +49 (0)30 9026-0, Durchwahl 030 / 9026 - 2411",
            "Zentrale [phone], Durchwahl [phone]",
        ),
        ("mobile: 0176/12345678 or +49 176 1234 5678", "mobile: [phone] or [phone]"),
        ("Tel.:030 123 456 78, danke", "Tel.:[phone], danke"),
        ("Paris office +33 1 42 76 40 40", "Paris office [phone]"),
        ("Write to Max.Muster@Example.DE today", "Write to [email] today"),
        ("jan_ole-2@sub.mail.berlin.de oder 0800 1234567", "[email] oder [phone]"),
    ],
)
def test_personal_data_becomes_a_placeholder(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Seit 1994 Partnerstadt, am 5. Mai 2025",
        "Which partner cities joined between 1990 and 1995?",
        "Jüdenstraße 1, 10178 Berlin",
        "II A, II B und die 115",
        "Is Tel Aviv a partner since 2025?",
        "Was war am 05.05.2025 und seit dem 01.03.1990?",
        "Termin am 1.3.90 oder 1990-01-05",
        "Which partner cities joined 1991-2000?",
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text


def test_metadata_strings_are_redacted_too() -> None:
    metadata = {"language": "de", "note": ["mail me: a@b.de"], "nested": {"tel": "+49 30 1234567"}}
    assert redact_value(metadata) == {
        "language": "de",
        "note": ["mail me: [email]"],
        "nested": {"tel": "[phone]"},
    }
