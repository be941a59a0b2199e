"""Sessions end when they must: logout, a password change, 忘记密码找回, an account taken over by
用户申诉 (证件号码被占用), 退出其他设备, and the idle and absolute timeouts.

Each revocation test holds a browser's session cookie AND an app's bearer token from before the
event and shows that, replayed afterwards, neither opens the account any more, and that no
session of the account is left in the table. (账号注销 ends every session too: its test belongs
with the cancellation flow, tests/functional/ of the data-rights work; docs/security.md.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock, settings
from tests.support import AppClient, Browser, new_citizen


@pytest.fixture
def citizen(app):
    person = new_citizen()
    with Browser(app) as registering:
        assert registering.register(person).status == 201
        assert registering.delete("/api/sessions/current").status == 200
    return person


class Held:
    """What a thief could hold: a browser's cookies and an app's bearer token, taken before the event."""

    def __init__(self, app, citizen) -> None:
        self.browser = Browser(app)
        reply = self.browser.login_password(citizen.phone, citizen.password)
        assert reply.status == 200, reply.body
        self.cookies = dict(self.browser.cookies)
        self.app = AppClient(app)
        reply = self.app.login_password(citizen.id_number, citizen.password)
        assert reply.status == 200, reply.body
        self.token = reply.body["token"]
        self.app.token = self.token
        self._app_object = app
        assert self.works() == (True, True)

    def works(self) -> tuple[bool, bool]:
        """Whether the old cookie (in a fresh browser) and the old bearer token still open the account."""
        with Browser(self._app_object) as replay, AppClient(self._app_object) as app_replay:
            replay.cookies = dict(self.cookies)
            app_replay.token = self.token
            cookie_ok = replay.get("/api/me").status == 200
            page_logged_in = 'data-testid="current-user"' in replay.get("/").body["_text"]
            assert page_logged_in == cookie_ok  # the page agrees with the API
            return cookie_ok, app_replay.get("/api/me").status == 200

    def close(self) -> None:
        self.browser.__exit__(None, None, None)
        self.app.__exit__(None, None, None)


def _account_id(citizen) -> str:
    from chalicelib.citizen_data import phone_mac
    from chalicelib.store import accounts

    key = accounts.phone_claim_key(phone_mac(citizen.phone))
    return accounts.find_account_ids([key])[key]


def _stored_sessions(account_id: str) -> int:
    from chalicelib.store import tables
    from chalicelib.store.models import SessionModel

    tables.ready()
    return sum(1 for _ in SessionModel.by_account.query(account_id))


# -- revocation ---------------------------------------------------------------------------


def test_given_a_logout_then_the_old_cookie_and_the_apps_logged_out_token_open_nothing(app, citizen):
    held = Held(app, citizen)
    # WHEN the browser logs out, and the app logs out
    assert held.browser.delete("/api/sessions/current").status == 200
    assert held.works() == (False, True)  # each logout ends its own session only
    assert held.app.delete("/api/sessions/current").status == 200
    # THEN neither the replayed cookie nor the replayed token opens the account
    assert held.works() == (False, False)
    assert _stored_sessions(_account_id(citizen)) == 0
    held.close()


def test_given_a_password_change_then_every_other_cookie_and_token_open_nothing(app, citizen):
    held = Held(app, citizen)
    with Browser(app) as changing:
        assert changing.login_password(citizen.phone, citizen.password).status == 200
        # WHEN the citizen changes the password in another browser
        from tests.functional.test_account_security import _change_password

        reply = _change_password(changing, citizen.password)
        assert reply.status == 200, reply.body
        # THEN the held cookie and token are dead; only the changing browser's session is left
        assert held.works() == (False, False)
        assert changing.get("/api/me").status == 200
        assert _stored_sessions(_account_id(citizen)) == 1
    held.close()


def test_given_a_password_change_in_the_app_then_the_browsers_cookie_opens_nothing(app, citizen):
    held = Held(app, citizen)
    from tests.functional.test_account_security import NEW_PASSWORD, _change_password

    reply = _change_password(held.app, citizen.password)
    assert reply.status == 200, reply.body
    assert held.works() == (False, True)  # the app that changed it stays logged in
    assert held.app.login_password(citizen.phone, NEW_PASSWORD).status == 200
    held.close()


def test_given_a_recovery_then_every_cookie_and_token_of_the_account_open_nothing(app, citizen):
    from tests.functional.test_recovery import set_password, verified_by_sms

    held = Held(app, citizen)
    # WHEN someone (the citizen, or whoever holds the bound phone) finishes 忘记密码找回
    with Browser(app) as recovering:
        verified_by_sms(recovering, citizen)
        assert set_password(recovering).status == 200
    # THEN every session of the account is gone: the held cookie and token open nothing
    assert held.works() == (False, False)
    assert _stored_sessions(_account_id(citizen)) == 0
    held.close()


def test_given_a_take_over_by_appeal_then_the_previous_holders_cookie_and_token_open_nothing(app, browser):
    from tests.functional.test_appeals import _registered, _verified

    # GIVEN a squatter who registered someone else's ID, logged in in a browser and in the app
    appellant = new_citizen(name="陈小红")
    squatter = new_citizen(name="李四", id_number=appellant.id_number)
    registering, account_id = _registered(app, squatter)
    registering.__exit__(None, None, None)
    held = Held(app, squatter)
    assert _stored_sessions(account_id) == 3
    # WHEN the holder of the ID proves it by 人脸识别 and sets a new password (证件号码被占用)
    appeal_id, passed = _verified(browser, appellant, "id_number_taken")
    assert passed.status == 200, passed.body
    done = browser.post(
        f"/api/appeals/{appeal_id}/password", {"password": "Chen#Hong2025", "password_confirm": "Chen#Hong2025"}
    )
    assert done.status == 200, done.body
    # THEN every session of the account it took over is gone
    assert held.works() == (False, False)
    assert _stored_sessions(account_id) == 0
    held.close()


def test_given_leaving_other_devices_then_the_other_cookie_and_token_open_nothing(app, citizen):
    held = Held(app, citizen)
    with Browser(app) as here:
        assert here.login_password(citizen.phone, citizen.password).status == 200
        assert here.delete("/api/sessions/others").body["sessions_ended"] == 2
        assert held.works() == (False, False)
        assert here.get("/api/me").status == 200
    held.close()


# -- timeouts (the test clock is frozen and moved; nothing sleeps) ------------------------


@pytest.fixture
def frozen():
    """The clock frozen now, so the limits are met to the second (clock.reset() follows each test)."""
    clock.set_now(clock.now())


@pytest.mark.parametrize("client", ["browser", "app"])
def test_given_no_activity_for_the_idle_timeout_then_the_session_ends(app, citizen, client, frozen):
    idle = settings.get().session_idle
    assert idle == timedelta(minutes=30)
    held = Held(app, citizen)
    kind = 0 if client == "browser" else 1
    # GIVEN activity just before the idle limit, which slides the idle expiry on
    clock.advance(idle - timedelta(seconds=1))
    assert held.works()[kind]
    # WHEN nothing happens for the idle timeout after that
    clock.advance(idle - timedelta(seconds=1))
    assert held.works()[kind]  # (the last activity moved it on again)
    clock.advance(idle)
    # THEN the session has ended
    assert not held.works()[kind]
    held.close()


def test_given_activity_within_a_minute_then_the_idle_expiry_is_not_written_but_still_holds(app, citizen, frozen):
    from chalicelib import crypto
    from chalicelib.store import sessions as session_store

    held = Held(app, citizen)
    token_hash = crypto.hash_token(held.cookies["hall_session"])
    opened = session_store.get(token_hash)
    clock.advance(timedelta(seconds=30))
    assert held.works()[0]
    assert session_store.get(token_hash).expires_at == opened.expires_at  # one GetItem, no write
    clock.advance(timedelta(seconds=31))
    assert held.works()[0]
    assert session_store.get(token_hash).expires_at > opened.expires_at  # slid on, once a minute at most
    held.close()


@pytest.mark.parametrize("client", ["browser", "app"])
def test_given_steady_activity_then_the_session_still_ends_at_the_absolute_limit(app, citizen, client, frozen):
    absolute = settings.get().session_absolute
    assert absolute == timedelta(hours=12)
    held = Held(app, citizen)
    kind = 0 if client == "browser" else 1
    # GIVEN activity every 29 minutes for 11 h 36 min, then at 11 h 59 min
    for _ in range(24):
        clock.advance(timedelta(minutes=29))
        assert held.works()[kind]
    clock.advance(timedelta(minutes=23))
    assert held.works()[kind]
    # WHEN the twelfth hour since login is reached THEN the session ends, whatever the activity
    clock.advance(timedelta(minutes=1))
    assert not held.works()[kind]
    held.close()


def test_the_session_cookie_lives_no_longer_than_the_absolute_limit(browser, citizen):
    reply = browser.login_password(citizen.phone, citizen.password)
    raw = reply.headers["Set-Cookie"]
    (session_cookie,) = [value for value in raw if value.startswith("hall_session=")]
    assert f"Max-Age={int(settings.get().session_absolute.total_seconds())}" in session_cookie


# -- fixation ---------------------------------------------------------------------------


def test_given_a_session_cookie_planted_before_login_then_login_replaces_it_and_it_opens_nothing(app, citizen):
    import re

    from chalicelib import crypto
    from chalicelib.store import sessions as session_store

    with Browser(app) as victim, Browser(app) as attacker:
        # GIVEN the attacker's own session token planted in the victim's browser (fixation)
        assert attacker.login_password(citizen.phone, citizen.password).status == 200
        planted = attacker.cookies["hall_session"]
        victim.cookies["hall_session"] = planted
        attacker.delete("/api/sessions/current")  # ended: it must not come back to life either
        # WHEN the victim logs in
        reply = victim.login_password(citizen.id_number, citizen.password)
        assert reply.status == 200
        # THEN the hall issued a new token (a fresh 256-bit random value), never the planted one
        issued = victim.cookies["hall_session"]
        assert issued != planted and re.fullmatch(r"[A-Za-z0-9_-]{43,}", issued)
        assert session_store.get(crypto.hash_token(planted)) is None
        attacker.cookies["hall_session"] = planted
        assert attacker.get("/api/me").status == 401
