"""Synthetic scenarios of N teams x 10 hosts, the sizes the benchmarks use."""

from __future__ import annotations

from pathlib import Path

import yaml

RANGE_HOSTS = 7  # + red, scorebot, bastion = 10 containers per team
NETWORKS = 3


def synthetic_scenario(teams: int) -> dict[str, object]:
    networks = [f"n{i}" for i in range(NETWORKS)]
    return {
        "version": 1, "name": f"bench-{teams}", "duration": "1h",
        "teams": [{"id": f"t{i:02d}", "name": f"Team {i}", "site": "lab", "timezone": "UTC"}
                  for i in range(teams)],
        "networks": [{"name": name} for name in networks],
        "hosts": [{"name": f"h{i}", "networks": [networks[i % NETWORKS]],
                   "resources": {"memory": "64m", "pids": 64}} for i in range(RANGE_HOSTS)],
    }


def write_scenario(directory: Path, teams: int) -> Path:
    path = directory / f"bench-{teams}.yml"
    path.write_text(yaml.safe_dump(synthetic_scenario(teams), sort_keys=False), encoding="utf-8")
    return path
