"""账号绑定: which providers the account is tied to, and untying one (not the last way to log in).

GIVEN a logged-in citizen whose account is tied to identity providers,
WHEN they list or untie them,
THEN each untie deletes the claim, removes the account's ``links`` entry and writes
``Unlinked`` in one transaction, and the last way to log in is never untied, even by two
requests at once.
"""

from __future__ import annotations

import threading

from chalicelib import clock
from tests.functional.test_login_link import Vouched, _account, _ctx, _events, finish_by_password, jszw_link
from tests.support import Browser, last_code, make_phone, new_citizen


def _linked_citizen(browser):
    citizen = new_citizen(name="周杰")
    assert browser.register(citizen).status == 201
    browser.delete("/api/sessions/current")
    assert finish_by_password(browser, jszw_link(browser, citizen), citizen.password).status == 200
    return citizen


def _rows(reply) -> dict:
    return {row["provider"]: row for row in reply.body["links"]}


def test_a_citizen_sees_the_linked_providers_with_the_date(browser):
    _linked_citizen(browser)
    reply = browser.get("/api/account/links")
    assert reply.status == 200
    rows = _rows(reply)
    assert list(rows) == ["essc", "jszw", "alipay"]
    assert rows["jszw"]["linked"] and rows["jszw"]["label"] == "江苏政务"
    assert rows["jszw"]["linked_on"] == clock.now().astimezone(clock.CHINA).date().isoformat()
    assert rows["jszw"]["may_unlink"]  # the account has a password and a phone
    assert not rows["alipay"]["linked"] and rows["alipay"]["linked_on"] is None
    page = browser.get("/user/links")
    assert page.status == 200
    assert "账号绑定" in page.body["_text"] and 'aria-current="page"' in page.body["_text"]
    assert "解除绑定" in page.body["_text"]


def test_untying_removes_claim_map_entry_and_audits_it(browser):
    from chalicelib.flows.login import LinkRequired
    from chalicelib.methods import federation
    from chalicelib.store import accounts

    citizen = _linked_citizen(browser)
    mac = _account(citizen).links["jszw"]["subject_mac"]
    reply = browser.delete("/api/account/links/jszw")
    assert reply.status == 200, reply.body
    assert not _rows(reply)["jszw"]["linked"]
    account = _account(citizen)
    assert account.links == {}
    assert accounts.find_account_ids([accounts.link_claim_key("jszw", mac)]) == {}
    unlinked = [e for e in _events(account.account_id) if e.event == "Unlinked"]
    assert len(unlinked) == 1 and unlinked[0].detail == {"provider": "jszw"}
    # AND the provider's next login is no longer let straight in
    browser.delete("/api/sessions/current")
    again = federation.resolve(
        "jszw", "jszw_oidc", "", Vouched("jszw-test-1", citizen.name, citizen.id_number, None, 1), _ctx()
    )
    assert isinstance(again, LinkRequired)


def test_untying_a_provider_not_tied_is_refused(browser):
    _linked_citizen(browser)
    reply = browser.delete("/api/account/links/alipay")
    assert reply.status == 404 and reply.body["code"] == "link_not_found"
    assert browser.delete("/api/account/links/nonsense").body["code"] == "link_not_found"


def test_untying_needs_a_session(browser):
    reply = browser.get("/api/account/links")
    assert reply.status == 401 and reply.body["code"] == "unauthenticated"
    page = browser.get("/user/links")
    assert page.status == 302 and page.headers["Location"].startswith("/login?next=/user/links")


def _account_only_providers_log_into(browser, providers: list[str]):
    """An account made by 电子社保卡 (no password), tied to ``providers``, whose phone was released."""
    from chalicelib.methods import federation
    from chalicelib.store import accounts
    from chalicelib.store.models import AccountModel
    from tests.functional.test_login_link import _hand_over, finish

    holder = new_citizen(name="张伟")
    vouched = Vouched(holder.id_number, holder.name, holder.id_number, None, 2)
    link_id = _hand_over(browser, federation.resolve("essc", "essc_qr", "", vouched, _ctx()))
    phone = make_phone()
    assert browser.send_code(phone, "register").status == 200
    created = finish(
        browser, link_id, proof="new_account", phone=phone, sms_code=last_code(phone), agreement_accepted=True
    )
    assert created.status == 200, created.body
    account = _account(holder)
    for provider in providers:
        if provider != "essc":
            assert accounts.put_link(
                provider, federation.subject_mac(provider, f"{provider}-x"), account.account_id, clock.now()
            )
    AccountModel(account.account_id).update(
        actions=[
            AccountModel.phone_mac.remove(),
            AccountModel.phone_cipher.remove(),
            AccountModel.phone_masked.remove(),
        ],
        add_version_condition=False,
    )
    return holder


def test_the_last_way_to_log_in_cannot_be_untied(browser):
    holder = _account_only_providers_log_into(browser, ["essc"])
    rows = _rows(browser.get("/api/account/links"))
    assert rows["essc"]["linked"] and not rows["essc"]["may_unlink"]
    reply = browser.delete("/api/account/links/essc")
    assert reply.status == 409 and reply.body["code"] == "link_last_method"
    assert set(_account(holder).links) == {"essc"}
    assert "唯一登录方式" in browser.get("/user/links").body["_text"]


def test_two_untyings_at_once_leave_one_way_to_log_in(app, browser):
    # GIVEN an account whose only ways in are two links
    holder = _account_only_providers_log_into(browser, ["essc", "alipay"])
    assert all(_rows(browser.get("/api/account/links"))[p]["may_unlink"] for p in ("essc", "alipay"))
    replies = []
    second = Browser(app)
    second.cookies = dict(browser.cookies)

    def untie(client, provider):
        replies.append(client.delete(f"/api/account/links/{provider}"))

    threads = [threading.Thread(target=untie, args=pair) for pair in ((browser, "essc"), (second, "alipay"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in replies) == [200, 409], [r.body for r in replies]
    assert [r.body["code"] for r in replies if r.status == 409] == ["link_last_method"]
    assert len(_account(holder).links) == 1


def test_only_redirect_providers_are_bound_from_the_page(browser):
    _linked_citizen(browser)
    rows = _rows(browser.get("/api/account/links"))
    assert rows["alipay"]["may_bind"] and not rows["essc"]["may_bind"] and not rows["jszw"]["may_bind"]
    reply = browser.post("/api/account/links/essc")
    assert reply.status == 400 and reply.body["code"] == "unknown_login_method"
    browser.delete("/api/sessions/current")
    anonymous = browser.post("/api/account/links/alipay")
    assert anonymous.status == 401 and anonymous.body["code"] == "unauthenticated"


def test_a_provider_untied_can_be_tied_again(browser):
    # GIVEN an account whose only link was untied (its links map is left empty, not absent)
    citizen = _linked_citizen(browser)
    assert browser.delete("/api/account/links/jszw").status == 200
    browser.delete("/api/sessions/current")
    # WHEN the provider's next login proves the account again THEN it is tied again
    assert finish_by_password(browser, jszw_link(browser, citizen), citizen.password).status == 200
    assert set(_account(citizen).links) == {"jszw"}
