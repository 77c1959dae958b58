"""Who a browser terminal lets in, and to where: the team's own token, a page of
this server's own (Origin), a host of the team's own. Against a real live
server in this process, with a stand-in `ssh` (no engine needed)."""

from __future__ import annotations

import http.client
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from orchestrator.access.shell import Size, ssh_argv
from orchestrator.access.terminal import (
    PREFIX,
    Route,
    Seats,
    Terminals,
    choose_host,
    parse_route,
    same_origin,
    terminal_url,
    upgrade_requested,
)
from orchestrator.access.tokens import ensure_token, load_tokens, token_matches, tokens_path
from orchestrator.events.kinds import TraineeBrowserLogin
from orchestrator.events.payload import Payload
from orchestrator.exercise.scored import live_report, open_scored
from orchestrator.runtime.backend import RangeBackend
from orchestrator.state import ExerciseState
from scoring.live import LiveServer
from tests.unit.scoring.golden import golden_exercise, golden_plan

UPGRADE = {"upgrade": "websocket", "connection": "keep-alive, Upgrade",
           "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ=="}


def test_routes() -> None:
    assert parse_route("/terminal/ottawa") == Route("ottawa", socket=False)
    assert parse_route("/terminal/ottawa/socket") == Route("ottawa", socket=True)
    for path in ("/terminal/", "/terminal/ottawa/", "/terminal/ottawa/other", "/terminal//socket",
                 "/terminal/a/b/socket", "/terminals/ottawa"):
        assert parse_route(path) is None, path
    assert terminal_url("ottawa", "a-b_c") == "http://127.0.0.1:8800/terminal/ottawa?token=a-b_c"


def test_the_origin_must_be_this_server() -> None:
    assert same_origin("http://127.0.0.1:8800", "127.0.0.1:8800")
    assert same_origin("http://LOCALHOST:8800", "localhost:8800")
    for origin in (None, "", "null", "http://attacker.example:8800", "http://127.0.0.1:8801",
                   "https://127.0.0.1:8800", "http://127.0.0.1", "http://127.0.0.1:8800/x",
                   "http://127.0.0.1:8800.attacker.example"):
        assert not same_origin(origin, "127.0.0.1:8800"), origin
    assert not same_origin("http://127.0.0.1:8800", None)


def test_only_a_websocket_handshake_is_upgraded() -> None:
    assert upgrade_requested(UPGRADE)
    for name, value in (("upgrade", "h2c"), ("connection", "close"),
                        ("sec-websocket-version", "8"), ("sec-websocket-key", "short")):
        assert not upgrade_requested({**UPGRADE, name: value}), name


def test_hosts_are_the_teams_own_by_name_or_alias() -> None:
    team = golden_plan().team("ottawa")
    assert choose_host(team, None) == "bastion"
    assert choose_host(team, "web") == "web"
    assert choose_host(team, "portal") == "web"  # an alias logs into its host
    assert choose_host(team, "") == "bastion"
    for asked in ("red", "scorebot", "controller", "web; id", "-oProxyCommand=id", "WEB"):
        assert choose_host(team, asked) is None, asked
    assert choose_host(golden_plan().team("tallinn"), "web") == "web"  # its own web


def test_the_client_gets_a_fixed_argument_list() -> None:
    argv = ssh_argv("/usr/bin/ssh", Path("/kit/ssh_config"), "web")
    assert argv[:3] == ["/usr/bin/ssh", "-F", "/kit/ssh_config"]
    assert argv[-2:] == ["-tt", "web"]
    assert "EscapeChar=none" in argv
    assert "ClearAllForwardings=yes" in argv
    assert Size.of("9999", "x") == Size(400, 30)
    assert Size.of("80", "24") == Size(80, 24)


def test_seats_are_capped_per_team_and_in_all() -> None:
    seats = Seats(per_team=2, total=3)
    assert seats.take("a")
    assert seats.take("a")
    assert not seats.take("a")
    assert seats.take("b")
    assert not seats.take("c")
    seats.give_back("a")
    assert seats.take("c")


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ExerciseState:
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(tmp_path / "state"))
    return golden_exercise(tmp_path / "state")


def test_tokens_are_per_team_private_and_stable(state: ExerciseState) -> None:
    ottawa = ensure_token(state, "ottawa")
    tallinn = ensure_token(state, "tallinn")
    assert ottawa != tallinn
    assert len(ottawa) >= 32
    assert ensure_token(state, "ottawa") == ottawa
    assert stat.S_IMODE(tokens_path(state).stat().st_mode) == 0o600
    tokens = load_tokens(state)
    assert token_matches(tokens, "ottawa", ottawa)
    assert not token_matches(tokens, "ottawa", tallinn)
    assert not token_matches(tokens, "ottawa", None)
    assert not token_matches(tokens, "ottawa", "")
    assert not token_matches(tokens, "helsinki", ottawa)


def test_the_team_is_authorised_by_its_own_token_only(state: ExerciseState) -> None:
    ottawa, tallinn = ensure_token(state, "ottawa"), ensure_token(state, "tallinn")
    terminals = Terminals(state, backend=no_engine)
    team = terminals.authorised("ottawa", ottawa)
    assert team is not None
    assert team.team == "ottawa"
    assert terminals.authorised("ottawa", tallinn) is None
    assert terminals.authorised("ottawa", None) is None
    assert terminals.authorised("ottawa", ottawa[:-1]) is None


