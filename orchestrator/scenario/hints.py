"""The "did you mean" part of an error about a name that does not exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# A hint names at most this many options, and looks for a close match only
# among this many: a hostile scenario with 10,000s of names must not make each
# of 10,000s of problems quadratic work and a megabyte of output.
HINT_OPTIONS = 10
HINT_CLOSE_MATCH_LIMIT = 500


def suggest(name: str, candidates: Iterable[str]) -> str:
    options = sorted(set(candidates))
    if len(options) <= HINT_CLOSE_MATCH_LIMIT:
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'?"
    if not options:
        return "known: none"
    shown = ", ".join(options[:HINT_OPTIONS])
    more = len(options) - HINT_OPTIONS
    return "known: " + shown + (f", ... and {more} more" if more > 0 else "")


def secret_hint(name: str, secrets: Iterable[str]) -> str:
    """The hint for a name that should be a declared secret and is not."""
    return suggest(name, secrets) + " (declare it under 'secrets:')"
