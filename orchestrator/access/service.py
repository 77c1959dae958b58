"""Make a team's access kit from the exercise's state and its running range."""

from __future__ import annotations

import time
from pathlib import Path

from orchestrator.access.keys import ensure_team_key, key_directory
from orchestrator.access.kit import check_kit_folder, write_kit
from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.labels import BASTION
from orchestrator.plan.model import TeamRange
from orchestrator.runtime.backend import RangeBackend
from orchestrator.secrets import TRAINEE_PASSWORD, load_secrets
from orchestrator.state import ExerciseState

HOST_KEY = "/etc/ssh/ssh_host_ed25519_key.pub"


def team_range(state: ExerciseState, team: str) -> TeamRange:
    plan = state.load_plan()
    if plan is None:
        raise InvalidInputError(f"exercise '{state.exercise}' has no plan",
                                "bring it up first: rangectl up FILE")
    teams = [t.team for t in plan.teams]
    if team not in teams:
        raise InvalidInputError(f"exercise '{state.exercise}' has no team '{team}'",
                                "teams: " + ", ".join(teams))
    return plan.team(team)


def login_hosts(team: TeamRange) -> dict[str, str]:
    """Each name a trainee may log into (the bastion, the range's hosts and their
    aliases) and the host it names; red, the scorebot and other teams are not there."""
    names = {BASTION: BASTION}
    for host in team.hosts:
        if host.role == "range":
            names.update(dict.fromkeys((host.name, *host.aliases), host.name))
    return names


def host_keys(backend: RangeBackend, exercise: str, team: TeamRange,
              attempts: int = 20) -> dict[str, str]:
    """Each SSH host key of the team's bastion and range hosts (made on first start)."""
    keys: dict[str, str] = {}
    names = [BASTION, *[h.name for h in team.hosts if h.role == "range"]]
    for name in names:
        for _ in range(attempts):
            result = backend.exec(exercise, team.team, name, ["cat", HOST_KEY], timeout=10)
            fields = result.output.split()
            if result.exit_code == 0 and len(fields) >= 2:
                keys[name] = f"{fields[0]} {fields[1]}"
                break
            time.sleep(0.5)
        else:
            raise RuntimeFailureError(f"team '{team.team}', host '{name}' has no SSH host key",
                                      "is the range up? rangectl status")
    return keys


def make_kit(backend: RangeBackend, state: ExerciseState, team: str,
             directory: Path | None, force: bool = False) -> Path:
    """Write the team's kit (default: inside the exercise's state, which is rangectl's
    own folder to overwrite); return its ssh_config."""
    record = state.load_record()
    planned = team_range(state, team)
    key = ensure_team_key(state, record.exercise, team)
    target = directory or key_directory(state, team) / "kit"
    force = force or directory is None
    check_kit_folder(target.resolve(), record, planned, force)  # before asking the engine
    password = _trainee_password(state, team)
    return write_kit(target, record, planned, key, host_keys(backend, record.exercise, planned),
                     password=password, force=force)


def _trainee_password(state: ExerciseState, team: str) -> str | None:
    return load_secrets(state).get(team, {}).get(TRAINEE_PASSWORD)
