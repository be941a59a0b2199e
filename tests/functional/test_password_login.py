"""Password login (账号密码): ID number or mobile number, plus password."""

from __future__ import annotations

from tests.support import new_citizen


def test_login_by_id_number_or_phone_lands_with_the_masked_name(browser):
    citizen = new_citizen(name="陈小明")
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    by_id = browser.login_password(citizen.id_number, citizen.password)
    assert by_id.status == 200, by_id.body
    assert by_id.body["user"]["name"] == "陈*"
    assert by_id.body["user"]["login_method"] == "password"
    by_phone = browser.login_password(citizen.phone, citizen.password)
    assert by_phone.status == 200


def test_a_lower_case_x_in_the_id_number_is_accepted(browser):
    from tests.support import make_resident_id

    while not (number := make_resident_id()).endswith("X"):
        pass
    citizen = new_citizen(id_number=number)
    assert browser.register(citizen).status == 201
    assert browser.login_password(number.lower(), citizen.password).status == 200


def test_unknown_identifier_and_wrong_password_get_the_same_answer(browser):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    wrong = browser.login_password(citizen.phone, "Wrong#pass1")
    unknown = browser.login_password(new_citizen().phone, "Wrong#pass1")
    assert wrong.status == unknown.status == 401
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(wrong.body) == strip(unknown.body)
    assert wrong.body["code"] == "invalid_credentials"


def test_an_unknown_identifier_still_costs_one_password_verification(browser, monkeypatch):
    from chalicelib.domain import passwords

    calls = []
    real = passwords._hasher

    class Counting:
        def verify(self, stored, password):
            calls.append(stored)
            return real.verify(stored, password)

        def __getattr__(self, name):  # hash() for the dummy, check_needs_rehash(), ...
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    reply = browser.login_password(new_citizen().id_number, "Wrong#pass1")
    assert reply.status == 401
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_a_hash_with_old_parameters_is_replaced_on_login(browser, monkeypatch):
    from argon2 import PasswordHasher

    from chalicelib.domain import passwords
    from chalicelib.store import tables
    from chalicelib.store.models import AccountModel

    # GIVEN an account whose hash was made with weaker parameters
    citizen = new_citizen()
    with monkeypatch.context() as weaker:
        weaker.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
        assert browser.register(citizen).status == 201
    # WHEN the citizen logs in
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    # THEN the stored hash uses the current parameters
    tables.ready()
    (item,) = [a for a in AccountModel.scan()]
    assert "m=19456,t=2,p=1" in item.password_hash
    assert browser.login_password(citizen.phone, citizen.password).status == 200


def test_missing_fields_are_named(browser):
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "", "password": ""})
    assert reply.status == 400
    assert set(reply.body["fields"]) == {"identifier", "password"}


def test_an_unknown_method_is_refused(browser):
    reply = browser.post("/api/sessions", {"method": "telepathy"})
    assert reply.status == 400
    assert reply.body["code"] == "unknown_login_method"


def test_a_number_held_under_two_document_types_asks_which_and_lets_both_holders_in(browser):
    import random

    # GIVEN one number registered as a passport by one citizen and as a 台湾居民来往大陆通行证 by another
    number = f"{random.SystemRandom().randrange(10**8):08d}"
    passport = new_citizen(name="林美华", id_type="passport", id_number=number, password="Lin#Meihua24")
    permit = new_citizen(name="陈志明", id_type="taiwan_permit", id_number=number, password="Chen@Zhiming24")
    assert browser.register(passport).status == 201
    assert browser.register(permit).status == 201
    browser.delete("/api/sessions/current")
    # WHEN the number is used to log in without a document type
    reply = browser.login_password(number, passport.password)
    # THEN the hall asks which document type, in the manual's words, and checks no password
    assert reply.status == 400
    assert reply.body["code"] == "id_type_required"
    assert "id_type" in reply.body["fields"]
    labels = {t["value"]: t["label"] for t in reply.body["id_types"]}
    assert labels["passport"] == "护照" and labels["taiwan_permit"] == "台湾居民来往大陆通行证"
    # AND with the type chosen, each holder gets into their own account
    first = browser.login_password(number, passport.password, id_type="passport")
    assert first.status == 200, first.body
    assert first.body["user"]["name"] == "林*"
    browser.delete("/api/sessions/current")
    second = browser.login_password(number, permit.password, id_type="taiwan_permit")
    assert second.status == 200, second.body
    assert second.body["user"]["name"] == "陈*"
    browser.delete("/api/sessions/current")
    # AND one holder's wrong password never counts against the other
    assert browser.login_password(number, "Wrong#pass1", id_type="passport").status == 401
    assert browser.login_password(number, permit.password, id_type="taiwan_permit").status == 200


def test_an_identifier_that_is_no_phone_and_no_document_number_is_a_field_error(browser):
    reply = browser.login_password("32010219900307123٩", "Wrong#pass1")
    assert reply.status == 400
    assert reply.body["code"] == "validation_failed"
    assert "identifier" in reply.body["fields"]
