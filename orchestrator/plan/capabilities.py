"""The Linux capabilities each kind of range host keeps.

Every container starts from none (Docker's defaults are all dropped) and gets
its kind's set plus what the scenario lists for the host, so a compromised
host holds only what its job needs.
"""

from __future__ import annotations

from orchestrator.labels import BASTION, RED, SCOREBOT
from orchestrator.plan.model import HostRole
from orchestrator.scenario.model import Host

# What each kind of host needs once Docker's default capabilities are all dropped,
# found by taking them away one at a time (docs/runtime.md has the measurements).
# sshd (bastion, and every range host) and provisioning over `docker exec`:
# useradd writes /etc/shadow (CHOWN) and chowns the home (FOWNER); the trainees'
# .ssh folders are theirs (DAC_OVERRIDE to write into them); sshd changes user
# (SETUID, SETGID), chroots its pre-auth child (SYS_CHROOT), ends it (KILL) and
# writes the audit record a terminal session needs (AUDIT_WRITE).
SSHD_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL",
                               "SETGID", "SETUID", "SYS_CHROOT"})
# Range hosts are the blue team's machines, administered with sudo: sshd's set, plus
# keeping set-id bits as administrators do (FSETID) and their own routes and firewall
# (NET_ADMIN). Not MKNOD, SETFCAP, SETPCAP, NET_RAW (ping uses ICMP sockets), nor
# NET_BIND_SERVICE: every container may bind low ports (a sysctl, Docker's default).
RANGE_CAPABILITIES = SSHD_CAPABILITIES | {"FSETID", "NET_ADMIN"}
OWN_CAPABILITIES: dict[str, frozenset[str]] = {
    BASTION: SSHD_CAPABILITIES,
    RED: frozenset({"NET_ADMIN", "NET_RAW"}),  # routes through routers; nmap's raw scans
    SCOREBOT: frozenset(),  # checks connect out and run dig: no privilege at all
}


def capabilities(role: HostRole, host: Host | None) -> tuple[str, ...]:
    """The host's whole capability set: its kind's, plus what the scenario lists for it.
    Isolation never rests on these: it is enforced outside the containers."""
    base = RANGE_CAPABILITIES if role == "range" else OWN_CAPABILITIES[role]
    return tuple(sorted(base | set(host.capabilities if host else ())))
