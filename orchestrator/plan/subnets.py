"""Carve subnets out of an address pool, around addresses already in use.

Docker's own address pools run out near 30 networks and know nothing of other
exercises, so rangectl allocates every subnet itself: first fit, aligned,
deterministic (the same pool and reservations always give the same subnets).
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable

from orchestrator.errors import InvalidInputError

IPv4Network = ipaddress.IPv4Network


class SubnetAllocator:
    """Hands out non-overlapping subnets of a pool, first fit, in order of request.

    What is taken is kept as sorted, merged spans of integer addresses, so one
    allocation costs about the number of gaps before the first fit (a handful)
    plus a bisect, not a scan of every subnet already given out: planning a
    thousand teams stays near-linear.
    """

    def __init__(self, pool: IPv4Network, reserved: Iterable[IPv4Network] = ()) -> None:
        self.pool = pool
        self._starts: list[int] = []
        self._ends: list[int] = []  # inclusive; spans never touch or overlap
        for net in sorted(n for n in reserved if n.version == 4 and n.overlaps(pool)):
            self._take(int(net.network_address), int(net.broadcast_address))

    def allocate(self, prefix: int, purpose: str) -> IPv4Network:
        """The first free, aligned /`prefix` of the pool; it is then taken."""
        if prefix < self.pool.prefixlen:
            raise PoolExhaustedError(self.pool, purpose)
        size = 2 ** (32 - prefix)
        candidate = int(self.pool.network_address)
        end = int(self.pool.broadcast_address)
        index = bisect.bisect_left(self._ends, candidate)
        while candidate + size - 1 <= end:
            if index == len(self._starts) or self._starts[index] > candidate + size - 1:
                self._take(candidate, candidate + size - 1)
                return IPv4Network((candidate, prefix))
            # Jump past the span in the way, keeping alignment.
            after = self._ends[index] + 1
            candidate = max(candidate + size, ((after + size - 1) // size) * size)
            index = bisect.bisect_left(self._ends, candidate, lo=index)
        raise PoolExhaustedError(self.pool, purpose)

    def _take(self, first: int, last: int) -> None:
        """Mark [first, last] taken, merging it with the spans it touches or overlaps."""
        low = bisect.bisect_left(self._ends, first - 1)
        high = bisect.bisect_right(self._starts, last + 1)
        if low < high:
            first = min(first, self._starts[low])
            last = max(last, self._ends[high - 1])
        self._starts[low:high] = [first]
        self._ends[low:high] = [last]


class PoolExhaustedError(InvalidInputError):
    """The pool has no room left for what the plan needs."""

    def __init__(self, pool: IPv4Network, purpose: str) -> None:
        super().__init__(
            f"address pool {pool} has no room left for {purpose}",
            "give a larger pool with --pool (or 'addressing: pool:' in the scenario), "
            "or remove exercises you no longer need (rangectl down --exercise ID)",
        )


def block_prefix(prefixes: Iterable[int]) -> int:
    """The prefix of the smallest aligned block that holds subnets of these prefixes."""
    total: int = sum(1 << (32 - prefix) for prefix in prefixes)
    bits = max(total - 1, 1).bit_length()
    return 32 - bits
