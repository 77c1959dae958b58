"""Which images can be built: one folder with a Dockerfile each, rangectl's and a bundle's.

Scenario hosts name an image (`image: web`); validation checks the name here so
that a typo is caught by `validate`, not by a failing `up` minutes later. Each
Dockerfile builds FROM another image of the catalog, named by its
`ARG NAME=rangectl/PARENT:latest` line (no registry is reachable, so every
image descends from the bootstrapped base). A bundle's images are tagged under
the scenario's name (`rangectl/SCENARIO/NAME`) and may not take the name of one
of rangectl's own, whose tag other exercises run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestrator.content import content_root
from orchestrator.errors import InvalidInputError, RuntimeFailureError

BASE_IMAGE = "base"
REPOSITORY = "rangectl"
# The image every range host descends from that has Ansible inside (a bundle's roles
# run there): rangectl's `host`.
ANSIBLE_IMAGE = "host"
_PARENT = re.compile(r"^ARG (\w+)=rangectl/([a-z0-9-]+):latest\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ImageRecipe:
    name: str
    directory: Path
    parent: str | None  # another recipe's name; None for the base
    build_arg: str | None  # the Dockerfile ARG that names the parent
    repository: str = ""  # what it is tagged as; rangectl/NAME unless bundled
    bundled: bool = False

    def __post_init__(self) -> None:
        if not self.repository:
            object.__setattr__(self, "repository", f"{REPOSITORY}/{self.name}")


def images_dir() -> Path:
    return content_root() / "images"


def recipes(directory: Path | None = None, bundle_of: str | None = None) -> dict[str, ImageRecipe]:
    """Every image folder of `directory`, with the parent its Dockerfile builds FROM.

    `bundle_of` names the scenario whose bundle the folder is: its images are tagged
    under that name, and it has no base of its own."""
    directory = directory or images_dir()
    found = {} if bundle_of else {
        BASE_IMAGE: ImageRecipe(BASE_IMAGE, directory / BASE_IMAGE, None, None)}
    for dockerfile in sorted(directory.glob("*/Dockerfile")):
        match = _PARENT.search(dockerfile.read_text(encoding="utf-8", errors="replace"))
        if match is None:
            raise InvalidInputError(f"{dockerfile}: no 'ARG NAME=rangectl/PARENT:latest' line",
                                    "every image is built FROM another rangectl image, "
                                    "e.g. ARG HOST=rangectl/host:latest then FROM ${HOST}")
        name = dockerfile.parent.name
        repository = f"{REPOSITORY}/{bundle_of}/{name}" if bundle_of else ""
        found[name] = ImageRecipe(name, dockerfile.parent, match.group(2), match.group(1),
                                  repository, bool(bundle_of))
    return found


def image_catalog(bundle_images: Path | None, scenario: str) -> dict[str, ImageRecipe]:
    """rangectl's images and the bundle's (in `bundle_images`), by name."""
    own = recipes()
    if bundle_images is None:
        return own
    bundled = recipes(bundle_images, bundle_of=scenario)
    taken = sorted(set(bundled) & set(own))
    if taken:
        raise InvalidInputError(
            f"{bundle_images}: image folder '{taken[0]}' has the name of one of rangectl's "
            "own images", "rename the folder (and the hosts' image:); rangectl's images "
            "are: " + ", ".join(sorted(set(own) - {BASE_IMAGE})))
    return {**own, **bundled}


def known_images(directory: Path | None = None) -> frozenset[str] | None:
    """Names of rangectl's own role images, or None when there is no images/ folder to ask."""
    directory = directory or images_dir()
    if not directory.is_dir():
        return None
    return frozenset(
        entry.name for entry in directory.iterdir()
        if (entry / "Dockerfile").is_file() and entry.name != BASE_IMAGE
    )


def build_order(wanted: Iterable[str], catalog: dict[str, ImageRecipe]) -> list[str]:
    """`wanted` and their ancestors, parents first."""
    order: list[str] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name not in catalog:
            where = f" (needed by {chain[-1]})" if chain else ""
            raise InvalidInputError(f"no image '{name}'{where} under {images_dir()}",
                                    "known: " + ", ".join(sorted(catalog)))
        if name in chain:
            raise RuntimeFailureError(f"images build FROM each other in a loop: {chain}")
        parent = catalog[name].parent
        if parent is not None:
            visit(parent, (*chain, name))
        order.append(name)

    for name in wanted:
        visit(name, ())
    return order


def has_ansible(name: str, catalog: dict[str, ImageRecipe]) -> bool:
    """Whether image `name` descends from (or is) the image with Ansible inside."""
    seen: set[str] = set()
    while name in catalog and name not in seen:
        if name == ANSIBLE_IMAGE:
            return True
        seen.add(name)
        parent = catalog[name].parent
        if parent is None:
            return False
        name = parent
    return False
