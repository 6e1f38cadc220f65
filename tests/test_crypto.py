"""Field encryption, key wrapping and blind indexes (R-51-3, reliability plan T2–T4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piplvault.crypto.aead import Sealer, new_key
from piplvault.crypto.kdf import KdfParams, derive_master_key
from piplvault.crypto.keyring import FieldCipher, Keyring, new_vault_keys
from piplvault.errors import IntegrityError, WrongPassphraseError


def _keyring() -> Keyring:
    master = new_key()
    return Keyring(master, new_vault_keys(master))


@settings(max_examples=300)
@given(st.text(min_size=0, max_size=200), st.integers(1, 10**9), st.integers(1, 50))
def test_field_round_trip_any_unicode(
    value: str, customer_id: int, version: int
) -> None:
    """R-51-3: every value survives encrypt → decrypt, including astral and NUL."""
    cipher = FieldCipher(customer_id, new_key())
    assert (
        cipher.decrypt("name", version, cipher.encrypt("name", version, value)) == value
    )


def test_same_plaintext_gives_different_ciphertexts() -> None:
    cipher = FieldCipher(1, new_key())
    assert cipher.encrypt("mobile", 1, "13812345678") != cipher.encrypt(
        "mobile", 1, "13812345678"
    )


@pytest.mark.parametrize("position", [0, 1, 5, 13, -1])
def test_flipped_byte_is_an_integrity_error(position: int) -> None:
    cipher = FieldCipher(7, new_key())
    blob = bytearray(cipher.encrypt("id_number", 1, "11010519491231002X"))
    blob[position] ^= 0x01
    with pytest.raises(IntegrityError, match="customer 7 field 'id_number'"):
        cipher.decrypt("id_number", 1, bytes(blob))


def test_ciphertext_cannot_move_between_customers_fields_or_versions() -> None:
    """T2: associated data binds a ciphertext to (customer, field, version)."""
    dek = new_key()
    blob = FieldCipher(1, dek).encrypt("mobile", 1, "13812345678")
    with pytest.raises(IntegrityError):
        FieldCipher(2, dek).decrypt("mobile", 1, blob)
    with pytest.raises(IntegrityError):
        FieldCipher(1, dek).decrypt("landline", 1, blob)
    with pytest.raises(IntegrityError):
        FieldCipher(1, dek).decrypt("mobile", 2, blob)


def test_wrapped_dek_is_bound_to_its_customer() -> None:
    ring = _keyring()
    dek = new_key()
    wrapped = ring.wrap_dek(5, dek)
    assert ring.unwrap_dek(5, wrapped, ring.kek_version) == dek
    with pytest.raises(IntegrityError):
        ring.unwrap_dek(6, wrapped, ring.kek_version)


def test_wrong_master_key_is_wrong_passphrase() -> None:
    master = new_key()
    wrapped = new_vault_keys(master)
    with pytest.raises(WrongPassphraseError):
        Keyring(new_key(), wrapped)


def test_kdf_is_deterministic_for_stored_params() -> None:
    params = KdfParams.new(memory_kib=8192)
    again = KdfParams.from_dict(params.to_dict())
    assert derive_master_key("口令", params) == derive_master_key("口令", again)
    assert derive_master_key("口令", params) != derive_master_key("口令2", params)


def test_blind_tags_are_domain_separated_and_keyed() -> None:
    """T4: the same value in two index kinds gives different tags; another vault differs."""
    ring, other = _keyring(), _keyring()
    assert ring.blind_tag("phone", "x") != ring.blind_tag("email", "x")
    assert ring.blind_tag("phone", "x") == ring.blind_tag("phone", "x")
    assert ring.blind_tag("phone", "x") != other.blind_tag("phone", "x")


def test_sealer_rejects_unknown_format() -> None:
    with pytest.raises(IntegrityError, match="unknown format"):
        Sealer(new_key()).open(b"\x09" + b"\x00" * 40, b"", what="thing")
