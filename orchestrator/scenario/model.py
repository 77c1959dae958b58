"""The scenario format (version 1), as frozen pydantic models.

A scenario describes ONE range; rangectl instantiates it once per team. The
models are strict (unknown keys are errors, so a typo never silently drops a
setting) and frozen (a loaded scenario is a value that the planner and the
engine can share without copying). Cross-references between parts are checked
in `references.py`, where every problem can be reported at once.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from orchestrator.scenario.base import MAX_POINTS, MAX_WEIGHT, Model
from orchestrator.scenario.injects import Detection, Inject, Step, Success, Tactic, Target
from orchestrator.scenario.types import (
    Bytes,
    DisplayText,
    ImageSpec,
    Name,
    Seconds,
    Template,
    Timeout,
)

# Re-exported: readers import the whole format from here, whichever module
# declares a part of it.
__all__ = ["MAX_POINTS", "MAX_WEIGHT", "Detection", "Inject", "Model", "Step", "Success",
           "Tactic", "Target"]

Capability = Literal["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SYS_PTRACE"]
PenaltyRule = Literal[
    "scored_service_down", "scorebot_blocked", "false_report", "out_of_scope_action", "host_reset"
]


def _named(value: Any) -> Any:
    """Let a list item be just a name: `- dmz` stands for `- {name: dmz}`."""
    return {"name": value} if isinstance(value, str) else value


class Team(Model):
    """A blue team; each gets its own identical copy of the range."""

    id: Name
    name: DisplayText = Field(description="display name, one line, e.g. 'Ottawa Blue Team'")
    site: Name = Field(description="where the team sits (recorded; ranges run on the local "
                                   "engine)")
    timezone: str = Field(description="IANA time zone, e.g. America/Toronto")
    trainees: tuple[Name, ...] = Field(default=(), description="named trainee accounts")


class Network(Model):
    """A range network; always internal (no route out of the machine)."""

    name: Name
    prefix: int = Field(default=24, ge=20, le=28, description="subnet size as a prefix length")
    description: str = ""
    router: str | None = Field(
        default=None, description="host that routes this network to the others"
    )


class NetworkAttachment(Model):
    """A host's place on a network; `host` fixes its host number in the subnet."""

    name: str
    host: int | None = Field(default=None, ge=2, description="host number; .1 is the gateway")


class TcpCheck(Model):
    """The service accepts a TCP connection (and optionally greets with a banner)."""

    type: Literal["tcp"]
    banner: str | None = Field(default=None, description="text the service must send first")
    timeout: Timeout = 5


class HttpCheck(Model):
    """An HTTP request answers with the expected status and content."""

    type: Literal["http"]
    path: str = Field(default="/", pattern=r"^/")
    status: int = Field(default=200, ge=100, le=599)
    contains: Template | None = None
    timeout: Timeout = 5


class SshCheck(Model):
    """An SSH login with a team secret succeeds (and a command prints what it should)."""

    type: Literal["ssh"]
    user: str = Field(min_length=1)
    password_secret: str = Field(description="name of the secret holding the password")
    command: str = "true"
    contains: Template | None = None
    timeout: Timeout = 10


class DnsCheck(Model):
    """A DNS query is answered, with the expected address when given."""

    type: Literal["dns"]
    query: Template
    record: Literal["A", "AAAA", "MX", "TXT", "CNAME", "NS"] = "A"
    expect: Template | None = None
    timeout: Timeout = 5


class CommandCheck(Model):
    """A command run on the scorebot exits 0 (and prints what it should)."""

    type: Literal["command"]
    run: Template
    contains: Template | None = None
    timeout: Timeout = 10


Check = Annotated[
    TcpCheck | HttpCheck | SshCheck | DnsCheck | CommandCheck, Field(discriminator="type")
]


class Service(Model):
    """A service a team must keep available; the scorebot checks it every tick."""

    name: Name
    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    check: Check | None = Field(default=None, description="default: a TCP connect check")
    scored: bool = True

    @model_validator(mode="after")
    def _udp_needs_a_check(self) -> Service:
        if self.protocol == "udp" and self.check is None:
            raise ValueError(
                "a UDP service needs an explicit check (dns or command): "
                "a TCP connect check cannot see it"
            )
        return self


class RoleRef(Model):
    """An Ansible role applied to the host, with its variables."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    vars: dict[str, Any] = Field(default_factory=dict)


class VulnerabilityRef(Model):
    """A weakness seeded on purpose, for red to exploit and blue to fix: a role whose
    metadata says it is a vulnerability (`rangectl roles` lists them)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    vars: dict[str, Any] = Field(default_factory=dict)


