"""python -m chalicelib.ops <command>: the operator's routine tasks."""

from __future__ import annotations

import argparse
import json
import sys

from chalicelib import clock
from chalicelib.domain.identity import InvalidValue


def _identifier_args(parser: argparse.ArgumentParser, account_id: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--phone", help="the citizen's mobile number")
    group.add_argument("--id-number", help="the citizen's ID number (any document type)")
    if account_id:
        group.add_argument("--account-id", help="an account's id (a deleted account's events stay under it)")


def create_tables(_args) -> int:
    from chalicelib.store import tables

    created = tables.create_all()
    print("created: " + (", ".join(created) if created else "nothing (all tables exist)"))
    return 0


def seed_demo(args) -> int:
    from chalicelib.ops import demo

    for line in demo.seed(args.file):
        print(line)
    return 0


def unlock(args) -> int:
    from chalicelib.ops import lookup
    from chalicelib.store import audit, lockouts

    now = clock.now()
    for subject in lookup.subjects(args.phone, args.id_number):
        lockouts.clear(subject)
        audit.record(subject, "LockReleased", now, method="password", reason="operator")
    print("unlocked: password login is open again for this identifier")
    return 0


def events(args) -> int:
    from chalicelib.ops import lookup
    from chalicelib.store import audit

    if getattr(args, "account_id", None):
        # By the account's random id: a deleted (注销) account's pseudonymous events, or any account's.
        from chalicelib.store.lockouts import account_subject

        print(f"account {args.account_id}")
        for e in audit.for_subject(account_subject(args.account_id.strip()), limit=args.limit):
            detail = json.dumps(e.detail, ensure_ascii=False) if e.detail else ""
            print(f"{e.at}  {e.event:<16} {e.method or '-':<12} {detail}")
        return 0
    account = lookup.find_account(args.phone, args.id_number)
    if account is not None:
        print(f"account {account.account_id}  {account.name_masked}  {account.id_masked}  {account.phone_masked}")
    else:
        print("no account holds this identifier; showing events of the identifier itself")
    for subject in lookup.subjects(args.phone, args.id_number):
        for e in audit.for_subject(subject, limit=args.limit):
            detail = json.dumps(e.detail, ensure_ascii=False) if e.detail else ""
            print(f"{e.at}  {e.event:<16} {e.method or '-':<12} {detail}")
    return 0


def keys_generate(_args) -> int:
    from chalicelib import crypto

    print(json.dumps(crypto.generate_keys_document(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.ops", description="江苏人社网上办事服务大厅 operator tasks"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create-tables", help="create missing tables (local stacks)").set_defaults(run=create_tables)
    seed = commands.add_parser("seed-demo", help="create the demo accounts (dev only)")
    seed.add_argument("--file", default="demo/citizens.json")
    seed.set_defaults(run=seed_demo)
    unlock_parser = commands.add_parser("unlock", help="lift a password lock")
    _identifier_args(unlock_parser)
    unlock_parser.set_defaults(run=unlock)
    events_parser = commands.add_parser("events", help="a citizen's security events, newest first")
    _identifier_args(events_parser, account_id=True)
    events_parser.add_argument("--limit", type=int, default=50)
    events_parser.set_defaults(run=events)
    keys = commands.add_parser("keys", help="key material")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("generate", help="print a new keys document for the secret").set_defaults(
        run=keys_generate
    )
    from chalicelib.ops import appeals as appeal_commands

    appeal_commands.add_commands(commands)
    from chalicelib.ops import cases as case_commands

    case_commands.add_commands(commands)
    from chalicelib.ops import notices as notice_commands

    notice_commands.add_commands(commands)
    from chalicelib.ops import crypto_suites as crypto_commands

    crypto_commands.add_commands(commands)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except InvalidValue as exc:
        # A mistyped identifier (another script's digits, say) is the operator's to fix, not a traceback.
        print(f"refused: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
