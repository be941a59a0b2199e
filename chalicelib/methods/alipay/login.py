"""支付宝登录: Alipay's web authorization (用户信息授权, scope ``auth_user``).

``begin`` makes a single-use state record (``oauth#<state>``, 10 minutes, the same
record and browser binding as 江苏政务: chalicelib.methods.oauth_redirect) and sends the
browser to Alipay's authorize page, which on a PC shows the 支付宝 QR the manual describes.
``proceed`` is Alipay's callback (``auth_code`` and ``state``): it consumes the state once,
exchanges the code at the gateway (``alipay.system.oauth.token``), reads the user
(``alipay.user.info.share``), both signed RSA2 and their answers verified
(chalicelib.methods.alipay.gateway), and resolves the account by the link claim
``oidc#alipay#<user id mac>`` (chalicelib.methods.federation.resolve_linked). Alipay gives
the hall no ID number, so an unlinked Alipay user goes to the link step (账号关联), which asks
for it (chalicelib.flows.login_link).
There is no PKCE or nonce in Alipay's protocol: the state record keeps them empty.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlencode

from chalicelib import settings
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.flows.login import Step
from chalicelib.methods import federation, oauth_redirect
from chalicelib.observability import logger

__all__ = ["CALLBACK_PATH", "AlipayLogin"]

PROVIDER = "alipay"
CALLBACK_PATH = "/login/callback/alipay"
SCOPE = "auth_user"


@cache
def _request_model() -> type:
    from typing import Literal

    from pydantic import BaseModel

    class AlipayLoginRequest(BaseModel):
        method: Literal["alipay"]

    return AlipayLoginRequest


def _redirect_uri() -> str:
    cfg = settings.get()
    redirect_uri = cfg.public_base_url.rstrip("/") + CALLBACK_PATH
    if not cfg.alipay_app_id or not cfg.alipay_app_private_key or not cfg.alipay_public_key:
        logger.warning("alipay is not configured (HALL_ALIPAY_APP_ID, HALL_ALIPAY_APP_PRIVATE_KEY, ...)")
        raise HallError.alipay_unavailable()
    if redirect_uri not in cfg.alipay_redirect_uris:
        logger.warning("alipay redirect URI not in HALL_ALIPAY_REDIRECT_URIS", extra={"redirect_uri": redirect_uri})
        raise HallError.alipay_unavailable()
    return redirect_uri


def _gateway():
    from chalicelib.methods.alipay.gateway import Gateway

    cfg = settings.get()
    try:
        return Gateway(cfg.alipay_gateway_url, cfg.alipay_app_id, cfg.alipay_app_private_key, cfg.alipay_public_key)
    except ValueError:
        logger.warning("alipay keys do not load (HALL_ALIPAY_APP_PRIVATE_KEY, HALL_ALIPAY_PUBLIC_KEY)")
        raise HallError.alipay_unavailable() from None


class AlipayLogin:
    id = "alipay"
    # Begun by a browser's navigation (GET /login/start/alipay), which follows the redirect.
    starts_by_redirect = True

    @property
    def request_model(self) -> type:
        return _request_model()

    def begin(self, form: dict, ctx: RequestContext) -> Step:
        redirect_uri = _redirect_uri()
        cfg = settings.get()
        state = oauth_redirect.new_state()
        query = urlencode({"app_id": cfg.alipay_app_id, "scope": SCOPE, "redirect_uri": redirect_uri, "state": state})
        return oauth_redirect.send(
            PROVIDER, state, f"{cfg.alipay_authorize_url}?{query}", ctx, bind_account_id=form.get("bind_account_id")
        )

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        from chalicelib.methods.alipay.gateway import GatewayError, GatewayRefusedError
        from chalicelib.methods.alipay.signature import SignatureError

        state = oauth_redirect.come_back(flow_id, PROVIDER, ctx)
        if form.get("error"):  # the citizen pressed 取消 on the phone (state consumed)
            raise HallError.alipay_access_denied()
        auth_code = str(form.get("auth_code") or "")
        if not auth_code:
            raise HallError.alipay_auth_code_invalid()
        gateway = _gateway()
        try:
            user = gateway.user_for_code(auth_code, ctx.now)
        except SignatureError:
            logger.warning("alipay answer signature does not verify")
            raise HallError.alipay_signature_invalid() from None
        except GatewayRefusedError as exc:
            logger.warning("alipay gateway refused", extra={"code": exc.code, "sub_code": exc.sub_code[:100]})
            if exc.sub_code in ("isv.code-invalid", "isv.invalid-auth-code", "isv.code-expired"):
                raise HallError.alipay_auth_code_invalid() from None
            raise HallError.alipay_unavailable() from None
        except GatewayError as exc:
            logger.warning("alipay gateway failed", extra={"error": str(exc)[:200]})
            raise HallError.alipay_unavailable() from None
        if state.account_id:  # 去绑定 from 账号绑定
            return federation.bind(PROVIDER, self.id, user.subject, state.account_id, ctx)
        return federation.resolve_linked(PROVIDER, self.id, flow_id, user.subject, ctx)
