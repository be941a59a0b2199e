"""What every login sent to an identity provider's page shares (江苏政务, 支付宝).

``send`` makes the single-use state record (``oauth#<state>``, chalicelib.store.oauth_states)
bound to a new secret for the browser (the HttpOnly ``hall_oauth`` cookie; the record keeps
its hash) and answers the :class:`Redirect` to the provider's page. ``come_back`` is the first
thing a provider's callback does: it consumes that state once (one conditional update), in
the browser that began the login only, or refuses in the hall's words. What differs by
provider (the authorize URL, PKCE and nonce for OpenID Connect, the code exchange) stays in
each method.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from chalicelib import crypto
from chalicelib.context import RequestContext
from chalicelib.errors import HallError
from chalicelib.flows.login import Redirect
from chalicelib.store import oauth_states

__all__ = ["STATE_LIFETIME", "come_back", "new_state", "send"]

STATE_LIFETIME = timedelta(minutes=10)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def send(
    provider: str,
    state: str,
    location: str,
    ctx: RequestContext,
    verifier_cipher: str = "",
    nonce: str = "",
    bind_account_id: str | None = None,
) -> Redirect:
    """Store the state (one conditional PutItem) and send the browser to ``location``.
    ``bind_account_id``: a logged-in citizen's 去绑定 (the callback ties the provider's
    identity to that account instead of logging in by it)."""
    browser_secret = crypto.new_token()
    oauth_states.create(
        state,
        provider,
        verifier_cipher,
        nonce,
        crypto.hash_token(browser_secret),
        ctx.now + STATE_LIFETIME,
        account_id=bind_account_id,
    )
    return Redirect(location, browser_secret=browser_secret, browser_secret_max_age=int(STATE_LIFETIME.total_seconds()))


def come_back(state: str, provider: str, ctx: RequestContext) -> oauth_states.OAuthState:
    """Use the state up, once, in the browser that began the login; else the refusal."""
    if not state or not ctx.browser_secret:
        raise HallError.oidc_state_invalid()
    try:
        return oauth_states.consume(state, provider, crypto.hash_token(ctx.browser_secret), ctx.now)
    except oauth_states.StateRefusedError as exc:
        raise {
            "expired": HallError.oidc_state_expired,
            "used": HallError.oidc_state_used,
        }.get(exc.reason, HallError.oidc_state_invalid)() from None
