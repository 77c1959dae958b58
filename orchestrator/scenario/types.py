"""Small value types of the scenario format: durations, sizes, names, templates.

They accept the forms an exercise controller writes by hand (`90s`, `1h30m`,
`256m`) and turn them into plain numbers, so that nothing after the loader ever
parses a string again.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import jinja2
import jinja2.meta
import jinja2.sandbox
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from orchestrator.errors import unprintable
from orchestrator.scenario.template_policy import HINT as TEMPLATE_HINT, template_violations

_DURATION_PART = re.compile(r"(\d+)(h|m|s)")
_DURATION = re.compile(r"^(?:\d+h)?(?:\d+m)?(?:\d+s)?$")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}
_SIZE = re.compile(r"^(\d+)([kmg]?)i?b?$", re.IGNORECASE)
_SIZE_FACTOR = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}

# The names a template may use; the planner fills them per team.
TEMPLATE_NAMES = frozenset(
    {"exercise", "team", "hosts", "networks", "red", "scorebot", "bastion", "secrets", "inject"}
)


def parse_duration(value: Any) -> Any:
    """`90s`, `5m`, `1h30m` or a number of seconds, as whole seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '90s', '5m', '1h30m'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return value
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if text and _DURATION.match(text):
            return sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
        raise ValueError(f"'{value}' is not a duration; write it like '90s', '5m' or '1h30m'")
    raise ValueError("a duration is a number of seconds or text like '90s', '5m', '1h30m'")


