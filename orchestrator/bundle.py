"""A scenario bundle: the folder of a scenario file that brings its own roles, images and files.

A real exercise brings its own services and weaknesses; nobody should fork
rangectl to write one. So a scenario file may sit in a folder with `roles/`
(Ansible roles, a `meta/rangectl.yml` each to be a vulnerability), `images/`
(Dockerfile folders built FROM a rangectl image, and `docker save` archives)
and `files/` (data the bundle's roles copy onto hosts). Names are looked up
there first, then in rangectl's own content.

A bundle travels between nations like its scenario, so it is data to the
controller: its roles never run in the controller's Ansible
(orchestrator/bundle_roles.py runs them inside the hosts), and nothing in it
may point outside it. `tree_problems` refuses links, devices and pipes, which
would let a bundle copy a controller file (`files/key -> /root/.ssh/id_ed25519`)
into a range, and sizes that would fill the hosts.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orchestrator.content import content_root
from orchestrator.errors import Problem

ROLES, IMAGES, FILES = "roles", "images", "files"
PARTS = (ROLES, IMAGES, FILES)
# roles/ and files/ are copied into each host that runs a bundle role.
COPIED_LIMIT = 32 * 1024 * 1024
# A bundle is a folder of text and a few archives; this many entries is a mistake.
MAX_ENTRIES = 5_000


@dataclass(frozen=True)
class Bundle:
    """The bundle a scenario belongs to; `root` None: a lone file, rangectl's content only."""

    root: Path | None = None

    def part(self, name: str) -> Path | None:
        """The bundle's `roles/`, `images/` or `files/` folder, None when it has none."""
        if self.root is None or not (self.root / name).is_dir():
            return None
        return self.root / name


def bundle_of(scenario_path: Path) -> Bundle:
    """The bundle of the scenario at `scenario_path`: its folder, if that has any part."""
    folder = scenario_path.resolve().parent
    if not scenario_path.is_file() or folder == content_root().resolve():
        return Bundle()  # no file to read; or rangectl's own folders, not a bundle
    if any((folder / part).is_dir() for part in PARTS):
        return Bundle(folder)
    return Bundle()


def tree_problems(bundle: Bundle) -> list[Problem]:
    """Everything in the bundle's parts that is not a plain folder or file, or too big."""
    if bundle.root is None:
        return []
    problems: list[Problem] = []
    copied = 0
    for count, (path, mode) in enumerate(_entries(bundle)):
        if count >= MAX_ENTRIES:
            problems.append(_problem(bundle.root, f"more than {MAX_ENTRIES} files",
                                     "a bundle holds roles, image folders and a few files"))
            break
        if stat.S_ISLNK(mode):
            problems.append(_problem(path, "a bundle may not hold symbolic links",
                                     "copy the file in; a link could point anywhere on "
                                     "the controller"))
        elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            problems.append(_problem(path, "not a plain file or folder",
                                     "a bundle holds only files and folders"))
        elif stat.S_ISREG(mode) and path.relative_to(bundle.root).parts[0] != IMAGES:
            copied += path.lstat().st_size
    if copied > COPIED_LIMIT:
        problems.append(_problem(bundle.root, f"roles/ and files/ hold {copied} bytes, more "
                                 f"than {COPIED_LIMIT // (1024 * 1024)} MiB",
                                 "they are copied onto every host that runs a bundle role; "
                                 "put large software into an image instead"))
    return problems


def _entries(bundle: Bundle) -> Iterator[tuple[Path, int]]:
    """Every entry under the bundle's parts, with its mode; links are not followed."""
    assert bundle.root is not None
    for name in PARTS:
        top = bundle.root / name
        if top.is_symlink():
            yield top, top.lstat().st_mode
            continue
        if not top.is_dir():
            continue
        for folder, folders, files in os.walk(top, followlinks=False):
            for entry in (*folders, *files):
                path = Path(folder) / entry
                yield path, path.lstat().st_mode


def _problem(path: Path, message: str, hint: str) -> Problem:
    return Problem(str(path), None, None, message, hint)
