"""Switching the crypto suite (standard → 国密 sm) on a live table: accounts registered under
the old suite keep logging in during the migration window, and stay unique."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock, crypto
from tests.support import new_citizen


@pytest.fixture
def switch(monkeypatch, browser):
    def to(current: str, previous: str | None = None) -> None:
        monkeypatch.setenv("HALL_CRYPTO_SUITE", current)
        if previous:
            monkeypatch.setenv("HALL_CRYPTO_PREVIOUS_SUITE", previous)
        else:
            monkeypatch.delenv("HALL_CRYPTO_PREVIOUS_SUITE", raising=False)
        # The CSRF token is signed with the suite's MAC: a page loaded before the switch gets a
        # fresh one (one refused request at most; docs/operations.md says so).
        browser.cookies.pop("hall_csrf", None)

    return to


def _stored(citizen):
    from chalicelib.citizen_data import id_number_macs
    from chalicelib.store import accounts

    for mac in id_number_macs(citizen.id_number):
        found = accounts.find_account_ids([accounts.id_claim_key(citizen.id_type, mac)])
        if found:
            return accounts.get(next(iter(found.values())))
    return None


def test_during_the_window_an_account_registered_under_standard_logs_in_and_stays_unique(browser, switch):
    # GIVEN a citizen registered under the standard suite
    switch("standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    # WHEN the hall switches to 国密 with the standard suite as the previous one
    switch("sm", previous="standard")
    # THEN they log in by ID number, by phone, and by SMS code
    by_id = browser.login_password(citizen.id_number, citizen.password)
    assert by_id.status == 200, by_id.body
    assert by_id.body["user"]["name"] == "陈*"
    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    browser.delete("/api/sessions/current")
    clock.advance(timedelta(seconds=61))
    by_code = browser.login_sms(citizen.phone)
    assert by_code.status == 200, by_code.body
    browser.delete("/api/sessions/current")
    # AND registering the same ID number again is refused (its claim is under the old MAC)
    clock.advance(timedelta(seconds=61))
    again = browser.register(new_citizen(id_number=citizen.id_number))
    assert again.status == 409, again.body
    assert again.body["code"] == "id_number_taken"
    # AND so is the same phone
    clock.advance(timedelta(seconds=61))
    taken = browser.register(new_citizen(phone=citizen.phone))
    assert taken.status == 409, taken.body
    assert taken.body["code"] == "phone_taken"


def test_an_account_registered_during_the_window_is_written_under_sm_and_logs_in(browser, switch):
    switch("sm", previous="standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    account = _stored(citizen)
    assert crypto.sealed_with(account.id_cipher)[0] == crypto.sealed_with(account.phone_cipher)[0] == "sm"
    assert account.id_mac == crypto.mac("id_number", citizen.id_number)
    assert browser.login_password(citizen.id_number, citizen.password).status == 200
    # and with the window closed too
    switch("sm")
    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.phone, citizen.password).status == 200


def test_without_the_window_an_old_suites_account_is_not_found(browser, switch):
    # The window is what finds them: switching without it (or closing it before the re-keying
    # job ran) loses the old accounts' lookups; this is why the migration has its steps.
    switch("standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    switch("sm")
    reply = browser.login_password(citizen.id_number, citizen.password)
    assert reply.status == 401
    assert reply.body["code"] == "invalid_credentials"


# -- the re-keying job -----------------------------------------------------------------------------


def _bind_family(account, citizen_id: str):
    """A 亲情号 bound by ``account`` (straight through the store: the flow is tested elsewhere)."""
    from chalicelib.citizen_data import protect_id_number, protect_name
    from chalicelib.store import family_numbers

    bound, name = protect_id_number(citizen_id), protect_name("陈老")
    new = family_numbers.NewFamilyBinding("b1", "resident_id", bound, name, "父母")
    family_numbers.bind(account, new, clock.now(), min_level=0, limit=5)


def test_the_rekeying_job_moves_an_account_and_its_claims_then_the_window_can_close(browser, switch):
    from chalicelib.citizen_data import id_number_mac, phone_mac
    from chalicelib.jobs import crypto_rekey
    from chalicelib.store import accounts

    # GIVEN an account registered under standard, which bound a 亲情号
    switch("standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    account = _stored(citizen)
    parent = new_citizen(name="陈老")
    _bind_family(account, parent.id_number)
    old = {
        "id": accounts.id_claim_key(citizen.id_type, id_number_mac(citizen.id_number)),
        "phone": accounts.phone_claim_key(phone_mac(citizen.phone)),
        "family": accounts.family_claim_key("resident_id", id_number_mac(parent.id_number)),
    }
    assert len(accounts.find_account_ids(list(old.values()))) == 3
    # WHEN the suite is switched (window open) and the job runs over the account ids, twice
    switch("sm", previous="standard")
    assert crypto_rekey.run([account.account_id, "", "no-such-account"], clock.now()) == (
        {"rekeyed": 1, "gone": 1},
        [],
    )
    assert crypto_rekey.run([account.account_id], clock.now())[0] == {"current": 1}
    # THEN the account and its claims are under sm, and the old claims are gone
    moved = accounts.get(account.account_id)
    assert moved.id_mac == id_number_mac(citizen.id_number) and moved.phone_mac == phone_mac(citizen.phone)
    for cipher in (moved.id_cipher, moved.name_cipher, moved.phone_cipher, moved.family["b1"]["id_cipher"]):
        assert crypto.sealed_with(cipher)[0] == "sm"
    assert crypto.decrypt("id_number", moved.id_cipher) == citizen.id_number
    assert accounts.find_account_ids(list(old.values())) == {}
    new = [
        accounts.id_claim_key(citizen.id_type, id_number_mac(citizen.id_number)),
        accounts.phone_claim_key(phone_mac(citizen.phone)),
        accounts.family_claim_key("resident_id", id_number_mac(parent.id_number)),
    ]
    assert set(accounts.find_account_ids(new).values()) == {account.account_id}
    # AND with the window closed, they log in, and the ID, the phone and the 亲情号 stay taken
    switch("sm")
    assert browser.login_password(citizen.id_number, citizen.password).status == 200
    browser.delete("/api/sessions/current")
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    browser.delete("/api/sessions/current")
    clock.advance(timedelta(seconds=61))
    assert browser.register(new_citizen(id_number=citizen.id_number)).body["code"] == "id_number_taken"
    clock.advance(timedelta(seconds=61))
    assert browser.register(new_citizen(phone=citizen.phone)).body["code"] == "phone_taken"
    clock.advance(timedelta(seconds=61))
    refused = browser.register(parent)
    assert refused.status == 409 and refused.body["code"] == "family_number_bound", refused.body


def test_a_rekey_of_an_account_changed_meanwhile_writes_nothing_and_is_retried(browser, switch, monkeypatch):
    from chalicelib.jobs import crypto_rekey
    from chalicelib.store import accounts, rekeying
    from chalicelib.store.errors import WriteRefusedError

    switch("standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    stale = _stored(citizen)
    # the account changes after it was read (here: a re-key under other hands)
    switch("sm", previous="standard")
    assert crypto_rekey.rekey_account(stale.account_id, clock.now()) == "rekeyed"
    with pytest.raises(WriteRefusedError):
        rekeying.rewrite(stale, crypto_rekey._rekeyed(stale), clock.now())
    assert accounts.get(stale.account_id).version == stale.version + 1
    # and the job itself re-reads when its write is refused
    real, calls = rekeying.rewrite, []

    def refused_once(account, new, now):
        calls.append(account.version)
        if len(calls) == 1:
            raise WriteRefusedError("ConditionalCheckFailed")
        return real(account, new, now)

    monkeypatch.setattr(rekeying, "rewrite", refused_once)
    switch("standard", previous="sm")  # (a switch rolled back: the job moves it back)
    assert crypto_rekey.rekey_account(stale.account_id, clock.now()) == "rekeyed"
    assert len(calls) == 2
    assert crypto.sealed_with(accounts.get(stale.account_id).id_cipher)[0] == "standard"


def test_the_operator_runs_the_job_from_a_file_of_account_ids(browser, switch, tmp_path, capsys):
    from chalicelib.ops.__main__ import main

    switch("standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    account = _stored(citizen)
    switch("sm", previous="standard")
    # during the window the operator's lookups find the account written under standard
    assert main(["events", "--id-number", citizen.id_number]) == 0
    assert f"account {account.account_id}" in capsys.readouterr().out
    ids = tmp_path / "accounts.txt"
    ids.write_text(f"{account.account_id}\n\n")
    assert main(["crypto", "rekey", "--account-ids", str(ids)]) == 0
    out = capsys.readouterr().out
    assert "suite sm (lookups also try standard)" in out
    assert "rekeyed   1" in out and "refused   0" in out
    assert citizen.id_number not in out and citizen.phone not in out
    assert crypto.sealed_with(_stored(citizen).phone_cipher)[0] == "sm"


def test_a_provider_link_made_before_the_switch_still_logs_in_after_it(browser, switch):
    # The hall never keeps a provider's subject id, so its link claim cannot be re-keyed: it is
    # found under any suite the keys document holds, window or not.
    from chalicelib.context import RequestContext
    from chalicelib.flows.login import Authenticated, LinkRequired
    from chalicelib.methods import federation
    from chalicelib.store import accounts

    switch("standard")
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    account = _stored(citizen)
    assert accounts.put_link(
        "alipay", federation.subject_mac("alipay", "2088000000000001"), account.account_id, clock.now()
    )
    switch("sm")
    ctx = RequestContext(client_ip="127.0.0.1", request_id="test")
    step = federation.resolve_linked("alipay", "alipay", "", "2088000000000001", ctx)
    assert isinstance(step, Authenticated) and step.account.account_id == account.account_id
    # and another subject is not linked to anyone
    assert isinstance(federation.resolve_linked("alipay", "alipay", "", "2088000000000002", ctx), LinkRequired)
