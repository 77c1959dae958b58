"""A long-running process on one range host, started on first use.

The scorebot's check runner and the bastion's report collector live for a
whole exercise and answer one line per tick. Both need the same care: start
the process lazily (or ahead of the clock), and when a request fails, end
the session so the next request starts a fresh one (the host may have been
restarted, taking the process with it). A process that reads what trainees
wrote (the bastion's spool) runs as an unprivileged `user` of the host.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.runtime.backend import HostSession, RangeBackend

# An interpreter starting on a busy range host: 48 of them start at once at 24 teams.
WARM_UP_TIMEOUT = 60.0


class HostProcess:
    """`warm_up` is a request with no effect, sent as soon as the process starts and
    waited for: an exec returns before its interpreter has started, and 48 Pythons
    starting on 2 cores made the first tick of a 24-team run 1.3 s longer than the
    rest. Opened ahead of the clock, the process is ready when the clock starts."""

    def __init__(self, backend: RangeBackend, exercise: str, team: str, host: str,
                 command: Sequence[str], user: str | None = None,
                 warm_up: str | None = None) -> None:
        self.backend = backend
        self.user = user
        self.warm_up = warm_up
        self.exercise = exercise
        self.team = team
        self.host = host
        self.command = list(command)
        self.session: HostSession | None = None

    def open(self) -> HostSession:
        if self.session is None:
            session = self.backend.open_session(self.exercise, self.team, self.host,
                                                self.command, user=self.user)
            if self.warm_up is not None:
                try:
                    session.request(self.warm_up, WARM_UP_TIMEOUT)
                except Exception:
                    session.close()
                    raise
            self.session = session
        return self.session

    def request(self, line: str, timeout: float) -> str:
        """One line in, one line out; a failed request ends the session."""
        try:
            return self.open().request(line, timeout)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
