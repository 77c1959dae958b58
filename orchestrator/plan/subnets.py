"""Carve subnets out of an address pool, around addresses already in use.

Docker's own address pools run out near 30 networks and know nothing of other
exercises, so rangectl allocates every subnet itself: first fit, aligned,
deterministic (the same pool and reservations always give the same subnets).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from orchestrator.errors import InvalidInputError

IPv4Network = ipaddress.IPv4Network


class SubnetAllocator:
    """Hands out non-overlapping subnets of a pool, first fit, in order of request."""

    def __init__(self, pool: IPv4Network, reserved: Iterable[IPv4Network] = ()) -> None:
        self.pool = pool
        self.taken: list[IPv4Network] = sorted(
            {net for net in reserved if net.version == 4 and net.overlaps(pool)}
        )

    def allocate(self, prefix: int, purpose: str) -> IPv4Network:
        """The first free, aligned /`prefix` of the pool; it is then taken."""
        if prefix < self.pool.prefixlen:
            raise PoolExhaustedError(self.pool, purpose)
        size = 2 ** (32 - prefix)
        start = int(self.pool.network_address)
        end = int(self.pool.broadcast_address)
        candidate = start
        while candidate + size - 1 <= end:
            subnet = IPv4Network((candidate, prefix))
            clash = next((net for net in self.taken if net.overlaps(subnet)), None)
            if clash is None:
                self.taken.append(subnet)
                return subnet
            # Jump past the clash, keeping alignment.
            after = int(clash.broadcast_address) + 1
            candidate = max(candidate + size, ((after + size - 1) // size) * size)
        raise PoolExhaustedError(self.pool, purpose)


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
