"""Per-team tokens for the browser terminal: made on first need, never rotated.

A team's token opens a shell on that team's bastion (and through it, its
range hosts) from `rangectl serve`, so it is a credential like the team's
key. It lives beside the team's key in the exercise's state, in its own file
(0600), not in secrets.json: those secrets are handed to Ansible and to the
scorebot's checks, and this one must never leave the controller except
through `rangectl access`.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import secrets
from pathlib import Path

from orchestrator.state import ExerciseState, write_atomically

TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters


def tokens_path(state: ExerciseState) -> Path:
    return state.directory / "access" / "terminal-tokens.json"


def load_tokens(state: ExerciseState) -> dict[str, str]:
    """Every team's token as stored (none before the first `rangectl access`). Read
    at each request, so a token made after `serve` started works at once."""
    path = tokens_path(state)
    if not path.is_file():
        return {}
    stored = json.loads(path.read_text(encoding="utf-8"))
    return {str(team): str(token) for team, token in stored.items()}


def ensure_token(state: ExerciseState, team: str) -> str:
    """The team's token, made now if it has none. Two `access` commands at once
    must not give a team two tokens, so the read and write hold a lock."""
    path = tokens_path(state)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with (path.parent / ".terminal-tokens.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tokens = load_tokens(state)
        if team not in tokens:
            tokens[team] = secrets.token_urlsafe(TOKEN_BYTES)
            write_atomically(path, json.dumps(tokens, indent=2, sort_keys=True) + "\n")
        return tokens[team]


def token_matches(tokens: dict[str, str], team: str, offered: str | None) -> bool:
    """Whether `offered` is the team's own token; another team's never is. The
    comparison takes the same time wherever the strings first differ."""
    expected = tokens.get(team)
    if not expected or not offered:
        return False
    return hmac.compare_digest(offered.encode("utf-8"), expected.encode("utf-8"))
