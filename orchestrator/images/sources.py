"""What a host's `image:` names, and the image Docker runs for it.

Four kinds, told apart by the value's shape and the folders that exist:
- `rangectl`: one of rangectl's own image folders (`web`), run as `rangectl/web`;
- `bundle`: a Dockerfile folder in the scenario's bundle (`images/substation/`),
  run as `rangectl/SCENARIO/substation`, so two bundles' images of one name
  never take each other's tag;
- `archive`: a `docker save` file in the bundle (`images/hmi.tar`), loaded at
  `up` and run as `rangectl-archive/SCENARIO/hmi`;
- `reference`: an image the engine already holds (`nginx:1.25`), run as named.

rangectl builds the first two FROM its base, with python3 and sshd, so Ansible
configures them (`managed`); the last two are foreign: they get the labels,
limits, networks and isolation of any host, but no roles and no trainee
accounts, and their services are checked from the scorebot like any other.

Pure apart from looking at the catalog it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orchestrator.bundle import IMAGES, Bundle
from orchestrator.errors import InvalidInputError
from orchestrator.images.catalog import ImageRecipe, image_catalog
from orchestrator.scenario.types import IMAGE_ARCHIVE_PATTERN, NAME_PATTERN

ImageKind = Literal["rangectl", "bundle", "archive", "reference"]
ARCHIVE_REPOSITORY = "rangectl-archive"


@dataclass(frozen=True)
class ImageSource:
    """One `image:` value, resolved."""

    spec: str  # as the scenario wrote it
    kind: ImageKind
    repository: str  # what Docker runs (a reference_of() adds the tag)
    path: Path | None = None  # the recipe folder or the archive

    @property
    def managed(self) -> bool:
        """Built by rangectl FROM its base: python3 and sshd inside, Ansible configures it."""
        return self.kind in ("rangectl", "bundle")


def shape(spec: str) -> Literal["name", "archive", "reference"]:
    if re.fullmatch(NAME_PATTERN, spec):
        return "name"
    if re.fullmatch(IMAGE_ARCHIVE_PATTERN, spec):
        return "archive"
    return "reference"


def resolve(spec: str, scenario: str, catalog: dict[str, ImageRecipe],
            bundle_root: Path | None) -> ImageSource | None:
    """The image `spec` names; None when it names a folder or file that does not exist."""
    kind = shape(spec)
    if kind == "reference":
        return ImageSource(spec, "reference", spec)
    if kind == "archive":
        if bundle_root is None or not (bundle_root / spec).is_file():
            return None
        stem = Path(spec).name.split(".")[0].lower().replace("_", "-")
        return ImageSource(spec, "archive", f"{ARCHIVE_REPOSITORY}/{scenario}/{stem}",
                           bundle_root / spec)
    recipe = catalog.get(spec)
    if recipe is None:
        return None
    return ImageSource(spec, "bundle" if recipe.bundled else "rangectl", recipe.repository,
                       recipe.directory)


def reference_of(repository: str) -> str:
    """`repository` with `:latest` unless it names a tag or digest already."""
    last = repository.rsplit("/", 1)[-1]
    return repository if ":" in last or "@" in last else f"{repository}:latest"


def scenario_images(scenario: str, specs: Iterable[str], bundle: Bundle) -> dict[str, ImageSource]:
    """Every `image:` of a scenario resolved, the bundle's images tagged under `scenario`.

    Raises InvalidInputError for a name that is gone since validation."""
    catalog = image_catalog(bundle.part(IMAGES), scenario)
    resolved = {}
    for spec in sorted(set(specs)):
        source = resolve(spec, scenario, catalog, bundle.root)
        if source is None:
            raise InvalidInputError(f"image '{spec}' is no longer there",
                                    "run rangectl validate on the scenario")
        resolved[spec] = source
    return resolved
