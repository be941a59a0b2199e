from tests.support import new_citizen


def test_register_then_login(browser):
    citizen = new_citizen()
    reply = browser.register(citizen)
    assert reply.status == 201, reply.body
    me = browser.get("/api/me")
    assert me.status == 200, me.body
    browser.delete("/api/sessions/current")
    assert browser.get("/api/me").status == 401
    assert browser.login_password(citizen.id_number, citizen.password).status == 200
    assert browser.login_sms(citizen.phone).status == 200
