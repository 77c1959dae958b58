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


class HostProcess:
    def __init__(self, backend: RangeBackend, exercise: str, team: str, host: str,
                 command: Sequence[str], user: str | None = None) -> None:
        self.backend = backend
        self.user = user
        self.exercise = exercise
        self.team = team
        self.host = host
        self.command = list(command)
        self.session: HostSession | None = None

    def open(self) -> HostSession:
        if self.session is None:
            self.session = self.backend.open_session(self.exercise, self.team, self.host,
                                                     self.command, user=self.user)
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
