"""Run a scenario bundle's roles inside the hosts that list them, never on the controller.

A bundle's roles are Ansible code from another nation, and Ansible evaluates
much of a role where it runs: lookups (`pipe`, `file`), `delegate_to:
localhost`, `local_action`, templates and plugin folders. Run by the
controller's Ansible they would run as the controller, so they run with the
Ansible the host image carries (Debian's ansible-core in rangectl's `host`
image), with `connection: local`, inside the one host they configure: whatever
a role evaluates, it evaluates in that range host.

For each such host, after rangectl's own roles: the bundle's `roles/` and
`files/`, a fixed playbook, the host's variables (as `!unsafe` YAML, like the
inventory: scenario text is data there too) and a callback that prints one
line per task are copied into a root-only folder through the engine; the
playbook runs there and the folder is removed. Each task result becomes an
event like those of rangectl's roles.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.agents import agent_source
from orchestrator.bundle import FILES, ROLES, Bundle
from orchestrator.errors import RuntimeFailureError
from orchestrator.events import kinds
from orchestrator.events.store import EventStore
from orchestrator.inventory import inventory_yaml, mark_unsafe
from orchestrator.plan.model import TeamRange
from orchestrator.runtime.backend import RangeBackend
from orchestrator.scenario.model import Scenario

WORK = "/var/lib/rangectl-bundle"
TASK_PREFIX = "rangectl-task "
TIMEOUT = 900.0
PLAYBOOK = """---
# Written by rangectl: applies the scenario bundle's roles to this host, here.
- name: Apply the scenario bundle's roles
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Apply the bundle's roles
      ansible.builtin.include_role:
        name: "{{ rangectl_bundle_role.name }}"
      vars:
        role_vars: "{{ rangectl_bundle_role.vars }}"
      loop: "{{ rangectl_bundle_roles }}"
      loop_control:
        loop_var: rangectl_bundle_role
        label: "{{ rangectl_bundle_role.name }}"
"""
ENVIRONMENT = (f"ANSIBLE_ROLES_PATH={WORK}/roles", f"ANSIBLE_CALLBACK_PLUGINS={WORK}/callback",
               "ANSIBLE_STDOUT_CALLBACK=rangectl_lines", "ANSIBLE_NOCOLOR=1",
               "ANSIBLE_LOCALHOST_WARNING=False", "ANSIBLE_INVENTORY_UNPARSED_WARNING=False",
               "ANSIBLE_RETRY_FILES_ENABLED=False", "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
               "HOME=/root")


@dataclass(frozen=True)
class InHostRoles:
    """What running a bundle's roles in the hosts needs: the engine and the bundle."""

    backend: RangeBackend
    bundle: Bundle
    bundled: frozenset[str]  # the role names the bundle provides


@dataclass(frozen=True)
class TaskLine:
    host: str
    task: str
    status: str


def run_in_hosts(work: InHostRoles, exercise: str, scenario: Scenario, team: TeamRange,
                 document: Mapping[str, Any], store: EventStore,
                 on_task: Callable[[TaskLine], None]) -> tuple[int, int]:
    """Apply the bundle's roles on every host of `team` that lists one; (tasks, changed).

    `document` is the team's inventory (orchestrator/inventory.py), whose host
    and team variables the bundle's roles get as rangectl's roles do."""
    tasks = changed = 0
    for host in team.hosts:
        entry = scenario.host(host.name)
        if entry is None or not host.managed:
            continue
        refs = [(ref.name, ref.vars) for ref in entry.roles] + [
            (ref.name, ref.vars) for ref in entry.vulnerabilities]
        wanted = [{"name": name, "vars": values} for name, values in refs
                  if name in work.bundled]
        if not wanted:
            continue
        variables = {**document["all"]["vars"], **document["all"]["hosts"][host.container_name],
                     "rangectl_bundle_roles": mark_unsafe(wanted),
                     "rangectl_files": f"{WORK}/files"}
        variables = {key: value for key, value in variables.items()
                     if not key.startswith("ansible_")}
        for line in _run_on_host(work, exercise, team.team, host.name, variables):
            tasks += 1
            changed += line.status == "changed"
            store.record(kinds.HostTaskFinished(team=team.team, host=host.name, task=line.task,
                                                status=line.status, duration=None))
            on_task(line)
    return tasks, changed


def _run_on_host(work: InHostRoles, exercise: str, team: str, host: str,
                 variables: Mapping[str, Any]) -> list[TaskLine]:
    backend = work.backend
    prepare = backend.exec(exercise, team, host, ["sh", "-c", f"rm -rf {WORK} && mkdir -m 0700 "
                                                   f"{WORK}"])
    if prepare.exit_code != 0:
        raise RuntimeFailureError(f"team '{team}', host '{host}': cannot make {WORK}: "
                                  f"{prepare.output.strip()[:300]}")
    try:
        backend.put_archive(exercise, team, host, WORK, _archive(work.bundle, variables))
        result = backend.exec(exercise, team, host, [
            "env", *ENVIRONMENT, "ansible-playbook", "-i", "localhost,", "-e",
            f"@{WORK}/vars.yml", f"{WORK}/play.yml"], timeout=TIMEOUT)
    finally:
        backend.exec(exercise, team, host, ["rm", "-rf", WORK])
    lines, failures = _read_lines(host, result.output)
    if failures or result.exit_code != 0:
        detail = failures[0] if failures else _tail(result.output)
        hint = ("the host's image has no ansible-playbook: build it FROM rangectl/host"
                if result.exit_code in (126, 127) else
                "fix the bundle's role and run `rangectl up` again")
        raise RuntimeFailureError(f"team '{team}', host '{host}', bundle role: {detail}", hint)
    return lines


def _read_lines(host: str, output: str) -> tuple[list[TaskLine], list[str]]:
    """The task lines the callback printed; a line that is not one is ignored."""
    lines, failures = [], []
    for text in output.splitlines():
        if not text.startswith(TASK_PREFIX):
            continue
        try:
            data = json.loads(text.removeprefix(TASK_PREFIX))
            line = TaskLine(host, str(data["task"])[:200], str(data["status"]))
        except (ValueError, KeyError, TypeError):
            continue
        if line.status not in ("ok", "changed", "failed", "skipped", "unreachable"):
            continue
        lines.append(line)
        if line.status in ("failed", "unreachable") and not data.get("ignore_errors"):
            failures.append(f"task '{line.task}': {str(data.get('message', ''))[:400]}")
    return lines, failures


def _tail(output: str) -> str:
    text = [line for line in output.splitlines() if line.strip()]
    return " / ".join(text[-4:])[:600] or "ansible-playbook failed with no output"


def _archive(bundle: Bundle, variables: Mapping[str, Any]) -> bytes:
    """The folder the host runs: the bundle's roles and files, the playbook, the
    variables and the callback, owned by root and readable by root only."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for part in (ROLES, FILES):
            folder = bundle.part(part)
            if folder is not None:
                tar.add(folder, arcname=part, filter=_root_owned)
        folder_entry = tarfile.TarInfo("callback")
        folder_entry.type, folder_entry.mode = tarfile.DIRTYPE, 0o700
        tar.addfile(folder_entry)
        _add_text(tar, "play.yml", PLAYBOOK)
        _add_text(tar, "vars.yml", inventory_yaml(dict(variables)))
        _add_text(tar, "callback/rangectl_lines.py", agent_source("bundle_callback"))
    return buffer.getvalue()


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if not (info.isfile() or info.isdir()):
        return None  # links and devices were refused by validate; never copy one
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o700 if info.isdir() else 0o600
    return info


def _add_text(tar: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))

