"""The engine's reset queue: a team cannot queue more than its share, nor one host twice,
and what has not begun when the run ends is refused, on the record."""

from __future__ import annotations

import threading
import time

from orchestrator.events.store import Event
from orchestrator.exercise.reset_queue import MAX_WAITING, ResetQueue
from orchestrator.reset import ResetOrder


class SlowResets:
    """HostResets' two calls the queue makes; each reset waits until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.done: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str, str, int | None]] = []

    def reset(self, order: ResetOrder) -> None:
        self.release.wait(10)
        self.done.append((order.team, order.host))

    def refuse(self, order: ResetOrder, reason: str) -> None:
        self.refused.append((order.team, order.host, reason, order.request))


def request(seq: int, team: str, host: str) -> Event:
    return Event(seq, "", "control.reset", team, host, {"by": "trainee:blue", "reason": "x"})


def test_one_host_twice_or_a_team_over_its_share_is_refused_at_once() -> None:
    resets = SlowResets()
    queue = ResetQueue(resets)  # type: ignore[arg-type]
    queue.ask(request(1, "ottawa", "web"))
    queue.ask(request(2, "ottawa", "web"))
    queue.ask(request(3, "ottawa", "files"))
    queue.ask(request(4, "ottawa", "ns"))
    queue.ask(request(5, "tallinn", "web"))  # another team's share is its own
    assert MAX_WAITING == 2
    assert [(host, why.split(":")[0], seq) for _team, host, why, seq in resets.refused] == [
        ("web", "a reset of this host is already asked for", 2),
        ("ns", "team 'ottawa' has 2 resets waiting or under way", 4)]
    resets.release.set()
    deadline = time.monotonic() + 10
    while len(resets.done) < 3 and time.monotonic() < deadline:  # the third waited its turn
        time.sleep(0.01)
    queue.close()
    assert sorted(resets.done) == [("ottawa", "files"), ("ottawa", "web"), ("tallinn", "web")]
    queue_after = ResetQueue(resets)  # type: ignore[arg-type]
    queue_after.ask(request(6, "ottawa", "web"))  # done: it may be asked for again
    queue_after.close()
    assert resets.done.count(("ottawa", "web")) == 2


def test_resets_not_begun_when_the_run_ends_are_refused_on_the_record() -> None:
    resets = SlowResets()
    queue = ResetQueue(resets)  # type: ignore[arg-type]
    for seq, (team, host) in enumerate([("ottawa", "web"), ("tallinn", "web"),
                                        ("ottawa", "files")], start=1):
        queue.ask(request(seq, team, host))  # two workers: the third waits
    threading.Timer(0.3, resets.release.set).start()
    queue.close()
    assert [(team, host, why) for team, host, why, _seq in resets.refused] == [
        ("ottawa", "files", "the exercise stopped before it was done")]
    assert sorted(resets.done) == [("ottawa", "web"), ("tallinn", "web")]