def no_engine() -> RangeBackend:
    raise AssertionError("no engine in unit tests")


class StandIn(Terminals):
    """Terminals whose `ssh` is a script that says where it was sent, then echoes."""

    def __init__(self, state: ExerciseState, script: Path, logins: list[Payload]) -> None:
        super().__init__(state, backend=no_engine, seats=Seats(per_team=1, total=2),
                         record=logins.append)
        self.script = script

    def ssh(self) -> str:
        return str(self.script)

    def kit(self, team: str) -> Path:
        return Path("/nonexistent/ssh_config")


@pytest.fixture
def served(state: ExerciseState, tmp_path: Path) -> Iterator[tuple[int, StandIn, list[Payload]]]:
    script = tmp_path / "ssh"
    script.write_text(f"#!/bin/sh\nfor last; do :; done\necho $$ > {tmp_path}/pid\n"
                      'echo "shell on $last, TERM=$TERM"\nexec cat\n', encoding="utf-8")
    script.chmod(0o755)
    logins: list[Payload] = []
    terminals = StandIn(state, script, logins)
    server = LiveServer(live_report(open_scored(None)).snapshot, port=0,
                        mounts=[(PREFIX, terminals)]).start()
    try:
        yield int(server.httpd.server_address[1]), terminals, logins
    finally:
        server.close()
        terminals.close()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def test_the_page_needs_the_teams_own_token(
        served: tuple[int, StandIn, list[Payload]], state: ExerciseState) -> None:
    port = served[0]
    ottawa, tallinn = ensure_token(state, "ottawa"), ensure_token(state, "tallinn")
    status, page = get(port, f"/terminal/ottawa?token={ottawa}&host=portal")
    assert status == 200
    assert '"team": "ottawa"' in page
    assert '"host": "web"' in page
    assert "__RANGECTL" not in page
    for path in ("/terminal/ottawa", f"/terminal/ottawa?token={tallinn}",
                 f"/terminal/ottawa?token={ottawa}&token={ottawa}",
                 f"/terminal/nowhere?token={ottawa}", f"/terminal/ottawa/socket?token={tallinn}"):
        assert get(port, path)[0] == 403, path
    # The scoreboard's own pages are as they were.
    assert get(port, "/scoreboard.json")[0] == 200


def test_the_socket_checks_origin_handshake_and_host(
        served: tuple[int, StandIn, list[Payload]], state: ExerciseState) -> None:
    port = served[0]
    token = ensure_token(state, "ottawa")
    here = {"Origin": f"http://127.0.0.1:{port}"}
    path = f"/terminal/ottawa/socket?token={token}"
    assert get(port, path + "&host=web", {**UPGRADE, "Origin": "http://attacker.example"})[0] == 403
    assert get(port, path + "&host=web", UPGRADE)[0] == 403  # no Origin at all
    assert get(port, path + "&host=web", here)[0] == 400  # not a WebSocket
    status, body = get(port, path + "&host=red", {**UPGRADE, **here})
    assert status == 400
    assert "no such host" in body
    assert served[2] == []


def open_terminal(port: int, token: str, host: str) -> websocket.WebSocket:
    return websocket.create_connection(
        f"ws://127.0.0.1:{port}/terminal/ottawa/socket?token={token}&host={host}",
        origin=f"http://127.0.0.1:{port}", timeout=10)


def read_until(socket: websocket.WebSocket, text: str) -> str:
    seen = ""
    while text not in seen:
        seen += socket.recv_data()[1].decode(errors="replace")
    return seen


def test_a_session_runs_is_recorded_and_is_killed_on_close(
        served: tuple[int, StandIn, list[Payload]], state: ExerciseState,
        tmp_path: Path) -> None:
    port, _, logins = served
    token = ensure_token(state, "ottawa")
    socket = open_terminal(port, token, "portal")
    try:
        assert "shell on web, TERM=vt100" in read_until(socket, "TERM=vt100")
        socket.send("echo-me\r")
        assert "echo-me" in read_until(socket, "echo-me")
        [login] = logins
        assert isinstance(login, TraineeBrowserLogin)
        assert (login.team, login.host, login.user, login.source) == \
            ("ottawa", "web", "blue", "127.0.0.1")
        # One seat per team here: a second terminal of the team is refused while this one runs.
        status, _ = get(port, f"/terminal/ottawa/socket?token={token}&host=web",
                        {**UPGRADE, "Origin": f"http://127.0.0.1:{port}"})
        assert status == 503
    finally:
        socket.close()
    pid = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 10
    while alive(pid):
        assert time.monotonic() < deadline, "the shell outlived its page"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_off_loopback_the_terminal_needs_the_teams_token_not_the_instructors(
        state: ExerciseState) -> None:
    # The scoreboard's token (served off loopback) neither opens a terminal nor is needed.
    terminals = Terminals(state, backend=no_engine)
    server = LiveServer(live_report(open_scored(None)).snapshot, port=0, token="instructors",
                        mounts=[(PREFIX, terminals)]).start()
    try:
        port = int(server.httpd.server_address[1])
        ottawa = ensure_token(state, "ottawa")
        assert get(port, f"/terminal/ottawa?token={ottawa}")[0] == 200
        assert get(port, "/terminal/ottawa?token=instructors")[0] == 403
        assert get(port, f"/scoreboard.json?token={ottawa}")[0] == 403
        assert get(port, "/scoreboard.json?token=instructors")[0] == 200
    finally:
        server.close()
