"""Build the range's images: the base from Debian, every other one FROM it.

No registry is reachable from an exercise machine, so nothing is pulled. Each
image is tagged with a hash of its folder's files and of its parent image, so
`rangectl images build` rebuilds exactly what changed (and what depends on it)
and `up` can ask for the images it needs at no cost when they exist.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator import labels
from orchestrator.errors import RuntimeFailureError
from orchestrator.images.catalog import (
    BASE_IMAGE,
    REPOSITORY,
    ImageRecipe,
    build_order,
    images_dir,
    recipes,
)
from orchestrator.runtime.docker.client import explain_api_error


@dataclass(frozen=True)
class ImageProgress:
    """One line of progress: which image, and what is happening to it."""

    image: str
    message: str


ProgressSink = Callable[[ImageProgress], None]


def content_hash(recipe: ImageRecipe, parent_id: str | None) -> str:
    """A hash of the image folder's files and the parent image's id."""
    digest = hashlib.sha256((parent_id or "").encode())
    for path in sorted(p for p in recipe.directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(recipe.directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class ImageBuilder:
    """Builds what is missing or changed; `force` rebuilds everything asked for."""

    def __init__(self, api: Any, on_progress: ProgressSink, directory: Path | None = None) -> None:
        self.api = api
        self.on_progress = on_progress
        self.directory = directory or images_dir()
        self.catalog = recipes(self.directory)

    def with_catalog(self, catalog: dict[str, ImageRecipe]) -> ImageBuilder:
        """The same builder over another catalog (rangectl's images and a bundle's)."""
        builder = ImageBuilder(self.api, self.on_progress, self.directory)
        builder.catalog = catalog
        return builder

    def status(self) -> list[dict[str, str]]:
        """Each image: its current content tag and whether that tag exists."""
        return image_status(self.api, self.directory)

    def ensure(self, names: Iterable[str], force: bool = False) -> list[str]:
        """Make `names` (and their parents) current; return the ones built."""
        built = []
        for name in build_order(names, self.catalog):
            if self._ensure_one(self.catalog[name], force):
                built.append(name)
        return built

    def _ensure_one(self, recipe: ImageRecipe, force: bool) -> bool:
        if recipe.parent is None:
            return self._bootstrap_base(force)
        parent_id = self._image_id(f"{self.catalog[recipe.parent].repository}:latest")
        tag = f"{recipe.repository}:{content_hash(recipe, parent_id)}"
        if not force and self._image_id(tag) is not None:
            self.api.tag(tag, recipe.repository, "latest")
            self.on_progress(ImageProgress(recipe.name, f"up to date ({tag})"))
            return False
        self.on_progress(ImageProgress(recipe.name, f"building {tag}"))
        self._build(recipe, tag)
        self.api.tag(tag, recipe.repository, "latest")
        self.on_progress(ImageProgress(recipe.name, f"built {tag}"))
        return True

    def _build(self, recipe: ImageRecipe, tag: str) -> None:
        build_args = {recipe.build_arg: f"{self.catalog[recipe.parent].repository}:latest"} \
            if recipe.build_arg and recipe.parent else {}
        log: list[str] = []
        stream = self.api.build(path=str(recipe.directory), tag=tag, buildargs=build_args,
                                rm=True, forcerm=True, decode=True,
                                labels={labels.IMAGE: recipe.name})
        for chunk in stream:
            if "error" in chunk:
                tail = "\n".join(log[-15:])
                raise RuntimeFailureError(
                    f"building image {recipe.name} failed: {chunk['error'].strip()}\n{tail}",
                    "image builds install Debian packages: check the mirror is reachable")
            text = str(chunk.get("stream", "")).rstrip()
            if text:
                log.append(text)
                if text.startswith("Step "):
                    self.on_progress(ImageProgress(recipe.name, text))

    def _bootstrap_base(self, force: bool) -> bool:
        script = self.directory / BASE_IMAGE / "bootstrap.sh"
        before = self._image_id(f"{REPOSITORY}/{BASE_IMAGE}:latest")
        self.on_progress(ImageProgress(BASE_IMAGE, "checking the Debian base image"))
        result = subprocess.run(["bash", str(script), *(["--force"] if force else [])],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeFailureError(
                f"bootstrapping the base image failed: {result.stderr.strip()[-800:]}",
                f"run it by hand to see everything: bash {script}")
        for line in result.stdout.splitlines():
            self.on_progress(ImageProgress(BASE_IMAGE, line.removeprefix("==> ")))
        return self._image_id(f"{REPOSITORY}/{BASE_IMAGE}:latest") != before

    def _image_id(self, reference: str) -> str | None:
        return image_id(self.api, reference)


def image_id(api: Any, reference: str) -> str | None:
    """The id of image `reference` on the engine, None when it has no such image."""
    try:
        return str(api.inspect_image(reference)["Id"])
    except Exception as exc:
        if "no such image" in explain_api_error(exc).lower():
            return None
        raise RuntimeFailureError(f"cannot inspect image {reference}: "
                                  f"{explain_api_error(exc)}") from None


def image_status(api: Any, directory: Path | None = None) -> list[dict[str, str]]:
    """Each image: its current content tag and whether that tag exists."""
    catalog = recipes(directory)
    rows = []
    for name in build_order(sorted(catalog), catalog):
        recipe = catalog[name]
        latest = _safe_id(api, f"{REPOSITORY}/{name}:latest")
        if recipe.parent is None:
            rows.append({"image": name, "tag": f"{REPOSITORY}/{name}:latest",
                         "state": "present" if latest else "missing"})
            continue
        parent_id = _safe_id(api, f"{REPOSITORY}/{recipe.parent}:latest")
        tag = f"{REPOSITORY}/{name}:{content_hash(recipe, parent_id)}"
        current = _safe_id(api, tag)
        state = "up to date" if current and current == latest else (
            "stale" if latest else "missing")
        rows.append({"image": name, "tag": tag, "state": state})
    return rows


def _safe_id(api: Any, reference: str) -> str | None:
    try:
        return str(api.inspect_image(reference)["Id"])
    except Exception:
        return None
