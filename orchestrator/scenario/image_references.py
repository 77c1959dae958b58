"""A host's `image:`: it exists, and it can run what the host asks of it.

An image is a rangectl or bundle image folder, a `docker save` archive in the
bundle, or a reference to an image on the engine (orchestrator/images/sources.py).
A foreign image (archive or reference) was not built by rangectl: Ansible has no
python3 or setup to rely on there, so such a host takes no roles or
vulnerabilities; a bundle's roles run with the Ansible inside the host, which
only images descending from rangectl's `host` carry. Both are said here, at
the line, rather than by a failing `up`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from orchestrator.errors import Problem
from orchestrator.images.catalog import ANSIBLE_IMAGE, BASE_IMAGE, has_ansible
from orchestrator.images.sources import ARCHIVE_REPOSITORY, shape
from orchestrator.scenario.hints import suggest
from orchestrator.scenario.model import Host
from orchestrator.scenario.yaml_source import PathKey, SourceMap

if TYPE_CHECKING:
    from orchestrator.scenario.references import ReferenceContext

_OWN_NAMESPACES = ("rangectl/", f"{ARCHIVE_REPOSITORY}/")


def image_problems(host: Host, base: PathKey, context: ReferenceContext,
                   sm: SourceMap) -> Iterator[Problem]:
    path: PathKey = (*base, "image")
    kind = shape(host.image)
    where = f"host '{host.name}'"
    if kind == "name" and context.images is not None:
        names = set(context.images) - {BASE_IMAGE}
        if host.image not in names:
            looked = ", ".join(sorted({str(r.directory.parent) for r in context.images.values()}))
            yield sm.problem(path, f"{where}: unknown image '{host.image}'",
                             suggest(host.image, names) + f"; looked in {looked}; an image "
                             f"on the engine is named with its tag, e.g. {host.image}:latest")
        elif _runs_bundle_roles(host, context) and not has_ansible(host.image, context.images):
            yield sm.problem(path, f"{where}: image '{host.image}' has no Ansible inside, and "
                                   "the host's bundle roles run with it",
                             f"build the image FROM rangectl/{ANSIBLE_IMAGE} "
                             f"(ARG HOST=rangectl/{ANSIBLE_IMAGE}:latest)")
        return
    if kind == "archive" and context.images is not None:
        if context.bundle is None:
            yield sm.problem(path, f"{where}: '{host.image}' names an archive in a scenario "
                                   "bundle, and this scenario file has no bundle folder",
                             "put the file in images/ beside the scenario file")
            return
        if not (context.bundle / host.image).is_file():
            yield sm.problem(path, f"{where}: no file {context.bundle / host.image}",
                             "make it with: docker save -o " + host.image + " IMAGE")
            return
    if kind == "reference" and host.image.startswith(_OWN_NAMESPACES):
        yield sm.problem(path, f"{where}: '{host.image}' is in rangectl's own image namespace",
                         "name a rangectl or bundle image by its folder name alone, e.g. "
                         "image: web")
        return
    if kind != "name" and (host.roles or host.vulnerabilities):
        yield sm.problem(path, f"{where}: image '{host.image}' was not built by rangectl, so "
                               "it takes no roles or vulnerabilities (Ansible needs python3 "
                               "and rangectl's setup inside)",
                         f"configure it in its own image, or build one FROM "
                         f"rangectl/{ANSIBLE_IMAGE} in the bundle's images/ folder")


def _runs_bundle_roles(host: Host, context: ReferenceContext) -> bool:
    if context.roles is None:
        return False
    names = [ref.name for ref in host.roles] + [ref.name for ref in host.vulnerabilities]
    return any(entry.bundled for name in names
               if (entry := context.roles.entries.get(name)) is not None)
