"""``python -m chalicelib.ops notices ...``: 公示公告 published, listed and withdrawn from a shell.

    notices publish --title 标题 --body-file 正文.txt [--department 发布单位]
    notices list
    notices withdraw <公告编号>

Also the demo's notices (:func:`seed_demo`), each under a fixed id, so seeding twice writes once.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from chalicelib import clock
from chalicelib.domain import notices as rules

__all__ = ["DEMO", "add_commands", "seed_demo"]

DEMO = (
    (
        "20261105090000-0001",
        "关于开展2026年度社会保险待遇领取资格认证工作的通知",
        "各位参保人员：\n根据工作安排，2026年度社会保险待遇领取资格认证工作已全面开展。领取养老保险待遇的人员可通过"
        "网上办事服务大厅“领取养老金资格认证”事项或江苏智慧人社APP完成认证，无需前往经办机构。\n特此通知。",
    ),
    (
        "20261118100000-0002",
        "关于公布2026年江苏省考试录用公务员笔试成绩的公告",
        "2026年江苏省考试录用公务员笔试成绩已公布，考生可通过网上办事服务大厅“公务员考试成绩查询”事项查询本人成绩。"
        "对成绩有异议的，请于公告发布之日起5个工作日内提出复核申请。",
    ),
    (
        "20261125150000-0003",
        "网上办事服务大厅系统维护公告",
        "为提升服务质量，网上办事服务大厅将于本周六22:00至次日6:00进行系统维护，维护期间部分事项暂停办理，"
        "给您带来的不便敬请谅解。",
    ),
)


def seed_demo(now: datetime) -> list[str]:
    from chalicelib.flows import notices
    from chalicelib.store.notices import NoticeExistsError

    lines = []
    for notice_id, title, body in DEMO:
        published = datetime.strptime(notice_id[:14], "%Y%m%d%H%M%S").replace(tzinfo=clock.CHINA)
        try:
            notices.publish(title, body, rules.DEPARTMENT, min(published, now), notice_id=notice_id)
            lines.append(f"published  公示公告 {notice_id} {title}")
        except NoticeExistsError:
            lines.append(f"kept  公示公告 {notice_id} (already published)")
    return lines


def _publish(args) -> int:
    from chalicelib.flows import notices

    body = Path(args.body_file).read_text("utf-8") if args.body_file else (args.body or "")
    try:
        notice = notices.publish(args.title, body, args.department, clock.now())
    except rules.InvalidValue as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(f"published  {notice.notice_id}  /hall/notices/{notice.notice_id}  {notice.title}")
    return 0


def _list(_args) -> int:
    from chalicelib.flows import notices

    after = None
    while True:
        page = notices.page(after)
        for notice in page.notices:
            print(f"{notice.notice_id}  {notice.published_at.astimezone(clock.CHINA):%Y-%m-%d}  {notice.title}")
        if page.next_after is None:
            return 0
        after = page.next_after


def _withdraw(args) -> int:
    from chalicelib.flows import notices

    if not notices.withdraw(args.notice_id):
        print(f"refused: no notice {args.notice_id}", file=sys.stderr)
        return 1
    print(f"withdrawn  {args.notice_id}")
    return 0


def add_commands(commands) -> None:
    """The ``notices`` command and its subcommands, on the ops command line's parser."""
    notices = commands.add_parser("notices", help="公示公告: publish, list, withdraw")
    sub = notices.add_subparsers(dest="notices_command", required=True)
    publish = sub.add_parser("publish", help="publish a notice")
    publish.add_argument("--title", required=True)
    text = publish.add_mutually_exclusive_group(required=True)
    text.add_argument("--body", help="the notice's text")
    text.add_argument("--body-file", help="a UTF-8 file holding the notice's text")
    publish.add_argument("--department", default=rules.DEPARTMENT)
    publish.set_defaults(run=_publish)
    sub.add_parser("list", help="the published notices, newest first").set_defaults(run=_list)
    withdraw = sub.add_parser("withdraw", help="withdraw a notice")
    withdraw.add_argument("notice_id")
    withdraw.set_defaults(run=_withdraw)
