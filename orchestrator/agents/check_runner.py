#!/usr/bin/env python3
"""The check runner: probes a team's services from inside its range.

It runs on the team's scorebot (orchestrator/scorebot.py sends this source
with `python3 -c`) with nothing but the standard library, paramiko and dig,
because the scorebot is a range host like any other. It reads one JSON
document on standard input, runs every check concurrently with its own
timeout, and prints one JSON document: one exec per team per tick, not one
per check.

With `--serve` it stays running for a whole exercise: each line on standard
input is a request and each answer is one line on standard output, so a tick
costs neither a new exec nor a new interpreter.

Input (first argument, or standard input):
        {"checks": [{"id": "web/http", "type": "http", "address": "10.0.0.10",
                     "port": 80, "timeout": 5, ...type fields...}]}
Output: {"results": [{"id": ..., "result": "ok|degraded|down|error",
                      "detail": "...", "elapsed": 0.012}]}

Results follow the attack-defence game servers: `ok`; `degraded` (the
service answers, but wrongly); `down` (it does not answer); `error` (the check
itself failed, which is never the team's fault, so it earns full points).
Because `error` pays, the service must never be able to cause it: whatever
goes wrong while the runner talks to a service or reads its answer (a status
line `HTTP/1.0 \u00b200`, a reset, bytes an SSH library chokes on) is the
service's doing and `degraded`; only the check's own spec or code is `error`.
"""

from __future__ import annotations

import asyncio
import enum
import json
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CheckResult(enum.StrEnum):
    """A check's verdict, as the attack-defence game servers' checkers give it.

    The only values a `check.completed` event may hold: the controller turns
    anything else the runner answers into ERROR, with a reason.
    """

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    ERROR = "error"


OK, DEGRADED, DOWN, ERROR = CheckResult
# The controller masks the team's secrets in a detail, then cuts it to 300
# characters; sending more lets it see a whole secret before it cuts.
MAX_DETAIL = 1000
MAX_BODY = 1_000_000
_STATUS_LINE = re.compile(r"HTTP/[0-9]\.[0-9] ([0-9]{3})(?: .*)?")


class Outcome(Exception):  # noqa: N818 - a verdict, not an error
    """Raised inside a check to end it with a result and a reason."""

    def __init__(self, result: CheckResult, detail: str) -> None:
        super().__init__(detail)
        self.result = result
        self.detail = detail


@contextmanager
def service_side(what: str) -> Iterator[None]:
    """Whatever fails in here (talking to the service, reading its answer) is the
    service's doing: `degraded`, never the checker's `error`, which pays."""
    try:
        yield
    except (Outcome, TimeoutError):
        raise
    except Exception as exc:
        raise Outcome(DEGRADED, f"{what}: unreadable answer: {type(exc).__name__}: "
                                f"{str(exc)[:120]}") from None


async def check_tcp(spec: dict[str, Any]) -> str:
    banner = spec.get("banner")
    reader, writer = await _connect(spec)
    try:
        if not banner:
            return "connection accepted"
        with service_side("banner"):
            try:
                data = await reader.read(256)
            except OSError as exc:
                raise Outcome(DEGRADED, f"no banner: {exc}") from None
            text = data.decode(errors="replace")
            if str(banner) not in text:
                raise Outcome(DEGRADED, f"banner {text.strip()[:60]!r} lacks {banner!r}")
            return f"banner {text.strip()[:60]!r}"
    finally:
        writer.close()


async def check_http(spec: dict[str, Any]) -> str:
    request = (f"GET {spec.get('path', '/')} HTTP/1.0\r\nHost: {spec['address']}\r\n"
               "User-Agent: rangectl-scorebot\r\nConnection: close\r\n\r\n").encode()
    expected, contains = int(spec.get("status", 200)), str(spec.get("contains") or "")
    reader, writer = await _connect(spec)
    try:
        with service_side("http"):
            writer.write(request)
            await writer.drain()
            response = await _read_all(reader, MAX_BODY)
    finally:
        writer.close()
    with service_side("http"):
        head, _, body = response.partition(b"\r\n\r\n")
        status_line = head.split(b"\n", 1)[0].rstrip(b"\r").decode(errors="replace")
        match = _STATUS_LINE.fullmatch(status_line)
        if match is None:
            raise Outcome(DEGRADED, f"not an HTTP answer: {status_line[:60]!r}")
        status = int(match.group(1))
        if status != expected:
            raise Outcome(DEGRADED, f"status {status}, expected {expected}")
        if contains and contains not in body.decode(errors="replace"):
            raise Outcome(DEGRADED, f"status {status} but the page lacks {contains!r}")
        return f"status {status}"


async def check_ssh(spec: dict[str, Any]) -> str:
    return await asyncio.to_thread(_ssh_login, spec)


def _ssh_login(spec: dict[str, Any]) -> str:
    import paramiko  # noqa: PLC0415 - only the ssh check needs it

    address, port, user = str(spec["address"]), int(spec["port"]), str(spec["user"])
    timeout = float(spec.get("timeout", 10))
    command, contains = str(spec.get("command", "true")), str(spec.get("contains") or "")
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    with service_side("ssh"):
        try:
            client.connect(address, port=port, username=user, password=spec.get("password"),
                           timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
                           allow_agent=False, look_for_keys=False)
        except paramiko.AuthenticationException:
            raise Outcome(DEGRADED, f"login as {user} refused") from None
        except (OSError, paramiko.SSHException) as exc:
            raise Outcome(DOWN, f"ssh: {exc}") from None
        try:
            _, stdout, _ = client.exec_command(command, timeout=timeout)
            output = stdout.read().decode(errors="replace")
            status = stdout.channel.recv_exit_status()
        finally:
            client.close()
    if status != 0:
        raise Outcome(DEGRADED, f"command exited {status}")
    if contains and contains not in output:
        raise Outcome(DEGRADED, f"output lacks {contains!r}")
    return f"logged in as {user}"


