"""How a watch delivery leaves: canonical JSON, an Ed25519 signature with the platform's
signing key (the key that signs audit tree heads, ``GET /api/v1/audit/public-key``), and for
webhooks an HTTP POST to a checked URL.

Receivers verify ``X-Chengxin-Signature`` (base64 Ed25519 over the exact body bytes) with the
key named by ``X-Chengxin-Key-Id``, and drop repeats by ``X-Chengxin-Delivery`` (delivery is at
least once: a POST that succeeded may be repeated if its bookkeeping failed).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from chengxin.keys.keyring import Keyring
from chengxin.watch.errors import WatchWebhookRefused

SIGNATURE_HEADER = "X-Chengxin-Signature"
KEY_ID_HEADER = "X-Chengxin-Key-Id"
DELIVERY_HEADER = "X-Chengxin-Delivery"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical(payload: dict[str, Any]) -> bytes:
    """The signed form: keys sorted, no spaces, UTF-8 (what a verifier recomputes)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(ring: Keyring, body: bytes) -> tuple[str, str]:
    """The base64 Ed25519 signature of the body and the signing key's id."""
    return base64.b64encode(ring.sign(body)).decode("ascii"), ring.signing_key_id


def check_url(url: str, *, private_allowed: bool) -> str:
    """An http(s) URL without credentials whose host resolves only to public addresses (no
    loopback, private, link-local or reserved ones: the platform must not be a proxy into its
    own network) unless ``private_allowed`` (tests, development)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise WatchWebhookRefused("the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise WatchWebhookRefused("no credentials in the URL; the signature authenticates us")
    if private_allowed:
        return url.strip()
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise WatchWebhookRefused("the host does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise WatchWebhookRefused("the host resolves to a non-public address")
    return url.strip()


class WebhookFailed(Exception):
    """The receiver did not accept the delivery; the job queue retries it with backoff."""


@dataclass(frozen=True)
class Sent:
    status: int


def post(
    url: str, body: bytes, *, signature: str, key_id: str, delivery_id: str, timeout: float
) -> Sent:
    """POST the signed body; a 2xx answer is a delivery, anything else raises ``WebhookFailed``.
    Redirects are not followed (they could lead to a private address)."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: signature,
        KEY_ID_HEADER: key_id,
        DELIVERY_HEADER: delivery_id,
        "User-Agent": "chengxin-watch/1",
    }
    try:
        response = httpx.post(
            url, content=body, headers=headers, timeout=timeout, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"webhook transport error: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:  # noqa: PLR2004
        raise WebhookFailed(f"webhook answered HTTP {response.status_code}")
    return Sent(response.status_code)
