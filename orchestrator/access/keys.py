"""One ed25519 key pair per team per exercise, kept in the exercise's state.

The private key leaves the state directory only into that team's access kit;
Tallinn's key opens nothing of Ottawa's range, because only Ottawa's public
key is authorized on Ottawa's hosts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.state import ExerciseState, write_atomically

TRAINEE_USER = "blue"


@dataclass(frozen=True)
class TeamKey:
    team: str
    private_path: Path
    public_key: str


def key_directory(state: ExerciseState, team: str) -> Path:
    return state.directory / "access" / team


def ensure_team_key(state: ExerciseState, exercise: str, team: str) -> TeamKey:
    """The team's key pair, made on first use and never rotated."""
    directory = key_directory(state, team)
    private_path = directory / "id_ed25519"
    public_path = directory / "id_ed25519.pub"
    if not private_path.is_file() or not public_path.is_file():
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.OpenSSH,
                                    serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
        for folder in (directory.parent, directory):  # access/ and access/TEAM/
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        write_atomically(private_path, private)
        os.chmod(private_path, 0o600)
        write_atomically(public_path, f"{public} rangectl-{exercise}-{team}\n")
    return TeamKey(team, private_path, public_path.read_text(encoding="utf-8").strip())


def trainee_accounts(trainees: tuple[str, ...]) -> list[str]:
    """The shared team account, then each named trainee."""
    return [TRAINEE_USER, *[name for name in trainees if name != TRAINEE_USER]]
