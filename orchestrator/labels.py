"""The names every part of rangectl agrees on: label keys and the own hosts.

Docker objects carry no state of ours but their labels: `status`, recovery
after a crash, `down` and every lookup of a team's host find objects by them.
The planner writes them and each backend reads them, so a key spelled twice
would be a key that can drift; it is spelled here once (as containerlab keeps
its labels in one package).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PREFIX: Final = "rangectl"

EXERCISE: Final = f"{PREFIX}.exercise"
TEAM: Final = f"{PREFIX}.team"
HOST: Final = f"{PREFIX}.host"
ROLE: Final = f"{PREFIX}.role"
NETWORK: Final = f"{PREFIX}.network"
BLOCK: Final = f"{PREFIX}.block"  # a team's whole address block (see reserved_subnets)
SCENARIO: Final = f"{PREFIX}.scenario"
CONFIG: Final = f"{PREFIX}.config"  # hash of a container's planned config (idempotent up)
IMAGE: Final = f"{PREFIX}.image"  # the recipe an image was built from
NODE: Final = f"{PREFIX}.node"  # the Swarm node a container was placed on

# Swarm node labels a cluster's operator sets (docker node update --label-add):
SITE: Final = f"{PREFIX}.site"  # the sites a node holds, comma-separated
ENGINE: Final = f"{PREFIX}.engine"  # how the controller reaches the node's engine

# rangectl's own hosts in every team's range, beside the scenario's hosts.
BASTION: Final = "bastion"
SCOREBOT: Final = "scorebot"
RED: Final = "red"
OWN_HOSTS: Final = (RED, SCOREBOT, BASTION)

UNKNOWN: Final = "?"


def object_labels(exercise: str, team: str, **extra: str) -> dict[str, str]:
    """The labels of one team's object: exercise, team, and `rangectl.KEY` extras."""
    labels = {EXERCISE: exercise, TEAM: team}
    labels.update({f"{PREFIX}.{key}": value for key, value in extra.items()})
    return labels


def selector(exercise: str, **extra: str) -> list[str]:
    """`KEY=VALUE` terms selecting one exercise's objects (narrower with extras,
    e.g. `team=ottawa`), as Docker's list filters take them."""
    return [f"{EXERCISE}={exercise}", *(f"{PREFIX}.{key}={value}" for key, value in extra.items())]


def read(labels: Mapping[str, str] | None, key: str) -> str:
    """A label's value, or `?` on an object someone relabelled by hand."""
    return (labels or {}).get(key, UNKNOWN)
