"""The host firewall rules `up` installs, read as data and as the commands they become.

The integration suite proves what the rules do on a real engine; these prove,
without root, which rules there are, in which order, on which interfaces, and
that installing them twice changes nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest

from orchestrator.errors import RuntimeFailureError
from orchestrator.runtime.docker import firewall
from orchestrator.runtime.docker.firewall import (
    ACCESS_BRIDGE_PREFIX,
    FORWARD_CHAIN,
    INPUT_CHAIN,
    RANGE_BRIDGE_PREFIX,
    ChainRules,
    bridge_name,
    isolation_rules,
)

IFNAMSIZ = 15  # the longest Linux interface name


def chain(tool: str, name: str) -> ChainRules:
    (found,) = [rules for rules in isolation_rules() if (rules.tool, rules.chain) == (tool, name)]
    return found


def target(rule: tuple[str, ...]) -> str:
    return rule[rule.index("-j") + 1]


def interface(rule: tuple[str, ...]) -> str:
    return rule[rule.index("-i") + 1]


def test_the_chains_and_where_they_hang() -> None:
    assert [(r.tool, r.chain, r.parent) for r in isolation_rules()] == [
        ("iptables", INPUT_CHAIN, "INPUT"),
        ("iptables", FORWARD_CHAIN, "DOCKER-USER"),
        ("ip6tables", INPUT_CHAIN, "INPUT"),
    ]


@pytest.mark.parametrize("tool", ["iptables", "ip6tables"])
def test_the_machine_answers_ranges_only_with_replies(tool: str) -> None:
    rules = chain(tool, INPUT_CHAIN).rules
    assert [target(rule) for rule in rules] == ["ACCEPT", "DROP"]
    assert "RELATED,ESTABLISHED" in rules[0]
    assert rules[-1] == ("-i", "rx+", "-j", "DROP")  # the last word: everything else


def test_access_bridges_forward_only_replies_and_range_frames_stay_bridged() -> None:
    rules = chain("iptables", FORWARD_CHAIN).rules
    assert [(interface(rule), target(rule)) for rule in rules] == [
        (f"{RANGE_BRIDGE_PREFIX}+", "ACCEPT"),
        (f"{ACCESS_BRIDGE_PREFIX}+", "RETURN"),
        (f"{ACCESS_BRIDGE_PREFIX}+", "DROP"),
    ]
    assert "--physdev-is-bridged" in rules[0]  # only frames that stay on their bridge
    assert "RELATED,ESTABLISHED" in rules[1]


def test_every_rule_names_a_range_interface() -> None:
    """Wildcards on `rx`: the rules never touch a bridge that is not rangectl's."""
    for rules in isolation_rules():
        for rule in rules.rules:
            assert interface(rule).startswith("rx")
            assert interface(rule).endswith("+")


def test_bridge_names_fit_linux_and_match_the_wildcards() -> None:
    access, ranged = bridge_name("ex-team-access", True), bridge_name("ex-team-dmz", False)
    assert access.startswith(ACCESS_BRIDGE_PREFIX)
    assert ranged.startswith(RANGE_BRIDGE_PREFIX)
    assert len(access) <= IFNAMSIZ
    assert len(ranged) <= IFNAMSIZ
    assert bridge_name("ex-team-dmz", False) == ranged  # stable across runs
    assert bridge_name("ex-other-dmz", False) != ranged


def fake_tables(monkeypatch: pytest.MonkeyPatch, failing: Callable[[list[str]], bool],
                tools: tuple[str, ...] = ("iptables", "ip6tables")) -> list[list[str]]:
    """iptables as a recorder: every command it is given, failing where told."""
    commands: list[list[str]] = []

    def run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        code = 1 if failing(command) else 0
        return subprocess.CompletedProcess(command, code, "", "refused" if code else "")

    monkeypatch.setattr(shutil, "which",
                        lambda tool: f"/sbin/{tool}" if tool in tools else None)
    monkeypatch.setattr(subprocess, "run", run)
    return commands


def test_installing_flushes_then_appends_then_hooks_once(monkeypatch: pytest.MonkeyPatch) -> None:
    commands = fake_tables(monkeypatch, lambda command: command[2] in ("-N", "-C"))
    firewall.ensure_isolation_rules()
    first = [command for command in commands if command[0] == "/sbin/iptables"][:6]
    assert first == [
        ["/sbin/iptables", "-w", "-N", INPUT_CHAIN],
        ["/sbin/iptables", "-w", "-F", INPUT_CHAIN],
        ["/sbin/iptables", "-w", "-A", INPUT_CHAIN, *chain("iptables", INPUT_CHAIN).rules[0]],
        ["/sbin/iptables", "-w", "-A", INPUT_CHAIN, *chain("iptables", INPUT_CHAIN).rules[1]],
        ["/sbin/iptables", "-w", "-C", "INPUT", "-j", INPUT_CHAIN],
        ["/sbin/iptables", "-w", "-I", "INPUT", "1", "-j", INPUT_CHAIN],
    ]
    hooks = [command[2:] for command in commands if command[2] == "-I"]
    assert hooks == [["-I", "INPUT", "1", "-j", INPUT_CHAIN],
                     ["-I", "DOCKER-USER", "1", "-j", FORWARD_CHAIN],
                     ["-I", "INPUT", "1", "-j", INPUT_CHAIN]]


def test_installing_again_does_not_hook_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    commands = fake_tables(monkeypatch, lambda command: command[2] == "-N")  # chains exist
    firewall.ensure_isolation_rules()
    assert not [command for command in commands if command[2] == "-I"]
    assert sum(command[2] == "-F" for command in commands) == 3  # each chain refreshed


def test_a_refused_rule_asks_for_root(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_tables(monkeypatch, lambda command: command[2] == "-A")
    with pytest.raises(RuntimeFailureError, match=r"-A RANGECTL-INPUT .* failed: refused") as info:
        firewall.ensure_isolation_rules()
    assert "root" in str(info.value.hint)


def test_a_missing_ip6tables_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_tables(monkeypatch, lambda _command: False, tools=("iptables",))
    with pytest.raises(RuntimeFailureError, match="ip6tables is missing"):
        firewall.ensure_isolation_rules()
