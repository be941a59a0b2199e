"""收藏 (favourites): add and remove from any service card, idempotent, only when logged in.

GIVEN the hall's API and its catalogue,
WHEN a citizen adds and removes favourites (twice, in parallel, logged out, without CSRF),
THEN each service is a favourite at most once, every repeat answers the same state, the list is
one Query, and the pages mark the favourites on their cards (aria-pressed).
"""

from __future__ import annotations

import threading
from datetime import timedelta

from chalicelib import clock
from tests.support import Browser, new_citizen

INJURY = "SB0001"  # 工伤认定
CARD_LOSS = "KA0001"  # 社会保障卡正式挂失


def _logged_in(browser):
    reply = browser.register(new_citizen())
    assert reply.status == 201, reply.body
    return browser


def _listed(browser) -> list[str]:
    reply = browser.get("/api/favourites")
    assert reply.status == 200, reply.body
    return [f["code"] for f in reply.body["favourites"]]


def test_adding_twice_keeps_one_favourite_and_removing_twice_leaves_none(browser):
    # GIVEN a logged-in citizen
    _logged_in(browser)
    # WHEN they add 工伤认定 twice
    first = browser.request("PUT", f"/api/favourites/{INJURY}")
    second = browser.request("PUT", f"/api/favourites/{INJURY}")
    # THEN both answer that it is a favourite, and it is listed once, with its name and page
    assert (first.status, first.body["favourite"]) == (200, True), first.body
    assert (second.status, second.body["favourite"]) == (200, True), second.body
    assert first.body["message"] == "已收藏“工伤认定”"
    listed = browser.get("/api/favourites").body["favourites"]
    assert [(f["code"], f["name"], f["href"]) for f in listed] == [(INJURY, "工伤认定", f"/services/{INJURY}")]
    # WHEN they remove it twice THEN both answer that it is not, and nothing is listed
    for _ in range(2):
        removed = browser.delete(f"/api/favourites/{INJURY}")
        assert (removed.status, removed.body["favourite"]) == (200, False), removed.body
    assert removed.body["message"] == "已取消收藏“工伤认定”"
    assert _listed(browser) == []


def test_a_repeated_add_keeps_the_first_time_and_the_list_is_newest_first(browser):
    _logged_in(browser)
    browser.request("PUT", f"/api/favourites/{INJURY}")
    first_time = browser.get("/api/favourites").body["favourites"][0]["added_at"]
    clock.advance(timedelta(minutes=5))
    browser.request("PUT", f"/api/favourites/{CARD_LOSS}")
    browser.request("PUT", f"/api/favourites/{INJURY}")  # again: changes nothing
    listed = browser.get("/api/favourites").body["favourites"]
    assert [f["code"] for f in listed] == [CARD_LOSS, INJURY]
    assert listed[1]["added_at"] == first_time


def test_codes_are_read_as_typed_full_width_and_lower_case_too(browser):
    _logged_in(browser)
    assert browser.request("PUT", "/api/favourites/ｓｂ０００１").status == 200
    assert _listed(browser) == [INJURY]
    assert browser.delete("/api/favourites/sb0001").body["code"] == INJURY
    assert _listed(browser) == []


def test_parallel_adds_of_one_service_leave_one_favourite(app, browser):
    # GIVEN a citizen's session in ten tabs
    _logged_in(browser)
    tabs = []
    for _ in range(10):
        tab = Browser(app)
        tab.cookies.update(browser.cookies)
        tabs.append(tab)
    barrier = threading.Barrier(len(tabs))
    statuses: list[int] = []

    def add(tab):
        barrier.wait()
        statuses.append(tab.request("PUT", f"/api/favourites/{CARD_LOSS}").status)

    # WHEN all of them add the same service at once
    threads = [threading.Thread(target=add, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every tab is told it is a favourite, and it is one favourite
    assert statuses == [200] * len(tabs)
    assert _listed(browser) == [CARD_LOSS]


def test_favourites_need_a_login(browser):
    # GIVEN a visitor not logged in
    for method, path in (
        ("GET", "/api/favourites"),
        ("PUT", f"/api/favourites/{INJURY}"),
        ("DELETE", f"/api/favourites/{INJURY}"),
    ):
        reply = browser.request(method, path)
        # THEN each is refused as 请先登录
        assert (reply.status, reply.body["code"]) == (401, "unauthenticated"), (method, reply.body)
        assert reply.body["message"] == "请先登录"


def test_a_change_without_the_csrf_header_is_refused(browser):
    _logged_in(browser)
    browser.send_csrf = False
    reply = browser.request("PUT", f"/api/favourites/{INJURY}")
    assert (reply.status, reply.body["code"]) == (403, "csrf_failed")
    browser.send_csrf = True
    assert _listed(browser) == []


def test_a_service_the_catalogue_does_not_hold_cannot_be_added(browser):
    _logged_in(browser)
    for code in ("ZZ9999", "not-a-code"):
        reply = browser.request("PUT", f"/api/favourites/{code}")
        assert (reply.status, reply.body["code"]) == (404, "not_found"), reply.body
    assert _listed(browser) == []


def test_the_pages_mark_favourites_on_their_cards(browser):
    # GIVEN a citizen who favourited 工伤认定
    _logged_in(browser)
    browser.request("PUT", f"/api/favourites/{INJURY}")
    # THEN its cards on the catalogue's pages are pressed, and another service's are not
    for page in ("/hall/personal", "/hall/catalog?theme=社会保险", f"/services/{INJURY}", "/search?q=工伤认定"):
        html = browser.get(page).body["_text"]
        assert f'data-code="{INJURY}" aria-pressed="true"' in html, page
    html = browser.get("/hall/personal").body["_text"]
    assert 'data-code="SB0002" aria-pressed="false"' in html


def test_a_visitor_sees_no_favourite_buttons(browser):
    html = browser.get("/hall/personal").body["_text"]
    assert 'data-module="favourite"' not in html
    assert "后可收藏事项" in html


def test_listing_favourites_is_one_query(browser, monkeypatch):
    import botocore.client

    _logged_in(browser)
    for code in (INJURY, CARD_LOSS, "SB0002"):
        browser.request("PUT", f"/api/favourites/{code}")
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    assert len(_listed(browser)) == 3
    assert [c for c in calls if c != "GetItem"] == ["Query"]  # the session's GetItem, then one Query


def test_the_user_centers_favourites_tab_lists_them_and_recommendations_leave_them_out(browser):
    # GIVEN a citizen who favourited 工伤认定
    _logged_in(browser)
    browser.request("PUT", f"/api/favourites/{INJURY}")
    html = browser.get("/user").body["_text"]
    # THEN 个人中心's lower half has the four tabs, 收藏 counting one
    assert "推荐</button>" in html and "办事</button>" in html and "查询</button>" in html
    assert "收藏（1）</button>" in html
    favourites_panel = html[html.index('id="user-panel-favourites"') :]
    recommended_panel = html[html.index('id="user-panel-recommended"') : html.index('id="user-panel-apply"')]
    assert f'href="/services/{INJURY}"' in favourites_panel
    assert f'href="/services/{INJURY}"' not in recommended_panel
