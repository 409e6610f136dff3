"""The one middleware around the application (ADR 0024): every response, routed or not, names its
request and carries the security headers; a header a response set itself stays."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar.testing import TestClient

from chengxin.context import current_request_id, request_middleware
from chengxin.web.security import CSP, CSP_API_DOCS, security_headers

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_an_unrouted_answer_names_its_request_and_carries_the_security_headers(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    for response in (client.get("/no-such-page"), client.delete("/health")):
        assert response.status_code in {404, 405}
        assert HEX32.fullmatch(response.headers["x-request-id"])
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers


def test_every_request_gets_its_own_id(client: TestClient) -> None:  # type: ignore[type-arg]
    ids = {client.get("/health").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(HEX32.fullmatch(i) for i in ids)


def test_the_api_docs_get_their_policy_and_https_gets_hsts(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    assert client.get("/schema/swagger").headers["content-security-policy"] == CSP_API_DOCS
    secure = client.get("https://testserver/health")
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    assert secure.headers["content-security-policy"] == CSP


def test_a_header_the_response_set_stays_and_the_request_id_is_always_ours() -> None:
    seen: dict[str, Any] = {}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen["inside"] = current_request_id()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-security-policy", b"default-src 'none'"),
                    (b"X-Request-ID", b"forged"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    app = request_middleware(inner, headers_for=security_headers, access_log=False)
    scope = {"type": "http", "method": "GET", "path": "/page", "scheme": "http", "headers": []}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]

    headers = sent[0]["headers"]
    names = [name for name, _ in headers]
    assert len(names) == len(set(names))
    values = dict(headers)
    assert values[b"content-security-policy"] == b"default-src 'none'"
    assert values[b"x-frame-options"] == b"DENY"
    assert values[b"x-request-id"] == seen["inside"].encode()


def test_response_headers_given_as_any_iterable_are_kept() -> None:
    sent: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        headers = ((name, value) for name, value in [(b"content-type", b"text/plain")])
        await send({"type": "http.response.start", "status": 204, "headers": headers})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    app = request_middleware(inner, headers_for=security_headers, access_log=False)
    scope = {"type": "http", "method": "GET", "path": "/", "scheme": "https", "headers": []}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]

    values = dict(sent[0]["headers"])
    assert values[b"content-type"] == b"text/plain"
    assert values[b"strict-transport-security"] == b"max-age=31536000"
    assert HEX32.fullmatch(values[b"x-request-id"].decode())
