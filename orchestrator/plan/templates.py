"""Render the scenario's Jinja2 templates with one team's plan.

Inject steps and checks name hosts, addresses and secrets symbolically
(`{{ hosts.portal.address }}`); each team's copy of the range fills them in with
its own values. Rendering is strict: an unknown name is an error, never an
empty string inside an attack command.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2
import jinja2.sandbox

from orchestrator.plan.model import PlannedHost, PlannedNetwork
from orchestrator.scenario.yaml_source import PathKey

_ENVIRONMENT = jinja2.sandbox.ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
)


class TemplateRenderError(ValueError):
    """A template names something the team's plan does not have."""


def secret_placeholders(names: list[str]) -> dict[str, str]:
    """Stand-ins shown by `rangectl plan`, which never holds a real secret."""
    return {name: f"<secret:{name}>" for name in names}


def fill_secrets(text: str, secrets: Mapping[str, str]) -> str:
    """Put a team's real secrets where the plan shows `<secret:NAME>` placeholders."""
    for name, value in secrets.items():
        text = text.replace(f"<secret:{name}>", value)
    return text


def mask_secrets(text: str, secrets: Mapping[str, str]) -> str:
    """`text` with each secret's value shown as its `<secret:NAME>` placeholder again.

    What a range host sends back (an inject's output, a check's detail) is
    recorded in the event store and shown in every report; a secret filled into
    a command, or read from a service, must not land there. The longest values
    go first (one secret may hold another), and an empty value masks nothing.
    """
    for name, value in sorted(secrets.items(), key=lambda item: -len(item[1])):
        if not value:
            continue
        text = text.replace(value, f"<secret:{name}>")
        quoted = repr(value)[1:-1]  # as a check's detail quotes it, with !r
        if quoted != value:
            text = text.replace(quoted, f"<secret:{name}>")
    return text


def host_view(host: PlannedHost) -> dict[str, Any]:
    """What a template sees of a host: its name, first address and all addresses."""
    first = next(iter(host.addresses.values()), "")
    return {"name": host.name, "address": first, "addresses": dict(host.addresses),
            "aliases": list(host.aliases)}


def build_context(
    exercise: str,
    team: Mapping[str, str],
    hosts: list[PlannedHost],
    networks: list[PlannedNetwork],
    secrets: Mapping[str, str],
) -> dict[str, Any]:
    """The names a template may use (see TEMPLATE_NAMES in the scenario types)."""
    views = {host.name: host_view(host) for host in hosts}
    return {
        "exercise": exercise,
        "team": dict(team),
        "hosts": views,
        "networks": {net.name: {"name": net.name, "subnet": net.subnet, "gateway": net.gateway}
                     for net in networks if net.purpose == "range"},
        "red": views.get("red", {}),
        "scorebot": views.get("scorebot", {}),
        "bastion": views.get("bastion", {}),
        "secrets": dict(secrets),
    }


# While a plan is made, every distinct template is compiled exactly once: the
# planner renders the same texts for every team in turn, and a bounded LRU
# accessed cyclically with more texts than it holds compiles every one again
# for every team (8000 injects x 20 teams took 61 s).
_PLAN_COMPILED: contextvars.ContextVar[dict[str, jinja2.Template] | None] = (
    contextvars.ContextVar("rangectl_plan_compiled", default=None))


@contextlib.contextmanager
def compile_once() -> Iterator[None]:
    """Inside this block, `render` compiles each distinct template text once."""
    token = _PLAN_COMPILED.set({})
    try:
        yield
    finally:
        _PLAN_COMPILED.reset(token)


def _compiled(template: str) -> jinja2.Template:
    """Each template text compiled once per plan (outside one: compiled for this call)."""
    cache = _PLAN_COMPILED.get()
    if cache is None:
        return _ENVIRONMENT.from_string(template)
    compiled = cache.get(template)
    if compiled is None:
        compiled = cache[template] = _ENVIRONMENT.from_string(template)
    return compiled


# A rendered template is a command line or a short text; anything longer is a
# scenario trying to exhaust the controller, stopped while it renders.
MAX_RENDERED = 64 * 1024


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render `template` strictly; raise TemplateRenderError naming what went wrong.

    The scenario loader only lets through templates whose cost is linear
    (orchestrator/scenario/template_policy.py); the size cap and the catch-all
    here are the second line, so no template can ever end `plan` or `run`
    with an internal error.
    """
    try:
        parts: list[str] = []
        size = 0
        for part in _compiled(template).generate(context):
            size += len(part)
            if size > MAX_RENDERED:
                raise TemplateRenderError(
                    f"template error: renders to more than {MAX_RENDERED // 1024} KiB")
            parts.append(part)
        return "".join(parts)
    except TemplateRenderError:
        raise
    except jinja2.UndefinedError as exc:
        raise TemplateRenderError(f"template error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TemplateRenderError(f"template error: {exc}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError,
            MemoryError, SyntaxError) as exc:
        raise TemplateRenderError(f"template error: {type(exc).__name__}: {exc}") from None


def render_or_note(
    template: str | None, context: dict[str, Any], path: PathKey,
    problems: list[tuple[PathKey, str]],
) -> str | None:
    """`template` rendered; on a problem, noted in `problems` at `path` (the
    planner reports every template's problems at once) and left as written."""
    if template is None:
        return None
    try:
        return render(template, context)
    except TemplateRenderError as exc:
        problems.append((path, str(exc)))
        return template
