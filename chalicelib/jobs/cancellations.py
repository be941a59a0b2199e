"""Carry out the 账号注销 that fell due (daily): delete each account whose 15 days have passed.

It never scans: a pending account carries ``cancel_day`` (the China day it falls due), the hash
key of the sparse index ``by_cancel_day``, so each run Queries the days from the last one it
finished (a checkpoint in the flows table; that day is read again, since a crash may have left
work in it) to today, and its cost grows with the deletions due, not with the users.

For each account found: one consistent read (still pending, past due, as of which version), its
sessions and favourites, then one transaction conditioned on all of that
(``store/cancellations.delete_account``): a citizen who logged in meanwhile keeps the whole
account, and one who logs in after finds none. The security events stay under the account's
random id, stripped to where and how, and expire by the audit retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import data_rights as rules
from chalicelib.observability import count, logger
from chalicelib.store import audit, cancellations, records
from chalicelib.store.lockouts import account_subject

__all__ = ["CHECKPOINT", "DeletionReport", "run"]

CHECKPOINT = "account_cancellations"


@dataclass(frozen=True)
class DeletionReport:
    days_read: int
    deleted: int
    kept: int  # found in the index but not deleted (withdrawn meanwhile, not yet due, or changed)


def delete_one(account_id: str, now: datetime) -> bool:
    """Delete one pending account if it is due; False when it was not (nothing deleted)."""
    plan = cancellations.plan_deletion(account_id)
    if plan is None or plan.cancel_after > now:
        return False
    event = audit.event(account_subject(account_id), "AccountDeleted", now, method="cancellation")
    if not cancellations.delete_account(plan, now, event):
        return False
    cancellations.pseudonymise_events(account_id, rules.kept_detail, audit.retention(), now)
    return True


def run(now: datetime) -> DeletionReport:
    days = rules.days_to_read(records.get_checkpoint(CHECKPOINT), now)
    deleted = kept = 0
    for day in days:
        for account_id in cancellations.due_account_ids(day):
            if delete_one(account_id, now):
                deleted += 1
            else:
                kept += 1
    # Today may still gain due deletions (requested at a later hour 15 days ago): read it again next time.
    records.set_checkpoint(CHECKPOINT, days[-1])
    if deleted:
        count("AccountsDeleted", value=deleted)
    logger.info("account cancellations finished", extra={"days_read": len(days), "deleted": deleted, "kept": kept})
    return DeletionReport(len(days), deleted, kept)
