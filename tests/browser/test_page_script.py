"""The page script's modules, each driven on its own in a real page under the hall's CSP.

GIVEN a hall page in Chromium (its CSP: script-src 'self'), and the modules under /static/
imported there as the pages import them,
THEN every data-module names a component and the modules load as JavaScript; the phone
check accepts exactly what the server accepts; an answer the hall did not write (a 502
page) or no answer at all says so in Chinese; and the poller keeps RFC 8628's rules:
slow_down adds 5 seconds, expired_token and access_denied stop it, and a hidden page is
not polled. Time is Playwright's fake clock: nothing here waits for real seconds.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from chalicelib.domain.identity import InvalidValue, validate_phone
from tests.browser.citizen import html_pages

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

STATIC = Path(__file__).resolve().parents[2] / "chalicelib/web/static"

SERVICE_UNAVAILABLE = "服务暂时不可用，请稍后再试"
NETWORK_FAILED = "网络异常，请稍后再试"
BAD_GATEWAY = "<html><body><h1>502 Bad Gateway</h1></body></html>"


# -- loading ------------------------------------------------------------------------------


def test_every_data_module_on_every_page_names_a_component(page: Page):
    unknown, seen = {}, set()
    for path in html_pages(page):
        names = page.evaluate(
            """async () => {
                 const { COMPONENTS } = await import("/static/hall.js");
                 const names = [...document.querySelectorAll("[data-module]")]
                   .flatMap((el) => el.dataset.module.split(/\\s+/)).filter(Boolean);
                 return { names, unknown: names.filter((name) => !(name in COMPONENTS)) };
               }"""
        )
        seen.update(names["names"])
        if names["unknown"]:
            unknown[path] = names["unknown"]
    assert unknown == {}
    assert {"api-form", "captcha-dialog", "sms-code", "tabs", "tab-link"} <= seen


def test_the_modules_are_served_as_javascript_that_a_page_may_run(page: Page):
    page.goto("/faq")
    for module in sorted(STATIC.glob("*.js")):
        reply = page.request.get(f"/static/{module.name}")
        assert reply.status == 200, module.name
        # A module script with any other type is refused by the browser (and nosniff is on).
        assert reply.headers["content-type"].startswith("text/javascript"), module.name
        assert page.evaluate("(url) => import(url).then(() => true)", f"/static/{module.name}")


# -- the phone check ----------------------------------------------------------------------

PHONES = [
    "13800138000",
    " 13800138000 ",
    "138 0013 8000",
    "138-0013-8000",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "+8613800138000",
    "１３８００１３８０００",  # full-width, as a Chinese input method types it
    "＋８６　１３８－００１３－８０００",
    "\u3000 13800138000\t",
    "138\t0013\t8000",  # a tab inside is not a space the server drops
    "8613800138000",
    "0086 13800138000",
    "12800138000",
    "1380013800",
    "138001380000",
    "1380013800a",
    "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits are not 0-9
    "+86",
    "",
    "   ",
]


def _server_says(raw: str) -> str:
    try:
        validate_phone(raw)
    except InvalidValue as exc:
        return str(exc)
    return ""


def test_the_phone_check_accepts_exactly_what_the_server_accepts(page: Page):
    page.goto("/register")
    client = page.evaluate(
        """async (phones) => {
             const { phoneError } = await import("/static/phone.js");
             return phones.map(phoneError);
           }""",
        PHONES,
    )
    assert dict(zip(PHONES, client, strict=True)) == {phone: _server_says(phone) for phone in PHONES}
    assert client.count("") == 10  # the check is not vacuous


# -- answers the hall did not write -------------------------------------------------------


def test_a_502_page_instead_of_the_halls_answer_says_the_service_is_unavailable(page: Page):
    # GIVEN a proxy in front of the hall that answers logins with its own HTML error page
    page.route("**/api/sessions", lambda route: route.fulfill(status=502, content_type="text/html", body=BAD_GATEWAY))
    page.goto("/login")
    form = page.locator("#password-form")
    form.get_by_label("证件号码/移动电话").fill("13800138000")
    form.get_by_label("密码", exact=True).fill("Jshall#2024")
    # WHEN the citizen logs in
    form.get_by_role("button", name="登录").click()
    # THEN the form says the service is unavailable, and can be sent again
    expect(form.get_by_role("alert")).to_have_text(SERVICE_UNAVAILABLE)
    expect(form.get_by_role("button", name="登录")).to_be_enabled()


def test_a_captcha_that_cannot_be_loaded_or_answered_says_why_in_the_dialog(page: Page):
    # GIVEN the captcha service answering with a gateway's page, then not at all
    page.route("**/api/captchas", lambda route: route.fulfill(status=504, content_type="text/html", body="timeout"))
    page.goto("/login?tab=sms")
    page.get_by_role("tabpanel", name="手机动态码").get_by_label("移动电话").fill("13800138000")
    page.get_by_role("button", name="获取验证码").click()
    dialog = page.get_by_role("dialog", name="图形验证码")
    expect(dialog.get_by_role("alert")).to_have_text(SERVICE_UNAVAILABLE)
    page.unroute("**/api/captchas")
    dialog.get_by_role("button", name="看不清，换一张").click()
    expect(page.locator("#captcha-id")).not_to_have_value("")
    expect(page.locator("#captcha-error")).to_be_empty()
    # WHEN the connection drops as the answer is sent
    page.route("**/api/sms-codes", lambda route: route.abort("connectionfailed"))
    dialog.get_by_label("图形验证码", exact=True).fill("ABCD")
    dialog.get_by_role("button", name="确认").click()
    # THEN the dialog stays open and says so
    expect(dialog.get_by_role("alert")).to_have_text(NETWORK_FAILED)
    expect(dialog).to_be_visible()


# -- the poller ---------------------------------------------------------------------------

START = datetime(2025, 3, 1, 9, 0, 0)

START_POLLING = """async ([url, interval]) => {
  const { startPolling } = await import("/static/poller.js");
  window.pollLog = [];
  const started = Date.now();
  const log = (what) => (data) => window.pollLog.push([what, Date.now() - started, data.status || data.code || ""]);
  window.poller = startPolling({
    url, interval,
    onApproved: log("approved"), onPending: log("pending"), onExpired: log("expired"),
    onDenied: log("denied"), onError: log("error"),
  });
}"""

SET_HIDDEN = """(hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


class FakeEndpoint:
    """Answers the poller's requests from a script of (status, JSON body or text), counting them."""

    def __init__(self, page: Page, answers: list[tuple[int, dict | str]]) -> None:
        self.answers = list(answers)
        self.requests = 0
        page.route("**/api/test-poll", self.answer)

    def answer(self, route: Route) -> None:
        self.requests += 1
        status, body = self.answers.pop(0)
        if isinstance(body, dict):
            route.fulfill(status=status, json=body)
        else:
            route.fulfill(status=status, content_type="text/html", body=body)


def _poller_page(page: Page, answers) -> FakeEndpoint:
    page.clock.install(time=START)
    page.goto("/faq")
    page.clock.pause_at(datetime(2025, 3, 1, 9, 1, 0))
    endpoint = FakeEndpoint(page, answers)
    page.evaluate(START_POLLING, ["/api/test-poll", 5])
    return endpoint


def _log(page: Page, entries: int) -> list:
    page.wait_for_function("(n) => window.pollLog.length >= n", arg=entries, polling=20)
    return page.evaluate("() => window.pollLog")


def _nothing_asked_during(page: Page, endpoint: FakeEndpoint, milliseconds: int) -> None:
    before = endpoint.requests
    page.clock.run_for(milliseconds)
    page.wait_for_timeout(150)  # real time: a request the clock let out would have arrived
    assert endpoint.requests == before


def test_the_poller_waits_the_interval_and_slow_down_adds_five_seconds(page: Page):
    endpoint = _poller_page(
        page,
        [
            (202, {"status": "authorization_pending", "flow_id": "f1"}),
            (400, {"code": "slow_down", "message": "操作过于频繁，请稍后再试"}),  # a refusal's code is read too
            (202, {"status": "authorization_pending", "flow_id": "f1"}),
            (200, {"user": {"name": "陈*"}}),
        ],
    )
    # Nothing before the first interval (5 s), then one request
    _nothing_asked_during(page, endpoint, 4_990)
    page.clock.run_for(10)
    assert _log(page, 1) == [["pending", 5_000, "authorization_pending"]]
    page.clock.run_for(5_000)
    assert _log(page, 2)[-1] == ["pending", 10_000, "slow_down"]
    assert page.evaluate("() => window.poller.interval") == 10
    # slow_down: the next request waits 10 s, not 5
    _nothing_asked_during(page, endpoint, 9_990)
    page.clock.run_for(10)
    assert _log(page, 3)[-1] == ["pending", 20_000, "authorization_pending"]
    # and so does every later one
    _nothing_asked_during(page, endpoint, 9_990)
    page.clock.run_for(10)
    assert _log(page, 4)[-1] == ["approved", 30_000, ""]
    # A result ends the polling.
    _nothing_asked_during(page, endpoint, 120_000)
    assert endpoint.requests == 4


def test_the_poller_pauses_while_the_page_is_hidden_and_resumes_when_shown(page: Page):
    endpoint = _poller_page(
        page,
        [(202, {"status": "authorization_pending", "flow_id": "f1"}), (200, {"user": {"name": "陈*"}})],
    )
    page.clock.run_for(5_000)
    assert _log(page, 1) == [["pending", 5_000, "authorization_pending"]]
    # WHEN the citizen switches to another tab THEN nothing is asked, however long
    page.evaluate(SET_HIDDEN, True)
    _nothing_asked_during(page, endpoint, 600_000)
    assert endpoint.requests == 1
    # WHEN they come back THEN the poll that was due is made at once
    page.evaluate(SET_HIDDEN, False)
    page.clock.run_for(1)
    assert _log(page, 2)[-1][0] == "approved"
    assert endpoint.requests == 2


def test_the_poller_waits_at_least_what_the_hall_asks_in_poll_after(page: Page):
    endpoint = _poller_page(
        page,
        [(202, {"status": "authorization_pending", "flow_id": "f1", "poll_after": 30}), (200, {"user": {}})],
    )
    page.clock.run_for(5_000)
    assert _log(page, 1) == [["pending", 5_000, "authorization_pending"]]
    _nothing_asked_during(page, endpoint, 29_990)
    page.clock.run_for(10)
    assert _log(page, 2)[-1] == ["approved", 35_000, ""]


def test_coming_back_early_keeps_the_interval(page: Page):
    endpoint = _poller_page(page, [(200, {"user": {}})])
    page.clock.run_for(2_000)
    page.evaluate(SET_HIDDEN, True)
    page.clock.run_for(1_000)
    page.evaluate(SET_HIDDEN, False)
    # Shown again 3 s after the start: the first request still waits for 5 s.
    _nothing_asked_during(page, endpoint, 1_990)
    page.clock.run_for(10)
    assert _log(page, 1) == [["approved", 5_000, ""]]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ((400, {"code": "expired_token", "message": "二维码已失效"}), "expired"),
        ((202, {"status": "access_denied", "flow_id": "f1"}), "denied"),
        ((400, {"code": "validation_failed", "message": "请检查填写的信息"}), "error"),
    ],
)
def test_expired_denied_and_other_refusals_stop_the_poller(page: Page, answer, outcome):
    endpoint = _poller_page(page, [answer])
    page.clock.run_for(5_000)
    assert _log(page, 1)[0][0] == outcome
    _nothing_asked_during(page, endpoint, 120_000)
    assert endpoint.requests == 1


def test_an_answer_the_hall_did_not_write_backs_off_and_polling_goes_on(page: Page):
    endpoint = _poller_page(
        page,
        [
            (502, BAD_GATEWAY),
            (503, BAD_GATEWAY),
            (202, {"status": "authorization_pending", "flow_id": "f1"}),
            (200, {"user": {}}),
        ],
    )
    page.clock.run_for(5_000)
    page.wait_for_timeout(150)
    assert endpoint.requests == 1
    # Twice the interval after the first failure, four times after the second
    _nothing_asked_during(page, endpoint, 9_990)
    page.clock.run_for(10)
    page.wait_for_timeout(150)
    assert endpoint.requests == 2
    _nothing_asked_during(page, endpoint, 19_990)
    page.clock.run_for(10)
    assert _log(page, 1) == [["pending", 35_000, "authorization_pending"]]
    # An answer resets the backoff: the interval again.
    page.clock.run_for(5_000)
    assert _log(page, 2)[-1] == ["approved", 40_000, ""]


def test_stop_ends_the_polling(page: Page):
    endpoint = _poller_page(page, [])
    page.evaluate("() => window.poller.stop()")
    _nothing_asked_during(page, endpoint, 60_000)
    assert endpoint.requests == 0
