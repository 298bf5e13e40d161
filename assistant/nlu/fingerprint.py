"""Fingerprints of our own component code, so that Rasa retrains a component when it changes."""

from __future__ import annotations

import hashlib
import inspect


def source_of(obj: object) -> str:
    """A hash of the source file that defines `obj` (a class or a function)."""
    path = inspect.getsourcefile(obj)  # type: ignore[arg-type]
    if path is None:
        return ""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()
