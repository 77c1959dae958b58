"""The security suite: one test (at least) per trust boundary of docs/security.md.

Tests here that need a real Docker engine are marked `docker` and share the
integration suite's fixtures (their own exercise ids, their own state folder,
everything removed even when a test fails). `hostile_range` is one range,
brought up once for the whole suite from a scenario full of Ansible lookups.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.runtime.docker.backend import DockerBackend
from tests.integration.conftest import backend, deployed, state_dir, unique_exercise
from tests.security.hostile import hostile_scenario

__all__ = ["backend", "hostile_range", "state_dir"]


@pytest.fixture(scope="session")
def hostile_range(backend: DockerBackend, tmp_path_factory: pytest.TempPathFactory,
                  ) -> Iterator[tuple[str, Path]]:
    """(exercise, marker): the quickstart for one team, with lookups that would touch marker-*."""
    directory = tmp_path_factory.mktemp("hostile")
    marker = Path(f"/tmp/rp-{secrets.token_hex(4)}")
    scenario = hostile_scenario(directory, marker, teams=1)
    try:
        for exercise in deployed(backend, scenario, unique_exercise("hostile")):
            yield exercise, marker
    finally:
        for leftover in marker.parent.glob(f"{marker.name}-*"):
            leftover.unlink()
