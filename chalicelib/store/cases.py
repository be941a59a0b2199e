"""办件 (cases): the citizen's partition of the ``cases`` table, its counters, the 办件编号 claims,
and the idempotency keys of 在线办理 (``apply#...`` on the flows table).

Every change of a case is one ``TransactWriteItems`` with the citizen's counters item, so the
counts of the three cards (办理中 / 已办结 / 待评价) are read with one GetItem and never computed
by reading the cases:

* apply: the 办件编号 claim (condition: no such number), the case (condition: new), the
  counters (handling + 1) and the application key (condition: none live for this account and
  key); a retry with the same key fails the last condition and reads the case it made;
* finish (the back office): the case 办理中 → 已办结 (condition: status handling), counters
  handling − 1, finished + 1, due + 1;
* evaluate (好差评): the grade set on condition the case is 已办结 and has none, so it is given
  once and never changed; counters due − 1.

Lists are Queries of the local indexes (``by_status``: ``<status>#<time>#<id>``; ``due``:
present only while an evaluation is due), newest first, always inside the caller's own
partition. Nothing here decides what may happen (chalicelib.domain.cases and the flow do).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.clock import from_epoch, to_epoch
from chalicelib.store import tables
from chalicelib.store.errors import StoreError, cancellation_codes, with_conflict_retries
from chalicelib.store.models import (
    CaseApplicationRecordModel,
    CaseChange,
    CaseCountersModel,
    CaseItemModel,
    CaseModel,
    CaseNumberModel,
)
from chalicelib.store.records import RateWindow, add_hit

__all__ = [
    "ApplicationKeyUsedError",
    "ApplicationLimitError",
    "Case",
    "CaseNumberTakenError",
    "CasePage",
    "CaseStateError",
    "Change",
    "Counts",
    "NewCase",
    "StoredApplication",
    "all_for_account",
    "counts",
    "create",
    "evaluate",
    "finish",
    "get",
    "get_application",
    "list_cases",
    "owner_of",
]

_GRACE = timedelta(hours=1)
_COUNTERS = "counters"


class CaseNumberTakenError(StoreError):
    """The 办件编号 drawn is another case's (draw again)."""


class ApplicationKeyUsedError(StoreError):
    """This account already applied with this idempotency key (read it: :func:`get_application`)."""


class ApplicationLimitError(StoreError):
    """The account's window of applications (NewCase.window) is full: no case was made."""


class CaseStateError(StoreError):
    """The case is not in the state the change needs (not 办理中, not 待评价, already evaluated)."""


@dataclass(frozen=True)
class Change:
    at: datetime
    status: str
    by: str
    note: str | None = None


@dataclass(frozen=True)
class Case:
    case_id: str
    account_id: str
    service_code: str
    service_name: str
    department: str
    status: str
    applied_at: datetime
    history: tuple[Change, ...]
    finished_at: datetime | None = None
    form_cipher: str | None = None
    grade: str | None = None
    comment_cipher: str | None = None
    evaluated_at: datetime | None = None

    @property
    def due(self) -> bool:
        """已办结 and not yet evaluated: 待评价."""
        return self.status == "finished" and self.grade is None


@dataclass(frozen=True)
class Counts:
    handling: int = 0
    finished: int = 0
    due: int = 0


@dataclass(frozen=True)
class CasePage:
    cases: tuple[Case, ...]
    next_after: str | None


@dataclass(frozen=True)
class NewCase:
    case_id: str
    account_id: str
    service_code: str
    service_name: str
    department: str
    form_cipher: str
    applied_at: datetime
    note: str
    idempotency_key: str
    request_digest: str
    key_valid_until: datetime
    window: RateWindow | None = None  # the account's day of applications, counted in the same write


@dataclass(frozen=True)
class StoredApplication:
    case_id: str
    request_digest: str
    valid_until: datetime


def _pk(account_id: str) -> str:
    return f"account#{account_id}"


def _sk(case_id: str) -> str:
    return f"case#{case_id}"


def _stamp(moment: datetime) -> str:
    # Sorts as text: UTC, fixed width, microseconds.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _application_key(account_id: str, key: str) -> str:
    return f"apply#{account_id}#{key}"


