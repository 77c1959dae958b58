"""Host resets in the scoring model: charged by the scenario's rule, shown in the report."""

from __future__ import annotations

from orchestrator.events.store import Event
from orchestrator.plan import Plan
from scoring.ledger import compute_ledger
from scoring.report.document import build_report
from scoring.report.render import render_html, render_markdown
from tests.unit.scoring.golden import golden_events, golden_plan, with_event


def charged(plan: Plan, points: int) -> Plan:
    scoring = plan.scoring.model_copy(
        update={"penalties": {**plan.scoring.penalties, "host_reset": points}})
    return plan.model_copy(update={"scoring": scoring})


def reset_events() -> list[Event]:
    """The golden story with two resets on the clock, before it finished."""
    events = golden_events()
    finished = next(e for e in events if e.kind == "exercise.finished")
    events = [e for e in events if e is not finished]
    events = with_event(events, "host.reset_started", "ottawa", "web", t=42.0,
                        by="trainee:blue", reason="portal broken by our patch", to=None)
    events = with_event(events, "host.reset_finished", "ottawa", "web", t=51.0, seconds=9.2,
                        ok=True, error="")
    events = with_event(events, "host.reset_started", "tallinn", "files", t=70.0,
                        by="white-cell", reason="<b>sshd</b> gone", to="hardened")
    return with_event(events, finished.kind, **finished.data)


def test_each_reset_is_charged_by_the_rule_with_its_reason_and_events() -> None:
    events = reset_events()
    ledger = compute_ledger(charged(golden_plan(), 6), events)
    lines = [line for line in ledger.lines if line.subject == "host_reset"]
    assert [(line.team, line.raw, line.t) for line in lines] == [
        ("ottawa", -6.0, 42.0), ("tallinn", -6.0, 70.0)]
    ottawa, tallinn = lines
    assert ottawa.reason \
        == "web reset by trainee:blue: portal broken by our patch (back in 9.2s)"
    assert ottawa.events == (events[-4].seq, events[-3].seq)  # started and finished
    assert "to snapshot hardened" in tallinn.reason
    assert "not ended" in tallinn.reason
    without = compute_ledger(golden_plan(), golden_events())
    assert sum(line.points for line in ledger.for_team("ottawa")) == \
        sum(line.points for line in without.for_team("ottawa")) - 6


def test_without_a_rule_a_reset_is_in_the_ledger_at_no_cost() -> None:
    ledger = compute_ledger(golden_plan(), reset_events())
    lines = [line for line in ledger.lines if line.subject == "host_reset"]
    assert [line.raw for line in lines] == [0.0, 0.0]
    assert all("no host_reset rule: no cost" in line.reason for line in lines)


def test_the_report_marks_resets_on_the_strips_and_lists_them_escaped() -> None:
    report = build_report(charged(golden_plan(), 6), reset_events())
    assert [(item["team"], item["host"], item["tick"], item["ok"]) for item in
            report["resets"]] == [("ottawa", "web", 4, True), ("tallinn", "files", 7, None)]
    html = render_html(report)
    strips = sum(1 for team, host in (("ottawa", "web"), ("tallinn", "files"))
                 for check in golden_plan().team(team).checks if check.host == host)
    assert strips >= 2
    assert html.count('class="reset-marker"') == strips  # one on each strip of the host
    assert "&lt;b&gt;sshd&lt;/b&gt; gone" in html
    assert "<b>sshd</b>" not in html
    assert "back in 9.2 s" in html
    markdown = render_markdown(report)
    assert "### Host resets" in markdown
    assert "to snapshot hardened" in markdown


def test_a_reset_off_the_exercise_clock_costs_nothing() -> None:
    events = with_event(golden_events(), "host.reset_started", "ottawa", "web", t=120.0,
                        by="white-cell", reason="after the end", to=None)
    lines = [line for line in compute_ledger(charged(golden_plan(), 6), events).lines
             if line.subject == "host_reset"]
    assert [(line.raw, "off the exercise clock: no cost" in line.reason)
            for line in lines] == [(0.0, True)]


def test_an_attack_blocked_while_its_target_was_being_reset_earns_nothing() -> None:
    """Ottawa blocked `scan` (web): with web reset across the attack, the stake is gone."""
    before = [line for line in compute_ledger(golden_plan(), golden_events()).lines
              if (line.team, line.category, line.subject) == ("ottawa", "defence", "scan")]
    assert [line.raw for line in before] == [10.0]
    events = golden_events()
    fired = next(e for e in events if e.kind == "inject.fired" and e.team == "ottawa"
                 and e.data["inject"] == "scan")
    reset = Event(fired.seq, fired.time, "host.reset_started", "ottawa", "web",
                  {"t": 19.0, "by": "trainee:blue", "reason": "timed", "to": None})
    after = [line for line in compute_ledger(golden_plan(), [reset, *events]).lines
             if (line.team, line.category, line.subject) == ("ottawa", "defence", "scan")]
    assert [line.raw for line in after] == [0.0]
    assert "web was being reset meanwhile" in after[0].reason
    other = [line for line in compute_ledger(golden_plan(), [reset, *events]).lines
             if (line.team, line.category, line.subject) == ("tallinn", "defence", "guess")]
    assert [line.raw for line in other] == [20.0]  # another team's, another host: untouched
