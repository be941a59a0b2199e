"""The crypto suites (chalicelib/crypto_suites.py) and switching between them (chalicelib/crypto.py):
AES-256-GCM / HMAC-SHA256 (``standard``) and SM4-GCM / HMAC-SM3 (``sm``, 国密)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import citizen_data, crypto, crypto_suites

PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"
SUITES = [crypto_suites.STANDARD, crypto_suites.SM]


def b64(n: int) -> str:
    return base64.b64encode(os.urandom(n)).decode()


@pytest.fixture
def use_suite(monkeypatch):
    def choose(current: str, previous: str | None = None) -> None:
        monkeypatch.setenv("HALL_CRYPTO_SUITE", current)
        if previous:
            monkeypatch.setenv("HALL_CRYPTO_PREVIOUS_SUITE", previous)
        else:
            monkeypatch.delenv("HALL_CRYPTO_PREVIOUS_SUITE", raising=False)

    return choose


@pytest.fixture
def document(use_keys):
    return use_keys()


# -- each algorithm on its own ------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
@settings(max_examples=50, deadline=None)
@given(value=st.binary(max_size=200), kind=st.text(max_size=20))
def test_each_suite_round_trips_any_value(suite, value, kind):
    key = os.urandom(suite.enc_key_size)
    sealed = suite.seal(key, kind, value)
    assert len(sealed) == crypto_suites.NONCE_SIZE + len(value) + crypto_suites.TAG_SIZE
    assert suite.open(key, kind, sealed) == value


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
@settings(max_examples=50, deadline=None)
@given(value=st.binary(min_size=1, max_size=64), flip=st.integers(min_value=0))
def test_each_suite_fails_closed_on_any_changed_byte(suite, value, flip):
    key = os.urandom(suite.enc_key_size)
    sealed = bytearray(suite.seal(key, "phone", value))
    sealed[flip % len(sealed)] ^= 1 << (flip % 8)
    with pytest.raises(InvalidTag):
        suite.open(key, "phone", bytes(sealed))


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_each_suite_refuses_a_wrong_key_another_kind_and_a_short_value(suite):
    key = os.urandom(suite.enc_key_size)
    sealed = suite.seal(key, "phone", PHONE.encode())
    with pytest.raises(InvalidTag):
        suite.open(os.urandom(suite.enc_key_size), "phone", sealed)
    with pytest.raises(InvalidTag):
        suite.open(key, "id_number", sealed)
    with pytest.raises(InvalidTag):
        suite.open(key, "phone", sealed[:20])


def test_the_suites_are_the_named_algorithms():
    # Known-answer checks against independent implementations: hashlib's HMAC-SHA256 and
    # the SM3 test vector of GB/T 32905-2016 (HMAC of an empty key reduces to the hash's
    # construction, so the plain hash is checked through cryptography's SM3 directly).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = os.urandom(32)
    assert crypto_suites.STANDARD.mac(key, b"abc") == hmac.new(key, b"abc", hashlib.sha256).hexdigest()
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    # The SM4 block cipher of GB/T 32907-2016's example, so "sm" really is SM4.
    sm4_key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    block = Cipher(algorithms.SM4(sm4_key), modes.ECB()).encryptor().update(sm4_key)
    assert block.hex() == "681edf34d206965e86b3e94f536e4246"
    # and SM4-GCM sealed by the suite opens with a plain SM4-GCM decryptor
    sealed = crypto_suites.SM.seal(sm4_key, "phone", b"13800138000")
    nonce, body, tag = sealed[:12], sealed[12:-16], sealed[-16:]
    decryptor = Cipher(algorithms.SM4(sm4_key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(b"phone")
    assert decryptor.update(body) + decryptor.finalize() == b"13800138000"


def test_an_unknown_suite_is_refused_by_name(monkeypatch):
    from chalicelib import settings as hall_settings

    with pytest.raises(LookupError, match="known: standard, sm"):
        crypto_suites.get("sm2")
    monkeypatch.setenv("HALL_CRYPTO_SUITE", "aes")
    with pytest.raises(LookupError):
        hall_settings.get()


# -- the configured suite ---------------------------------------------------------------------


def test_the_default_is_standard_and_writes_what_was_always_written(document, use_suite, monkeypatch):
    monkeypatch.delenv("HALL_CRYPTO_SUITE", raising=False)
    sealed = crypto.encrypt("phone", PHONE)
    kid, _, payload = sealed.partition(":")
    assert kid == "k1" and ":" not in payload
    assert crypto.sealed_with(sealed) == ("standard", "k1")
    mac_key = base64.b64decode(document["mac"])
    assert crypto.mac("phone", PHONE) == hmac.new(mac_key, f"phone\x1f{PHONE}".encode(), hashlib.sha256).hexdigest()


def test_the_sm_suite_writes_sm4_under_its_own_key_and_macs_with_hmac_sm3(document, use_suite):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as keyed

    use_suite("sm")
    sealed = crypto.encrypt("id_number", ID_NUMBER)
    assert sealed.startswith("sm:s1:") and ID_NUMBER not in sealed
    assert crypto.sealed_with(sealed) == ("sm", "s1")
    assert crypto.decrypt("id_number", sealed) == ID_NUMBER
    raw = base64.b64decode(sealed.rpartition(":")[2])
    sm4_key = base64.b64decode(document["sm"]["enc"]["s1"])
    assert crypto_suites.SM.open(sm4_key, "id_number", raw) == ID_NUMBER.encode()
    expected = keyed.HMAC(base64.b64decode(document["sm"]["mac"]), hashes.SM3())
    expected.update(f"phone\x1f{PHONE}".encode())
    assert crypto.mac("phone", PHONE) == expected.finalize().hex()


def test_ciphertexts_and_macs_differ_per_suite(document, use_suite):
    use_suite("standard")
    standard = crypto.encrypt("phone", PHONE), crypto.mac("phone", PHONE)
    use_suite("sm")
    sm = crypto.encrypt("phone", PHONE), crypto.mac("phone", PHONE)
    assert crypto.sealed_with(standard[0])[0] == "standard" and crypto.sealed_with(sm[0])[0] == "sm"
    assert standard[1] != sm[1]
    assert len(standard[1]) == len(sm[1]) == 64  # both 32 bytes: truncations and checks still fit


def test_values_written_under_either_suite_read_under_the_other(document, use_suite):
    use_suite("standard")
    old = crypto.encrypt("name", "陈小明")
    use_suite("sm")
    new = crypto.encrypt("name", "陈小明")
    assert crypto.decrypt("name", old) == crypto.decrypt("name", new) == "陈小明"
    use_suite("standard")  # and back (a switch rolled back)
    assert crypto.decrypt("name", old) == crypto.decrypt("name", new) == "陈小明"


def test_after_a_switch_and_a_key_rotation_every_old_value_still_reads(use_keys, use_suite):
    # GIVEN a phone under standard k1, then one under sm s1
    k1, s1, mac_key, sm_mac = b64(32), b64(16), b64(32), b64(32)
    sm = {"mac": sm_mac, "enc": {"s1": s1}, "enc_current": "s1"}
    use_keys({"mac": mac_key, "enc": {"k1": k1}, "enc_current": "k1", "sm": sm})
    under_k1 = crypto.encrypt("phone", PHONE)
    use_suite("sm")
    under_s1 = crypto.encrypt("phone", PHONE)
    # WHEN both suites rotate (k2, s2 current)
    sm2 = {"mac": sm_mac, "enc": {"s1": s1, "s2": b64(16)}, "enc_current": "s2"}
    use_keys({"mac": mac_key, "enc": {"k1": k1, "k2": b64(32)}, "enc_current": "k2", "sm": sm2})
    under_s2 = crypto.encrypt("phone", PHONE)
    use_suite("standard")
    under_k2 = crypto.encrypt("phone", PHONE)
    # THEN new values use the new keys and every value reads, whichever suite is configured
    assert [crypto.sealed_with(v) for v in (under_k1, under_s1, under_s2, under_k2)] == [
        ("standard", "k1"),
        ("sm", "s1"),
        ("sm", "s2"),
        ("standard", "k2"),
    ]
    for suite in ("standard", "sm"):
        use_suite(suite)
        assert {crypto.decrypt("phone", v) for v in (under_k1, under_s1, under_s2, under_k2)} == {PHONE}
    # AND a retired key fails by name, never by reading under another key
    use_keys({"mac": mac_key, "enc": {"k2": b64(32)}, "enc_current": "k2", "sm": sm})
    with pytest.raises(crypto.UnknownKeyError) as raised:
        crypto.decrypt("phone", under_s2)
    assert raised.value.key_id == "sm:s2"
    with pytest.raises(crypto.UnknownKeyError):
        crypto.decrypt("phone", under_k1)


def test_a_document_without_an_sm_section_cannot_write_sm_and_fails_reading_it(use_keys, use_suite):
    use_keys()
    use_suite("sm")
    sealed = crypto.encrypt("phone", PHONE)
    use_keys({"mac": b64(32), "enc": {"k1": b64(32)}, "enc_current": "k1"})
    with pytest.raises(crypto.KeysNotConfiguredError, match="'sm' section"):
        crypto.encrypt("phone", PHONE)
    with pytest.raises(crypto.KeysNotConfiguredError, match="'sm' section"):
        crypto.mac("phone", PHONE)
    with pytest.raises(crypto.UnknownKeyError):
        crypto.decrypt("phone", sealed)


def test_a_key_of_the_wrong_size_for_its_suite_is_refused(use_keys):
    use_keys({"mac": b64(32), "enc": {"k1": b64(32)}, "sm": {"mac": b64(32), "enc": {"s1": b64(32)}}})
    with pytest.raises(crypto.KeysNotConfiguredError, match="16 bytes"):
        crypto.keys()


@pytest.mark.parametrize("suite", ["standard", "sm"])
def test_tampered_or_relabelled_ciphertexts_fail_closed(document, use_suite, suite):
    use_suite(suite)
    sealed = crypto.encrypt("phone", PHONE)
    head, _, payload = sealed.rpartition(":")
    raw = bytearray(base64.b64decode(payload))
    raw[len(raw) // 2] ^= 0x80
    with pytest.raises(InvalidTag):
        crypto.decrypt("phone", f"{head}:{base64.b64encode(bytes(raw)).decode()}")
    with pytest.raises(InvalidTag):  # read as another kind
        crypto.decrypt("id_number", sealed)
    # named as the other suite (same key id in both): the wrong algorithm and key never read it
    other = "sm:k1" if suite == "standard" else "k1"
    with pytest.raises((InvalidTag, crypto.UnknownKeyError, ValueError)):
        crypto.decrypt("phone", f"{other}:{payload}")
    with pytest.raises(crypto.UnknownKeyError):  # a suite the hall does not know
        crypto.decrypt("phone", f"rot13:k1:{payload}")


# -- lookups during a migration -----------------------------------------------------------------


def test_outside_a_migration_a_value_has_one_mac(document, use_suite):
    use_suite("sm")
    assert crypto.macs("phone", PHONE) == (crypto.mac("phone", PHONE),)
    use_suite("sm", previous="sm")  # naming the same suite twice is no migration
    assert crypto.macs("phone", PHONE) == (crypto.mac("phone", PHONE),)
    assert citizen_data.protect_phone(PHONE).previous_macs == ()


def test_during_a_migration_lookups_try_the_previous_suites_mac_too(document, use_suite):
    use_suite("standard")
    registered = citizen_data.protect_id_number(ID_NUMBER)
    registered_name = citizen_data.protect_name("陈小明")
    use_suite("sm", previous="standard")
    current, previous = citizen_data.id_number_macs(ID_NUMBER)
    assert current == crypto.mac("id_number", ID_NUMBER) != registered.mac
    assert previous == registered.mac
    # a value protected now is written under sm and carries the standard MAC for claim checks
    protected = citizen_data.protect_id_number(ID_NUMBER)
    assert protected.mac == current and protected.previous_macs == (registered.mac,)
    assert citizen_data.phone_macs(PHONE)[1] == crypto_suites.STANDARD.mac(
        base64.b64decode(document["mac"]), f"phone\x1f{PHONE}".encode()
    )
    # stored name MACs of either suite match; another name does not
    assert citizen_data.name_matches(registered_name.mac, "陈小明")
    assert citizen_data.name_matches(citizen_data.protect_name("陈小明").mac, "陈小明")
    assert not citizen_data.name_matches(registered_name.mac, "陈小红")
    # once the window is closed, the old MAC is no longer tried
    use_suite("sm")
    assert registered.mac not in citizen_data.id_number_macs(ID_NUMBER)
    assert not citizen_data.name_matches(registered_name.mac, "陈小明")


@settings(max_examples=25, deadline=None)
@given(value=st.text(min_size=1, max_size=40))
def test_macs_keep_kinds_apart_under_every_suite(value):
    # (hypothesis: fixtures are function-scoped, so the keys are installed by hand)
    for suite in SUITES:
        key = os.urandom(32)
        macs = {suite.mac(key, f"{kind}\x1f{value}".encode()) for kind in ("id_number", "phone", "name")}
        assert len(macs) == 3


# -- MACs nothing can re-key -------------------------------------------------------------------


def test_a_statement_printed_before_the_switch_still_verifies_after_it(document, use_suite):
    from datetime import date

    from chalicelib.domain import statements
    from chalicelib.flows.user_center import statement_pdf

    # GIVEN a 权益单 code and file MAC issued under standard
    use_suite("standard")
    statement = statements.build(2019, "陈小明", "3201**********1239", [], [], [])
    code = statement_pdf.issue_code(statement, date(2026, 11, 1))
    file_mac = crypto.mac("statement-file", "ab" * 32 + code)
    # WHEN the hall runs under sm with no migration window
    use_suite("sm")
    assert statement_pdf.issue_code(statement, date(2026, 11, 1)) != code
    # THEN the printed code and file still verify (the keys document still holds standard's MAC key)
    assert statement_pdf.check_code(code).valid
    assert statement_pdf.check_digest("ab" * 32, code, file_mac).valid
    # AND a forged tag does not
    forged = code[:-2] + ("AA" if code[-2:] != "AA" else "BB")
    assert not statement_pdf.check_code(forged).valid
    # AND the one-time codes the hall cannot re-key are checkable the same way
    use_suite("standard")
    stored = crypto.hash_code("recovery", "account-1", "ABCD-EFGH")
    use_suite("sm")
    assert stored not in crypto.hash_codes("recovery", "account-1", "ABCD-EFGH")
    assert stored in crypto.hash_codes("recovery", "account-1", "ABCD-EFGH", any_suite=True)
    assert stored not in crypto.hash_codes("recovery", "account-1", "ABCD-EFGX", any_suite=True)
