"""The keyring as a passphrase-protected file, to keep apart from the data's backups (ADR 0036).

scrypt (N 2^17, r 8, p 1: 128 MiB, about half a second) derives an AES-256-GCM key from the
passphrase; the file's clear part (format, KDF parameters, key ids, when) is the associated
data, so it cannot be altered without the file failing to open.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from chengxin.errors import DomainError
from chengxin.keys.keyring import NONCE_BYTES, Keyring, b64

FORMAT = "chengxin-keyring-export/1"
MIN_PASSPHRASE_CHARS = 12
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16


class KeyExportInvalid(DomainError):
    status = 422
    code = "key-export-invalid"
    title = "The keyring export is malformed, or the passphrase does not open it"


class PassphraseTooShort(DomainError):
    status = 422
    code = "passphrase-too-short"
    title = f"A keyring export's passphrase has at least {MIN_PASSPHRASE_CHARS} characters"


def _key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _clear_part(body: dict[str, Any]) -> bytes:
    clear = {k: v for k, v in body.items() if k not in {"nonce", "ciphertext"}}
    return json.dumps(clear, sort_keys=True, separators=(",", ":")).encode()


def seal(ring: Keyring, passphrase: str, *, at: datetime, n: int = SCRYPT_N) -> str:
    """The keyring encrypted under the passphrase, as the export file's JSON text."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise PassphraseTooShort
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(NONCE_BYTES)
    body: dict[str, Any] = {
        "format": FORMAT,
        "kdf": {"name": "scrypt", "n": n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": b64(salt)},
        "exported_at": at.isoformat(),
        "active": ring.active,
        "data_key_ids": sorted(ring.data_keys),
        "signing_key_id": ring.signing_key_id if ring.signing_key else None,
        "demo": ring.demo,
    }
    key = _key(passphrase, salt, n, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(key).encrypt(nonce, ring.to_json().encode("utf-8"), _clear_part(body))
    body |= {"nonce": b64(nonce), "ciphertext": b64(sealed)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def open_sealed(text: str, passphrase: str) -> Keyring:
    """The keyring in an export file (``key-export-invalid`` for a wrong passphrase too)."""
    try:
        body: dict[str, Any] = json.loads(text)
        if body.get("format") != FORMAT or body["kdf"]["name"] != "scrypt":
            raise KeyExportInvalid(f"not a {FORMAT} file")
        kdf = body["kdf"]
        salt = base64.b64decode(kdf["salt"], validate=True)
        key = _key(passphrase, salt, int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        nonce = base64.b64decode(body["nonce"], validate=True)
        sealed = base64.b64decode(body["ciphertext"], validate=True)
        clear = AESGCM(key).decrypt(nonce, sealed, _clear_part(body))
    except InvalidTag:
        raise KeyExportInvalid(
            "the passphrase does not open this file (or it was altered)"
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyExportInvalid(f"the file is malformed ({type(exc).__name__})") from exc
    return Keyring.from_json(clear.decode("utf-8"))
