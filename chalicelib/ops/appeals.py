"""``python -m chalicelib.ops appeals ...``: staff work on 用户申诉 tickets from the command line.

The same rules as the staff API (chalicelib.flows.appeals): list by status, show one (with the
citizen's text), comment, resolve, reject; each change is recorded in the ticket's history under
``--operator`` (default: the login name). Identifiers are printed masked.
"""

from __future__ import annotations

import getpass
import json

from chalicelib import clock
from chalicelib.errors import HallError

__all__ = ["add_commands"]


def _operator(args) -> str:
    return f"ops:{args.operator or getpass.getuser()}"


def _print_one(view: dict) -> None:
    print(f"{view['appeal_id']}  {view['appeal_type_label']}  {view['status_label']} ({view['status']})")
    for key in ("category_label", "phone_masked", "id_masked", "name_masked", "account_id", "filed_at"):
        if view.get(key):
            print(f"  {key:<15} {view[key]}")
    if view.get("text"):
        print("  text:")
        for line in view["text"].splitlines():
            print(f"    {line}")
    print("  history:")
    for change in view["history"]:
        note = f"  {change['note']}" if change.get("note") else ""
        print(f"    {change['at']}  {change['status']:<12} {change['by']}{note}")


def _run(action):
    def run(args) -> int:
        try:
            return action(args)
        except HallError as exc:
            print(f"refused: {exc.code}: {exc.message} {json.dumps(exc.fields, ensure_ascii=False)}")
            return 1

    return run


def _list(args) -> int:
    from chalicelib.flows import appeals

    found = appeals.staff_list(args.status, args.limit)
    for view in found:
        extra = view.get("category_label") or view.get("id_masked") or ""
        print(f"{view['appeal_id']}  {view['filed_at']}  {view['appeal_type_label']:<8} {view['status']:<12} {extra}")
    print(f"{len(found)} appeal(s) {args.status or 'open'}")
    return 0


def _show(args) -> int:
    from chalicelib.flows import appeals

    _print_one(appeals.staff_get(args.appeal_id))
    return 0


def _comment(args) -> int:
    from chalicelib.flows import appeals

    _print_one(appeals.staff_comment(args.appeal_id, appeals.NoteForm(args.note), _operator(args), clock.now()))
    return 0


def _decide(decision: str):
    def decide(args) -> int:
        from chalicelib.flows import appeals

        form = appeals.DecisionForm(decision, args.note)
        _print_one(appeals.staff_decide(args.appeal_id, form, _operator(args), clock.now()))
        return 0

    return decide


def _credential(_args) -> int:
    from chalicelib.flows import appeals

    print(appeals.operator_credential())
    return 0


def add_commands(commands) -> None:
    """The ``appeals`` command and its subcommands, on the ops parser's subparsers."""
    appeals_parser = commands.add_parser("appeals", help="用户申诉 tickets: list, show, comment, resolve, reject")
    sub = appeals_parser.add_subparsers(dest="appeals_command", required=True)
    listing = sub.add_parser("list", help="appeals in one status (default: open), oldest first")
    listing.add_argument("--status", default="open")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=_run(_list))
    show = sub.add_parser("show", help="one appeal with its text and history")
    show.add_argument("appeal_id")
    show.set_defaults(run=_run(_show))
    for name, action, text in (
        ("comment", _comment, "add a comment the citizen sees (the ticket becomes 处理中)"),
        ("resolve", _decide("resolve"), "办结: close the ticket as resolved, with the answer to the citizen"),
        ("reject", _decide("reject"), "驳回: close the ticket as rejected, with the reason"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("appeal_id")
        command.add_argument("--note", required=True)
        command.add_argument("--operator", default=None, help="who acts (default: the login name)")
        command.set_defaults(run=_run(action))
    sub.add_parser("credential", help="the dev stage's operator credential for the staff API").set_defaults(
        run=_run(_credential)
    )
