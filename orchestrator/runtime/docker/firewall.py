"""Host firewall rules that close what Docker's internal networks leave open.

Docker's `internal` networks stop forwarding between bridges and to the
outside, but a container still reaches the controller machine itself through
its network's gateway address (the host's side of the bridge), and a bastion's
access network, which must not be internal so its port can be published, would
forward to the outside. Every range bridge is named with the `rx` prefix, so a
handful of wildcard rules cover all exercises:

- INPUT: nothing from a range bridge reaches the machine, except replies to
  connections the machine opened (docker-proxy talking to a bastion).
- DOCKER-USER: nothing from an access bridge is forwarded anywhere but back
  to a connection that came in (a trainee's SSH session); and frames bridged
  within one range network (say, to the router host, which forwards them to
  its other networks itself) are not mistaken for traffic leaving the network.
"""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
from dataclasses import dataclass

from orchestrator.errors import RuntimeFailureError

RANGE_BRIDGE_PREFIX = "rxr"
ACCESS_BRIDGE_PREFIX = "rxa"
INPUT_CHAIN = "RANGECTL-INPUT"
FORWARD_CHAIN = "RANGECTL-FORWARD"

Rule = tuple[str, ...]

_INPUT_RULES: tuple[Rule, ...] = (
    ("-i", "rx+", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"),
    ("-i", "rx+", "-j", "DROP"),
)
_FORWARD_RULES: tuple[Rule, ...] = (
    # Frames bridged within one range network stay on it. Docker's internal-network
    # rules would drop those addressed beyond the subnet (a packet for the router
    # host to forward), because bridged frames pass iptables too; accept them first.
    ("-i", f"{RANGE_BRIDGE_PREFIX}+", "-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"),
    ("-i", f"{ACCESS_BRIDGE_PREFIX}+", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
     "-j", "RETURN"),
    ("-i", f"{ACCESS_BRIDGE_PREFIX}+", "-j", "DROP"),
)


@dataclass(frozen=True)
class ChainRules:
    """One chain rangectl owns: the tool that installs it, the built-in chain that
    jumps to it first, and its rules in order."""

    tool: str
    chain: str
    parent: str
    rules: tuple[Rule, ...]


def isolation_rules() -> tuple[ChainRules, ...]:
    """Every chain `up` installs, in order, as data (what the tests read).

    IPv6 gets the INPUT chain only: containers run with IPv6 disabled, and
    Docker's DOCKER-USER chain exists for iptables alone."""
    return (ChainRules("iptables", INPUT_CHAIN, "INPUT", _INPUT_RULES),
            ChainRules("iptables", FORWARD_CHAIN, "DOCKER-USER", _FORWARD_RULES),
            ChainRules("ip6tables", INPUT_CHAIN, "INPUT", _INPUT_RULES))


def bridge_name(docker_name: str, access: bool) -> str:
    """A stable Linux bridge name (at most 15 characters) for a range network."""
    digest = hashlib.sha256(docker_name.encode()).hexdigest()[:12]
    return f"{ACCESS_BRIDGE_PREFIX if access else RANGE_BRIDGE_PREFIX}{digest}"


def ensure_isolation_rules() -> None:
    """Install (or refresh) the rules; idempotent and cheap enough for every `up`."""
    for rules in isolation_rules():
        binary = shutil.which(rules.tool)
        if binary is None:
            raise RuntimeFailureError(
                f"{rules.tool} is missing; rangectl needs it to isolate ranges from this "
                "machine", "install it: apt-get install iptables")
        _chain(binary, rules)


def isolation_script() -> str:
    """The same rules as one POSIX shell script, for an engine the controller reaches only
    through its API (a swarm node): run there by a short-lived helper container."""
    lines = ["set -eu"]
    for rules in isolation_rules():
        tool = f"{rules.tool} -w"
        lines += [f"{tool} -N {rules.chain} 2>/dev/null || true", f"{tool} -F {rules.chain}"]
        lines += [f"{tool} -A {rules.chain} {shlex.join(rule)}" for rule in rules.rules]
        lines.append(f"{tool} -C {rules.parent} -j {rules.chain} 2>/dev/null"
                     f" || {tool} -I {rules.parent} 1 -j {rules.chain}")
    return "\n".join(lines) + "\n"


def _chain(binary: str, rules: ChainRules) -> None:
    _run(binary, "-N", rules.chain, allow_failure=True)
    _run(binary, "-F", rules.chain)
    for rule in rules.rules:
        _run(binary, "-A", rules.chain, *rule)
    if _run(binary, "-C", rules.parent, "-j", rules.chain, allow_failure=True) != 0:
        _run(binary, "-I", rules.parent, "1", "-j", rules.chain)


def _run(binary: str, *args: str, allow_failure: bool = False) -> int:
    result = subprocess.run([binary, "-w", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0 and not allow_failure:
        raise RuntimeFailureError(
            f"{binary} {' '.join(args)} failed: {result.stderr.strip()}",
            "rangectl must run as root to isolate ranges (it manages host firewall rules)")
    return result.returncode