def parse_size(value: Any) -> Any:
    """`256m`, `1g`, `512MiB` or a number of bytes, as bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        match = _SIZE.match(value.strip())
        if match:
            return int(match.group(1)) * _SIZE_FACTOR[match.group(2).lower()]
    raise ValueError(f"'{value}' is not a size; write it like '256m' or '1g'")


def check_template(value: str) -> str:
    """Refuse a Jinja2 template that does not parse, names an unknown variable,
    or uses more than substitution (see template_policy: a scenario is data).

    The template is also compiled as the planner will compile it, so that
    nothing Python refuses in the generated code (too deep, too many
    parentheses) reaches the planner as an internal error.
    """
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(autoescape=False)
    try:
        parsed = environment.parse(value)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"template error: {exc.message}") from None
    except (RecursionError, MemoryError):
        raise ValueError("template error: nested too deeply") from None
    violation = next(template_violations(parsed), None)
    if violation is not None:
        raise ValueError(f"template error: {violation}; {TEMPLATE_HINT}")
    unknown = sorted(jinja2.meta.find_undeclared_variables(parsed) - TEMPLATE_NAMES)
    if unknown:
        known = ", ".join(sorted(TEMPLATE_NAMES))
        raise ValueError(f"template uses unknown variable '{unknown[0]}' (known: {known})")
    try:
        environment.compile(parsed)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"template error: {exc.message}") from None
    except (SyntaxError, RecursionError, MemoryError):
        raise ValueError("template error: nested too deeply") from None
    return value


# Upper bounds keep every number a scenario gives within what scoring (floats),
# JSON and sockets can hold: a window of 400 nines or a check timeout of 10**20
# crashed `score`, `report` and the runner for every team.
MAX_SECONDS = 30 * 24 * 3600  # 30 days: any duration, window or delay
MAX_TIMEOUT = 3600  # one hour: a check's or an inject step's timeout


def _duration_schema(maximum: int, limit: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?$",
                 "examples": ["90s", "5m"]},
                {"type": "integer", "minimum": 0, "maximum": maximum},
            ],
            "description": f"seconds, or text like '90s', '5m', '1h30m'; at most {limit}",
        }
    )


Seconds = Annotated[int, BeforeValidator(parse_duration), Field(le=MAX_SECONDS),
                    _duration_schema(MAX_SECONDS, "30 days")]
"""A duration, held as whole seconds: at most 30 days."""

Timeout = Annotated[int, BeforeValidator(parse_duration), Field(le=MAX_TIMEOUT),
                    _duration_schema(MAX_TIMEOUT, "1h")]
"""A timeout, held as whole seconds: at most one hour."""

Bytes = Annotated[
    int,
    BeforeValidator(parse_size),
    Field(gt=0, le=1024**4),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d+[kKmMgG]?(i?[bB])?$"},
                {"type": "integer", "minimum": 1, "maximum": 1024**4},
            ],
            "description": "bytes, or text like '256m', '1g'",
        }
    ),
]
"""A size, held as bytes."""

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$"
NAME_HINT = "use lower-case letters, digits and '-', starting with a letter, 1-32 long"

Name = Annotated[
    str,
    StringConstraints(pattern=NAME_PATTERN),
    Field(description="lower-case letters, digits and '-', starting with a letter, 1-32 long"),
]
"""A name that becomes part of container names and host names (a DNS label)."""

# What `image:` may say: a rangectl image folder's name (`web`, or one in the bundle's
# images/), a Docker image reference with a tag, digest or registry path
# (`nginx:1.25`, `acme/hmi@sha256:...`), or a `docker save` archive in the bundle's
# images/ folder (`images/hmi.tar`). Kept apart by shape alone: a plain name has no
# `:`, `/` or `@`. orchestrator/images/sources.py turns each into what Docker runs.
_REFERENCE_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REFERENCE_PATTERN = (
    rf"(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?/)?{_REFERENCE_PART}(?:/{_REFERENCE_PART})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)
IMAGE_ARCHIVE_PATTERN = r"images/[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\.(?:tar|tar\.gz|tgz)"
IMAGE_PATTERN = (rf"^(?:{NAME_PATTERN[1:-1].replace('$|^', '|')}|{IMAGE_ARCHIVE_PATTERN}"
                 rf"|{IMAGE_REFERENCE_PATTERN})$")

ImageSpec = Annotated[
    str,
    StringConstraints(pattern=IMAGE_PATTERN, max_length=255),
    Field(description="a rangectl image (host, web, or one in the bundle's images/), a "
                      "Docker image reference with a tag (nginx:1.25), or a docker save "
                      "archive in the bundle (images/NAME.tar)"),
]
"""The image a host runs: see IMAGE_PATTERN."""

DISPLAY_MAX = 80


def check_display_text(value: str) -> str:
    """Refuse a display name that is not one printable line.

    Display names end up in files other programs parse (a team name is a comment
    line in the access kit's ssh_config, a line of the bastion's motd): a newline
    there would let a scenario author add `Host *` / `ProxyCommand` lines to
    every trainee's kit. Control and format characters (including bidi
    overrides) are refused too, so what a reviewer reads is what is shown.
    """
    if not value.strip():
        raise ValueError("a display name cannot be empty")
    if len(value) > DISPLAY_MAX:
        raise ValueError(f"a display name is at most {DISPLAY_MAX} characters (this one has "
                         f"{len(value)})")
    for character in value:
        if unprintable(character):
            raise ValueError(f"a display name is one printable line; it contains "
                             f"{character!r} (U+{ord(character):04X})")
    return value


DisplayText = Annotated[
    str,
    AfterValidator(check_display_text),
    Field(description=f"one printable line, at most {DISPLAY_MAX} characters",
          json_schema_extra={"minLength": 1, "maxLength": DISPLAY_MAX,
                             "pattern": r"^[^\u0000-\u001f\u007f-\u009f]+$"}),
]
"""Text shown to people and written into generated files: one printable line."""

def is_name(value: str) -> bool:
    """Whether `value` follows the Name rule. Exercise ids follow it too: an id becomes a
    folder under the state directory and a Docker label, so '..', '/etc' or '' must never
    get that far."""
    return re.fullmatch(NAME_PATTERN, value) is not None

Technique = Annotated[
    str,
    StringConstraints(pattern=r"^T\d{4}(\.\d{3})?$"),
    Field(description="a MITRE ATT&CK technique id, like T1110 or T1110.001"),
]

Template = Annotated[str, AfterValidator(check_template)]
"""Text rendered by Jinja2 with the team's plan (hosts, networks, secrets...)."""
