"""The live scoreboard, in a real browser, updating itself as events arrive."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.events.store import EventStore
from orchestrator.exercise.scored import live_report, open_scored
from scoring.live import LiveServer
from tests.browser.chromium import Chromium
from tests.e2e.cli import RANGECTL, serving
from tests.unit.scoring.golden import golden_exercise

TOTAL = "document.querySelector('#standings tr[data-team={team}] td.total')?.textContent"


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "state"
    golden_exercise(root)
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(root))
    return root


@pytest.fixture
def server(state_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(live_report(open_scored(None)).snapshot, port=0, poll=0.2).start()
    try:
        yield live
    finally:
        live.close()


def test_the_page_shows_the_scoreboard_and_updates_itself(
        browser: Chromium, server: LiveServer, state_dir: Path, tmp_path: Path) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    browser.open(server.url)
    assert browser.wait_for(TOTAL.format(team="ottawa") + " === '49'")
    assert browser.evaluate(TOTAL.format(team="tallinn")) == "63.51"
    assert browser.wait_for("document.getElementById('connection').textContent === 'live'")
    assert browser.evaluate("document.querySelectorAll('#chart polyline.series').length") == 2
    ranks = browser.evaluate(
        "[...document.querySelectorAll('#standings tbody tr')].map(r => r.dataset.team)")
    assert ranks == ["tallinn", "ottawa"]
    # The white cell rules while the page is open: the page follows without a reload.
    store = EventStore(state_dir / "exercises" / "scoring-golden" / "events.db")
    try:
        store.append("penalty.applied", team="tallinn", rule="out_of_scope_action", t=110,
                     reason="attacked the scorebot", by="white-cell")
    finally:
        store.close()
    assert browser.wait_for(TOTAL.format(team="tallinn") + " === '38.51'")
    assert browser.evaluate(
        "[...document.querySelectorAll('#standings tbody tr')].map(r => r.dataset.team)") \
        == ["ottawa", "tallinn"]
    browser.screenshot(tmp_path / "live.png")


def test_rangectl_serve_listens_on_loopback_and_agrees_with_score(state_dir: Path) -> None:
    with serving(None) as served:
        assert served.url.startswith("http://127.0.0.1:"), served.url
        with urllib.request.urlopen(served.url + "scoreboard.json", timeout=10) as answer:
            view = json.load(answer)
        score = subprocess.run([str(RANGECTL), "score", "-o", "json"], capture_output=True,
                               text=True, check=True)
        assert view["standings"] == json.loads(score.stdout)["teams"]
