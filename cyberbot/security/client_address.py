"""The address of the client behind a request, believing only configured proxies.

A proxy appends the address it received the request from to the forwarding header, so
the header is read from the right: the first address that is not a trusted proxy is the
client. Without trusted proxies the header is ignored: any client can write it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(
    peer: str | None, forwarded: str | None, trusted: Sequence[Network]
) -> str | None:
    """The client's address, given the TCP peer and the proxy header's value."""
    peer_address = _parse(peer)
    if peer_address is None:
        return None
    if not forwarded or not _is_trusted(peer_address, trusted):
        return str(peer_address)
    current = peer_address
    for part in reversed(forwarded.split(",")):
        address = _parse(part)
        if address is None:
            # A malformed entry: nothing to its left can be believed.
            return str(current)
        current = address
        if not _is_trusted(address, trusted):
            return str(address)
    return str(current)


def client_key(address: str | None, secret: str) -> str | None:
    """A pseudonym of a client address for counters and limits (never the address)."""
    if not address:
        return None
    digest = hmac.new(secret.encode(), f"client:{address}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _parse(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    text = value.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Sequence[Network]
) -> bool:
    return any(address.version == network.version and address in network for network in trusted)
