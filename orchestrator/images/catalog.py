"""Which role images exist: one folder under `images/` with a Dockerfile each.

Scenario hosts name an image (`image: web`); validation checks the name here so
that a typo is caught by `validate`, not by a failing `up` minutes later.
"""

from __future__ import annotations

from pathlib import Path

from orchestrator.content import content_root

BASE_IMAGE = "base"


def images_dir() -> Path:
    return content_root() / "images"


def known_images(directory: Path | None = None) -> frozenset[str] | None:
    """Names of the role images, or None when there is no images/ folder to ask."""
    directory = directory or images_dir()
    if not directory.is_dir():
        return None
    return frozenset(
        entry.name for entry in directory.iterdir()
        if (entry / "Dockerfile").is_file() and entry.name != BASE_IMAGE
    )
