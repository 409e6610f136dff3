"""The keyring: a blind-index key, versioned AES-256-GCM data keys and the Ed25519 key that
signs audit tree heads, outside the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
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


def b64(data: bytes) -> str:
    """Bytes as base64 text (the key file's and the export's spelling of keys and nonces)."""
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
    # Ed25519 private key (32-byte seed) that signs audit tree heads; key files written before
    # the Merkle audit log lack it (see load_or_create).
    signing_key: bytes | None = field(default=None, repr=False)
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)
    _signer: Ed25519PrivateKey | None = field(default=None, repr=False)

    @classmethod
    def generate(cls, *, demo: bool) -> Keyring:
        """A fresh keyring with one data key and a signing key."""
        return cls(
            secrets.token_bytes(KEY_BYTES),
            {"k1": secrets.token_bytes(KEY_BYTES)},
            "k1",
            demo,
            signing_key=secrets.token_bytes(KEY_BYTES),
        )

    # -- serialisation -------------------------------------------------------------------------
    def to_json(self) -> str:
        """The keyring as JSON text (for the key file or a secret store)."""
        return json.dumps(
            {
                "format": 1,
                "demo": self.demo,
                "blind_index_key": b64(self.blind_index_key),
                "active": self.active,
                "data_keys": {kid: b64(key) for kid, key in self.data_keys.items()},
                **({"signing_key": b64(self.signing_key)} if self.signing_key else {}),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Parse and check a keyring."""
        try:
            raw: dict[str, Any] = json.loads(text)
            data_keys = {str(k): _unb64(v) for k, v in raw["data_keys"].items()}
            signing = raw.get("signing_key")
            ring = cls(
                _unb64(raw["blind_index_key"]),
                data_keys,
                str(raw["active"]),
                bool(raw["demo"]),
                signing_key=_unb64(signing) if signing is not None else None,
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

    # -- signing (audit tree heads) ----------------------------------------------------------------
    def add_signing_key(self) -> None:
        """Give a keyring written before audit tree heads were signed its Ed25519 key."""
        self.signing_key = secrets.token_bytes(KEY_BYTES)
        self._signer = None

    def _signing(self) -> Ed25519PrivateKey:
        if self._signer is None:
            if self.signing_key is None:
                raise KeyringError(
                    "the keyring holds no signing key (a key file from before the Merkle audit "
                    "log): add one with `chengxin keys add-signing-key`"
                )
            self._signer = Ed25519PrivateKey.from_private_bytes(self.signing_key)
        return self._signer

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature (64 bytes) of the message with the platform's signing key."""
        return self._signing().sign(message)

    def public_key_raw(self) -> bytes:
        """The 32-byte Ed25519 public key that checks the platform's signatures."""
        return (
            self._signing()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )

    def public_key_pem(self) -> str:
        """The public key as PEM (SubjectPublicKeyInfo), for OpenSSL and other verifiers."""
        return (
            self._signing()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def check_signature(self, message: bytes, signature: bytes) -> bool:
        """True when the signature is this keyring's Ed25519 signature of the message."""
        try:
            self._signing().public_key().verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @property
    def signing_key_id(self) -> str:
        """SHA-256 of the raw public key, hex: names the key in every signed tree head."""
        return hashlib.sha256(self.public_key_raw()).hexdigest()


def load_or_create(path: Path, env_json: str | None, *, create_demo: bool) -> Keyring:
    """The keyring from the environment, else the key file, else a new key file (mode 0600)."""
    if env_json:
        ring = Keyring.from_json(env_json)
        if ring.signing_key is None and ring.demo:
            ring.add_signing_key()  # a demo only: its tree heads are signed by this process
        return ring
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyringError(f"key file is readable by others (mode {mode:o}); chmod 600 it")
        ring = Keyring.from_json(path.read_text(encoding="utf-8"))
        if ring.signing_key is None and ring.demo:
            # Demo key files from before the Merkle audit log: add the signing key once.
            ring.add_signing_key()
            save(ring, path)
        return ring
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