def _case(item: CaseModel) -> Case:
    return Case(
        case_id=item.case_id,
        account_id=item.account_id,
        service_code=item.service_code,
        service_name=item.service_name,
        department=item.department,
        status=item.status,
        applied_at=item.applied_at,
        history=tuple(Change(c.at, c.status, c.by, c.note) for c in (item.history or [])),
        finished_at=item.finished_at,
        form_cipher=item.form_cipher,
        grade=item.grade,
        comment_cipher=item.comment_cipher,
        evaluated_at=item.evaluated_at,
    )


def _counters_write(tx: TransactWrite, account_id: str, handling: int = 0, finished: int = 0, due: int = 0) -> None:
    actions = [CaseItemModel.kind.set(CaseCountersModel)]
    for attribute, delta in (
        (CaseCountersModel.handling, handling),
        (CaseCountersModel.finished, finished),
        (CaseCountersModel.due_count, due),
    ):
        if delta:
            actions.append(attribute.add(delta))
    tx.update(CaseCountersModel(_pk(account_id), _COUNTERS), actions=actions)


def _run(transaction, labels: list[str]) -> list[str]:
    """Run ``transaction`` (retried on conflicts); answers the labels whose conditions failed
    (empty when it committed). PynamoDB sends a transaction's items in the order added here."""
    try:
        with_conflict_retries(transaction)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        failed = [label for label, code in zip(labels, codes, strict=False) if code == "ConditionalCheckFailed"]
        if failed:
            return failed
        raise
    return []


# -- writing -------------------------------------------------------------------------------------


def create(new: NewCase) -> Case:
    """Store a new case in 办理中 with its claim, counters and application key, in one transaction."""
    tables.ready()
    history = [CaseChange(at=new.applied_at, status="handling", by="citizen", note=new.note)]
    case = CaseModel(
        _pk(new.account_id),
        _sk(new.case_id),
        case_id=new.case_id,
        account_id=new.account_id,
        service_code=new.service_code,
        service_name=new.service_name,
        department=new.department,
        status="handling",
        applied_at=new.applied_at,
        form_cipher=new.form_cipher,
        history=history,
        status_key=f"handling#{_stamp(new.applied_at)}#{new.case_id}",
    )
    claim = CaseNumberModel(f"number#{new.case_id}", "number", account_id=new.account_id)
    application = CaseApplicationRecordModel(
        _application_key(new.account_id, new.idempotency_key),
        account_id=new.account_id,
        case_id=new.case_id,
        request_digest=new.request_digest,
        valid_until=to_epoch(new.key_valid_until),
        expires_at=new.key_valid_until + _GRACE,
    )
    now = to_epoch(new.applied_at)

    def run() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.save(claim, condition=CaseItemModel.pk.does_not_exist())
            tx.save(case, condition=CaseItemModel.pk.does_not_exist())
            _counters_write(tx, new.account_id, handling=1)
            tx.save(
                application,
                condition=(
                    CaseApplicationRecordModel.flow_key.does_not_exist()
                    | (CaseApplicationRecordModel.valid_until <= now)
                ),
            )
            if new.window is not None:
                add_hit(tx, new.window)

    # Order of the items as sent: puts (claim, case, application), then the updates (counters, window).
    failed = _run(run, ["claim", "case", "application", "counters", "window"])
    if "application" in failed:
        raise ApplicationKeyUsedError(new.idempotency_key)
    if "window" in failed:
        raise ApplicationLimitError(new.account_id)
    if failed:
        raise CaseNumberTakenError(new.case_id)
    return _case(case)


def finish(account_id: str, case_id: str, now: datetime, by: str, note: str) -> None:
    """办理中 → 已办结 (and so 待评价), with the counters; CaseStateError unless it was 办理中."""
    tables.ready()
    stamp = _stamp(now)
    change = CaseChange(at=now, status="finished", by=by, note=note)

    def run() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.update(
                CaseModel(_pk(account_id), _sk(case_id)),
                actions=[
                    CaseModel.status.set("finished"),
                    CaseModel.finished_at.set(now),
                    CaseModel.status_key.set(f"finished#{stamp}#{case_id}"),
                    CaseModel.due_key.set(f"{stamp}#{case_id}"),
                    CaseModel.history.set(CaseModel.history.append([change])),
                ],
                condition=CaseModel.sk.exists() & (CaseModel.status == "handling"),
            )
            _counters_write(tx, account_id, handling=-1, finished=1, due=1)

    if _run(run, ["case", "counters"]):
        raise CaseStateError(case_id)


