"""A sequence of named steps: run in order, timed, reported, and locked where marked.

What `up` is built on (orchestrator/deploy.py's UP_STEPS): these tests run
sequences of small recording steps, with a lock that records when it is
taken and released, so the order of everything is visible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from orchestrator.deploy import DEPLOY_STEPS, STEPS, UP_STEPS
from orchestrator.errors import RuntimeFailureError
from orchestrator.lifecycle import Step, StepTimed, run_sequence


class Journal:
    """Everything that happened, in order: steps run, steps ended, the lock."""

    def __init__(self) -> None:
        self.entries: list[str] = []
        self.ended: list[StepTimed] = []

    def step(self, name: str, locked: bool = False, fails: bool = False) -> Step[Journal]:
        def run(journal: Journal) -> None:
            journal.entries.append(f"run {name}")
            if fails:
                raise RuntimeFailureError(f"{name} broke", "mend it")
        return Step(name, run, locked)

    def on_step(self, step: StepTimed) -> None:
        self.entries.append(f"ended {step.step}")
        self.ended.append(step)

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.entries.append("lock")
        try:
            yield
        finally:
            self.entries.append("unlock")


def test_steps_run_in_order_each_timed_and_reported() -> None:
    journal = Journal()
    steps = [journal.step("first"), journal.step("second")]
    seconds = run_sequence(steps, journal, journal.on_step, journal.lock)
    assert list(seconds) == ["first", "second"]
    assert all(value >= 0 for value in seconds.values())
    assert journal.entries == ["run first", "ended first", "run second", "ended second"]
    assert [step.error for step in journal.ended] == [None, None]


def test_neighbouring_locked_steps_share_one_lock() -> None:
    journal = Journal()
    steps = [journal.step("images"), journal.step("plan", locked=True),
             journal.step("deploy", locked=True), journal.step("provision")]
    run_sequence(steps, journal, journal.on_step, journal.lock)
    assert journal.entries == [
        "run images", "ended images", "lock", "run plan", "ended plan", "run deploy",
        "ended deploy", "unlock", "run provision", "ended provision"]


def test_a_sequence_that_ends_locked_releases_the_lock() -> None:
    journal = Journal()
    run_sequence([journal.step("plan", locked=True)], journal, journal.on_step, journal.lock)
    assert journal.entries == ["lock", "run plan", "ended plan", "unlock"]


def test_a_failing_step_is_reported_with_its_reason_and_stops_the_sequence() -> None:
    journal = Journal()
    steps = [journal.step("plan", locked=True), journal.step("deploy", locked=True, fails=True),
             journal.step("provision")]
    with pytest.raises(RuntimeFailureError, match="deploy broke"):
        run_sequence(steps, journal, journal.on_step, journal.lock)
    assert journal.entries == ["lock", "run plan", "ended plan", "run deploy", "ended deploy",
                               "unlock"]
    assert [(step.step, step.error) for step in journal.ended] == [
        ("plan", None), ("deploy", "deploy broke")]


def test_an_interrupted_step_is_reported_as_interrupted() -> None:
    journal = Journal()

    def interrupted(_journal: Journal) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sequence([Step("provision", interrupted)], journal, journal.on_step, journal.lock)
    assert [(step.step, step.error) for step in journal.ended] == [("provision", "interrupted")]


def test_up_is_its_steps_in_this_order_and_no_provision_stops_after_deploy() -> None:
    assert UP_STEPS == ("images", "plan", "deploy", "provision", "gate")
    assert DEPLOY_STEPS == ("images", "plan", "deploy")
    assert set(STEPS) == set(UP_STEPS)
    assert [name for name in UP_STEPS if STEPS[name].locked] == ["plan", "deploy"]
