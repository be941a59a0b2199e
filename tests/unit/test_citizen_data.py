"""Citizen identifiers in their stored forms (chalicelib/citizen_data.py)."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from chalicelib import citizen_data, crypto

ID_NUMBER = "11010519491231002X"
PHONE = "13800005678"


@pytest.fixture(autouse=True)
def _keys(use_keys):
    use_keys()


def test_an_id_number_is_stored_as_mac_ciphertext_and_mask():
    protected = citizen_data.protect_id_number(ID_NUMBER)
    assert protected.mac == citizen_data.id_number_mac(ID_NUMBER)
    assert crypto.decrypt("id_number", protected.cipher) == ID_NUMBER
    assert protected.masked == "1101**********002X"
    assert ID_NUMBER not in protected.mac + protected.cipher + protected.masked


def test_a_phone_is_stored_as_mac_ciphertext_and_mask():
    protected = citizen_data.protect_phone(PHONE)
    assert protected.mac == citizen_data.phone_mac(PHONE)
    assert crypto.decrypt("phone", protected.cipher) == PHONE
    assert protected.masked == "138****5678"
    assert PHONE not in protected.mac + protected.cipher + protected.masked


def test_a_name_is_stored_as_mac_ciphertext_and_mask():
    protected = citizen_data.protect_name("陈小明")
    assert crypto.decrypt("name", protected.cipher) == "陈小明"
    assert protected.masked == "陈*"
    assert "陈小明" not in protected.mac + protected.cipher


def test_the_kinds_of_mac_are_separate_lookups():
    # The same string as an ID number, a phone and a login identifier gives three MACs.
    value = "12345678"
    macs = {citizen_data.id_number_mac(value), citizen_data.phone_mac(value), citizen_data.identifier_mac(value)}
    assert len(macs) == 3


def test_a_phone_ciphertext_does_not_decrypt_as_an_id_number():
    with pytest.raises(InvalidTag):
        crypto.decrypt("id_number", citizen_data.protect_phone(PHONE).cipher)
