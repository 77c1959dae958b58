"""A team's access kit: what a trainee needs to reach their range, and nothing more.

The kit holds an OpenSSH client configuration with the team's bastion as
ProxyJump for every host of the team, the team's key, the host keys of the
team's hosts (so the client verifies every hop instead of trusting on first
use), and a short README. It is written with the controller's addresses: the
bastion as published (127.0.0.1 unless `up --bind` said otherwise).

A kit is written only into a new or empty folder, or over a kit of the same
team and exercise (recognised by its ssh_config's first line), unless the
controller says --force: `access --out ~/.ssh` must not replace a person's own key
and ssh_config.
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestrator.access.keys import TRAINEE_USER, TeamKey
from orchestrator.errors import InvalidInputError
from orchestrator.labels import BASTION
from orchestrator.plan.model import TeamRange
from orchestrator.state import ExerciseRecord, write_atomically


def host_key_alias(exercise: str, team: str, host: str) -> str:
    return f"rangectl-{exercise}-{team}-{host}"


KIT_FILES = ("ssh_config", "id_ed25519", "id_ed25519.pub", "known_hosts", "README.md",
             "password")


def write_kit(directory: Path, record: ExerciseRecord, team: TeamRange, key: TeamKey,
              host_keys: dict[str, str], user: str = TRAINEE_USER,
              password: str | None = None, force: bool = False) -> Path:
    """Write the kit into `directory`; return the path of its ssh_config.

    The folder must be new, empty, or a kit rangectl wrote for the same team and
    exercise (refreshed in place), unless `force`: `-o ~/.ssh` must not replace
    someone's own key and ssh configuration."""
    directory = directory.resolve()
    fresh = check_kit_folder(directory, record, team, force)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if fresh:  # a folder of someone else's (--force) keeps its own mode
        os.chmod(directory, 0o700)
    # Each file is written to a temporary name (0600) and renamed into place, so a
    # link planted at a kit file's name is replaced, never written through.
    write_atomically(directory / "id_ed25519", key.private_path.read_text(encoding="utf-8"))
    write_atomically(directory / "id_ed25519.pub", key.public_key + "\n")
    known = [f"{host_key_alias(record.exercise, team.team, host)} {public}"
             for host, public in sorted(host_keys.items())]
    write_atomically(directory / "known_hosts", "\n".join(known) + "\n")
    config = directory / "ssh_config"
    write_atomically(config, _ssh_config(directory, record, team, user))
    write_atomically(directory / "README.md", _readme(record, team, user))
    if password:
        write_atomically(directory / "password", password + "\n")
    return config


def check_kit_folder(directory: Path, record: ExerciseRecord, team: TeamRange,
                     force: bool) -> bool:
    """Whether the folder is new, empty or this team's own kit (its mode is then
    rangectl's to set); refuse any other folder unless `force`."""
    if not directory.exists():
        return True
    if not directory.is_dir():
        raise InvalidInputError(f"{directory} is not a folder",
                                "give the kit a new or empty folder: -o DIR")
    entries = sorted(entry.name for entry in directory.iterdir())
    if not entries or _is_kit_of(directory / "ssh_config", record, team):
        return True
    if force:
        return False
    clashes = [name for name in KIT_FILES if name in entries]
    what = (f"files a kit would overwrite ({', '.join(clashes)})" if clashes
            else f"{len(entries)} other file(s)")
    raise InvalidInputError(
        f"{directory} is not a kit of team '{team.team}' of exercise '{record.exercise}' "
        f"and holds {what}",
        "write the kit to a new or empty folder (-o DIR), or add --force to overwrite "
        f"the kit's files there ({', '.join(KIT_FILES)})")


def _is_kit_of(config: Path, record: ExerciseRecord, team: TeamRange) -> bool:
    """Whether `config` is the ssh_config rangectl wrote for this team and exercise."""
    if config.is_symlink() or not config.is_file():
        return False
    with config.open(encoding="utf-8", errors="replace") as stream:
        first = stream.readline().rstrip("\n")
    return (first.startswith(f"# Access kit of team {team.team} (")
            and first.endswith(f"), exercise {record.exercise}."))


def reachable_hosts(team: TeamRange) -> list[str]:
    """The hosts a trainee logs into: the range's hosts (not red or scorebot)."""
    return [host.name for host in team.hosts if host.role == "range"]


def _ssh_config(directory: Path, record: ExerciseRecord, team: TeamRange, user: str) -> str:
    port = record.bastion_ports[team.team]
    lines = [
        f"# Access kit of team {team.team} ({team.name}), exercise {record.exercise}.",
        f"# Use it as: ssh -F {directory / 'ssh_config'} HOST",
        "",
        "Host bastion",
        f"  HostName {record.bind_address}",
        f"  Port {port}",
        f"  HostKeyAlias {host_key_alias(record.exercise, team.team, BASTION)}",
        "",
    ]
    for host in team.hosts:
        if host.role != "range":
            continue
        lines += [
            f"Host {' '.join([host.name, *host.aliases])}",
            f"  HostName {host.name}",
            "  ProxyJump bastion",
            f"  HostKeyAlias {host_key_alias(record.exercise, team.team, host.name)}",
            "",
        ]
    lines += [
        "Host *",
        f"  User {user}",
        f"  IdentityFile {directory / 'id_ed25519'}",
        "  IdentitiesOnly yes",
        f"  UserKnownHostsFile {directory / 'known_hosts'}",
        "  StrictHostKeyChecking yes",
        "  ServerAliveInterval 30",
        "  LogLevel ERROR",
        "",
    ]
    return "\n".join(lines)


def _readme(record: ExerciseRecord, team: TeamRange, user: str) -> str:
    rows = []
    for host in team.hosts:
        if host.role != "range":
            continue
        addresses = ", ".join(f"{net} {addr}" for net, addr in host.addresses.items())
        rows.append(f"| {host.name} | {', '.join(host.aliases) or '-'} | {addresses} |")
    table = "\n".join(rows)
    return f"""# Team {team.name}: your range in exercise {record.exercise}

You defend these hosts. You reach them only through your team's bastion, with
the key in this folder; nothing else of the exercise is reachable from here.

## Connect

    ssh -F ssh_config HOST        # for example: ssh -F ssh_config {reachable_hosts(team)[0]}
    ssh -F ssh_config bastion     # the bastion itself

You log in as `{user}` and may use `sudo` on every host of the range (not on
the bastion). Keep `id_ed25519` to yourself: it is your team's key.

## Hosts

| host | aliases | addresses |
|---|---|---|
{table}

## If it does not work

- `Permission denied (publickey)`: use this folder's `ssh_config` (`-F`),
  and keep the key's mode at 0600.
- `Connection refused` on the bastion: the range is down; ask the white cell.
- `Host key verification failed`: the range was rebuilt; ask for a new kit.
"""
