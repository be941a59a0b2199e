"""``python -m chalicelib.ops cases ...``: the back office's local counterpart, from a shell.

``cases finish <办件编号>`` has the local back office (devtools/stubs/back_office.py, its test-only
key) sign the 办结 callback the real back office sends, and hands it to the hall's callback flow,
which checks it exactly as ``POST /api/back-office/callback`` does. Dev stage only: outside it the
hall accepts only the real back office's key (``HALL_BACK_OFFICE_PUBLIC_KEY``), so the command is
refused. Also: the demo citizens' cases (:func:`seed_demo`), used by ``seed-demo``.
"""

from __future__ import annotations

import json

from chalicelib import clock
from chalicelib.errors import HallError

__all__ = ["add_commands", "seed_demo"]


def _finish(args) -> int:
    from chalicelib import settings
    from chalicelib.domain import cases as rules
    from chalicelib.flows.user_center import cases

    if not settings.get().is_dev:
        print("refused: the local back office exists only in the dev stage")
        return 2
    from devtools.stubs import back_office  # dev only: not in the deployed package

    try:
        number = rules.normalize_case_id(args.case_id)
        now = clock.now()
        answer = cases.back_office_update(back_office.callback(number, clock.to_epoch(now), note=args.note), now)
    except rules.InvalidValue as exc:
        print(f"refused: {exc}")
        return 2
    except HallError as exc:
        print(f"refused: {exc.code}: {exc.message} {json.dumps(exc.fields, ensure_ascii=False)}")
        return 1
    print(f"{answer['case_id']}  已办结 (finished): now 待评价 for the citizen")
    return 0


def add_commands(commands) -> None:
    parser = commands.add_parser("cases", help="办件: the back office's local counterpart (dev)")
    sub = parser.add_subparsers(dest="cases_command", required=True)
    finish = sub.add_parser("finish", help="move a case from 办理中 to 已办结 (as the back office does)")
    finish.add_argument("case_id", help="the 办件编号 (22 digits)")
    finish.add_argument("--note", default="经审核，准予办理", help="the back office's 办结意见")
    finish.set_defaults(run=_finish)


# The demo citizens' cases: (service code, finished by the back office?, evaluated grade or None).
_DEMO_CASES = (
    ("SB0006", False, None),  # 失业保险关系转出: 办理中
    ("JY0002", True, None),  # 失业待遇续发: 已办结, 待评价
    ("SB0005", True, "very_satisfied"),  # 灵活就业人员…参保登记: 已办结, 已评价
)


def seed_demo(account, now) -> list[str]:
    """A few cases for a new demo account, made as the hall makes them (a 实名 account only)."""
    import secrets
    from datetime import timedelta
    from types import SimpleNamespace

    from chalicelib.context import RequestContext
    from chalicelib.flows.user_center import cases

    if account.level < 2:
        return []
    # The flow reads only who applies and at what level (a session's snapshot).
    session = SimpleNamespace(account_id=account.account_id, level=account.level)
    lines = []
    for index, (code, finished, grade) in enumerate(_DEMO_CASES):
        service = cases.service_for(code)
        fields = {f["name"]: _demo_value(f) for f in service.form_fields if f["required"]}
        at = now - timedelta(days=3 * (len(_DEMO_CASES) - index))
        form = cases.ApplicationForm(idempotency_key=secrets.token_hex(16), fields=fields)
        case, _ = cases.apply(session, code, form, RequestContext(client_ip="127.0.0.1", now=at))
        if finished:
            from chalicelib.store import cases as store

            store.finish(account.account_id, case["case_id"], at + timedelta(days=1), "back_office", "经审核，准予办理")
            if grade:
                form = cases.EvaluationForm(grade=grade)
                cases.evaluate(session, case["case_id"], form, RequestContext(now=at + timedelta(days=2)))
        lines.append(f"case     {case['case_id']} {service.name}")
    return lines


def _demo_value(field) -> str:
    return {"phone": "13912345678", "date": "2024-07-01", "number": "1", "textarea": "本人申请办理。"}.get(
        field["kind"], "江苏省南京市"
    )
