"""The operator's command line: python -m chalicelib.ops."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.ops.__main__ import main
from tests.support import new_citizen

ROOT = Path(__file__).resolve().parents[2]


def test_create_tables_is_idempotent(capsys):
    assert main(["create-tables"]) == 0
    assert "nothing" in capsys.readouterr().out


def test_seed_demo_creates_the_readme_accounts_once(capsys, browser):
    assert main(["seed-demo", "--file", str(ROOT / "demo/citizens.json")]) == 0
    first = capsys.readouterr().out
    assert first.count("created") == 4 and "陈*" in first and "13800138000" not in first
    assert main(["seed-demo", "--file", str(ROOT / "demo/citizens.json")]) == 0
    assert capsys.readouterr().out.count("exists") == 4
    # The README's demo account logs in with the README's password.
    assert browser.login_password("13800138000", "Jshall#2024").status == 200
    # And 陈小明's 亲情号 blocks that ID from registering.
    mother = new_citizen(name="陈母亲", id_number="320102196202120044")
    assert browser.register(mother).body["code"] == "family_number_bound"


def test_unlock_lifts_a_password_lock_and_leaves_a_trace(browser, capsys):
    citizen = new_citizen()
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    for _ in range(5):
        browser.login_password(citizen.phone, "Wrong#pass1")
    assert browser.login_password(citizen.phone, citizen.password).status == 423
    assert main(["unlock", "--id-number", citizen.id_number]) == 0
    assert browser.login_password(citizen.phone, citizen.password).status == 200
    capsys.readouterr()
    assert main(["events", "--phone", citizen.phone]) == 0
    out = capsys.readouterr().out
    for event in ("Registered", "AccountLocked", "LockReleased", "LoginSucceeded"):
        assert event in out
    assert citizen.phone not in out and citizen.id_number not in out
    assert citizen.phone[:3] + "****" + citizen.phone[-4:] in out


def test_events_of_an_identifier_without_account(capsys, browser):
    stranger = new_citizen()
    for _ in range(5):
        browser.login_password(stranger.id_number, "Wrong#pass1")
    assert main(["events", "--id-number", stranger.id_number]) == 0
    out = capsys.readouterr().out
    assert "no account" in out and "AccountLocked" in out


def test_keys_generate_prints_a_usable_keys_document(capsys, monkeypatch):
    import base64

    from chalicelib import crypto, settings

    assert main(["keys", "generate"]) == 0
    document = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("HALL_LOCAL_KEYS", base64.b64encode(json.dumps(document).encode()).decode())
    settings.reset()
    assert crypto.decrypt("phone", crypto.encrypt("phone", "13800138000")) == "13800138000"


# -- identifiers typed with another script's digits ---------------------------------------------

ARABIC_INDIC_PHONE = "13\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660"  # 13٨٠٠١٣٨٠٠٠


def test_a_phone_with_another_scripts_digits_is_refused_not_looked_up(capsys):
    # GIVEN an operator told a phone typed with Arabic-Indic digits
    # WHEN they unlock or list events by it THEN the command refuses it with the reason, and does nothing
    assert main(["unlock", "--phone", ARABIC_INDIC_PHONE]) == 2
    assert main(["events", "--phone", ARABIC_INDIC_PHONE]) == 2
    captured = capsys.readouterr()
    assert "unlocked" not in captured.out
    assert captured.err.count("移动电话号码只能由数字0-9组成") == 2


def test_seed_demo_refuses_what_registration_would_refuse(capsys, tmp_path):
    # GIVEN a demo file whose one account has a phone in Arabic-Indic digits and another a common password
    demo = json.loads((ROOT / "demo/citizens.json").read_text("utf-8"))
    first, second = demo["accounts"][0], demo["accounts"][1]
    demo["accounts"] = [{**first, "phone": ARABIC_INDIC_PHONE}, {**second, "password": "Password1!"}]
    path = tmp_path / "citizens.json"
    path.write_text(json.dumps(demo, ensure_ascii=False), "utf-8")
    # WHEN seeded THEN neither account is created, and each refusal says why
    assert main(["seed-demo", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "created" not in out
    assert out.count("refused") == 2
    assert "移动电话号码只能由数字0-9组成" in out and "密码过于常见" in out
