"""A line of the ledger: some points, why, and the events that caused them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

CATEGORIES = ("availability", "defence", "detection", "penalties")


@dataclass(frozen=True)
class LedgerLine:
    team: str
    category: str  # one of CATEGORIES
    subject: str  # the check (HOST/SERVICE), inject or rule the line is about
    raw: float  # points before the category's weight
    points: float  # what counts in the total: raw x weight, 0 when void
    t: float  # exercise time, seconds from the start
    time: str  # UTC time of the last event behind the line
    reason: str  # one line a trainee understands
    events: tuple[int, ...]  # sequence numbers of the events that caused it
    void: str = ""  # why the white cell voided it ("" when it counts)

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "category": self.category, "subject": self.subject,
                "raw": self.raw, "points": self.points, "t": self.t, "time": self.time,
                "reason": self.reason, "events": list(self.events), "void": self.void}


@lru_cache(maxsize=4096)  # an exercise has few distinct values; Decimal is slow
def points(value: float, weight: float = 1.0) -> float:
    """`value` x `weight` to two decimals, half up, as a reader would work it out by hand.

    Decimal arithmetic on the printed values keeps 18.33 x 1.5 at 27.50, where
    binary floats would give 27.49.
    """
    product = Decimal(repr(value)) * Decimal(repr(weight))
    return float(product.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + 0.0


