"""The client address behind reverse proxies (issue 23 finding 4, ADR 0027): X-Forwarded-For is
honoured only from ``CHENGXIN_TRUSTED_PROXIES``, taking the right-most address not trusted."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from litestar.testing import transport as litestar_transport
from pydantic import ValidationError
from sqlalchemy import select

from chengxin.accounts import service as accounts_service
from chengxin.app import create_app
from chengxin.deps import forwarded_client
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.settings import Settings

PROXIES = ("10.0.0.5", "10.1.0.0/16", "2001:db8:1::/48")


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("192.0.2.7", ["198.51.100.1"], "192.0.2.7"),  # not from a proxy: the header is ignored
        ("10.0.0.5", [], "10.0.0.5"),  # a proxy without the header: the proxy itself
        ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # the left part may be forged
        ("10.0.0.5", ["198.51.100.1, 10.1.2.3"], "198.51.100.1"),  # past a chain of proxies
        ("10.0.0.5", ["198.51.100.1", "10.1.2.3"], "198.51.100.1"),  # in two header lines
        ("10.0.0.5", ["10.1.0.9, 10.1.2.3"], "10.1.0.9"),  # all trusted: the left-most
        ("10.0.0.5", ["198.51.100.1:4431"], "198.51.100.1"),
        ("10.0.0.5", ["[2001:db8:9::1]:443"], "2001:db8:9::1"),
        ("2001:db8:1::5", ["2001:db8:9::1"], "2001:db8:9::1"),
        ("::ffff:10.0.0.5", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["198.51.100.1, garbage"], "10.0.0.5"),  # unreadable: what we can vouch for
        ("10.0.0.5", ["unknown, 10.1.2.3"], "10.1.2.3"),
        (None, ["198.51.100.1"], None),
    ],
)
def test_forwarded_client(peer: str | None, header: list[str], expected: str | None) -> None:
    assert forwarded_client(peer, header, PROXIES) == expected


def test_the_setting_takes_a_comma_list_or_json_and_refuses_what_is_not_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHENGXIN_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert Settings().trusted_proxies == ["10.0.0.5", "10.1.0.0/16"]
    monkeypatch.setenv("CHENGXIN_TRUSTED_PROXIES", '["::1", "172.16.0.0/12"]')
    assert Settings().trusted_proxies == ["::1", "172.16.0.0/12"]
    monkeypatch.setenv("CHENGXIN_TRUSTED_PROXIES", "")
    assert Settings().trusted_proxies == []
    monkeypatch.setenv("CHENGXIN_TRUSTED_PROXIES", "proxy.internal")
    with pytest.raises(ValidationError):
        Settings()


@pytest.fixture
def behind_proxy(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """The app behind a proxy at 10.0.0.5; a test request's peer is its ``x-test-peer``."""
    parse = litestar_transport.TestClientTransport.parse_request

    def with_peer(self: Any, request: Any) -> Any:
        scope = parse(self, request)
        peer = request.headers.get("x-test-peer")
        if peer:
            scope["client"] = (peer, 50000)
        return scope

    monkeypatch.setattr(litestar_transport.TestClientTransport, "parse_request", with_peer)
    settings = runtime.settings.model_copy(update={"trusted_proxies": ["10.0.0.5"]})
    with TestClient(app=create_app(runtime=dataclasses.replace(runtime, settings=settings))) as c:
        yield c


def test_clients_behind_a_trusted_proxy_have_their_own_brakes(
    behind_proxy: TestClient,  # type: ignore[type-arg]
    user_for: Any,
    runtime: Runtime,
) -> None:
    """Per-address limits apply to each client behind the proxy, not to all of them at once; a
    caller that is not the proxy cannot escape its own by writing X-Forwarded-For."""
    user_for(Role.REVIEWER)  # an organization of the operator's for the account
    password = "correct horse battery staple"  # synthetic
    with runtime.scope() as session:
        org = (
            session.execute(
                select(Organization).where(Organization.kind == OrganizationKind.OPERATOR.value)
            )
            .scalars()
            .first()
        )
        assert org is not None
        accounts_service.create_user(
            session,
            organization_id=org.id,
            login="zhou.owner",
            display_name="周",
            roles=["reviewer"],
            region_code=None,
            password=password,
            policy=accounts_service.Policy.from_settings(runtime.settings),
            actor=system_actor("test"),
        )

    def login(peer: str, forwarded: str | None, pw: str) -> Any:
        headers = {"x-test-peer": peer}
        if forwarded:
            headers["x-forwarded-for"] = forwarded
        return behind_proxy.post(
            "/api/v1/auth/login", json={"login": "zhou.owner", "password": pw}, headers=headers
        )

    first = login("10.0.0.5", "203.0.113.9", "x" * 14)
    assert first.status_code == 401
    held = login("10.0.0.5", "203.0.113.9", "x" * 14)
    assert held.status_code == 423  # the guesser behind the proxy waits
    assert held.json()["type"].endswith("/account-locked")
    assert int(held.headers["retry-after"]) >= 1
    owner = login("10.0.0.5", "198.51.100.20", password)  # the owner, behind the same proxy
    assert owner.status_code == 200, owner.text
    # Not the proxy: X-Forwarded-For is the caller's own invention and changes nothing.
    assert login("192.0.2.66", "198.51.100.1", "x" * 14).status_code == 401
    spoofed = login("192.0.2.66", "198.51.100.2", "x" * 14)
    assert spoofed.status_code == 423
