"""Password hashing (argon2id, ADR 0010) and the password policy."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from chengxin.accounts.errors import PasswordTooWeak

MAX_LENGTH = 256  # longer inputs only cost hashing time; nobody types more
PARALLELISM = 4  # RFC 9106 low-memory profile


@lru_cache(maxsize=8)
def hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    """An argon2id hasher with these costs (salt 16 bytes, tag 32 bytes)."""
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


@lru_cache(maxsize=8)
def _dummy_hash(memory_kib: int, time_cost: int) -> str:
    return hasher(memory_kib, time_cost).hash(secrets.token_urlsafe(16))


def hash_password(password: str, *, memory_kib: int, time_cost: int) -> str:
    """The encoded argon2id hash (parameters and salt included) of a password."""
    return hasher(memory_kib, time_cost).hash(password)


def verify_password(encoded: str | None, password: str, *, memory_kib: int, time_cost: int) -> bool:
    """True when the password matches; with no hash (unknown login) a dummy is checked so that
    both answers take the same time."""
    ph = hasher(memory_kib, time_cost)
    try:
        return ph.verify(encoded or _dummy_hash(memory_kib, time_cost), password) and bool(encoded)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(encoded: str, *, memory_kib: int, time_cost: int) -> bool:
    """True when the hash was made with other costs than the configured ones."""
    return hasher(memory_kib, time_cost).check_needs_rehash(encoded)


def check_policy(password: str, *, login: str, min_length: int) -> None:
    """Refuse short passwords and passwords containing the login name (``password-too-weak``)."""
    if len(password) < min_length:
        raise PasswordTooWeak(f"at least {min_length} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordTooWeak(f"at most {MAX_LENGTH} characters")
    if login and login.casefold() in password.casefold():
        raise PasswordTooWeak("the password must not contain the login name")
    if len(set(password)) < 4:  # noqa: PLR2004  # "aaaaaaaaaaaa", "abababababab"
        raise PasswordTooWeak("the password repeats too few characters")


def generate_password() -> str:
    """A random initial password (about 96 bits), shown once to whoever created the account."""
    return secrets.token_urlsafe(12)
