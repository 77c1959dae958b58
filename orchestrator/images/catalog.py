"""Which role images exist: one folder under `images/` with a Dockerfile each.

Scenario hosts name an image (`image: web`); validation checks the name here so
that a typo is caught by `validate`, not by a failing `up` minutes later.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_IMAGE = "base"


def project_root() -> Path:
    """The checkout rangectl runs from (RANGECTL_HOME overrides it)."""
    override = os.environ.get("RANGECTL_HOME")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2]


def images_dir() -> Path:
    return project_root() / "images"


def known_images(directory: Path | None = None) -> frozenset[str] | None:
    """Names of the role images, or None when there is no images/ folder to ask."""
    directory = directory or images_dir()
    if not directory.is_dir():
        return None
    return frozenset(
        entry.name for entry in directory.iterdir()
        if (entry / "Dockerfile").is_file() and entry.name != BASE_IMAGE
    )
