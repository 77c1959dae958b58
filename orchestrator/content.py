"""Where rangectl's own content lives: the playbooks and the image recipes.

From a checkout they are its `playbooks/` and `images/` folders; an installed
rangectl (`pip install .`, pipx) carries the same folders as package data
under `orchestrator/_content/`, copied there when the wheel is built (setup.py),
so the tool works from any folder. One function answers for both;
`RANGECTL_HOME` points it at another tree (a checkout being worked on).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGED = "_content"


def content_root() -> Path:
    """The folder holding `playbooks/` and `images/`."""
    override = os.environ.get("RANGECTL_HOME")
    if override:
        return Path(override)
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "playbooks").is_dir() and (checkout / "images").is_dir():
        return checkout
    # An installed wheel is unpacked on disk: Ansible and `docker build` need real paths.
    return Path(str(resources.files("orchestrator") / PACKAGED))
