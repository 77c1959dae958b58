"""The kinds of event the white cell's commands record: requests to the running
engine (`control.*`, and the engine's refusals) and rulings after the fact.

Declared apart from orchestrator/events/kinds.py only to keep each module
small; kinds.py re-exports them, so readers and writers import every kind
from there, and `KINDS` holds them like any other. A leaf, as kinds.py is.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.events.payload import Payload

WHITE_CELL = "white-cell"  # `by` of everything the white cell asked for
CONTROL_PREFIX = "control."  # the white cell's requests, and the engine's refusals


@dataclass(frozen=True, kw_only=True)
class WhiteCellAction(Payload):
    by: str = WHITE_CELL


class PauseRequested(WhiteCellAction, kind="control.pause", when="`rangectl pause`"): ...


class ResumeRequested(WhiteCellAction, kind="control.resume", when="`rangectl resume`"): ...


class StopRequested(WhiteCellAction, kind="control.stop", when="`rangectl stop`"): ...


@dataclass(frozen=True, kw_only=True)
class InjectRequested(WhiteCellAction, kind="control.inject", when="`rangectl inject`"):
    team: str
    inject: str


@dataclass(frozen=True, kw_only=True)
class RequestRefused(Payload, kind="control.refused", when="the engine could not do it"):
    reason: str


@dataclass(frozen=True, kw_only=True)
class Ruling(WhiteCellAction):
    """A white-cell ruling after the fact: always with a reason."""

    team: str | None  # None: every team
    reason: str


@dataclass(frozen=True, kw_only=True)
class InjectVoided(Ruling, kind="void.inject", when="`rangectl void inject`"):
    inject: str


@dataclass(frozen=True, kw_only=True)
class ReportVoided(Ruling, kind="void.report", when="`rangectl void report`"):
    id: str


@dataclass(frozen=True, kw_only=True)
class ChecksVoided(Ruling, kind="void.checks", when="`rangectl void checks`"):
    start: float
    end: float
    check: str | None  # HOST/SERVICE; None: every check


@dataclass(frozen=True, kw_only=True)
class PenaltyApplied(Ruling, kind="penalty.applied", when="`rangectl penalize`"):
    rule: str
    t: float


@dataclass(frozen=True, kw_only=True)
class ResetRequested(WhiteCellAction, kind="control.reset",
                     when="`rangectl reset` while the exercise runs, or a trainee's `reset` "
                          "on the bastion (the engine does it)"):
    team: str
    host: str
    reason: str
    to: str | None = None  # a snapshot's name; None: the host's image, as planned
    file: str | None = None  # a trainee's request: its file in the bastion's spool
    omitted_when_none = ("file",)
