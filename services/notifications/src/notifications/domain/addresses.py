"""Where partner webhooks may point (server-side request forgery guard).

A webhook makes this service send requests to a URL chosen by a partner. If
that URL reached loopback, the cluster's private ranges, link-local or a
cloud metadata endpoint, a partner could read or poke internal systems with
our network position. So a target must be https, and every address its host
resolves to must be public. The check runs at registration and again before
each delivery (DNS may change), and the delivery connects to the address
that was checked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048

# Instance metadata services (AWS, AWS IPv6, ECS tasks, Alibaba, Oracle): never a target,
# not even in tests.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2",
                                      "100.100.100.200", "192.0.0.192")
)
METADATA_HOSTNAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata",
                                "instance-data", "instance-data.ec2.internal"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, used inside clouds


class AddressClass(StrEnum):
    PUBLIC = "public"
    METADATA = "cloud metadata"
    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"
    UNSPECIFIED = "unspecified"
    MULTICAST = "multicast"
    NON_PUBLIC = "reserved or non-public"


class TargetRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    scheme: str
    host: str  # lower case, no trailing dot, no brackets
    port: int
    ip: IPAddress | None  # set when the URL names an address, not a host name


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # ::ffff:a.b.c.d, 6to4 and NAT64 addresses reach an IPv4 host: judge that host.
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify(ip: IPAddress) -> AddressClass:
    if ip in METADATA_ADDRESSES:
        return AddressClass.METADATA
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%")[0])
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return classify(inner)
    if ip.is_unspecified:
        return AddressClass.UNSPECIFIED
    if ip.is_loopback:
        return AddressClass.LOOPBACK
    if ip.is_link_local:
        return AddressClass.LINK_LOCAL
    if ip.is_multicast:
        return AddressClass.MULTICAST
    if ip.is_private or ip in _SHARED:
        return AddressClass.PRIVATE
    if not ip.is_global or ip.is_reserved:
        return AddressClass.NON_PUBLIC
    return AddressClass.PUBLIC


def allowed(address_class: AddressClass, *, allow_private: bool) -> bool:
    if address_class is AddressClass.PUBLIC:
        return True
    return allow_private and address_class is not AddressClass.METADATA


def parse_target(url: str, *, allow_private: bool) -> WebhookTarget:
    """Syntax and scheme checks; addresses are checked by :func:`check_addresses`.
    ``allow_private`` (tests only) also lets plain http and ``localhost`` through."""
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise TargetRefused("invalid_url", "The URL is too long or contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("invalid_url", "The URL cannot be parsed.") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise TargetRefused("url_not_allowed", "Webhook URLs must use https.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("url_not_allowed", "Webhook URLs must not carry credentials.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise TargetRefused("invalid_url", "The URL has no host.")
    try:
        ip: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is None:
        if host in METADATA_HOSTNAMES or host.endswith(".metadata.google.internal"):
            raise TargetRefused("url_not_allowed", "The URL points at a cloud metadata service.")
        if not allow_private and (host == "localhost" or host.endswith(".localhost")):
            raise TargetRefused("url_not_allowed", "The URL points at a loopback address.")
    return WebhookTarget(url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), ip=ip)


def check_addresses(addresses: Iterable[IPAddress], *, allow_private: bool) -> None:
    """Every address must be allowed: one private answer among public ones is
    enough for an attacker who controls the DNS to aim at it."""
    found = list(addresses)
    if not found:
        raise TargetRefused("url_unresolvable", "The URL's host does not resolve to any address.")
    for ip in found:
        address_class = classify(ip)
        if not allowed(address_class, allow_private=allow_private):
            raise TargetRefused("url_not_allowed",
                                f"The URL resolves to a {address_class.value} address ({ip}), "
                                "which webhooks may not reach.")
