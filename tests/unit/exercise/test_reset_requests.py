"""A trainee's reset request, as the engine reads it: the bastion's team, the file's owner,
and nothing the file claims beyond a host, a reason and a snapshot."""

from __future__ import annotations

import pytest

from orchestrator.events.kinds import HostResetRefused, ResetRequested
from orchestrator.exercise.incidents import SpoolEntry
from orchestrator.exercise.reset_requests import RequestError, judge_request, parse_request


def entry(text: str | None, file: str = "ab12.json", owner: str = "blue",
          reason: str | None = None) -> SpoolEntry:
    return SpoolEntry(file, owner, text, reason)


def test_a_request_resets_a_host_of_the_bastions_own_team_for_its_owner() -> None:
    event = judge_request(entry('{"host": "web", "reason": "  broken   by us "}'), "ottawa", 30)
    assert event == ResetRequested(team="ottawa", host="web", reason="broken by us", to=None,
                                   by="trainee:blue", file="ab12.json")
    unnamed = judge_request(entry('{"host": "web", "to": "hardened"}', owner=""), "ottawa", 30)
    assert isinstance(unnamed, ResetRequested)
    assert (unnamed.by, unnamed.to, unnamed.reason) == ("trainee", "hardened", "asked by the team")


@pytest.mark.parametrize(("text", "why"), [
    ('{"host": "web", "team": "tallinn"}', "unknown key 'team'"),
    ('{"host": "web", "by": "white-cell"}', "unknown key 'by'"),
    ('{"host": "../etc"}', "'host' must be the name"),
    ('{"host": "Web"}', "'host' must be the name"),
    ('{"host": 5}', "'host' must be the name"),
    ('{"host": "web", "reason": "a\\u202eb"}', "'reason' must be printable"),
    ('{"host": "web", "to": "../x"}', "'to' must be the name of a snapshot"),
    ('["web"]', "not a JSON object"),
    ("[" * 5000 + "]" * 5000, "larger than"),
    ("[" * 2000 + "]" * 2000, "not JSON"),
    ("web", "not JSON"),
])
def test_what_is_not_a_request_is_refused_with_why(text: str, why: str) -> None:
    with pytest.raises(RequestError, match=why.replace("(", r"\(")):
        parse_request(text)
    event = judge_request(entry(text), "ottawa", 12.5)
    assert isinstance(event, HostResetRefused)
    assert (event.team, event.host, event.t, event.file) == ("ottawa", "", 12.5, "ab12.json")
    assert why in event.reason


def test_files_the_reader_could_not_read_or_badly_named_are_refused() -> None:
    unread = judge_request(entry(None, reason="a symbolic link, not a file"), "ottawa", 1)
    assert isinstance(unread, HostResetRefused)
    assert unread.reason.startswith("a symbolic link")
    named = judge_request(entry('{"host": "web"}', file="bad name.json"), "ottawa", 1)
    assert isinstance(named, HostResetRefused)
    assert "NAME.json" in named.reason
