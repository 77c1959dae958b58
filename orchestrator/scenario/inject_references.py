"""Checks of the scenario's timeline: what each inject names must exist, and
when each fires must be one point inside the exercise."""

from __future__ import annotations

import re
from collections.abc import Iterator

from orchestrator.errors import Problem
from orchestrator.scenario.hints import suggest
from orchestrator.scenario.model import Inject, Scenario
from orchestrator.scenario.yaml_source import PathKey, SourceMap


def inject_problems(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    secrets = {secret.name for secret in scenario.secrets}
    names = {inject.name for inject in scenario.injects}
    for index, inject in enumerate(scenario.injects):
        base: PathKey = ("injects", index)
        host = scenario.host(inject.target.host)
        if host is None:
            yield sm.problem((*base, "target", "host"),
                             f"inject '{inject.name}': unknown target host '{inject.target.host}'",
                             suggest(inject.target.host, [h.name for h in scenario.hosts]))
        elif inject.target.service is not None and inject.target.service not in {
            s.name for s in host.services
        }:
            yield sm.problem((*base, "target", "service"),
                             f"inject '{inject.name}': host '{host.name}' has no service "
                             f"'{inject.target.service}'",
                             suggest(inject.target.service, [s.name for s in host.services]))
        if inject.after is not None and inject.after not in names:
            yield sm.problem((*base, "after"),
                             f"inject '{inject.name}': unknown inject '{inject.after}'",
                             suggest(inject.after, names - {inject.name}))
        for s_index, secret in enumerate(inject.secrets):
            if secret not in secrets:
                yield sm.problem((*base, "secrets", s_index),
                                 f"inject '{inject.name}': unknown secret '{secret}'",
                                 suggest(secret, secrets))
        if inject.success.matches is not None:
            try:
                re.compile(inject.success.matches)
            except re.error as exc:
                yield sm.problem((*base, "success", "matches"),
                                 f"inject '{inject.name}': bad regular expression: {exc}")
            except (RecursionError, OverflowError, MemoryError):
                yield sm.problem((*base, "success", "matches"),
                                 f"inject '{inject.name}': regular expression nested too deeply")


def inject_offsets(scenario: Scenario) -> dict[str, int | None]:
    """Each inject's offset in seconds; None for one caught in an `after` cycle.

    Iterative on purpose: a chain of thousands of `after` links written in
    reverse order is valid input, and must not exhaust Python's stack.
    """
    by_name = {inject.name: inject for inject in scenario.injects}
    offsets: dict[str, int | None] = {}
    for start in scenario.injects:
        path: list[Inject] = []
        on_path: set[str] = set()
        current: Inject | None = start
        base: int | None = None
        while current is not None and current.name not in offsets:
            if current.at is not None:
                base = current.at
                offsets[current.name] = base
                break
            if current.name in on_path or current.after not in by_name:
                base = None  # a cycle, or a missing inject (reported elsewhere)
                break
            path.append(current)
            on_path.add(current.name)
            current = by_name[current.after or ""]
        else:
            base = offsets[current.name] if current is not None else None
        for inject in reversed(path):
            base = None if base is None else base + inject.delay
            offsets[inject.name] = base
    return offsets


def timing_problems(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    if scenario.duration <= 0:
        yield sm.problem(("duration",), "the exercise needs a duration longer than 0s")
    if not 1 <= scenario.tick <= max(scenario.duration, 1):
        yield sm.problem(("tick",), f"tick {scenario.tick}s must be between 1s and the duration")
    names = {inject.name for inject in scenario.injects}
    offsets = inject_offsets(scenario)
    for index, inject in enumerate(scenario.injects):
        value = offsets.get(inject.name)
        if inject.at is not None and inject.after is not None:
            yield sm.problem(("injects", index, "after"),
                             f"inject '{inject.name}': give either 'at' or 'after', not both")
            continue
        if inject.at is None and inject.after is None:
            yield sm.problem(("injects", index), f"inject '{inject.name}' has no time",
                             "add 'at: 5m' (an offset) or 'after: NAME' (an earlier inject)")
            continue
        if value is None and inject.after in names:
            yield sm.problem(("injects", index, "after"),
                             f"inject '{inject.name}': 'after' forms a cycle",
                             "one inject of the chain needs an 'at' offset")
        elif value is not None and value > scenario.duration:
            field = "at" if inject.at is not None else "delay"
            yield sm.problem(("injects", index, field),
                             f"inject '{inject.name}' fires at {value}s, after the exercise "
                             f"ends ({scenario.duration}s)", "move it earlier or lengthen "
                             "'duration'")
