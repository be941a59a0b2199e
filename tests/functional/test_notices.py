"""公示公告 (notices): published with the ops command line, listed newest first a page at a time.

GIVEN the hall's API and the ops command line,
WHEN the operator publishes and withdraws notices,
THEN /hall/notices lists them newest first (one Query a page), each opens on its own page, and a
withdrawn or unknown notice answers the HTML 404 page.
"""

from __future__ import annotations

import re
from datetime import timedelta

from chalicelib import clock
from chalicelib.ops.__main__ import main


def _published(capsys, title: str, body: str = "正文第一段。\n正文第二段。") -> str:
    assert main(["notices", "publish", "--title", title, "--body", body]) == 0
    out = capsys.readouterr().out
    return re.search(r"published  (\S+)", out).group(1)


def test_the_operator_publishes_a_notice_that_everyone_can_read(browser, capsys):
    notice_id = _published(capsys, "关于调整社会保险缴费基数的通知")
    listed = browser.get("/hall/notices").body["_text"]
    assert f'href="/hall/notices/{notice_id}"' in listed and "关于调整社会保险缴费基数的通知" in listed
    page = browser.get(f"/hall/notices/{notice_id}")
    assert page.status == 200
    assert "<p>正文第一段。</p>" in page.body["_text"] and "<p>正文第二段。</p>" in page.body["_text"]
    assert "发布单位：江苏省人力资源和社会保障厅" in page.body["_text"]


def test_notices_are_listed_newest_first_a_page_at_a_time(browser, capsys):
    ids = []
    for number in range(12):
        ids.append(_published(capsys, f"第{number + 1}号公告"))
        clock.advance(timedelta(minutes=1))
    first = browser.get("/hall/notices").body["_text"]
    shown = re.findall(r'href="/hall/notices/([0-9-]+)"', first)
    assert shown == ids[::-1][:10]
    after = re.search(r'href="/hall/notices\?after=([0-9-]+)"', first).group(1)
    second = browser.get(f"/hall/notices?after={after}").body["_text"]
    assert re.findall(r'href="/hall/notices/([0-9-]+)"', second) == ids[::-1][10:]
    assert "更早的公告" not in second


def test_a_withdrawn_or_unknown_notice_answers_the_404_page(browser, capsys):
    notice_id = _published(capsys, "将被撤回的公告")
    assert main(["notices", "withdraw", notice_id]) == 0
    assert main(["notices", "withdraw", notice_id]) == 1
    for path in (f"/hall/notices/{notice_id}", "/hall/notices/not-an-id", "/hall/notices/20260101000000-0000"):
        reply = browser.get(path)
        assert reply.status == 404 and "页面不存在" in reply.body["_text"], path


def test_an_empty_title_or_body_is_refused(capsys):
    assert main(["notices", "publish", "--title", " ", "--body", "正文"]) == 2
    assert main(["notices", "publish", "--title", "标题", "--body", ""]) == 2
    assert "refused" in capsys.readouterr().err


def test_the_demo_notices_are_seeded_once(browser):
    from chalicelib.ops import notices

    first = notices.seed_demo(clock.now())
    again = notices.seed_demo(clock.now())
    assert all(line.startswith("published") for line in first) and len(first) == len(notices.DEMO)
    assert all("already published" in line for line in again)
    assert "网上办事服务大厅系统维护公告" in browser.get("/hall/notices").body["_text"]
