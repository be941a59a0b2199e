"""Keys, MACs, encryption and hashes (chalicelib/crypto.py)."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from cryptography.exceptions import InvalidTag

from chalicelib import crypto


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def keys_document(enc: dict[str, str], current: str, mac_key: str | None = None, **extra) -> dict:
    return {"mac": mac_key or key(), "enc": enc, "enc_current": current, **extra}


# -- MAC ------------------------------------------------------------------------------------


def test_a_mac_is_stable_for_one_key(use_keys):
    use_keys()
    assert crypto.mac("phone", "13800138000") == crypto.mac("phone", "13800138000")


def test_a_mac_separates_values_and_kinds(use_keys):
    use_keys()
    macs = {
        crypto.mac("phone", "13800138000"),
        crypto.mac("phone", "13800138001"),
        crypto.mac("id_number", "13800138000"),
    }
    assert len(macs) == 3


def test_a_mac_depends_on_the_key(use_keys):
    # GIVEN the same value under two MAC keys
    use_keys(keys_document({"k1": key()}, "k1"))
    first = crypto.mac("phone", "13800138000")
    use_keys(keys_document({"k1": key()}, "k1"))
    second = crypto.mac("phone", "13800138000")
    # THEN the MACs differ, and neither is a plain (unkeyed) digest
    assert first != second
    assert hashlib.sha256(b"13800138000").hexdigest() not in (first, second)


# -- encryption ---------------------------------------------------------------------------


def test_encryption_round_trips_and_hides_the_value(use_keys):
    use_keys()
    sealed = crypto.encrypt("id_number", "11010519491231002X")
    assert "11010519491231002X" not in sealed
    assert crypto.decrypt("id_number", sealed) == "11010519491231002X"


def test_each_encryption_uses_a_fresh_nonce(use_keys):
    use_keys()
    assert crypto.encrypt("phone", "13800138000") != crypto.encrypt("phone", "13800138000")


def test_the_kind_is_bound_as_associated_data(use_keys):
    # GIVEN a phone encrypted as a phone
    use_keys()
    sealed = crypto.encrypt("phone", "13800138000")
    # WHEN it is decrypted as another kind THEN authentication fails
    with pytest.raises(InvalidTag):
        crypto.decrypt("id_number", sealed)


def test_a_tampered_ciphertext_is_refused(use_keys):
    use_keys()
    kid, _, payload = crypto.encrypt("phone", "13800138000").partition(":")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt("phone", f"{kid}:{base64.b64encode(bytes(raw)).decode()}")


def test_keys_rotate_by_id_and_old_ids_still_decrypt(use_keys):
    # GIVEN a value encrypted under k1
    k1, k2, mac_key = key(), key(), key()
    use_keys(keys_document({"k1": k1}, "k1", mac_key))
    old = crypto.encrypt("phone", "13800138000")
    assert old.startswith("k1:")
    # WHEN k2 becomes current
    use_keys(keys_document({"k1": k1, "k2": k2}, "k2", mac_key))
    new = crypto.encrypt("phone", "13800138000")
    # THEN new values use k2, and both old and new decrypt
    assert new.startswith("k2:")
    assert crypto.decrypt("phone", old) == crypto.decrypt("phone", new) == "13800138000"
    # AND once k1 is retired, its values no longer decrypt
    use_keys(keys_document({"k2": k2}, "k2", mac_key))
    with pytest.raises(crypto.UnknownKeyError):
        crypto.decrypt("phone", old)


def test_a_retired_key_id_gives_a_named_error_that_names_the_id_and_no_secret(use_keys):
    # GIVEN a phone encrypted under k1, and a keys document from which k1 has been retired
    k1, k2, mac_key = key(), key(), key()
    use_keys(keys_document({"k1": k1}, "k1", mac_key))
    old = crypto.encrypt("phone", "13800138000")
    use_keys(keys_document({"k2": k2}, "k2", mac_key))
    # WHEN it is decrypted
    with pytest.raises(crypto.UnknownKeyError) as raised:
        crypto.decrypt("phone", old)
    # THEN the error is the named one (not a bare KeyError) and says which key id is missing
    assert not isinstance(raised.value, KeyError)
    assert raised.value.key_id == "k1"
    message = str(raised.value)
    assert "'k1'" in message and "keys document" in message
    # AND it carries no key material, no ciphertext and no plaintext
    for secret in (k1, k2, mac_key, old.partition(":")[2], "13800138000"):
        assert secret not in message


# -- hashes, tokens, platform secrets ------------------------------------------------------------


def test_code_hashes_are_keyed_and_bound_to_purpose_subject_and_code(use_keys):
    use_keys()
    base = crypto.hash_code("register", "phone-mac", "123456")
    assert base == crypto.hash_code("register", "phone-mac", "123456")
    assert base != crypto.hash_code("login", "phone-mac", "123456")
    assert base != crypto.hash_code("register", "other-mac", "123456")
    assert base != crypto.hash_code("register", "phone-mac", "123457")
    # A table dump without the key cannot be brute-forced over the million codes.
    use_keys()
    assert crypto.hash_code("register", "phone-mac", "123456") != base


def test_tokens_are_random_and_stored_only_as_hashes():
    tokens = {crypto.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(base64.urlsafe_b64decode(t + "=")) == 32 for t in tokens)
    token = tokens.pop()
    assert crypto.hash_token(token) == crypto.hash_token(token)
    assert token not in crypto.hash_token(token)


def test_equal_compares_exactly():
    assert crypto.equal("abc", "abc")
    assert not crypto.equal("abc", "abd")
    assert not crypto.equal("abc", "ab")


def test_platform_secrets_come_from_the_keys_document(use_keys):
    secret = os.urandom(32)
    use_keys(keys_document({"k1": key()}, "k1", platforms={"base_library": base64.b64encode(secret).decode()}))
    assert crypto.platform_secret("base_library") == secret
    with pytest.raises(RuntimeError, match="alipay"):
        crypto.platform_secret("alipay")


def test_without_keys_nothing_is_protected(monkeypatch):
    monkeypatch.delenv("HALL_LOCAL_KEYS", raising=False)
    monkeypatch.delenv("HALL_KEYS_SECRET_ARN", raising=False)
    with pytest.raises(RuntimeError, match="no keys configured"):
        crypto.mac("phone", "13800138000")
