"""The scenario's scripted attacks: what each inject runs, against what, and
how its success and its detection are judged."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.scenario.base import MAX_POINTS, Model
from orchestrator.scenario.types import Name, Seconds, Technique, Template, Timeout

Tactic = Literal[
    "reconnaissance", "resource-development", "initial-access", "execution", "persistence",
    "privilege-escalation", "defense-evasion", "credential-access", "discovery",
    "lateral-movement", "collection", "command-and-control", "exfiltration", "impact",
]


class Target(Model):
    """What an inject attacks: a host, and optionally one of its services."""

    host: str
    service: str | None = None


class Step(Model):
    """One command of an inject, rendered by Jinja2 with the team's plan."""

    run: Template
    timeout: Timeout = 60


class Success(Model):
    """How to tell that an attack got through (its last step is judged)."""

    exit_code: int | None = 0
    contains: Template | None = None
    matches: str | None = Field(default=None, max_length=1000,
                                description="a regular expression, at most 1000 characters")


class Detection(Model):
    """What blue is expected to report, and within how long, for detection points."""

    techniques: tuple[Technique, ...] = Field(default=(), description="default: the inject's")
    indicators: tuple[Template, ...] = ()
    window: Seconds = 1800
    points: int = Field(default=0, ge=0, le=MAX_POINTS)


class Inject(Model):
    """A scripted attack, fired at the same offset for every team."""

    name: Name
    description: str = ""
    tactic: Tactic
    technique: Technique
    at: Seconds | None = Field(default=None, description="offset from the exercise start")
    after: str | None = Field(default=None, description="an earlier inject this one follows")
    delay: Seconds = Field(default=0, description="with `after`: wait this long first")
    target: Target
    source: Literal["red", "target"] = Field(
        default="red", alias="from", description="run from red, or on the target itself"
    )
    steps: tuple[Step, ...] = Field(min_length=1)
    success: Success = Success()
    points: int = Field(default=0, ge=0, le=MAX_POINTS, description="defence points at stake")
    detection: Detection | None = None
    secrets: tuple[str, ...] = Field(default=(), description="team secrets the steps may use")
