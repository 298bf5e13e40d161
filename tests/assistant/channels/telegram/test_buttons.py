from __future__ import annotations

from assistant.channels.telegram.buttons import (
    CALLBACK_DATA_LIMIT,
    CallbackPayloads,
    inline_keyboard,
)


def test_short_payloads_travel_as_they_are() -> None:
    payloads = CallbackPayloads()
    payload = '/ask_unit_info{"unit": "II A"}'
    assert payloads.encode(payload) == payload
    assert CallbackPayloads().decode(payload) == payload  # works after a restart, too


def test_long_payloads_are_mapped_to_64_bytes_and_back() -> None:
    payloads = CallbackPayloads()
    payload = '/ask_partner_city{"city": "' + "Ciudad de México " * 6 + '"}'
    data = payloads.encode(payload)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert payloads.decode(data) == payload


def test_forgotten_long_payloads_are_reported_as_expired() -> None:
    payloads = CallbackPayloads(capacity=2)
    first = payloads.encode("/x" + "ü" * 40)
    payloads.encode("/y" + "ü" * 40)
    payloads.encode("/z" + "ü" * 40)
    assert payloads.decode(first) is None
    assert CallbackPayloads().decode(first) is None
    assert payloads.decode("") is None


def test_inline_keyboard_has_one_button_per_row() -> None:
    keyboard = inline_keyboard(
        [
            {"title": "Partnerstädte", "payload": "/list_partner_cities"},
            {"title": "berlin.de", "url": "https://www.berlin.de/"},
            {"title": "", "payload": "/ignored"},
        ],
        CallbackPayloads(),
    )
    assert keyboard is not None
    rows = keyboard.inline_keyboard
    assert [len(row) for row in rows] == [1, 1]
    assert rows[0][0].callback_data == "/list_partner_cities"
    assert rows[1][0].url == "https://www.berlin.de/"
    assert inline_keyboard([], CallbackPayloads()) is None