def evaluate(account_id: str, case_id: str, grade: str, comment_cipher: str | None, now: datetime, note: str) -> None:
    """Record the 好差评 once: CaseStateError unless the case is 已办结 without an evaluation."""
    tables.ready()
    actions = [
        CaseModel.grade.set(grade),
        CaseModel.evaluated_at.set(now),
        CaseModel.due_key.remove(),
        CaseModel.history.set(
            CaseModel.history.append([CaseChange(at=now, status="evaluated", by="citizen", note=note)])
        ),
    ]
    if comment_cipher:
        actions.append(CaseModel.comment_cipher.set(comment_cipher))

    def run() -> None:
        with TransactWrite(connection=tables.connection()) as tx:
            tx.update(
                CaseModel(_pk(account_id), _sk(case_id)),
                actions=list(actions),
                condition=(CaseModel.sk.exists() & (CaseModel.status == "finished") & CaseModel.grade.does_not_exist()),
            )
            _counters_write(tx, account_id, due=-1)

    if _run(run, ["case", "counters"]):
        raise CaseStateError(case_id)


# -- reading -------------------------------------------------------------------------------------


def get(account_id: str, case_id: str) -> Case | None:
    """One of the citizen's own cases (the key is inside their partition), or None."""
    tables.ready()
    try:
        item = CaseItemModel.get(_pk(account_id), _sk(case_id), consistent_read=True)
    except DoesNotExist:
        return None
    return _case(item) if isinstance(item, CaseModel) else None


def owner_of(case_id: str) -> str | None:
    """Whose case a 办件编号 is (its claim), or None."""
    tables.ready()
    try:
        item = CaseItemModel.get(f"number#{case_id}", "number", consistent_read=True)
    except DoesNotExist:
        return None
    return item.account_id if isinstance(item, CaseNumberModel) else None


def get_application(account_id: str, key: str) -> StoredApplication | None:
    tables.ready()
    try:
        item = CaseApplicationRecordModel.get(_application_key(account_id, key), consistent_read=True)
    except DoesNotExist:
        return None
    return StoredApplication(item.case_id, item.request_digest, from_epoch(int(item.valid_until)))


def counts(account_id: str) -> Counts:
    """The three cards' counts: one GetItem of the counters item."""
    tables.ready()
    try:
        item = CaseItemModel.get(_pk(account_id), _COUNTERS, consistent_read=True)
    except DoesNotExist:
        return Counts()
    return Counts(int(item.handling or 0), int(item.finished or 0), int(item.due_count or 0))


def _cursor(item: CaseModel, index_attribute: str) -> str:
    data = {"sk": item.sk, "key": getattr(item, index_attribute)}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _start_key(after: str | None, account_id: str, index_attribute: str) -> dict | None:
    """The page's start inside the citizen's own partition (a cursor cannot name another's)."""
    if not after:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        sk, key = data["sk"], data["key"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(sk, str) and isinstance(key, str) and len(sk) < 100 and len(key) < 200):
        return None
    return {"pk": {"S": _pk(account_id)}, "sk": {"S": sk}, index_attribute: {"S": key}}


def list_cases(account_id: str, which: str, limit: int = 20, after: str | None = None) -> CasePage:
    """A page of the citizen's cases in one list (``handling``, ``finished`` or ``due``), newest
    first: one Query of a local index, inside their partition."""
    tables.ready()
    if which == "due":
        index, attribute, condition = CaseItemModel.due, "due_key", None
    else:
        index, attribute = CaseItemModel.by_status, "status_key"
        condition = CaseItemModel.status_key.startswith(f"{which}#")
    results = index.query(
        _pk(account_id),
        range_key_condition=condition,
        scan_index_forward=False,
        limit=limit,
        consistent_read=True,
        last_evaluated_key=_start_key(after, account_id, attribute),
    )
    found = [item for item in results if isinstance(item, CaseModel)]
    more = results.last_evaluated_key is not None and len(found) == limit
    return CasePage(tuple(_case(i) for i in found), _cursor(found[-1], attribute) if more and found else None)


def all_for_account(account_id: str) -> list[Case]:
    """Every case of the citizen, newest first (个人信息导出): the local index ``by_status`` read
    whole inside their partition (every page), never a filter over other citizens' cases."""
    tables.ready()
    results = CaseItemModel.by_status.query(_pk(account_id), scan_index_forward=False, consistent_read=True)
    found = [_case(item) for item in results if isinstance(item, CaseModel)]
    return sorted(found, key=lambda case: case.applied_at, reverse=True)
