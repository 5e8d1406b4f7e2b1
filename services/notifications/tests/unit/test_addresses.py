"""The SSRF guard: what a webhook URL may point at."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

import pytest

from notifications.adapters.dns import ResolutionFailed
from notifications.domain.addresses import (
    AddressClass,
    TargetRefused,
    check_addresses,
    classify,
    parse_target,
)
from notifications.service_layer.webhooks import checked_target


@pytest.mark.parametrize(("address", "expected"), [
    ("93.184.216.34", AddressClass.PUBLIC),
    ("2606:4700:4700::1111", AddressClass.PUBLIC),
    ("127.0.0.1", AddressClass.LOOPBACK),
    ("127.8.9.10", AddressClass.LOOPBACK),
    ("::1", AddressClass.LOOPBACK),
    ("10.0.0.1", AddressClass.PRIVATE),
    ("172.31.255.255", AddressClass.PRIVATE),
    ("192.168.0.1", AddressClass.PRIVATE),
    ("100.64.0.1", AddressClass.PRIVATE),  # carrier-grade NAT, used inside clouds
    ("fd12:3456::1", AddressClass.PRIVATE),
    ("169.254.10.10", AddressClass.LINK_LOCAL),
    ("fe80::1", AddressClass.LINK_LOCAL),
    ("169.254.169.254", AddressClass.METADATA),
    ("fd00:ec2::254", AddressClass.METADATA),
    ("100.100.100.200", AddressClass.METADATA),
    ("0.0.0.0", AddressClass.UNSPECIFIED),
    ("::", AddressClass.UNSPECIFIED),
    ("224.0.0.1", AddressClass.MULTICAST),
    ("::ffff:127.0.0.1", AddressClass.LOOPBACK),  # IPv4-mapped
    ("::ffff:169.254.169.254", AddressClass.METADATA),
    ("64:ff9b::a00:1", AddressClass.PRIVATE),  # NAT64 of 10.0.0.1
    ("2002:7f00:1::", AddressClass.LOOPBACK),  # 6to4 of 127.0.0.1
])
def test_classify(address: str, expected: AddressClass) -> None:
    assert classify(ipaddress.ip_address(address)) is expected


@pytest.mark.parametrize("address", ["192.0.2.1", "198.18.0.1", "240.0.0.1", "255.255.255.255", "2001:db8::1"])
def test_documentation_benchmark_and_reserved_ranges_are_not_public(address: str) -> None:
    # Python versions file some of these as "private", others as "reserved": either way, refused.
    assert classify(ipaddress.ip_address(address)) is not AddressClass.PUBLIC


def test_every_resolved_address_must_be_public() -> None:
    public, private = ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")
    check_addresses([public], allow_private=False)
    with pytest.raises(TargetRefused, match="private"):
        check_addresses([public, private], allow_private=False)
    check_addresses([public, private], allow_private=True)
    with pytest.raises(TargetRefused, match="metadata"):
        check_addresses([ipaddress.ip_address("169.254.169.254")], allow_private=True)
    with pytest.raises(TargetRefused) as none:
        check_addresses([], allow_private=False)
    assert none.value.code == "url_unresolvable"


@pytest.mark.parametrize(("url", "code"), [
    ("http://partner.example/hook", "url_not_allowed"),
    ("ftp://partner.example/hook", "url_not_allowed"),
    ("https://user:secret@partner.example/hook", "url_not_allowed"),
    ("https:///nohost", "invalid_url"),
    ("https://partner.example:99999/hook", "invalid_url"),
    ("https://partner.example/a b", "invalid_url"),
    ("https://partner.example/\r\nX-Injected: 1", "invalid_url"),
    ("https://metadata.google.internal/computeMetadata/v1/", "url_not_allowed"),
    ("https://METADATA.google.internal./", "url_not_allowed"),
    ("https://localhost/hook", "url_not_allowed"),
    ("https://api.localhost/hook", "url_not_allowed"),
    ("https://" + "a" * 2100 + ".example/", "invalid_url"),
])
def test_parse_target_refuses(url: str, code: str) -> None:
    with pytest.raises(TargetRefused) as refused:
        parse_target(url, allow_private=False)
    assert refused.value.code == code


def test_parse_target_accepts_https_and_keeps_what_a_request_needs() -> None:
    target = parse_target("https://Hooks.Partner.example:8443/coop?x=1", allow_private=False)
    assert (target.scheme, target.host, target.port, target.ip) == ("https", "hooks.partner.example", 8443, None)
    literal = parse_target("https://[2606:4700::1]/hook", allow_private=False)
    assert literal.ip == ipaddress.ip_address("2606:4700::1") and literal.port == 443
    assert parse_target("http://127.0.0.1:8080/", allow_private=True).port == 8080


class _Resolver:
    def __init__(self, answer: list[str] | Exception) -> None:
        self.answer = answer

    async def resolve(self, host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return [ipaddress.ip_address(a) for a in self.answer]


def _ctx(answer: list[str] | Exception, allow_private: bool = False) -> SimpleNamespace:
    return SimpleNamespace(settings=SimpleNamespace(webhook_allow_private_targets=allow_private),
                           resolver=_Resolver(answer))


async def test_a_host_name_is_judged_by_everything_it_resolves_to() -> None:
    target, addresses = await checked_target(_ctx(["93.184.216.34"]), "https://hooks.partner.example/x")  # type: ignore[arg-type]
    assert target.host == "hooks.partner.example" and [str(a) for a in addresses] == ["93.184.216.34"]
    with pytest.raises(TargetRefused, match="loopback"):
        await checked_target(_ctx(["93.184.216.34", "127.0.0.1"]), "https://rebind.example/x")  # type: ignore[arg-type]
    with pytest.raises(TargetRefused) as unresolvable:
        await checked_target(_ctx(ResolutionFailed("nx")), "https://nowhere.example/x")  # type: ignore[arg-type]
    assert unresolvable.value.code == "url_unresolvable"