class Resources(Model):
    """Limits for one container, so one runaway host cannot starve the range."""

    memory: Bytes = 256 * 1024 * 1024
    cpus: float = Field(default=0.5, gt=0, le=4)
    pids: int = Field(default=256, ge=16, le=4096)


class Host(Model):
    """A machine of the range; one container per team."""

    name: Name
    description: str = ""
    image: ImageSpec = "host"
    networks: tuple[Annotated[NetworkAttachment, BeforeValidator(_named)], ...] = Field(
        min_length=1
    )
    aliases: tuple[Name, ...] = ()
    services: tuple[Service, ...] = ()
    roles: tuple[Annotated[RoleRef, BeforeValidator(_named)], ...] = ()
    vulnerabilities: tuple[Annotated[VulnerabilityRef, BeforeValidator(_named)], ...] = ()
    resources: Resources = Resources()
    capabilities: tuple[Capability, ...] = ()


class Placement(Model):
    """Where one of rangectl's own hosts (red, scorebot, bastion) joins the range."""

    networks: tuple[str, ...] | None = Field(
        default=None, description="network names; default: every range network"
    )


class Secret(Model):
    """A value generated per team per exercise (a password, a flag, a key)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["password", "weak_password", "flag", "token"] = "password"
    length: int = Field(default=20, ge=8, le=128)


class Weights(Model):
    """How much each category counts in a team's total."""

    availability: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    defence: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    detection: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)
    penalties: float = Field(default=1.0, ge=0, le=MAX_WEIGHT)


class Availability(Model):
    """Points for keeping services up, per service per tick, scaled by the SLA."""

    points_per_check: float = Field(default=1.0, ge=0, le=MAX_POINTS)
    degraded_factor: float = Field(default=0.5, ge=0, le=1)


class Penalty(Model):
    """Points taken for breaking a rule of the exercise."""

    rule: PenaltyRule
    points: int = Field(gt=0, le=MAX_POINTS)


class Scoring(Model):
    """Category weights and rules."""

    weights: Weights = Weights()
    availability: Availability = Availability()
    penalties: tuple[Penalty, ...] = ()


DEFAULT_POOL = "10.128.0.0/12"


def parse_pool(value: Any) -> Any:
    """A private IPv4 network to carve range subnets from; never a public one."""
    if not isinstance(value, str):
        raise ValueError("the address pool is an IPv4 network like '10.128.0.0/12'")
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not an IPv4 network: {exc}") from None
    if not network.is_private or network.is_loopback or network.is_link_local:
        raise ValueError(
            f"'{value}' is not a private range; range traffic must never target public "
            "addresses (use part of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
        )
    if network.prefixlen > 24:
        raise ValueError(f"'{value}' is too small for a pool; use a /24 or larger")
    return str(network)


class Access(Model):
    """How trainees log in: always the team's key; a per-team password when asked."""

    password: bool = Field(default=False,
                           description="also give trainee accounts a per-team password")


class Addressing(Model):
    """Where rangectl allocates the teams' subnets from."""

    pool: Annotated[str, BeforeValidator(parse_pool)] = Field(
        default=DEFAULT_POOL, description="private IPv4 network the subnets are carved from"
    )


class Scenario(Model):
    """A whole exercise: the range, the teams that get a copy, the attacks, the scoring."""

    version: Literal[1] = Field(description="scenario format version")
    name: Name
    title: DisplayText | None = None
    description: str = ""
    duration: Seconds = Field(description="length of the exercise")
    tick: Seconds = Field(default=30, description="how often services are checked")
    teams: tuple[Team, ...] = Field(min_length=1)
    networks: tuple[Network, ...] = Field(min_length=1)
    hosts: tuple[Host, ...] = Field(min_length=1)
    red: Placement = Placement()
    scorebot: Placement = Placement()
    bastion: Placement = Placement()
    secrets: tuple[Secret, ...] = ()
    injects: tuple[Inject, ...] = ()
    scoring: Scoring = Scoring()
    addressing: Addressing = Addressing()
    access: Access = Access()

    def host(self, name: str) -> Host | None:
        return next((host for host in self.hosts if host.name == name), None)

    def network(self, name: str) -> Network | None:
        return next((network for network in self.networks if network.name == name), None)
