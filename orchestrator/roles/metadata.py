"""What a role says about itself: `meta/rangectl.yml` beside its tasks.

A vulnerability is a role with metadata that says so, names the ATT&CK
techniques it opens to red, and declares its variables; `validate` checks a
scenario's `vars` against them, so a misspelt variable is a located error at
`validate`, not a role that silently seeds nothing at `up`. The file is
data, read with the scenario's own bounded YAML reader, and nothing in it is
ever templated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, model_validator

from orchestrator.errors import ScenarioError, unprintable
from orchestrator.scenario.base import Model
from orchestrator.scenario.explain import explain
from orchestrator.scenario.types import Technique
from orchestrator.scenario.yaml_source import YamlSourceError, read_yaml

METADATA_FILE = Path("meta") / "rangectl.yml"
DESCRIPTION_MAX = 120

RoleKind = Literal["role", "vulnerability", "internal"]
VariableType = Literal["string", "integer", "port", "boolean", "list", "secret"]


def _one_line(value: str) -> str:
    if not value.strip() or any(unprintable(character) for character in value):
        raise ValueError("a description is one printable line")
    return value


Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX),
                        AfterValidator(_one_line)]
VariableName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class RoleVariable(Model):
    """One variable a role reads from its `vars`."""

    type: VariableType
    required: bool = False
    default: Any = None
    description: Description

    @model_validator(mode="after")
    def _default_or_required(self) -> RoleVariable:
        if self.required and self.default is not None:
            raise ValueError("a required variable has no default")
        return self


class RoleMetadata(Model):
    """The whole of `meta/rangectl.yml`."""

    kind: RoleKind = Field(description="role (a service), vulnerability (a weakness seeded "
                                       "on purpose) or internal (rangectl's own)")
    description: Description
    image: str | None = Field(default=None, description="the image the role is written for")
    techniques: tuple[Technique, ...] = ()
    vars: dict[VariableName, RoleVariable] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _vulnerabilities_name_techniques(self) -> RoleMetadata:
        if self.kind == "vulnerability" and not self.techniques:
            raise ValueError("a vulnerability names the ATT&CK techniques it opens "
                             "(techniques: [T1110.001])")
        return self


def read_metadata(path: Path) -> RoleMetadata:
    """Read one role's metadata; a `ScenarioError` places every problem in the file."""
    try:
        data, source_map = read_yaml(path)
    except YamlSourceError as exc:
        raise ScenarioError([exc.problem]) from None
    try:
        return RoleMetadata.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(explain(exc, data, source_map, RoleMetadata)) from None
