"""What an incident report may hold, checked once at collection and again when scored.

A report is a file a trainee wrote on their bastion: anything at all may be in
it. The engine records only reports that pass `parse_report` (the rest are
recorded as `incident.rejected`, with the reason, for the white cell), and
scoring reads every stored report through `stored_report`, so no report, of
any shape, from this run or from an event store older than these rules, can
stop `score`, `report` or the live page. Standard library only and pure, so
both sides use the same rules.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from orchestrator.errors import unprintable

MAX_BYTES = 32 * 1024  # a report file; the `incident` command writes at most about 28 KiB
MAX_INDICATORS = 32
LIMITS = {"id": 64, "reporter": 64, "host": 253, "technique": 9, "indicator": 200,
          "seen": 40, "filed": 40, "summary": 500}
KEYS = ("id", "reporter", "host", "technique", "indicators", "seen", "filed", "summary")
REQUIRED = ("host", "technique")
TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")
HOST = re.compile(r"[A-Za-z0-9_.:-]+")
NAME = re.compile(r"[A-Za-z0-9_.-]+")


class ReportError(ValueError):
    """Why a report is not accepted, in one line the white cell can read."""


@dataclass(frozen=True)
class IncidentReport:
    host: str
    technique: str
    indicators: tuple[str, ...] = ()
    summary: str = ""
    reporter: str = ""
    seen: str = ""
    filed: str = ""
    id: str = ""


def parse_report(text: str) -> IncidentReport:
    """The report in a file's text; ReportError says why it is refused.

    The size is checked before parsing, and parsing cannot recurse without
    bound: deep nesting is a refusal, not a crash."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ReportError(f"larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(text)
    except RecursionError:
        raise ReportError("nested too deeply to be a report") from None
    except ValueError as exc:
        raise ReportError(f"not JSON: {_clip(str(exc), 80)}") from None
    return validate_report(document)


def validate_report(document: object) -> IncidentReport:
    """Check a parsed report against the schema: keys, types, lengths, formats."""
    if not isinstance(document, dict):
        raise ReportError(f"a report is a JSON object, not {_kind(document)}")
    unknown = sorted(str(key) for key in document if key not in KEYS)
    if unknown:
        raise ReportError(f"unknown key {_clip(unknown[0], 40)!r} "
                          f"(a report has only {', '.join(KEYS)})")
    missing = [key for key in REQUIRED if key not in document]
    if missing:
        raise ReportError(f"no {missing[0]!r}")
    fields = {key: _text(document, key) for key in KEYS
              if key != "indicators" and key in document}
    if not HOST.fullmatch(fields["host"]):
        raise ReportError("'host' is not a host name or address")
    if not TECHNIQUE.fullmatch(fields["technique"]):
        raise ReportError("'technique' is not an ATT&CK id like T1190 or T1110.001")
    for key in ("id", "reporter"):
        if fields.get(key) and not NAME.fullmatch(fields[key]):
            raise ReportError(f"{key!r} may hold only letters, digits, '.', '_' and '-'")
    for key in ("seen", "filed"):
        if fields.get(key):
            _time(key, fields[key])
    return IncidentReport(
        host=fields["host"], technique=fields["technique"],
        indicators=_indicators(document.get("indicators", [])),
        summary=fields.get("summary", ""), reporter=fields.get("reporter", ""),
        seen=fields.get("seen", ""), filed=fields.get("filed", ""), id=fields.get("id", ""))


def stored_report(data: object, host: str | None,
                  default_id: str) -> tuple[IncidentReport, float]:
    """A recorded `incident.reported` event's report and collection time, checked again:
    stores written before these rules (or edited since) may hold anything. Keys the
    engine added (`t`, `file`) or that older engines kept are not the report's."""
    if not isinstance(data, Mapping):
        raise ReportError("the stored event holds no report")
    fields = {key: data[key] for key in KEYS if key in data and key not in ("host", "id")}
    report = validate_report({**fields, "host": host if host is not None else ""})
    report_id = data.get("id", default_id)
    if not isinstance(report_id, str | int) or isinstance(report_id, bool) \
            or not 0 < len(str(report_id)) <= 255:
        raise ReportError("the stored report has no usable id")
    _printable("id", str(report_id))
    t = data.get("t", 0.0)
    if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t):
        raise ReportError("the stored report has no usable collection time")
    return replace(report, id=str(report_id)), float(t)


def _text(document: Mapping[str, Any], key: str) -> str:
    value = document[key]
    if not isinstance(value, str):
        raise ReportError(f"{key!r} must be a string, not {_kind(value)}")
    if len(value) > LIMITS[key]:
        raise ReportError(f"{key!r} is longer than {LIMITS[key]} characters")
    if key in REQUIRED and not value.strip():
        raise ReportError(f"{key!r} is empty")
    _printable(key, value)
    return value


def _indicators(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ReportError(f"'indicators' must be a list of strings, not {_kind(value)}")
    if len(value) > MAX_INDICATORS:
        raise ReportError(f"more than {MAX_INDICATORS} indicators")
    for item in value:
        if not isinstance(item, str):
            raise ReportError(f"'indicators' must be a list of strings, not of {_kind(item)}")
        if len(item) > LIMITS["indicator"]:
            raise ReportError(f"an indicator is longer than {LIMITS['indicator']} characters")
        _printable("indicators", item)
    return tuple(value)


def _printable(key: str, value: str) -> None:
    """No control, format or separator characters: reports are shown in terminals
    and pages, where a bidi override would reorder what the white cell reads."""
    if any(unprintable(char) for char in value):
        raise ReportError(f"{key!r} holds control or invisible characters")


def _time(key: str, value: str) -> None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ReportError(f"{key!r} is not an ISO time like 2026-11-24T14:05:00+00:00") \
            from None


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 3] + "..."
