"""Which address a request comes from, believing only configured proxies."""

from __future__ import annotations

import ipaddress

import pytest

from cyberbot.security.client_address import client_address, client_key

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        # An untrusted peer's header is written by the client itself: ignored.
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # The client put a fake address first; the proxy appended the real one.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, 10.0.0.3", "198.51.100.1"),
        ("10.0.0.2", "garbage, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, garbage", "10.0.0.2"),
        ("::1", "[2001:db8::5]:443", "2001:db8::5"),
        ("10.0.0.2", "203.0.113.7:5555", "203.0.113.7"),
        ("::ffff:203.0.113.9", None, "203.0.113.9"),
        (None, "198.51.100.1", None),
        ("not an address", None, None),
    ],
)
def test_the_client_behind_trusted_proxies(
    peer: str | None, forwarded: str | None, expected: str | None
) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_the_pseudonym_is_keyed_and_stable() -> None:
    first = client_key("203.0.113.5", "s" * 32)
    assert first == client_key("203.0.113.5", "s" * 32)
    assert first != client_key("203.0.113.6", "s" * 32)
    assert first != client_key("203.0.113.5", "t" * 32)
    assert first is not None and "203" not in first
    assert client_key(None, "s" * 32) is None
