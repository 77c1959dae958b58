"""Every role and vulnerability a scenario may name, found in an ordered list of folders.

The folders are searched in order and the first that has a name wins: a
scenario bundle's `roles/` (orchestrator/bundle.py), then rangectl's own
(`playbooks/roles`). A bundle's roles are `bundled`: they run with the Ansible
inside the host, never the controller's (orchestrator/bundle_roles.py). A role is a folder with
`tasks/main.yml`; its `meta/rangectl.yml` (orchestrator/roles/metadata.py)
says what kind it is. A role with no metadata is a plain role whose `vars`
are not checked; only metadata can make a vulnerability.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestrator.content import content_root
from orchestrator.errors import ScenarioError
from orchestrator.roles.metadata import METADATA_FILE, RoleKind, RoleMetadata, read_metadata


@dataclass(frozen=True)
class RoleEntry:
    name: str
    path: Path
    metadata: RoleMetadata | None  # None: no meta/rangectl.yml
    bundled: bool = False  # from a scenario bundle, not rangectl's own roles

    @property
    def kind(self) -> RoleKind:
        return self.metadata.kind if self.metadata else "role"


@dataclass(frozen=True)
class RoleCatalog:
    """The roles found, by name (the first folder that has a name wins)."""

    entries: Mapping[str, RoleEntry]
    searched: tuple[Path, ...]

    def of_kind(self, kind: RoleKind) -> dict[str, RoleEntry]:
        return {name: entry for name, entry in self.entries.items() if entry.kind == kind}

    def where(self) -> str:
        """The folders searched, for a hint."""
        return ", ".join(str(path) for path in self.searched)


def builtin_roles() -> Path:
    """rangectl's own roles (from the checkout, or the installed package's content)."""
    return content_root() / "playbooks" / "roles"


def read_catalog(directories: Sequence[Path]) -> RoleCatalog:
    """The roles in `directories`, earlier folders first; every bad metadata file at once."""
    entries: dict[str, RoleEntry] = {}
    problems = []
    for directory in directories:
        for path in _role_folders(directory):
            if path.name in entries:
                continue
            metadata = None
            if (path / METADATA_FILE).is_file():
                try:
                    metadata = read_metadata(path / METADATA_FILE)
                except ScenarioError as exc:
                    problems.extend(exc.problems)
                    continue
            entries[path.name] = RoleEntry(path.name, path, metadata,
                                           bundled=directory != builtin_roles())
    if problems:
        raise ScenarioError(problems)
    return RoleCatalog(dict(sorted(entries.items())), tuple(directories))


def scenario_roles(bundle_roles: Path | None) -> RoleCatalog:
    """What a scenario may name: its bundle's roles (if any) first, then rangectl's."""
    return read_catalog([*([bundle_roles] if bundle_roles else []), builtin_roles()])


def _role_folders(directory: Path) -> Iterator[Path]:
    if not directory.is_dir():
        return
    for path in sorted(directory.iterdir()):
        if not path.name.startswith(".") and (path / "tasks" / "main.yml").is_file():
            yield path
