"""Host facts: whether a host name is an IP address literal."""

from __future__ import annotations

import ipaddress


def is_ip(host: str | None) -> bool:
    """An IPv4/IPv6 literal (brackets allowed: `[::1]`). One check for nginx rules and the
    link step (the nginx copy was a regex that took `300.1.1.1` or `cafe:beef` for IPs)."""
    if not host:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
