"""Per-team, per-exercise secrets: generated once, kept in the exercise state.

Each team gets its own passwords, flags and keys, so one team's loot is
worthless in another's range, while everything else about the ranges stays
identical. `weak_password` secrets come from the same wordlist red's tools
use (baked into the red image), so they can be guessed,
but two teams never get the same one. The file is readable by its owner only.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from orchestrator.content import content_root
from orchestrator.errors import RuntimeFailureError
from orchestrator.plan.model import Plan
from orchestrator.scenario.model import Secret
from orchestrator.state import ExerciseState, write_atomically

TeamSecrets = dict[str, dict[str, str]]  # team -> secret name -> value


# A weak password is one of the wordlist's most common entries, so a scripted
# password guess finds it within an inject's time (at most WEAK_CHOICES tries).
WEAK_CHOICES = 25
WORDLIST = ("images", "red", "rootfs", "usr", "share", "rangectl", "wordlists",
            "weak-passwords.txt")


def weak_passwords() -> list[str]:
    path = content_root().joinpath(*WORDLIST)
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def generate(secret: Secret, avoid: set[str], wordlist: list[str]) -> str:
    """A fresh value of the secret's kind, different from every value in `avoid`.

    A weak password is drawn from the wordlist's WEAK_CHOICES most common
    entries, so red guesses it in time; with more teams than that, a value is
    shared by several teams rather than never found (each team's range is
    isolated, so a shared weak password gives no team another's range).
    """
    if secret.kind == "weak_password":
        common = wordlist[:WEAK_CHOICES]
        if not common:
            raise RuntimeFailureError("the weak-password wordlist is empty",
                                      f"restore {'/'.join(WORDLIST)}")
        fresh = [word for word in common if word not in avoid]
        return secrets.choice(fresh or common)
    while True:  # a collision of random values: about 2**-32 at the shortest length
        if secret.kind == "flag":
            value = f"FLAG{{{secrets.token_hex(secret.length // 2)}}}"
        elif secret.kind == "token":
            value = secrets.token_hex(secret.length // 2)
        else:
            value = secrets.token_urlsafe(secret.length)[: secret.length]
        if value not in avoid:
            return value


def secrets_path(state: ExerciseState) -> Path:
    return state.directory / "secrets.json"


def load_secrets(state: ExerciseState) -> TeamSecrets:
    """The exercise's secrets as stored (none before its first `up`)."""
    path = secrets_path(state)
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def ensure_secrets(state: ExerciseState, plan: Plan, declared: tuple[Secret, ...]) -> TeamSecrets:
    """Load the exercise's secrets, generating what a team or secret lacks; never rotate."""
    path = secrets_path(state)
    stored = load_secrets(state)
    wordlist = weak_passwords()
    changed = False
    for secret in declared:
        used = {values[secret.name] for values in stored.values() if secret.name in values}
        for team in plan.teams:
            values = stored.setdefault(team.team, {})
            if secret.name not in values:
                values[secret.name] = generate(secret, used, wordlist)
                used.add(values[secret.name])
                changed = True
    if changed or not path.is_file():
        write_atomically(path, json.dumps(stored, indent=2, sort_keys=True) + "\n")
        os.chmod(path, 0o600)
    return stored


TRAINEE_PASSWORD = "trainee_password"


def ensure_trainee_passwords(state: ExerciseState, plan: Plan) -> dict[str, str]:
    """A password per team for its trainee accounts (when the scenario asks for one)."""
    stored = ensure_secrets(state, plan, (Secret(name=TRAINEE_PASSWORD, kind="password"),))
    return {team: values[TRAINEE_PASSWORD] for team, values in stored.items()
            if TRAINEE_PASSWORD in values}
