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


def test_signing_key_signs_and_survives_the_key_file(tmp_path: Path) -> None:
    ring = Keyring.generate(demo=False)
    signature = ring.sign(b"tree head")
    again = Keyring.from_json(ring.to_json())
    assert again.check_signature(b"tree head", signature)
    assert not again.check_signature(b"other head", signature)
    assert again.signing_key_id == ring.signing_key_id
    assert again.public_key_pem().startswith("-----BEGIN PUBLIC KEY-----")
    assert len(again.public_key_raw()) == 32


def test_old_demo_key_file_gets_a_signing_key_once(tmp_path: Path) -> None:
    import json

    path = tmp_path / "keys.json"
    old = json.loads(Keyring.generate(demo=True).to_json())
    del old["signing_key"]
    path.write_text(json.dumps(old))
    path.chmod(0o600)
    first = load_or_create(path, None, create_demo=True)
    assert first.signing_key is not None
    assert load_or_create(path, None, create_demo=True).signing_key_id == first.signing_key_id


def test_old_production_key_file_without_signing_key_cannot_sign() -> None:
    import json

    old = json.loads(Keyring.generate(demo=False).to_json())
    del old["signing_key"]
    with pytest.raises(KeyringError):
        Keyring.from_json(json.dumps(old)).sign(b"x")
