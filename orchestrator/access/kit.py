"""A team's access kit: what a trainee needs to reach their range, and nothing more.

The kit holds an OpenSSH client configuration with the team's bastion as
ProxyJump for every host of the team, the team's key, the host keys of the
team's hosts (so the client verifies every hop instead of trusting on first
use), and a short README. It is written with the controller's addresses: the
bastion as published (127.0.0.1 unless `up --bind` said otherwise).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestrator.access.keys import TRAINEE_USER, TeamKey
from orchestrator.plan.model import TeamRange
from orchestrator.state import ExerciseRecord, write_atomically


def host_key_alias(exercise: str, team: str, host: str) -> str:
    return f"rangectl-{exercise}-{team}-{host}"


def write_kit(directory: Path, record: ExerciseRecord, team: TeamRange, key: TeamKey,
              host_keys: dict[str, str], user: str = TRAINEE_USER,
              password: str | None = None) -> Path:
    """Write the kit into `directory`; return the path of its ssh_config."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    key_path = directory / "id_ed25519"
    shutil.copyfile(key.private_path, key_path)
    os.chmod(key_path, 0o600)
    write_atomically(directory / "id_ed25519.pub", key.public_key + "\n")
    known = [f"{host_key_alias(record.exercise, team.team, host)} {public}"
             for host, public in sorted(host_keys.items())]
    write_atomically(directory / "known_hosts", "\n".join(known) + "\n")
    config = directory / "ssh_config"
    write_atomically(config, _ssh_config(directory, record, team, user))
    write_atomically(directory / "README.md", _readme(record, team, user))
    if password:
        write_atomically(directory / "password", password + "\n")
        os.chmod(directory / "password", 0o600)
    return config


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
        f"  HostKeyAlias {host_key_alias(record.exercise, team.team, 'bastion')}",
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
