"""Splitting reply texts into pieces that fit Telegram's message length limit."""

from __future__ import annotations

import re

# Telegram's limit for a text message; it counts UTF-16 code units, so an emoji counts twice.
TEXT_LIMIT = 4096

# Preferred places to cut, best first: between paragraphs, between lines, after a sentence,
# between words. A cut position is the end of the match.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"[.!?…][\"'»«“”)\]]*\s+"),
    re.compile(r"\s+"),
)


def telegram_length(text: str) -> int:
    """The length of `text` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` UTF-16 code units.

    Cuts at the last paragraph break that keeps a piece at least half full, else at the last
    line break, sentence end or space with that property, else at the last of any of them;
    only a single word longer than the limit is cut in the middle. Whitespace at the cut is
    dropped; nothing else is lost or changed.

    Args:
        text: the reply text.
        limit: the maximum piece length (Telegram: 4096).

    Returns:
        The pieces in order; an empty list for a blank text.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = text.strip()
    while telegram_length(rest) > limit:
        fitting = _fitting_prefix_length(rest, limit)
        cut = _cut_position(rest[: fitting + 1], fitting)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _fitting_prefix_length(text: str, limit: int) -> int:
    """The number of characters at the start of `text` that fit into `limit` code units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut_position(window: str, fitting: int) -> int:
    """Where to cut `window`: the fitting prefix plus one character, where a boundary may start."""
    fallback = 0
    for boundary in _BOUNDARIES:
        ends = [m.end() for m in boundary.finditer(window) if _piece_fits(window, m, fitting)]
        if not ends:
            continue
        if ends[-1] >= fitting // 2:
            return ends[-1]
        fallback = max(fallback, ends[-1])
    return fallback or fitting


def _piece_fits(window: str, match: re.Match[str], fitting: int) -> bool:
    # The piece before a cut loses its trailing whitespace, so a boundary that starts right
    # after the fitting prefix still gives a piece that fits; an empty piece is no cut at all.
    piece = window[: match.end()].rstrip()
    return 0 < len(piece) <= fitting
