"""Hostile scenarios the security suite brings up: every Ansible lookup would leave a marker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import SCENARIOS


def lookup(marker: Path, label: str) -> str:
    """A template that, if Ansible ever evaluated it, would create `marker`-label."""
    return f"{{{{ lookup('pipe', 'touch {marker}-{label}; echo {label}') }}}}"


def hostile_scenario(directory: Path, marker: Path, teams: int = 2) -> Path:
    """The quickstart, with Ansible lookups in a team name, a role var and a vulnerability var."""
    scenario: dict[str, Any] = yaml.safe_load((SCENARIOS / "quickstart.yml").read_text())
    scenario["teams"] = scenario["teams"][:teams]
    scenario["teams"][0]["name"] = lookup(marker, "team")
    web = next(host for host in scenario["hosts"] if host["name"] == "web")
    web["roles"] = [{"name": "web_portal",
                     "vars": {"title": "Arctic Sentinel " + lookup(marker, "title")}}]
    files = next(host for host in scenario["hosts"] if host["name"] == "files")
    # A vulnerability's variable, of one that reads free text: a path.
    files["vulnerabilities"].append({"name": "world_readable_secrets", "vars": {
        "path": "/srv/notes/" + lookup(marker, "vuln"), "secret": "admin_password"}})
    path = directory / "hostile.yml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path
