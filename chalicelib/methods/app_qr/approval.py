"""扫码登录, the app's side: a logged-in 江苏智慧人社APP scans a QR, then confirms or cancels.

Scanning moves the record from pending to scanned (once) and shows the app the requesting
browser's time, address and user agent, so a QR relayed from someone else's screen can be
spotted; only the account that scanned may confirm or cancel. Each is one conditional write
(chalicelib.store.qr_logins).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.clock import CHINA
from chalicelib.errors import HallError
from chalicelib.store import qr_logins
from chalicelib.store.qr_logins import QrLogin, QrLoginRefusedError

__all__ = ["cancel", "confirm", "mark_scanned"]

_REFUSALS = {
    "gone": HallError.qr_login_not_found,
    "expired": HallError.qr_login_expired,
    "scanned": HallError.qr_login_already_scanned,
    "other_account": HallError.qr_login_other_account,
    "finished": HallError.qr_login_finished,
}


def _valid_id(qr_id: str) -> str:
    if not qr_id or len(qr_id) > 64:
        raise HallError.qr_login_not_found()
    return qr_id


def _view(record: QrLogin) -> dict:
    return {
        "state": record.state,
        "requested_at": record.requested_at.astimezone(CHINA).isoformat(),
        "ip": record.request_ip,
        "user_agent": record.request_user_agent,
        "expires_at": record.valid_until.isoformat(),
    }


def _run(change, qr_id: str, account_id: str, now: datetime) -> dict:
    try:
        return _view(change(_valid_id(qr_id), account_id, now))
    except QrLoginRefusedError as exc:
        raise _REFUSALS[exc.reason]() from None


def mark_scanned(qr_id: str, account_id: str, now: datetime) -> dict:
    return _run(qr_logins.mark_scanned, qr_id, account_id, now)


def confirm(qr_id: str, account_id: str, now: datetime) -> dict:
    return _run(qr_logins.confirm, qr_id, account_id, now)


def cancel(qr_id: str, account_id: str, now: datetime) -> dict:
    return _run(qr_logins.cancel, qr_id, account_id, now)
