"""Load a scenario file: YAML, then the model, then the cross-references.

Each stage reports all of its problems at once, each placed at FILE:LINE:COL;
a later stage runs only on what the earlier one accepted, because checking the
references of a structurally broken scenario would only add noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from orchestrator.bundle import Bundle, tree_problems
from orchestrator.errors import ScenarioError
from orchestrator.scenario.explain import explain
from orchestrator.scenario.model import Scenario
from orchestrator.scenario.references import ReferenceContext, check_references
from orchestrator.scenario.yaml_source import SourceMap, YamlSourceError, read_yaml


@dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario, with the map back to the file it came from."""

    path: Path
    scenario: Scenario
    source_map: SourceMap
    bundle: Bundle = field(default_factory=Bundle)  # the roles, images and files it brings


def load_scenario(path: Path, context: ReferenceContext | None = None,
                  bundle: Bundle | None = None) -> LoadedScenario:
    """Load and validate `path` (and its bundle's tree); raise `ScenarioError` listing
    every problem."""
    bundle = bundle or Bundle()
    problems = tree_problems(bundle)
    if problems:
        raise ScenarioError(problems)
    try:
        data, source_map = read_yaml(path)
    except YamlSourceError as exc:
        raise ScenarioError([exc.problem]) from None
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"'{data}'"
        raise ScenarioError([
            source_map.problem((), f"the top level must be a mapping of fields, found {found}",
                               "a scenario starts with 'version: 1', 'name:', 'teams:'; "
                               "see docs/scenario.md")
        ])
    # Top-level `x-` keys hold anchors for reuse, as in Compose files; they are not settings.
    data = {key: value for key, value in data.items() if not key.startswith("x-")}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(explain(exc, data, source_map, Scenario)) from None
    problems = check_references(scenario, source_map, context)
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(path, scenario, source_map, bundle)
