"""Wiring: which methods each flow may use, and which SMS purposes exist.

The one place that names the methods. A flow owns the interface its methods
implement (chalicelib.flows.login.LoginMethod) and never imports them; the
handlers ask this module. Adding a login method is a folder under methods/ and
one line here. Imports are inside the functions so a cold start that serves no
login pays for none of them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.domain.codes import Purpose
    from chalicelib.flows.login import LoginMethod

__all__ = ["login_method", "login_methods", "login_request_model", "sms_purposes"]


@cache
def login_methods() -> dict[str, LoginMethod]:
    """Login methods by their stored id, in the order the login page offers them."""
    from chalicelib.flows.login_protection import WithSecondStep
    from chalicelib.methods.alipay.login import AlipayLogin
    from chalicelib.methods.app_qr.login import AppQrLogin
    from chalicelib.methods.essc_qr.login import EsscQrLogin
    from chalicelib.methods.jszw_oidc.login import JszwOidcLogin
    from chalicelib.methods.password.login import PasswordLogin
    from chalicelib.methods.sms_code.login import SmsCodeLogin

    password = WithSecondStep(PasswordLogin())  # 登录保护: a second step after a right password
    methods = (AppQrLogin(), password, SmsCodeLogin(), EsscQrLogin(), JszwOidcLogin(), AlipayLogin())
    return {m.id: m for m in methods}


def login_method(method_id: str) -> LoginMethod:
    from chalicelib.errors import HallError

    method = login_methods().get(method_id)
    if method is None:
        raise HallError.unknown_login_method()
    return method


@cache
def login_request_model():
    """The login request: one pydantic model per method, told apart by ``method``."""
    from typing import Annotated, Union

    from pydantic import Field

    models = tuple(m.request_model for m in login_methods().values())
    return Annotated[Union[models], Field(discriminator="method")]  # noqa: UP007 - a runtime tuple of types


@cache
def sms_purposes() -> frozenset[Purpose]:
    """The purposes a built flow reads SMS codes for: no code is sent for any other."""
    from chalicelib.flows import appeals, login_link, registration

    purposes = {registration.SMS_PURPOSE, login_link.SMS_PURPOSE, login_link.CREATE_SMS_PURPOSE, appeals.SMS_PURPOSE}
    purposes.update(m.sms_purpose for m in login_methods().values() if getattr(m, "sms_purpose", None))
    from chalicelib.flows import account_settings

    purposes.add(account_settings.SMS_PURPOSE)  # 修改/绑定移动电话: a code to the new phone
    return frozenset(purposes)
