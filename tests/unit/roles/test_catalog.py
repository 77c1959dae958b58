"""The role catalog: one list of what a scenario may name, read from the roles' own metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import ScenarioError
from orchestrator.roles.catalog import builtin_roles, read_catalog


def role(folder: Path, name: str, metadata: str | None = None) -> Path:
    (folder / name / "tasks").mkdir(parents=True)
    (folder / name / "tasks" / "main.yml").write_text("---\n[]\n", encoding="utf-8")
    if metadata is not None:
        (folder / name / "meta").mkdir()
        (folder / name / "meta" / "rangectl.yml").write_text(metadata, encoding="utf-8")
    return folder / name


def test_every_builtin_role_says_what_it_is() -> None:
    catalog = read_catalog([builtin_roles()])
    assert all(entry.metadata is not None for entry in catalog.entries.values())
    assert set(catalog.of_kind("vulnerability")) == {
        "weak_ssh_password", "web_command_injection", "world_readable_secrets",
        "exposed_admin_service"}
    assert set(catalog.of_kind("internal")) == {"common", "trainee_access"}
    assert set(catalog.of_kind("role")) == {"router", "web_portal", "ais_feed", "dns",
                                            "historian", "workstation"}
    weak = catalog.entries["weak_ssh_password"].metadata
    assert weak is not None
    assert weak.techniques == ("T1110.001",)
    assert {name for name, v in weak.vars.items() if v.required} == {"user", "secret"}


def test_the_first_folder_with_a_name_wins_and_a_role_without_metadata_is_a_role(
        tmp_path: Path) -> None:
    bundle, own = tmp_path / "bundle", tmp_path / "own"
    role(bundle, "historian")  # the bundle's own historian, no metadata
    role(own, "historian", "kind: role\ndescription: rangectl's\n")
    role(own, "scada_default_creds",
         "kind: vulnerability\ndescription: x\ntechniques: [T1078.001]\n")
    catalog = read_catalog([bundle, own, tmp_path / "missing"])
    assert catalog.entries["historian"].path == bundle / "historian"
    assert catalog.entries["historian"].kind == "role"
    assert catalog.entries["historian"].metadata is None
    assert catalog.entries["scada_default_creds"].kind == "vulnerability"


@pytest.mark.parametrize(("metadata", "line", "text"), [
    ("kind: vulnerability\ndescription: no techniques\n", 1,
     "a vulnerability names the ATT&CK techniques it opens"),
    ("kind: role\ndescription: x\nvars:\n  port: {type: number, description: p}\n", 4,
     "'number'"),
    ("kind: role\ndescription: x\ntechniques: [T99]\n", 3, "T99"),
    ("kind: role\ndescription: \"two\\nlines\"\n", 2, "one printable line"),
    ("kind: role\ndescription: x\nrun: '{{ lookup(\"pipe\", \"id\") }}'\n", 3, "run"),
])
def test_bad_metadata_is_refused_at_its_line(tmp_path: Path, metadata: str, line: int,
                                             text: str) -> None:
    path = role(tmp_path, "bad_role", metadata) / "meta" / "rangectl.yml"
    with pytest.raises(ScenarioError) as caught:
        read_catalog([tmp_path])
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert problem.line == line, problem.render()
    assert text in problem.render()
