"""First-fit, aligned subnet allocation around reservations."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from orchestrator.plan.subnets import PoolExhaustedError, SubnetAllocator, block_prefix


def test_first_fit_is_aligned_and_in_order() -> None:
    allocator = SubnetAllocator(IPv4Network("10.0.0.0/16"))
    assert allocator.allocate(24, "a") == IPv4Network("10.0.0.0/24")
    assert allocator.allocate(26, "b") == IPv4Network("10.0.1.0/26")
    assert allocator.allocate(24, "c") == IPv4Network("10.0.2.0/24")
    assert allocator.allocate(26, "d") == IPv4Network("10.0.1.64/26")


def test_reservations_are_skipped_even_when_unaligned() -> None:
    allocator = SubnetAllocator(IPv4Network("10.0.0.0/16"),
                                [IPv4Network("10.0.0.128/25"), IPv4Network("192.168.0.0/24")])
    assert allocator.allocate(24, "a") == IPv4Network("10.0.1.0/24")
    assert allocator.allocate(25, "b") == IPv4Network("10.0.0.0/25")


def test_exhaustion() -> None:
    allocator = SubnetAllocator(IPv4Network("10.0.0.0/23"))
    allocator.allocate(24, "a")
    allocator.allocate(24, "b")
    with pytest.raises(PoolExhaustedError, match="no room left for c"):
        allocator.allocate(24, "c")


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [([24], 24), ([24, 28], 23), ([24, 24, 26, 28], 22), ([24] * 10 + [28], 20)],
)
def test_block_prefix_holds_all(prefixes: list[int], expected: int) -> None:
    assert block_prefix(prefixes) == expected
