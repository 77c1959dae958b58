"""The JSON schema of the scenario format, exported for editors.

Scenario files point at it with a `yaml-language-server` comment, so an editor
completes field names and flags mistakes before `rangectl validate` runs.
"""

from __future__ import annotations

from typing import Any

from orchestrator.scenario.model import Scenario


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["title"] = "rangectl scenario (version 1)"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
