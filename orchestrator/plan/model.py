"""The plan: the concrete per-team ranges that `up` builds, as frozen values.

It holds no runtime handles (container ids, clients): backends take a plan and
return their own handles, so one plan drives either backend (one Docker engine,
or a Docker Swarm), and `rangectl plan` can show it without an engine.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

HostRole = Literal["range", "red", "scorebot", "bastion"]


class PlanModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlannedNetwork(PlanModel):
    name: str
    docker_name: str
    subnet: str
    gateway: str
    internal: bool
    purpose: Literal["range", "access"]
    labels: dict[str, str]


class PlannedRoute(PlanModel):
    """A route to another range network, through that network's router host."""

    subnet: str
    via: str


class PlannedHost(PlanModel):
    name: str
    role: HostRole
    container_name: str
    hostname: str
    image: str
    addresses: dict[str, str]  # network name -> address
    aliases: tuple[str, ...]
    capabilities: tuple[str, ...]  # the whole set: every other capability is dropped
    memory_bytes: int
    cpus: float
    pids: int
    labels: dict[str, str]
    routes: tuple[PlannedRoute, ...] = ()
    sysctls: dict[str, str] = {}
    no_new_privileges: bool = True  # off only where people must sudo (range hosts)
    read_only: bool = False  # root file system read-only (scratch folders in memory)
    managed: bool = True  # built by rangectl (python3, sshd): Ansible configures it


class PlannedStep(PlanModel):
    run: str
    timeout: int


class PlannedDetection(PlanModel):
    """What a team must report for detection points, rendered for that team."""

    techniques: tuple[str, ...]
    indicators: tuple[str, ...]
    window: int
    points: int


class PlannedInject(PlanModel):
    name: str
    offset: int
    tactic: str
    technique: str
    source_host: str
    target_host: str
    target_service: str | None
    steps: tuple[PlannedStep, ...]
    points: int
    success: dict[str, Any] = {}  # exit_code, contains (rendered), matches
    secrets: tuple[str, ...] = ()  # the team secrets its steps may see
    detection: PlannedDetection | None = None


class PlannedCheck(PlanModel):
    host: str
    service: str
    address: str
    port: int
    protocol: str
    check: dict[str, Any]

    @property
    def check_id(self) -> str:
        """How checks are named in results and reports: HOST/SERVICE."""
        return f"{self.host}/{self.service}"


class TeamRange(PlanModel):
    team: str
    name: str
    site: str
    timezone: str
    block: str
    networks: tuple[PlannedNetwork, ...]
    hosts: tuple[PlannedHost, ...]
    injects: tuple[PlannedInject, ...]
    checks: tuple[PlannedCheck, ...]

    def host(self, name: str) -> PlannedHost:
        return next(host for host in self.hosts if host.name == name)

    def inject(self, name: str) -> PlannedInject | None:
        return next((inject for inject in self.injects if inject.name == name), None)


class PlannedScoring(PlanModel):
    """The scenario's scoring rules, carried in the plan so scores need nothing else."""

    weights: dict[str, float] = {"availability": 1.0, "defence": 1.0, "detection": 1.0,
                                 "penalties": 1.0}
    points_per_check: float = 1.0
    degraded_factor: float = 0.5
    penalties: dict[str, int] = {}  # rule -> points taken each time it is broken


class Plan(PlanModel):
    exercise: str
    scenario: str
    pool: str
    duration: int
    tick: int
    teams: tuple[TeamRange, ...]
    scoring: PlannedScoring = PlannedScoring()

    def team(self, team_id: str) -> TeamRange:
        return next(team for team in self.teams if team.team == team_id)
