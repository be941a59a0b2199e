"""江苏政务登录: OpenID Connect authorization code flow with PKCE, state and nonce.

``begin`` makes a single-use state record (``oauth#<state>``, 10 minutes) and sends the
browser to the provider's authorize page; it also hands the browser a secret (an HttpOnly
cookie; the record keeps its hash), so the callback is honoured only in the browser that
began the login: a code and state captured from someone else's login cannot be replayed
into another browser (both shared with 支付宝: chalicelib.methods.oauth_redirect).
``proceed`` is the provider's callback: it consumes the state once
(conditional update), exchanges the code with the PKCE verifier, verifies the ID token
(chalicelib.methods.jszw_oidc.provider) and resolves the account
(chalicelib.methods.federation).

The PKCE verifier is stored encrypted (crypto.encrypt, AES-GCM under the hall's key):
with the code, it is what redeems the login at the provider, so a read of the flows table
alone must not be enough to use an intercepted code. The nonce is stored as it is: it is
no secret (it travels in the authorize URL and the ID token).
"""

from __future__ import annotations

import secrets
from functools import cache

from chalicelib import crypto, settings
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.flows.login import Step
from chalicelib.methods import federation, oauth_redirect
from chalicelib.observability import logger

__all__ = ["CALLBACK_PATH", "JszwOidcLogin"]

PROVIDER = "jszw"
CALLBACK_PATH = "/login/callback/jszw_oidc"
_VERIFIER_KIND = "pkce_verifier"


@cache
def _request_model() -> type:
    from typing import Literal

    from pydantic import BaseModel

    class JszwOidcLoginRequest(BaseModel):
        method: Literal["jszw_oidc"]

    return JszwOidcLoginRequest


def _provider():
    from chalicelib.methods.jszw_oidc.provider import Provider

    cfg = settings.get()
    redirect_uri = cfg.public_base_url.rstrip("/") + CALLBACK_PATH
    if not cfg.jszw_issuer or not cfg.jszw_client_secret:
        logger.warning("jszw_oidc is not configured (HALL_JSZW_ISSUER, HALL_JSZW_CLIENT_SECRET)")
        raise HallError.oidc_provider_unavailable()
    if redirect_uri not in cfg.jszw_redirect_uris:
        # Only an allowed callback is ever sent: a misconfigured base URL fails here, not at the provider.
        logger.warning("jszw_oidc redirect URI not in HALL_JSZW_REDIRECT_URIS", extra={"redirect_uri": redirect_uri})
        raise HallError.oidc_provider_unavailable()
    return Provider(cfg.jszw_issuer, cfg.jszw_client_id, cfg.jszw_client_secret, redirect_uri)


class JszwOidcLogin:
    id = "jszw_oidc"
    # Begun by a browser's navigation (GET /login/start/jszw_oidc), which follows the redirect.
    starts_by_redirect = True

    @property
    def request_model(self) -> type:
        return _request_model()

    def begin(self, form: dict, ctx: RequestContext) -> Step:
        from chalicelib.methods.jszw_oidc.provider import ProviderError

        provider = _provider()
        state, nonce = oauth_redirect.new_state(), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters of RFC 7636's alphabet (43-128)
        try:
            location = provider.authorization_url(state, nonce, verifier)
        except ProviderError as exc:
            logger.warning("jszw_oidc discovery failed", extra={"error": str(exc)})
            raise HallError.oidc_provider_unavailable() from None
        return oauth_redirect.send(
            PROVIDER,
            state,
            location,
            ctx,
            verifier_cipher=crypto.encrypt(_VERIFIER_KIND, verifier),
            nonce=nonce,
            bind_account_id=form.get("bind_account_id"),
        )

    def proceed(self, flow_id: str, form: dict, ctx: RequestContext) -> Step:
        from chalicelib.methods.jszw_oidc.provider import ProviderError, TokenRefusedError

        state = oauth_redirect.come_back(flow_id, PROVIDER, ctx)
        if form.get("error"):  # the citizen refused at the provider's 授权 step (state consumed)
            raise HallError.oidc_access_denied()
        code = str(form.get("code") or "")
        if not code:
            raise HallError.oidc_token_invalid()
        provider = _provider()
        try:
            vouched = provider.finish(code, crypto.decrypt(_VERIFIER_KIND, state.verifier_cipher), state.nonce, ctx.now)
        except TokenRefusedError as exc:
            logger.warning("jszw_oidc token refused", extra={"reason": str(exc)[:200]})
            raise HallError.oidc_token_invalid() from None
        except ProviderError as exc:
            logger.warning("jszw_oidc provider failed", extra={"error": str(exc)[:200]})
            raise HallError.oidc_provider_unavailable() from None
        if state.account_id:  # 去绑定 from 账号绑定
            return federation.bind(PROVIDER, self.id, vouched.subject, state.account_id, ctx, vouched.id_number)
        return federation.resolve(PROVIDER, self.id, flow_id, vouched, ctx)
