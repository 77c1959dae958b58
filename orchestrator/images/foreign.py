"""Images rangectl does not build: a bundle's `docker save` archives, and references.

No registry is reachable from an exercise machine, so nothing is pulled: an
archive is loaded into the engine (once: it is tagged with a hash of its
bytes, and an archive whose hash is there already is not read again), and a
reference must already be on the engine, put there by `docker load` or
`docker pull` where a registry exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.images.builder import image_id
from orchestrator.images.sources import ImageSource, reference_of
from orchestrator.runtime.docker.client import explain_api_error

_CHUNK = 1024 * 1024


def ensure_foreign(api: Any, source: ImageSource, say: Callable[[str, str], None]) -> None:
    """Make the foreign image `source` runnable on the engine `api` talks to."""
    if source.kind == "archive":
        _load_archive(api, source, say)
    elif source.kind == "reference":
        _require(api, source, say)


def _require(api: Any, source: ImageSource, say: Callable[[str, str], None]) -> None:
    reference = reference_of(source.repository)
    if image_id(api, reference) is None:
        raise InvalidInputError(
            f"image {reference} is not on this Docker engine",
            "rangectl pulls nothing (no registry is reachable from a range): load it with "
            "`docker load -i FILE` or `docker pull` it where you can, or put a docker save "
            "archive in the bundle's images/ and name it: image: images/FILE.tar")
    say(source.spec, f"present ({reference})")


def _load_archive(api: Any, source: ImageSource, say: Callable[[str, str], None]) -> None:
    assert source.path is not None
    digest = hashlib.sha256()
    with source.path.open("rb") as archive:
        for chunk in iter(lambda: archive.read(_CHUNK), b""):
            digest.update(chunk)
    tag = digest.hexdigest()[:12]
    if image_id(api, f"{source.repository}:{tag}") is None:
        say(source.spec, f"loading {source.path.name}")
        with source.path.open("rb") as archive:
            try:
                answers = list(api.load_image(archive))
            except Exception as exc:
                raise RuntimeFailureError(f"cannot load {source.path}: {explain_api_error(exc)}",
                                          "it must be the output of `docker save`") from None
        api.tag(_loaded_image(answers, source), source.repository, tag)
    api.tag(f"{source.repository}:{tag}", source.repository, "latest")
    say(source.spec, f"ready ({source.repository}:{tag})")


def _loaded_image(answers: list[Any], source: ImageSource) -> str:
    """The one image an archive held, from the engine's `Loaded image...` answers."""
    loaded = []
    for answer in answers:
        text = str(answer.get("stream", "")) if isinstance(answer, dict) else str(answer)
        if "error" in (answer if isinstance(answer, dict) else {}):
            raise RuntimeFailureError(f"cannot load {source.path}: {answer['error']}")
        for prefix in ("Loaded image ID: ", "Loaded image: "):
            if text.startswith(prefix):
                loaded.append(text.removeprefix(prefix).strip())
    if len(loaded) != 1:
        raise InvalidInputError(
            f"{source.path} holds {len(loaded)} images; a host's archive holds one",
            "save one image per file: docker save -o FILE IMAGE")
    return loaded[0]

