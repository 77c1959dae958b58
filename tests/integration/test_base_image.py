"""The base image that `make setup` bootstraps is real Debian and runs offline."""

from __future__ import annotations

import docker
import pytest

pytestmark = pytest.mark.docker


def test_base_image_runs_python_without_a_network() -> None:
    client = docker.from_env()
    image = client.images.get("rangectl/base:latest")
    assert image.labels.get("rangectl.image") == "base"
    output = client.containers.run(
        "rangectl/base:latest",
        ["sh", "-c", "python3 -c 'import sys; print(sys.version_info[0])'; "
                     "grep -c bookworm /etc/apt/sources.list; ip -o route | wc -l"],
        network_mode="none", remove=True, labels={"rangectl.test": "base-image"},
    )
    python_major, suites, routes = output.decode().split()
    assert python_major == "3"
    assert int(suites) >= 1
    assert routes == "0"