async def check_dns(spec: dict[str, Any]) -> str:
    timeout = max(1, int(spec.get("timeout", 5)))
    query, expect = str(spec["query"]), spec.get("expect")
    command = ["dig", "+short", f"+time={timeout}", "+tries=1", f"-p{int(spec['port'])}",
               f"@{spec['address']}", query, str(spec.get("record", "A"))]
    code, output = await _run(command, timeout + 2)
    with service_side("dns"):
        if code == 9 or "connection timed out" in output or "no servers" in output:
            raise Outcome(DOWN, "no answer")
        if code != 0:
            raise Outcome(DEGRADED, f"dig exited {code}: {output.strip()[:80]}")
        answers = output.split()
        if not answers:
            raise Outcome(DEGRADED, f"empty answer for {query}")
        if expect and expect not in answers:
            raise Outcome(DEGRADED, f"{query} is {' '.join(answers)[:80]}, not {expect}")
        return f"{query} -> {' '.join(answers)[:80]}"


async def check_command(spec: dict[str, Any]) -> str:
    contains = str(spec.get("contains") or "")
    code, output = await _run(["sh", "-c", str(spec["run"])], float(spec.get("timeout", 10)))
    if code != 0:
        raise Outcome(DOWN, f"exited {code}: {output.strip()[-80:]}")
    if contains and contains not in output:
        raise Outcome(DEGRADED, f"output lacks {contains!r}")
    return "exited 0"


async def _read_all(reader: asyncio.StreamReader, limit: int) -> bytes:
    """Read until the peer closes (or `limit` bytes): one read() may return a part."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await reader.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def _connect(spec: dict[str, Any]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.open_connection(spec["address"], int(spec["port"]))
    except OSError as exc:
        raise Outcome(DOWN, f"cannot connect to {spec['address']}:{spec['port']}: "
                            f"{exc.strerror or exc}") from None


async def _run(command: list[str], timeout: float) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        start_new_session=True)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        # Kill the whole group: a shell's children would hold the pipe open.
        os.killpg(process.pid, signal.SIGKILL)
        await process.communicate()
        raise Outcome(DOWN, f"no answer within {timeout:g}s") from None
    return process.returncode or 0, output.decode(errors="replace")


CHECKS = {"tcp": check_tcp, "http": check_http, "ssh": check_ssh, "dns": check_dns,
          "command": check_command}


async def run_check(spec: dict[str, Any]) -> dict[str, Any]:
    """One check, bounded by its timeout; never raises.

    An exception that reaches here was raised outside `service_side`: by the
    check's spec (a missing field) or its code, so it is the checker's `error`.
    """
    started = time.monotonic()
    timeout = float(spec.get("timeout", 5))
    result: CheckResult
    try:
        check = CHECKS[spec["type"]]
        detail = await asyncio.wait_for(check(spec), timeout + 1)
        result = OK
    except Outcome as outcome:
        result, detail = outcome.result, outcome.detail
    except TimeoutError:
        result, detail = DOWN, f"no answer within {timeout:g}s"
    except Exception as exc:  # a bug or a bad spec: the check's fault, not the team's
        result, detail = ERROR, f"{type(exc).__name__}: {exc}"
    return {"id": spec.get("id"), "result": result.value, "detail": str(detail)[:MAX_DETAIL],
            "elapsed": round(time.monotonic() - started, 4)}


async def run_all(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(run_check(spec) for spec in checks)))


def answer(runner: asyncio.Runner, request: dict[str, Any]) -> str:
    return json.dumps({"results": runner.run(run_all(request.get("checks", [])))})


def serve(runner: asyncio.Runner) -> int:
    """One request per input line, one answer per output line, until input ends."""
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(answer(runner, json.loads(line)) + "\n")
            sys.stdout.flush()
    return 0


def _watch_children(loop: asyncio.AbstractEventLoop) -> None:
    """Wait for command checks' processes through pidfds, not a thread each.

    Python 3.11's default watcher starts a thread per child; with one loop for
    the whole session and pidfds a scorebot spent 0.55 ms of CPU a check
    instead of 0.71 (a loop per tick, a thread per command). Python 3.12 and
    later use pidfds by themselves.
    """
    if sys.version_info >= (3, 12) or not hasattr(asyncio, "PidfdChildWatcher"):
        return
    try:
        watcher = asyncio.PidfdChildWatcher()
        asyncio.set_child_watcher(watcher)
        watcher.attach_loop(loop)
    except (OSError, RuntimeError):  # an old kernel: keep the default
        pass


def main() -> int:
    with asyncio.Runner() as runner:
        _watch_children(runner.get_loop())
        if sys.argv[1:] == ["--serve"]:
            return serve(runner)
        request = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.load(sys.stdin)
        sys.stdout.write(answer(runner, request) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
