"""Keyring: AES-256-GCM round trips, AAD binding, rotation, the key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from chengxin.keys.keyring import Keyring, KeyringError, UnknownKey, load_or_create, save

RING = Keyring.generate(demo=True)


@given(st.text(max_size=100), st.binary(max_size=32))
def test_encrypt_decrypt_round_trips_across_a_rotation(plaintext: str, aad: bytes) -> None:
    ring = Keyring.from_json(RING.to_json())
    old = ring.active
    blob = ring.encrypt(plaintext, aad)
    ring.add_key()
    assert ring.active != old
    assert ring.decrypt(blob, aad, old) == plaintext
    assert ring.decrypt(ring.encrypt(plaintext, aad), aad, ring.active) == plaintext


def test_ciphertext_moved_to_another_row_does_not_decrypt() -> None:
    blob = RING.encrypt("张三", b"row-1:name")
    with pytest.raises(InvalidTag):
        RING.decrypt(blob, b"row-2:name", RING.active)


def test_same_plaintext_encrypts_differently() -> None:
    assert RING.encrypt("张三", b"a") != RING.encrypt("张三", b"a")


def test_blind_index_is_deterministic_and_purpose_separated() -> None:
    assert RING.blind(b"id-number", "x") == RING.blind(b"id-number", "x")
    assert RING.blind(b"id-number", "x") != RING.blind(b"registry-row", "x")
    other = Keyring.generate(demo=True)
    assert other.subject_id("11010519491231002X") != RING.subject_id("11010519491231002X")


def test_unknown_key_id_is_reported() -> None:
    with pytest.raises(UnknownKey):
        RING.decrypt(RING.encrypt("a", b""), b"", "k99")


def test_key_file_is_created_owner_only_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = load_or_create(path, None, create_demo=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create(path, None, create_demo=True)
    assert again.blind_index_key == ring.blind_index_key
    assert again.demo is False


def test_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    save(Keyring.generate(demo=False), path)
    path.chmod(0o644)
    with pytest.raises(KeyringError):
        load_or_create(path, None, create_demo=False)


def test_keyring_from_environment_wins(tmp_path: Path) -> None:
    ring = load_or_create(tmp_path / "none.json", RING.to_json(), create_demo=False)
    assert ring.blind_index_key == RING.blind_index_key
    assert not (tmp_path / "none.json").exists()


@pytest.mark.parametrize("text", ["{}", "not json", '{"data_keys": {"k1": "short"}}'])
def test_malformed_keyring_is_refused(text: str) -> None:
    with pytest.raises(KeyringError):
        Keyring.from_json(text)
