"""A scenario's injects, made concrete for one team: their steps and success
rules rendered with the team's plan, ordered by when they fire."""

from __future__ import annotations

from typing import Any

from orchestrator.labels import RED
from orchestrator.plan.model import PlannedDetection, PlannedInject, PlannedStep
from orchestrator.plan.templates import render_or_note
from orchestrator.scenario.inject_references import inject_offsets
from orchestrator.scenario.model import Inject, Scenario
from orchestrator.scenario.yaml_source import PathKey


def planned_injects(
    scenario: Scenario, context: dict[str, Any], problems: list[tuple[PathKey, str]]
) -> tuple[PlannedInject, ...]:
    offsets = inject_offsets(scenario)
    planned = []
    for index, inject in enumerate(scenario.injects):
        target = context["hosts"].get(inject.target.host, {})
        inject_context = {**context, "inject": {
            "name": inject.name, "technique": inject.technique,
            "target": {**target, "service": inject.target.service,
                       "port": _port_of(scenario, inject.target.host, inject.target.service)},
        }}
        steps = tuple(
            PlannedStep(run=render_or_note(step.run, inject_context,
                                           ("injects", index, "steps", s, "run"), problems) or "",
                        timeout=step.timeout)
            for s, step in enumerate(inject.steps)
        )
        planned.append(PlannedInject(
            name=inject.name, offset=offsets[inject.name] or 0, tactic=inject.tactic,
            technique=inject.technique,
            source_host=RED if inject.source == RED else inject.target.host,
            target_host=inject.target.host, target_service=inject.target.service,
            steps=steps, points=inject.points,
            success={"exit_code": inject.success.exit_code,
                     "contains": render_or_note(
                         inject.success.contains, inject_context,
                         ("injects", index, "success", "contains"), problems),
                     "matches": inject.success.matches},
            secrets=inject.secrets,
            detection=_detection(inject, index, inject_context, problems),
        ))
    planned.sort(key=lambda inject: (inject.offset, inject.name))
    return tuple(planned)


def _detection(
    inject: Inject, index: int, context: dict[str, Any], problems: list[tuple[PathKey, str]]
) -> PlannedDetection | None:
    if inject.detection is None:
        return None
    detection = inject.detection
    indicators = tuple(
        render_or_note(indicator, context, ("injects", index, "detection", "indicators", i),
                       problems) or ""
        for i, indicator in enumerate(detection.indicators))
    return PlannedDetection(techniques=detection.techniques or (inject.technique,),
                            indicators=indicators, window=detection.window,
                            points=detection.points)


def _port_of(scenario: Scenario, host_name: str, service_name: str | None) -> int | None:
    host = scenario.host(host_name)
    service = next((s for s in host.services if s.name == service_name), None) if host else None
    return service.port if service else None
