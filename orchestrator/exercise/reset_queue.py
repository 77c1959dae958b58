"""The resets a running engine was asked for, done on their own workers beside the ticks.

Resets get their own few workers, never the engine's pool: a reset is an
Ansible run and a wait for checks (seconds to a minute and a half), and a
team filing request after request must not hold up any team's injects or
logins. A host already waiting or being reset is refused at once, and a team
has at most MAX_WAITING resets waiting or under way; so no team can queue
more work than that. When the run ends, resets not begun are refused (and
recorded so); those under way are finished, since a host half made again
would be lost to its range.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from orchestrator.events.store import Event
from orchestrator.reset import HostResets, ResetOrder, parse_order

WORKERS = 2  # Ansible is bound by the controller's CPU: more at once only queue there
MAX_WAITING = 2  # per team, waiting or under way


class ResetQueue:
    def __init__(self, resets: HostResets) -> None:
        self.resets = resets
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="reset")
        self.lock = threading.RLock()  # a reset done at once calls back with it held
        self.asked: dict[tuple[str, str], tuple[ResetOrder, Future[object]]] = {}

    def ask(self, request: Event) -> None:
        """Queue the reset a `control.reset` event asks for, or refuse it now."""
        order = parse_order(request)
        key = (order.team, order.host)
        with self.lock:
            if key in self.asked:
                self.resets.refuse(order, "a reset of this host is already asked for")
                return
            if sum(team == order.team for team, _host in self.asked) >= MAX_WAITING:
                self.resets.refuse(order, f"team '{order.team[:64]}' has {MAX_WAITING} resets "
                                          "waiting or under way: ask again when one is done")
                return
            future: Future[object] = self.pool.submit(self.resets.reset, order)
            self.asked[key] = (order, future)
            future.add_done_callback(lambda _done: self._done(key))

    def _done(self, key: tuple[str, str]) -> None:
        with self.lock:
            self.asked.pop(key, None)

    def close(self) -> None:
        """Refuse what has not begun; wait for what has (a reset records its own end)."""
        with self.lock:
            waiting = list(self.asked.values())
        for order, future in waiting:
            if future.cancel():
                self.resets.refuse(order, "the exercise stopped before it was done")
        self.pool.shutdown(wait=True)
