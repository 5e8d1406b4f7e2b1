"""Client addresses: the peer unless it is a trusted proxy, then the right-most untrusted hop."""

from __future__ import annotations

import pytest

from coop_shared.http.client_address import parse_networks, resolve_client

PROXIES = parse_networks(["10.0.0.0/8", "192.168.1.5"])


def test_a_client_supplied_header_is_ignored_when_the_peer_is_not_a_proxy() -> None:
    assert resolve_client("203.0.113.7", ["1.2.3.4"], PROXIES) == "203.0.113.7"
    assert resolve_client("203.0.113.7", [], ()) == "203.0.113.7"


def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client forged "1.2.3.4"; the proxy appended the address it saw.
    assert resolve_client("10.1.2.3", ["1.2.3.4, 198.51.100.9"], PROXIES) == "198.51.100.9"
    assert resolve_client("10.1.2.3", ["1.2.3.4, 198.51.100.9, 192.168.1.5"], PROXIES) == "198.51.100.9"
    assert resolve_client("10.1.2.3", ["1.2.3.4", "198.51.100.9"], PROXIES) == "198.51.100.9"
    assert resolve_client("10.1.2.3", [], PROXIES) == "10.1.2.3"
    assert resolve_client("10.1.2.3", ["not-an-ip, 10.9.9.9"], PROXIES) == "10.9.9.9"


def test_a_different_header_per_request_does_not_change_the_address() -> None:
    seen = {resolve_client("203.0.113.7", [f"10.0.0.{i}"], PROXIES) for i in range(50)}
    assert seen == {"203.0.113.7"}


def test_bad_networks_are_named() -> None:
    with pytest.raises(ValueError, match="nope"):
        parse_networks(["nope"])
