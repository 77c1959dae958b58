"""The base of every event kind: a frozen payload registered under its kind string.

Apart from orchestrator/events/kinds.py, which declares the kinds, so that
file holds nothing but the contract itself. A leaf (standard library only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, ClassVar

ENVELOPE = ("team", "host")  # stored in the event's own columns, not in its data
_REGISTRY: dict[str, type[Payload]] = {}


@dataclass(frozen=True, kw_only=True)
class Payload:
    """One event to record: its kind and `when` come with the class, its data are
    the fields. A subclass names its kind (`class X(Payload, kind="x.done", when=...)`)
    and is registered by it; one without a kind only shares fields."""

    kind: ClassVar[str]
    when: ClassVar[str]
    omitted_when_none: ClassVar[tuple[str, ...]] = ()  # left out of data, not stored null

    def __init_subclass__(cls, kind: str = "", when: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind:
            if kind in _REGISTRY:
                raise TypeError(f"event kind {kind} is declared twice")
            cls.kind, cls.when = kind, when
            _REGISTRY[kind] = cls

    @property
    def envelope(self) -> tuple[str | None, str | None]:
        """The event's team and host (None where the kind has no such field)."""
        return getattr(self, "team", None), getattr(self, "host", None)

    def data(self) -> dict[str, Any]:
        """The event's data, as the store serialises it (the envelope aside)."""
        values = ((field.name, getattr(self, field.name)) for field in fields(self))
        return {key: value for key, value in values if key not in ENVELOPE
                and (value is not None or key not in self.omitted_when_none)}


KINDS: Mapping[str, type[Payload]] = MappingProxyType(_REGISTRY)  # every kind, by its string
