"""The keyring: a blind-index key and versioned AES-256-GCM data keys, outside the database."""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chengxin.errors import DomainError

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(DomainError):
    status = 500
    code = "keyring-error"
    title = "The keyring is missing, unreadable or unsafe"


class UnknownKey(DomainError):
    status = 500
    code = "unknown-key-id"
    title = "A ciphertext names a key the keyring does not hold"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != KEY_BYTES:
        raise KeyringError("every key must be 32 bytes")
    return raw


@dataclass
class Keyring:
    """Keys in memory. ``demo`` marks keys made for a laptop demo: production refuses them."""

    blind_index_key: bytes
    data_keys: dict[str, bytes]
    active: str
    demo: bool = False
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    @classmethod
    def generate(cls, *, demo: bool) -> Keyring:
        """A fresh keyring with one data key."""
        return cls(
            secrets.token_bytes(KEY_BYTES), {"k1": secrets.token_bytes(KEY_BYTES)}, "k1", demo
        )

    # -- serialisation -------------------------------------------------------------------------
    def to_json(self) -> str:
        """The keyring as JSON text (for the key file or a secret store)."""
        return json.dumps(
            {
                "format": 1,
                "demo": self.demo,
                "blind_index_key": _b64(self.blind_index_key),
                "active": self.active,
                "data_keys": {kid: _b64(key) for kid, key in self.data_keys.items()},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Parse and check a keyring."""
        try:
            raw: dict[str, Any] = json.loads(text)
            data_keys = {str(k): _unb64(v) for k, v in raw["data_keys"].items()}
            ring = cls(
                _unb64(raw["blind_index_key"]), data_keys, str(raw["active"]), bool(raw["demo"])
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise KeyringError(f"keyring is malformed ({type(exc).__name__})") from exc
        if ring.active not in ring.data_keys:
            raise KeyringError("the active key id is not in the keyring")
        return ring

    # -- key versions ----------------------------------------------------------------------------
    def add_key(self) -> str:
        """Add a new data key and make it active; returns its id."""
        numbers = [int(k[1:]) for k in self.data_keys if k[1:].isdigit()]
        kid = f"k{max(numbers, default=0) + 1}"
        self.data_keys[kid] = secrets.token_bytes(KEY_BYTES)
        self.active = kid
        return kid

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            key = self.data_keys.get(key_id)
            if key is None:
                raise UnknownKey(f"key id {key_id!r} is not in the keyring")
            cipher = self._ciphers[key_id] = AESGCM(key)
        return cipher

    # -- operations ----------------------------------------------------------------------------
    def encrypt(
        self, plaintext: str, aad: bytes, key_id: str | None = None, nonce: bytes | None = None
    ) -> bytes:
        """AES-256-GCM: 12-byte random nonce followed by ciphertext and tag.

        Callers sealing several fields may pass nonces cut from one ``os.urandom`` call; a
        nonce must never repeat under a key, which 96 random bits guarantee in practice.
        """
        nonce = nonce or os.urandom(NONCE_BYTES)
        kid = key_id or self.active
        return nonce + self._cipher(kid).encrypt(nonce, plaintext.encode("utf-8"), aad)

    def decrypt(self, blob: bytes, aad: bytes, key_id: str) -> str:
        """Reverse of :meth:`encrypt`; fails loudly if the row, field or key does not match."""
        nonce, body = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        return self._cipher(key_id).decrypt(nonce, body, aad).decode("utf-8")

    def blind(self, purpose: bytes, value: str) -> bytes:
        """HMAC-SHA256 of a normalised value, separated by purpose so indexes cannot be joined."""
        return hmac.digest(
            self.blind_index_key, purpose + b"\x00" + value.encode("utf-8"), "sha256"
        )

    def subject_id(self, id_number: str) -> uuid.UUID:
        """A natural person's stable key: the first 128 bits of the ID number's blind index."""
        return uuid.UUID(bytes=self.blind(b"id-number", id_number)[:16])


def load_or_create(path: Path, env_json: str | None, *, create_demo: bool) -> Keyring:
    """The keyring from the environment, else the key file, else a new key file (mode 0600)."""
    if env_json:
        return Keyring.from_json(env_json)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyringError(f"key file is readable by others (mode {mode:o}); chmod 600 it")
        return Keyring.from_json(path.read_text(encoding="utf-8"))
    ring = Keyring.generate(demo=create_demo)
    save(ring, path)
    return ring


def save(ring: Keyring, path: Path) -> None:
    """Write the keyring atomically with owner-only permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
