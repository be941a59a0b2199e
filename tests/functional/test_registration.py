"""Registration (个人用户注册): fields, rules, levels, uniqueness."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from chalicelib.store.models import AccountModel, ClaimModel
from tests.support import last_code, make_resident_id, new_citizen

DEMO = json.loads((Path(__file__).resolve().parents[2] / "demo/citizens.json").read_text("utf-8"))
ZHANG_WEI = next(c for c in DEMO["base_library"] if c["name"] == "张伟")


def _account(account_id: str) -> AccountModel:
    from chalicelib.store import tables

    tables.ready()
    return AccountModel.get(account_id)


def _account_id_of(browser) -> str:
    from chalicelib import crypto
    from chalicelib.store import tables
    from chalicelib.store.models import SessionModel

    tables.ready()
    return SessionModel.get(crypto.hash_token(browser.cookies["hall_session"])).account_id


def test_registration_matching_the_base_library_makes_a_real_name_user(browser):
    # GIVEN a citizen whose name and ID the base library knows
    citizen = new_citizen(name=ZHANG_WEI["name"], id_number=ZHANG_WEI["id_number"])
    # WHEN they register
    reply = browser.register(citizen)
    # THEN the account is 实名用户 (level 2) and they are logged in, seeing masked data only
    assert reply.status == 201, reply.body
    assert reply.body["user"]["level"] == 2
    assert reply.body["user"]["level_label"] == "实名用户"
    assert reply.body["user"]["name"] == "张*"
    me = browser.get("/api/me").body["user"]
    assert me["id_number"] == ZHANG_WEI["id_number"][:4] + "*" * 10 + ZHANG_WEI["id_number"][-4:]
    assert me["phone"] == citizen.phone[:3] + "****" + citizen.phone[-4:]


def test_registration_not_matching_the_base_library_makes_a_registered_user(browser):
    # GIVEN a name that does not go with the ID number in the base library
    citizen = new_citizen(name="李四", id_number=ZHANG_WEI["id_number"])
    reply = browser.register(citizen)
    assert reply.status == 201, reply.body
    assert reply.body["user"]["level"] == 1
    assert reply.body["user"]["level_label"] == "注册用户"


def test_the_agreement_version_and_time_are_stored(browser):
    from chalicelib import settings

    reply = browser.register(new_citizen())
    assert reply.status == 201
    item = _account(_account_id_of(browser))
    assert item.agreement_version == settings.get().agreement_version
    assert item.agreement_accepted_at is not None


@pytest.mark.parametrize(
    ("field", "value", "message_part"),
    [
        ("id_number", "11010519491231002Y", "18位"),
        ("id_number", "110105194912310021", "校验位"),
        ("id_number", "110105209912310027", "出生日期"),
        ("name", "张3", "汉字"),
        ("name", "John Smith", "汉字"),
        ("phone", "12345678901", "11位"),
        ("password", "Ab1!", "8-20"),
        ("password", "abcdefgh12", "三种"),
        ("id_type", "driving_licence", "证件类型"),
    ],
)
def test_each_invalid_field_is_named_in_the_error(browser, field, value, message_part):
    citizen = new_citizen()
    overrides = {field: value}
    if field == "password":
        overrides["password_confirm"] = value
    reply = browser.register(citizen, **overrides)
    assert reply.status == 400
    assert reply.body["code"] == "validation_failed"
    assert message_part in reply.body["fields"][field]


def test_password_may_not_contain_the_phone(browser):
    citizen = new_citizen()
    with_phone = "Ab!" + citizen.phone
    reply = browser.register(citizen, password=with_phone, password_confirm=with_phone)
    assert reply.status == 400
    assert reply.body["fields"]["password"] == "密码不能包含移动电话号码"


def test_password_that_contains_the_whole_id_number_is_refused(browser):
    citizen = new_citizen(id_type="hk_macao_permit", id_number="H87654321", name="李华")
    password = "x!H87654321"
    reply = browser.register(citizen, password=password, password_confirm=password)
    assert reply.status == 400
    assert reply.body["fields"]["password"] == "密码不能包含证件号码"


@pytest.mark.parametrize("password", ["Password123", "Password1!", "Woaini1314!"])
def test_common_passwords_are_refused(browser, password):
    reply = browser.register(new_citizen(), password=password, password_confirm=password)
    assert reply.status == 400
    assert reply.body["fields"]["password"] == "密码过于常见，容易被猜中，请换一个"


def test_confirmation_and_agreement_are_required(browser):
    citizen = new_citizen()
    reply = browser.register(citizen, password_confirm="Other#2024x", agreement_accepted=False)
    assert reply.status == 400
    assert reply.body["fields"]["password_confirm"] == "两次输入的密码不一致"
    assert reply.body["fields"]["agreement"] == "请阅读并同意《个人用户注册协议》"


def test_foreign_documents_register_with_latin_names(browser):
    citizen = new_citizen(id_type="passport", id_number="E12345678", name="John Smith")
    reply = browser.register(citizen)
    assert reply.status == 201, reply.body
    assert reply.body["user"]["name"] == "J*"


def test_the_sms_code_must_be_right_and_for_registration(browser):
    citizen = new_citizen()
    sent = browser.send_code(citizen.phone, "login")
    assert sent.status == 200
    # A login code does not register.
    reply = browser.register(citizen, send=False, sms_code=last_code(citizen.phone))
    assert reply.status == 400
    assert reply.body["code"] == "sms_code_expired"


def test_a_taken_id_number_points_to_the_matching_appeal(browser):
    first = new_citizen()
    assert browser.register(first).status == 201
    second = new_citizen(id_number=first.id_number)
    reply = browser.register(second)
    assert reply.status == 409
    assert reply.body["code"] == "id_number_taken"
    assert reply.body["appeal"] == "id_number_taken"
    assert "证件号码被占用" in reply.body["message"]


def test_a_taken_id_number_with_one_digit_of_another_script_does_not_register_again(browser):
    # GIVEN a registered citizen
    first = new_citizen()
    assert browser.register(first).status == 201
    browser.delete("/api/sessions/current")
    # AND their ID number with one birth-date digit typed as its Arabic-Indic twin (٠-٩),
    # which Python's \d and int() read as the digit itself
    position = 9
    twin = chr(0x0660 + "0123456789".index(first.id_number[position]))
    disguised = first.id_number[:position] + twin + first.id_number[position + 1 :]
    # WHEN someone registers with it
    reply = browser.register(new_citizen(id_number=disguised))
    # THEN the ID number is refused as a field: no second account for the same person
    assert reply.status == 400, reply.body
    assert reply.body["code"] == "validation_failed"
    assert reply.body["fields"]["id_number"] == "证件号码只能由数字0-9和英文字母组成"
    from chalicelib.store import tables

    tables.ready()
    assert len(list(AccountModel.scan())) == 1  # a test may scan its own fresh table


def test_an_sms_code_that_is_not_six_digits_is_named_with_the_other_fields(browser):
    citizen = new_citizen()
    reply = browser.register(citizen, sms_code="12\u0663456", name="张3")  # ٣
    assert reply.status == 400
    assert reply.body["fields"]["sms_code"] == "请输入6位数字短信验证码"
    assert "name" in reply.body["fields"]


def test_a_taken_phone_points_to_the_matching_appeal(browser):
    from datetime import timedelta

    from chalicelib import clock

    first = new_citizen()
    assert browser.register(first).status == 201
    clock.advance(timedelta(seconds=61))  # the next code to this phone may be sent
    reply = browser.register(new_citizen(phone=first.phone))
    assert reply.status == 409
    assert reply.body["code"] == "phone_taken"
    assert reply.body["appeal"] == "phone_taken"
    assert "移动电话已被占用" in reply.body["message"]


def test_an_id_bound_as_a_family_number_blocks_registration(browser):
    from chalicelib import clock
    from chalicelib.citizen_data import id_number_mac
    from chalicelib.store import accounts

    holder = new_citizen()
    assert browser.register(holder).status == 201
    mother_id = make_resident_id(birth="19620212")
    accounts.put_family_claim(_account_id_of(browser), "resident_id", id_number_mac(mother_id), clock.now())
    reply = browser.register(new_citizen(name="陈母亲", id_number=mother_id))
    assert reply.status == 409
    assert reply.body["code"] == "family_number_bound"
    assert reply.body["appeal"] == "family_number_bound"
    assert "亲情号解绑" in reply.body["message"]


def test_conflicts_are_revealed_only_after_the_sms_code_is_proven(browser):
    first = new_citizen()
    assert browser.register(first).status == 201
    # GIVEN someone probing with the taken ID but without a valid code for their phone
    prober = new_citizen(id_number=first.id_number)
    reply = browser.register(prober, send=False, sms_code="000000")
    # THEN they learn nothing about the ID
    assert reply.body["code"] in {"sms_code_expired", "sms_code_invalid"}
    assert "id_number" not in reply.body["fields"]


def test_twenty_concurrent_registrations_of_one_id_create_exactly_one_account(browser):
    from chalicelib.context import RequestContext
    from chalicelib.errors import HallError
    from chalicelib.flows import registration

    id_number = make_resident_id()
    citizens = [new_citizen(id_number=id_number) for _ in range(20)]
    forms = []
    for citizen in citizens:
        assert browser.send_code(citizen.phone, "register").status == 200
        forms.append(
            registration.RegistrationForm(
                id_type="resident_id",
                id_number=id_number,
                name=citizen.name,
                phone=citizen.phone,
                sms_code=last_code(citizen.phone),
                password=citizen.password,
                password_confirm=citizen.password,
                agreement_accepted=True,
            )
        )
    outcomes: list[str] = []
    barrier = threading.Barrier(len(forms))

    def attempt(form):
        barrier.wait()
        try:
            registration.register(form, RequestContext(client_ip="198.51.100.7"))
            outcomes.append("created")
        except HallError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(form,)) for form in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("created") == 1, outcomes
    assert outcomes.count("id_number_taken") == 19, outcomes
    # And the store agrees: one ID claim, and only the winner's phone is claimed.
    from chalicelib.citizen_data import id_number_mac, phone_mac
    from chalicelib.store import accounts

    claims = accounts.find_account_ids(
        [accounts.id_claim_key("resident_id", id_number_mac(id_number))]
        + [accounts.phone_claim_key(phone_mac(c.phone)) for c in citizens]
    )
    assert len(claims) == 2
    assert len(set(claims.values())) == 1


def test_the_account_stores_no_raw_citizen_data(browser):
    citizen = new_citizen(name="陈小明")
    assert browser.register(citizen).status == 201
    item = _account(_account_id_of(browser))
    stored = json.dumps(item.serialize(), ensure_ascii=False)
    for raw in (citizen.id_number, citizen.phone, citizen.name, citizen.password):
        assert raw not in stored
    from chalicelib import crypto

    assert crypto.decrypt("id_number", item.id_cipher) == citizen.id_number
    assert crypto.decrypt("phone", item.phone_cipher) == citizen.phone
    assert item.password_hash.startswith("$argon2id$")


def test_claims_are_keyed_by_mac_not_by_raw_values(browser):
    from chalicelib.store import tables

    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    tables.ready()
    keys = [c.claim_key for c in ClaimModel.scan()]  # a test may scan its own fresh table
    assert keys and all(citizen.phone not in k and citizen.id_number not in k for k in keys)


def test_a_phone_typed_with_spaces_hyphens_or_86_is_registered_as_its_eleven_digits(browser):
    from datetime import timedelta

    from chalicelib import clock

    # GIVEN a code sent to a mobile number
    citizen = new_citizen()
    assert browser.send_code(citizen.phone, "register").status == 200
    # WHEN the citizen registers typing it as "+86 138-0013-8000"
    p = citizen.phone
    typed = f"+86 {p[:3]}-{p[3:7]}-{p[7:]}"
    reply = browser.register(citizen, send=False, phone=typed)
    # THEN the code is accepted for it, and the account holds the 11 digits
    assert reply.status == 201, reply.body
    assert reply.body["user"]["phone"] == p[:3] + "****" + p[-4:]
    browser.delete("/api/sessions/current")
    # AND the 11 digits typed plainly are the same, taken, phone
    clock.advance(timedelta(seconds=61))
    again = browser.register(new_citizen(phone=p))
    assert again.status == 409
    assert again.body["code"] == "phone_taken"


def test_a_refused_registration_leaves_no_session_or_event_behind(browser):
    from chalicelib.store import tables
    from chalicelib.store.models import AuditEventModel, SessionModel

    first = new_citizen()
    assert browser.register(first).status == 201
    browser.delete("/api/sessions/current")
    assert browser.register(new_citizen(id_number=first.id_number)).status == 409
    tables.ready()
    # The account, its claims, its first session and its Registered event commit together or not at all.
    assert len(list(SessionModel.scan())) == 0
    assert [e.event for e in AuditEventModel.scan()] == ["Registered"]
