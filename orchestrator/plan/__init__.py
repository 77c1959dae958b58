"""The planner: a scenario and a choice of teams become concrete per-team ranges."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from orchestrator.errors import ScenarioError
from orchestrator.images.sources import scenario_images
from orchestrator.plan.model import Plan
from orchestrator.plan.planner import TemplateProblemsError, plan_exercise
from orchestrator.scenario.loader import LoadedScenario

__all__ = ["Plan", "plan_loaded"]


def plan_loaded(
    loaded: LoadedScenario,
    *,
    exercise: str | None = None,
    teams: Sequence[str] | None = None,
    pool: str | None = None,
    reserved: Iterable[str] = (),
) -> Plan:
    """Plan a loaded scenario; template problems are placed in its file."""
    try:
        images = scenario_images(loaded.scenario.name,
                                 [host.image for host in loaded.scenario.hosts], loaded.bundle)
        return plan_exercise(loaded.scenario, exercise=exercise, teams=teams, pool=pool,
                             reserved=reserved, images=images)
    except TemplateProblemsError as exc:
        source_map = loaded.source_map
        raise ScenarioError(
            sorted({source_map.problem(path, message) for path, message in exc.problems})
        ) from None
