"""SMS code login (手机动态码登录): phone + code sent for purpose ``login``.

A password lock does not stop this method: it proves another factor.
"""

from __future__ import annotations

from functools import cache

from chalicelib.citizen_data import phone_macs
from chalicelib.context import RequestContext
from chalicelib.domain import identity
from chalicelib.domain.codes import Purpose
from chalicelib.errors import HallError
from chalicelib.flows.login import Authenticated, Step
from chalicelib.guards import rate_limits
from chalicelib.methods.sms_code import codes
from chalicelib.store import accounts, records

__all__ = ["SmsCodeLogin"]


@cache  # one class (and so one cached validator) per process
def _request_model() -> type:
    from typing import Literal

    from pydantic import BaseModel, Field

    class SmsCodeLoginRequest(BaseModel):
        method: Literal["sms_code"]
        phone: str | None = Field(default=None, max_length=20)
        sms_code: str | None = Field(default=None, max_length=10)

    return SmsCodeLoginRequest


class SmsCodeLogin:
    id = "sms_code"
    sms_purpose = Purpose.LOGIN  # the SMS codes this method reads (sent only for built flows)

    @property
    def request_model(self) -> type:
        return _request_model()

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        raise HallError.login_flow_expired()  # one step: there is no later request

    def begin(self, form: dict, ctx: RequestContext) -> Authenticated:
        try:
            phone = identity.validate_phone(str(form.get("phone") or ""))
        except identity.InvalidValue as exc:
            raise HallError.validation_failed({"phone": str(exc)}) from None
        # The address's attempt is reserved before the code is checked (credential stuffing
        # across many phones); a right code gives it back with the session.
        window = rate_limits.reserve_sms_login(ctx)
        codes.verify(phone, Purpose.LOGIN, str(form.get("sms_code") or ""), ctx)
        # The code proved the caller holds the phone, so saying it has no account reveals nothing.
        found = accounts.find_account_ids([accounts.phone_claim_key(m) for m in phone_macs(phone)])
        account_id = next(iter(found.values()), None)
        account = accounts.get(account_id) if account_id else None
        if account is None:
            raise HallError.phone_not_registered()
        return Authenticated(account, session_writes=(records.give_back_hit(window),))
