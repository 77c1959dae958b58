"""Where a swarm may put the addresses it picks itself on a range's overlay network.

Every node that joins an overlay network takes an address on it for its load
balancer endpoint, the first free one of the subnet unless the network says
otherwise. That is the address the plan gives a router (`.2`): the router's
container then cannot start ("Address already in use", reported by the
engine as "attaching to network failed ... context deadline exceeded").
Each overlay network is created with an IP range for the engine's own picks,
a block of the subnet that the plan leaves free, so they never meet a
planned address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# The largest block first: eight nodes on one network, then fewer.
RANGE_PREFIXES = (29, 30, 31, 32)


def dynamic_range(subnet: str, taken: Iterable[str]) -> str | None:
    """The first block of `subnet`, as large as one of RANGE_PREFIXES allows, that holds
    none of the `taken` addresses (nor the subnet's own first and last addresses);
    None if no address is free."""
    network = ipaddress.ip_network(subnet)
    used = {ipaddress.ip_address(address) for address in taken}
    used |= {network.network_address, network.broadcast_address}
    for prefix in RANGE_PREFIXES:
        if prefix < network.prefixlen:
            continue
        for block in network.subnets(new_prefix=prefix):
            if not any(address in block for address in used):
                return str(block)
    return None
