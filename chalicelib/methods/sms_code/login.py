"""SMS code login (手机动态码登录): phone + code sent for purpose ``login``.

A password lock does not stop this method: it proves another factor.
"""

from __future__ import annotations

from chalicelib.citizen_data import phone_mac
from chalicelib.context import RequestContext
from chalicelib.domain import identity
from chalicelib.domain.codes import Purpose
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated
from chalicelib.methods.sms_code import codes
from chalicelib.store import accounts

__all__ = ["SmsCodeLogin"]


class SmsCodeLogin:
    id = "sms_code"

    def authenticate(self, form: dict, ctx: RequestContext) -> Authenticated:
        try:
            phone = identity.validate_phone(str(form.get("phone") or ""))
        except identity.InvalidValue as exc:
            raise HallError.validation_failed({"phone": str(exc)}) from None
        codes.verify(phone, Purpose.LOGIN, str(form.get("sms_code") or ""), ctx)
        # The code proved the caller holds the phone, so saying it has no account reveals nothing.
        key = accounts.phone_claim_key(phone_mac(phone))
        account_id = accounts.find_account_ids([key]).get(key)
        account = accounts.get(account_id) if account_id else None
        if account is None:
            raise HallError.phone_not_registered()
        return Authenticated(account)
