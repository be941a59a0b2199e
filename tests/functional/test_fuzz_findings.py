"""What the schemathesis run (tests/fuzz) found, kept as plain API tests."""

from __future__ import annotations

from tests.support import new_citizen


def test_an_error_says_it_is_json(browser):
    # A Response built with the error shape's dict carried no Content-Type (API Gateway would
    # add one; chalice local and the test client did not): the middleware now names it.
    reply = browser.post("/api/captchas", {"kind": "AAA"})
    assert reply.status == 400 and reply.body["code"] == "validation_failed"
    assert reply.headers["Content-Type"] == "application/json"


def test_a_crash_says_it_is_json_too(browser, monkeypatch):
    from chalicelib.flows import login

    def explode(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(login, "begin", explode)
    reply = browser.post("/api/sessions", {"method": "password", "identifier": "a", "password": "b"})
    assert reply.status == 500 and reply.body["code"] == "internal_error"
    assert reply.headers["Content-Type"] == "application/json"


def _html_404(reply) -> None:
    assert reply.status == 404
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "code" not in reply.body  # a page, not the JSON error shape


def test_an_unknown_records_menu_is_the_html_404_page(browser):
    # Unknown record kinds answered the JSON error shape on a page URL (documented: an HTML page).
    _html_404(browser.get("/user/records/nope"))
    assert browser.register(new_citizen()).status == 201
    _html_404(browser.get("/user/records/nope"))


def test_an_unknown_case_page_is_the_html_404_page(browser):
    # 办件详情 of a case the citizen does not have answered the JSON error shape on a page URL.
    assert browser.register(new_citizen()).status == 201
    _html_404(browser.get("/user/cases/0"))
