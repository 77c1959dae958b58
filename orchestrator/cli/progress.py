"""Render backend events as progress: one bar per team, one line per image step."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from orchestrator.cli.output import line
from orchestrator.errors import one_line
from orchestrator.images.builder import ImageProgress
from orchestrator.plan.model import Plan
from orchestrator.provision import TaskProgress
from orchestrator.runtime.events import RuntimeEvent


class _LiveProgress:
    """A rich Progress shown while its `with` block runs."""

    progress: Progress

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.progress.stop()


class TeamProgress(_LiveProgress):
    """A progress bar per team, advanced by the backend's events (thread-safe)."""

    def __init__(self, console: Console, verb: str) -> None:
        self.verb = verb
        self.progress = Progress(TextColumn("{task.description}", style="bold", markup=False),
                                 BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[last]}", markup=False),
                                 console=console, transient=False)
        self.tasks: dict[str, TaskID] = {}

    def planned(self, plan: Plan) -> None:
        """Size each team's bar once `up` knows what it will build."""
        for team in plan.teams:
            self.tasks[team.team] = self.progress.add_task(
                f"{self.verb} {team.team}", total=len(team.networks) + len(team.hosts), last="")

    def __call__(self, event: RuntimeEvent) -> None:
        name = getattr(event, "host", None) or getattr(event, "network", "")
        task = self.tasks.get(event.team)
        if task is None:
            task = self.tasks[event.team] = self.progress.add_task(
                f"team {event.team}", total=None, last="")
        self.progress.update(task, advance=1, last=one_line(f"{name} {event.action}"))


def print_image_progress(console: Console) -> Callable[[ImageProgress], None]:
    def show(event: ImageProgress) -> None:
        console.print(line(("image", "dim"), f" {event.image}: {event.message}"))
    return show


class ProvisionProgress(_LiveProgress):
    """A line per team while Ansible works: tasks done, and the latest one."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(TextColumn("{task.description}", style="bold", markup=False),
                                 TextColumn("{task.completed:>4.0f} tasks", markup=False),
                                 TextColumn("{task.fields[last]}", markup=False),
                                 console=console)
        self.tasks: dict[str, TaskID] = {}

    def planned(self, plan: Plan) -> None:
        for team in plan.teams:
            self.tasks[team.team] = self.progress.add_task(f"provision {team.team}",
                                                           total=None, last="")

    def __call__(self, event: TaskProgress) -> None:
        task = self.tasks.get(event.team)
        if task is not None:
            self.progress.update(task, advance=1,
                                 last=one_line(f"{event.host}: {event.task[:50]}"))
