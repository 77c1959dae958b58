"""`rangectl plan FILE`: show the concrete per-team ranges `up` would build."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from orchestrator.cli.common import OUTPUT_CHOICE, exercise_option, load, print_json, split_teams
from orchestrator.cli.output import cells, console, line
from orchestrator.plan import Plan, plan_loaded
from orchestrator.scenario.model import parse_pool


def _pool(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(parse_pool(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


TEAMS_OPTION = click.option("--teams", help="Comma-separated team ids (default: all).")
EXERCISE_OPTION = exercise_option("Exercise id (default: the scenario's name).")
POOL_OPTION = click.option("--pool", callback=_pool, envvar="RANGECTL_POOL",
                           help="Private IPv4 pool for subnets (default: the scenario's, "
                                "else 10.128.0.0/12).")


@click.command("plan")
@click.argument("file", type=click.Path(path_type=Path))
@TEAMS_OPTION
@EXERCISE_OPTION
@POOL_OPTION
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table",
              help="table (default) or json.")
def plan_command(file: Path, teams: str | None, exercise: str | None, pool: str | None,
                 output: str) -> None:
    """Show the per-team networks, hosts, addresses, injects and checks of FILE.

    The plan is a pure function of the scenario and these options: the same
    input always gives the same plan. Secrets appear as <secret:NAME>.
    """
    plan = plan_loaded(load(file), exercise=exercise, teams=split_teams(teams), pool=pool)
    if output == "json":
        print_json(plan.model_dump(mode="json"))
    else:
        render_plan(plan, console())


def render_plan(plan: Plan, shown: Console) -> None:
    """The plan as tables; every value a cell (a scenario's text is never markup)."""
    shown.print(line(("exercise", "bold"), f" {plan.exercise}  scenario {plan.scenario}  "
                     f"pool {plan.pool}  duration {plan.duration}s  tick {plan.tick}s"))
    for team in plan.teams:
        shown.rule(line(f"team {team.team} ({team.name}, {team.site}, {team.timezone}) "
                        f"block {team.block}"))
        networks = Table("network", "subnet", "gateway", "internal", "docker name")
        for net in team.networks:
            networks.add_row(*cells(net.name, net.subnet, net.gateway, "yes" if net.internal
                                    else "no (access, no exit)", net.docker_name))
        shown.print(networks)
        hosts = Table("host", "role", "image", "addresses", "aliases")
        for host in team.hosts:
            addresses = ", ".join(f"{net}={addr}" for net, addr in host.addresses.items())
            hosts.add_row(*cells(host.name, host.role, host.image, addresses,
                                 ", ".join(host.aliases)))
        shown.print(hosts)
        if team.injects:
            injects = Table("at", "inject", "technique", "from → target", "first step")
            for inject in team.injects:
                target = inject.target_host + (f"/{inject.target_service}"
                                               if inject.target_service else "")
                injects.add_row(*cells(f"{inject.offset}s", inject.name, inject.technique,
                                       f"{inject.source_host} → {target}",
                                       inject.steps[0].run))
            shown.print(injects)
        checks = Table("check", "type", "address", "port")
        for check in team.checks:
            checks.add_row(*cells(check.check_id, check.check["type"], check.address,
                                  f"{check.port}/{check.protocol}"))
        shown.print(checks)
