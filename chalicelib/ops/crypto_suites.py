"""``python -m chalicelib.ops crypto ...``: moving stored citizen data to the configured crypto suite.

    crypto rekey --account-ids accounts.txt    (one account id a line; ``-`` reads stdin)

Re-keys each account named (chalicelib/jobs/crypto_rekey.py): run it after switching
``HALL_CRYPTO_SUITE`` with ``HALL_CRYPTO_PREVIOUS_SUITE`` set, or after making a new encryption key
current. The ids come from a DynamoDB export of the accounts table (docs/operations.md, 国密):
nothing here walks a table. Prints the outcomes counted, and the ids it could not re-key.
"""

from __future__ import annotations

import sys

from chalicelib import clock

__all__ = ["add_commands"]


def rekey(args) -> int:
    from chalicelib import settings
    from chalicelib.jobs import crypto_rekey

    cfg = settings.get()
    if args.account_ids == "-":
        outcomes, refused = crypto_rekey.run(sys.stdin, clock.now())
    else:
        with open(args.account_ids, encoding="utf-8") as lines:
            outcomes, refused = crypto_rekey.run(lines, clock.now())
    window = f" (lookups also try {cfg.crypto_previous_suite})" if cfg.crypto_previous_suite else ""
    print(f"suite {cfg.crypto_suite}{window}")
    for outcome in (crypto_rekey.REKEYED, crypto_rekey.CURRENT, crypto_rekey.GONE, crypto_rekey.REFUSED):
        print(f"{outcome:<9} {outcomes.get(outcome, 0)}")
    for account_id in refused:
        print(f"refused: {account_id}", file=sys.stderr)
    return 1 if refused else 0


def add_commands(commands) -> None:
    crypto = commands.add_parser("crypto", help="stored citizen data and the crypto suite")
    crypto_commands = crypto.add_subparsers(dest="crypto_command", required=True)
    rekey_parser = crypto_commands.add_parser("rekey", help="rewrite accounts under the configured suite and keys")
    rekey_parser.add_argument("--account-ids", required=True, help="a file of account ids, one a line (- for stdin)")
    rekey_parser.set_defaults(run=rekey)
