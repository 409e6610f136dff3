"""Names of the per-request dependencies handlers declare (provided in app.py)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Annotated, Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.orm import Session

from chengxin.security.actor import Actor
from chengxin.settings import Settings

SessionDep: TypeAlias = NamedDependency[Session]
ActorDep: TypeAlias = NamedDependency[Actor]
SettingsDep: TypeAlias = NamedDependency[Settings]
IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: Request[Any, Any, Any]) -> str | None:
    """The caller's address: the direct peer's, or, when the peer is one of the configured
    ``trusted_proxies``, the right-most X-Forwarded-For address that is not a trusted proxy.
    Rate limits and lock-outs key on a keyed digest of it."""
    peer = request.client.host if request.client else None
    runtime = getattr(request.app.state, "runtime", None)
    trusted = tuple(runtime.settings.trusted_proxies) if runtime is not None else ()
    if not trusted:
        return peer
    return forwarded_client(peer, request.headers.getall("x-forwarded-for", []), trusted)


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _address(text: str) -> IPAddress | None:
    # "192.0.2.1", "2001:db8::1", and the port forms "192.0.2.1:443" and "[2001:db8::1]:443".
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def forwarded_client(
    peer: str | None, forwarded_for: list[str], trusted: tuple[str, ...]
) -> str | None:
    """The client behind trusted proxies: walk X-Forwarded-For from the right (the hop our own
    proxy appended) past trusted proxies; the first other address is the client. A peer that is
    not trusted, or a malformed hop, ends the walk: what is left of it may be forged."""
    networks = _networks(trusted)
    current = _address(peer) if peer else None
    if current is None or not _is_trusted(current, networks):
        return peer
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(current)  # a hop we cannot read: the last address we can vouch for
        current = address
        if not _is_trusted(current, networks):
            return str(current)
    return str(current)  # every hop a trusted proxy: the left-most one is the client


# pagination
# Every list route takes its page as ``limit``/``offset`` of these types: a value out of bounds is
# a 422 naming the parameter, never a number the database cannot hold (an offset past 2**63 made
# SQLite's driver raise OverflowError: a 500). No list is deep enough to page past MAX_OFFSET.
MAX_OFFSET = 1_000_000
MAX_LIMIT = 200
Offset: TypeAlias = Annotated[
    int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip (at most 1,000,000)")
]
Limit: TypeAlias = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description="Most items in the page (at most 200)")
]
